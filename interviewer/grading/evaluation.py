"""Validity evaluation: agreement of a grader with human scores on a labelled dataset.

Input is JSON Lines, one answer per line: ``id``, ``question``, ``reference_answer``, ``answer``,
human ``score`` (0-5), optionally ``key_points``, ``alternative_answers`` (other accepted
answers), ``qid`` (groups answers to the same question), ``split`` and ``label`` (a categorical
human label). Metrics come from scipy and scikit-learn;
only the per-question mean and the label mapping are written here.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, field_validator

from interviewer.bank import Bank, Question, resolve_question
from interviewer.errors import BankError, InputError, validation_message
from interviewer.grading.base import Grader, GradeRequest
from interviewer.grading.rubric import score_levels
from interviewer.settings import Settings
from interviewer.text import counted
from interviewer.textfile import decode_text, json_object, refuse_csv

MIN_QUESTIONS_FOR_INTERVAL = 5

__all__ = [
    "Agreement",
    "EvalItem",
    "agreement",
    "build_scorer",
    "constant_baseline",
    "duplicate_ids",
    "evaluate",
    "label_metrics",
    "load_dataset",
    "per_question_pearson",
    "quadratic_kappa",
    "question_interval",
    "to_request",
]


_LISTED_PROBLEMS = 10


class EvalItem(BaseModel):
    """One human-graded answer (ids may be numbers, as in ``grade --batch`` files)."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    id: str
    question: str = Field(min_length=1)
    reference_answer: str = ""
    # Strict as in ``grade --batch``: an answer given as a number is a broken line, not "42".
    answer: Annotated[str, Strict()]
    score: float = Field(ge=0, le=5)
    key_points: list[str] | None = None
    alternative_answers: list[str] | None = None
    qid: str | None = None
    split: str | None = None
    label: str | None = None

    @field_validator("score", mode="before")
    @classmethod
    def _score(cls, value: object) -> object:
        # true read as 1.0 and "5" as 5.0 went into the metrics unnoticed; NaN was reported
        # as "should be less than or equal to 5".
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise ValueError(f"the human score must be a number from 0 to 5, not {value!r}")
        return value

    @property
    def group(self) -> str:
        """Which question this answer belongs to (``qid``, else the question text)."""
        return self.qid or self.question


class Agreement(BaseModel):
    """Agreement between predicted and human scores."""

    n: int
    pearson: float | None
    spearman: float | None
    qwk: float | None = Field(description="Quadratic-weighted kappa on scores rounded to integers")
    rmse: float
    mae: float
    per_question_pearson: float | None = Field(
        description="Mean Pearson over questions with >= 3 answers and non-constant scores"
    )
    questions_in_per_question: int = 0
    pearson_interval: tuple[float, float] | None = Field(
        default=None,
        description="90% interval of Pearson when whole questions are resampled "
        "(None with fewer than 5 questions)",
    )
    mean_predicted: float
    mean_human: float
    accuracy: float | None = None
    macro_f1: float | None = None
    label_classes: list[str] | None = None
    pending: int = Field(default=0, description="Answers the grader left pending (excluded)")
    too_few: str | None = Field(
        default=None,
        description="Why Pearson, Spearman, QWK and the per-question Pearson are null: fewer "
        "answers than calibrate takes them from (calibration.MIN_AGREEMENT; eval grader only)",
    )


