"""The LLM grader: one chat call per answer, a pydantic-validated reply, arithmetic in code.

The model judges key points (with verbatim quotes), factual errors and three criteria
(correctness, depth, communication) with its reasoning written before each score. Code then
checks every quote against the answer, computes coverage from the verdicts and the overall
score from the rubric weights: no number the model states about the whole answer is trusted.

Retries: :func:`interviewer.chat.structured.ask_structured` owns the whole budget: at most
``max_attempts`` HTTP requests per answer, counting transport errors (timeouts, 429, 5xx)
and unusable replies alike (the client library's own retries are off).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel, Field, ValidationError
from pydantic.json_schema import JsonDict

from interviewer.bank import Question
from interviewer.chat.structured import (
    ResponseFormat,
    StructuredReply,
    StructuredReplyError,
    ask_structured,
    bind_structured,
    check_attempts,
    json_body,
    text_of,
)
from interviewer.errors import GradingError
from interviewer.grading.base import (
    CRITERIA,
    CriterionName,
    CriterionScore,
    Grade,
    GradeRequest,
    GraderInfo,
    KeyPointVerdict,
    gap_follow_up,
    hints_phrase,
)
from interviewer.grading.rubric import (
    FEEDBACK_FALLBACK,
    clamp_score,
    coverage_score,
    load_rubric,
    overall_score,
    prompt_version,
)
from interviewer.knowledge.tokens import count_tokens, truncate_tokens
from interviewer.prompts import render_prompt
from interviewer.retrieval import RetrievedChunk
from interviewer.text import counted, repeats

__all__ = [
    "PROMPT_TOKEN_BUDGET",
    "CriterionReply",
    "GradeReply",
    "KeyPointReply",
    "LLMGrader",
    "answer_tag",
    "build_grading_messages",
    "prompt_tokens",
    "quote_in_answer",
]

log = logging.getLogger(__name__)

# Whole prompt (system + user) for a 200-word answer must stay within this many tokens, as
# the server counts them (message framing included); evidence is trimmed to whatever the rest
# of the prompt leaves (and to evidence_tokens).
PROMPT_TOKEN_BUDGET = 1500
# OpenAI's chat format adds 3 tokens per message and 3 to prime the reply (its cookbook's
# count for gpt-4o and gpt-4o-mini); servers bill them as prompt tokens.
_TOKENS_PER_MESSAGE = 3
_REPLY_PRIMING_TOKENS = 3
# The model answer is reference material too; beyond this it crowds out retrieved evidence.
MODEL_ANSWER_TOKENS = 160
_NO_EVIDENCE = "(none retrieved)"
_NO_MODEL_ANSWER = "(none)"
_TAG_LOOKALIKE = re.compile(r"<\s*/?\s*answer[\w-]*\s*>?", re.IGNORECASE)


class KeyPointReply(BaseModel):
    """The model's verdict on one key point."""

    key_point: str
    verdict: Literal["covered", "partly", "missed"]
    quote: str = ""


# What the schema sent to the server says of a score: the rubric's integer levels 0-5. A server
# that enforces the schema (vLLM's guided decoding, llama.cpp grammars) then cannot return 9, as
# it could with "number" alone; one that only reads it (OpenAI, strict off) is told the range.
# Grammar back-ends differ in which keywords they honour, hence both the enum and the bounds.
_SCORE_SCHEMA: JsonDict = {
    "type": "integer",
    "minimum": 0,
    "maximum": 5,
    "enum": [0, 1, 2, 3, 4, 5],
}


class CriterionReply(BaseModel):
    """The model's reasoning, then score, for one criterion it judges.

    ``score`` is validated as any number, whatever the schema says: a server that ignores the
    schema may send 9 or 3.5, and the grade clamps (and says so) rather than asking again.
    """

    criterion: Literal["correctness", "depth", "communication"]
    reasoning: str = Field(min_length=1)
    score: float = Field(json_schema_extra=_SCORE_SCHEMA)


