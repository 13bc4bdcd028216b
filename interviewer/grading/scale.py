"""The offline grader's scale: from an answer's scale-free reading to its verdicts and overall.

The offline grader measures an answer once: the answer-level match ``m``, each key point's own
alignment, what the bank's other questions get (the peer baseline), the contradictions and the
form of the answer. That is its :class:`Reading`. Only the last step, the scale (:class:`Scale`:
the two verdict thresholds and the depth bounds), turns a reading into verdicts, depth and the
overall. The grader and the team fit (:mod:`interviewer.grading.scale_fit`) both call
:func:`apply_scale` for it: the grader on one answer, the fit on every answer of a team's file
for each candidate scale, without running the models again. The arithmetic is done in the same
order as the rubric's (:func:`interviewer.grading.rubric.overall_score`) so the results are the
same to the last bit, and rounded as Python's ``round`` rounds.

A team's fitted scale is kept in the data folder (:data:`TEAM_SCALE_FILE`); the grader reads it
in place of the shipped one (:func:`load_team_scale`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from interviewer.errors import ConfigError
from interviewer.grading.base import CRITERIA, CriterionName

__all__ = [
    "MIN_PARTLY",
    "Reading",
    "Readings",
    "RESET_HINT",
    "STATED_ALIGNMENT",
    "Scale",
    "Scaled",
    "TEAM_SCALE_FILE",
    "FittedOn",
    "TeamScale",
    "apply_scale",
    "load_team_scale",
    "reset_team_scale",
    "rounded",
    "write_team_scale",
]

# A key point whose own alignment reaches this is stated in the answer (near word for word).
# Blended with the answer-level match, an answer that stated two of q04's five key points
# verbatim (alignments 0.996 and 0.992) got "partly" for both: the bank's peers put its m at 0.
# On the train samples, answers with a key point aligned at 0.9 or more were credited by the
# human graders 97-100% (SAF), 79-90% (Beetle) and 72-79% (SciEntsBank) of the time.
STATED_ALIGNMENT = 0.9
_JUST_BELOW = 0.999  # a held key point scores just under the covered threshold: "partly"
# The fitted grid's floor (bench/fit_offline.py): with a lower partly threshold unrelated text,
# which aligns with a key point at ~0.1, got partial credit through the answer-level match.
MIN_PARTLY = 0.25
TEAM_SCALE_FILE = "offline_scale.json"
# What a candidate is told instead of the file's path and the commands (the Interview tab).
DAMAGED_PUBLIC = (
    "Grading is paused: the hiring team's grading settings need fixing. Your answer is still "
    "in the box; send it again later, or tell the team."
)
RESET_HINT = (
    "Run `interviewer calibrate --reset-fit` to go back to the shipped scale, or fit it again "
    "with `interviewer calibrate SCORES --fit`."
)


class Scale(BaseModel):
    """Where the offline grader's measures land on 0-5: verdict thresholds and depth bounds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    partly_threshold: float = Field(
        ge=MIN_PARTLY, le=1, description="Match at or above which a key point is partly covered"
    )
    covered_threshold: float = Field(
        gt=0, le=1, description="Match at or above which a key point is covered"
    )
    depth_low: float = Field(ge=0, le=1, description="m at or below which depth is 0")
    depth_high: float = Field(gt=0, le=1, description="m at or above which depth is 5")

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.covered_threshold <= self.partly_threshold:
            raise ValueError("covered_threshold must be above partly_threshold")
        if self.depth_high <= self.depth_low:
            raise ValueError("depth_high must be above depth_low")
        return self


class FittedOn(BaseModel):
    """The scores file a team scale was fitted on."""

    model_config = ConfigDict(extra="forbid")

    file: str
    sha256: str = Field(description="First 16 hex digits of the file's SHA-256")
    answers: int
    questions: int
    raters: int


class TeamScale(BaseModel):
    """A hiring team's fitted scale, as written by ``interviewer calibrate FILE --fit``."""

    model_config = ConfigDict(extra="forbid")

    scale: Scale
    shipped: Scale = Field(description="The shipped scale it replaces, at the time of the fit")
    fitted_at: str
    fitted_on: FittedOn
    grader: str = Field(
        default="",
        description="The offline grader it was fitted under (measures_version): after an "
        "update of the grader's measures the readings move and the scale should be fitted again",
    )
    method: str
    cross_validation: dict[str, dict[str, float | None]] = Field(
        default_factory=dict,
        description="Out-of-fold figures of the shipped and the fitted scale (see scale_fit.py)",
    )