def load_dataset(
    path: Path,
    *,
    split: str | None = None,
    limit: int | None = None,
    bank: Bank | None = None,
    check_questions: bool = False,
) -> list[EvalItem]:
    """Read a JSON Lines dataset, optionally one split and the first ``limit`` rows of it.

    With ``check_questions``, each row's question is resolved now as :func:`to_request` will
    (a bank id typed in another case becomes the ``bank``'s id), and a row naming no question
    is reported with the other bad lines, before any grading.

    Raises:
        InputError: The file is missing, a line is not valid (its number is given), or no row
            is left (the splits the file has are named).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(
            f"Dataset not found: {path}. Give a JSON Lines file with --dataset."
        ) from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path} is a folder: give a JSON Lines file with --dataset.") from exc
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from exc
    # Worded as `grade --batch` words it, not Python's "'utf-8' codec can't decode ...".
    text = decode_text(data, path, again="run again")
    refuse_csv(text, path, ("id", "question", "answer", "score"))
    # Split on "\n" only: splitlines() also breaks inside JSON strings holding U+2028 etc.
    lines = text.split("\n")
    items: list[EvalItem] = []
    problems: list[str] = []  # every bad line is named at once, not one per run
    splits: set[str | None] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            # Not a dict: pydantic named its internal model for a list or a string.
            row = json_object(line)
        except InputError as exc:
            problems.append(f"line {number}: {exc}")
            continue
        try:
            item = EvalItem.model_validate(row)
        except ValidationError as exc:
            problems.append(f"line {number}: {validation_message(exc, whole='line')}")
            continue
        splits.add(item.split)
        if split is not None and item.split != split:
            continue
        if check_questions:
            # An unknown question was found only after the format errors were fixed and the
            # models loaded, and named by the row's id where the other errors give its line.
            if bank is not None:
                item = item.model_copy(update={"question": bank.id_for(item.question)})
            try:
                _question(item, bank)
            except (InputError, BankError) as exc:
                problems.append(f"line {number}: {str(exc).rstrip('.')}")
                continue
        items.append(item)
        if limit is not None and len(items) >= limit:
            break
    if problems:
        shown = "; ".join(problems[:_LISTED_PROBLEMS])
        more = len(problems) - _LISTED_PROBLEMS
        raise InputError(
            f"{counted(len(problems), 'line')} of {path.name} "
            f"{'is' if len(problems) == 1 else 'are'} invalid: {shown}"
            + (f"; and {more} more" if more > 0 else "")
            + ". Fix them and run again: agreement over part of a file would mislead."
        )
    if not items:
        raise InputError(_no_rows(path, split, splits))
    return items


def _no_rows(path: Path, split: str | None, splits: set[str | None]) -> str:
    """Why nothing is left: an empty file, or which splits the file has instead of ``split``
    (the message named --split when none was given)."""
    if split is None or not splits:
        return f"{path} has no rows: give one JSON object per line (id, question, answer, score)."
    named = sorted(s for s in splits if s is not None)
    if not named:
        return f"No row of {path} has a split: leave out --split to use every row."
    unsplit = " (and rows with none)" if None in splits else ""
    return (
        f"No row of {path} has split {split!r}; its splits are {', '.join(named)}{unsplit}: "
        "give one of those with --split, or leave it out to use every row."
    )


def duplicate_ids(items: Sequence[EvalItem]) -> list[str]:
    """Ids given to more than one row, in file order. Every row is still graded and counted (two
    raters may score one answer), but a row pasted twice weighs double in the agreement."""
    counts = Counter(item.id for item in items)
    return [i for i in counts if counts[i] > 1]


def to_request(item: EvalItem, bank: Bank | None = None) -> GradeRequest:
    """A grade request for one dataset row: its question resolved as ``interviewer grade``
    resolves one (see :func:`interviewer.bank.resolve_question`).

    Raises:
        InputError: The row's question cannot be resolved (its id is given).
    """
    try:
        question = _question(item, bank)
    except (InputError, BankError) as exc:
        raise InputError(f"Row {item.id}: {exc}") from exc
    return GradeRequest(question=question, answer=item.answer)


def _question(item: EvalItem, bank: Bank | None) -> Question:
    return resolve_question(
        bank,
        item.question,
        item.reference_answer,
        item.key_points,
        item.alternative_answers,
        given_in="dataset",
    )


# --- kappa (shared with calibration: scores rounded to the rubric's levels alike) ----------

_QUADRATIC = (np.arange(6)[:, None] - np.arange(6)[None, :]) ** 2.0


def quadratic_kappa(
    human: np.ndarray | Sequence[float], grader: np.ndarray | Sequence[float]
) -> float | None:
    """Quadratic-weighted kappa on levels rounded half up; None when both sides use one level
    (kappa is 0/0 then).

    Same value as scikit-learn's ``cohen_kappa_score(weights="quadratic")`` (tested), written
    out because the interval recomputes it 1,000 times and scikit-learn's input checks made that
    take 2.4 s for 200 answers.
    """
    h, g = score_levels(human), score_levels(grader)
    if len(set(h.tolist()) | set(g.tolist())) <= 1:
        return None
    observed = np.zeros((6, 6))
    np.add.at(observed, (h, g), 1.0)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    value = 1.0 - float((_QUADRATIC * observed).sum() / (_QUADRATIC * expected).sum())
    return value if math.isfinite(value) else None


def _safe(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)


def per_question_pearson(
    human: Sequence[float], predicted: Sequence[float], groups: Sequence[str]
) -> tuple[float | None, int]:
    """Mean Pearson over groups with >= 3 answers where both score lists vary.

    Returns:
        The mean (None when no group qualifies) and how many groups it averages.
    """
    from scipy.stats import pearsonr

    values = []
    for idx in _rows_by_question(groups):
        h = np.asarray([human[i] for i in idx], dtype=float)
        p = np.asarray([predicted[i] for i in idx], dtype=float)
        if len(idx) >= 3 and np.ptp(h) > 0 and np.ptp(p) > 0:
            values.append(float(pearsonr(h, p)[0]))
    return (round(float(np.mean(values)), 4) if values else None), len(values)


def _rows_by_question(groups: Sequence[str]) -> list[list[int]]:
    """The row indices of each question's answers, questions in order of first appearance."""
    members: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        members[g].append(i)
    return list(members.values())


