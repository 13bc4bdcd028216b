"""The question bank: typed questions loaded from ``knowledge/questions.yaml``.

The YAML goes through ``safe_load`` and then strict pydantic validation (unknown fields are
rejected), so a typo fails at start-up with the entry named, not in the middle of an interview.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from interviewer.errors import BankError, InputError, InterviewerError, validation_message
from interviewer.text import clip
from interviewer.textfile import text_of, yaml_place

if TYPE_CHECKING:
    from interviewer.settings import Settings

log = logging.getLogger(__name__)

__all__ = [
    "BANK_FILE",
    "MAX_KEY_POINTS",
    "QUESTION_ID",
    "Bank",
    "BankReader",
    "Question",
    "QuestionInput",
    "SourceRef",
    "adhoc_question",
    "bank_path",
    "bank_questions",
    "citation_problems",
    "load_bank",
    "load_default_bank",
    "markdown_headings",
    "question_key",
    "reference_key_points",
    "resolve_question",
]

BANK_FILE = "questions.yaml"
QUESTION_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"  # a question's id: one word, no spaces

# ATX headings ("## Title", optional closing hashes); fenced code is skipped separately.
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


MAX_KEY_POINTS = 8  # a question's key points at most (imports and drafts are held to it)


class SourceRef(BaseModel):
    """Where a question's reference material lives: a knowledge document and a heading in it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: str = Field(min_length=1, description="File name in knowledge/, e.g. gan-basics.md")
    heading: str = Field(default="", description="Heading text within the document")