def load_team_scale(data_dir: Path) -> TeamScale | None:
    """The team scale in ``data_dir``, or None when the team has not fitted one.

    Raises:
        ConfigError: The file exists but cannot be read or is not a valid team scale: never a
            silent fall back to another scale.
    """
    path = data_dir / TEAM_SCALE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        # No file, or no data folder at all: the folder's own check reports the latter.
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"Cannot read the team scale {path} ({exc}). {RESET_HINT}", public=DAMAGED_PUBLIC
        ) from exc
    try:
        return TeamScale.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"The team scale {path} is not valid JSON ({exc.msg}, line {exc.lineno}). {RESET_HINT}",
            public=DAMAGED_PUBLIC,
        ) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        raise ConfigError(
            f"The team scale {path} is invalid ({where}: {first['msg']}). {RESET_HINT}",
            public=DAMAGED_PUBLIC,
        ) from exc


@dataclass(frozen=True)
class Reading:
    """Everything about one graded answer that the scale acts on, measured once.

    ``own`` is each key point's own alignment already weighted by ``share``
    (``key_point_share``): its match is ``own + (1 - share) * m``, with ``m`` first brought to
    the peers' level on a bank question (which reads ``depth_high``).
    """

    m: float
    share: float
    own: tuple[float, ...]
    alignment: tuple[float, ...]  # word alignment: >= STATED_ALIGNMENT is stated
    states: tuple[bool, ...] = ()  # stated in other words (PeerBaseline.states); bank only
    shows: tuple[bool, ...] = ()  # own words beyond the peers' (PeerBaseline.shows); bank only
    contradicted: tuple[bool, ...] = ()
    peers: tuple[float, float] | None = None  # the baseline's median and 90th percentile of m
    peer_depth: float | None = None  # PeerBaseline.depth(m)
    spans: bool = True  # False: nothing in the answer to match, every key point scores 0
    communication: float | None = None  # its score when a key point is found
    communication_unfound: float | None = None  # ... and when none is
    rejected: bool = False  # the guards gave the answer 0


