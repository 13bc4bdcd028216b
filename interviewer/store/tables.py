"""SQLAlchemy 2.0 tables: candidates, sessions, turns, grades and unsent transcripts.

Only :mod:`interviewer.store.repository` touches these classes; everything else gets the
pydantic records it returns. The schema itself is created by Alembic revisions in
``store/migrations/versions`` (append-only); a test checks they match these classes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "CandidateRow", "GradeRow", "SessionRow", "TurnRow", "UnsentTranscriptRow"]


class Base(DeclarativeBase):
    """Declarative base of every table."""


class CandidateRow(Base):
    """A person who takes interviews, identified by the name they typed."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionRow(Base):
    """One interview: its configuration, the questions chosen, and where it stands."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("candidates.id", ondelete="SET NULL"), index=True
    )
    config: Mapped[dict[str, object]] = mapped_column(JSON)
    question_ids: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20))
    current_index: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TurnRow(Base):
    """One question asked in a session, the answer, its follow-up and its timings."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("session_id", "position", name="uq_turns_session_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[str] = mapped_column(String(64), index=True)
    question_version: Mapped[str] = mapped_column(String(64))
    question_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24))
    answer: Mapped[str | None] = mapped_column(Text)
    transcript: Mapped[str | None] = mapped_column(Text)
    transcript_confidence: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    seconds_taken: Mapped[float | None] = mapped_column(Float)
    time_limit_exceeded: Mapped[bool] = mapped_column(Boolean, default=False)
    follow_up_question: Mapped[str | None] = mapped_column(Text)
    follow_up_answer: Mapped[str | None] = mapped_column(Text)
    follow_up_asked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    follow_up_answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    follow_up_seconds: Mapped[float | None] = mapped_column(Float)
    hints: Mapped[list[str]] = mapped_column(JSON)


class GradeRow(Base):
    """A grade, stored the moment it exists; the latest one of a turn is its grade."""

    __tablename__ = "grades"
    __table_args__ = (Index("ix_grades_question_status", "question_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(64))
    question_version: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    overall: Mapped[float | None] = mapped_column(Float)
    grader_kind: Mapped[str] = mapped_column(String(32))
    grader_model: Mapped[str] = mapped_column(String(200))
    prompt_version: Mapped[str] = mapped_column(String(64))
    grade: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UnsentTranscriptRow(Base):
    """A spoken answer being transcribed, or transcribed but not yet in a page's answer box.

    One per session (the newest recording). Kept so that a page reloaded while the
    transcription ran gets the text back; deleted once a page has it or an answer is sent.
    """

    __tablename__ = "unsent_transcripts"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    recording: Mapped[str] = mapped_column(String(32))
    position: Mapped[str] = mapped_column(String(40))
    transcript: Mapped[dict[str, object] | None] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
