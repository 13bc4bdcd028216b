"""Chunking: Markdown documents cut into token-bounded chunks that follow their sections.

Each chunk belongs to one section (its heading path travels with it), holds at most
``chunk_tokens`` cl100k tokens, overlaps the previous chunk of the same section by up to
``chunk_overlap`` tokens of whole sentences, and fits what all-MiniLM-L6-v2 can see: its
embedded text (heading path + body) is checked with the model's own word-piece tokenizer and
split further when it would pass 256 word pieces, so nothing is ever silently truncated.

A section whose text is only questions or interview prompts ("Explain ...", "Describe ...":
a question list with empty answers) yields no chunk: it answers nothing, and as evidence it
would only echo the question being asked back.

LangChain's ``MarkdownHeaderTextSplitter`` + ``TokenTextSplitter`` do a similar job but neither
checks a second tokenizer's limit; the packing below is small enough to own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from interviewer.knowledge.embeddings import MAX_WORDPIECES
from interviewer.knowledge.loader import Document

__all__ = ["Chunk", "Chunker", "chunk_document", "split_sections"]

Counter = Callable[[str], int]

# Bump when the chunking rules change: stored chunks made by other rules are then rebuilt.
CHUNKER_VERSION = "5"

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
# A sentence ends with . ! or ? (optionally closed by a quote or bracket) before a capital,
# a digit or an opening quote/bracket; abbreviations like "e.g. the" are not split.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[A-Z0-9\"'(\[])")
# Imperative openings of interview prompts ("Explain the roles of ..."), which ask, not state.
_PROMPT_START = re.compile(
    r"^(explain|describe|discuss|compare|contrast|define|list|name|outline|give|provide|"
    r"illustrate|summari[sz]e|elaborate|tell|state|mention)\b",
    re.IGNORECASE,
)
_LINE_BLOCK = re.compile(r"^\s*([-*+]\s|\d+[.)]\s|\||>)")
# Leading quote marks, list markers and a "Prompt:"-style label of a line (see _only_questions).
_MARKUP_START = re.compile(
    r"^\s*(?:>\s*)*(?:(?:[-*+]|\d+[.)])\s+)?(?:\*\*|__)?(?:prompt|q|question)\s*:(?:\*\*|__)?\s*"
    r"|^\s*(?:>\s*)*(?:(?:[-*+]|\d+[.)])\s+)",
    re.IGNORECASE,
)


class Chunk(BaseModel):
    """One piece of a document, the unit stored and retrieved."""

    document: str = Field(description="File name of the source document")
    title: str = ""
    heading_path: list[str] = Field(default_factory=list)
    position: int = Field(ge=0, description="Index of the chunk within its document")
    text: str = Field(description="The chunk's own text, without the heading prefix")
    tokens: int = Field(ge=0, description="cl100k tokens of `text`")
    wordpieces: int = Field(ge=0, description="MiniLM word pieces of `embed_text`, incl. specials")

    @property
    def heading(self) -> str:
        """Heading path joined with `` > ``."""
        return " > ".join(self.heading_path)

    @property
    def prefix(self) -> str:
        """What is put before the text for embedding: the heading path, else the title."""
        label = self.heading or self.title
        return f"{label}\n\n" if label else ""

    @property
    def embed_text(self) -> str:
        """The text given to the embedding model: heading path, blank line, body."""
        return self.prefix + self.text

    @property
    def sha256(self) -> str:
        """Content hash of what is embedded."""
        return hashlib.sha256(self.embed_text.encode()).hexdigest()

    @property
    def chunk_id(self) -> str:
        """Stable id: document, position and a short content hash."""
        return f"{self.document}#{self.position:04d}-{self.sha256[:12]}"


@dataclass(frozen=True)
class _Unit:
    """A sentence or a line, with the separator that joins it to the unit before it."""

    text: str
    sep: str
    tokens: int


class Chunker:
    """Cuts documents into chunks with fixed limits and counters.

    Args:
        chunk_tokens: Maximum cl100k tokens in a chunk's text.
        chunk_overlap: Maximum tokens of trailing sentences repeated at the start of the next
            chunk of the same section.
        count_tokens: Counts cl100k tokens.
        count_wordpieces: Counts the embedding model's word pieces (with [CLS]/[SEP]).
        max_wordpieces: The embedding model's input limit.
    """

    def __init__(
        self,
        *,
        chunk_tokens: int,
        chunk_overlap: int,
        count_tokens: Counter,
        count_wordpieces: Counter,
        max_wordpieces: int = MAX_WORDPIECES,
    ) -> None:
        if chunk_overlap >= chunk_tokens:
            raise ValueError("chunk_overlap must be smaller than chunk_tokens")
        self.chunk_tokens = chunk_tokens
        self.chunk_overlap = chunk_overlap
        self.max_wordpieces = max_wordpieces
        self._count_tokens = count_tokens
        self._count_wordpieces = count_wordpieces

    @classmethod
    def from_settings(cls, *, chunk_tokens: int, chunk_overlap: int, models_dir: Path) -> Chunker:
        """A chunker with tiktoken's cl100k and MiniLM's word-piece tokenizer from models_dir."""
        from interviewer.knowledge.tokens import count_tokens

        wordpieces = _wordpiece_counter(models_dir)
        return cls(
            chunk_tokens=chunk_tokens,
            chunk_overlap=chunk_overlap,
            count_tokens=lambda text: count_tokens(text, models_dir),
            count_wordpieces=wordpieces,
        )

    @property
    def signature(self) -> str:
        """Identifies the chunking rules and limits; stored with each chunk."""
        return f"v{CHUNKER_VERSION}/{self.chunk_tokens}/{self.chunk_overlap}/{self.max_wordpieces}"

    def chunk(self, doc: Document) -> list[Chunk]:
        """Chunk one document; deterministic for the same text and limits."""
        chunks: list[Chunk] = []
        for path, body in split_sections(doc.text):
            if _only_questions(body):
                continue
            for text in self._pack_section(doc.title, path, body):
                chunk = Chunk(
                    document=doc.name,
                    title=doc.title,
                    heading_path=path,
                    position=len(chunks),
                    text=text,
                    tokens=self._count_tokens(text),
                    wordpieces=0,
                )
                chunk.wordpieces = self._count_wordpieces(chunk.embed_text)
                chunks.append(chunk)
        return chunks

    # -- packing ---------------------------------------------------------------------------

    def _pack_section(self, title: str, path: list[str], body: str) -> list[str]:
        label = " > ".join(path) or title
        prefix = f"{label}\n\n" if label else ""
        units = self._units(body, prefix)
        texts: list[str] = []
        current: list[_Unit] = []
        fresh = 0  # units in `current` not carried over from the previous chunk
        for unit in units:
            candidate = [*current, unit]
            if current and fresh and not self._fits(candidate, prefix):
                texts.append(_join(current))
                current = [*self._overlap_tail(current, prefix, unit), unit]
                fresh = 1
                if not self._fits(current, prefix):  # the overlap leaves no room: drop it
                    current = [unit]
            else:
                current = candidate
                fresh += 1
        if current and fresh:
            texts.append(_join(current))
        return texts

    def _fits(self, units: list[_Unit], prefix: str) -> bool:
        text = _join(units)
        if self._count_tokens(text) > self.chunk_tokens:
            return False
        return self._count_wordpieces(prefix + text) <= self.max_wordpieces

    def _overlap_tail(self, units: list[_Unit], prefix: str, nxt: _Unit) -> list[_Unit]:
        """The longest run of trailing units within the overlap budget that still fits."""
        tail: list[_Unit] = []
        total = 0
        for unit in reversed(units):
            if total + unit.tokens > self.chunk_overlap:
                break
            tail.insert(0, unit)
            total += unit.tokens
        while tail and not self._fits([*tail, nxt], prefix):
            tail.pop(0)
        if tail:
            tail[0] = _Unit(tail[0].text, "", tail[0].tokens)
        return tail

    def _units(self, body: str, prefix: str) -> list[_Unit]:
        """Sentences of prose and lines of lists, tables and code; each one fits a chunk alone."""
        units: list[_Unit] = []
        for block in _blocks(body):
            lines = block.split("\n")
            line_based = block.lstrip().startswith(("```", "~~~")) or any(
                _LINE_BLOCK.match(line) for line in lines
            )
            pieces = lines if line_based else _SENTENCE_END.split(" ".join(lines))
            for i, piece in enumerate(p for p in pieces if p.strip()):
                sep = ("\n\n" if units else "") if i == 0 else ("\n" if line_based else " ")
                units.extend(self._fit_piece(piece if line_based else piece.strip(), sep, prefix))
        return units

    def _fit_piece(self, piece: str, sep: str, prefix: str) -> list[_Unit]:
        """Split a piece that alone exceeds a chunk at word boundaries, halving until it fits."""
        unit = _Unit(piece, sep, self._count_tokens(piece))
        if self._fits([_Unit(piece, "", unit.tokens)], prefix):
            return [unit]
        words = piece.split(" ")
        if len(words) == 1:  # one huge "word" (a URL, a hash): cut by characters
            mid = len(piece) // 2
            left, right = piece[:mid], piece[mid:]
            return [*self._fit_piece(left, sep, prefix), *self._fit_piece(right, "", prefix)]
        mid = len(words) // 2
        left, right = " ".join(words[:mid]), " ".join(words[mid:])
        return [*self._fit_piece(left, sep, prefix), *self._fit_piece(right, " ", prefix)]


def chunk_document(
    doc: Document,
    *,
    chunk_tokens: int,
    chunk_overlap: int,
    count_tokens: Counter,
    count_wordpieces: Counter,
    max_wordpieces: int = MAX_WORDPIECES,
) -> list[Chunk]:
    """Chunk one document with the given limits and counters (see :class:`Chunker`)."""
    chunker = Chunker(
        chunk_tokens=chunk_tokens,
        chunk_overlap=chunk_overlap,
        count_tokens=count_tokens,
        count_wordpieces=count_wordpieces,
        max_wordpieces=max_wordpieces,
    )
    return chunker.chunk(doc)


def split_sections(text: str) -> list[tuple[list[str], str]]:
    """Split Markdown into (heading path, body) pairs in document order.

    Headings inside fenced code blocks are text, not headings. Sections whose body is empty
    (a heading directly followed by a sub-heading) yield nothing; their heading still appears
    in the path of their sub-sections.
    """
    sections: list[tuple[list[str], str]] = []
    stack: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        body = "\n".join(lines).strip("\n")
        if body.strip():
            sections.append(([title for _, title in stack], body))
        lines.clear()

    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, match.group(2).strip()))
        else:
            lines.append(line)
    flush()
    return sections


def _blocks(body: str) -> list[str]:
    """Paragraphs separated by blank lines; a fenced code block stays one block."""
    blocks: list[str] = []
    current: list[str] = []
    in_fence = False
    for line in body.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        if not line.strip() and not in_fence:
            if current:
                blocks.append("\n".join(current))
                current = []
        else:
            current.append(line.rstrip())
    if current:
        blocks.append("\n".join(current))
    return blocks


def _only_questions(body: str) -> bool:
    """True when every sentence of the body is a question or a prompt (nothing is stated).

    Quote marks, list numbers and a "Prompt:" label are markup, not statements: a section
    holding "> **Prompt:** give me five questions" and a numbered list of questions was cited
    to candidates as reading.
    """
    pieces = [
        piece.strip(" *_\"'")
        for paragraph in re.split(r"\n\s*\n", body)
        for line in [" ".join(_MARKUP_START.sub("", ln) for ln in paragraph.splitlines())]
        for piece in _SENTENCE_END.split(" ".join(line.split()))
    ]
    pieces = [p for p in pieces if any(c.isalpha() for c in p)]
    return bool(pieces) and all(
        p.rstrip("\"')]*_ ").endswith("?") or _PROMPT_START.match(p) for p in pieces
    )


def _join(units: list[_Unit]) -> str:
    return "".join((u.sep if i else "") + u.text for i, u in enumerate(units))


def _wordpiece_counter(models_dir: Path) -> Counter:
    """Counts MiniLM word pieces with its own tokenizer (no ONNX model needed)."""
    from tokenizers import Tokenizer

    from interviewer.assets import asset_path

    tokenizer = Tokenizer.from_file(str(asset_path(models_dir, "minilm/tokenizer.json")))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return lambda text: len(tokenizer.encode(text).ids)
