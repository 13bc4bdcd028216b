"""The typed content of a feedback report, independent of its output format.

:func:`assemble_report` turns a session's turns and grades into :class:`ReportData`;
:func:`build_report` does the same from the repository. Every renderer (JSON, Markdown, HTML,
PDF) reads only :class:`ReportData`, so all formats say the same thing.

A report always exists: an answer whose grade is pending is shown as pending and left out of
the averages, and the report is simply rebuilt once the grade arrives.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from interviewer.grading.base import (
    CRITERIA,
    CriterionName,
    CriterionScore,
    Grade,
    GraderInfo,
    KeyPointVerdict,
)
from interviewer.grading.rubric import Rubric, mean_score, one_decimal, round_score
from interviewer.retrieval import Citation
from interviewer.text import answer_time, counted, cue, duration, shorten

if TYPE_CHECKING:  # pragma: no cover - typing only
    from interviewer.settings import Settings
    from interviewer.store.repository import Repository

__all__ = [
    "CriterionRow",
    "GraderSummary",
    "QuestionRow",
    "ReadingItem",
    "ReportData",
    "TrendPoint",
    "TurnInput",
    "assemble_report",
    "build_report",
    "distinct_times",
]

QuestionStatus = Literal["graded", "pending", "skipped", "unanswered"]
# As the chat's end-of-interview summary words each status.
_STATUS_LABELS: dict[str, str] = {"unanswered": "not answered"}

# A strength scores 4 or more (the rubric's "most key points, clearly stated"); anything under
# 4 is a focus area, weakest first. With focus areas only under 3 (criteria) and 2.5 (answers),
# a session averaging 3.4 of 5 said "Nothing stands out as weak".
_STRONG = 4.0
# Key points covered, as a share of all, to be listed as a strength.
_COVERED_SHARE = 0.8


class TurnInput(BaseModel):
    """One asked question as the report builder needs it (built from the store or by hand)."""

    question_id: str
    question_text: str
    topic: str = ""
    question_version: str = ""
    current_version: str = Field(default="", description="The bank's version now, if known")
    answer: str = ""
    follow_up_question: str = ""
    follow_up_answer: str = ""
    skipped: bool = False
    unanswered: bool = Field(
        default=False, description="Asked and shown, but the interview ended before an answer"
    )
    grade: Grade | None = None
    hints: list[str] = Field(default_factory=list)
    seconds: float | None = Field(
        default=None, ge=0, description="The answer's and its follow-up answer's time together"
    )
    answer_seconds: float | None = Field(
        default=None, ge=0, description="The first answer's time (without a follow-up: ``seconds``)"
    )
    follow_up_seconds: float | None = Field(
        default=None, ge=0, description="The follow-up answer's time, None without one"
    )
    over_time_limit: bool = Field(
        default=False, description="The answer or its follow-up answer took longer than the limit"
    )
    model_answer: str = Field(
        default="", description="The bank's model answer, if the grade has none"
    )


class CriterionRow(BaseModel):
    """A criterion's mean score over the graded answers, with the rubric's words for that level."""

    criterion: CriterionName
    weight: float
    description: str
    score: float | None = Field(
        description="Mean of the answers' scores as shown (one decimal), over the answers "
        "where assessed; None if never assessed"
    )
    level: int | None = None
    descriptor: str = ""
    assessed: int = Field(default=0, description="How many answers this criterion was assessed on")
    answers: int = Field(default=0, description="How many judged answers it could be assessed on")

    @property
    def partly_assessed(self) -> bool:
        """Assessed on some judged answers but not all (its mean speaks for fewer answers)."""
        return 0 < self.assessed < self.answers

    @property
    def well_assessed(self) -> bool:
        """Assessed on at least half the judged answers: enough to call it a strength."""
        return self.score is not None and 2 * self.assessed >= self.answers

    def label(self) -> str:
        """``Communication (5.0/5, assessed on 1 of 3 answers)``; ``Depth (2.0/5)`` when assessed
        on every answer."""
        score = "not assessed" if self.score is None else f"{self.score:.1f}/5"
        on = f", assessed on {self.assessed} of {self.answers} answers"
        return f"{self.criterion.capitalize()} ({score}{on if self.partly_assessed else ''})"


class QuestionRow(BaseModel):
    """Everything the report says about one question."""

    number: int
    question_id: str
    question_version: str = ""
    text: str
    topic: str = ""
    answer: str = ""
    follow_up_question: str = ""
    follow_up_answer: str = ""
    status: QuestionStatus
    score: float | None = None
    criteria: list[CriterionScore] = Field(default_factory=list)
    covered: list[KeyPointVerdict] = Field(default_factory=list)
    missed: list[KeyPointVerdict] = Field(default_factory=list)
    factual_errors: list[str] = Field(default_factory=list)
    feedback: str = ""
    model_answer: str = ""
    sources: list[Citation] = Field(default_factory=list)
    hints: list[str] = Field(
        default_factory=list,
        description="Each hint as the candidate saw it: the opening words of a key point",
    )
    seconds: float | None = Field(
        default=None, description="The answer's and its follow-up answer's time together"
    )
    # Each on its own: the time limit is per answer (a follow-up answer gets it again).
    answer_seconds: float | None = Field(default=None, description="The first answer's time")
    follow_up_seconds: float | None = Field(
        default=None, description="The follow-up answer's time, None without one"
    )
    over_time_limit: bool = Field(
        default=False, description="The answer or its follow-up answer took longer than the limit"
    )
    flags: list[str] = Field(default_factory=list)
    message: str = ""
    grader: GraderInfo | None = None
    edited_since: bool = Field(
        default=False, description="The bank question changed after this answer was graded"
    )

    @property
    def hints_used(self) -> int:
        """Number of hints the candidate asked for."""
        return len(self.hints)

    @property
    def status_label(self) -> str:
        """The status in words: ``not answered``, ``skipped``, ``pending``, ``graded``."""
        return _STATUS_LABELS.get(self.status, self.status)

    @property
    def grader_label(self) -> str:
        """``graded by llm``; ``no grade yet from llm`` while pending ("graded by" under a
        pending pill said it had been); empty when no grader was asked."""
        if self.grader is None or self.grader.kind == "pending":  # the stand-in of no grader
            return ""
        return (
            f"{'no grade yet from' if self.status == 'pending' else 'graded by'} {self.grader.kind}"
        )

    @property
    def rejected(self) -> bool:
        """Whether the guards rejected the answer (empty, copied, about another question...):
        it scores 0 but was judged on no criterion."""
        return self.grader is not None and self.grader.kind == "guard"


class ReadingItem(BaseModel):
    """A source to read, with the questions that pointed at it."""

    document: str
    heading: str = ""
    questions: list[int] = Field(default_factory=list)
    priority: bool = Field(default=False, description="Cited for a question with missed key points")
    excerpt: str = Field(default="", description="The cited passage (grades made since it is kept)")

    def label(self) -> str:
        """``document › heading``."""
        return Citation(document=self.document, heading=self.heading).label()


class GraderSummary(BaseModel):
    """One grader configuration that produced grades in this report."""

    kind: str
    model: str = ""
    prompt_version: str = ""
    answers: int = 0


class TrendPoint(BaseModel):
    """A candidate's overall score in one session, for the trend chart."""

    session_id: str
    started_at: datetime | None = None
    overall: float | None = None
    current: bool = False


