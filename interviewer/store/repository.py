"""The repository: the one place interview data is read and written.

It returns pydantic records detached from the database session, so callers (the engine, the web
app's threads, reports, calibration) never hold an ORM object or a connection. Every write is
its own committed transaction: an answer is durable the moment :meth:`Repository.save_turn`
returns. Database failures surface as :class:`~interviewer.errors.StoreError` with a remedy.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import (
    Engine,
    Select,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from interviewer.errors import SessionError
from interviewer.grading.base import Grade
from interviewer.grading.rubric import mean_score
from interviewer.store.db import store_errors
from interviewer.store.tables import (
    CandidateRow,
    GradeRow,
    SessionRow,
    TurnRow,
    UnsentTranscriptRow,
)

__all__ = [
    "CandidateRecord",
    "GradeRecord",
    "GradeStage",
    "Repository",
    "SessionListing",
    "SessionRecord",
    "TurnRecord",
    "TurnStatus",
    "UnsentTranscript",
    "is_session_id",
]

TurnStatus = Literal["asked", "answered", "follow_up", "follow_up_answered", "done", "skipped"]
GradeStage = Literal["answer", "combined"]
Clock = Callable[[], datetime]

_SESSIONS: Table = SessionRow.__table__  # type: ignore[assignment]
_TURNS: Table = TurnRow.__table__  # type: ignore[assignment]
_GRADES: Table = GradeRow.__table__  # type: ignore[assignment]
# Built once: the columns to set come from each call's parameters.
_UPDATE_TURN = update(_TURNS).where(_TURNS.c.id == bindparam("_turn_id"))


# What new_session_id makes (22 URL-safe characters), up to the column's 64 characters.
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_session_id(text: str) -> bool:
    """Whether ``text`` could be a session id. Anything else is no session without asking the
    database: a damaged link or a pasted text can hold anything, and PostgreSQL failed on a NUL,
    told as a database failure."""
    return _SESSION_ID.fullmatch(text) is not None


def new_session_id() -> str:
    """A random, URL-safe session id that never starts with "-" (it would read as an option in
    ``interviewer report ID``; one id in 64 did).
    """
    while True:
        candidate = secrets.token_urlsafe(16)
        if candidate[0] != "-":
            return candidate


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class CandidateRecord(BaseModel):
    """A candidate."""

    id: int
    name: str
    created_at: datetime


class SessionRecord(BaseModel):
    """A stored interview session."""

    id: str
    candidate: str | None = None
    config: dict[str, object] = Field(default_factory=dict)
    question_ids: list[str] = Field(default_factory=list)
    state: str
    current_index: int = 0
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None

    @property
    def ended(self) -> bool:
        """Whether the interview is over (End, or its last question answered): the question on
        screen then was asked and not answered, where in a live session it is being answered."""
        return self.state == "finished" or self.finished_at is not None

    @property
    def time_limit_s(self) -> float | None:
        """Seconds allowed per answer (and per follow-up answer), None without a limit."""
        limit = self.config.get("time_limit_s")
        return float(limit) if isinstance(limit, int | float) else None

    def holds_back(self, turn_status: str) -> bool:
        """Whether a turn's grade is held back from the candidate and the team: its follow-up
        is open in this live session. Shown beside the follow-up, the first answer's missed key
        points were the follow-up's answer to paste (q01: 0.0 to 3.0); the card, History, the
        report and `sessions list` all wait for the follow-up's answer or Skip."""
        return turn_status == "follow_up" and not self.ended


class TurnRecord(BaseModel):
    """One question of a session with its answer, follow-up, hints and timings.

    ``id`` is None until the turn is first stored.
    """

    id: int | None = None
    session_id: str
    position: int = Field(ge=0)
    question_id: str
    question_version: str
    question_text: str
    status: TurnStatus = "asked"
    answer: str | None = None
    transcript: str | None = None
    transcript_confidence: float | None = None
    started_at: datetime
    answered_at: datetime | None = None
    seconds_taken: float | None = None
    time_limit_exceeded: bool = False
    follow_up_question: str | None = None
    follow_up_answer: str | None = None
    follow_up_asked_at: datetime | None = None
    follow_up_answered_at: datetime | None = None
    follow_up_seconds: float | None = None
    hints: list[str] = Field(default_factory=list)

    @property
    def graded_answer(self) -> str:
        """The text graded for this turn: the answer, plus the follow-up answer when given."""
        parts = [self.answer or "", self.follow_up_answer or ""]
        return "\n\n".join(p for p in parts if p.strip())

    @property
    def seconds_total(self) -> float | None:
        """The time the answer and the follow-up answer took together, None when unknown."""
        if self.seconds_taken is None and self.follow_up_seconds is None:
            return None
        return (self.seconds_taken or 0.0) + (self.follow_up_seconds or 0.0)

    @property
    def grade_stage(self) -> GradeStage:
        """Which grade this turn needs: of the answer alone, or of answer plus follow-up."""
        return "combined" if self.follow_up_answer is not None else "answer"


