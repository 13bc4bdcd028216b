"""Hiring-team calibration: does the automatic grader agree with our interviewers, and which
questions work?

Flow: :func:`parse_human_scores` reads a CSV or JSONL file of human scores (every bad row is
reported with its line number, good rows are kept); :func:`calibrate` grades each distinct
answer once with the automatic grader and computes

- grader vs human agreement, overall and per question: quadratic weighted kappa on scores
  rounded half up to 0-5, Pearson, Spearman, mean absolute error, mean bias (grader minus
  human consensus) and a confusion matrix;
- agreement among the humans: Krippendorff's alpha (interval) and the mean absolute
  difference between two interviewers scoring the same answer, shown next to the grader's
  figures so the team sees whether the grader disagrees with them more than they disagree
  with each other;
- each interviewer's bias against the consensus of the *other* interviewers on the same
  answers (leave-one-out, so a rater is not compared with themself);
- item statistics over every graded answer (imported and from stored sessions): mean,
  spread, difficulty, discrimination (corrected item-total correlation across candidates)
  and a histogram; the human consensus is used where an answer has human scores, the
  automatic grade elsewhere;
- flags per question with a plain-language reason and a suggested action.

The statistics come from scikit-learn (kappa, confusion matrix), scipy (correlations) and
``krippendorff`` (alpha); only the bookkeeping around them is written here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from statistics import fmean
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
from pydantic import BaseModel, Field, ValidationError, field_validator

from interviewer.bank import Bank, Question, adhoc_question
from interviewer.errors import BankError, InputError
from interviewer.grading.base import Grade
from interviewer.grading.evaluation import quadratic_kappa, question_interval
from interviewer.grading.rubric import LEVELS, round_score, score_levels
from interviewer.text import clip
from interviewer.textfile import decode_text

if TYPE_CHECKING:  # pragma: no cover - typing only
    from interviewer.store.repository import Repository

__all__ = [
    "AGREEMENT_NOTE",
    "AnswerGrader",
    "CalibrationItem",
    "CalibrationResult",
    "Consistency",
    "FlagCode",
    "HumanScore",
    "ImportResult",
    "MAX_BYTES",
    "MIN_AGREEMENT",
    "Agreement",
    "ItemStats",
    "QuestionFlag",
    "QuestionStats",
    "RaterStats",
    "RowProblem",
    "SessionScore",
    "agreement",
    "answers_and_questions",
    "calibrate",
    "corrected_item_total",
    "discrimination_text",
    "DISCRIMINATION_NOTE",
    "flag_question",
    "human_alpha",
    "interval_text",
    "item_statistics",
    "load_human_scores",
    "parse_human_scores",
    "rater_biases",
    "round_score",
    "session_scores",
    "too_few_text",
]

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
# Where a row with an unknown question_id is pointed for the bank's ids, on the command line.
_CLI_BANK_IDS = "`interviewer questions list` shows them"
REQUIRED = ("answer", "rater", "score")
OPTIONAL = ("question_id", "question", "reference_answer", "candidate")

# Flag thresholds on the 0-5 scale (see flag_question for the reasoning).
TOO_EASY_MEAN = 4.25
TOO_HARD_MEAN = 1.25
MIN_DISCRIMINATION = 0.2
MIN_ANSWERS = 3
MIN_CANDIDATES = 5
GRADER_MAE = 1.0
GRADER_BIAS = 0.75
ALPHA_TENTATIVE = 0.667  # Krippendorff: below this, not even tentative conclusions
RATER_MAD = 1.0
# QWK, Pearson and Spearman are withheld below this many scored answers (human and grader):
# with no relation at all between the two scores, the Pearson of 3 answers lies beyond +-0.9
# about 29% of the time and that of 4 is as likely anywhere in -1..1 (density of r is
# (1 - r^2)^((n - 4) / 2)); from 5 on it gathers about 0. "QWK 1.00" over two answers read as
# agreement. Discrimination, also a correlation, waits for MIN_CANDIDATES (5) too.
MIN_AGREEMENT = 5

FlagCode = Literal[
    "too_easy", "too_hard", "no_discrimination", "grader_disagrees", "raters_disagree"
]


class AnswerGrader(Protocol):
    """What calibration needs from the grading service."""

    def grade(self, question: Question, answer: str, *, use_cache: bool = True) -> Grade:
        """Grade one answer to one question (``use_cache=False``: grade afresh)."""
        ...


# --- import ---------------------------------------------------------------------------------


class HumanScore(BaseModel):
    """One validated row: an interviewer's score of one answer."""

    line: int
    question: Question
    answer: str
    rater: str = Field(min_length=1)
    score: float = Field(ge=0, le=5)
    candidate: str = ""


class RowProblem(BaseModel):
    """A row that was rejected, with why."""

    line: int
    reason: str


class ImportResult(BaseModel):
    """The good rows of an import and a report of every bad one."""

    rows: list[HumanScore] = Field(default_factory=list)
    problems: list[RowProblem] = Field(default_factory=list)
    ignored_columns: list[str] = Field(default_factory=list)


