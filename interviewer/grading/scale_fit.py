"""Fit the offline grader's scale to a hiring team's scores, with an honest estimate of the gain.

Only the scale is fitted (:class:`~interviewer.grading.scale.Scale`: the verdict thresholds and
the depth bounds): which data calibrates the 0-5 scale decided agreement more than any feature
did (SciEntsBank's own train split lifted its unseen-question Pearson from 0.48 to 0.52), and
a handful of numbers stays explainable and cannot learn a team's questions by heart as the
measures' weights could. The grid is ``bench/fit_offline.py``'s, with its limits (partly
threshold at least 0.25, covered above partly, depth_low below depth_high).

Each answer is read once (:meth:`SimilarityGrader.reading`); every candidate scale re-scores
the readings with :func:`~interviewer.grading.scale.apply_scale`, the function the grader
itself applies, so a candidate's overall is the grade the grader would give.

Honesty: the team's next questions are not in its file, so the gain is measured by grouped
k-fold cross-validation: folds of whole questions; for each fold the scale is chosen on the
other folds and scores the held-out questions. The out-of-fold figures of that procedure and of
the shipped scale are compared on the same answers. The scale written is the one chosen on
every answer.

Objective (as ``bench/fit_offline.py``'s for one dataset): (Pearson + QWK) / 2 plus the RMSE
skill, 1 - RMSE / the RMSE of always predicting the mean score. Correlation alone cannot see a
grader that is one point too lenient on every answer, which is what a team most often notices;
the skill term does.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
from pydantic import BaseModel, Field

from interviewer.errors import InputError
from interviewer.grading.base import CriterionName
from interviewer.grading.evaluation import quadratic_kappa
from interviewer.grading.scale import MIN_PARTLY, Readings, Scale, apply_scale
from interviewer.text import counted

__all__ = [
    "FOLDS",
    "MIN_ANSWERS",
    "MIN_QUESTIONS",
    "Figures",
    "ScaleFit",
    "check_enough",
    "fit_scale",
    "scale_grid",
]

MIN_ANSWERS = 40
MIN_QUESTIONS = 5  # fewer, and a fold of held-out questions is one or two questions
FOLDS = 5
THRESHOLDS = tuple(round(MIN_PARTLY + 0.05 * i, 2) for i in range(14))  # 0.25 ... 0.9
DEPTH_LOW = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
DEPTH_HIGH = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


class Figures(BaseModel):
    """Agreement of grades with the interviewers' mean score per answer."""

    pearson: float
    qwk: float
    mae: float
    bias: float = Field(description="Mean of grade minus human")
    rmse: float
    objective: float = Field(description="(Pearson + QWK) / 2 + 1 - RMSE / constant RMSE")


class ScaleFit(BaseModel):
    """A fitted scale, and how it and the shipped scale did on held-out questions."""

    shipped: Scale
    fitted: Scale
    cross_validated: dict[str, Figures] = Field(
        description="'shipped' and 'fitted': out-of-fold figures over every answer"
    )
    in_sample: Figures = Field(description="The fitted scale on the answers it was fitted on")
    folds: int
    answers: int
    questions: int
    improved: bool = Field(description="The fitted scale's cross-validated objective is higher")


def check_enough(answers: int, questions: int) -> None:
    """Refuse a fit on too little data.

    Raises:
        InputError: Fewer than MIN_ANSWERS scored answers or MIN_QUESTIONS questions.
    """
    if answers >= MIN_ANSWERS and questions >= MIN_QUESTIONS:
        return
    missing = []
    if answers < MIN_ANSWERS:
        missing.append(counted(MIN_ANSWERS - answers, "more scored answer"))
    if questions < MIN_QUESTIONS:
        missing.append(f"answers to {counted(MIN_QUESTIONS - questions, 'more question')}")
    raise InputError(
        f"Too little data to fit the scale: {counted(answers, 'scored answer')} to "
        f"{counted(questions, 'question')}; the fit needs at least {MIN_ANSWERS} answers to "
        f"at least {MIN_QUESTIONS} questions, so that it can be checked on questions it was not "
        f"fitted on. Add {' and '.join(missing)} to the file and run again."
    )