class ReportData(BaseModel):
    """The full content of a session report."""

    session_id: str
    candidate: str = ""
    mode: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    finished: bool = True
    planned: int = Field(
        default=0, ge=0, description="Questions in the session's plan; 0 when not known"
    )
    time_limit_s: float | None = Field(
        default=None, description="Seconds allowed per answer (a follow-up answer has its own)"
    )
    generated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    overall: float | None = None
    criteria: list[CriterionRow] = Field(default_factory=list)
    questions: list[QuestionRow] = Field(default_factory=list)
    strengths: list[str] = Field(default_factory=list)
    focus_areas: list[str] = Field(default_factory=list)
    reading: list[ReadingItem] = Field(default_factory=list)
    graders: list[GraderSummary] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)
    trend: list[TrendPoint] = Field(default_factory=list)

    @property
    def pending(self) -> int:
        """Number of answers still waiting for a grade."""
        return sum(1 for q in self.questions if q.status == "pending")

    @property
    def graded(self) -> int:
        """Number of graded answers."""
        return sum(1 for q in self.questions if q.status == "graded")

    @property
    def answered(self) -> int:
        """Number of questions answered, graded or not (as the chat's summary counts them)."""
        return sum(1 for q in self.questions if q.status in ("graded", "pending"))

    @property
    def questions_line(self) -> str:
        """How far the interview went, as every format's header says it: ``1 of 10 planned
        questions answered; 2 asked (1 not answered)``.

        The header said "2 questions" (those asked) where the chat's summary said "Answered 1
        of 10" (of the plan): the same interview told two stories.
        """
        asked = len(self.questions)
        planned = max(self.planned, asked)
        line = f"{self.answered} of {counted(planned, 'planned question')} answered"
        left = [
            f"{n} {label}"
            for label, n in (
                ("skipped", sum(1 for q in self.questions if q.status == "skipped")),
                ("not answered", sum(1 for q in self.questions if q.status == "unanswered")),
            )
            if n
        ]
        if asked < planned:
            return f"{line}; {asked} asked" + (f" ({', '.join(left)})" if left else "")
        return f"{line}; {', '.join(left)}" if left else line

    def time_of(self, question: QuestionRow) -> str:
        """The time a question took, in words: ``1 min 35 s``, ``1.4 s (over the 1 s limit)``,
        ``50 s + 50 s follow-up``, ``–`` when not known. The chat promised "the overrun is noted
        in the report", and the report said only "time 10 s" of an answer over a 1 s limit."""
        return answer_time(
            question.answer_seconds,
            question.follow_up_seconds,
            limit=self.time_limit_s,
            over=question.over_time_limit,
        )

    @property
    def limit_line(self) -> str:
        """``1 min per answer`` under a time limit, else ''."""
        return f"{duration(self.time_limit_s)} per answer" if self.time_limit_s else ""

    @property
    def scoring_note(self) -> str:
        """What the overall score is a mean of and what it leaves out, as every format's
        footer says it. The Markdown said nothing of it, the HTML "averaged over the graded
        answers": whether a skipped question counted as 0 was left to guess. It says too that
        the overall and the criterion means are of the scores as shown, which is what a reader
        adding them up gets (an answer's own score is weighed from its unrounded criteria)."""
        note = (
            "Scores run from 0 to 5, shown to one decimal; the overall score and the scores by "
            "criterion are means of the scores as shown."
        )
        if not self.graded:
            return note
        note += (
            f" The overall score is the mean of the {counted(self.graded, 'graded answer')}, "
            "each the weighted mean of its assessed criteria (weights above)"
        )
        skipped = sum(q.status == "skipped" for q in self.questions)
        unanswered = sum(q.status == "unanswered" for q in self.questions)
        left = [
            f"{n} {noun if n == 1 else nouns}"
            for n, noun, nouns in (
                (skipped, "skipped question", "skipped questions"),
                (unanswered, "question not answered", "questions not answered"),
                (self.pending, "answer waiting for a grade", "answers waiting for a grade"),
            )
            if n
        ]
        if not left:
            return f"{note}."
        listed = f"{', '.join(left[:-1])} and {left[-1]}" if len(left) > 1 else left[0]
        verb = "is" if skipped + unanswered + self.pending == 1 else "are"
        return f"{note}; {listed} {verb} not counted."


