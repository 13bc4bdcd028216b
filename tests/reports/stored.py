"""Real stored sessions for report, CLI and UI tests: the interview engine, the real offline
grader behind the grading service, a fixed retriever (so sources are cited), and SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from interviewer.bank import Bank, Question, load_default_bank
from interviewer.grading import build_grader
from interviewer.grading.base import Grade, GraderInfo
from interviewer.grading.service import GradingService
from interviewer.retrieval import RetrievedChunk
from interviewer.session import Interview, Reply, SessionConfig
from interviewer.settings import PROJECT_ROOT, Settings
from interviewer.store import Repository, create_db_engine, upgrade

MODELS_DIR = PROJECT_ROOT / "models"
STRONG_Q04 = (
    "Mode collapse is when the generator produces only a few modes or near-identical outputs, so "
    "sample diversity is low: many different latent vectors z map to the same output. It happens "
    "because the generator optimizes against the current discriminator and nothing rewards "
    "covering all modes. It is a problem because the model fails to represent the data "
    "distribution even when samples look realistic. Remedies: minibatch discrimination, unrolled "
    "GANs, Wasserstein loss with gradient penalty and spectral normalization."
)
WEAK_Q01 = "It is a neural network that makes pictures."
XSS_ANSWER = '<img src=x onerror=alert(1)> <script>alert("pwned")</script> GANs use two networks.'


class FixedRetriever:
    """Returns two fixed chunks of the knowledge base for every query."""

    def retrieve(self, query: str, k: int = 4) -> list[RetrievedChunk]:
        return [
            RetrievedChunk(
                chunk_id="a",
                text="Mode collapse: the generator maps many z to few outputs.",
                document="gan-interview-notes.md",
                heading="Mode collapse",
                score=0.8,
            ),
            RetrievedChunk(
                chunk_id="b",
                text="A GAN has a generator and a discriminator.",
                document="ref-dcgan.md",
                heading="Architecture",
                score=0.6,
            ),
        ][:k]


class PendingFor:
    """Wraps a grader: answers to the given questions come back pending (as if the LLM failed)."""

    def __init__(self, inner: GradingService, pending: set[str]) -> None:
        self.inner = inner
        self.pending = pending

    def grade(
        self,
        question: Question,
        answer: str,
        *,
        transcript_confidence: float | None = None,
        hints: Sequence[str] = (),
    ) -> Grade:
        if question.id in self.pending:
            return Grade(
                question_id=question.id,
                question_version=question.version,
                status="pending",
                flags=["pending"],
                message="The LLM grader did not answer; this answer will be graded later.",
                grader=GraderInfo(kind="llm", model="fake"),
            )
        return self.inner.grade(
            question, answer, transcript_confidence=transcript_confidence, hints=hints
        )


class StepClock:
    """A clock that moves 40 s per call, from a fixed start."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=40)
        return self.now


@dataclass
class AskedAgain:
    """A stored q01 interview whose first answer the guards rejected, so the question was asked
    again, and the answer given to it then."""

    settings: Settings
    repository: Repository
    session_id: str


def asked_again(data_dir: Path, candidate: str, rejected: str, retry: str) -> AskedAgain:
    """Run and store (SQLite under ``data_dir``) an interview on q01 answered ``rejected``,
    then ``retry`` to the question asked again."""
    settings = Settings(
        data_dir=data_dir, models_dir=MODELS_DIR, allow_remote=False, grader="offline"
    )
    engine = create_db_engine(settings.effective_database_url)
    upgrade(engine)
    clock = StepClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    repo = Repository(engine, clock=clock)
    config = SessionConfig(candidate=candidate, question_ids=["q01"], follow_ups=True)
    interview = Interview.create(
        repo, load_default_bank(settings), offline_service(settings), config, clock=clock
    )
    interview.start()
    replies = interview.submit(rejected)
    assert any(r.kind == "follow_up" for r in replies), "the question is asked again"
    interview.submit(retry)
    return AskedAgain(settings, repo, interview.session_id)


@dataclass
class StoredSessions:
    """Two sessions of one candidate (older and newer) and an anonymous one."""

    settings: Settings
    repository: Repository
    bank: Bank
    service: GradingService
    older: str
    newer: str
    anonymous: str


def offline_service(settings: Settings) -> GradingService:
    """The real grading service with the offline grader and the fixed retriever, no cache."""
    return GradingService(
        grader=build_grader(settings, "offline"),
        retriever=FixedRetriever(),
        prompts_dir=settings.prompts_dir,
        models_dir=settings.models_dir,
    )


def make_stored_sessions(data_dir: Path) -> StoredSessions:
    """Run three short interviews through the engine and store them in SQLite under data_dir."""
    settings = Settings(
        data_dir=data_dir, models_dir=MODELS_DIR, allow_remote=False, grader="offline"
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.effective_database_url)
    upgrade(engine)
    bank = load_default_bank(settings)
    service = offline_service(settings)
    clock = StepClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    repo = Repository(engine, clock=clock)

    def run(candidate: str | None, answers: list[str], grader: object) -> str:
        config = SessionConfig(
            candidate=candidate, question_ids=["q01", "q04", "q05"], follow_ups=False
        )
        interview = Interview.create(repo, bank, grader, config, clock=clock)  # type: ignore[arg-type]
        interview.start()
        for text in answers:
            interview.submit(text)
        return interview.session_id

    older = run("Ada Lovelace", [WEAK_Q01, "Many outputs look the same.", "skip"], service)
    clock.now += timedelta(days=9)
    newer = run(
        "Ada Lovelace",
        ["hint", XSS_ANSWER, STRONG_Q04, "Neither player can improve alone."],
        PendingFor(service, {"q05"}),
    )
    anonymous = run(None, ["A generator and a discriminator.", "end"], service)
    return StoredSessions(
        settings=settings,
        repository=repo,
        bank=bank,
        service=service,
        older=older,
        newer=newer,
        anonymous=anonymous,
    )


class ScoreGrader:
    """Grades each answer with the next of the given overall scores (offline, no criteria)."""

    def __init__(self, scores: list[float]) -> None:
        self.scores = iter(scores)

    def grade(
        self, question: Question, answer: str, *, transcript_confidence: float | None = None
    ) -> Grade:
        return Grade(
            question_id=question.id,
            question_version=question.version,
            overall=next(self.scores),
            grader=GraderInfo(kind="offline", model="fixed"),
        )


def scored_session(
    settings: Settings, candidate: str, scores: list[float], *, skip_last: bool = False
) -> tuple[Repository, str, list[Reply]]:
    """Store (SQLite under ``settings.data_dir``) an interview whose answers are graded with
    ``scores`` in turn, one more question skipped if ``skip_last``; returns the repository,
    the session id and the replies to the last line (with the chat's summary)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.effective_database_url)
    upgrade(engine)
    repo = Repository(engine)
    bank = load_default_bank(settings)
    ids = [q.id for q in bank.questions[: len(scores) + skip_last]]
    config = SessionConfig(candidate=candidate, question_ids=ids, follow_ups=False)
    interview = Interview.create(repo, bank, ScoreGrader(scores), config)
    interview.start()
    replies: list[Reply] = []
    for n in range(len(scores)):
        replies = interview.submit(f"Answer {n + 1}: a generator and a discriminator compete.")
    if skip_last:
        replies = interview.submit("skip")
    return repo, interview.session_id, replies
