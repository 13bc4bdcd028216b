"""The interview session engine: a typed state machine independent of any UI.

The web app and the terminal mode are thin layers over :class:`Interview`: they pass what the
candidate typed to :meth:`Interview.submit` and render the :class:`Reply` objects it returns.

States (persisted, so a session resumes exactly where it was)::

    greeting ──start──▶ asking ──answer──▶ grading ──▶ follow_up ──answer──▶ grading
                          ▲                  │  (practice, missed key points,  │
                          │                  │   at most one follow-up)        │
                          └──── next ◀── feedback ◀───────────────────────────┘
                                             └── last question / `end` ──▶ finished (summary)

``feedback`` and ``next`` are replies, not resting states: after a grade the engine shows the
feedback (practice mode) and asks the next question in the same step. Every answer is committed
before grading starts and every grade as soon as it exists; an answer left in ``grading`` by a
crash is graded by :meth:`Interview.resume`.
"""

from __future__ import annotations

import random
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interviewer.bank import Bank, Question
from interviewer.errors import BankError, GradingError, SessionError
from interviewer.grading.base import Grade, GraderInfo, gap_follow_up, gap_question
from interviewer.grading.rubric import mean_score
from interviewer.grading.similarity import content_stems
from interviewer.store.repository import GradeRecord, Repository, SessionRecord, TurnRecord
from interviewer.text import counted, cue, in_seconds

__all__ = [
    "COMMANDS",
    "MAX_ANSWER_CHARS",
    "AnswerGrader",
    "Interview",
    "Progress",
    "RegradeReport",
    "Reply",
    "ReplyKind",
    "SessionConfig",
    "SessionState",
    "Summary",
    "TurnResult",
    "graded_text",
    "hints_shown",
    "regrade_pending",
    "rejected_first_answer",
    "render_feedback",
    "select_questions",
    "too_long",
]

SessionState = Literal["greeting", "asking", "grading", "follow_up", "finished"]
ReplyKind = Literal[
    "greeting", "question", "follow_up", "answer", "feedback", "hint", "info", "summary"
]
Command = Literal["hint", "skip", "repeat", "end"]
COMMANDS: tuple[Command, ...] = ("hint", "skip", "repeat", "end")
Clock = Callable[[], datetime]

MAX_ANSWER_CHARS = 20_000


def too_long(answer: str) -> str:
    """How an answer passes :data:`MAX_ANSWER_CHARS` ("26,001 characters long; the limit is
    20,000"), or '': the interview, the web app and the command line say it alike."""
    if len(answer) <= MAX_ANSWER_CHARS:
        return ""
    return f"{len(answer):,} characters long; the limit is {MAX_ANSWER_CHARS:,}"


# C0 control characters except tab, newline and carriage return; NUL cannot even be stored.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Zero-width characters: an answer made only of them looks empty and must not be graded.
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")


class AnswerGrader(Protocol):
    """What the engine needs from grading (``GradingService`` satisfies it).

    A grader that cannot grade should return a ``pending`` grade; a ``GradingError`` is
    turned into one by the engine. ``hints`` (the hints shown before the answer, as shown) is
    passed only when the candidate took some.
    """

    def grade(
        self,
        question: Question,
        answer: str,
        *,
        transcript_confidence: float | None = None,
        hints: Sequence[str] = (),
    ) -> Grade:
        """Grade one answer to one question."""
        ...


class SessionConfig(BaseModel):
    """How an interview is set up; stored with the session."""

    model_config = ConfigDict(extra="forbid")

    candidate: str | None = Field(default=None, max_length=200)
    question_ids: list[str] = Field(
        default_factory=list, description="Explicit questions; overrides topics and difficulty"
    )
    topics: list[str] = Field(default_factory=list, description="Empty means every topic")
    num_questions: int = Field(default=5, ge=1, le=100)
    difficulty: int | None = Field(default=None, ge=1, le=3)
    order: Literal["bank", "shuffled"] = "bank"
    seed: int | None = None
    mode: Literal["practice", "exam"] = "practice"
    follow_ups: bool = Field(default=True, description="Practice mode only; exam never asks them")
    time_limit_s: float | None = Field(default=None, gt=0, le=24 * 3600)
    grader: Literal["offline", "llm"] | None = Field(
        default=None, description="Recorded for the record; None means the settings' choice"
    )

    @field_validator("candidate")
    @classmethod
    def _clean_candidate(cls, value: str | None) -> str | None:
        if value is None:
            return None
        cleaned = " ".join(_CONTROL.sub("", value).split())
        return cleaned or None

    @property
    def asks_follow_ups(self) -> bool:
        """Whether follow-up questions are asked (practice mode with follow-ups on)."""
        return self.mode == "practice" and self.follow_ups


class Progress(BaseModel):
    """Where the interview stands: question ``current`` of ``total`` (1-based)."""

    current: int = Field(ge=0)
    total: int = Field(ge=0)

    @property
    def label(self) -> str:
        """E.g. ``Question 3 of 10``."""
        return f"Question {self.current} of {self.total}"


class TurnResult(BaseModel):
    """One question's outcome, for the summary."""

    position: int
    question_id: str
    question_text: str
    outcome: Literal["graded", "pending", "skipped", "unanswered"]
    overall: float | None = None
    hints: list[str] = Field(default_factory=list)
    follow_up_asked: bool = False
    seconds_taken: float | None = None
    time_limit_exceeded: bool = False
    grade: Grade | None = None


class Summary(BaseModel):
    """The end-of-interview summary."""

    session_id: str
    mode: Literal["practice", "exam"]
    total: int
    answered: int
    skipped: int
    graded: int
    pending: int
    mean_overall: float | None
    hints_used: int
    ended_early: bool
    results: list[TurnResult]


class Reply(BaseModel):
    """One message of the interviewer (or, for ``answer``, the candidate's text echoed back).

    All text is plain text: renderers must escape it, never treat it as HTML.
    """

    kind: ReplyKind
    text: str
    grade: Grade | None = None
    progress: Progress | None = None
    question_id: str | None = None
    turn_id: int | None = None
    summary: Summary | None = None


class RegradeReport(BaseModel):
    """Outcome of :func:`regrade_pending`."""

    found: int
    completed: int
    still_pending: int
    failed: list[str] = Field(default_factory=list, description="Why some could not be graded")


def _utc_now() -> datetime:
    return datetime.now(UTC)