def _floats(values: Sequence[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@dataclass(frozen=True)
class Readings:
    """Readings of many answers as arrays (rows; key points padded, see ``mask``)."""

    m: np.ndarray
    share: np.ndarray
    own: np.ndarray
    alignment: np.ndarray
    states: np.ndarray
    shows: np.ndarray
    contradicted: np.ndarray
    mask: np.ndarray
    median: np.ndarray  # NaN: no peer baseline
    high: np.ndarray
    peer_depth: np.ndarray
    spans: np.ndarray
    communication: np.ndarray
    communication_unfound: np.ndarray
    rejected: np.ndarray

    @classmethod
    def of(cls, readings: Sequence[Reading]) -> Readings:
        """Stack readings into arrays."""
        n = len(readings)
        width = max((len(r.own) for r in readings), default=0)
        grids = {k: np.zeros((n, width)) for k in ("own", "alignment")}
        flags = {k: np.zeros((n, width), dtype=bool) for k in ("states", "shows", "contradicted")}
        mask = np.zeros((n, width), dtype=bool)
        for row, r in enumerate(readings):
            k = len(r.own)
            mask[row, :k] = True
            grids["own"][row, :k] = r.own
            grids["alignment"][row, :k] = r.alignment
            for name in flags:
                values = getattr(r, name)
                flags[name][row, :k] = values if values else False
        return cls(
            m=_floats([r.m for r in readings]),
            share=_floats([r.share for r in readings]),
            mask=mask,
            median=_floats([r.peers[0] if r.peers else None for r in readings]),
            high=_floats([r.peers[1] if r.peers else None for r in readings]),
            peer_depth=_floats([r.peer_depth for r in readings]),
            spans=np.array([r.spans for r in readings], dtype=bool),
            communication=_floats([r.communication for r in readings]),
            communication_unfound=_floats([r.communication_unfound for r in readings]),
            rejected=np.array([r.rejected for r in readings], dtype=bool),
            **grids,
            **flags,
        )

    def take(self, rows: np.ndarray) -> Readings:
        """The readings of some rows only."""
        return Readings(**{k: v[rows] for k, v in vars(self).items()})


@dataclass(frozen=True)
class Scaled:
    """A scale applied to readings: per key point (rows x key points) and per answer (rows)."""

    scores: np.ndarray  # each key point's match after the stated/paraphrased/held rules
    paraphrased: np.ndarray
    held: np.ndarray
    verdicts: np.ndarray  # 2 covered, 1 partly, 0 missed (contradicted: missed); -1 padding
    coverage: np.ndarray  # NaN: not assessed (no key points)
    depth: np.ndarray
    correctness: np.ndarray  # NaN: not assessed (no contradiction)
    communication: np.ndarray  # NaN: not assessed
    overall: np.ndarray  # the guards' 0 for rejected answers


def rounded(values: np.ndarray, digits: int) -> np.ndarray:
    """``round(value, digits)`` of each value, as Python rounds (correctly, half to even on the
    exact binary value); numpy's ``round`` scales first and can differ near a tie."""
    factor = 10.0**digits
    scaled = values * factor
    out = np.rint(scaled) / factor
    near = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    if near.any():
        out[near] = [round(float(v), digits) for v in values[near]]
    return out


def overall_rounded(values: np.ndarray) -> np.ndarray:
    """Each overall to one decimal as :func:`interviewer.grading.rubric.overall_decimal`
    rounds it (a tie up); only values near a tie take that slower road."""
    from interviewer.grading.rubric import overall_decimal

    scaled = values * 10.0
    out = np.rint(scaled) / 10.0
    near = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    if near.any():
        out[near] = [overall_decimal(float(v)) for v in values[near]]
    return out


def apply_scale(r: Readings, scale: Scale, weights: Mapping[CriterionName, float]) -> Scaled:
    """Verdicts, criteria and overall of every reading under ``scale``.

    ``weights``: the rubric's weight of each criterion. Exactly what the offline grader
    computes (see ``SimilarityGrader.grade``, which calls this on its one answer).
    """
    covered, partly = scale.covered_threshold, scale.partly_threshold
    baseline = ~np.isnan(r.median)
    # A bank question's m is measured from its peers' level (PeerBaseline): their
    # median counts as no match, their 90th percentile as depth_high. It only ever lowers m:
    # it discounts the vocabulary every answer in the domain shares. Where the peers match
    # little (a question unlike the others) the rescaling alone lifted every answer; with each
    # dataset's questions as a bank, it then agreed less with humans on every test split
    # (SciEntsBank test_uq Pearson 0.31 against 0.45 capped; docs/grading.md).
    span = np.maximum(1e-6, r.high - r.median)
    anchored = np.minimum(1.0, np.maximum(0.0, (r.m - r.median) / span * scale.depth_high))
    m = np.where(baseline, np.minimum(r.m, anchored), r.m)
    blend = r.own + (1 - r.share)[:, None] * m[:, None]
    scores = np.where(r.alignment >= STATED_ALIGNMENT, np.maximum(blend, r.alignment), blend)
    on_bank = baseline[:, None] & r.mask & r.spans[:, None]
    paraphrased = on_bank & (scores < covered) & r.states
    scores = np.where(paraphrased, np.maximum(scores, covered), scores)
    held = (
        on_bank & ~paraphrased & (scores >= covered) & (r.alignment < STATED_ALIGNMENT) & ~r.shows
    )
    scores = np.where(held, np.minimum(scores, _JUST_BELOW * covered), scores)
    scores = np.where(r.spans[:, None], scores, 0.0)
    verdicts = np.where(scores >= covered, 2, np.where(scores >= partly, 1, 0))
    verdicts = np.where(r.contradicted, 0, verdicts)
    verdicts = np.where(r.mask, verdicts, -1)

    counted = r.mask.sum(axis=1)
    value = np.where(verdicts == 2, 1.0, np.where(verdicts == 1, 0.5, 0.0)).sum(axis=1)
    coverage = np.where(counted > 0, 5.0 * value / np.maximum(1, counted), np.nan)
    found = (verdicts > 0).any(axis=1)
    plain = rounded(
        5.0
        * np.minimum(
            1.0,
            np.maximum(
                0.0, (r.m - scale.depth_low) / max(1e-6, scale.depth_high - scale.depth_low)
            ),
        ),
        2,
    )
    depth = np.where(baseline, np.minimum(plain, r.peer_depth), plain)
    depth = np.where(found, depth, 0.0)
    correctness = np.where(r.contradicted.any(axis=1), 1.0, np.nan)
    communication = np.where(found, r.communication, r.communication_unfound)

    # The rubric's weighted mean of the assessed criteria, term by term in the grade's order
    # (a criterion not assessed adds 0.0, which leaves a float sum unchanged).
    total = np.zeros(len(r.m))
    weight = np.zeros(len(r.m))
    # CRITERIA is the order the grade lists them in, and so the order the rubric adds them.
    for name, criterion in zip(
        CRITERIA, (correctness, coverage, depth, communication), strict=True
    ):
        assessed = ~np.isnan(criterion)
        w = weights[name]
        total = total + np.where(assessed, w * np.clip(np.nan_to_num(criterion), 0.0, 5.0), 0.0)
        weight = weight + np.where(assessed, w, 0.0)
    overall = overall_rounded(np.clip(total / weight, 0.0, 5.0))
    return Scaled(
        scores=scores,
        paraphrased=paraphrased,
        held=held,
        verdicts=verdicts,
        coverage=coverage,
        depth=depth,
        correctness=correctness,
        communication=communication,
        overall=np.where(r.rejected, 0.0, overall),
    )


def write_team_scale(data_dir: Path, team: TeamScale) -> Path:
    """Write the team scale into ``data_dir`` (whole or not at all) and return its path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / TEAM_SCALE_FILE
    partial = path.with_suffix(".json.tmp")
    partial.write_text(team.model_dump_json(indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def reset_team_scale(data_dir: Path) -> Path | None:
    """Remove the team scale from ``data_dir``; its path, or None when there was none."""
    path = data_dir / TEAM_SCALE_FILE
    try:
        path.unlink()
    except FileNotFoundError:
        return None
    return path