def assemble_report(
    session_id: str,
    turns: Sequence[TurnInput],
    rubric: Rubric,
    *,
    candidate: str = "",
    mode: str = "",
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
    finished: bool = True,
    planned: int = 0,
    time_limit_s: float | None = None,
    trend: Sequence[TrendPoint] = (),
) -> ReportData:
    """Build the report content from a session's turns and grades.

    Args:
        session_id: The session's id.
        turns: The asked questions in order, each with its grade (None or status pending when
            not graded yet).
        rubric: The rubric, for weights and level descriptors.
        candidate: The candidate's name, if given.
        mode: practice or exam.
        started_at: When the session started.
        finished_at: When it ended (None while in progress).
        finished: Whether the session is over.
        planned: How many questions the session planned to ask (0: those in ``turns``).
        time_limit_s: The seconds allowed per answer, if the session had a limit.
        trend: The candidate's sessions (this one included) for the trend chart.
    """
    questions = [_question_row(i, turn) for i, turn in enumerate(turns, start=1)]
    graded = [q for q in questions if q.status == "graded" and q.score is not None]
    overall = mean_score(q.score for q in graded if q.score is not None)
    criteria = _criterion_rows(graded, rubric)
    report = ReportData(
        session_id=session_id,
        candidate=candidate,
        mode=mode,
        started_at=started_at,
        finished_at=finished_at,
        finished=finished,
        planned=max(planned, len(questions)),
        time_limit_s=time_limit_s,
        overall=overall,
        criteria=criteria,
        questions=questions,
        strengths=_strengths(criteria, graded),
        focus_areas=_focus_areas(criteria, graded, rubric),
        reading=_reading(questions),
        graders=_graders(questions),
        trend=list(trend),
    )
    report.notices = _notices(report)
    return report