# When this process began serving. A resume keeps the answer clock of a question asked since
# (a reload, the resume link in a second tab): restarting it, as every resume did, gave a
# candidate fresh time for a reload and erased an overrun already made. A question asked
# before it lost time to the server's restart, which is not the candidate's: its clock restarts.
SERVED_SINCE = _utc_now()


def _clock_kept(asked: datetime | None) -> bool:
    """Whether a resumed answer's clock runs on from ``asked`` (see :data:`SERVED_SINCE`)."""
    return asked is not None and asked >= SERVED_SINCE


def select_questions(bank: Bank, config: SessionConfig) -> list[Question]:
    """The questions of a new session, in the order they will be asked.

    Raises:
        BankError: An explicit question id is unknown.
        SessionError: No approved question matches the topics and difficulty.
    """
    if config.question_ids:
        chosen = [bank.get(qid) for qid in dict.fromkeys(config.question_ids)]
    else:
        unknown = sorted(set(config.topics) - set(bank.topics()))
        if unknown:
            raise SessionError(
                f"Unknown topic{'s' * (len(unknown) > 1)} {', '.join(unknown)}; choose from: "
                f"{', '.join(bank.topics())}."
            )
        pool = [
            q
            for q in bank.filter(config.topics or None, config.difficulty)
            if q.status == "approved"
        ]
        if not pool:
            raise SessionError(
                "No approved question matches these topics and difficulty; widen the selection."
            )
        chosen = pool
    if config.order == "shuffled":
        random.Random(config.seed).shuffle(chosen)
    return chosen if config.question_ids else chosen[: config.num_questions]


