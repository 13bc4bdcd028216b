"""Question-bank management for the hiring team: import, draft, edit, approve, with history.

- :func:`parse_question_list` reads a question list in Markdown (``## Question N`` sections
  with a bold question and an ``**Answer:**`` that may be a placeholder, or a numbered list) or
  YAML (a list of questions, or a mapping with ``questions``). Text goes through the same
  normalization as knowledge documents (glued words, typographic debris).
- :func:`draft_question` completes a question that arrives without key points or model answer:
  with the LLM when one is configured (:func:`build_drafter`, prompt
  ``prompts/draft_question*.md``), otherwise from its own answer when one is given, otherwise
  extracted from the retrieved reference material (the sentences closest to the question). An
  LLM that gives no valid draft within the attempt budget falls back to extraction, and the
  draft says so. Each draft records how it was made (``drafted_by``: ``llm:<model>``,
  ``answer`` or ``extracted``) and has ``status: draft`` until a team member approves it.
- :class:`BankEditor` validates every change by loading the whole bank again before replacing
  ``questions.yaml`` (atomically), and appends each replaced version of a question to
  ``questions.history.jsonl``: grades record the question's version hash, so the exact text,
  key points and model answer an old grade was given against can always be looked up.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from interviewer.bank import MAX_KEY_POINTS, Bank, Question, load_bank, split_key_points
from interviewer.errors import BankError, InputError, validation_message
from interviewer.retrieval import RetrievedChunk, Retriever
from interviewer.text import counted
from interviewer.textfile import yaml_place

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from interviewer.chat.structured import ResponseFormat
    from interviewer.settings import Settings

__all__ = [
    "BankEditor",
    "DraftReply",
    "HISTORY_FILE",
    "ImportedQuestion",
    "LLMDrafter",
    "build_draft_messages",
    "build_drafter",
    "draft_question",
    "note_beyond_how",
    "parse_question_list",
]

HISTORY_FILE = "questions.history.jsonl"
MAX_IMPORT_CHARS = 5_000_000  # as a knowledge document (knowledge/loader.py)
MAX_IMPORT_QUESTIONS = 500
# Reference chunks given to the drafting LLM, and the characters kept of each: enough for the
# closest sections without a tokenizer (grading budgets tokens; a draft prompt is one-off).
DRAFT_CHUNKS = 6
DRAFT_CHUNK_CHARS = 1500
_CITATION_MARK = re.compile(r"\s*\[\d+(?:\s*[,;-]\s*\d+)*\]")
# How a draft was made opens the part of its note that says so (see note_beyond_how).
_EXTRACTED = "Extracted from"
_BY_LLM = "Drafted by LLM"
_HOW_MADE = re.compile(rf"\s*\b(?:{_EXTRACTED}|{_BY_LLM})\b")
_TAG_LOOKALIKE = re.compile(r"<\s*/?\s*data[\w-]*\s*>?", re.IGNORECASE)
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
    alternative_answers: list[str] = Field(
        default_factory=list, description="Other accepted answers, kept as given (never drafted)."
    )
    topic: str = ""
    difficulty: int | None = None
    id: str = ""


def parse_question_list(content: str, filename: str) -> list[ImportedQuestion]:
    """Read questions from a Markdown or YAML list.

    Raises:
        InputError: Nothing that looks like a question was found, the YAML is invalid, or the
            list is too large (over 5 million characters or 500 questions).
    """
    # A byte-order mark (Notepad, Excel) before "1." or "## Question 1" hid the first
    # question: it was dropped without a word and the second one became "Question 1".
    content = content.removeprefix("\ufeff")
    if len(content) > MAX_IMPORT_CHARS:
        # A 50 MB list ran for minutes without a word before drafting began.
        raise InputError(
            f"{filename} holds {len(content) / 1_000_000:.1f} million characters; a question "
            f"list takes at most {MAX_IMPORT_CHARS // 1_000_000} million: split it into smaller "
            "lists and import them one by one."
        )
    if filename.lower().endswith((".yaml", ".yml")):
        questions = _parse_yaml(content, filename)
    else:
        questions = _parse_markdown(content)
    if len(questions) > MAX_IMPORT_QUESTIONS:
        # Each is drafted from the references (or by the LLM) and reviewed before approval.
        raise InputError(
            f"{filename} holds {len(questions)} questions; one import takes at most "
            f"{MAX_IMPORT_QUESTIONS}, each drafted and then reviewed: split the list and import "
            "the parts one by one."
        )
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
        raise InputError(f"{filename} is not valid YAML{yaml_place(exc)}.") from None
    items = raw.get("questions") if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise InputError(f"{filename} must hold a list of questions (or a 'questions' list).")
    out = []
    for number, item in enumerate(items, start=1):
        if isinstance(item, str):
            item = {"text": item}
        where = f"Question #{number} in {filename}"
        if not isinstance(item, dict) or not str(item.get("text", "")).strip():
            raise InputError(f"{where} has no 'text'.")
        _check_fields(item, where)
        key_points = _texts(item.get("key_points"), f"{where}: key_points")
        if len(key_points) > MAX_KEY_POINTS:
            # They were cut to the first 8 without a word.
            raise InputError(
                f"{where} has {len(key_points)} key points; a bank question holds at most "
                f"{MAX_KEY_POINTS}: merge or drop some."
            )
        out.append(
            ImportedQuestion(
                number=number,
                text=_clean(str(item["text"])),
                answer=_answer_text([str(item.get("model_answer") or item.get("answer") or "")]),
                key_points=key_points,
                alternative_answers=_texts(
                    item.get("alternative_answers"), f"{where}: alternative_answers"
                ),
                topic=str(item.get("topic") or ""),
                difficulty=_difficulty(item.get("difficulty"), where),
                id=str(item.get("id") or ""),
            )
        )
    return out


# What an imported entry may hold: the bank's own fields (a list copied from a bank) and
# "answer". Any other key is a typo whose content would be dropped ("keypoints:" lost the key
# points, which were then drafted from the references as if none were given).
_IMPORT_FIELDS = frozenset(Question.model_fields) | {"answer"}


def _check_fields(item: dict[object, object], where: str) -> None:
    import difflib

    unknown = [str(k) for k in item if str(k) not in _IMPORT_FIELDS]
    if not unknown:
        return
    close = difflib.get_close_matches(unknown[0], sorted(_IMPORT_FIELDS), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise InputError(
        f"{where} has an unknown field {unknown[0]!r}{hint}: an entry holds text, and optionally "
        "id, topic, difficulty, key_points, answer (or model_answer) and alternative_answers."
    )


def _texts(value: object, where: str) -> list[str]:
    """A list of texts as given: one text written as a plain string is one item (its letters
    were taken as one key point each)."""
    if value is None or value == "":
        return []
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list) and all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in value
    ):
        return [str(v) for v in value]
    raise InputError(f"{where} must be a list of texts, one per line starting with '- '.")


def _difficulty(value: object, where: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip() in ("1", "2", "3"):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 3:
        return value
    raise InputError(
        f"{where}: difficulty must be 1 (fundamentals), 2 (working knowledge) or 3 (in depth), "
        f"not {value!r}; leave it out to use the import's difficulty."
    )


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
    drafter: LLMDrafter | None = None,
    min_score: float = 0.0,
) -> Question:
    """A bank question from an imported one, drafting what is missing.

    With a ``drafter`` (see :func:`build_drafter`) the missing key points and model answer come
    from one LLM call grounded in the retrieved reference chunks. Without one, or when the LLM
    gives no valid draft (the question's ``draft_note`` then says so), key points come, in order
    of preference, from the import itself, from the imported answer (its sentences), or from
    the reference material: the retrieved sentences sharing the most content words with the
    question. The model answer is the imported answer, else those sentences joined. Anything
    drafted makes the question a ``draft`` and sets ``drafted_by``. Alternative answers are
    kept as given, never drafted. Retrieved chunks scoring below ``min_score`` are not drafted
    from (:func:`interviewer.retrieval.relevance_floor`): "Explain attention in transformers."
    got key points extracted from text-to-image attention and NLP notes (best chunk 0.37).

    Raises:
        BankError: Nothing to draft from (no answer and no usable reference material).
        InputError: The question would not be a valid bank question (too short a text, more
            than 8 key points): the question is named, as in the bank's own errors.
    """
    try:
        return _draft(
            imported,
            question_id=question_id,
            retriever=retriever,
            topic=topic,
            difficulty=difficulty,
            drafter=drafter,
            min_score=min_score,
        )
    except ValidationError as exc:
        # Unnamed, "list.yaml: text: String should have at least 5 characters" did not say which
        # question, and the Calibration tab's preview failed with a bare "Error".
        raise InputError(
            f"Question {imported.number} ({imported.text[:60]}) cannot be a bank question: "
            f"{validation_message(exc)}."
        ) from None


def _draft(
    imported: ImportedQuestion,
    *,
    question_id: str,
    retriever: Retriever | None,
    topic: str,
    difficulty: int,
    drafter: LLMDrafter | None,
    min_score: float,
) -> Question:
    key_points = [k.strip() for k in imported.key_points if k.strip()]
    model_answer = imported.answer
    base = Question.model_construct(
        id=question_id,
        text=imported.text,
        topic=imported.topic or topic,
        difficulty=imported.difficulty or difficulty,
        alternative_answers=imported.alternative_answers,
    )
    if key_points and model_answer:
        return _question(base, key_points, model_answer, status="approved")
    chunks = [c for c in _retrieve(imported.text, retriever) if c.score >= min_score]
    failure = ""
    if drafter is not None and (chunks or model_answer):
        try:
            reply = drafter.draft(imported, chunks)
        except BankError as exc:
            failure = f"LLM draft failed ({exc}); drafted by extraction instead. "
        else:
            cited = _labels(chunks, reply.citations)
            return _question(
                base,
                key_points or reply.key_points,
                model_answer or _CITATION_MARK.sub("", reply.model_answer).strip(),
                drafted_by=f"llm:{drafter.model_name}",
                draft_note=f"{_BY_LLM} {drafter.model_name}"
                + (f" from {cited}" if cited else "")
                + "; review before approving.",
            )
    drafted_by = "answer"
    if not key_points and model_answer:
        key_points = split_key_points(model_answer)[:6]
    if not key_points or not model_answer:
        picked = _reference_sentences(imported.text, chunks)
        if not picked and not key_points:
            raise BankError(
                f"Question {imported.number} ({imported.text[:60]}) has no answer and no "
                "reference material matches it: add key points or upload a source document."
            )
        if not key_points:
            key_points = picked[:5]
        if not model_answer:
            model_answer = " ".join(picked[:6])
        drafted_by = "extracted"
    how = "the imported answer" if drafted_by == "answer" else "the reference material"
    return _question(
        base,
        key_points,
        model_answer,
        drafted_by=drafted_by,
        draft_note=f"{failure}{_EXTRACTED} {how}; review before approving.",
    )


def note_beyond_how(note: str) -> str:
    """What a draft note says beyond how the draft was made (which ``drafted_by`` records):
    a failed LLM draft's reason, or '' ("Extracted from the reference material; review before
    approving." adds nothing to "extracted from the references")."""
    return _HOW_MADE.split(note)[0].strip(" .;")


def _question(
    base: Question,
    key_points: list[str],
    model_answer: str,
    *,
    status: Literal["approved", "draft"] = "draft",
    drafted_by: str = "",
    draft_note: str = "",
) -> Question:
    return Question(
        id=base.id,
        text=base.text,
        topic=base.topic,
        difficulty=base.difficulty,
        key_points=key_points[:MAX_KEY_POINTS],
        model_answer=model_answer,
        alternative_answers=base.alternative_answers,
        status=status,
        drafted_by=drafted_by,
        draft_note=draft_note,
    )


def _labels(chunks: list[RetrievedChunk], numbers: list[int]) -> str:
    labels = dict.fromkeys(chunks[n - 1].citation.label() for n in numbers if 0 < n <= len(chunks))
    return ", ".join(labels)


class DraftReply(BaseModel):
    """The JSON object the drafting prompt asks for (validated before it reaches the bank)."""

    key_points: list[str] = Field(min_length=3, max_length=6)
    model_answer: str
    citations: list[int] = Field(default_factory=list)

    @field_validator("key_points")
    @classmethod
    def _short_atomic(cls, value: list[str]) -> list[str]:
        cleaned = [" ".join(k.split()) for k in value]
        if any(not k for k in cleaned):
            raise ValueError("key points must not be empty")
        long = [k for k in cleaned if len(k.split()) > 30]
        if long:
            raise ValueError(f"key points must be short (at most 20 words): {long[0][:60]!r}")
        return cleaned

    @field_validator("model_answer")
    @classmethod
    def _answer_length(cls, value: str) -> str:
        # The prompt asks for 80-200 words; models miscount, so only far-off lengths are retried.
        words = len(value.split())
        if not 40 <= words <= 300:
            raise ValueError(f"the model answer must have 80-200 words, not {words}")
        return " ".join(value.split())


def _data_tag(*parts: str) -> str:
    """A delimiter tag the delimited text cannot close (it depends on a hash of that text)."""
    return "data-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


def _defang(text: str) -> str:
    return _TAG_LOOKALIKE.sub(lambda m: m.group(0).replace("<", "‹").replace(">", "›"), text)


def _format_chunks(chunks: list[RetrievedChunk]) -> str:
    blocks = [
        f"[{i}] {chunk.citation.label()}\n{_flat(chunk.text)[:DRAFT_CHUNK_CHARS]}"
        for i, chunk in enumerate(chunks, start=1)
    ]
    return "\n".join(blocks) if blocks else "(none retrieved)"


def _flat(text: str) -> str:
    # Headings are already in the chunk's label; on one line they would glue onto sentences.
    return " ".join(
        " ".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#")).split()
    )


def build_draft_messages(
    imported: ImportedQuestion, chunks: list[RetrievedChunk], prompts_dir: Path
) -> list[BaseMessage]:
    """The system and user messages asking for a draft of one question."""
    from langchain_core.messages import HumanMessage, SystemMessage

    values = {
        "question": _defang(imported.text),
        "key_points": _defang("\n".join(f"- {k}" for k in imported.key_points) or "(none)"),
        "answer": _defang(imported.answer or "(none)"),
        "chunks": _defang(_format_chunks(chunks)),
    }
    tag = _data_tag(*values.values())
    from interviewer.prompts import render_prompt

    return [
        SystemMessage(content=render_prompt(prompts_dir, "draft_question", tag=tag)),
        HumanMessage(content=render_prompt(prompts_dir, "draft_question_user", tag=tag, **values)),
    ]


def _parse_draft(text: str, chunk_count: int) -> DraftReply:
    """Parse a reply (bare JSON or in a code fence) and check its citations.

    Raises:
        ValueError: Not JSON, not the expected shape, or a citation to no chunk (the message
            goes back to the model).
    """
    from interviewer.chat.structured import json_body

    body = json_body(text)
    try:
        reply = DraftReply.model_validate_json(body)
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        raise ValueError(f"the reply is not the expected JSON ({errors})") from exc
    wrong = [n for n in reply.citations if not 0 < n <= chunk_count]
    if wrong:
        raise ValueError(f"citations {wrong} name no chunk (there are {chunk_count})")
    if chunk_count and not reply.citations:
        raise ValueError("cite at least one chunk number in 'citations'")
    return reply


class LLMDrafter:
    """Drafts key points and a model answer with a chat model (``ChatOpenAI`` or the fake).

    Same retry loop as :class:`interviewer.grading.judge.LLMGrader`
    (:func:`interviewer.chat.structured.ask_structured`): at most ``max_attempts`` requests,
    an unusable reply is sent back with the error attached, a 429's ``retry-after`` is honoured.

    Args:
        chat_model: Built by :func:`interviewer.chat.build_chat_model`.
        prompts_dir: Folder with ``draft_question.md``, ``draft_question_user.md`` and
            ``draft_question_retry.md``.
        model_name: Recorded on each draft (``drafted_by = "llm:<model_name>"``).
        max_attempts: Chat requests per question in all (1-4), transport errors included.
        structured: As for the grader: ``json_schema``, ``tool_calling``, ``json_mode`` or
            ``none``.
        backoff_s: First wait between attempts (doubled each time, capped at 8 s).
        sleep: Injected for tests.
    """

    def __init__(
        self,
        *,
        chat_model: BaseChatModel,
        prompts_dir: Path,
        model_name: str,
        max_attempts: int = 4,
        structured: ResponseFormat = "json_schema",
        backoff_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        from interviewer.chat.structured import bind_structured, check_attempts

        check_attempts(max_attempts)
        self.model_name = model_name
        self._prompts_dir = prompts_dir
        self._max_attempts = max_attempts
        self._backoff_s = backoff_s
        self._sleep = sleep
        self._model = bind_structured(chat_model, structured, DraftReply, "question_draft")

    def draft(self, imported: ImportedQuestion, chunks: list[RetrievedChunk]) -> DraftReply:
        """One validated draft for a question from the given reference chunks.

        Raises:
            BankError: No valid reply within the attempt budget (attempts and last problem
                in the message).
        """
        from interviewer.chat.structured import StructuredReplyError, ask_structured
        from interviewer.prompts import render_prompt

        try:
            return ask_structured(
                self._model,
                build_draft_messages(imported, chunks, self._prompts_dir),
                lambda raw: _parse_draft(raw, len(chunks)),
                retry_prompt=lambda problem: render_prompt(
                    self._prompts_dir, "draft_question_retry", error=problem
                ),
                max_attempts=self._max_attempts,
                backoff_s=self._backoff_s,
                sleep=self._sleep,
            ).value
        except StructuredReplyError as exc:
            raise BankError(
                f"{self.model_name} gave no valid draft after {counted(exc.attempts, 'attempt')}: "
                f"{exc.problem}"
            ) from exc


def build_drafter(settings: Settings) -> LLMDrafter | None:
    """The LLM drafter when the LLM grader is configured, else ``None`` (extraction).

    Raises:
        ConfigError: A remote model while ``allow_remote`` is off, or one without a key (the
            same checks as the LLM grader).
    """
    if settings.effective_grader != "llm":
        return None
    from interviewer.chat import build_chat_model

    return LLMDrafter(
        chat_model=build_chat_model(settings),
        prompts_dir=settings.prompts_dir,
        model_name=settings.llm_model,
        max_attempts=settings.llm_max_attempts,
        structured=settings.llm_response_format,
    )


def _retrieve(question: str, retriever: Retriever | None) -> list[RetrievedChunk]:
    if retriever is None:
        return []
    try:
        return retriever.retrieve(question, DRAFT_CHUNKS)
    except Exception:  # noqa: BLE001 - no reference material is a normal outcome for drafting
        return []


def _reference_sentences(question: str, chunks: list[RetrievedChunk]) -> list[str]:
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
        by_id_old = set(by_id)
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
        _refuse_repeats([by_id[i] for i in order], changed, new=set(changed) - set(by_id_old))
        for question_id in changed:
            _refuse_repeated_key_points(by_id[question_id], new=question_id not in by_id_old)
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
        update: dict[str, object] = {"status": status}
        if status == "approved":  # "... review before approving" stayed in the file after it
            update["draft_note"] = ""
        question = self.load().get(question_id).model_copy(update=update)
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


def _asked(text: str) -> str:
    """A question's text as compared for repeats: case, spacing and punctuation aside."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def _refuse_repeats(questions: list[Question], changed: list[str], new: set[str]) -> None:
    """Refuse a changed question that asks what another one already asks: the form saved
    q04's own text again as a new draft, with no word, and candidates could be asked it twice.

    Raises:
        BankError: Naming both questions and what to do.
    """
    for question in (q for q in questions if q.id in changed):
        asked = _asked(question.text)
        same = next((q for q in questions if q.id != question.id and _asked(q.text) == asked), None)
        if same is not None:
            # A new question has no id yet for the team: "q36 asks..." named one never made.
            who = "The new question" if question.id in new else question.id
            raise BankError(
                f"{who} asks the same question as {same.id} (“{same.text}”): edit {same.id} "
                "instead, or word the new question differently. Nothing was saved."
            )


def refuse_repeated_imports(imported: Sequence[ImportedQuestion], bank: Sequence[Question]) -> None:
    """Refuse, before anything is drafted, imported questions that ask what a bank question (or
    an earlier one in the file) already asks: the preview said "Would add 3 question(s)", then
    adding them refused all three for the one repeat.

    Raises:
        InputError: Naming every repeat and what to do.
    """
    asked = {_asked(q.text): q.id for q in bank}
    problems = []
    for item in imported:
        text = _asked(item.text)
        same = asked.get(text)
        if same is not None and same != item.id:  # the same id is a replacement (--replace)
            problems.append(f"#{item.number} asks the same question as {same}")
        asked.setdefault(text, f"#{item.number} of the file")
    if problems:
        raise InputError(
            f"{'; '.join(problems)}. Remove {'it' if len(problems) == 1 else 'them'} from the "
            "file, or edit the bank question instead. Nothing was saved."
        )


def _refuse_repeated_key_points(question: Question, *, new: bool) -> None:
    """Refuse a key point given twice: saved again by a second click, it counted double in
    coverage ("7 of 7 key points") and in every grade after.

    Raises:
        BankError: Naming the key point and what to do.
    """
    seen: dict[str, int] = {}
    for number, point in enumerate(question.key_points, start=1):
        first = seen.setdefault(_asked(point), number)
        if first != number:
            who = "The new question" if new else question.id
            raise BankError(
                f"{who} has the same key point twice (numbers {first} and {number}: "
                f"“{point}”): delete one. Nothing was saved."
            )


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