def build_report(
    repository: Repository,
    session_id: str,
    settings: Settings,
    *,
    trend_among: Collection[str] | None = None,
) -> ReportData:
    """Build the report of a stored session.

    Args:
        repository: The store's repository (``interviewer.store.Repository``).
        session_id: The session id.
        settings: For the rubric (prompts folder).
        trend_among: The only other sessions the trend may show (a candidate's browser knows
            its own); None for every session under the candidate's name (the hiring team).

    Raises:
        SessionError: No session with this id.
    """
    from interviewer.reports._from_store import report_from_store

    return report_from_store(repository, session_id, settings, trend_among=trend_among)


def distinct_times(times: Sequence[datetime | None], formats: Sequence[str]) -> list[str]:
    """Each time in the first of ``formats`` (coarsest first) that tells them all apart, or in
    the last; '' for a missing one. Two attempts on one day read "28 Nov" twice, with nothing
    but their order to tell which was which."""
    known = [t for t in times if t is not None]
    fmt = next((f for f in formats if len({t.strftime(f) for t in known}) == len(known)), None)
    fmt = fmt or formats[-1]
    return ["" if t is None else t.strftime(fmt) for t in times]


def _answer_seconds(turn: TurnInput) -> float | None:
    """The first answer's time; a turn given only ``seconds`` had no follow-up answer timed."""
    if turn.answer_seconds is None and turn.follow_up_seconds is None:
        return turn.seconds
    return turn.answer_seconds


def _question_row(number: int, turn: TurnInput) -> QuestionRow:
    grade = turn.grade
    status: QuestionStatus
    if turn.unanswered and grade is None:
        status = "unanswered"
    elif turn.skipped and (grade is None or not turn.answer.strip()):
        status = "skipped"
    elif grade is None or grade.status == "pending":
        status = "pending"
    else:
        status = "graded"
    row = QuestionRow(
        number=number,
        question_id=turn.question_id,
        question_version=turn.question_version or (grade.question_version if grade else ""),
        text=turn.question_text,
        topic=turn.topic,
        answer=turn.answer,
        follow_up_question=turn.follow_up_question,
        follow_up_answer=turn.follow_up_answer,
        status=status,
        # The turn stores the key point hinted at; the candidate saw only how the hint named it.
        # A point hinted at twice (the second hint at a follow-up) read as a repeated line.
        hints=[
            cue(h) + (" (a second hint)" if h in turn.hints[:i] else "")
            for i, h in enumerate(turn.hints)
        ],
        seconds=turn.seconds,
        answer_seconds=_answer_seconds(turn),
        follow_up_seconds=turn.follow_up_seconds,
        over_time_limit=turn.over_time_limit,
        model_answer=turn.model_answer,
    )
    asked = row.question_version
    row.edited_since = bool(asked and turn.current_version and asked != turn.current_version)
    if grade is None:
        return row
    row.grader = grade.grader
    row.flags = [str(f) for f in grade.flags]
    row.message = grade.message
    row.model_answer = grade.model_answer or turn.model_answer
    row.sources = list(grade.sources)
    if status != "graded":
        return row
    row.score = grade.overall
    # A rejected answer (empty, copied, gibberish...) was judged on no criterion: its notice
    # says why it scored 0; a line of "Correctness: 0.0 · Coverage: 0.0 ..." read as a verdict.
    row.criteria = [] if grade.grader.kind == "guard" else [_as_shown(c) for c in grade.criteria]
    row.covered = [v for v in grade.key_points if v.verdict == "covered"]
    row.missed = [v for v in grade.key_points if v.verdict != "covered"]
    row.factual_errors = list(grade.factual_errors)
    row.feedback = grade.feedback
    return row