def _pearson(human: np.ndarray, predicted: np.ndarray) -> float | None:
    if np.ptp(human) > 0 and np.ptp(predicted) > 0:
        return float(np.corrcoef(human, predicted)[0, 1])
    return None


def question_interval(
    human: Sequence[float],
    predicted: Sequence[float],
    groups: Sequence[str],
    statistic: Callable[[np.ndarray, np.ndarray], float | None] = _pearson,
    *,
    level: float = 0.9,
    resamples: int = 1000,
) -> tuple[float, float] | None:
    """Percentile interval of ``statistic`` (Pearson by default) over resamples of whole
    questions, with replacement.

    Answers to one question share its reference and its difficulty, so a figure from a few
    questions moves with which questions they were: resampling answers would hide that. With
    fewer than ``MIN_QUESTIONS_FOR_INTERVAL`` questions there is nothing to resample (None). The
    seed is fixed: the same data always gives the same interval.
    """
    index = [np.asarray(rows) for rows in _rows_by_question(groups)]
    if len(index) < MIN_QUESTIONS_FOR_INTERVAL:
        return None
    h = np.asarray(human, dtype=float)
    p = np.asarray(predicted, dtype=float)
    rng = np.random.default_rng(0)
    values = []
    for _ in range(resamples):
        rows = np.concatenate([index[k] for k in rng.integers(0, len(index), len(index))])
        value = statistic(h[rows], p[rows])
        if value is not None and math.isfinite(value):
            values.append(value)
    if len(values) < resamples // 2:  # mostly undefined resamples: no meaningful interval
        return None
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return round(float(low), 4), round(float(high), 4)


def label_metrics(
    labels: Sequence[str], human: Sequence[float], predicted: Sequence[float]
) -> tuple[float | None, float | None, list[str]]:
    """Accuracy and macro-F1 of predicted scores mapped to the human labels.

    Labels that share a human score (e.g. Beetle's contradictory / irrelevant / non_domain, all 0)
    are merged into one class; each class sits at the median human score of its rows, and a
    predicted score takes the class with the nearest centre. With a single class every
    prediction falls in it, so both are None then: a grader that scored every "correct" answer
    0 read as 100% accurate.
    """
    from sklearn.metrics import accuracy_score, f1_score

    scores_by_label: dict[str, list[float]] = defaultdict(list)
    for lab, h in zip(labels, human, strict=True):
        scores_by_label[lab].append(h)
    centre_of: dict[str, float] = {lab: float(np.median(v)) for lab, v in scores_by_label.items()}
    merged: dict[float, str] = {}
    for lab in sorted(centre_of):
        c = centre_of[lab]
        merged[c] = f"{merged[c]}|{lab}" if c in merged else lab
    centres = sorted(merged)
    true = [merged[centre_of[lab]] for lab in labels]
    pred = [merged[min(centres, key=lambda c: (abs(c - p), c))] for p in predicted]
    classes = [merged[c] for c in centres]
    if len(classes) < 2:
        return None, None, classes
    return (
        round(float(accuracy_score(true, pred)), 4),
        round(float(f1_score(true, pred, labels=classes, average="macro", zero_division=0)), 4),
        classes,
    )


def agreement(
    human: Sequence[float],
    predicted: Sequence[float],
    groups: Sequence[str],
    labels: Sequence[str | None] | None = None,
) -> Agreement:
    """All agreement metrics between predicted and human scores (same order)."""
    from scipy.stats import pearsonr, spearmanr

    if len(human) != len(predicted) or not human:
        raise InputError("Agreement needs the same, non-zero number of human and predicted scores.")
    h = np.asarray(human, dtype=float)
    p = np.asarray(predicted, dtype=float)
    varies = np.ptp(h) > 0 and np.ptp(p) > 0
    qwk = quadratic_kappa(h, p)
    pqp, n_groups = per_question_pearson(h.tolist(), p.tolist(), list(groups))
    report = Agreement(
        n=len(h),
        pearson=_safe(pearsonr(h, p)[0]) if varies else None,
        spearman=_safe(spearmanr(h, p)[0]) if varies else None,
        qwk=None if qwk is None else round(qwk, 4),
        rmse=round(float(np.sqrt(np.mean((h - p) ** 2))), 4),
        mae=round(float(np.mean(np.abs(h - p))), 4),
        per_question_pearson=pqp,
        questions_in_per_question=n_groups,
        pearson_interval=question_interval(human, predicted, groups) if varies else None,
        mean_predicted=round(float(p.mean()), 4),
        mean_human=round(float(h.mean()), 4),
    )
    if labels is not None and all(lab is not None for lab in labels):
        acc, f1, classes = label_metrics([str(lab) for lab in labels], h.tolist(), p.tolist())
        report.accuracy, report.macro_f1, report.label_classes = acc, f1, classes
    return report