class _RawRow(BaseModel):
    question_id: str = ""
    question: str = ""
    answer: str
    rater: str
    score: float
    reference_answer: str = ""
    candidate: str = ""

    @field_validator(
        "question_id", "question", "rater", "reference_answer", "candidate", mode="before"
    )
    @classmethod
    def _text(cls, value: object) -> object:
        if value is None:
            return ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value.strip() if isinstance(value, str) else value

    @field_validator("answer", mode="before")
    @classmethod
    def _answer(cls, value: object) -> object:
        if value is None:
            raise ValueError("answer is missing")
        # An empty answer the team scored would be compared with the grader's 0 for "empty"
        # and bias MAE and bias: reported like an empty score.
        if isinstance(value, str) and not value.strip():
            raise ValueError("answer is empty")
        return value

    @field_validator("score", mode="before")
    @classmethod
    def _score(cls, value: object) -> object:
        if value is None:
            raise ValueError("score is empty (null)")
        if isinstance(value, str) and not _score_text(value):
            raise ValueError("score is empty")
        number = _number(value)
        if number is None:
            raise ValueError(f"score {value!r} is not a number from 0 to 5")
        if not 0 <= number <= 5:
            raise ValueError(f"score {value!r} is outside 0-5")
        return number


def _score_text(value: str) -> str:
    """A score as typed: "3,5" (a decimal comma) reads as 3.5."""
    return value.strip().replace(",", ".") if value.count(",") == 1 else value.strip()


