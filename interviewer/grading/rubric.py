"""The rubric (``prompts/rubric.yaml``) and the score arithmetic done in code, not by a model.

- Coverage is computed from per-key-point verdicts: covered 1, partly 0.5, missed 0.
- The overall score is the weighted mean of the *assessed* criteria (a criterion a grader
  could not judge is left out and the remaining weights renormalized), clamped to 0-5 and
  rounded to one decimal.
- Every score a person reads has one decimal, rounded half up by :func:`one_decimal`, and
  every mean of scores comes from :func:`mean_score`, which averages the scores as shown.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from interviewer.errors import ConfigError
from interviewer.grading.base import CRITERIA, CriterionName, CriterionScore, KeyPointVerdict

__all__ = [
    "FEEDBACK_FALLBACK",
    "LEVELS",
    "Criterion",
    "Rubric",
    "clamp_score",
    "coverage_score",
    "load_rubric",
    "mean_score",
    "one_decimal",
    "overall_decimal",
    "overall_score",
    "prompt_version",
    "round_score",
    "score_levels",
]

# The rubric's integer levels 0-5; a score is rounded half up to one (2.5 -> 3).
LEVELS = list(range(6))
VERDICT_VALUE = {"covered": 1.0, "partly": 0.5, "missed": 0.0}
# The rubric asks for 2-4 actionable feedback sentences; a grader left with one adds this.
FEEDBACK_FALLBACK = "Compare your answer with the model answer, point by point."


class Criterion(BaseModel):
    """One rubric criterion with its weight and a descriptor for every level 0-5."""

    model_config = ConfigDict(extra="forbid")

    weight: float = Field(gt=0, le=1)
    description: str
    levels: dict[int, str]


class Rubric(BaseModel):
    """All criteria, keyed by name."""

    model_config = ConfigDict(extra="forbid")

    criteria: dict[CriterionName, Criterion]

    def weight(self, name: CriterionName) -> float:
        """Weight of a criterion."""
        return self.criteria[name].weight

    def as_text(self) -> str:
        """The rubric as plain text for prompts and reports."""
        lines = []
        for name, crit in self.criteria.items():
            lines.append(f"{name} (weight {crit.weight:g}): {crit.description}")
            lines.extend(f"  {lvl}: {desc}" for lvl, desc in sorted(crit.levels.items()))
        return "\n".join(lines)


@lru_cache(maxsize=8)
def load_rubric(prompts_dir: Path) -> Rubric:
    """Load and validate ``rubric.yaml`` from the prompts folder.

    Raises:
        ConfigError: Missing file, invalid YAML, unknown criterion, or a level missing.
    """
    path = prompts_dir / "rubric.yaml"
    try:
        rubric = Rubric.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise ConfigError(f"Rubric not found at {path}.") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{path} is invalid: {exc}") from exc
    missing = [c for c in CRITERIA if c not in rubric.criteria]
    if missing:
        raise ConfigError(f"{path} lacks the criteria {missing}.")
    for name, crit in rubric.criteria.items():
        if sorted(crit.levels) != list(range(6)):
            raise ConfigError(f"{path}: criterion {name} needs a descriptor for each level 0-5.")
    return rubric


# The files a grade depends on: the rubric and the grading prompts (``grade_*.md``, loaded by
# ``interviewer.grading.judge``). Other prompts in the folder (e.g. ``draft_question.md`` for
# question-bank drafts) must not change the version recorded on grades.
GRADING_PROMPT_GLOBS = ("rubric.yaml", "grade_*")


def prompt_version(prompts_dir: Path) -> str:
    """Hash of the files the graders use (``rubric.yaml``, ``grade_*``): recorded on each grade.

    Editing any other prompt file leaves the version, and so the grade cache, unchanged.
    """
    files = {path for pattern in GRADING_PROMPT_GLOBS for path in prompts_dir.glob(pattern)}
    digest = hashlib.sha256()
    for path in sorted(files):
        if path.is_file():
            digest.update(path.relative_to(prompts_dir).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def clamp_score(value: float) -> float:
    """Clamp to 0-5 (a model's 6/5 or -1 never reaches storage)."""
    return min(5.0, max(0.0, float(value)))


def round_score(value: float) -> int:
    """Round a 0-5 score half up to an integer level (2.5 -> 3, unlike Python's round)."""
    return int(min(5, max(0, math.floor(value + 0.5))))


_TENTH = Decimal("0.1")


def one_decimal(value: float) -> float:
    """A score to one decimal, a tie rounded up as the number reads (3.25 -> 3.3).

    ``f"{3.25:.1f}"`` and ``round`` work on the binary value, half to even: 3.25 gave 3.2 and
    3.35 gave 3.4. Every score shown goes through here, so a figure never reads two ways.
    """
    return float(Decimal(repr(float(value))).quantize(_TENTH, rounding=ROUND_HALF_UP))


def mean_score(scores: Iterable[float]) -> float | None:
    """The mean of scores as they are shown, to one decimal, half up (3.3 and 3.4 give 3.4);
    None without scores.

    Each score is first taken to the one decimal it is shown with (:func:`one_decimal`), so
    whoever averages the figures on the page gets the mean printed: coverage 2.14, 2.14 and
    2.22 read 2.1, 2.1 and 2.2 on their answers and averaged 2.2 beside them. Summed as the
    decimals they read as: in floats 3.3 + 3.4 is 6.699999999999999, so the same two grades
    averaged 3.3 in the chat's summary, History and the report, and 3.4 in ``sessions list``
    and the report's trend, which rounded the mean to two decimals first.
    """
    values = [Decimal(repr(one_decimal(s))) for s in scores]
    if not values:
        return None
    mean = sum(values, Decimal(0)) / len(values)
    return float(mean.quantize(_TENTH, rounding=ROUND_HALF_UP))


def score_levels(scores: np.ndarray | Sequence[float]) -> np.ndarray:
    """:func:`round_score` of every score at once."""
    return np.clip(np.floor(np.asarray(scores, dtype=float) + 0.5), 0, 5).astype(int)


def coverage_score(verdicts: list[KeyPointVerdict]) -> float | None:
    """Coverage 0-5 from key-point verdicts; None when there are no key points."""
    if not verdicts:
        return None
    return 5.0 * sum(VERDICT_VALUE[v.verdict] for v in verdicts) / len(verdicts)


def overall_score(criteria: list[CriterionScore], rubric: Rubric) -> float | None:
    """Weighted mean of assessed criteria, one decimal; None when nothing was assessed."""
    assessed = [c for c in criteria if c.score is not None]
    total_weight = sum(rubric.weight(c.criterion) for c in assessed)
    if not assessed or total_weight == 0:
        return None
    value = sum(rubric.weight(c.criterion) * clamp_score(c.score or 0.0) for c in assessed)
    return overall_decimal(clamp_score(value / total_weight))


def overall_decimal(value: float) -> float:
    """A weighted mean to one decimal, half up as :func:`one_decimal`, a tie within float error
    counting as one: coverage 3 and communication 2 weigh to 1.25 exactly, which the floats
    make 1.2499999999999998, and ``round`` (half to even on that binary value) showed 1.2 where
    the rubric's arithmetic gives 1.3."""
    return one_decimal(round(value, 9))