class Interview:
    """One interview session, persisted through the repository after every step.

    Create one with :meth:`create` or :meth:`load`, never directly. Methods are thread-safe for
    one object; each browser tab should hold its own.
    """

    def __init__(
        self,
        *,
        repo: Repository,
        bank: Bank,
        grader: AnswerGrader,
        record: SessionRecord,
        turns: list[TurnRecord],
        clock: Clock,
    ) -> None:
        self._repo = repo
        self._bank = bank
        self._grader = grader
        self._record = record
        self._turns = turns
        self._clock = clock
        self._lock = threading.RLock()
        self.config = SessionConfig.model_validate(record.config)

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        repo: Repository,
        bank: Bank,
        grader: AnswerGrader,
        config: SessionConfig,
        *,
        clock: Clock = _utc_now,
    ) -> Interview:
        """Choose the questions and store a new session (state ``greeting``).

        Raises:
            BankError: An explicit question id is unknown.
            SessionError: No question matches the configuration.
            StoreError: The database is unavailable.
        """
        if config.order == "shuffled" and config.seed is None:
            # Record the seed so the order can be reproduced from the stored config.
            config = config.model_copy(update={"seed": secrets.randbelow(2**31)})
        questions = select_questions(bank, config)
        record = repo.create_session(
            config=config.model_dump(mode="json"),
            question_ids=[q.id for q in questions],
            candidate=config.candidate,
        )
        return cls(repo=repo, bank=bank, grader=grader, record=record, turns=[], clock=clock)

    @classmethod
    def load(
        cls,
        repo: Repository,
        bank: Bank,
        grader: AnswerGrader,
        session_id: str,
        *,
        clock: Clock = _utc_now,
    ) -> Interview:
        """Load a stored session; call :meth:`resume` to continue it.

        Raises:
            SessionError: No session with this id.
        """
        record = repo.get_session(session_id.strip())
        turns = repo.turns(record.id)
        return cls(repo=repo, bank=bank, grader=grader, record=record, turns=turns, clock=clock)

    # --- read-only views --------------------------------------------------------------------

    @property
    def session_id(self) -> str:
        """The unguessable session id (the resume link carries it)."""
        return self._record.id

    @property
    def state(self) -> SessionState:
        """The current state."""
        return self._record.state  # type: ignore[return-value]

    @property
    def finished(self) -> bool:
        """Whether the interview is over."""
        return self.state == "finished"

    @property
    def question_ids(self) -> list[str]:
        """The session's questions in order."""
        return list(self._record.question_ids)

    @property
    def progress(self) -> Progress:
        """Question ``current`` of ``total``; ``current`` is 0 before the first question."""
        total = len(self._record.question_ids)
        if self.state == "greeting":
            return Progress(current=0, total=total)
        return Progress(current=min(self._record.current_index + 1, total), total=total)

    @property
    def position(self) -> str:
        """Where the interview stands ("asking:2", "follow_up:2", "finished:3"): a view shows
        it, and :meth:`stale` tells whether a view is behind the stored session."""
        return f"{self.state}:{self._record.current_index}"

    @staticmethod
    def finished_at(position: str | None) -> bool:
        """Whether a :attr:`position` a view showed is the interview's end (a view keeps only
        the position, not the interview)."""
        return (position or "").startswith("finished:")

    @staticmethod
    def running_at(position: str | None) -> bool:
        """Whether a :attr:`position` a view showed is an interview under way: started (a view
        before any interview has none) and not at its end."""
        return bool(position) and not Interview.finished_at(position)

    def stale(self, seen: str | None) -> bool:
        """Whether a view that showed ``seen`` is behind: another tab or window moved the
        interview on since. Unknown (``None`` or empty) is not stale, and neither is an answer
        being graded (its grade is resumed, not asked again)."""
        return bool(seen) and seen != self.position and self.state != "grading"

    @property
    def turns(self) -> list[TurnRecord]:
        """The stored turns so far (copies)."""
        return [t.model_copy() for t in self._turns]

    @property
    def current_turn(self) -> TurnRecord | None:
        """The turn of the current question, if asked."""
        return self._turn_at(self._record.current_index)

    def seconds_left(self) -> float | None:
        """Seconds left for the answer awaited now, under the time limit (negative once over);
        None without a limit or when no answer is awaited."""
        limit = self.config.time_limit_s
        turn = self.current_turn
        if limit is None or turn is None or self.state not in ("asking", "follow_up"):
            return None
        asked = turn.follow_up_asked_at if self.state == "follow_up" else turn.started_at
        if asked is None:
            return None
        return limit - (self._clock() - asked).total_seconds()

    # --- actions ----------------------------------------------------------------------------

    def start(self) -> list[Reply]:
        """Greet the candidate and ask the first question (or resume if already started)."""
        with self._lock:
            if self.state != "greeting":
                return self._resume()
            return [self.greeting(), *self._ask(0)]

    def resume(self) -> list[Reply]:
        """Continue where the session stood: grade an interrupted answer, or re-ask."""
        with self._lock:
            return self._resume()

    def submit(
        self,
        text: str,
        *,
        transcript: str | None = None,
        transcript_confidence: float | None = None,
    ) -> list[Reply]:
        """Handle what the candidate sent: an answer or a command (``hint``, ``skip``, ...).

        Args:
            text: The answer (for a spoken answer, the transcript as corrected by the candidate).
            transcript: The raw speech transcript, when the answer was spoken.
            transcript_confidence: Speech recognition confidence in [0, 1].

        Raises:
            StoreError: The answer could not be saved; nothing changed, send it again.
        """
        with self._lock:
            command = _command(text)
            if self.state == "greeting":
                if command == "end":
                    return self._finish([], ended_early=True)
                return self.start()
            if self.state == "finished":
                return [self._info("This interview is finished. Start a new one to practise more.")]
            if self.state == "grading":
                return self._sent_again(command, text, transcript, transcript_confidence)
            if command is not None:
                return self._command(command)
            answer = _clean_answer(text)
            if not _INVISIBLE.sub("", answer).strip():
                return [self._info("Type your answer, or one of: hint, skip, repeat, end.")]
            if length := too_long(answer):
                return [self._info(f"Your answer is {length}. Shorten it and send it again.")]
            if self.state == "follow_up":
                return self._record_follow_up(answer)
            return self._record_answer(answer, transcript, transcript_confidence)

    def summary(self) -> Summary:
        """The summary of the session so far."""
        with self._lock:
            return self._summary(ended_early=False)

    def history(self) -> list[Reply]:
        """The conversation so far rebuilt from storage (to redraw a chat after a reload),
        from the greeting on: without it a candidate who reloaded mid-exam no longer saw the
        mode, the time limit per answer or the commands they were under."""
        with self._lock:
            grades = self._repo.session_grades(self.session_id)
            total = len(self._record.question_ids)
            # Before the start, resuming greets (a greeting here would be said twice).
            out: list[Reply] = [] if self.state == "greeting" else [self.greeting()]
            for turn in self._turns:
                progress = Progress(current=turn.position + 1, total=total)
                out.append(self._question_reply(turn, progress))
                if turn.hints:  # when each was asked for is not stored: said once, together
                    out.append(self._info(_hints_taken(turn.hints)))
                if turn.answer is not None:
                    out.append(Reply(kind="answer", text=turn.answer, turn_id=turn.id))
                elif turn.status == "skipped":  # as said when it was skipped
                    out.append(self._info("Skipped."))
                if turn.follow_up_question:
                    out.append(
                        Reply(kind="follow_up", text=turn.follow_up_question, turn_id=turn.id)
                    )
                if turn.follow_up_answer is not None:
                    out.append(Reply(kind="answer", text=turn.follow_up_answer, turn_id=turn.id))
                grade = grades.get(turn.id or -1)
                show = self.config.mode == "practice" or self.finished
                if grade is not None and show and turn.status == "done":
                    if combined := self._combined_note(turn, grade.grade):
                        out.append(self._info(combined))
                    out.append(self._feedback_reply(turn, grade.grade, progress))
            if self.finished:
                out.append(self._summary_reply(self._summary(ended_early=False)))
            return out

    # --- steps ------------------------------------------------------------------------------

    def _sent_again(
        self,
        command: str | None,
        text: str,
        transcript: str | None,
        confidence: float | None,
    ) -> list[Reply]:
        """Something sent while the stored answer still awaits its grade: its grading failed
        (the store went down mid-grade, say) and the candidate sends again. The grading is
        picked up; an answer edited in the meantime replaces the stored one, which the
        candidate never saw acknowledged. The edited text was echoed and the stored draft was
        graded, under "Welcome back", mid-session."""
        turn = self._turn_at(self._record.current_index)
        field = {"answered": "answer", "follow_up_answered": "follow_up_answer"}.get(
            turn.status if turn is not None else ""
        )
        answer = _clean_answer(text)
        if turn is None or field is None or command is not None or not answer.strip():
            return self._resume(greet=False)
        if getattr(turn, field) == answer:
            return self._resume(greet=False)
        if length := too_long(answer):
            return [self._info(f"Your answer is {length}. Shorten it and send it again.")]
        update: dict[str, object] = {field: answer}
        if field == "answer":
            update |= {
                "transcript": _clean_answer(transcript) if transcript else transcript,
                "transcript_confidence": confidence,
            }
        turn = self._save(turn.model_copy(update=update), state="grading")
        return self._grade_and_continue(turn, fresh=True)

    def _resume(self, *, greet: bool = True) -> list[Reply]:
        state = self.state
        if state == "greeting":
            return [self.greeting(), *self._ask(0)]
        if state == "finished":
            return [self._summary_reply(self._summary(ended_early=False))]
        index = self._record.current_index
        turn = self._turn_at(index)
        back = [self._info("Welcome back: continuing where you left off.")] if greet else []
        if turn is None:
            return [*back, *self._ask(index)]
        if state == "grading":
            if turn.status in ("done", "skipped"):
                return [*back, *self._advance([])]
            return [*back, *self._grade_and_continue(turn, fresh=False)]
        now = self._clock()
        if state == "follow_up":
            if not _clock_kept(turn.follow_up_asked_at):
                turn = self._save(turn.model_copy(update={"follow_up_asked_at": now}))
            return [*back, self._follow_up_reply(turn)]
        if turn.status == "asked":
            if not _clock_kept(turn.started_at):
                turn = self._save(turn.model_copy(update={"started_at": now}))
            return [*back, self._question_reply(turn, self.progress)]
        return [*back, *self._advance([])]

    def _ask(self, index: int) -> list[Reply]:
        """Store the turn of question ``index`` (state ``asking``) and ask it."""
        if index >= len(self._record.question_ids):
            return self._finish([], ended_early=False)
        turn = self._turn_at(index) or self._new_turn(index)
        [turn] = self._commit([turn], state="asking", current_index=index)
        return [self._question_reply(turn, self.progress)]

    def _new_turn(self, index: int) -> TurnRecord:
        question = self._question(self._record.question_ids[index])
        return TurnRecord(
            session_id=self.session_id,
            position=index,
            question_id=question.id,
            question_version=question.version,
            question_text=question.text,
            started_at=self._clock(),
        )

    def _record_answer(
        self, answer: str, transcript: str | None, confidence: float | None
    ) -> list[Reply]:
        turn = self._require_turn()
        now = self._clock()
        seconds = max(0.0, (now - turn.started_at).total_seconds())
        over = self._over_limit(seconds)
        turn = self._save(
            turn.model_copy(
                update={
                    "answer": answer,
                    "transcript": _clean_answer(transcript) if transcript else transcript,
                    "transcript_confidence": confidence,
                    "answered_at": now,
                    "seconds_taken": round(seconds, 3),
                    "time_limit_exceeded": over,
                    "status": "answered",
                }
            ),
            state="grading",
        )
        replies = [self._time_notice(seconds)] if over else []
        return replies + self._grade_and_continue(turn, fresh=True)

    def _record_follow_up(self, answer: str) -> list[Reply]:
        turn = self._require_turn()
        now = self._clock()
        asked = turn.follow_up_asked_at or now
        seconds = max(0.0, (now - asked).total_seconds())
        over = self._over_limit(seconds)
        turn = self._save(
            turn.model_copy(
                update={
                    "follow_up_answer": answer,
                    "follow_up_answered_at": now,
                    "follow_up_seconds": round(seconds, 3),
                    "time_limit_exceeded": turn.time_limit_exceeded or over,
                    "status": "follow_up_answered",
                }
            ),
            state="grading",
        )
        replies = [self._time_notice(seconds)] if over else []
        return replies + self._grade_and_continue(turn, fresh=True)

    def _grade_and_continue(self, turn: TurnRecord, *, fresh: bool) -> list[Reply]:
        """Grade the turn and move on; the grade is committed with the step that follows it.

        Args:
            turn: The stored turn whose answer (or answer plus follow-up) needs its grade.
            fresh: The answer was stored just now, so no grade of it can exist yet; otherwise
                (resume) a grade stored before a crash, or by ``regrade``, is reused.
        """
        stored = None if fresh or turn.id is None else self._repo.latest_grade(turn.id)
        new_grade: Grade | None = None
        if stored is not None and stored.stage == turn.grade_stage:
            grade = stored.grade
        else:
            grade = new_grade = self._grade(turn)
        wants_follow_up = (
            self.config.asks_follow_ups
            and turn.grade_stage == "answer"
            and turn.follow_up_question is None
            and grade.status == "graded"
            and bool(grade.missed_key_points)
        )
        if wants_follow_up:
            asking = turn.model_copy(
                update={
                    "follow_up_question": _follow_up_text(grade),
                    "follow_up_asked_at": self._clock(),
                    "status": "follow_up",
                }
            )
            [asking] = self._commit(
                [asking],
                grade=(turn, new_grade) if new_grade is not None else None,
                state="follow_up",
            )
            return [self._follow_up_reply(asking)]
        return self._conclude(turn, grade, new_grade=new_grade)

    def _conclude(
        self, turn: TurnRecord, grade: Grade | None, *, new_grade: Grade | None = None
    ) -> list[Reply]:
        """Close the current turn, show its feedback (practice) and ask the next question."""
        closed = turn.model_copy(update={"status": "skipped" if turn.answer is None else "done"})
        replies: list[Reply] = []
        if grade is not None and self.config.mode == "practice":
            combined = self._combined_note(turn, grade)
            if combined:
                replies.append(self._info(combined))
            if turn.follow_up_question and grade.follow_up.strip() == turn.follow_up_question:
                # Asked and answered already: the card's "to go further" repeated it.
                grade = grade.model_copy(update={"follow_up": ""})
            replies.append(self._feedback_reply(closed, grade, self.progress))
        elif grade is not None:
            replies.append(self._info("Answer saved. Feedback comes at the end of the exam."))
        graded = (turn, new_grade) if new_grade is not None else None
        return replies + self._advance([closed], grade=graded)

    def _advance(
        self, closing: list[TurnRecord], *, grade: tuple[TurnRecord, Grade] | None = None
    ) -> list[Reply]:
        """Store the closed turn (and its grade) together with the next question, and ask it."""
        index = self._record.current_index + 1
        if index >= len(self._record.question_ids):
            return self._finish(closing, grade=grade, ended_early=False)
        nxt = self._turn_at(index) or self._new_turn(index)
        stored = self._commit([*closing, nxt], grade=grade, state="asking", current_index=index)
        return [self._question_reply(stored[-1], self.progress)]

    def _finish(
        self,
        closing: list[TurnRecord],
        *,
        grade: tuple[TurnRecord, Grade] | None = None,
        ended_early: bool,
    ) -> list[Reply]:
        self._commit(closing, grade=grade, state="finished")
        summary = self._summary(ended_early=ended_early)
        replies: list[Reply] = []
        if self.config.mode == "exam":
            total = len(self._record.question_ids)
            for result in summary.results:
                turn = self._turn_at(result.position)
                if turn is not None and result.grade is not None:
                    progress = Progress(current=result.position + 1, total=total)
                    replies.append(self._feedback_reply(turn, result.grade, progress))
        return [*replies, self._summary_reply(summary)]

    # --- commands ---------------------------------------------------------------------------

    def _command(self, command: Command) -> list[Reply]:
        turn = self._require_turn()
        if command == "repeat":
            if self.state == "follow_up":
                return [self._follow_up_reply(turn)]
            return [self._question_reply(turn, self.progress)]
        if command == "hint":
            return [self._hint(turn)]
        if command == "skip":
            if self.state == "follow_up":
                # The first answer's grade stands.
                stored = self._repo.latest_grade(turn.id) if turn.id is not None else None
                return self._conclude(turn, stored.grade if stored else None)
            return [self._info("Skipped."), *self._conclude(turn, None)]
        if self.state == "follow_up":
            stored = self._repo.latest_grade(turn.id) if turn.id is not None else None
            closed = turn.model_copy(update={"status": "done"})
            replies = []
            if stored is not None and self.config.mode == "practice":
                replies.append(self._feedback_reply(closed, stored.grade, self.progress))
            return replies + self._finish([closed], ended_early=True)
        return self._finish([], ended_early=True)

    def _hint(self, turn: TurnRecord) -> Reply:
        question = self._question(turn.question_id)
        stored = None
        if self.state == "follow_up" and turn.id is not None:
            stored = self._repo.latest_grade(turn.id)
        asked = _follow_up_point(turn, stored.grade) if stored else None
        if asked is not None:
            # The follow-up asks about this point alone: a hint on another one did not help,
            # so a point already hinted at gets a second, more telling hint.
            taken = turn.hints.count(asked)
            if taken >= 2:
                return self._info("No more hints on this point: give it your best shot.")
            key_point, telling = asked, taken == 1
        else:
            candidates = stored.grade.missed_key_points if stored else question.key_points
            remaining = [kp for kp in candidates if kp not in turn.hints]
            if not remaining:
                return self._info("No more hints for this question: give it your best shot.")
            key_point, telling = remaining[0], False
        self._save(turn.model_copy(update={"hints": [*turn.hints, key_point]}))
        return Reply(
            kind="hint",
            text=_nudge(key_point, question, self._bank, telling=telling),
            progress=self.progress,
            question_id=turn.question_id,
            turn_id=turn.id,
        )

    # --- helpers ----------------------------------------------------------------------------

    def _grade(self, turn: TurnRecord) -> Grade:
        question = self._question(turn.question_id)
        return _grade_turn(self._grader, self._repo, self._bank, turn, question)

    def _save(
        self,
        turn: TurnRecord,
        *,
        state: SessionState | None = None,
        current_index: int | None = None,
    ) -> TurnRecord:
        [stored] = self._commit([turn], state=state, current_index=current_index)
        return stored

    def _commit(
        self,
        turns: list[TurnRecord],
        *,
        grade: tuple[TurnRecord, Grade] | None = None,
        state: SessionState | None = None,
        current_index: int | None = None,
    ) -> list[TurnRecord]:
        """Store one step (turns, grade, state) first, then update memory: a failed write
        leaves the engine exactly as it was, so the same submission can simply be retried."""
        stored, _ = self._repo.save_step(
            self.session_id, turns=turns, grade=grade, state=state, current_index=current_index
        )
        by_position = {t.position: t for t in self._turns}
        by_position.update({t.position: t for t in stored})
        self._turns = [by_position[p] for p in sorted(by_position)]
        update: dict[str, object] = {"updated_at": self._clock()}
        if state is not None:
            update["state"] = state
        if current_index is not None:
            update["current_index"] = current_index
        self._record = self._record.model_copy(update=update)
        return stored

    def _turn_at(self, index: int) -> TurnRecord | None:
        return next((t for t in self._turns if t.position == index), None)

    def _require_turn(self) -> TurnRecord:
        turn = self.current_turn
        if turn is None:
            raise SessionError("No question is open in this session; start or resume it first.")
        return turn

    def _question(self, question_id: str) -> Question:
        try:
            return self._bank.get(question_id)
        except BankError as exc:
            raise SessionError(
                f"Question {question_id!r} of this session is no longer in the bank; "
                "restore it in knowledge/questions.yaml to continue this session."
            ) from exc

    def _over_limit(self, seconds: float) -> bool:
        limit = self.config.time_limit_s
        return limit is not None and seconds > limit

    def _time_notice(self, seconds: float) -> Reply:
        limit = self.config.time_limit_s
        return self._info(
            f"Time limit exceeded: {in_seconds(seconds, over=limit)} for a limit of "
            f"{limit:.0f} s. Your answer is still graded; the overrun is noted in the report."
        )

    def greeting(self) -> Reply:
        """The greeting as first shown: the mode, the number of questions, the time limit per
        answer and the commands (a chat rebuilt after a reload opens with it again)."""
        name = f" {self.config.candidate}" if self.config.candidate else ""
        total = len(self._record.question_ids)
        mode = (
            "a practice interview: feedback after each answer"
            if self.config.mode == "practice"
            else "an exam: feedback at the end"
        )
        limit = (
            f" You have {counted(round(self.config.time_limit_s), 'second')} per answer."
            if self.config.time_limit_s
            else ""
        )
        # The set-up's "Follow-up questions" ticked, and an exam asked none, without a word.
        none = (
            " Follow-up questions are for practice: an exam asks none."
            if self.config.mode == "exam" and self.config.follow_ups
            else ""
        )
        text = (
            f"Hello{name}. This is {mode}, {total} question{'s' if total != 1 else ''}.{none}"
            f"{limit} Answer in your own words. Type `hint` for a nudge, `skip` to move on, "
            "`repeat` to see the question again, or `end` to finish."
        )
        return Reply(kind="greeting", text=text, progress=Progress(current=0, total=total))

    def _question_reply(self, turn: TurnRecord, progress: Progress) -> Reply:
        return Reply(
            kind="question",
            text=turn.question_text,
            progress=progress,
            question_id=turn.question_id,
            turn_id=turn.id,
        )

    def _follow_up_reply(self, turn: TurnRecord) -> Reply:
        return Reply(
            kind="follow_up",
            text=turn.follow_up_question or "",
            progress=self.progress,
            question_id=turn.question_id,
            turn_id=turn.id,
        )

    def _combined_note(self, turn: TurnRecord, grade: Grade) -> str:
        """After a follow-up, say that its answer was graded together with the first one: the
        card of the first answer alone was replaced with no word on why, and quotes came from
        both messages."""
        if turn.grade_stage != "combined" or turn.id is None or grade.overall is None:
            return ""
        answered = _answer_grades(self._repo, turn)
        if _rejected(answered):
            return f"Your follow-up answer was graded on its own: {grade.overall:.1f} / 5."
        first = [g.overall for g in answered if g.status == "graded" and g.overall is not None]
        before = f" (your first answer alone: {first[-1]:.1f} / 5)" if first else ""
        return (
            "Your follow-up answer was graded together with your first answer: "
            f"{grade.overall:.1f} / 5{before}."
        )

    def _feedback_reply(self, turn: TurnRecord, grade: Grade, progress: Progress) -> Reply:
        return Reply(
            kind="feedback",
            text=render_feedback(grade),
            grade=grade,
            progress=progress,
            question_id=turn.question_id,
            turn_id=turn.id,
        )

    def _summary_reply(self, summary: Summary) -> Reply:
        return Reply(
            kind="summary",
            text=_render_summary(summary),
            summary=summary,
            progress=Progress(current=summary.total, total=summary.total),
        )

    def _info(self, text: str) -> Reply:
        return Reply(kind="info", text=text, progress=self.progress)

    def _summary(self, *, ended_early: bool) -> Summary:
        grades = self._repo.session_grades(self.session_id)
        results = [_result(t, grades.get(t.id or -1)) for t in self._turns]
        scores = [r.overall for r in results if r.outcome == "graded" and r.overall is not None]
        total = len(self._record.question_ids)
        answered = sum(1 for r in results if r.outcome in ("graded", "pending"))
        skipped = sum(1 for r in results if r.outcome == "skipped")
        return Summary(
            session_id=self.session_id,
            mode=self.config.mode,
            total=total,
            answered=answered,
            skipped=skipped,
            graded=sum(1 for r in results if r.outcome == "graded"),
            pending=sum(1 for r in results if r.outcome == "pending"),
            mean_overall=mean_score(scores),
            hints_used=sum(len(r.hints) for r in results),
            ended_early=ended_early or answered + skipped < total,
            results=results,
        )


