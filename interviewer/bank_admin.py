"""Question-bank management for the hiring team: import, draft, edit, approve, with history.

- :func:`parse_question_list` reads a question list in Markdown (``## Question N`` sections
  with a bold question and an ``**Answer:**`` that may be a placeholder, or a numbered list) or
  YAML (a list of questions, or a mapping with ``questions``). Text goes through the same
  normalization as knowledge documents (glued words, typographic debris).
- :func:`draft_question` completes a question that arrives without key points or model answer:
  from its own answer when one is given, otherwise extracted from the retrieved reference
  material (the sentences closest to the question). Drafts have ``status: draft`` until a team
  member approves them.
- :class:`BankEditor` validates every change by loading the whole bank again before replacing
  ``questions.yaml`` (atomically), and appends each replaced version of a question to
  ``questions.history.jsonl``: grades record the question's version hash, so the exact text,
  key points and model answer an old grade was given against can always be looked up.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from interviewer.bank import Bank, Question, load_bank, split_key_points
from interviewer.errors import BankError, InputError
from interviewer.retrieval import Retriever

__all__ = [
    "BankEditor",
    "HISTORY_FILE",
    "ImportedQuestion",
    "draft_question",
    "parse_question_list",
]

HISTORY_FILE = "questions.history.jsonl"
_PLACEHOLDER = re.compile(r"^[_*\s]*\[?\s*(to be filled|tbd|todo|n/?a|\.\.\.)\s*\]?[_*\s.]*$", re.I)
_SECTION = re.compile(r"^#{2,4}\s*(?:question|q)\s*\d+\b.*$", re.I | re.M)
_NUMBERED = re.compile(r"^\s*(?:q(?:uestion)?\s*)?(\d{1,3})\s*[.):]\s+(.+)$", re.I)
_ANSWER = re.compile(r"^\s*(?:\*\*|__)?\s*(?:answer|a)\s*:\s*(?:\*\*|__)?\s*(.*)$", re.I)
_WORD = re.compile(r"[a-z][a-z0-9-]+")
_STOP = frozenset(
    "a an and are as at be by can could describe do does explain for from how in is it its of "
    "on or role some that the their them this to use used uses what when which why with you "
    "more most does did concept context idea basic "
    "your gan gans".split()
)


class ImportedQuestion(BaseModel):
    """A question as read from an imported list (before drafting)."""

    number: int
    text: str
    answer: str = ""
    key_points: list[str] = Field(default_factory=list)
    topic: str = ""
    difficulty: int | None = None
    id: str = ""


def parse_question_list(content: str, filename: str) -> list[ImportedQuestion]:
    """Read questions from a Markdown or YAML list.

    Raises:
        InputError: Nothing that looks like a question was found, or the YAML is invalid.
    """
    if filename.lower().endswith((".yaml", ".yml")):
        questions = _parse_yaml(content, filename)
    else:
        questions = _parse_markdown(content)
    if not questions:
        raise InputError(
            f"No questions found in {filename}. Use '## Question N' sections with the question in "
            "bold and an optional '**Answer:**', a numbered list ('1. What is ...?'), or YAML."
        )
    return questions


def _clean(text: str) -> str:
    from interviewer.knowledge.normalize import normalize_text

    text = re.sub(r"(\*\*|__)", "", text)
    return " ".join(normalize_text(text).split())


def _answer_text(lines: Sequence[str]) -> str:
    text = _clean("\n".join(lines)).strip()
    return "" if not text or _PLACEHOLDER.match(text) else text


def _parse_markdown(content: str) -> list[ImportedQuestion]:
    starts = [m.start() for m in _SECTION.finditer(content)]
    if starts:
        return [
            q
            for i, start in enumerate(starts)
            if (
                q := _section(
                    content[start : starts[i + 1] if i + 1 < len(starts) else None], i + 1
                )
            )
        ]
    return _numbered(content)


def _section(section: str, number: int) -> ImportedQuestion | None:
    lines = [line for line in section.splitlines()[1:] if line.strip() not in ("---", "***")]
    question: list[str] = []
    answer: list[str] = []
    in_answer = False
    for line in lines:
        match = _ANSWER.match(line)
        if match:
            in_answer = True
            answer.append(match.group(1))
        elif in_answer:
            answer.append(line)
        elif line.strip():
            question.append(line)
    text = _clean(" ".join(question))
    return ImportedQuestion(number=number, text=text, answer=_answer_text(answer)) if text else None


def _numbered(content: str) -> list[ImportedQuestion]:
    out: list[ImportedQuestion] = []
    answer: list[str] = []
    for line in content.splitlines():
        numbered = _NUMBERED.match(line)
        if numbered:
            if out:
                out[-1].answer = _answer_text(answer)
            answer = []
            out.append(ImportedQuestion(number=len(out) + 1, text=_clean(numbered.group(2))))
        elif out and (match := _ANSWER.match(line)):
            answer.append(match.group(1))
        elif out and answer and line.strip():
            answer.append(line)
    if out:
        out[-1].answer = _answer_text(answer)
    return out


def _parse_yaml(content: str, filename: str) -> list[ImportedQuestion]:
    try:
        raw = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise InputError(f"{filename} is not valid YAML: {exc}") from exc
    items = raw.get("questions") if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise InputError(f"{filename} must hold a list of questions (or a 'questions' list).")
    out = []
    for number, item in enumerate(items, start=1):
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict) or not str(item.get("text", "")).strip():
            raise InputError(f"Question #{number} in {filename} has no 'text'.")
        try:
            out.append(
                ImportedQuestion(
                    number=number,
                    text=_clean(str(item["text"])),
                    answer=_answer_text(
                        [str(item.get("model_answer") or item.get("answer") or "")]
                    ),
                    key_points=[str(k) for k in item.get("key_points") or []],
                    topic=str(item.get("topic") or ""),
                    difficulty=item.get("difficulty"),
                    id=str(item.get("id") or ""),
                )
            )
        except ValidationError as exc:
            raise InputError(f"Question #{number} in {filename} is invalid: {exc}") from exc
    return out


def _content_words(text: str) -> set[str]:
    # A five-letter prefix is a crude stem: stable/stably, training/trains match.
    return {w[:5] for w in _WORD.findall(text.lower()) if w not in _STOP}


def _sentences(text: str) -> list[str]:
    lines = [re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line) for line in text.splitlines()]
    flat = " ".join(line for line in lines if not line.lstrip().startswith("#"))
    flat = re.sub(r"[*_`]+", "", flat)
    parts = re.split(r"(?<=[.!?])\s+", " ".join(flat.split()))
    return [p.strip() for p in parts if 6 <= len(p.split()) <= 60]


def draft_question(
    imported: ImportedQuestion,
    *,
    question_id: str,
    retriever: Retriever | None,
    topic: str = "imported",
    difficulty: int = 2,
) -> Question:
    """A bank question from an imported one, drafting what is missing.

    Key points come, in order of preference, from the import itself, from the imported answer
    (its sentences), or from the reference material: the retrieved sentences sharing the most
    content words with the question. The model answer is the imported answer, else those
    sentences joined. Anything drafted makes the question a ``draft``.

    Raises:
        BankError: Nothing to draft from (no answer and no usable reference material).
    """
    key_points = [k.strip() for k in imported.key_points if k.strip()]
    model_answer = imported.answer
    drafted = False
    if not key_points and model_answer:
        key_points, drafted = split_key_points(model_answer)[:6], True
    if not key_points or not model_answer:
        picked = _reference_sentences(imported.text, retriever)
        if not picked and not key_points:
            raise BankError(
                f"Question {imported.number} ({imported.text[:60]}) has no answer and no "
                "reference material matches it: add key points or upload a source document."
            )
        if not key_points:
            key_points = picked[:5]
        if not model_answer:
            model_answer = " ".join(picked[:6])
        drafted = True
    return Question(
        id=question_id,
        text=imported.text,
        topic=imported.topic or topic,
        difficulty=imported.difficulty or difficulty,
        key_points=key_points[:8],
        model_answer=model_answer,
        status="draft" if drafted else "approved",
    )


def _reference_sentences(question: str, retriever: Retriever | None) -> list[str]:
    if retriever is None:
        return []
    try:
        chunks = retriever.retrieve(question, 6)
    except Exception:  # noqa: BLE001 - no reference material is a normal outcome for drafting
        return []
    wanted = _content_words(question)
    scored: list[tuple[float, int, str]] = []
    seen: set[str] = set()
    for rank, chunk in enumerate(chunks):
        for position, sentence in enumerate(_sentences(chunk.text)):
            key = sentence.lower()
            if key in seen:
                continue
            seen.add(key)
            overlap = len(wanted & _content_words(sentence))
            # The two closest chunks are trusted with one shared word; the rest need two.
            if overlap < (1 if rank < 2 or len(wanted) < 3 else 2):
                continue
            # Closer chunks and earlier sentences (definitions come first) break ties.
            scored.append((overlap + chunk.score - 0.01 * position, -rank, sentence))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [sentence for _, _, sentence in scored][:6]


class BankEditor:
    """Validated, versioned changes to ``questions.yaml``.

    Args:
        bank_file: The bank YAML (``knowledge/questions.yaml``).
        knowledge_dir: Source documents cited by questions must exist here.
    """

    def __init__(self, bank_file: Path, knowledge_dir: Path | None = None) -> None:
        self.bank_file = bank_file
        self.knowledge_dir = knowledge_dir
        self.history_file = bank_file.with_name(HISTORY_FILE)

    def load(self) -> Bank:
        """The current bank."""
        return load_bank(self.bank_file, self.knowledge_dir)

    def next_ids(self, count: int) -> list[str]:
        """``count`` free ids continuing the ``qNN`` sequence."""
        numbers = [
            int(m.group(1)) for q in self.load().questions if (m := re.fullmatch(r"q(\d+)", q.id))
        ]
        start = max(numbers, default=0) + 1
        return [f"q{n:02d}" for n in range(start, start + count)]

    def save(self, questions: Sequence[Question], *, author: str = "team") -> list[str]:
        """Add new questions or replace existing ones (by id), validating the whole bank.

        Returns:
            The ids whose content changed (added or edited).

        Raises:
            BankError: The resulting bank is invalid (nothing is written then).
        """
        bank = self.load()
        by_id = {q.id: q for q in bank.questions}
        changed, replaced = [], []
        order = [q.id for q in bank.questions]
        for question in questions:
            old = by_id.get(question.id)
            if old is not None and old.model_dump() == question.model_dump():
                continue
            if old is not None:
                replaced.append(old)
            else:
                order.append(question.id)
            by_id[question.id] = question
            changed.append(question.id)
        if changed:
            self._write([by_id[i] for i in order])
            self._record(replaced, author)
        return changed

    def set_status(
        self, question_id: str, status: Literal["approved", "draft"], *, author: str = "team"
    ) -> Question:
        """Approve a draft (or send a question back to draft).

        Raises:
            BankError: No such question.
        """
        question = self.load().get(question_id).model_copy(update={"status": status})
        self.save([question], author=author)
        return question

    def history(self, question_id: str | None = None) -> list[dict[str, object]]:
        """Earlier versions (newest last), each with ``version``, ``replaced_at``, ``question``."""
        if not self.history_file.exists():
            return []
        rows = [
            json.loads(line)
            for line in self.history_file.read_text("utf-8").splitlines()
            if line.strip()
        ]
        return [r for r in rows if question_id is None or r["question"]["id"] == question_id]

    def version(self, question_id: str, version: str) -> Question | None:
        """The question as it was at a given version (current or historical), if known."""
        current = next((q for q in self.load().questions if q.id == question_id), None)
        if current is not None and current.version == version:
            return current
        for row in reversed(self.history(question_id)):
            if row["version"] == version:
                return Question.model_validate(row["question"])
        return None

    def _write(self, questions: list[Question]) -> None:
        header = _leading_comments(self.bank_file)
        body = yaml.safe_dump(
            {"questions": [_plain(q) for q in questions]},
            sort_keys=False,
            allow_unicode=True,
            width=100,
        )
        folder = self.bank_file.parent
        fd, tmp = tempfile.mkstemp(prefix=".questions-", suffix=".yaml", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(header + body)
            load_bank(Path(tmp), self.knowledge_dir)  # validate before it replaces the bank
            os.replace(tmp, self.bank_file)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _record(self, replaced: list[Question], author: str) -> None:
        if not replaced:
            return
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.history_file.open("a", encoding="utf-8") as handle:
            for old in replaced:
                row = {
                    "version": old.version,
                    "replaced_at": now,
                    "by": author,
                    "question": old.model_dump(mode="json"),
                }
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _plain(question: Question) -> dict[str, object]:
    data = question.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("key_points", question.key_points)
    return data


def _leading_comments(path: Path) -> str:
    if not path.exists():
        return ""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            lines.append(line)
        else:
            break
    return "\n".join(lines).rstrip() + "\n" if lines else ""
