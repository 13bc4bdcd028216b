"""The team fit of the offline grader's scale, on synthetic readings (no models)."""

from __future__ import annotations

import numpy as np
import pytest
from grading_support import PROMPTS

from interviewer.errors import InputError
from interviewer.grading.base import CRITERIA
from interviewer.grading.rubric import load_rubric
from interviewer.grading.scale import Reading, Readings, Scale, apply_scale
from interviewer.grading.scale_fit import fit_scale, scale_grid

SHIPPED = Scale(partly_threshold=0.25, covered_threshold=0.4, depth_low=0.6, depth_high=0.9)
HARSH = Scale(partly_threshold=0.45, covered_threshold=0.7, depth_low=0.7, depth_high=1.0)


def _weights():
    rubric = load_rubric(PROMPTS)
    return {c: rubric.weight(c) for c in CRITERIA}


def _readings(n: int = 120, questions: int = 12, seed: int = 0) -> tuple[Readings, list[str]]:
    """Answers of varied quality to bank-like (with peers) and ad-hoc questions."""
    rng = np.random.default_rng(seed)
    rows, ids = [], []
    for i in range(n):
        quality = rng.uniform(0, 1)
        alignment = tuple(float(np.clip(quality + rng.normal(0, 0.2), 0, 1)) for _ in range(4))
        bank = i % questions < questions // 2
        rows.append(
            Reading(
                m=float(np.clip(quality + rng.normal(0, 0.1), 0, 1)),
                share=0.5,
                own=tuple(0.5 * a for a in alignment),
                alignment=alignment,
                states=tuple(a > 0.7 for a in alignment),
                shows=tuple(a > 0.5 for a in alignment),
                contradicted=(rng.uniform() < 0.05, False, False, False),
                peers=(0.3, 0.6) if bank else None,
                peer_depth=float(np.clip(5 * (quality - 0.3) / 0.3, 0, 5)) if bank else None,
                communication=4.0,
            )
        )
        ids.append(f"q{i % questions}")
    return Readings.of(rows), ids


def test_fit_scale_finds_a_harsher_teams_scale_and_it_holds_out_of_fold() -> None:
    readings, ids = _readings()
    human = apply_scale(readings, HARSH, _weights()).overall
    fit = fit_scale(readings, human, ids, _weights(), SHIPPED)
    assert fit.improved and fit.folds == 5 and fit.questions == 12
    cv = fit.cross_validated
    assert cv["fitted"].objective > cv["shipped"].objective
    assert cv["shipped"].bias > 0.5 and abs(cv["fitted"].bias) < cv["shipped"].bias
    assert fit.fitted.covered_threshold > SHIPPED.covered_threshold


def test_fit_scale_keeps_the_shipped_scale_when_the_team_agrees_with_it() -> None:
    readings, ids = _readings()
    human = apply_scale(readings, SHIPPED, _weights()).overall
    fit = fit_scale(readings, human, ids, _weights(), SHIPPED)
    assert not fit.improved and fit.fitted == SHIPPED
    assert fit.cross_validated["shipped"].pearson == 1.0


@pytest.mark.parametrize(
    ("n", "questions", "message"),
    [
        (39, 10, "Add 1 more scored answer to the file"),
        (60, 4, "Add answers to 1 more question to the file"),
    ],
)
def test_fit_scale_refuses_too_little_data_with_what_to_add(
    n: int, questions: int, message: str
) -> None:
    readings, ids = _readings(n, questions)
    with pytest.raises(InputError, match="Too little data to fit the scale") as error:
        fit_scale(readings, np.linspace(0, 5, n), ids, _weights(), SHIPPED)
    assert message in str(error.value)


def test_fit_scale_refuses_scores_that_never_vary() -> None:
    readings, ids = _readings()
    with pytest.raises(InputError, match="same score"):
        fit_scale(readings, np.full(120, 3.0), ids, _weights(), SHIPPED)


def test_scale_grid_keeps_the_products_limits_and_tries_the_shipped_scale_first() -> None:
    grid = scale_grid(SHIPPED)
    assert grid[0] == SHIPPED and len(set(grid)) == len(grid)
    assert all(s.partly_threshold >= 0.25 for s in grid)
    assert all(s.covered_threshold > s.partly_threshold for s in grid)
    assert all(s.depth_high > s.depth_low for s in grid)