class GradeRecord(BaseModel):
    """A stored grade with who produced it."""

    id: int
    turn_id: int
    session_id: str
    question_id: str
    question_version: str
    stage: GradeStage
    status: Literal["graded", "pending"]
    overall: float | None
    grader_kind: str
    grader_model: str
    prompt_version: str
    created_at: datetime
    grade: Grade


class SessionListing(BaseModel):
    """A session with its progress figures, for history pages and ``sessions list``."""

    session: SessionRecord
    questions: int
    answered: int
    graded: int
    pending: int
    mean_overall: float | None = Field(description="Mean of the graded answers, one decimal")


class UnsentTranscript(BaseModel):
    """A spoken answer being transcribed (``transcript`` None) or transcribed, not yet shown."""

    session_id: str
    recording: str = Field(description="Id of the recording, new for each one")
    position: str = Field(description="Where the interview stood when the recording began")
    transcript: dict[str, object] | None = None
    started_at: datetime


class Repository:
    """Reads and writes candidates, sessions, turns, grades and unsent transcripts.

    Args:
        engine: A migrated engine (see :func:`interviewer.store.db.open_database`).
        clock: Returns the current UTC time; injected by tests.
    """

    def __init__(self, engine: Engine, *, clock: Clock = _utc_now) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock

    @contextmanager
    def _tx(self, action: str) -> Iterator[Session]:
        with store_errors(action), self._sessions.begin() as db:
            yield db

    # --- sessions -------------------------------------------------------------------------

    def create_session(
        self,
        *,
        config: Mapping[str, object],
        question_ids: Sequence[str],
        candidate: str | None = None,
        state: str = "greeting",
    ) -> SessionRecord:
        """Store a new session with an unguessable id.

        Args:
            config: The session configuration as JSON-compatible data.
            question_ids: The questions of the session, in the order they will be asked.
            candidate: The candidate's name; blank means anonymous.
            state: The initial engine state.
        """
        now = self._clock()
        name = _clean_name(candidate)
        with self._tx("creating the session") as db:
            candidate_id = self._candidate_id(db, name, now) if name else None
            row = SessionRow(
                id=new_session_id(),
                candidate_id=candidate_id,
                config=dict(config),
                question_ids=list(question_ids),
                state=state,
                current_index=0,
                created_at=now,
                updated_at=now,
            )
            db.add(row)
            db.flush()
            return _session_record(row, name)

    def find_session(self, session_id: str) -> SessionRecord | None:
        """The session with this id, or None (also for a text that cannot be an id)."""
        if not is_session_id(session_id):
            return None
        with self._tx("loading the session") as db:
            row = db.get(SessionRow, session_id)
            return None if row is None else _session_record(row, self._candidate_name(db, row))

    def get_session(self, session_id: str) -> SessionRecord:
        """The session with this id.

        Raises:
            SessionError: No such session.
        """
        record = self.find_session(session_id)
        if record is None:
            raise SessionError(
                "No interview session with that id. Check the link or id, or run "
                "`interviewer sessions list` to see stored sessions."
            )
        return record

    def update_session(
        self, session_id: str, *, state: str, current_index: int | None = None
    ) -> SessionRecord:
        """Set a session's state (and position); ``finished`` also stamps ``finished_at``."""
        with self._tx("saving the session") as db:
            row = self._session_row(db, session_id)
            self._set_state(row, state, current_index)
            return _session_record(row, self._candidate_name(db, row))

    def list_sessions(self, candidate: str | None = None, limit: int = 200) -> list[SessionListing]:
        """Sessions newest first, optionally of one candidate, with progress figures."""
        with self._tx("listing sessions") as db:
            query = (
                select(SessionRow, CandidateRow.name)
                .outerjoin(CandidateRow, CandidateRow.id == SessionRow.candidate_id)
                .order_by(SessionRow.created_at.desc(), SessionRow.id)
            )
            if candidate is not None:
                query = query.where(CandidateRow.name == _clean_name(candidate))
            rows = db.execute(query.limit(limit)).all()
            ids = [row.id for row, _ in rows]
            answered = dict(
                db.execute(
                    select(TurnRow.session_id, func.count())
                    .where(TurnRow.session_id.in_(ids), TurnRow.answer.is_not(None))
                    .group_by(TurnRow.session_id)
                ).all()
            )
            latest = (
                select(func.max(GradeRow.id))
                .where(GradeRow.session_id.in_(ids))
                .group_by(GradeRow.turn_id)
                .scalar_subquery()
            )
            grades: dict[str, list[tuple[str, float | None, str]]] = {}
            for session_id, status, overall, turn_status in db.execute(
                select(GradeRow.session_id, GradeRow.status, GradeRow.overall, TurnRow.status)
                .join(TurnRow, TurnRow.id == GradeRow.turn_id)
                .where(GradeRow.id.in_(latest))
            ).all():
                grades.setdefault(session_id, []).append((status, overall, turn_status))
            return [
                _listing(
                    _session_record(row, name), answered.get(row.id, 0), grades.get(row.id, [])
                )
                for row, name in rows
            ]

    def list_candidates(self) -> list[CandidateRecord]:
        """Every candidate, by name."""
        with self._tx("listing candidates") as db:
            rows = db.scalars(select(CandidateRow).order_by(CandidateRow.name)).all()
            return [
                CandidateRecord(id=r.id, name=r.name, created_at=_utc(r.created_at) or r.created_at)
                for r in rows
            ]

    # --- turns ----------------------------------------------------------------------------

    def save_turn(
        self, turn: TurnRecord, *, state: str | None = None, current_index: int | None = None
    ) -> TurnRecord:
        """Insert or update a turn, and optionally move the session, in one transaction.

        Returns:
            The stored turn (with its id).
        """
        [stored], _ = self.save_step(
            turn.session_id, turns=[turn], state=state, current_index=current_index
        )
        return stored

    def save_step(
        self,
        session_id: str,
        *,
        turns: Sequence[TurnRecord] = (),
        grade: tuple[TurnRecord, Grade] | None = None,
        state: str | None = None,
        current_index: int | None = None,
    ) -> tuple[list[TurnRecord], GradeRecord | None]:
        """Store one engine step atomically: a grade, turns (insert or update), session state.

        One transaction per step keeps a turn's overhead low and a crash can never leave half a
        step behind (e.g. a closed turn without the next question).

        Args:
            session_id: The session all of this belongs to.
            turns: Turns to insert (``id`` None) or update.
            grade: A grade and the (already stored) turn it grades.
            state: The session's new state, if it changes.
            current_index: The session's new current question index.

        Returns:
            The stored turns (with ids) in the order given, and the stored grade.

        Raises:
            SessionError: The session or a turn no longer exists.
            StoreError: The database failed; nothing of the step was stored.
        """
        now = self._clock()
        # Told to the candidate when it fails: "saving the answer" was said of a Hint or a Skip.
        if grade is not None:
            action = "saving the grade"
        elif any(t.status in ("answered", "follow_up_answered") for t in turns):
            action = "saving the answer"
        else:
            action = "saving the interview"
        with self._tx(action) as db:
            stored_grade = self._add_grade(db, *grade, now) if grade is not None else None
            stored = [self._put_turn(db, turn) for turn in turns]
            values: dict[str, object] = {"updated_at": now}
            if state is not None:
                values["state"] = state
                if state == "finished":
                    values["finished_at"] = func.coalesce(_SESSIONS.c.finished_at, now)
            if current_index is not None:
                values["current_index"] = current_index
            result = db.execute(
                update(_SESSIONS).where(_SESSIONS.c.id == session_id).values(**values)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise SessionError("This interview session no longer exists; start a new one.")
            return stored, stored_grade

    # The writes of a step are Core statements on the tables: the ORM's unit of work and its
    # bulk-update bookkeeping cost 3-4x as much CPU per step, and nothing here needs objects.

    def _put_turn(self, db: Session, turn: TurnRecord) -> TurnRecord:
        values = turn.model_dump(exclude={"id"})
        if turn.id is None:
            new_id: int = db.execute(insert(_TURNS).returning(_TURNS.c.id), values).scalar_one()
            return turn.model_copy(update={"id": new_id})
        result = db.execute(_UPDATE_TURN, {**values, "_turn_id": turn.id})
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise SessionError(f"Answer {turn.id} no longer exists; reload the session.")
        return turn

    def _add_grade(self, db: Session, turn: TurnRecord, grade: Grade, now: datetime) -> GradeRecord:
        if turn.id is None:
            raise SessionError("Store the answer before its grade.")
        row: dict[str, Any] = {
            "turn_id": turn.id,
            "session_id": turn.session_id,
            "question_id": grade.question_id or turn.question_id,
            "question_version": grade.question_version or turn.question_version,
            "stage": turn.grade_stage,
            "status": grade.status,
            "overall": grade.overall,
            "grader_kind": grade.grader.kind,
            "grader_model": grade.grader.model,
            "prompt_version": grade.grader.prompt_version,
            "grade": grade.model_dump(mode="json"),
            "created_at": now,
        }
        new_id: int = db.execute(insert(_GRADES).returning(_GRADES.c.id), row).scalar_one()
        return GradeRecord(
            id=new_id,
            turn_id=turn.id,
            session_id=turn.session_id,
            question_id=row["question_id"],
            question_version=row["question_version"],
            stage=turn.grade_stage,
            status=grade.status,
            overall=grade.overall,
            grader_kind=row["grader_kind"],
            grader_model=row["grader_model"],
            prompt_version=row["prompt_version"],
            created_at=now,
            grade=grade,
        )

    def turns(self, session_id: str) -> list[TurnRecord]:
        """The turns of a session in the order asked."""
        with self._tx("loading the answers") as db:
            rows = db.scalars(
                select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.position)
            ).all()
            return [_turn_record(r) for r in rows]

    def get_turn(self, turn_id: int) -> TurnRecord:
        """One turn by id.

        Raises:
            SessionError: No such turn.
        """
        with self._tx("loading the answer") as db:
            row = db.get(TurnRow, turn_id)
            if row is None:
                raise SessionError(f"No answer with id {turn_id}.")
            return _turn_record(row)

    def pending_turns(self, session_id: str | None = None) -> list[TurnRecord]:
        """Answered turns whose grade is missing, pending, or older than their follow-up answer."""
        # In SQL: the app runs this every minute in each process, and it read every answered
        # turn and every latest grade (JSON and all) to keep a few.
        newest = (
            select(GradeRow.turn_id, func.max(GradeRow.id).label("grade_id"))
            .group_by(GradeRow.turn_id)
            .subquery()
        )
        stage = case((TurnRow.follow_up_answer.is_not(None), "combined"), else_="answer")
        needs = or_(
            GradeRow.id.is_(None),
            GradeRow.status == "pending",
            # An open follow-up: the first answer's grade stands until it is answered.
            and_(TurnRow.status != "follow_up", GradeRow.stage != stage),
        )
        query = (
            select(TurnRow)
            .outerjoin(newest, newest.c.turn_id == TurnRow.id)
            .outerjoin(GradeRow, GradeRow.id == newest.c.grade_id)
            .where(TurnRow.answer.is_not(None), TurnRow.status != "skipped", needs)
        )
        if session_id is not None:
            query = query.where(TurnRow.session_id == session_id)
        with self._tx("finding answers to grade") as db:
            return [_turn_record(r) for r in db.scalars(query.order_by(TurnRow.id)).all()]

    # --- grades ---------------------------------------------------------------------------

    def save_grade(
        self,
        turn: TurnRecord,
        grade: Grade,
        *,
        state: str | None = None,
        current_index: int | None = None,
    ) -> GradeRecord:
        """Store a grade of a stored turn (stage from the turn), optionally moving the session."""
        _, stored = self.save_step(
            turn.session_id, grade=(turn, grade), state=state, current_index=current_index
        )
        assert stored is not None  # noqa: S101 - save_step returns the grade it was given
        return stored

    def latest_grade(self, turn_id: int) -> GradeRecord | None:
        """The newest grade of a turn, or None."""
        with self._tx("loading the grade") as db:
            row = db.scalars(
                select(GradeRow).where(GradeRow.turn_id == turn_id).order_by(GradeRow.id.desc())
            ).first()
            return None if row is None else _grade_record(row)

    def grade_history(self, turn_id: int) -> list[GradeRecord]:
        """Every grade of a turn, oldest first (first answer, combined, regrades)."""
        with self._tx("loading grades") as db:
            rows = db.scalars(
                select(GradeRow).where(GradeRow.turn_id == turn_id).order_by(GradeRow.id)
            ).all()
            return [_grade_record(r) for r in rows]

    def session_grades(self, session_id: str) -> dict[int, GradeRecord]:
        """The newest grade of each turn of a session, by turn id."""
        with self._tx("loading grades") as db:
            rows = self._latest_grades(
                db, select(GradeRow).where(GradeRow.session_id == session_id)
            )
            return {r.turn_id: _grade_record(r) for r in rows}

    def final_grades(
        self,
        question_id: str | None = None,
        *,
        status: Literal["graded", "pending"] | None = "graded",
    ) -> list[GradeRecord]:
        """The newest grade of every turn (all sessions), for item statistics and calibration.

        Args:
            question_id: Only this question; None for every question.
            status: Only grades with this status; None for all.
        """
        with self._tx("loading grades") as db:
            query = select(GradeRow)
            if question_id is not None:
                query = query.where(GradeRow.question_id == question_id)
            rows = self._latest_grades(db, query)
            return [_grade_record(r) for r in rows if status is None or r.status == status]

    def question_attempts(
        self, question_id: str, candidate: str | None = None
    ) -> list[tuple[TurnRecord, GradeRecord | None]]:
        """Every answered attempt at one question, oldest first, with its newest grade.

        Args:
            question_id: The bank question.
            candidate: Only this candidate's attempts; None for everyone.
        """
        with self._tx("loading attempts") as db:
            query = select(TurnRow).where(
                TurnRow.question_id == question_id, TurnRow.answer.is_not(None)
            )
            if candidate is not None:
                query = (
                    query.join(SessionRow, SessionRow.id == TurnRow.session_id)
                    .join(CandidateRow)
                    .where(CandidateRow.name == _clean_name(candidate))
                )
            turns = db.scalars(query.order_by(TurnRow.answered_at, TurnRow.id)).all()
            ids = [t.id for t in turns]
            grades = {
                g.turn_id: g
                for g in self._latest_grades(db, select(GradeRow).where(GradeRow.turn_id.in_(ids)))
            }
            return [
                (_turn_record(t), _grade_record(grades[t.id]) if t.id in grades else None)
                for t in turns
            ]

    # --- unsent transcripts ------------------------------------------------------------------

    def begin_transcript(self, session_id: str, position: str) -> str:
        """Note that a recording made at ``position`` is being transcribed; it replaces any
        earlier unsent one of the session. Returns the recording's id."""
        recording = secrets.token_hex(8)
        with self._tx("noting the recording") as db:
            db.execute(
                delete(UnsentTranscriptRow).where(UnsentTranscriptRow.session_id == session_id)
            )
            db.add(
                UnsentTranscriptRow(
                    session_id=session_id,
                    recording=recording,
                    position=position,
                    transcript=None,
                    started_at=self._clock(),
                )
            )
        return recording

    def finish_transcript(
        self, session_id: str, recording: str, transcript: Mapping[str, object]
    ) -> bool:
        """Store the text of a recording noted by :meth:`begin_transcript`; False when it is
        gone meanwhile (an answer was sent, or a newer recording began)."""
        with self._tx("saving the transcript") as db:
            done = db.execute(
                update(UnsentTranscriptRow)
                .where(
                    UnsentTranscriptRow.session_id == session_id,
                    UnsentTranscriptRow.recording == recording,
                )
                .values(transcript=dict(transcript))
            )
            return bool(done.rowcount)  # type: ignore[attr-defined]

    def unsent_transcript(self, session_id: str) -> UnsentTranscript | None:
        """The session's recording being transcribed or not yet shown, if any."""
        with self._tx("loading the transcript") as db:
            row = db.get(UnsentTranscriptRow, session_id)
            if row is None:
                return None
            return UnsentTranscript(
                session_id=row.session_id,
                recording=row.recording,
                position=row.position,
                transcript=None if row.transcript is None else dict(row.transcript),
                started_at=_utc(row.started_at) or row.started_at,
            )

    def drop_transcript(self, session_id: str, recording: str | None = None) -> bool:
        """Forget the session's unsent transcript (only ``recording``'s, when given). True when
        this call removed it: of two pages taking the same transcript, one gets it."""
        query = delete(UnsentTranscriptRow).where(UnsentTranscriptRow.session_id == session_id)
        if recording is not None:
            query = query.where(UnsentTranscriptRow.recording == recording)
        with self._tx("clearing the transcript") as db:
            return bool(db.execute(query).rowcount)  # type: ignore[attr-defined]

    # --- helpers --------------------------------------------------------------------------

    def _latest_grades(self, db: Session, query: Select[Any]) -> Sequence[GradeRow]:
        newest = select(func.max(GradeRow.id)).group_by(GradeRow.turn_id).scalar_subquery()
        return db.scalars(query.where(GradeRow.id.in_(newest)).order_by(GradeRow.id)).all()

    def _session_row(self, db: Session, session_id: str) -> SessionRow:
        row = db.get(SessionRow, session_id)
        if row is None:
            raise SessionError(
                "No interview session with that id. Check the link or id, or run "
                "`interviewer sessions list`."
            )
        return row

    def _set_state(self, row: SessionRow, state: str, current_index: int | None) -> None:
        now = self._clock()
        row.state = state
        if current_index is not None:
            row.current_index = current_index
        row.updated_at = now
        if state == "finished" and row.finished_at is None:
            row.finished_at = now

    def _candidate_id(self, db: Session, name: str, now: datetime) -> int:
        found = db.scalars(select(CandidateRow.id).where(CandidateRow.name == name)).first()
        if found is not None:
            return found
        # Two sessions started at once under the same new name race to insert it: the loser's
        # insert fails on the unique name inside a savepoint, and it takes the winner's row.
        try:
            with db.begin_nested():
                row = CandidateRow(name=name, created_at=now)
                db.add(row)
            return row.id
        except IntegrityError:
            return db.scalars(select(CandidateRow.id).where(CandidateRow.name == name)).one()

    def _candidate_name(self, db: Session, row: SessionRow) -> str | None:
        if row.candidate_id is None:
            return None
        return db.scalars(
            select(CandidateRow.name).where(CandidateRow.id == row.candidate_id)
        ).first()


