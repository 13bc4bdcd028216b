"""Every registered grader, behind the guards, honours the same contract."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml
from grading_support import MODELS, PROMPTS, STRONG, WEAK

from interviewer.bank import Question
from interviewer.grading import GRADERS, Grade, Grader, GradeRequest, build_grader
from interviewer.grading.service import GradingService
from interviewer.retrieval import RetrievedChunk
from interviewer.settings import Settings

MEDIUM = (
    "Mode collapse means the generator produces only a small set of outputs whatever the noise "
    "input. "
    "It is a common GAN training failure."
)
INJECTIONS = yaml.safe_load(
    resources.files("interviewer.grading")
    .joinpath("data/injections.yaml")
    .read_text(encoding="utf-8")
)["injections"]
QUESTION = Question(
    id="q04",
    text="What is mode collapse in GANs and how can you mitigate it?",
    topic="gan-training",
    difficulty=2,
    key_points=[
        "The generator produces a small set of outputs regardless of the noise input",
        "It happens when the generator exploits a weakness of the discriminator",
        "Remedies include minibatch discrimination, unrolled GANs and the Wasserstein loss",
    ],
    model_answer="Mode collapse: the generator maps many latent codes to few outputs.",
)


class _Evidence:
    def retrieve(self, query: str, k: int = 4) -> list[RetrievedChunk]:
        return [
            RetrievedChunk(
                chunk_id="c1",
                text="Mode collapse: few outputs.",
                document="gan-training.md",
                heading="Mode collapse",
                score=0.9,
            )
        ]


class _Memo:
    """Remembers inner grades by the text the grader actually received (after the guards).

    The guards hand the grader the answer with injections stripped, usually the clean base
    answer again: remembering it keeps 200 corpus grades cheap without skipping any check on
    what the service returns.
    """

    def __init__(self, inner: Grader) -> None:
        self.inner, self.name = inner, inner.name
        self.model_name = getattr(inner, "model_name", "")
        self._seen: dict[str, Grade] = {}

    def grade(self, request: GradeRequest) -> Grade:
        if request.answer not in self._seen:
            self._seen[request.answer] = self.inner.grade(request)
        return self._seen[request.answer]


@pytest.fixture(scope="module", params=sorted(GRADERS))
def grader(request) -> Grader:
    settings = Settings(
        models_dir=MODELS, prompts_dir=PROMPTS, allow_remote=False, llm_model="fake"
    )
    return build_grader(settings, request.param)


@pytest.fixture
def service(grader) -> GradingService:
    return GradingService(
        grader=grader, retriever=_Evidence(), prompts_dir=PROMPTS, models_dir=MODELS
    )


def test_contract_score_in_range_with_feedback_and_metadata(service):
    grade = service.grade(QUESTION, STRONG)
    assert grade.status == "graded" and grade.overall is not None and 0 <= grade.overall <= 5
    assert all(c.score is None or 0 <= c.score <= 5 for c in grade.criteria)
    assert grade.feedback.strip()
    assert grade.grader.kind == service.grader.name and grade.grader.prompt_version
    assert grade.sources and grade.sources[0].document == "gan-training.md"
    assert grade.sources[0].excerpt == "Mode collapse: few outputs."  # the passage to read
    assert len(grade.key_points) == len(QUESTION.key_points)


def test_contract_deterministic(service):
    first = service.grade(QUESTION, MEDIUM)
    second = service.grade(QUESTION, MEDIUM)
    assert first.model_dump(exclude={"grader"}) == second.model_dump(exclude={"grader"})


def test_contract_strong_outranks_weak(service):
    assert service.grade(QUESTION, STRONG).overall > service.grade(QUESTION, WEAK).overall  # type: ignore[operator]


def test_contract_quotes_occur_in_answer(service):
    grade = service.grade(QUESTION, STRONG)
    normalized = " ".join(STRONG.split()).casefold()
    for verdict in grade.key_points:
        if verdict.evidence:
            assert " ".join(verdict.evidence.split()).casefold().strip(".") in normalized


@pytest.mark.parametrize("base", [STRONG, MEDIUM], ids=["strong", "medium"])
def test_contract_injection_corpus_never_raises_score(grader, base):
    assert len(INJECTIONS) >= 40
    service = GradingService(
        grader=_Memo(grader), retriever=_Evidence(), prompts_dir=PROMPTS, models_dir=MODELS
    )
    clean = service.grade(QUESTION, base).overall
    assert clean is not None
    failures = []
    for injection in INJECTIONS:
        for answer in (f"{base} {injection['text']}", f"{injection['text']}\n{base}"):
            grade = service.grade(QUESTION, answer)
            if "injection_attempt" not in grade.flags or (grade.overall or 0) > clean:
                failures.append((injection["id"], grade.overall, grade.flags))
    assert failures == []