def _grade_turn(
    grader: AnswerGrader, repo: Repository, bank: Bank, turn: TurnRecord, question: Question
) -> Grade:
    """Grade the turn's text (:func:`graded_text`) with the hints it was shown; a grader's
    failure is a pending grade."""
    shown = hints_shown(turn, question, bank)
    # Without hints the grader is called as it always was: graders written before hints (a
    # team's own, the tests' fakes) serve every answer that took none.
    extra: dict[str, list[str]] = {"hints": shown} if shown else {}
    try:
        return grader.grade(
            question,
            graded_text(repo, turn),
            transcript_confidence=turn.transcript_confidence,
            **extra,
        )
    except GradingError as exc:
        return _pending_grade(question, str(exc))


def hints_shown(turn: TurnRecord, question: Question, bank: Bank) -> list[str]:
    """The hints the turn's candidate was shown, as shown, in order: each key point's first
    hint, and its second, telling one when the point was hinted at twice (at a follow-up). Only
    the key points are stored, and a hint is made from its point, its question and the bank
    (:func:`_nudge`). The grader credits none of their words: an answer that strung the hints
    together scored 1.0-4.0 of 5 on the real bank with the offline grader."""
    shown: list[str] = []
    for i, key_point in enumerate(turn.hints):
        telling = key_point in turn.hints[:i]
        shown.append(_nudge(key_point, question, bank, telling=telling))
    return shown