class GradeReply(BaseModel):
    """The JSON object the grading prompt asks for (validated before anything is stored)."""

    key_points: list[KeyPointReply]
    factual_errors: list[str] = Field(default_factory=list)
    criteria: list[CriterionReply] = Field(min_length=1)
    feedback: str = Field(min_length=1)
    follow_up: str = Field(min_length=1)


def answer_tag(answer: str) -> str:
    """The delimiter tag for one answer: ``answer-`` plus a hash of the answer.

    A candidate cannot close a tag whose name depends on the hash of the text containing the
    closing tag, and the same answer always gets the same prompt (stable grades, cache hits).
    """
    return "answer-" + hashlib.sha256(("delimiter:" + answer).encode()).hexdigest()[:12]


def _neutralize(answer: str) -> str:
    """Defang anything that looks like our delimiter inside the answer."""
    return _TAG_LOOKALIKE.sub(lambda m: m.group(0).replace("<", "‹").replace(">", "›"), answer)


def _format_evidence(chunks: list[RetrievedChunk], budget: int, models_dir: Path) -> str:
    """Chunks best first, each with its citation, cut to ``budget`` tokens in all."""
    parts: list[str] = []
    left = budget
    for i, chunk in enumerate(chunks, start=1):
        block = f"[{i}] {chunk.citation.label()}\n{' '.join(chunk.text.split())}"
        size = count_tokens(block, models_dir) + 1
        if size <= left:
            parts.append(block)
            left -= size
        elif left >= 40:  # a useful tail; below that a fragment is noise
            parts.append(truncate_tokens(block, left - 1, models_dir))
            break
        else:
            break
    return "\n".join(parts) if parts else _NO_EVIDENCE


def build_grading_messages(
    request: GradeRequest,
    *,
    prompts_dir: Path,
    models_dir: Path,
    evidence_tokens: int,
    token_budget: int = PROMPT_TOKEN_BUDGET,
) -> list[BaseMessage]:
    """The system and user messages for grading one answer.

    Evidence gets at most ``evidence_tokens`` and never more than the rest of the prompt
    leaves within ``token_budget``. An answer dense in tokens (formulas, code) shortens the
    model answer too, before anything of the candidate's answer would be cut.
    """
    question = request.question
    reference = _reference_text(question, prompts_dir)
    tag = answer_tag(request.answer)
    system = render_prompt(
        prompts_dir, "grade_system", rubric=load_rubric(prompts_dir).as_text(), tag=tag
    )
    values = {
        "question": _question_text(request, prompts_dir),
        "key_points": "\n".join(f"{i}. {kp}" for i, kp in enumerate(question.key_points, start=1)),
        "model_answer": _model_answer(reference, MODEL_ANSWER_TOKENS, models_dir),
        "answer": _neutralize(request.answer),
        "tag": tag,
    }
    used = _fit_model_answer(system, values, reference, prompts_dir, models_dir, token_budget)
    budget = max(0, min(evidence_tokens, token_budget - used))
    while True:
        evidence = _format_evidence(request.evidence, budget, models_dir)
        user = render_prompt(prompts_dir, "grade_user", evidence=evidence, **values)
        # Tokens do not add up exactly across the joins (and a cut can split a character), so
        # the whole prompt is counted again and the evidence shrunk by any excess.
        excess = prompt_tokens([system, user], models_dir) - token_budget
        if excess <= 0 or budget == 0:
            return [SystemMessage(content=system), HumanMessage(content=user)]
        budget = max(0, budget - excess)


def _question_text(request: GradeRequest, prompts_dir: Path) -> str:
    """The question, followed by the hints shown before the answer when there were some, as
    data: the model credits their words no more than the question's. Without hints the prompt
    is the one it always was."""
    if not request.hints:
        return request.question.text
    hints = "\n".join(f"- {' '.join(h.split())}" for h in request.hints)
    shown = render_prompt(prompts_dir, "grade_hints", question=request.question.text, hints=hints)
    return shown.rstrip("\n")  # the user prompt's blank line before KEY POINTS stays one


