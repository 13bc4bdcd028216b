"""Store fixtures: a migrated repository on SQLite and on a real PostgreSQL server.

The PostgreSQL schema comes from ``postgres_schema_url`` in ``tests/conftest.py``: each test gets
its own schema, dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from interviewer.bank import Bank, Question
from interviewer.grading.base import Grade, GraderInfo, KeyPointVerdict
from interviewer.store import Repository, create_db_engine, upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL (a SQLite file, or a PostgreSQL schema of its own)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("postgres_schema_url")
    return url


class Clock:
    """A manual clock: tests move time forward explicitly."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    """A manual clock shared by the repository and the engine."""
    return Clock()


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[Repository]:
    """A repository on a migrated, empty database (SQLite and PostgreSQL)."""
    engine = create_db_engine(database_url)
    upgrade(engine)
    yield Repository(engine, clock=clock)
    engine.dispose()


class KeywordGrader:
    """Covers a key point when the answer contains its first word; score = 5 x share covered."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def grade(
        self,
        question: Question,
        answer: str,
        *,
        transcript_confidence: float | None = None,
        hints: Sequence[str] = (),
    ) -> Grade:
        self.calls.append((question.id, answer))
        verdicts = [
            KeyPointVerdict(
                key_point=kp,
                verdict="covered" if kp.split()[0].lower() in answer.lower() else "missed",
            )
            for kp in question.key_points
        ]
        covered = sum(v.verdict == "covered" for v in verdicts)
        return Grade(
            question_id=question.id,
            question_version=question.version,
            overall=5 * covered / len(verdicts),
            key_points=verdicts,
            feedback=f"{covered} of {len(verdicts)} key points",
            grader=GraderInfo(kind="keyword", model="kw-1", prompt_version="p1"),
        )


def make_bank() -> Bank:
    """Three small questions whose key points start with distinct words."""
    return Bank(
        questions=[
            Question(
                id=f"q{i}",
                text=f"Question number {i}: explain it.",
                topic="gan" if i < 3 else "vae",
                difficulty=1,
                key_points=[f"alpha{i} first point", f"beta{i} second point"],
            )
            for i in (1, 2, 3)
        ]
    )


@pytest.fixture
def bank() -> Bank:
    """The small test bank."""
    return make_bank()


@pytest.fixture
def grader() -> KeywordGrader:
    """The keyword grader."""
    return KeywordGrader()