def evaluate(
    items: Sequence[EvalItem],
    grade: Callable[[Sequence[GradeRequest]], list[float | None]],
    *,
    bank: Bank | None = None,
) -> Agreement:
    """Grade every item with ``grade`` (a batch function returning overall scores) and compare.

    Items whose grade is pending (``None``) are left out and counted in ``pending``. With a
    ``bank``, a row's ``question`` may be a bank id (see :func:`to_request`).
    """
    scores = grade([to_request(item, bank) for item in items])
    kept = [(item, s) for item, s in zip(items, scores, strict=True) if s is not None]
    if not kept:
        raise InputError("Every answer was left pending: there is nothing to compare.")
    labels = [item.label for item, _ in kept]
    report = agreement(
        [item.score for item, _ in kept],
        [float(s) for _, s in kept],
        [item.group for item, _ in kept],
        labels if all(lab is not None for lab in labels) else None,
    )
    report.pending = len(items) - len(kept)
    return withheld_below_minimum(report)


def withheld_below_minimum(report: Agreement) -> Agreement:
    """``report`` without the correlations and kappa when it has fewer answers than calibrate
    takes them from (``calibration.MIN_AGREEMENT``), with why: ``eval grader`` printed
    "Pearson 1.00 · QWK 0.23" over two answers."""
    from interviewer.calibration import MIN_AGREEMENT, too_few_text

    if report.n >= MIN_AGREEMENT:
        return report
    return report.model_copy(
        update={
            "pearson": None,
            "spearman": None,
            "qwk": None,
            "pearson_interval": None,
            "per_question_pearson": None,
            "questions_in_per_question": 0,
            "too_few": too_few_text(report.n),
        }
    )


def constant_baseline(train: Sequence[EvalItem], test: Sequence[EvalItem]) -> dict[str, float]:
    """RMSE and MAE on ``test`` of always predicting the mean human score of ``train``."""
    mean = float(np.mean([i.score for i in train]))
    h = np.asarray([i.score for i in test], dtype=float)
    return {
        "constant": round(mean, 4),
        "rmse": round(float(np.sqrt(np.mean((h - mean) ** 2))), 4),
        "mae": round(float(np.mean(np.abs(h - mean))), 4),
    }


def build_scorer(
    settings: Settings,
    kind: Literal["offline", "llm"] = "offline",
    *,
    workers: int = 4,
    shipped_scale: bool = False,
) -> Callable[[Sequence[GradeRequest]], list[float | None]]:
    """A batch scorer that grades through the product's path: guards, then the grader.

    No retrieval and no grade cache: the evaluation measures the grader, not the knowledge base.
    The offline grader embeds the whole batch at once first (much faster than answer by answer;
    the grades are the same), on the team's fitted scale when the data folder has one, unless
    ``shipped_scale``. The LLM grader is called from ``workers`` threads.
    """
    from interviewer.bank import bank_questions
    from interviewer.grading import build_grader, shared_embedder, shared_sentence_encoder
    from interviewer.grading.scale import load_team_scale
    from interviewer.grading.service import GradingService
    from interviewer.grading.similarity import CachedEmbedder, SimilarityGrader

    embedder = CachedEmbedder(shared_embedder(settings.models_dir))
    if kind == "offline":
        # The bank as peers, as the product's grader has them: a row that names a bank question
        # is measured from its peers' level, exactly as `interviewer grade` would grade it.
        offline = SimilarityGrader(
            embedder=embedder,
            sentences=shared_sentence_encoder(settings.models_dir),
            prompts_dir=settings.prompts_dir,
            peers=bank_questions(settings),
            # The scale `grade` would use; the published figures are the shipped grader's.
            team_scale=None if shipped_scale else load_team_scale(settings.data_dir),
        )
        grader: Grader = offline
    else:
        grader = build_grader(settings, kind)
    service = GradingService(
        grader=grader,
        retriever=None,
        prompts_dir=settings.prompts_dir,
        models_dir=settings.models_dir,
        cache=None,
        embedder=embedder,
        bank=bank_questions(settings),
    )

    def score(requests: Sequence[GradeRequest]) -> list[float | None]:
        if kind == "offline":
            embedder.warm(t for r in requests for t in offline.texts_to_embed(r))
            return [service.grade(r.question, r.answer).overall for r in requests]
        # Datasets repeat answers (Beetle's short ones especially): each distinct answer to a
        # question costs one LLM call.
        unique = {(r.question.version, r.answer): r for r in requests}
        with ThreadPoolExecutor(max_workers=workers) as pool:
            graded = pool.map(lambda r: service.grade(r.question, r.answer), unique.values())
            grades = dict(zip(unique, graded, strict=True))
        return [grades[(r.question.version, r.answer)].overall for r in requests]

    return score