def _reference_text(question: Question, prompts_dir: Path) -> str:
    """The model answer, followed by the other accepted answers when the question has some
    (last, so a tight token budget cuts them before the model answer)."""
    if not question.alternative_answers:
        return question.model_answer
    return render_prompt(
        prompts_dir,
        "grade_alternatives",
        model_answer=question.model_answer,
        alternatives="\n".join(f"- {a}" for a in question.alternative_answers),
    )


def _fit_model_answer(
    system: str,
    values: dict[str, str],
    model_answer: str,
    prompts_dir: Path,
    models_dir: Path,
    token_budget: int,
) -> int:
    """Shorten ``values["model_answer"]`` until the prompt without evidence fits the budget
    (or no model answer is left); returns that prompt's tokens."""
    while True:
        bare = render_prompt(prompts_dir, "grade_user", evidence=_NO_EVIDENCE, **values)
        used = prompt_tokens([system, bare], models_dir)
        if used <= token_budget or values["model_answer"] == _NO_MODEL_ANSWER:
            return used
        room = count_tokens(values["model_answer"], models_dir) - (used - token_budget)
        values["model_answer"] = _model_answer(model_answer, room, models_dir)


def _model_answer(text: str, max_tokens: int, models_dir: Path) -> str:
    """The model answer cut to ``max_tokens`` (a cut of a few tokens is no use: none then)."""
    cut = truncate_tokens(text, max_tokens, models_dir) if max_tokens >= 20 else ""
    return cut or _NO_MODEL_ANSWER


def prompt_tokens(contents: list[str], models_dir: Path) -> int:
    """Prompt tokens of chat messages with these contents, framing included, as servers count."""
    framing = _TOKENS_PER_MESSAGE * len(contents) + _REPLY_PRIMING_TOKENS
    return framing + sum(count_tokens(text, models_dir) for text in contents)


def _normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


def quote_in_answer(quote: str, answer: str) -> bool:
    """Whether a quote occurs in the answer, ignoring whitespace and case (and outer quotes).

    The quote must start and end on word boundaries: "rat" is not a quote of "generator".
    """
    cleaned = _normalize(quote).strip(" \"'“”‘’`.…")
    if not cleaned:
        return False
    start = r"(?<!\w)" if cleaned[0].isalnum() else ""
    end = r"(?!\w)" if cleaned[-1].isalnum() else ""
    return re.search(start + re.escape(cleaned) + end, _normalize(answer)) is not None


def _parse_reply(text: str) -> GradeReply:
    """Parse a reply (bare JSON or JSON in a code fence).

    Raises:
        ValueError: Not JSON or not the expected shape (the message goes back to the model).
    """
    body = json_body(text)
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the reply is not valid JSON ({exc.msg} at position {exc.pos})") from exc
    try:
        return GradeReply.model_validate(data)
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        raise ValueError(f"the JSON does not match the schema ({errors})") from exc


# How long answers are left pending without a request once no LLM server answered at all.
UNREACHABLE_PAUSE_S = 30.0