def graded_text(repo: Repository, turn: TurnRecord) -> str:
    """The text a turn is graded on: the answer plus the follow-up answer, or the follow-up
    answer alone when the first answer was rejected (about another question, empty...): the
    follow-up then asked the question again, and graded together with the rejected text a
    correct answer got 0."""
    if turn.grade_stage == "combined" and rejected_first_answer(repo, turn) is not None:
        return turn.follow_up_answer or ""
    return turn.graded_answer


def rejected_first_answer(repo: Repository, turn: TurnRecord) -> Grade | None:
    """The guards' grade of the turn's first answer when they rejected it (the follow-up then
    asked the question again, and its answer is graded on its own), else None."""
    answered = _answer_grades(repo, turn)
    return answered[-1].grade if _rejected(answered) else None


def _answer_grades(repo: Repository, turn: TurnRecord) -> list[GradeRecord]:
    """The grades of the turn's first answer alone, oldest first."""
    if turn.id is None:
        return []
    return [g for g in repo.grade_history(turn.id) if g.stage == "answer"]


def _rejected(answer_grades: list[GradeRecord]) -> bool:
    """Whether the guards rejected the first answer (its latest grade is theirs)."""
    return bool(answer_grades) and answer_grades[-1].grade.grader.kind == "guard"


def regrade_pending(
    repo: Repository,
    bank: Bank,
    grader: AnswerGrader,
    *,
    session_id: str | None = None,
    settled: timedelta | None = None,
    give_up_after: int | None = None,
    clock: Callable[[], datetime] = _utc_now,
) -> RegradeReport:
    """Grade every stored answer whose grade is pending or missing.

    Args:
        repo: The repository.
        bank: The question bank (the current version of each question is graded against).
        grader: The grader to use.
        session_id: Only this session; None for all.
        settled: Only answers sent at least this long ago: a newer one may still be being
            graded by the request that stored it (the app's background pass).
        give_up_after: Stop after this many answers in a row are still pending: the grader
            is still down, and each further attempt would wait out its retries too (one answer
            the grader always fails on does not block the others).
        clock: Now (tests move it), for ``settled``.
    """
    turns = repo.pending_turns(session_id)
    if settled is not None:
        before = clock() - settled
        turns = [t for t in turns if _last_answered(t) <= before]
    completed = 0
    failed: list[str] = []
    in_a_row = 0
    for turn in turns:
        try:
            question = bank.get(turn.question_id)
        except BankError:
            failed.append(f"{turn.question_id}: no longer in the bank")
            continue
        grade = _grade_turn(grader, repo, bank, turn, question)
        if grade.status == "graded" or not _already_pending(repo, turn):
            # A pass during an outage adds no row per attempt (the app tries every minute).
            repo.save_grade(turn, grade)
        if grade.status == "graded":
            completed += 1
            in_a_row = 0
            continue
        if grade.diagnostics or grade.message:
            failed.append(f"{turn.question_id}: {grade.diagnostics or grade.message}")
        in_a_row += 1
        if give_up_after is not None and in_a_row >= give_up_after:
            break
    return RegradeReport(
        found=len(turns), completed=completed, still_pending=len(turns) - completed, failed=failed
    )


