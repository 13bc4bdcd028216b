"""The grade model and the grader protocol shared by every grading backend.

A :class:`Grade` is what users trust: it records who graded (kind, model, prompt version),
on what evidence (cited sources), and why (per-criterion rationales, key-point verdicts with
quoted evidence). The overall score is computed in code from criterion scores and weights
(see :mod:`interviewer.grading.rubric`), never taken from a model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, Field, field_validator, model_validator

from interviewer.bank import Question
from interviewer.retrieval import Citation, RetrievedChunk
from interviewer.text import cue

__all__ = [
    "CRITERIA",
    "CriterionName",
    "CriterionScore",
    "Flag",
    "Grade",
    "GradeRequest",
    "Grader",
    "GraderInfo",
    "KeyPointVerdict",
    "Verdict",
    "gap_follow_up",
    "gap_question",
    "gives_example",
    "going_further",
    "hints_phrase",
]

CriterionName = Literal["correctness", "coverage", "depth", "communication"]
CRITERIA: tuple[CriterionName, ...] = ("correctness", "coverage", "depth", "communication")
Verdict = Literal["covered", "partly", "missed"]
Flag = Literal[
    "empty",
    "too_short",
    "off_topic",
    "gibberish",
    "copied_question",
    "injection_attempt",
    "truncated",
    "no_evidence",
    "fallback",
    "pending",
    "low_confidence_transcript",
]


class CriterionScore(BaseModel):
    """Score of one rubric criterion; ``score=None`` means not assessed (left out of overall)."""

    criterion: CriterionName
    score: float | None = Field(default=None, ge=0, le=5)
    rationale: str = ""

    @property
    def assessed(self) -> bool:
        """Whether the grader judged this criterion."""
        return self.score is not None


class KeyPointVerdict(BaseModel):
    """Whether the answer states one key point, with the answer's own words as evidence."""

    key_point: str
    verdict: Verdict
    evidence: str = Field(default="", description="Verbatim quote from the answer")


def _biggest_gap(verdicts: list[KeyPointVerdict]) -> KeyPointVerdict | None:
    """The first key point missed, else the first partly covered with nothing quoted for it,
    else the first partly covered; None when all are covered. A follow-up asked about a partly
    covered point the answer had quoted words for, while another one it never mentioned went
    unasked."""
    order = (
        lambda v: v.verdict == "missed",
        lambda v: v.verdict == "partly" and not v.evidence,
        lambda v: v.verdict == "partly",
    )
    return next((v for rule in order for v in verdicts if rule(v)), None)


# What an answer that covers every key point already gives beyond them, read from its wording.
_EXAMPLE = re.compile(
    r"\b(?:examples?|for instance|such as|instance of|case in point)\b|\be\.g\.", re.I
)
_FAILURE = re.compile(
    r"\b(?:fail(?:s|ed|ing|ures?)?|breaks? down|goes wrong|go wrong|does(?:n't| not) work|"
    r"stops? working|pitfalls?|diverg(?:es|ed|ing|ence)|collapses?|unstable)\b",
    re.I,
)
_TRADE_OFF = re.compile(
    r"\b(?:trade[- ]?offs?|trades? off|at the (?:cost|expense) of|in exchange for|drawbacks?|"
    r"downsides?|disadvantages?|limitations?|costs? (?:more|less|extra)|price)\b",
    re.I,
)
# "It does not fail often" gives no failure case, nor "I can't think of a good example" an
# example: a negation one word before the term, not counting small words such as "of a good".
_NEGATED = re.compile(
    r"(?:\b(?:not|never|no|cannot|rarely)|n't)\W+(?:\w+\W+)?"
    r"(?:(?:of|an?|the|any|one|single|good|real|concrete)\W+){0,3}$",
    re.I,
)
# A question about a problem ("why is it problematic?", "what are the challenges?"): "a case
# where it fails" or "its trade-off" does not fit when "it" is itself the failure.
_PROBLEM_QUESTION = re.compile(
    r"\b(?:problem\w*|fail\w*|collapse|challenges?|issues?|pitfalls?|limitations?|risks?|"
    r"concerns?|unstable|instability|vanishing|exploding|difficult\w*|hard)\b",
    re.I,
)

# What to add, as the feedback says it, and the follow-up that asks for it.
_FURTHER: dict[str, tuple[str, str]] = {
    "example or failure": (
        "a concrete example or a failure case",
        "Can you give a concrete example or a failure case of what you described?",
    ),
    "example": ("a concrete example", "Can you give a concrete example of what you described?"),
    "failure": ("a case where it fails", "Can you describe a case where it fails?"),
    "failure or trade-off": (
        "a case where it fails, or a trade-off it makes",
        "Can you describe a case where it fails, or a trade-off it makes?",
    ),
    "trade-off": (
        "its trade-off",
        "What is its trade-off: what does it cost, and what does it gain in return?",
    ),
    "alternative": (
        "when you would not use it",
        "When would you not use it, and what would you use instead?",
    ),
    "problem example": (
        "a concrete case of it",
        "Can you give a concrete case of it, from a model or a task you know?",
    ),
    "problem practice": (
        "how you would notice it in practice and what you would try first",
        "How would you notice it in practice, and what would you try first about it?",
    ),
}


def gap_follow_up(verdicts: list[KeyPointVerdict], *, answer: str = "", question: str = "") -> str:
    """A follow-up question on the biggest gap (:func:`_biggest_gap`) that names it by its cue:
    the whole key point in the question gave the answer away, and pasted back as the follow-up
    answer it counted as covered. With no gap, a question on what ``answer`` does not give yet
    (:func:`going_further`)."""
    gap = _biggest_gap(verdicts)
    if gap is None:
        return going_further(answer, question)[1]
    return gap_question(gap.key_point, partly=gap.verdict == "partly", quoted=bool(gap.evidence))