class LLMGrader:
    """Grades with any LangChain chat model (``ChatOpenAI`` in production, the fake in tests).

    Args:
        chat_model: The chat model, built by :func:`interviewer.chat.build_chat_model`.
        prompts_dir: Folder with ``rubric.yaml`` and the ``grade_*.md`` prompts.
        models_dir: Offline model files (tiktoken for token budgets and counts).
        model_name: Recorded on each grade and part of the cache key.
        endpoint: The server's base URL ('' for the API's default): part of the cache key.
        max_attempts: Chat requests per answer in all (1-4), transport errors included.
        evidence_tokens: Token budget of the retrieved evidence in the prompt.
        backoff_s: First wait between attempts (doubled each time, capped at 8 s).
        structured: ``json_schema`` asks the server to enforce the schema, ``tool_calling``
            for a call of a ``grade`` function with the schema as parameters, ``json_mode`` only
            for a JSON object (older Ollama / llama.cpp servers), ``none`` relies on the prompt.
            A server that rejects ``json_schema`` or tools (HTTP 400/422) is asked for
            ``json_mode`` instead, within the same attempt budget, and from then on.
        sleep: Injected for tests.
        clock: Monotonic seconds, injected for tests.

    When no server answers at all (connection refused: it is down or the URL is wrong), the
    answers that follow within ``UNREACHABLE_PAUSE_S`` are left pending at once rather than
    each spending its retries: a 300-line batch against a stopped server took ~7 minutes to
    report what its first line had shown.
    """

    name = "llm"

    def __init__(
        self,
        *,
        chat_model: BaseChatModel,
        prompts_dir: Path,
        models_dir: Path,
        model_name: str,
        endpoint: str = "",
        max_attempts: int = 4,
        evidence_tokens: int = 550,
        backoff_s: float = 0.5,
        structured: ResponseFormat = "json_schema",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        check_attempts(max_attempts)
        self._clock = clock
        self._unreachable: tuple[float, str] | None = None  # (since, problem)
        self._lock = threading.Lock()
        self.model_name = model_name
        # Part of the grade cache's key, with the model's name: two servers may serve models of
        # one name ("llama3" on Ollama and on vLLM), and a grade from the one was served as
        # the other's.
        self.endpoint = endpoint
        self._prompts_dir = prompts_dir
        self._models_dir = models_dir
        self._max_attempts = max_attempts
        self._evidence_tokens = evidence_tokens
        self._backoff_s = backoff_s
        self._sleep = sleep
        self._model = bind_structured(chat_model, structured, GradeReply, "grade")
        self._json_mode = (
            bind_structured(chat_model, "json_mode", GradeReply, "grade")
            if structured in ("json_schema", "tool_calling")
            else None
        )
        self._structured = structured

    def grade(self, request: GradeRequest) -> Grade:
        """Grade one answer with one chat call (more only when a reply is unusable).

        Raises:
            GradingError: No valid reply within the attempt budget; carries the attempt count
                and the last raw reply.
        """
        self._check_reachable()
        messages = build_grading_messages(
            request,
            prompts_dir=self._prompts_dir,
            models_dir=self._models_dir,
            evidence_tokens=self._evidence_tokens,
        )
        started = time.perf_counter()
        model, spent = self._model, 0
        try:
            try:
                reply = self._ask(model, messages, self._max_attempts)
            except StructuredReplyError as exc:
                refused = _refused(exc, self._max_attempts)
                if self._json_mode is None or model is self._json_mode or not refused:
                    raise
                # The server has no JSON-schema output or tools (older Ollama, llama.cpp, vLLM
                # builds): ask for a JSON object instead, with what is left of the budget, and
                # remember.
                log.warning(
                    "The LLM server refused %s (%s); asking for JSON mode from now on. Set "
                    "INTERVIEWER_LLM_RESPONSE_FORMAT=json_mode to skip the refused request.",
                    "tool calling" if self._structured == "tool_calling" else "JSON-schema output",
                    exc.problem,
                )
                self._model, spent = self._json_mode, exc.attempts
                reply = self._ask(self._json_mode, messages, self._max_attempts - spent)
        except StructuredReplyError as exc:
            with self._lock:
                self._unreachable = (self._clock(), exc.problem) if exc.unreachable else None
            raise _grading_error(exc, spent, endpoint=self.endpoint) from exc
        with self._lock:
            self._unreachable = None
        info = GraderInfo(
            kind="llm",
            model=self.model_name,
            prompt_version=prompt_version(self._prompts_dir),
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            prompt_tokens=reply.prompt_tokens
            or prompt_tokens([text_of(m) for m in messages], self._models_dir),
            completion_tokens=reply.completion_tokens or count_tokens(reply.raw, self._models_dir),
            attempts=spent + reply.attempts,
        )
        return self._to_grade(request, reply.value, info)

    def _check_reachable(self) -> None:
        """Fail at once, without a request, while a server found missing is given time."""
        with self._lock:
            down = self._unreachable
        if down is None:
            return
        since, problem = down
        wait = UNREACHABLE_PAUSE_S - (self._clock() - since)
        if wait > 0:
            raise GradingError(
                f"The LLM server could not be reached a moment ago ({problem}); it is tried "
                f"again in {wait:.0f} s. Check that it is running and INTERVIEWER_LLM_BASE_URL.",
                attempts=0,
            )

    def _ask(
        self,
        model: Runnable[LanguageModelInput, BaseMessage],
        messages: list[BaseMessage],
        max_attempts: int,
    ) -> StructuredReply[GradeReply]:
        return ask_structured(
            model,
            messages,
            _parse_reply,
            retry_prompt=lambda problem: render_prompt(
                self._prompts_dir, "grade_retry", error=problem
            ),
            max_attempts=max_attempts,
            backoff_s=self._backoff_s,
            sleep=self._sleep,
        )

    def _to_grade(self, request: GradeRequest, reply: GradeReply, info: GraderInfo) -> Grade:
        """Checked grade: quotes verified, coverage and overall computed here."""
        rubric = load_rubric(self._prompts_dir)
        question = request.question
        by_point = {_normalize(kp.key_point): kp for kp in reply.key_points}
        verdicts: list[KeyPointVerdict] = []
        for index, point in enumerate(question.key_points):
            said = by_point.get(_normalize(point))
            if said is None and index < len(reply.key_points):
                said = reply.key_points[index]  # models often shorten the key point's text
            verdicts.append(_checked_verdict(point, said, request.answer))
        scored = _dedupe(reply.criteria)
        judged: dict[CriterionName, CriterionScore] = {
            c.criterion: CriterionScore(
                criterion=c.criterion, score=clamp_score(c.score), rationale=c.reasoning
            )
            for c in scored
        }
        covered = sum(v.verdict == "covered" for v in verdicts)
        judged["coverage"] = CriterionScore(
            criterion="coverage",
            score=coverage_score(verdicts),
            rationale=f"{covered} of {counted(len(verdicts), 'key point')} covered (computed in "
            "code)."
            + (
                f" The grader was told of {hints_phrase(request.hints)}, and that repeating a "
                "hint earns nothing."
                if request.hints
                else ""
            ),
        )
        # A criterion the model did not score is "not assessed", never guessed.
        criteria = [
            judged.get(name)
            or CriterionScore(criterion=name, rationale="Not assessed: the model gave no score.")
            for name in CRITERIA
        ]
        return Grade(
            question_id=question.id,
            question_version=question.version,
            overall=overall_score(criteria, rubric),
            criteria=criteria,
            key_points=verdicts,
            factual_errors=[e for e in reply.factual_errors if e.strip()],
            feedback=_feedback(reply.feedback, verdicts),
            model_answer=question.model_answer,
            follow_up=_follow_up(reply.follow_up, verdicts, request),
            diagnostics=_clamped(scored),
            grader=info,
        )


def _clamped(criteria: list[CriterionReply]) -> str:
    """Which scores the model gave outside 0-5 and what was stored instead ('' if none), so a
    clamped 5 is not taken for the model's own verdict."""
    moved = [
        f"{c.criterion} {c.score:g} as {clamp_score(c.score):g}"
        for c in criteria
        if clamp_score(c.score) != c.score
    ]
    if not moved:
        return ""
    return "The LLM scored outside 0-5; stored at the nearest bound: " + ", ".join(moved) + "."


def _follow_up(text: str, verdicts: list[KeyPointVerdict], request: GradeRequest) -> str:
    """The model's follow-up question, unless it repeats a key point or the model answer: "Can
    you explain how <the missed key point>?" handed the candidate the answer it asked for (and
    pasted back, that answer counted as covered). Then the question names the gap by its cue,
    as the offline grader's does, or with no gap asks for what the answer lacks."""
    question = request.question
    reference = [*question.key_points, question.model_answer]
    if any(repeats(text, r) for r in reference if r):
        return gap_follow_up(verdicts, answer=request.answer, question=question.text)
    return text.strip()


_FEEDBACK_SENTENCES = 4  # the rubric asks for 2-4 actionable sentences
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "et al.", "cf.")