def _already_pending(repo: Repository, turn: TurnRecord) -> bool:
    latest = repo.latest_grade(turn.id) if turn.id is not None else None
    return latest is not None and latest.status == "pending" and latest.stage == turn.grade_stage


def _last_answered(turn: TurnRecord) -> datetime:
    """When the turn's latest answer (first or follow-up) was sent; its start when unknown."""
    times = [t for t in (turn.follow_up_answered_at, turn.answered_at) if t is not None]
    return max(times) if times else datetime.min.replace(tzinfo=UTC)


def render_feedback(grade: Grade) -> str:
    """Plain-text feedback for one grade (the web app renders its own card from ``grade``)."""
    # The terminal's user runs the tool, so the operator's reason is shown too.
    why = f"Why: {grade.diagnostics}" if grade.diagnostics else ""
    if grade.status == "pending":
        reason = f" ({grade.message})" if grade.message else ""
        saved = (
            f"Your answer is saved, but it could not be graded right now{reason}. It will be "
            "graded later (`interviewer regrade --pending`); nothing is lost."
        )
        return f"{saved}\n{why}" if why else saved
    lines = [f"Score: {grade.overall:.1f}/5" if grade.overall is not None else "Score: n/a"]
    if grade.message:
        lines.append(grade.message)
    if grade.feedback:
        lines.append(grade.feedback)
    covered = [v.key_point for v in grade.key_points if v.verdict == "covered"]
    if covered:
        lines.append("Covered: " + "; ".join(covered))
    if grade.missed_key_points:
        lines.append("Missed or partial: " + "; ".join(grade.missed_key_points))
    if grade.factual_errors:
        lines.append("Check: " + "; ".join(grade.factual_errors))
    if grade.sources:
        lines.append("Sources: " + ", ".join(s.label() for s in grade.sources))
    if why:
        lines.append(why)
    return "\n".join(lines)


