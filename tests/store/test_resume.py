"""Nothing is lost across a restart, on SQLite and PostgreSQL: the engine over a real store."""

from __future__ import annotations

import pytest

from interviewer.bank import Bank, Question
from interviewer.grading.base import Grade
from interviewer.session import Interview, SessionConfig, regrade_pending
from interviewer.store import Repository, create_db_engine

from .conftest import Clock, KeywordGrader


class Killed(BaseException):
    """Stands for the process dying mid-grade (not an Exception, so nothing catches it)."""


class KillingGrader:
    def grade(
        self, question: Question, answer: str, *, transcript_confidence: float | None = None
    ) -> Grade:
        raise Killed


def _restart(store: Repository, clock: Clock) -> Repository:
    """A new engine on the same database, as a restarted server would open."""
    store.engine.dispose()
    return Repository(create_db_engine(str(store.engine.url.render_as_string(False))), clock=clock)


def test_resume_after_kill_during_grading_loses_nothing(
    store: Repository, bank: Bank, grader: KeywordGrader, clock: Clock
) -> None:
    first = Interview.create(store, bank, grader, SessionConfig(candidate="Ada"), clock=clock)
    first.start()
    assert [r.kind for r in first.submit("alpha1 beta1 full answer")] == ["feedback", "question"]
    dying = Interview.load(store, bank, KillingGrader(), first.session_id, clock=clock)
    with pytest.raises(Killed):
        dying.submit("alpha2 answer typed when the server died")

    restarted = _restart(store, clock)
    interview = Interview.load(restarted, bank, grader, first.session_id, clock=clock)
    assert interview.state == "grading"
    replies = interview.resume()
    assert [r.kind for r in replies] == ["info", "follow_up"]
    interview.submit("beta2 added")
    answers = [t.answer for t in restarted.turns(first.session_id)]
    assert answers == ["alpha1 beta1 full answer", "alpha2 answer typed when the server died", None]
    grades = restarted.session_grades(first.session_id)
    assert sorted(g.overall or 0 for g in grades.values()) == [5.0, 5.0]
    restarted.engine.dispose()


def test_regrade_pending_after_restart(
    store: Repository, bank: Bank, grader: KeywordGrader, clock: Clock
) -> None:
    interview = Interview.create(store, bank, grader, SessionConfig(mode="exam"), clock=clock)
    interview.start()
    interview.submit("alpha1")
    dying = Interview.load(store, bank, KillingGrader(), interview.session_id, clock=clock)
    with pytest.raises(Killed):
        dying.submit("beta2")
    restarted = _restart(store, clock)
    report = regrade_pending(restarted, bank, grader)
    assert (report.found, report.completed) == (1, 1)
    resumed = Interview.load(restarted, bank, grader, interview.session_id, clock=clock)
    assert [r.kind for r in resumed.resume()] == ["info", "info", "question"]
    assert len(grader.calls) == 2  # the regraded answer is not graded a second time on resume
    restarted.engine.dispose()