def _as_shown(score: CriterionScore) -> CriterionScore:
    """The criterion score to the one decimal every format shows it with (the JSON too), so
    the criterion means, taken of these, add up from the figures on the page."""
    if score.score is None:
        return score
    return score.model_copy(update={"score": one_decimal(score.score)})


def _criterion_rows(graded: list[QuestionRow], rubric: Rubric) -> list[CriterionRow]:
    # An answer the guards rejected (empty, copied, gibberish...) scores 0 overall but was not
    # judged on any criterion: counted here, it made "correctness 0.0" the first focus area of
    # a session whose graded answers all had correctness "not assessed".
    judged = [q for q in graded if not q.rejected]
    rows = []
    for name in CRITERIA:
        crit = rubric.criteria[name]
        scores = [
            c.score
            for q in judged
            for c in q.criteria
            if c.criterion == name and c.score is not None
        ]
        mean = mean_score(scores)
        level = None if mean is None else round_score(mean)
        rows.append(
            CriterionRow(
                criterion=name,
                weight=crit.weight,
                description=crit.description,
                score=mean,
                level=level,
                descriptor=crit.levels[level]
                if level is not None
                # With no answer graded, "by this grader" blamed a grader that never ran.
                else ("Not assessed by this grader." if judged else "No answer graded yet."),
                assessed=len(scores),
                answers=len(judged),
            )
        )
    return rows


def _strengths(criteria: list[CriterionRow], graded: list[QuestionRow]) -> list[str]:
    # A criterion assessed on too few answers is no strength: the offline grader scores
    # communication only where it found a key point, and "Communication (5.0/5)" from one
    # answer of three read as a verdict on the whole session.
    out = [
        f"{c.label()}: {c.descriptor}"
        for c in sorted(criteria, key=lambda c: -(c.score or 0))
        if c.well_assessed and c.score is not None and c.score >= _STRONG
    ]
    strong = [q for q in graded if (q.score or 0) >= _STRONG]
    if strong:
        listed = ", ".join(f"Q{q.number} ({_short(q.text)})" for q in strong[:4])
        out.append(f"Strong answers: {listed}.")
    covered = sum(len(q.covered) for q in graded)
    total = covered + sum(len(q.missed) for q in graded)
    if total and covered / total >= _COVERED_SHARE:
        out.append(f"Covered {covered} of {total} key points across the answers.")
    return out


def _focus_areas(
    criteria: list[CriterionRow], graded: list[QuestionRow], rubric: Rubric
) -> list[str]:
    out = [
        f"{c.label()}: next level is “{_next_level(c, rubric)}”"
        for c in sorted(criteria, key=lambda c: c.score or 0)
        if c.score is not None and c.score < _STRONG
    ]
    weak = sorted((q for q in graded if (q.score or 0) < _STRONG), key=lambda q: q.score or 0)
    for q in weak[:4]:
        missed = "; ".join(
            _short(v.key_point, 70) + (" (partly)" if v.verdict == "partly" else "")
            for v in q.missed[:3]
        )
        # "(partly)" as in the question's own section; "To work on", since "Missed:" read as
        # "not mentioned" before the partly covered points it lists.
        detail = f" To work on: {missed}{'' if missed.endswith('…') else '.'}" if missed else ""
        if q.rejected and q.message:
            # Why it got 0 (empty, another question's answer, ...), not every key point missed.
            why = shorten(q.message, 160)
            detail = f" {why}{'' if why.endswith('…') else '.'}"  # not "another…."
        out.append(f"Q{q.number} ({_short(q.text)}) scored {q.score:.1f}/5.{detail}")
    errors = sum(len(q.factual_errors) for q in graded)
    if errors:
        out.append(f"{counted(errors, 'factual error')} to correct: see the per-question details.")
    return out


def _next_level(row: CriterionRow, rubric: Rubric) -> str:
    # The descriptor one level up tells the candidate concretely what better looks like.
    level = min(5, (row.level or 0) + 1)
    return rubric.criteria[row.criterion].levels[level]