def _clean_name(name: str | None) -> str | None:
    cleaned = " ".join((name or "").split())[:200]
    return cleaned or None


def _listing(
    session: SessionRecord, answered: int, grades: list[tuple[str, float | None, str]]
) -> SessionListing:
    """``grades``: each turn's latest grade as (status, overall, the turn's status)."""
    # A first answer whose follow-up is open is left out of the mean (SessionRecord.holds_back).
    scores = [
        overall
        for status, overall, turn in grades
        if status == "graded" and overall is not None and not session.holds_back(turn)
    ]
    return SessionListing(
        session=session,
        questions=len(session.question_ids),
        answered=answered,
        graded=sum(1 for status, _, _ in grades if status == "graded"),
        pending=sum(1 for status, _, _ in grades if status == "pending"),
        mean_overall=mean_score(scores),
    )


def _session_record(row: SessionRow, candidate: str | None) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        candidate=candidate,
        config=dict(row.config),
        question_ids=list(row.question_ids),
        state=row.state,
        current_index=row.current_index,
        created_at=_utc(row.created_at) or row.created_at,
        updated_at=_utc(row.updated_at) or row.updated_at,
        finished_at=_utc(row.finished_at),
    )


def _turn_record(row: TurnRow) -> TurnRecord:
    return TurnRecord(
        id=row.id,
        session_id=row.session_id,
        position=row.position,
        question_id=row.question_id,
        question_version=row.question_version,
        question_text=row.question_text,
        status=row.status,  # type: ignore[arg-type]
        answer=row.answer,
        transcript=row.transcript,
        transcript_confidence=row.transcript_confidence,
        started_at=_utc(row.started_at) or row.started_at,
        answered_at=_utc(row.answered_at),
        seconds_taken=row.seconds_taken,
        time_limit_exceeded=row.time_limit_exceeded,
        follow_up_question=row.follow_up_question,
        follow_up_answer=row.follow_up_answer,
        follow_up_asked_at=_utc(row.follow_up_asked_at),
        follow_up_answered_at=_utc(row.follow_up_answered_at),
        follow_up_seconds=row.follow_up_seconds,
        hints=list(row.hints or []),
    )


def _grade_record(row: GradeRow) -> GradeRecord:
    return GradeRecord(
        id=row.id,
        turn_id=row.turn_id,
        session_id=row.session_id,
        question_id=row.question_id,
        question_version=row.question_version,
        stage=row.stage,  # type: ignore[arg-type]
        status=row.status,  # type: ignore[arg-type]
        overall=row.overall,
        grader_kind=row.grader_kind,
        grader_model=row.grader_model,
        prompt_version=row.prompt_version,
        created_at=_utc(row.created_at) or row.created_at,
        grade=Grade.model_validate(row.grade),
    )