def _render_summary(summary: Summary) -> str:
    mean = f"{summary.mean_overall:.1f}/5" if summary.mean_overall is not None else "n/a"
    lines = [
        # "(skipped 0)" was said after every interview with nothing skipped.
        f"Interview finished. Answered {summary.answered} of {summary.total}"
        f"{f' (skipped {summary.skipped})' if summary.skipped else ''}; mean score {mean}; "
        f"hints used {summary.hints_used}."
    ]
    if summary.pending:
        one = summary.pending == 1
        lines.append(
            f"{counted(summary.pending, 'answer')} {'is' if one else 'are'} waiting for grading; "
            f"{'it' if one else 'they'} will be graded later."
        )
    for result in summary.results:
        score = {
            "graded": f"{result.overall:.1f}/5" if result.overall is not None else "n/a",
            "pending": "grading pending",
            "skipped": "skipped",
            "unanswered": "not answered",
        }[result.outcome]
        extra = " (time limit exceeded)" if result.time_limit_exceeded else ""
        lines.append(f"{result.position + 1}. {result.question_text} — {score}{extra}")
    return "\n".join(lines)


def _result(turn: TurnRecord, grade: GradeRecord | None) -> TurnResult:
    outcome: Literal["graded", "pending", "skipped", "unanswered"]
    if turn.status == "skipped":
        outcome = "skipped"
    elif turn.answer is None:
        outcome = "unanswered"
    elif grade is None or grade.status == "pending":
        outcome = "pending"
    else:
        outcome = "graded"
    return TurnResult(
        position=turn.position,
        question_id=turn.question_id,
        question_text=turn.question_text,
        outcome=outcome,
        overall=grade.overall if grade and outcome == "graded" else None,
        hints=list(turn.hints),
        follow_up_asked=turn.follow_up_question is not None,
        seconds_taken=turn.seconds_taken,
        time_limit_exceeded=turn.time_limit_exceeded,
        grade=grade.grade if grade else None,
    )


def _command(text: str) -> Command | None:
    word = text.strip().lower()
    return word if word in COMMANDS else None  # type: ignore[return-value]


def _clean_answer(text: str) -> str:
    return _CONTROL.sub("", text).strip()


def _hints_taken(hints: list[str]) -> str:
    """The hints of one question, for a chat rebuilt after a reload: they had gone from it
    while the summary still counted them. A point hinted at twice (at a follow-up) is named
    once, with "twice"."""
    times = {h: hints.count(h) for h in hints}
    said = ", ".join(cue(h) + (" (twice)" if n == 2 else "") for h, n in times.items())
    return f"Hint{'s' if len(hints) > 1 else ''} taken on this question: {said}."


def _follow_up_point(turn: TurnRecord, grade: Grade) -> str | None:
    """The key point the follow-up asks about: the gap whose question it is, else the biggest
    gap (an LLM's own follow-up); None when it asks the whole question again (a rejected
    answer). The hint at q02's follow-up on “Generator” was about “Value function”."""
    if grade.grader.kind == "guard":
        return None
    gaps = [v for v in grade.key_points if v.verdict != "covered"]
    for text in (turn.follow_up_question, gap_follow_up(grade.key_points)):
        for gap in gaps:
            asked = gap_question(
                gap.key_point, partly=gap.verdict == "partly", quoted=bool(gap.evidence)
            )
            if asked == text:
                return gap.key_point
    return None


# A word in at least this share of the bank's questions (text and key points) belongs to its
# subject: on the GAN bank "generator" is in most of them.
_SUBJECT_SHARE = 0.25
_HINT_WORDS = 3
_HINT_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]")
# Words of the bank's key points that are rare but point nowhere, so a hint naming them read
# as noise ("labelled, compute, often", "sensitive, records, instead", "early, slowly,
# poorly"): common adjectives and verbs, and "principle", "assumed", "records" as the bank
# uses them ("in principle", "no assumed form", "release synthetic records"). Words ending
# in -ly are adverbs, but for a few nouns, and left out by rule.
_VAGUE = frozenset(
    "often instead simple little early principle assumed records large small better "
    "really rather still gives makes needs "
    # Function words and verbs the stopword list keeps: "blurry because", "diversity become",
    # "resolution first", "whose condition", "feedback stops" read as broken terms.
    "because become becomes across enough except otherwise whose versus everywhere almost "
    "easier first starts stops shows leads yields turns provide".split()
)
_LY_NOUNS = frozenset({"anomaly", "family", "assembly", "supply"})
_S_NOUNS = ("ss", "series", "ics")  # "loss function", "time-series forecasting"
# Framing words the grader drops from every text but that name a thing in a key point's term
# ("question answering").
_TERM_WORDS = frozenset({"question", "answer", "state"})


def _nudge(key_point: str, question: Question, bank: Bank, *, telling: bool = False) -> str:
    """The hint on ``key_point``: its cue, and when every word of that is already in the
    question or the bank's subject, a few of the key point's rarest other terms too. q02's
    first hint ("Describe the architecture of a basic GAN") was “Generator”, which every
    candidate already had. A ``telling`` hint (the second on the point) names terms, and
    more of them when the first did already."""
    named = cue(key_point)
    plain = f"Hint: a strong answer says something about {named}. What would you add?"
    frequency = _subject_frequency(bank)
    asked = set(content_stems(question.text))
    subject = {s for s, n in frequency.items() if n >= _SUBJECT_SHARE * len(bank.questions)}
    quoted = named[named.index("“") + 1 :].strip("“”… ")  # "the point that starts" is frame
    bare = set(content_stems(quoted)) <= asked | subject

    def words(more: bool) -> str:
        if not bare and not more:
            return ""
        count = _HINT_WORDS * (bare + more)
        common = asked | subject
        terms = [] if more else _hint_terms(key_point, common, common, bank, frequency, count)
        # The bank's subject words too, once the rarer ones are named or when only they are
        # left (q34's “Impact”: "early layers learn very slowly or not at all, ...").
        wide = asked | set(content_stems(quoted))
        return ", ".join(terms or _hint_terms(key_point, wide, common, bank, frequency, count))

    if telling:
        named_words = words(True)
        if named_words and named_words != words(False):
            return f"Another hint on {named}: think of: {named_words}. What would you add?"
        # Naming the same words again gave nothing new (9 of the bank's 188 key points, e.g.
        # q23's "encoder, likelihood"): the point's first half says more.
        return f"Another hint on {named}: it begins “{_first_half(key_point)} …”."
    first = words(False)
    if not first:
        return plain
    return (
        f"Hint: a strong answer says something about {named}; think of: {first}. "
        "What would you add?"
    )