def _reading(questions: list[QuestionRow]) -> list[ReadingItem]:
    items: dict[tuple[str, str], ReadingItem] = {}
    for q in questions:
        for source in q.sources:
            key = (source.document, source.heading)
            item = items.setdefault(
                key, ReadingItem(document=source.document, heading=source.heading)
            )
            item.excerpt = item.excerpt or source.excerpt
            if q.number not in item.questions:
                item.questions.append(q.number)
            if q.status == "graded" and (q.missed or q.factual_errors or (q.score or 0) < _STRONG):
                item.priority = True
    # Ties keep the order they were met in: each grade lists its sources best first, and by
    # file name the best passage for a 0.0 answer came last.
    order = {key: rank for rank, key in enumerate(items)}
    return sorted(
        items.values(),
        key=lambda r: (not r.priority, -len(r.questions), order[(r.document, r.heading)]),
    )


def _graders(questions: list[QuestionRow]) -> list[GraderSummary]:
    seen: dict[tuple[str, str, str], GraderSummary] = {}
    for q in questions:
        if q.grader is None or q.status != "graded":
            continue
        key = (q.grader.kind, q.grader.model, q.grader.prompt_version)
        summary = seen.setdefault(
            key, GraderSummary(kind=key[0], model=key[1], prompt_version=key[2])
        )
        summary.answers += 1
    return list(seen.values())


def _notices(report: ReportData) -> list[str]:
    notices = []
    graded = [q for q in report.questions if q.status == "graded"]
    fallback = [q.number for q in graded if "fallback" in q.flags]
    offline = [
        q.number
        for q in graded
        if q.grader and q.grader.kind == "offline" and q.number not in fallback
    ]
    if offline:
        notices.append(
            f"{_answers(offline)} graded by the offline grader: an automatic, similarity-based "
            "estimate against the key points and reference material, not a judgement by a person "
            "or a language model. Correctness is assessed only where a contradiction "
            "can be detected."
        )
    if fallback:
        notices.append(
            f"{_answers(fallback)} graded by the offline grader as a fallback because the LLM "
            "grader failed; treat these scores as rough estimates."
        )
    # The scores by criterion leave these out (see _criterion_rows): with no word, "Coverage
    # 2.0 ... on 1 of 2 answers" beside an overall over 3 answers did not add up.
    rejected = [q.number for q in graded if q.rejected]
    if rejected:
        notices.append(
            f"{_answers(rejected)} rejected before grading (see the answer for why): "
            f"{'it counts' if len(rejected) == 1 else 'they count'} as 0 in the overall score "
            "and, judged on no criterion, "
            f"{'is' if len(rejected) == 1 else 'are'} left out of the scores by criterion."
        )
    # Shown to the team as a notice of its own: inside the per-answer grader note it was easy
    # to miss that a candidate tried to steer the grade.
    steered = [q.number for q in report.questions if "injection_attempt" in q.flags]
    if steered:
        # "It was removed" after "Answers Q2, Q3 were flagged" read as one answer removed.
        removed = "It was removed before grading and cannot raise a score."
        if len(steered) > 1:
            removed = "It was removed from each before grading and cannot raise their scores."
        notices.append(
            f"{_answers(steered)} flagged for text addressed to the grader (instructions, a "
            f"claimed score or a plea). {removed}"
        )
    over = [q.number for q in report.questions if q.over_time_limit]
    if over and report.time_limit_s:
        one = len(over) == 1
        notices.append(
            f"{_answers(over)} sent after the time limit of {report.limit_line} (a follow-up "
            f"answer gets the same time again). {'It is' if one else 'They are'} graded as any "
            "other; the time taken is beside each question."
        )
    if report.pending:
        waiting = (
            "1 answer is still waiting for a grade and is shown as pending; it is"
            if report.pending == 1
            else f"{report.pending} answers are still waiting for a grade and are shown as "
            "pending; they are"
        )
        notices.append(
            f"{waiting} left out of the scores. Reopen or regenerate this report once "
            f"{'it is' if report.pending == 1 else 'they are'} graded."
        )
    if not report.finished:
        notices.append("This session is still in progress; the report covers the answers so far.")
    return notices


def _answers(numbers: list[int]) -> str:
    listed = ", ".join(f"Q{n}" for n in numbers)
    return f"Answer {listed} was" if len(numbers) == 1 else f"Answers {listed} were"


def _short(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    # Cut at a word boundary ("resembling its…", not "resemb…"), unless one word fills it all.
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "…"