class Question(BaseModel):
    """One interview question with what a strong answer contains."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=QUESTION_ID)
    text: str = Field(min_length=5)
    topic: str = Field(min_length=1)
    difficulty: int = Field(ge=1, le=3)
    key_points: list[str] = Field(min_length=1, max_length=MAX_KEY_POINTS)
    model_answer: str = ""
    alternative_answers: list[str] = Field(
        default_factory=list,
        max_length=16,
        description="Other complete answers a grader accepts (another correct explanation); "
        "an answer is graded against whichever of these and the model answer it matches best.",
    )
    sources: list[SourceRef] = Field(default_factory=list)
    merged_from: list[str] = Field(
        default_factory=list, description="Source questions deduplicated into this one."
    )
    status: Literal["approved", "draft"] = "approved"
    drafted_by: str = Field(
        default="",
        description="How missing key points/model answer were drafted: 'llm:<model>', "
        "'extracted' (from reference material) or 'answer' (from the imported answer).",
    )
    draft_note: str = Field(default="", description="What the reviewer should know about it.")

    @field_validator("key_points")
    @classmethod
    def _no_empty_key_points(cls, value: list[str]) -> list[str]:
        cleaned = [kp.strip() for kp in value]
        if any(not kp for kp in cleaned):
            raise ValueError("key points must not be empty")
        return cleaned

    @field_validator("alternative_answers")
    @classmethod
    def _no_empty_alternatives(cls, value: list[str]) -> list[str]:
        return [a.strip() for a in value if a.strip()]

    @property
    def version(self) -> str:
        """Content hash: grades point at the exact version of the question they were graded on."""
        payload = self.model_dump(include={"text", "key_points", "model_answer"})
        if self.alternative_answers:  # only then: older questions keep their versions
            payload["alternative_answers"] = self.alternative_answers
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]


class Bank(BaseModel):
    """All questions, in bank order."""

    model_config = ConfigDict(extra="forbid")

    questions: list[Question]
    _texts: _TextIndex | None = PrivateAttr(default=None)

    def find(self, text: str) -> Question | None:
        """The bank question whose text this is, as terminals and spreadsheets garble it:
        exactly (up to whitespace and case) first, else by :func:`question_key`.

        Raises:
            BankError: The text matches two bank questions up to punctuation (both are named).
        """
        index = self._index()
        exact = index.by_text.get(_norm(text))
        if exact is not None:
            return exact
        matches = index.by_key.get(question_key(text), [])
        if len(matches) > 1:
            raise BankError(
                f"{clip(text, 60)!r} matches bank questions {', '.join(q.id for q in matches)} up "
                "to punctuation: give the id of the one you mean"
            )
        return matches[0] if matches else None

    def closest(self, typed: str) -> Question | None:
        """The one bank question near a text or id that matches none ("q4" for q04, "drop-out
        in neural nets" for "dropout in neural networks"), else None."""
        index = self._index()
        if re.match(QUESTION_ID, typed.strip()):
            same = [q for q in self.questions if _id_shape(q.id) == _id_shape(typed)]
            if len(same) == 1:
                return same[0]
        near = difflib.get_close_matches(question_key(typed), list(index.by_key), n=1, cutoff=0.8)
        if not near or len(index.by_key[near[0]]) > 1:
            return None
        return index.by_key[near[0]][0]

    def closest_note(self, typed: str) -> str:
        """' (closest: q04 'What is mode…')' when :meth:`closest` finds one, else ''."""
        near = self.closest(typed)
        return f" (closest: {near.id} {clip(near.text, 60)!r})" if near is not None else ""

    def _index(self) -> _TextIndex:
        # Rebuilt when a question's text changes (the bank editor edits questions in place).
        texts = tuple(q.text for q in self.questions)
        if self._texts is None or self._texts.texts != texts:
            self._texts = _TextIndex(self.questions, texts)
        return self._texts

    def get(self, question_id: str) -> Question:
        """Return the question with this id.

        Raises:
            BankError: No such question; the message lists how to see the valid ids.
        """
        for question in self.questions:
            if question.id == question_id:
                return question
        raise BankError(
            f"No question with id {question_id!r}. Run `interviewer questions list` to see the ids."
        )

    def id_for(self, typed: str) -> str:
        """The bank's id for an id typed in another case ("Q04" for "q04", as ids are typed by
        hand in a terminal or a spreadsheet); anything else, free question text included, as
        typed. An exact id comes first."""
        if any(q.id == typed for q in self.questions):
            return typed
        matches = [q.id for q in self.questions if q.id.casefold() == typed.strip().casefold()]
        return matches[0] if len(matches) == 1 else typed

    def topics(self) -> list[str]:
        """Distinct topics in bank order."""
        return list(dict.fromkeys(q.topic for q in self.questions))

    def filter(
        self, topics: Iterable[str] | None = None, difficulty: int | None = None
    ) -> list[Question]:
        """Questions matching the given topics and difficulty (None means any)."""
        wanted = set(topics) if topics else None
        return [
            q
            for q in self.questions
            if (wanted is None or q.topic in wanted)
            and (difficulty is None or q.difficulty == difficulty)
        ]


# Apostrophes join the letters around them ("what's" and "whats" are one word); every other
# punctuation mark (quotes, dashes, "?", ".") separates words, the minus sign as a dash.
_QUOTES_DASHES: dict[int, str | None] = {
    **dict.fromkeys(map(ord, "'\u2018\u2019\u02bc`\u00b4")),
    ord("\u2212"): "-",
}


def question_key(text: str) -> str:
    """A question's text as spreadsheets and terminals garble it alike: NFKC, case,
    whitespace, curly or straight quotes, any dash, and punctuation ("What is a GAN" finds
    "What is a GAN?")."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES_DASHES)
    spaced = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return _norm(spaced)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _id_shape(typed: str) -> str:
    """An id without case and leading zeros: "Q4" and "q004" have q04's shape."""
    return re.sub(r"\d+", lambda m: str(int(m.group())), typed.strip().casefold())


class _TextIndex:
    """A bank's questions by text (up to whitespace and case) and by :func:`question_key`.
    Texts that differ only in punctuation share a key: such a key names every question it
    could be, so a text is never put on the wrong one."""

    def __init__(self, questions: Sequence[Question], texts: tuple[str, ...]) -> None:
        self.texts = texts
        self.by_text = {_norm(q.text): q for q in questions}
        self.by_key: dict[str, list[Question]] = {}
        for question in questions:
            self.by_key.setdefault(question_key(question.text), []).append(question)


def load_bank(path: Path, knowledge_dir: Path | None = None) -> Bank:
    """Load and validate the question bank.

    Args:
        path: The YAML file (a mapping with a ``questions`` list).
        knowledge_dir: When given, every source document must exist in it.

    Raises:
        BankError: The file is missing, not YAML, or an entry is invalid (the entry is named).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise BankError(
            f"Question bank not found at {path}: check INTERVIEWER_KNOWLEDGE_DIR (the folder "
            "that holds questions.yaml and the source documents)."
        ) from exc
    try:
        # Python's "a file is not UTF-8 text ('utf-8' codec can't decode ...)" named no file.
        text = text_of(data)
    except ValueError as exc:
        raise BankError(
            f"{path} {exc}: save it as UTF-8 (or restore it from version control)."
        ) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BankError(f"{path} is not valid YAML{yaml_place(exc)}.") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("questions"), list):
        raise BankError(f"{path} must be a mapping with a 'questions' list.")
    questions: list[Question] = []
    for index, entry in enumerate(raw["questions"], start=1):
        label = entry.get("id", f"#{index}") if isinstance(entry, dict) else f"#{index}"
        try:
            questions.append(Question.model_validate(entry))
        except ValidationError as exc:
            problem = validation_message(exc, whole="entry")
            raise BankError(f"Question {label} in {path.name} is invalid: {problem}") from exc
    _check_unique(questions, path)
    if knowledge_dir is not None:
        _check_sources(questions, knowledge_dir, path)
    return Bank(questions=questions)


def bank_path(settings: Settings) -> Path:
    """Where the question bank lives: ``questions.yaml`` in the knowledge directory."""
    return settings.knowledge_dir / BANK_FILE


def load_default_bank(settings: Settings) -> Bank:
    """Load the bank from the knowledge directory, checking that cited documents exist.

    Raises:
        BankError: The bank is missing or invalid (the entry is named).
    """
    return load_bank(bank_path(settings), settings.knowledge_dir)


def bank_questions(settings: Settings) -> Callable[[], list[Question]]:
    """The bank's questions, read when first asked for: what the offline grader (its peers) and
    the guards (answers about another question) compare with. Both read it lazily, so an
    invalid bank costs those comparisons, not the grade; an edit reaches them by ``prepare``.
    """
    return lambda: load_default_bank(settings).questions


class BankReader:
    """A bank's questions for a grader to compare with, read from ``source`` when first needed;
    :meth:`replace` sets them after an edit. A bank that does not load reads as empty (logged):
    the comparisons it feeds are lost, never the grade.
    """

    def __init__(self, source: Callable[[], Sequence[Question]] | None, purpose: str) -> None:
        self._source = source
        self._purpose = purpose  # for the log line: what is lost without the bank
        self._questions: list[Question] | None = None if source is not None else []
        self._digest: str | None = None
        self._lock = threading.Lock()

    def questions(self) -> list[Question]:
        """The questions (the source is read once, on the first call)."""
        with self._lock:
            if self._questions is None:
                assert self._source is not None  # None only while a source is unread
                try:
                    self._questions = list(self._source())
                except InterviewerError as exc:
                    log.warning("%s: the question bank did not load: %s", self._purpose, exc)
                    self._questions = []
            return self._questions

    def replace(self, questions: Sequence[Question]) -> None:
        """Use these questions from now on (the bank was edited)."""
        with self._lock:
            self._questions = list(questions)
            self._digest = None

    def digest(self) -> str:
        """A short hash of the questions' ids and versions: part of a grade cache key wherever
        a grade depends on the whole bank, so an edit of any question is not served old grades.
        """
        questions = self.questions()
        with self._lock:
            if self._digest is None:
                versions = sorted(f"{q.id}:{q.version}" for q in questions)
                self._digest = hashlib.sha256("\n".join(versions).encode()).hexdigest()[:10]
            return self._digest


def markdown_headings(text: str) -> list[str]:
    """The text of every ATX heading in a Markdown document, in order (code fences skipped)."""
    headings: list[str] = []
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else _HEADING.match(line)
        if match:
            headings.append(match.group(2).strip())
    return headings


def citation_problems(bank: Bank, knowledge_dir: Path) -> list[str]:
    """Every citation whose document is missing or whose heading is not a heading in it.

    An empty heading cites the whole document. Returns one readable line per problem, so a
    test or ``doctor`` can show them all at once.
    """
    headings: dict[str, set[str] | None] = {}
    problems: list[str] = []
    for q in bank.questions:
        for src in q.sources:
            if src.document not in headings:
                path = knowledge_dir / src.document
                headings[src.document] = (
                    set(markdown_headings(path.read_text(encoding="utf-8")))
                    if path.is_file()
                    else None
                )
            known = headings[src.document]
            if known is None:
                problems.append(f"{q.id}: document {src.document!r} not found in {knowledge_dir}")
            elif src.heading and src.heading not in known:
                problems.append(f"{q.id}: {src.document!r} has no heading {src.heading!r}")
    return problems


QuestionInput = Literal["options", "batch", "dataset"]
"""Where :func:`resolve_question`'s caller read the question: ``grade``'s options, a ``grade
--batch`` line or an ``eval grader`` dataset row."""

# How each gives (reference answer or key points, other accepted answers).
_HOW: dict[QuestionInput, tuple[str, str]] = {
    "options": ("its reference answer (--reference) or key points (--key-point)", "--alternative"),
    "batch": ("reference_answer or key_points in the line", "alternative_answers in the line"),
    "dataset": ("reference_answer or key_points in the row", "alternative_answers in the row"),
}


def resolve_question(
    bank: Bank | None,
    question: str,
    reference: str | None = None,
    key_points: list[str] | None = None,
    alternatives: list[str] | None = None,
    *,
    given_in: QuestionInput = "options",
) -> Question:
    """What a caller names as a question: a bank question by id, or by its text when no
    reference answer or key points are given (see :meth:`Bank.find`), else a free-text question
    built from its reference answer or key points. ``alternatives`` (other accepted answers) are
    added to either. One rule for ``grade``, ``grade --batch`` and ``eval grader``;
    ``given_in`` says which, so a remedy names the options or fields that command has.

    Raises:
        InputError: Neither a bank question nor a question with a reference answer or key
            points (the closest bank question is named); a text that matches two bank
            questions; a bank id with a reference (ambiguous); an invalid free-text question.
    """
    found = _bank_question(bank, question)
    if found is None and bank is not None and not (reference or key_points):
        try:
            found = bank.find(question)
        except BankError as exc:
            raise InputError(f"{exc}.") from exc
    reference_how, alternative_how = _HOW[given_in]
    if found is not None and (reference or key_points):
        raise InputError(
            f"{question!r} is a bank question: grade it without a reference answer or key points "
            f"(add other accepted answers with {alternative_how}), or give the question's text to "
            "grade it as a free-text question."
        )
    if found is not None:
        if not alternatives:
            return found
        return Question.model_validate(
            {
                **found.model_dump(),
                "alternative_answers": [*found.alternative_answers, *alternatives],
            }
        )
    if reference or key_points:
        try:
            return adhoc_question(question, reference or "", key_points, alternatives)
        except ValidationError as exc:
            raise InputError(f"Cannot grade this question: {validation_message(exc)}.") from exc
    if bank is None:
        missing = " (no question bank found: check INTERVIEWER_KNOWLEDGE_DIR)"
    else:
        missing = bank.closest_note(question)
    # One word reads as a mistyped id; anything else as a question's text ("What is love?"
    # was called an id).
    if re.fullmatch(QUESTION_ID, question.strip()):
        raise InputError(
            f"{question!r} is not a question id in the bank{missing}: "
            "`interviewer questions list` shows the ids. To grade a question of your own, "
            f"give its text with {reference_how}."
        )
    raise InputError(
        f"{question!r} is not a question in the bank{missing}: to grade it as a question of "
        f"your own, also give {reference_how}."
    )


def _bank_question(bank: Bank | None, question: str) -> Question | None:
    try:
        return bank.get(question) if bank is not None else None
    except BankError:
        return None


_MAX_ALTERNATIVES = 16  # Question.alternative_answers' max_length
_MIN_CLAUSE_WORDS = 3  # a reference's clause shorter than this is not a statement of its own


def reference_key_points(reference: str) -> list[str]:
    """Key points drawn from a reference answer: its sentences (clauses when it is one long
    sentence), as many as a question holds."""
    return split_key_points(reference)[:MAX_KEY_POINTS]


def adhoc_question(
    text: str,
    reference_answer: str,
    key_points: list[str] | None = None,
    alternative_answers: list[str] | None = None,
) -> Question:
    """A question outside the bank, built from free text and a reference answer.

    Key points default to the reference's sentences (clauses when it is one long sentence).
    ``alternative_answers`` are other accepted answers (see :class:`Question`).
    A terse question ("Why?") is kept, prefixed with "Question: " to meet the bank's minimum.

    Raises:
        BankError: No reference and no key points, or more key points than a question holds.
    """
    points = key_points or reference_key_points(reference_answer)
    if not points:
        raise BankError("A question outside the bank needs a reference answer or key points.")
    if key_points and len(key_points) > MAX_KEY_POINTS:
        raise BankError(
            f"A question holds at most {MAX_KEY_POINTS} key points; {len(key_points)} were "
            "given: merge the closest ones."
        )
    others = [
        a.strip()
        for a in alternative_answers or []
        if a.strip() and a.strip() != reference_answer.strip()
    ]
    if len(others) > _MAX_ALTERNATIVES:
        raise BankError(
            f"A question holds at most {_MAX_ALTERNATIVES} alternative answers; {len(others)} "
            "were given: keep the most different ones."
        )
    digest = hashlib.sha256("\n".join([text, reference_answer, *others]).encode()).hexdigest()[:10]
    stated = text.strip()
    return Question(
        id=f"adhoc-{digest}",
        text=stated if len(stated) >= 5 else f"Question: {stated or '(no text)'}",
        topic="adhoc",
        difficulty=2,
        key_points=points[:MAX_KEY_POINTS],
        model_answer=reference_answer.strip(),
        alternative_answers=others,
    )


def split_key_points(reference: str) -> list[str]:
    """Split a reference answer into short checkable statements (sentences, else clauses)."""
    text = " ".join(reference.split())
    sentences = [s.strip() for s in re.split(r"(?<=[.!?;])\s+", text) if len(s.strip()) > 2]
    if len(sentences) <= 1:
        clauses = [c.strip() for c in re.split(r",\s+|\s+(?:and|but|because|so|while)\s+", text)]
        # Only whole statements: "Terminals 1, 2 and 3 are connected" is one key point, not
        # "Terminals 1" and "3 are connected" (a list or a short condition stays whole).
        if len(clauses) >= 2 and all(len(c.split()) >= _MIN_CLAUSE_WORDS for c in clauses):
            return clauses
    return sentences or ([text] if text else [])


def _check_unique(questions: list[Question], path: Path) -> None:
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise BankError(f"Duplicate question id {q.id!r} in {path.name}: ids must be unique.")
        seen.add(q.id)


def _check_sources(questions: list[Question], knowledge_dir: Path, path: Path) -> None:
    known = {p.name for p in knowledge_dir.glob("*.md")}
    for q in questions:
        for src in q.sources:
            if src.document not in known:
                raise BankError(
                    f"Question {q.id} in {path.name} cites unknown source document "
                    f"{src.document!r}; add it to {knowledge_dir} or fix the name."
                )
