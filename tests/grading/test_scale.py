"""The offline grader's scale step: a team fit re-scores answers exactly as the grader grades."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from grading_support import MODELS, PROMPTS

from interviewer.bank import Question, adhoc_question, load_bank
from interviewer.errors import ConfigError
from interviewer.grading import shared_embedder, shared_sentence_encoder
from interviewer.grading.base import CRITERIA
from interviewer.grading.rubric import load_rubric, overall_score
from interviewer.grading.scale import (
    TEAM_SCALE_FILE,
    FittedOn,
    Readings,
    Scale,
    TeamScale,
    apply_scale,
    load_team_scale,
    rounded,
    write_team_scale,
)
from interviewer.grading.service import GradingService
from interviewer.grading.similarity import SimilarityGrader
from interviewer.settings import PROJECT_ROOT, Settings

OTHER = Scale(partly_threshold=0.35, covered_threshold=0.6, depth_low=0.3, depth_high=0.8)
ADHOC = [
    (
        "How did you separate the salt from the water?",
        "The water was evaporated, leaving the salt.",
        [
            "Let the water evaporate and the salt is left behind.",
            "By letting it sit in a dish for a day.",
            "We poured it through a filter and the salt stayed on the paper.",
            "The salt does not stay when the water evaporates.",
        ],
    ),
    (
        "Why does a bulb in a closed circuit light up?",
        "The bulb is in a closed path with the battery, so current flows through it.",
        [
            "Because there is a closed path from the battery through the bulb.",
            "The circuit is open so no current flows.",
            "It is bright.",
        ],
    ),
]


def _team(scale: Scale) -> TeamScale:
    return TeamScale(
        scale=scale,
        shipped=scale,
        fitted_at="2026-11-27 12:00 UTC",
        fitted_on=FittedOn(file="scores.csv", sha256="0" * 16, answers=40, questions=5, raters=1),
        method="test",
    )


@pytest.fixture(scope="module")
def bank() -> list[Question]:
    knowledge = PROJECT_ROOT / "knowledge"
    return load_bank(knowledge / "questions.yaml", knowledge).questions


def _service(bank: list[Question], team: TeamScale | None = None) -> GradingService:
    """The product's path without retrieval or cache: guards (with the bank), then the grader."""
    grader = SimilarityGrader(
        embedder=shared_embedder(MODELS),
        sentences=shared_sentence_encoder(MODELS),
        prompts_dir=PROMPTS,
        peers=lambda: bank,
        team_scale=team,
    )
    return GradingService(
        grader=grader,
        retriever=None,
        prompts_dir=PROMPTS,
        models_dir=MODELS,
        embedder=shared_embedder(MODELS),
        bank=lambda: bank,
    )


@pytest.fixture(scope="module")
def sample(bank: list[Question]) -> list[tuple[Question, str]]:
    """Answers to bank questions (complete, one or two key points, vague, contradicting,
    off topic) and to questions outside the bank."""
    rows: list[tuple[Question, str]] = []
    for question in bank[:4]:
        points = question.key_points
        rows += [
            (question, question.model_answer),
            (question, points[0]),
            (question, f"{points[1]} Also, {points[2][0].lower()}{points[2][1:]}"),
            (question, "It is something about neural networks that learn from data."),
            (question, f"It is not true that {points[0][0].lower()}{points[0][1:]}"),
            (question, "I enjoy cooking pasta and watching football on weekends."),
        ]
    for text, reference, answers in ADHOC:
        question = adhoc_question(text, reference)
        rows += [(question, answer) for answer in answers]
    return rows


@pytest.fixture(scope="module")
def shipped(bank, sample):
    service = _service(bank)
    grades = [service.grade(q, a) for q, a in sample]
    readings = Readings.of([service.reading(q, a) for q, a in sample])
    return service, grades, readings


def _weights():
    rubric = load_rubric(PROMPTS)
    return {c: rubric.weight(c) for c in CRITERIA}


def test_rescoring_with_the_shipped_scale_gives_every_grade_of_the_grader(shipped) -> None:
    service, grades, readings = shipped
    scaled = apply_scale(readings, service.grader.scale, _weights())  # type: ignore[attr-defined]
    assert scaled.overall.tolist() == [g.overall for g in grades]
    # Covering rejected answers, bank and ad-hoc questions, and a spread of grades.
    assert readings.rejected.any() and len({g.overall for g in grades}) >= 8
    # The grade's criteria and verdicts are those of the same step.
    rubric = load_rubric(PROMPTS)
    for row, grade in enumerate(grades):
        if grade.grader.kind == "offline":
            assert overall_score(grade.criteria, rubric) == grade.overall
            levels = [{"covered": 2, "partly": 1, "missed": 0}[v.verdict] for v in grade.key_points]
            assert levels == scaled.verdicts[row, : len(levels)].tolist()


def test_rescoring_with_another_scale_gives_what_a_grader_on_that_scale_grades(
    bank, sample, shipped
) -> None:
    _, before, readings = shipped
    other = _service(bank, _team(OTHER))
    grades = [other.grade(q, a) for q, a in sample]
    assert apply_scale(readings, OTHER, _weights()).overall.tolist() == [g.overall for g in grades]
    assert [g.overall for g in grades] != [g.overall for g in before]


