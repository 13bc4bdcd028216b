"""A hiring team's fit of the offline grader's scale, from a calibration run to the file written.

:func:`fit_team_scale` reads each calibrated answer once through the offline grader, fits the
scale (:func:`~interviewer.grading.scale_fit.fit_scale`) and writes the team scale into the data
folder when it agrees better on held-out questions (or when forced). ``interviewer calibrate
--fit`` and the web app's Calibration tab both call it, so they fit and write alike; each words
the result its own way (the command's options, the tab's buttons).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from interviewer.grading.base import CRITERIA
from interviewer.grading.rubric import load_rubric
from interviewer.grading.scale import (
    FittedOn,
    Readings,
    Scale,
    TeamScale,
    load_team_scale,
    write_team_scale,
)
from interviewer.grading.scale_fit import ScaleFit, fit_scale

if TYPE_CHECKING:
    from interviewer.calibration import CalibrationResult, ImportResult
    from interviewer.grading.service import GradingService

__all__ = ["TeamFit", "fit_team_scale"]


class TeamFit(BaseModel):
    """What a fit found and did."""

    fit: ScaleFit
    written: Path | None = Field(description="Where the team scale was written; None: not")
    forced: bool = Field(description="Written although it agrees no better (force)")
    replaced_team_fit: str | None = Field(
        description="fitted_at of the team scale the written one replaced"
    )

    def to_json(self) -> dict[str, object]:
        """The ``fit`` object of ``interviewer calibrate --fit --format json``."""
        return {
            **self.fit.model_dump(mode="json"),
            "written": str(self.written) if self.written else None,
            "forced": self.forced,
            "replaced_team_fit": self.replaced_team_fit,
        }


def fit_team_scale(
    imported: ImportResult,
    result: CalibrationResult,
    service: GradingService,
    *,
    scores: Path,
    data_dir: Path,
    prompts_dir: Path,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> TeamFit:
    """Fit the offline grader's scale to a calibration's answers; write it into ``data_dir`` if
    it agrees better on held-out questions (or ``force``).

    Args:
        imported: The scores file as read (its rows name the questions and the raters).
        result: The calibration of those rows: each graded answer and its interviewers' mean.
        service: A grading service whose grader is the offline grader.
        scores: The scores file (its name and a hash of its bytes are recorded).
        data_dir: Where the team scale goes.
        prompts_dir: The rubric (its criterion weights).
        force: Write the fitted scale even if it agrees no better.
        progress: Called with (answers read, answers to read) after each answer.

    Raises:
        InputError: Too little data, or scores that do not vary.
        ConfigError: The service's grader is not the offline grader.
    """
    from interviewer.grading.similarity import load_params, measures_version

    questions = {row.question.id: row.question for row in imported.rows}
    items = [i for i in result.items if i.auto is not None]
    readings = []
    for n, item in enumerate(items, 1):
        readings.append(service.reading(questions[item.question_id], item.answer))
        if progress is not None:
            progress(n, len(items))
    rubric = load_rubric(prompts_dir)
    params = load_params()  # the shipped file: the scale the team's is compared with
    shipped = {field: getattr(params, field) for field in Scale.model_fields}
    fitted = fit_scale(
        Readings.of(readings),
        [i.human for i in items],
        [i.question_id for i in items],
        {c: rubric.weight(c) for c in CRITERIA},
        Scale(**shipped),
    )
    previous = load_team_scale(data_dir)
    written = None
    if fitted.improved or force:
        team = TeamScale(
            scale=fitted.fitted,
            shipped=fitted.shipped,
            fitted_at=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            grader=measures_version(params),
            fitted_on=FittedOn(
                file=scores.name,
                sha256=hashlib.sha256(scores.read_bytes()).hexdigest()[:16],
                answers=fitted.answers,
                questions=fitted.questions,
                raters=len({r.rater for r in imported.rows}),
            ),
            method=(
                "interviewer calibrate --fit: grid search of partly_threshold x "
                "covered_threshold x depth_low x depth_high (every other parameter shipped) "
                "maximizing (Pearson + QWK)/2 + RMSE skill against the interviewers' mean "
                f"score per answer; {fitted.folds}-fold cross-validation by question"
            ),
            cross_validation={
                name: figures.model_dump() for name, figures in fitted.cross_validated.items()
            },
        )
        written = write_team_scale(data_dir, team)
    return TeamFit(
        fit=fitted,
        written=written,
        forced=bool(force and not fitted.improved),
        replaced_team_fit=previous.fitted_at if previous and written else None,
    )