def _first_half(key_point: str) -> str:
    """The first half of a key point's words (at least four), for a hint that may tell more."""
    tokens = key_point.split()
    return " ".join(tokens[: max(4, len(tokens) // 2)]).rstrip(",;:")


def _hint_terms(
    key_point: str,
    known: set[str],
    common: set[str],
    bank: Bank,
    frequency: dict[str, int],
    count: int,
) -> list[str]:
    """The ``count`` rarest terms of the key point in the bank (``frequency``: of
    :func:`_subject_frequency`, computed once per hint), in its order: its words not in
    ``known``, as written ("Goodfellow", "Gaussian"), each with the word before it when the
    two make a term (:func:`_term_pair`): "speech recognition", not "modelling, recognition,
    forecasting"."""
    tokens = list(_HINT_WORD.finditer(key_point))
    terms: dict[str, tuple[int, int, str]] = {}  # lowercased: (rarity, position, as written)
    ending: dict[int, str] = {}  # token index: the term that ends there (lowercased)
    for i, token in enumerate(tokens):
        word, start = token.group(), i
        stems = content_stems(word)
        if not _pointed(word) or not stems or known.intersection(stems):
            continue
        rarity = max(frequency.get(s, 0) for s in stems)
        before = ending.get(i - 1, "")
        chain = " " in before  # the word before ends a pair
        # A pair goes on to a third word that pairs with its last: "evidence lower bound",
        # "Earth Mover's distance" (named "evidence lower, bound" before); no longer.
        if len(before.split()) < 3 and _term_pair(
            key_point, tokens, i, common, bank, extending=chain
        ):
            if chain:
                joined_rarity, start, written = terms.pop(before)
                rarity = min(rarity, joined_rarity)
            else:  # the word before is a term alone, or too common to be one
                written = tokens[i - 1].group()
                terms.pop(written.lower(), None)
                stems_before = (frequency.get(s, 0) for s in content_stems(written))
                rarity, start = min([rarity, *stems_before]), i - 1
            word = f"{written} {word}"
        terms.setdefault(word.lower(), (rarity, start, word))
        ending[i] = word.lower()
    rarest = sorted(terms.values())[:count]
    return [word for _, _, word in sorted(rarest, key=lambda t: t[1])]


def _pointed(word: str) -> bool:
    """Whether a hint can name ``word``: not short, vague, or an adverb."""
    if word.islower() and len(word) < 5:
        return False  # "new", "ones": too vague to point anywhere (an acronym is kept)
    last = word.lower().rsplit("-", 1)[-1]
    return word.lower() not in _VAGUE and (not last.endswith("ly") or last in _LY_NOUNS)


def _term_pair(
    key_point: str,
    tokens: list[re.Match[str]],
    i: int,
    common: set[str],
    bank: Bank,
    *,
    extending: bool = False,
) -> bool:
    """Whether word ``i`` and the one before it, only a space apart, make one term: the one
    before is not ``common`` (the question's or the subject's: "generator produces"), nor a
    participle or in -s, as verbs are and modifiers seldom ("outputting probability", "risks
    overfitting"; a possessive is a modifier: "Earth Mover's distance"), and the pair recurs
    in the bank or ends a phrase ("language modelling,"): a verb goes on to its object
    ("mismatch gives little benefit"). ``extending`` a pair to a third word: it must recur."""
    if i == 0 or key_point[tokens[i - 1].end() : tokens[i].start()] != " ":
        return False
    before = tokens[i - 1].group()
    stems = content_stems(before)
    if before.lower() in _TERM_WORDS:  # dropped as framing by the grader, a term here
        stems = [before.lower()]
    if not stems or common.intersection(stems) or not _pointed(before):
        return False
    low = before.lower()
    if low.endswith(("ing", "ed")) or (
        low.endswith("s") and not low.endswith((*_S_NOUNS, "'s", "’s"))
    ):
        return False  # a verb: "outputting probability", "dataset risks overfitting"
    if tokens[i].group().lower().endswith("ed"):
        return False  # a participle after its noun: "classifier trained", not a term
    pair = f"{before} {tokens[i].group()}".lower()
    texts = (t for q in bank.questions for t in (q.text, *q.key_points, q.model_answer))
    if sum(t.lower().count(pair) for t in texts) > 1:
        return True
    if extending:  # a third word only when its pair recurs: not "human feedback optimizes"
        return False
    after = key_point[tokens[i].end() :].lstrip(" ")
    following = _HINT_WORD.match(after)
    return following is None or not content_stems(following.group())


def _subject_frequency(bank: Bank) -> dict[str, int]:
    """How many of the bank's questions use each word stem (in their text or key points)."""
    counts: dict[str, int] = {}
    for q in bank.questions:
        for stem in set(content_stems(" ".join([q.text, *q.key_points]))):
            counts[stem] = counts.get(stem, 0) + 1
    return counts


def _follow_up_text(grade: Grade) -> str:
    if grade.grader.kind == "guard" and grade.follow_up.strip():
        # The question asked again after a rejected answer: under "Follow-up" alone it read as
        # the interviewer repeating itself.
        return f"Let's try that question again: {grade.follow_up.strip()}"
    if grade.follow_up.strip():
        return grade.follow_up.strip()
    return gap_follow_up(grade.key_points)


def _pending_grade(question: Question, reason: str) -> Grade:
    return Grade(
        question_id=question.id,
        question_version=question.version,
        status="pending",
        flags=["pending"],
        message=f"Grading failed: {reason}",
        grader=GraderInfo(kind="pending"),
    )