def test_a_service_switched_to_a_scale_grades_as_one_built_on_it_and_back(
    bank, sample, shipped
) -> None:
    """The running app switches scales this way after a fit (no rebuild, no re-prepared bank)."""
    service, before, _ = shipped
    switched = service.with_team_scale(_team(OTHER))
    built = _service(bank, _team(OTHER))
    for (question, answer), old in zip(sample, before, strict=True):
        on_other, expected = switched.grade(question, answer), built.grade(question, answer)
        assert on_other.model_dump(exclude={"grader"}) == expected.model_dump(exclude={"grader"})
        assert on_other.grader.model == expected.grader.model
        back = switched.with_team_scale(None).grade(question, answer)
        assert back.overall == old.overall and back.grader.model == old.grader.model
    assert "team-scale" in on_other.grader.model
    assert service.grade(*sample[0]).grader.model == before[0].grader.model  # left as it was


def test_a_fit_reads_each_answer_once_when_its_calibration_has_just_graded_it(
    bank, sample, shipped
) -> None:
    """`calibrate --fit` graded every answer, then read it again through the models for the
    fit: 8 minutes for 4,969 answers where 4 would do."""
    _, _, readings = shipped
    service = _service(bank)
    grader = service.grader
    reads = []
    read = grader._read  # type: ignore[attr-defined]
    grader._read = lambda request: reads.append(request.answer) or read(request)  # type: ignore[attr-defined]
    with service.keeping_readings():
        for question, answer in sample:
            service.grade(question, answer)
        graded = len(reads)
        kept = Readings.of([service.reading(q, a) for q, a in sample])
    assert graded == int((~readings.rejected).sum())  # the guards' rejects never reach it
    assert len(reads) == graded  # no answer read a second time
    for scale in (OTHER, service.grader.scale):  # type: ignore[attr-defined]
        assert (
            apply_scale(kept, scale, _weights()).overall.tolist()
            == apply_scale(readings, scale, _weights()).overall.tolist()
        )
    service.reading(*sample[0])  # once the fit is over, nothing is kept
    assert len(reads) == graded + 1


def test_rounded_rounds_as_python_does() -> None:
    rng = random.Random(0)
    values = [rng.uniform(0, 5) for _ in range(2000)]
    values += [k / 200 for k in range(1001)]  # ties at two decimals, and near them
    values += [k / 20 + d for k in range(101) for d in (-1e-12, 0.0, 1e-12)]
    array = np.array(values)
    assert rounded(array, 2).tolist() == [round(v, 2) for v in values]
    assert rounded(array, 1).tolist() == [round(v, 1) for v in values]


def test_a_team_scale_replaces_only_the_scale_and_names_itself(bank) -> None:
    grader = _service(bank, _team(OTHER)).grader
    shipped = _service(bank).grader
    assert grader.scale == OTHER  # type: ignore[attr-defined]
    for field in ("coefficients", "intercept", "key_point_share", "contradiction_max_words"):
        assert getattr(grader.params, field) == getattr(shipped.params, field)  # type: ignore[attr-defined]
    assert grader.model_name != shipped.model_name  # type: ignore[attr-defined]


def test_load_team_scale_is_none_without_a_file(tmp_path: Path) -> None:
    assert load_team_scale(tmp_path) is None


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        json.dumps({"scale": {"partly_threshold": 0.3}}),
        _team(OTHER).model_dump_json().replace('"partly_threshold":0.35', '"partly_threshold":0.1'),
        _team(OTHER)
        .model_dump_json()
        .replace('"covered_threshold":0.6', '"covered_threshold":0.2'),
    ],
    ids=["bad-json", "missing-fields", "partly-below-floor", "covered-below-partly"],
)
def test_load_team_scale_refuses_a_broken_file_and_says_how_to_reset(
    tmp_path: Path, content: str
) -> None:
    (tmp_path / TEAM_SCALE_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match="calibrate --reset-fit"):
        load_team_scale(tmp_path)


def test_the_published_figures_are_the_shipped_graders_even_with_a_team_scale(
    settings: Settings,
) -> None:
    """bench/eval_grader.py, which docs/grading.md's figures come from, read the team scale
    from the data folder like `interviewer grade` does: a developer who had tried
    `calibrate --fit` would have published figures of that team's scale."""
    from interviewer.bank import adhoc_question
    from interviewer.grading.base import GradeRequest
    from interviewer.grading.evaluation import build_scorer

    question, reference, answers = ADHOC[0][0], ADHOC[0][1], ADHOC[0][2]
    requests = [
        GradeRequest(question=adhoc_question(question, reference), answer=a) for a in answers
    ]
    harsh = Scale(partly_threshold=0.85, covered_threshold=0.95, depth_low=0.9, depth_high=1.0)
    shipped = build_scorer(settings, "offline")(requests)
    write_team_scale(settings.data_dir, _team(harsh))
    assert build_scorer(settings, "offline")(requests) != shipped  # the team's, as `grade`
    assert build_scorer(settings, "offline", shipped_scale=True)(requests) == shipped