def _feedback(text: str, verdicts: list[KeyPointVerdict]) -> str:
    """The model's feedback cut to 4 sentences; a reply of fewer than 2 is completed in code
    from the verdicts, never invented (the rubric asks for 2-4 actionable sentences).
    """
    sentences = _sentences(text)[:_FEEDBACK_SENTENCES]
    feedback = " ".join(sentences)
    if len(sentences) >= 2:
        return feedback
    missed = [v.key_point.strip().rstrip(".") for v in verdicts if v.verdict == "missed"]
    extra = (
        "Add the missing key points: " + "; ".join(missed[:3]) + "."
        if missed
        else FEEDBACK_FALLBACK
    )
    return f"{feedback} {extra}".strip()


def _sentences(text: str) -> list[str]:
    """The sentences of ``text`` (a model that rambles is cut by the caller, not trusted)."""
    sentences: list[str] = []
    for piece in _SENTENCE_END.split(" ".join(text.split())):
        if sentences and sentences[-1].lower().endswith(_ABBREVIATIONS):
            sentences[-1] += " " + piece  # "e.g. MNIST" does not end a sentence
        elif piece:
            sentences.append(piece)
    return sentences


def _checked_verdict(point: str, said: KeyPointReply | None, answer: str) -> KeyPointVerdict:
    """A verdict whose quote is verified; an unsupported claim of coverage becomes "missed"."""
    if said is None or said.verdict == "missed":
        return KeyPointVerdict(key_point=point, verdict="missed")
    if not quote_in_answer(said.quote, answer):
        return KeyPointVerdict(key_point=point, verdict="missed")
    return KeyPointVerdict(key_point=point, verdict=said.verdict, evidence=said.quote.strip())