def going_further(answer: str, question: str = "") -> tuple[str, str]:
    """What an answer with every key point could add, as (what to add, the follow-up asking
    for it): whichever of an example, a failure case and a trade-off it lacks, read from its
    wording. Asking for "a concrete example or a failure case" after "for example, ... it
    fails when ..." read as if the answer had not been read; and on a question about a problem
    (mode collapse, vanishing gradients) "a case where it fails" asked for a failure of the
    failure, so there it asks for a concrete case, then how to notice and handle it."""
    example = _said(_EXAMPLE, answer)
    if _PROBLEM_QUESTION.search(question):
        return _FURTHER["problem practice" if example else "problem example"]
    failure = _said(_FAILURE, answer)
    trade_off = _said(_TRADE_OFF, answer)
    if not example:
        return _FURTHER["example" if failure else "example or failure"]
    if not failure:
        return _FURTHER["failure" if trade_off else "failure or trade-off"]
    return _FURTHER["alternative" if trade_off else "trade-off"]


def gives_example(answer: str) -> bool:
    """Whether ``answer`` gives an example, read from its wording as :func:`going_further` reads
    it, so the feedback never credits an example that the follow-up then asks for. (Its failure
    and trade-off terms are too loose to credit: "the JS divergence" reads as a failure.)"""
    return _said(_EXAMPLE, answer)


def _said(pattern: re.Pattern[str], answer: str) -> bool:
    """Whether ``answer`` uses one of ``pattern``'s terms other than under a negation."""
    return any(not _NEGATED.search(answer[: m.start()]) for m in pattern.finditer(answer))


def gap_question(key_point: str, *, partly: bool = False, quoted: bool = True) -> str:
    """The question on one missed (or ``partly`` covered) key point, named by its cue. It says
    the point was missing: "What can you add about the point that starts “GAN is a generative
    …”?" read as if the candidate had said it; and "did not cover" a point the card listed as
    partly covered read as a contradiction. A partly covered point with nothing ``quoted`` for
    it is asked to be said, as the feedback asks ("Say explicitly: ..."): "only touched on"
    under that line read as two graders."""
    if partly and not quoted:
        return f"Your answer did not say {cue(key_point)} explicitly: what can you say about it?"
    if partly:
        return f"Your answer only touched on {cue(key_point)}: what more can you say about it?"
    return f"Your answer did not cover {cue(key_point)}: what can you say about it?"


class GraderInfo(BaseModel):
    """Who produced a grade, with what, and at what cost."""

    kind: str = Field(description="offline, llm, or guard")
    model: str = ""
    prompt_version: str = ""
    latency_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 1


class GradeRequest(BaseModel):
    """Everything a grader needs: the question, the answer (data, never instructions), evidence."""

    question: Question
    answer: str
    evidence: list[RetrievedChunk] = Field(default_factory=list)
    evidence_error: str = Field(
        default="", description="Why retrieval failed, if it did (grading goes on without it)"
    )
    transcript_confidence: float | None = Field(
        default=None, description="Speech recognition confidence in [0, 1] for spoken answers"
    )
    hints: list[str] = Field(
        default_factory=list,
        description="The interviewer's hints shown before this answer, as shown (data): the "
        "candidate is not credited for the words they gave",
    )


def hints_phrase(hints: Sequence[str]) -> str:
    """How a grade names the hints shown before its answer: "the hint shown", "the 2 hints
    shown"; '' without hints."""
    if not hints:
        return ""
    return "the hint shown" if len(hints) == 1 else f"the {len(hints)} hints shown"


class Grade(BaseModel):
    """A validated grade of one answer."""

    question_id: str
    question_version: str = ""
    status: Literal["graded", "pending"] = "graded"
    overall: float | None = Field(default=None, ge=0, le=5)
    criteria: list[CriterionScore] = Field(default_factory=list)
    key_points: list[KeyPointVerdict] = Field(default_factory=list)
    factual_errors: list[str] = Field(default_factory=list)
    feedback: str = ""
    model_answer: str = ""
    follow_up: str = ""
    sources: list[Citation] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    message: str = Field(default="", description="Notice for the user (why 0, why pending, ...)")
    diagnostics: str = Field(
        default="",
        description="Why grading was degraded, for whoever runs the server (the LLM's or the "
        "knowledge base's error, which setting to check); never shown to a candidate",
    )
    grader: GraderInfo

    @field_validator("overall")
    @classmethod
    def _one_decimal(cls, value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    @model_validator(mode="after")
    def _guards_judge_no_criterion(self) -> Grade:
        # A rejected answer's 0 is the guards' verdict on the whole answer: no criterion was
        # judged. Grades stored before they said so hold 0.0 for each, which a card showed as
        # "Correctness 0.0 / 5", read as "you were wrong"; they read as not assessed here.
        if self.grader.kind == "guard" and any(c.score is not None for c in self.criteria):
            self.criteria = [c.model_copy(update={"score": None}) for c in self.criteria]
        return self

    def criterion(self, name: CriterionName) -> CriterionScore | None:
        """The score of one criterion, if present."""
        return next((c for c in self.criteria if c.criterion == name), None)

    @property
    def missed_key_points(self) -> list[str]:
        """Key points judged missed or only partly covered."""
        return [v.key_point for v in self.key_points if v.verdict != "covered"]


class Grader(Protocol):
    """A grading backend: one method, deterministic for the same request."""

    name: str

    def grade(self, request: GradeRequest) -> Grade:
        """Grade one answer.

        Raises:
            GradingError: No valid grade could be produced (after the backend's retries).
        """
        ...