def _number(value: object) -> float | None:
    """A score as a number ("3,5" too), or None when it is not one (a bool, NaN, text). The
    row check and the file's scale check (any number, in range or not) both read it."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = float(_score_text(value) if isinstance(value, str) else value)
    except ValueError:
        return None
    return None if math.isnan(number) else number


def load_human_scores(
    path: str, bank: Bank | None = None, *, bank_ids: str = _CLI_BANK_IDS
) -> ImportResult:
    """Read and validate a CSV or JSONL file of human scores.

    ``bank_ids`` is as in :func:`parse_human_scores`.

    Raises:
        InputError: The file is missing, too large, not UTF-8, or lacks required columns.
    """
    from pathlib import Path

    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise InputError(_too_big(size))
        content = file.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{file} does not exist. Give the path of a CSV or JSONL file.") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{file} is a folder. Give the path of a CSV or JSONL file.") from exc
    return parse_human_scores(content, file.name, bank, bank_ids=bank_ids)


def parse_human_scores(
    content: bytes, filename: str, bank: Bank | None = None, *, bank_ids: str = _CLI_BANK_IDS
) -> ImportResult:
    """Validate human scores from the bytes of a CSV or JSONL file.

    Args:
        content: The file's bytes (UTF-8 with or without a BOM, or UTF-16 with one).
        filename: Its name; ``.jsonl``/``.ndjson``/``.json`` mean JSON lines, anything else is
            sniffed (a first character ``{`` means JSON lines, else CSV).
        bank: The question bank, to resolve ``question_id`` and bank question texts.
        bank_ids: Where the reader finds the bank's ids, told with an unknown ``question_id``
            (the command line's by default; the Calibration tab names its own list).

    Raises:
        InputError: Too large, not UTF-8, empty, the header lacks required columns, or the
            scores are on another scale than 0-5.
    """
    if len(content) > MAX_BYTES:
        raise InputError(_too_big(len(content)))
    if content.startswith(_WORKBOOKS):
        raise InputError(
            f"{filename} is a spreadsheet workbook (Excel or LibreOffice), not CSV: save the "
            "sheet as CSV (in Excel: File > Save As > 'CSV UTF-8') and import that file."
        )
    # Excel's "Unicode Text" (UTF-16, tab separated) too: it was refused on its first byte.
    text = decode_text(content, filename, again="import it again (in Excel: 'CSV UTF-8')")
    named_json = filename.lower().endswith((".jsonl", ".ndjson", ".json"))
    if not text.strip():
        # JSON Lines has no header line: "it needs a header" misled there.
        needs = "one JSON object per score" if named_json else "a header and one row per score"
        raise InputError(f"{filename} is empty: it needs {needs}.")
    first_line = text.lstrip().split("\n", 1)[0].strip()
    if named_json and _csv_header(first_line):
        # Each CSV line was reported as "not valid JSON (Expecting value at column 1)".
        raise InputError(
            f"{filename} is named as JSON Lines but holds CSV (its first line is "
            f"{first_line[:80]!r}): rename it to .csv, or write one JSON object per line."
        )
    is_json = named_json or first_line.startswith(("{", "["))
    result = ImportResult()
    raw_rows: Sequence[tuple[int, Mapping[str, object] | str]]
    if is_json:
        if text.lstrip().startswith("["):  # "each line must be a JSON object" said not why
            raise InputError(
                f"{filename} holds one JSON array: write one JSON object per line (JSON Lines, "
                "no enclosing [ ] and no commas between the objects)."
            )
        raw_rows = _json_rows(text)
    else:
        result.ignored_columns, raw_rows = _csv_rows(text, filename)
    _check_scale(raw_rows, filename)
    resolver = _QuestionResolver(bank, bank_ids)
    seen: dict[tuple[str, str, str, str], int] = {}
    for line, raw in raw_rows:
        if len(result.rows) + len(result.problems) >= MAX_ROWS:
            result.problems.append(
                RowProblem(
                    line=line,
                    reason=f"more than {MAX_ROWS} rows: "
                    "the rest of the file was not read; split it",
                )
            )
            break
        if isinstance(raw, str):
            result.problems.append(RowProblem(line=line, reason=raw))
            continue
        try:
            row = _RawRow.model_validate(raw)
            question = resolver.resolve(row)
        except ValidationError as exc:
            result.problems.append(RowProblem(line=line, reason=_reason(exc)))
            continue
        except BankError as exc:
            result.problems.append(RowProblem(line=line, reason=str(exc)))
            continue
        if not row.rater:
            result.problems.append(RowProblem(line=line, reason="rater is empty"))
            continue
        key = (question.id, row.candidate, _norm(row.answer), row.rater)
        if key in seen:
            result.problems.append(
                RowProblem(
                    line=line,
                    reason=f"rater {row.rater!r} already scored this answer on line {seen[key]}",
                )
            )
            continue
        seen[key] = line
        result.rows.append(
            HumanScore(
                line=line,
                question=question,
                answer=row.answer,
                rater=row.rater,
                score=row.score,
                candidate=row.candidate,
            )
        )
    if not result.rows and not result.problems:
        raise InputError(f"{filename} has a header but no rows: add one row per score under it.")
    return result


def _check_scale(rows: Sequence[tuple[int, Mapping[str, object] | str]], filename: str) -> None:
    """Refuse a file scored on another scale (0-10, 0-100): row by row, its high scores were
    rejected and its low ones analysed as 0-5 scores, which says nothing true.

    One score above 5, or a few among many, are typos, rejected row by row; two or more that
    make over a quarter of the scores are a scale.
    """
    scores = [
        number
        for _, raw in rows
        if not isinstance(raw, str) and (number := _number(raw.get("score"))) is not None
    ]
    above = [s for s in scores if s > 5]
    if len(above) < 2 or len(above) * 4 <= len(scores):
        return
    top = max(above)
    scale = next((s for s in (10, 100) if top <= s), None)
    divide = f" (divide by {scale // 5})" if scale else ""
    raise InputError(
        f"{filename}: {len(above)} of {len(scores)} scores are above 5, up to {top:g}, but "
        f"scores run from 0 to 5: rescale them to 0-5{divide} and try again. Nothing was analysed."
    )


# A semicolon file (Excel where the decimal mark is a comma) was told of "a comma inside an
# unquoted answer".
_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
# How .xlsx/.ods (zip) and .xls (OLE) files begin: read as CSV, their bytes named no column.
_WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def _csv_header(line: str) -> bool:
    """Whether a line is a scores file's CSV header (a separator and a required column)."""
    if line.startswith(("{", "[")) or not any(sep in line for sep in ",;\t"):
        return False
    names = {
        n.strip().strip('"').lower() for n in line.replace(";", ",").replace("\t", ",").split(",")
    }
    return bool(names & {*REQUIRED, "question_id", "question"})


def _too_big(size: int) -> str:
    return (
        f"The file is {size / 1_048_576:.1f} MB; the limit is {MAX_BYTES // 1_048_576} MB. "
        "Split it into smaller files and import them one by one."
    )


def _csv_rows(text: str, filename: str) -> tuple[list[str], list[tuple[int, dict[str, str] | str]]]:
    """(ignored columns, rows): a row is its values by column, or the reason it is unreadable."""
    # Spreadsheets write doubled quotes and quoted line breaks (the excel dialect) and differ
    # only in the delimiter, which the header line shows: a dialect sniffer, which reads a
    # sample, guessed "no doubled quotes" when the first quote came late and split those rows.
    header_line = (text.lstrip("\ufeff").splitlines() or [""])[0]  # "\r" ends a line too
    delimiter = max(",;\t", key=lambda d: len(next(csv.reader([header_line], delimiter=d), [])))
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    try:
        header = [h.strip().lower().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        raise InputError(f"{filename} is empty.") from None
    except csv.Error as exc:
        raise InputError(
            f"{filename}: the header line is not readable CSV ({exc}). The first line must "
            "name the columns, e.g. question_id,answer,rater,score."
        ) from None
    _check_columns(header, filename)
    ignored = [h for h in header if h not in REQUIRED + OPTIONAL]
    rows: list[tuple[int, dict[str, str] | str]] = []
    start = reader.line_num + 1
    try:
        for values in reader:
            line, start = start, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                rows.append(
                    (
                        line,
                        f"{len(values)} fields where the header has {len(header)} "
                        f"(a {_SEPARATORS[delimiter]} inside an answer not in double quotes?)",
                    )
                )
                continue
            rows.append((line, dict(zip(header, values, strict=True))))
    except csv.Error as exc:
        rows.append((start, f"unreadable CSV: {exc}; the rest of the file was not read"))
    return ignored, rows


def _check_columns(header: list[str], filename: str) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if "question_id" not in header and "question" not in header:
        missing.append("question_id or question")
    if missing:
        raise InputError(
            f"{filename} lacks the column{'s' * (len(missing) > 1)} {', '.join(missing)}; "
            f"found {', '.join(header) or 'none'}. "
            "Expected a header with question_id (or question), answer, rater, score and optionally "
            "reference_answer and candidate."
        )


def _json_rows(text: str) -> list[tuple[int, dict[str, object] | str]]:
    rows: list[tuple[int, dict[str, object] | str]] = []
    # Split on "\n" only: splitlines() also breaks inside JSON strings holding U+2028 etc.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            # Some messages end in "at" ("Unterminated string starting at"): not "at at".
            where = exc.msg.removesuffix(" at")
            rows.append((number, f"not valid JSON ({where} at column {exc.colno})"))
            continue
        if not isinstance(value, dict):
            rows.append((number, "each line must be a JSON object"))
            continue
        missing = [c for c in REQUIRED if c not in value]
        if "question_id" not in value and "question" not in value:
            missing.append("question_id or question")
        if missing:
            rows.append((number, f"missing field{'s' * (len(missing) > 1)}: {', '.join(missing)}"))
            continue
        rows.append((number, value))
    return rows


def _reason(exc: ValidationError) -> str:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"])
    message = str(err["msg"]).removeprefix("Value error, ")
    return message if field in message else f"{field}: {message}"


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


class _QuestionResolver:
    """Maps a row to a bank question (by id or by text) or an ad-hoc one (text + reference)."""

    def __init__(self, bank: Bank | None, bank_ids: str = _CLI_BANK_IDS) -> None:
        self.bank = bank
        self.bank_ids = bank_ids
        self.adhoc: dict[tuple[str, str], Question] = {}

    def _bank_text(self, text: str) -> Question | None:
        """The bank question with this text (see :meth:`Bank.find`).

        Raises:
            BankError: The text matches two bank questions up to punctuation.
        """
        if self.bank is None:
            return None
        try:
            return self.bank.find(text)
        except BankError as exc:
            raise BankError(f"question {exc} in a question_id column") from None

    def _closest(self, text: str) -> str:
        """' (closest: q04 'What is mode…')' for a text near one bank question, else ''."""
        return self.bank.closest_note(text) if self.bank is not None else ""

    def _check_text(self, named: Question, text: str) -> None:
        """Refuse a row whose question text is another bank question's than its id's: its
        score would count for the wrong question (q04 with q01's text was scored as q04)."""
        if not text or self.bank is None:
            return
        try:
            found = self.bank.find(text)
        except BankError:  # the text is two questions' up to punctuation: the id says which
            return
        if found is not None and found.id != named.id:
            raise BankError(
                f"question_id {named.id} is {clip(named.text, 40)!r} but the question text is "
                f"{found.id}'s ({clip(found.text, 40)!r}): correct the question_id or the question"
            )

    def resolve(self, row: _RawRow) -> Question:
        if row.question_id:
            if self.bank is None:
                raise BankError(
                    f"question_id {row.question_id!r} given but no question bank loaded: fix the "
                    "bank, or give question text and reference_answer instead"
                )
            try:
                named = self.bank.get(self.bank.id_for(row.question_id))  # "Q04" finds q04
            except BankError:
                if not (row.question and row.reference_answer):
                    raise BankError(
                        f"unknown question_id {row.question_id!r}{self._closest(row.question_id)}:"
                        f" use an id of the bank ({self.bank_ids}), or give question text and "
                        "reference_answer for a question outside the bank"
                    ) from None
            else:
                self._check_text(named, row.question)
                return named
        if not row.question:
            raise BankError("neither question_id nor question is given")
        found = self._bank_text(row.question) if not row.reference_answer else None
        if found is not None:
            return found
        if not row.reference_answer:
            closest = self._closest(row.question)
            raise BankError(
                f"question {clip(row.question, 60)!r} is not in the bank{closest}:"
                " give its question_id or the bank's text, or add a reference_answer column to "
                "grade it as a question outside the bank"
            )
        key = (_norm(row.question), _norm(row.reference_answer))
        if key not in self.adhoc:
            self.adhoc[key] = adhoc_question(row.question, row.reference_answer)
        return self.adhoc[key]


# --- statistics -------------------------------------------------------------------------------


class Agreement(BaseModel):
    """Grader-vs-human agreement on paired scores."""

    n: int
    too_few: str | None = Field(
        default=None,
        description="Why QWK, Pearson and Spearman are null: fewer than MIN_AGREEMENT answers",
    )
    qwk: float | None = None
    pearson: float | None = None
    spearman: float | None = None
    mae: float | None = None
    bias: float | None = Field(default=None, description="Mean of grader minus human")
    confusion: list[list[int]] = Field(
        default_factory=list, description="Rows: human score 0-5 (rounded); columns: grader score"
    )


def interval_text(bounds: tuple[float, float] | None) -> str:
    """' (90% 0.41–0.77 over questions)' for a figure's interval, '' when there is none."""
    return "" if bounds is None else f" (90% {bounds[0]:.2f}–{bounds[1]:.2f} over questions)"


def too_few_text(n: int) -> str:
    """Shown instead of QWK and the correlations of ``n`` answers, below :data:`MIN_AGREEMENT`."""
    return f"too few scored answers (n = {n}; at least {MIN_AGREEMENT} needed)"


AGREEMENT_NOTE = (
    f"QWK, Pearson and Spearman need {MIN_AGREEMENT} answers scored by both an interviewer and "
    "the grader: over fewer, scores that have nothing to do with each other reach ±1 as easily "
    "as 0."
)


def agreement(grader: Sequence[float], human: Sequence[float]) -> Agreement:
    """Agreement between grader scores and human scores of the same answers.

    Kappa and correlations are None, with ``too_few`` saying why, below
    :data:`MIN_AGREEMENT` pairs (a question scored on two answers showed QWK 1.00, and Pearson
    -1.00 before); correlations also when either side is constant, kappa when it is undefined
    (both sides one single level).
    """
    from scipy.stats import pearsonr, spearmanr
    from sklearn.metrics import confusion_matrix

    n = len(grader)
    too_few = too_few_text(n) if n < MIN_AGREEMENT else None
    if n == 0:
        return Agreement(n=0, too_few=too_few)
    g = np.asarray(grader, dtype=float)
    h = np.asarray(human, dtype=float)
    qwk = None if too_few else quadratic_kappa(h, g)
    varied = not too_few and float(np.std(g)) > 0 and float(np.std(h)) > 0
    return Agreement(
        n=n,
        too_few=too_few,
        qwk=_r(qwk),
        pearson=_r(_finite(pearsonr(g, h).statistic)) if varied else None,
        spearman=_r(_finite(spearmanr(g, h).statistic)) if varied else None,
        mae=_r(float(np.mean(np.abs(g - h)))),
        bias=_r(float(np.mean(g - h))),
        confusion=confusion_matrix(score_levels(h), score_levels(g), labels=LEVELS).tolist(),
    )


def human_alpha(ratings: Sequence[dict[str, float]]) -> float | None:
    """Krippendorff's alpha (interval) among raters; each element maps rater -> score of one answer.

    None when undefined: fewer than two raters, fewer than two answers scored twice (with one,
    any difference between its two scores gave alpha 0 and a "raters disagree" flag), or no
    variation at all.
    """
    import krippendorff

    raters = sorted({r for unit in ratings for r in unit})
    pairable = [u for u in ratings if len(u) >= 2]
    if len(raters) < 2 or len(pairable) < 2:
        return None
    values = [v for u in pairable for v in u.values()]
    if max(values) == min(values):
        return None
    matrix = np.array([[u.get(r, np.nan) for u in pairable] for r in raters], dtype=float)
    return _r(_finite(krippendorff.alpha(reliability_data=matrix, level_of_measurement="interval")))


def human_mad(ratings: Sequence[dict[str, float]]) -> float | None:
    """Mean absolute difference between two raters of the same answer (over all rater pairs)."""
    diffs = []
    for unit in ratings:
        scores = list(unit.values())
        diffs += [abs(a - b) for i, a in enumerate(scores) for b in scores[i + 1 :]]
    return _r(fmean(diffs)) if diffs else None


class RaterStats(BaseModel):
    """One interviewer against the consensus of the others on the same answers."""

    rater: str
    n: int = Field(description="Answers this rater scored")
    compared: int = Field(description="Of which also scored by someone else")
    mean: float
    bias: float | None = Field(default=None, description="Mean of (own score - others' mean)")
    mae: float | None = None
    grader_bias: float | None = Field(default=None, description="Mean of (grader - own score)")


def rater_biases(items: Sequence[CalibrationItem]) -> list[RaterStats]:
    """Each rater's leave-one-out bias against the other raters of the same answers."""
    own: dict[str, list[float]] = defaultdict(list)
    diffs: dict[str, list[float]] = defaultdict(list)
    grader_diffs: dict[str, list[float]] = defaultdict(list)
    for item in items:
        for rater, score in item.ratings.items():
            own[rater].append(score)
            others = [s for r, s in item.ratings.items() if r != rater]
            if others:
                diffs[rater].append(score - fmean(others))
            if item.auto is not None:
                grader_diffs[rater].append(item.auto - score)
    return [
        RaterStats(
            rater=rater,
            n=len(scores),
            compared=len(diffs[rater]),
            mean=_r(fmean(scores)) or 0.0,
            bias=_r(fmean(diffs[rater])) if diffs[rater] else None,
            mae=_r(fmean(abs(d) for d in diffs[rater])) if diffs[rater] else None,
            grader_bias=_r(fmean(grader_diffs[rater])) if grader_diffs[rater] else None,
        )
        for rater, scores in sorted(own.items())
    ]


class SessionScore(BaseModel):
    """A graded answer from a stored interview session, for item statistics."""

    question_id: str
    candidate: str
    score: float
    answer: str = Field(default="", description="The graded text, to spot one also imported")


class ItemStats(BaseModel):
    """Classical item statistics of one question over every graded answer."""

    answers: int = 0
    candidates: int = 0
    mean: float | None = None
    sd: float | None = None
    difficulty: float | None = Field(
        default=None, description="Share of the points candidates miss: 0 easy, 1 hard"
    )
    discrimination: float | None = Field(
        default=None,
        description="Corrected item-total correlation across candidates (None below "
        "MIN_CANDIDATES of them)",
    )
    discrimination_candidates: int = Field(
        default=0, description="Candidates who answered this and another question"
    )
    histogram: list[int] = Field(default_factory=lambda: [0] * 6)


def corrected_item_total(scores: dict[str, dict[str, float]], question_id: str) -> float | None:
    """Pearson correlation, across candidates, of the score on one question with the mean
    score on the *other* questions ("corrected": the item itself is left out of the total).

    Args:
        scores: candidate -> question id -> score.
        question_id: The question.

    Returns:
        None with fewer than three candidates who answered it and another question, or when
        either side does not vary.
    """
    from scipy.stats import pearsonr

    xs, ys = [], []
    for per_question in scores.values():
        if question_id not in per_question:
            continue
        rest = [s for q, s in per_question.items() if q != question_id]
        if rest:
            xs.append(per_question[question_id])
            ys.append(fmean(rest))
    if len(xs) < 3 or np.std(xs) == 0 or np.std(ys) == 0:
        return None
    return _r(_finite(pearsonr(xs, ys).statistic))


def item_statistics(entries: Iterable[tuple[str, str, float]]) -> dict[str, ItemStats]:
    """Item statistics per question from (question id, candidate, score) triples.

    A candidate's several answers to the same question are averaged first. Discrimination is
    given from :data:`MIN_CANDIDATES` candidates who answered the question and another one: a
    correlation over three or four is noise (it was shown from three and flagged from five).
    """
    collected: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    by_question: dict[str, list[float]] = defaultdict(list)
    for question_id, candidate, score in entries:
        collected[candidate][question_id].append(score)
        by_question[question_id].append(score)
    per_candidate = {c: {q: fmean(v) for q, v in qs.items()} for c, qs in collected.items()}
    out = {}
    for question_id, values in by_question.items():
        mean = fmean(values)
        compared = sum(1 for qs in per_candidate.values() if question_id in qs and len(qs) > 1)
        histogram = [0] * 6
        for value in values:
            histogram[round_score(value)] += 1
        out[question_id] = ItemStats(
            answers=len(values),
            candidates=sum(1 for qs in per_candidate.values() if question_id in qs),
            mean=_r(mean),
            sd=_r(float(np.std(values, ddof=1))) if len(values) > 1 else 0.0,
            difficulty=_r(1 - mean / 5),
            discrimination=corrected_item_total(per_candidate, question_id)
            if compared >= MIN_CANDIDATES
            else None,
            discrimination_candidates=compared,
            histogram=histogram,
        )
    return out


def discrimination_text(items: ItemStats) -> str:
    """A question's discrimination as the tables show it: the figure, "too few" below
    :data:`MIN_CANDIDATES` candidates (not a figure that means nothing yet), "–" when the
    scores do not vary."""
    if items.discrimination is not None:
        return f"{items.discrimination:.2f}"
    return "too few" if items.discrimination_candidates < MIN_CANDIDATES else "–"


DISCRIMINATION_NOTE = (
    f"Discr. (discrimination) needs {MIN_CANDIDATES} candidates who answered the question and "
    "another one (the candidate column names them); 'too few' marks a question with fewer."
)


# --- flags ------------------------------------------------------------------------------------


class QuestionFlag(BaseModel):
    """A problem with a question, in plain language, with what to do about it."""

    code: FlagCode
    reason: str
    action: str


class Consistency(BaseModel):
    """Score spread when the same answers are graded several times (``--repeat``)."""

    answers: int
    repeats: int
    mean_sd: float = Field(description="Mean over answers of the standard deviation of its grades")
    max_range: float = Field(description="Largest max-min spread of one answer's grades")


class QuestionStats(BaseModel):
    """Every calibration figure for one question."""

    question_id: str
    text: str
    n: int = Field(description="Answers with both a human and an automatic score")
    too_few: str | None = Field(
        default=None,
        description="Why QWK, Pearson and Spearman are null: fewer than MIN_AGREEMENT answers",
    )
    qwk: float | None = None
    pearson: float | None = None
    spearman: float | None = None
    mae: float | None = None
    bias: float | None = None
    alpha: float | None = None
    human_mad: float | None = None
    human_mean: float | None = None
    grader_mean: float | None = None
    confusion: list[list[int]] = Field(default_factory=list)
    items: ItemStats = Field(default_factory=ItemStats)
    consistency: Consistency | None = None
    flags: list[QuestionFlag] = Field(default_factory=list)


def flag_question(stats: QuestionStats, rated_units: int) -> list[QuestionFlag]:
    """Flags for one question.

    Args:
        stats: The question's figures.
        rated_units: Answers scored by at least two interviewers (alpha needs a few of them).
    """
    flags: list[QuestionFlag] = []
    items = stats.items
    if items.mean is not None and items.answers >= MIN_ANSWERS:
        if items.mean >= TOO_EASY_MEAN:
            flags.append(
                QuestionFlag(
                    code="too_easy",
                    reason=f"Candidates score {items.mean:.1f}/5 on average over {items.answers} "
                    "answers: nearly everyone gets it, so it says little about who is stronger.",
                    action="Make it harder (ask for mechanisms, trade-offs or failure modes) "
                    "or drop it.",
                )
            )
        elif items.mean <= TOO_HARD_MEAN:
            flags.append(
                QuestionFlag(
                    code="too_hard",
                    reason=f"Candidates score {items.mean:.1f}/5 on average over {items.answers} "
                    "answers: almost nobody reaches the key points.",
                    action="Check that the key points and model answer are fair for the level; "
                    "rewrite the key points, lower its difficulty, or drop it.",
                )
            )
    if items.discrimination is not None and items.discrimination < MIN_DISCRIMINATION:
        flags.append(
            QuestionFlag(
                code="no_discrimination",
                reason=f"Scores on this question do not follow candidates' scores on the other "
                f"questions (corrected item-total r = {items.discrimination:.2f} over "
                f"{items.discrimination_candidates} candidates): strong candidates do no better "
                "here.",
                action="Rewrite the key points so they reward understanding rather than wording, "
                "or drop the question.",
            )
        )
    if stats.n >= MIN_ANSWERS and stats.mae is not None and stats.bias is not None:
        worse_than_humans = stats.human_mad is None or stats.mae > stats.human_mad + 0.25
        if (stats.mae >= GRADER_MAE or abs(stats.bias) >= GRADER_BIAS) and worse_than_humans:
            # A small bias next to a large error means misses both ways, not a tilt.
            if abs(stats.bias) >= stats.mae / 2:
                direction = "mostly higher" if stats.bias > 0 else "mostly lower"
            else:
                direction = "higher for some answers and lower for others"
            humans = (
                f", while interviewers differ from each other by {stats.human_mad:.1f}"
                if stats.human_mad is not None
                else ""
            )
            flags.append(
                QuestionFlag(
                    code="grader_disagrees",
                    reason=f"The automatic grade is {stats.mae:.1f} points away from the "
                    "interviewers' "
                    f"on average ({direction}, bias {stats.bias:+.1f}){humans}.",
                    action="Rewrite the key points to match what interviewers reward, or adjust "
                    "the "
                    "rubric; review this question's automatic grades by hand until they agree.",
                )
            )
    # Alpha alone over-flags questions where everyone scores alike (little variance to agree
    # on), so a low alpha counts only when the raters are also half a point apart or more.
    alpha_low = (
        stats.alpha is not None
        and rated_units >= MIN_ANSWERS
        and stats.alpha < ALPHA_TENTATIVE
        and (stats.human_mad or 0.0) >= RATER_MAD / 2
    )
    mad_high = stats.human_mad is not None and stats.human_mad >= RATER_MAD
    if alpha_low or mad_high:
        parts = []
        if stats.alpha is not None:
            parts.append(f"Krippendorff's alpha {stats.alpha:.2f}")
        if stats.human_mad is not None:
            parts.append(f"{stats.human_mad:.1f} points apart on average")
        flags.append(
            QuestionFlag(
                code="raters_disagree",
                reason="Interviewers disagree with each other on this question ("
                + ", ".join(parts)
                + ").",
                action="Agree a scoring guide: adjust the rubric's level descriptors and the key "
                "points, then score a few answers together.",
            )
        )
    return flags


# --- the whole run ----------------------------------------------------------------------------


class CalibrationItem(BaseModel):
    """One distinct answer: its human scores and its automatic grade."""

    question_id: str
    candidate: str = ""
    answer: str
    ratings: dict[str, float]
    auto: float | None = None
    grader_flags: list[str] = Field(default_factory=list)

    @property
    def human(self) -> float:
        """Consensus: the mean of the interviewers' scores."""
        return fmean(self.ratings.values())


class OverallStats(Agreement):
    """Agreement over every question, with the humans' own agreement next to it."""

    qwk_interval: tuple[float, float] | None = Field(
        default=None,
        description="90% interval of QWK when whole questions are resampled "
        "(None with fewer than 5 questions)",
    )
    alpha: float | None = None
    human_mad: float | None = None
    pending: int = Field(default=0, description="Answers the grader could not grade (left out)")
    answers: int = 0
    ratings: int = 0
    raters: int = 0


class CalibrationResult(BaseModel):
    """Everything a calibration run found."""

    overall: OverallStats
    questions: list[QuestionStats]
    raters: list[RaterStats]
    items: list[CalibrationItem]
    problems: list[RowProblem] = Field(default_factory=list)
    ignored_columns: list[str] = Field(default_factory=list)
    grader: str = ""
    session_answers: int = Field(default=0, description="Graded session answers in item stats")
    repeat: int = 1

    def to_json(self) -> dict[str, object]:
        """The documented JSON shape: ``overall``, ``questions`` (each with ``flags``), and more."""
        data = self.model_dump(mode="json")
        for question in data["questions"]:  # type: ignore[union-attr]
            question.update(question.pop("items"))  # item statistics at the question's top level
        return data


def calibrate(
    imported: ImportResult,
    grader: AnswerGrader,
    *,
    session_scores: Sequence[SessionScore] = (),
    repeat: int = 1,
    repeat_sample: int = 30,
    grader_label: str = "",
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> CalibrationResult:
    """Grade the imported answers and compute every calibration figure.

    Args:
        imported: Validated human scores.
        grader: The automatic grader (the grading service).
        session_scores: Graded answers from stored sessions, for item statistics.
        repeat: Grade a sample this many times to measure the grader's consistency (1 = off).
        repeat_sample: Answers in that sample at most (spread over the questions).
        grader_label: Who graded, for the report (kind, model, prompt version).
        progress: Called with (done, total) after each grade.
        workers: Answers graded at the same time (for LLM graders; the offline one is CPU-bound).

    Raises:
        InputError: No valid row to calibrate on.
    """
    if not imported.rows:
        raise InputError("No valid row to calibrate on: fix the rows listed and import again.")
    questions = {row.question.id: row.question for row in imported.rows}
    items = _group(imported.rows)

    def grade_one(item: CalibrationItem) -> Grade:
        return grader.grade(questions[item.question_id], item.answer)

    # LLM graders wait on the network: a few requests in flight; results keep the input order.
    grades: list[Grade] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for index, (item, grade) in enumerate(zip(items, pool.map(grade_one, items), strict=True)):
            if grade.status == "graded" and grade.overall is not None:
                item.auto = grade.overall
            item.grader_flags = [str(f) for f in grade.flags]
            grades.append(grade)
            if progress:
                progress(index + 1, len(items))
    grader_label = grader_label or _grader_label(grades)
    consistency = (
        _consistency(grader, questions, items, repeat, repeat_sample) if repeat > 1 else {}
    )

    paired = [i for i in items if i.auto is not None]
    entries = [(i.question_id, i.candidate or f"answer:{n}", i.human) for n, i in enumerate(items)]
    # A stored answer the team also scored in the file is one answer, not two: counted twice,
    # it doubled the question's histogram and weighed twice in its statistics.
    imported_answers = {(i.question_id, _norm(i.answer)) for i in items}
    stored = [
        (s.question_id, s.candidate, s.score)
        for s in session_scores
        if not s.answer or (s.question_id, _norm(s.answer)) not in imported_answers
    ]
    item_stats = item_statistics(entries + stored)

    per_question = []
    for question_id, question in questions.items():
        q_items = [i for i in items if i.question_id == question_id]
        q_paired = [i for i in q_items if i.auto is not None]
        agreed = agreement([i.auto or 0.0 for i in q_paired], [i.human for i in q_paired])
        ratings = [i.ratings for i in q_items]
        stats = QuestionStats(
            question_id=question_id,
            text=question.text,
            **agreed.model_dump(),
            alpha=human_alpha(ratings),
            human_mad=human_mad(ratings),
            human_mean=_r(fmean(i.human for i in q_items)),
            grader_mean=_r(fmean(i.auto or 0.0 for i in q_paired)) if q_paired else None,
            items=item_stats.get(question_id, ItemStats()),
            consistency=consistency.get(question_id),
        )
        stats.flags = flag_question(stats, sum(1 for r in ratings if len(r) >= 2))
        per_question.append(stats)

    auto = [i.auto or 0.0 for i in paired]
    human = [i.human for i in paired]
    overall_agreement = agreement(auto, human)
    all_ratings = [i.ratings for i in items]
    overall = OverallStats(
        **overall_agreement.model_dump(),
        # A team scores a handful of questions: how far the figure could move with others.
        qwk_interval=question_interval(
            human, auto, [i.question_id for i in paired], quadratic_kappa
        ),
        alpha=human_alpha(all_ratings),
        human_mad=human_mad(all_ratings),
        pending=len(items) - len(paired),
        answers=len(items),
        ratings=len(imported.rows),
        raters=len({r.rater for r in imported.rows}),
    )
    return CalibrationResult(
        overall=overall,
        questions=per_question,
        raters=rater_biases(items),
        items=items,
        problems=imported.problems,
        ignored_columns=imported.ignored_columns,
        grader=grader_label,
        # Those the statistics shown took in: "also count 7 stored answers" was said when all
        # 7 were the file's own answers, counted once, and of questions the file has none of.
        session_answers=sum(1 for question_id, _, _ in stored if question_id in questions),
        repeat=repeat,
    )


def session_scores(repository: Repository) -> list[SessionScore]:
    """Every graded answer of the stored sessions (newest grade per answer), for item statistics.

    Answers of anonymous sessions count as one candidate per session.
    """
    candidates: dict[str, str] = {}
    answers: dict[int, str] = {}
    out = []
    for record in repository.final_grades():
        if record.overall is None:
            continue
        if record.session_id not in candidates:
            session = repository.find_session(record.session_id)
            name = session.candidate if session and session.candidate else ""
            candidates[record.session_id] = name or f"session:{record.session_id}"
            answers.update(
                (t.id, t.graded_answer)
                for t in repository.turns(record.session_id)
                if t.id is not None
            )
        out.append(
            SessionScore(
                question_id=record.question_id,
                candidate=candidates[record.session_id],
                score=record.overall,
                answer=answers.get(record.turn_id, ""),
            )
        )
    return out


def answers_and_questions(imported: ImportResult) -> tuple[int, int]:
    """How many distinct answers and questions the rows hold (as :func:`calibrate` counts)."""
    return len(_group(imported.rows)), len({row.question.id for row in imported.rows})


def _group(rows: Sequence[HumanScore]) -> list[CalibrationItem]:
    """One item per distinct (question, candidate, answer), carrying every rater's score."""
    items: dict[str, CalibrationItem] = {}
    for row in rows:
        key = hashlib.sha256(
            f"{row.question.id}\n{row.candidate}\n{_norm(row.answer)}".encode()
        ).hexdigest()
        item = items.setdefault(
            key,
            CalibrationItem(
                question_id=row.question.id, candidate=row.candidate, answer=row.answer, ratings={}
            ),
        )
        item.ratings[row.rater] = row.score
    return list(items.values())


def _consistency(
    grader: AnswerGrader,
    questions: dict[str, Question],
    items: Sequence[CalibrationItem],
    repeat: int,
    sample: int,
) -> dict[str, Consistency]:
    """Grade a sample (spread evenly over questions, fixed seed) ``repeat`` times."""
    by_question: dict[str, list[CalibrationItem]] = defaultdict(list)
    for item in items:
        by_question[item.question_id].append(item)
    rng = random.Random(0)
    per_question = max(1, sample // max(1, len(by_question)))
    out = {}
    for question_id, q_items in by_question.items():
        chosen = rng.sample(q_items, min(per_question, len(q_items)))
        sds, ranges = [], []
        for item in chosen:
            # Past the cache: a cached grade would come back identical and hide the spread.
            grades = (
                grader.grade(questions[question_id], item.answer, use_cache=False)
                for _ in range(repeat)
            )
            scores = [g.overall for g in grades if g.status == "graded" and g.overall is not None]
            if len(scores) >= 2:
                sds.append(float(np.std(scores, ddof=1)))
                ranges.append(max(scores) - min(scores))
        if sds:
            out[question_id] = Consistency(
                answers=len(sds),
                repeats=repeat,
                mean_sd=_r(fmean(sds)) or 0.0,
                max_range=_r(max(ranges)) or 0.0,
            )
    return out


def _grader_label(grades: Sequence[Grade]) -> str:
    """Who graded the file: the first grade the grader itself made. The first answer's grade
    had named it, so a file opening with an empty or off-topic answer read "grader guard" (the
    checks that turned it away) and one opening with an LLM failure "grader offline"."""
    chosen = next(
        (g for g in grades if g.grader.kind != "guard" and "fallback" not in g.flags),
        next((g for g in grades if g.grader.kind != "guard"), grades[0] if grades else None),
    )
    return _label(chosen) if chosen else ""


def _label(grade: Grade) -> str:
    info = grade.grader
    parts = [info.kind]
    if info.model:
        parts.append(info.model)
    if info.prompt_version:
        parts.append(f"prompt {info.prompt_version}")
    return ", ".join(parts)


def _finite(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) or math.isinf(number) else number


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)