def _dedupe(criteria: list[CriterionReply]) -> list[CriterionReply]:
    seen: dict[str, CriterionReply] = {}
    for c in criteria:
        seen.setdefault(c.criterion, c)
    order = ("correctness", "depth", "communication")
    return [seen[name] for name in order if name in seen]


def _refused(exc: StructuredReplyError, max_attempts: int) -> bool:
    """The server rejected the request itself (400/422) before the attempt budget was spent."""
    return exc.gave_up_early and exc.status_code in (400, 422) and exc.attempts < max_attempts


def _grading_error(
    exc: StructuredReplyError, spent: int = 0, *, endpoint: str = ""
) -> GradingError:
    """``spent``: attempts made before ``exc``'s loop (a JSON-schema request the server refused);
    ``endpoint``: the server's base URL ('' for the API's default)."""
    attempts = spent + exc.attempts
    if exc.gave_up_early:
        message = f"The LLM request failed: {exc.problem}"
    elif exc.unreachable:
        # "The LLM gave no valid grade ... Check the model" sent a stopped server's operator to
        # look at the model: nothing had answered at all.
        message = (
            f"No LLM server answered at {endpoint or 'https://api.openai.com/v1'} "
            f"({counted(attempts, 'attempt')}; {exc.problem}). Start it or correct "
            "INTERVIEWER_LLM_BASE_URL, or grade offline."
        )
    else:
        message = (
            f"The LLM gave no valid grade after {counted(attempts, 'attempt')} (last problem: "
            f"{exc.problem}). Check the model and INTERVIEWER_LLM_BASE_URL, or grade offline."
        )
    return GradingError(message, attempts=attempts, last_reply=exc.last_reply)
