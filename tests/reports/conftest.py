"""Hand-built sessions for the report tests (no store needed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from interviewer.grading.base import CriterionScore, Grade, GraderInfo, KeyPointVerdict
from interviewer.grading.rubric import load_rubric
from interviewer.reports import ReportData, TrendPoint, TurnInput, assemble_report
from interviewer.retrieval import Citation
from interviewer.settings import PROJECT_ROOT

XSS = '<img src=x onerror=alert(1)><script>alert("x")</script>'


def make_grade(
    question_id: str,
    overall: float,
    *,
    kind: str = "offline",
    verdicts: tuple[str, ...] = ("covered", "missed"),
    flags: tuple[str, ...] = (),
    errors: tuple[str, ...] = (),
    scores: dict[str, float | None] | None = None,
) -> Grade:
    """A complete grade with the given overall score (``scores`` sets criterion scores)."""
    criteria = {
        "correctness": None if kind == "offline" else overall,
        "coverage": overall,
        "depth": max(0.0, overall - 1),
        "communication": min(5.0, overall + 0.5),
        **(scores or {}),
    }
    return Grade(
        question_id=question_id,
        question_version="v1",
        overall=overall,
        criteria=[
            CriterionScore(
                criterion=name,  # type: ignore[arg-type]
                score=score,
                rationale="key points" if name == "coverage" else "",
            )
            for name, score in criteria.items()
        ],
        key_points=[
            KeyPointVerdict(
                key_point=f"{question_id} point {i}",
                verdict=v,
                evidence="the generator maps noise" if v == "covered" else "",
            )
            for i, v in enumerate(verdicts, start=1)
        ],
        factual_errors=list(errors),
        feedback=f"Feedback for {question_id}: name the missed points.",
        model_answer=f"Model answer for {question_id}.",
        sources=[
            Citation(document="gan-basics.md", heading="Training"),
            Citation(document=f"{question_id}.md"),
        ],
        flags=list(flags),  # type: ignore[arg-type]
        grader=GraderInfo(
            kind=kind,
            model="gpt-4o-mini" if kind == "llm" else "minilm",
            prompt_version="abc123def456",
        ),
    )


def pending_grade(question_id: str) -> Grade:
    """A grade still waiting for the LLM."""
    return Grade(
        question_id=question_id,
        status="pending",
        flags=["pending"],
        message="The LLM grader failed; this answer will be graded again.",
        grader=GraderInfo(kind="llm", model="gpt-4o-mini"),
    )


@pytest.fixture(scope="session")
def rubric():
    return load_rubric(PROJECT_ROOT / "prompts")


@pytest.fixture(scope="session")
def sample_report(rubric) -> ReportData:
    """Four questions: strong, weak with an error, fallback-graded, pending; plus a trend."""
    turns = [
        TurnInput(
            question_id="q01",
            question_text="What are Generative Adversarial Networks?",
            topic="basics",
            answer="A generator and a discriminator play a minimax game.",
            grade=make_grade("q01", 4.6, kind="llm", verdicts=("covered", "covered", "partly")),
            seconds=95,
        ),
        TurnInput(
            question_id="q04",
            question_text="What is mode collapse in GANs?",
            topic="training",
            answer=XSS + "\nIt is when training diverges.",
            grade=make_grade(
                "q04",
                1.4,
                kind="llm",
                verdicts=("missed", "missed", "covered"),
                errors=("Mode collapse is not divergence of the loss.",),
            ),
            hints=["The generator produces only a few kinds of samples, so diversity is low."],
            seconds=40,
            follow_up_question="How would you detect it?",
            follow_up_answer="Look at samples.",
        ),
        TurnInput(
            question_id="q05",
            question_text="Describe Nash equilibrium in GANs.",
            answer="Both players cannot improve unilaterally.",
            grade=make_grade("q05", 3.1, flags=("fallback",)),
            seconds=61,
        ),
        TurnInput(
            question_id="q06",
            question_text="What are challenges in training GANs?",
            answer="Vanishing gradients.",
            grade=pending_grade("q06"),
            seconds=12,
        ),
    ]
    trend = [
        TrendPoint(session_id="s-old1", started_at=datetime(2026, 11, 1, tzinfo=UTC), overall=1.9),
        TrendPoint(session_id="s-old2", started_at=datetime(2026, 11, 10, tzinfo=UTC), overall=2.6),
        TrendPoint(
            session_id="s-now",
            started_at=datetime(2026, 11, 25, tzinfo=UTC),
            overall=3.0,
            current=True,
        ),
    ]
    return assemble_report(
        "s-now",
        turns,
        rubric,
        candidate="Ada <b>Lovelace</b>",
        mode="practice",
        started_at=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        trend=trend,
    )


@pytest.fixture(scope="session")
def stored(tmp_path_factory: pytest.TempPathFactory):
    """Real sessions in SQLite (see stored.py); shared by the report tests."""
    from .stored import make_stored_sessions

    return make_stored_sessions(tmp_path_factory.mktemp("stored") / "data")