def scale_grid(shipped: Scale) -> list[Scale]:
    """The candidate scales, the shipped one first (it wins ties)."""
    grid = [shipped]
    for partly, covered, low, high in itertools.product(
        THRESHOLDS, THRESHOLDS, DEPTH_LOW, DEPTH_HIGH
    ):
        if covered <= partly or high <= low:
            continue
        scale = Scale(
            partly_threshold=partly, covered_threshold=covered, depth_low=low, depth_high=high
        )
        if scale != shipped:
            grid.append(scale)
    return grid


def _objectives(human: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """The objective of each row of ``predicted`` (candidates x answers) against ``human``."""
    constant = float(np.std(human))
    centred = predicted - predicted.mean(axis=1, keepdims=True)
    h = human - human.mean()
    norms = np.linalg.norm(centred, axis=1) * float(np.linalg.norm(h))
    pearson = np.divide(centred @ h, norms, out=np.zeros(len(predicted)), where=norms > 0)
    qwk = np.array([quadratic_kappa(human, p) or 0.0 for p in predicted])
    rmse = np.sqrt(np.mean((predicted - human) ** 2, axis=1))
    return (pearson + qwk) / 2 + 1.0 - rmse / constant


def _figures(human: np.ndarray, predicted: np.ndarray) -> Figures:
    objective = float(_objectives(human, predicted[None, :])[0])
    varied = float(np.std(predicted)) > 0
    pearson = float(np.corrcoef(human, predicted)[0, 1]) if varied else 0.0
    return Figures(
        pearson=round(pearson, 3),
        qwk=round(quadratic_kappa(human, predicted) or 0.0, 3),
        mae=round(float(np.mean(np.abs(predicted - human))), 3),
        bias=round(float(np.mean(predicted - human)), 3),
        rmse=round(float(np.sqrt(np.mean((predicted - human) ** 2))), 3),
        objective=round(objective, 4),
    )


def fit_scale(
    readings: Readings,
    human: Sequence[float],
    questions: Sequence[str],
    weights: Mapping[CriterionName, float],
    shipped: Scale,
    *,
    folds: int = FOLDS,
    seed: int = 0,
) -> ScaleFit:
    """Choose the scale that agrees best with ``human`` and cross-validate the choice.

    Args:
        readings: One per answer (:meth:`SimilarityGrader.reading` through the guards).
        human: The interviewers' mean score of each answer.
        questions: The question of each answer: folds hold whole questions.
        weights: The rubric's criterion weights.
        shipped: The scale to compare with (and to keep on a tie).
        folds: At most this many folds (one per question with fewer questions).
        seed: Which questions go to which fold.

    Raises:
        InputError: Too little data, or scores that do not vary.
    """
    h = np.asarray(human, dtype=float)
    groups = sorted(set(questions))
    check_enough(len(h), len(groups))
    if float(np.std(h)) == 0:
        raise InputError(
            f"Every answer in the file has the same score ({h[0]:g}): there is nothing to fit "
            "a scale to. Add answers your interviewers scored differently."
        )
    grid = scale_grid(shipped)
    overall = np.stack([apply_scale(readings, s, weights).overall for s in grid])
    k = min(folds, len(groups))
    order = np.random.default_rng(seed).permutation(len(groups))
    fold_of = {groups[i]: n % k for n, i in enumerate(order)}
    fold = np.array([fold_of[q] for q in questions])
    held_out = np.empty(len(h))
    for f in range(k):
        train, test = fold != f, fold == f
        best = int(np.argmax(_objectives(h[train], overall[:, train])))
        held_out[test] = overall[best, test]
    best = int(np.argmax(_objectives(h, overall)))
    shipped_figures = _figures(h, overall[0])
    fitted_figures = _figures(h, held_out)
    return ScaleFit(
        shipped=shipped,
        fitted=grid[best],
        cross_validated={"shipped": shipped_figures, "fitted": fitted_figures},
        in_sample=_figures(h, overall[best]),
        folds=k,
        answers=len(h),
        questions=len(groups),
        improved=fitted_figures.objective > shipped_figures.objective,
    )
