"""Text normalization for knowledge documents: typographic debris and glued words.

Applied to every document at load (:mod:`interviewer.knowledge.loader`) and by
``interviewer documents import``, so new documents get the same treatment as the seeds.

Two libraries do the work: ``ftfy`` repairs mojibake, curly quotes used as apostrophes
(``isn‘t``) and control characters; ``wordsegment`` (Google web unigram and bigram counts)
proposes where glued words split (``thegeneratoranddiscriminator``). The decision to accept
a split is ours and deliberately conservative, because a wrong split corrupts a real term:

- a token that ``wordsegment`` knows as a word is never split, nor is anything capitalized
  (names), containing digits, touching an apostrophe, or inside code, math, links or URLs;
- an unknown lowercase token is split only when every piece is a known word that is either
  one of the corpus' most frequent words or at least four letters long, and every boundary is
  attested: a frequent word on one side, a known bigram, an inflected left word
  (``learning|apply``) or two long common words (``different|domains``). Jargon compounds
  such as ``softmax``, ``autoencoders`` or ``pytorch`` fail these tests and stay whole;
- camelCase identifiers outside backticks (``useState``) may split like glued prose: code
  belongs in code spans, which are never touched;
- ``areGenerative``/``trainingGANs`` split at the lower→upper boundary only when the
  lowercase left part is a known word; ``CycleGANand``/``GANsonsmall`` split after the
  acronym only when the lowercase tail is a word (``s`` stays as the plural) and that reading
  is likelier than CamelCase (``GANSpace``, ``VGGNet`` stay whole).

Every accepted piece is a known word, so a second pass changes nothing (idempotence).
"""

from __future__ import annotations

import re
import threading
from functools import cache

import ftfy
import wordsegment

__all__ = ["normalize_text", "split_glued", "word_counts"]

# The N most frequent corpus words act as function words ("the", "of", "in", "and", ...).
_FREQUENT_RANK = 100
_MIN_CONTENT_LEN = 4
_MAX_TOKEN_LEN = 60
_LONG_WORD = 6
_COMMON_COUNT = 1_000_000
_TAIL_COUNT = 10_000_000
# Articles always precede a noun, so a glued token can never end with one ("progan" ≠ "prog an").
_ARTICLES = frozenset({"a", "an", "the"})
# Inflected left words glue to the next word at a phrase boundary ("preservingdata").
_INFLECTED = re.compile(r"(?:ing|ed|s)$")
# ML terms that the 2006 web corpus behind wordsegment's counts does not know and whose pieces
# pass the tests above (a leading function word: "in|painting", "up|sample"). Kept tiny.
_ML_TERMS = frozenset({"inpainting", "outpainting", "upsample", "upsampled", "upsamples"})

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_PROTECTED = re.compile(
    r"(`+).*?\1"  # inline code
    r"|\$\$.*?\$\$|\$[^$\s](?:[^$]*?[^$\s])?\$"  # inline math
    r"|\\\(.*?\\\)|\\\[.*?\\\]"  # LaTeX math delimiters
    r"|\]\([^)\s]*\)"  # link target
    r"|<[^<>\n]+>"  # autolinks and HTML tags
    r"|\b(?:https?|ftp)://\S+|\bwww\.\S+"  # bare URLs
)
# A whitespace-separated chunk with these marks is a path, identifier, formula or address.
_CODE_LIKE = re.compile(r"[/\\_=@#{}<>|^~$`]|[A-Za-z]\.[A-Za-z]|[A-Za-z]\(|\d")
_LETTER_RUN = re.compile(r"(?<![\w'´’‘])[A-Za-z]+(?![\w'´’‘])")
_CLOSE_PAREN_GLUE = re.compile(r"(\([^()\s][^()]*\))([a-z]{2,})(?=[^A-Za-z]|$)")
_LOWER_UPPER = re.compile(r"^([a-z]{2,})([A-Z].*)$")
_ACRONYM_TAIL = re.compile(r"^(.*[A-Z]{2,})([a-z]{2,})$")
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_FTFY = ftfy.TextFixerConfig(unescape_html=False, explain=False)


def normalize_text(text: str) -> str:
    """Return ``text`` with typographic debris fixed and glued words split.

    Markdown structure is kept; fenced code blocks, inline code, math, link targets and URLs
    are left untouched. The function is idempotent.

    Args:
        text: Markdown or plain text.

    Returns:
        The cleaned text, ending with one newline when it is not empty.
    """
    out: list[str] = []
    fence: str | None = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        match = _FENCE.match(line)
        if fence is not None:
            out.append(line)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            continue
        if match:
            fence = match.group(1)
            out.append(line)
            continue
        cleaned_line = _normalize_line(line)
        if cleaned_line or not out or out[-1]:  # at most one blank line outside code
            out.append(cleaned_line)
    cleaned = "\n".join(out).strip("\n")
    return cleaned + "\n" if cleaned else ""


def split_glued(token: str) -> str:
    """Split one glued token into words, or return it unchanged when in doubt.

    Args:
        token: A run of ASCII letters, e.g. ``"thearchitectureof"`` or ``"areGenerative"``.

    Returns:
        The token with spaces inserted, e.g. ``"the architecture of"``.
    """
    _load()
    camel = _LOWER_UPPER.match(token)
    if camel and _acceptable_piece(camel.group(1)):
        return f"{camel.group(1)} {split_glued(camel.group(2))}"
    tail = _ACRONYM_TAIL.match(token)
    if tail and not token.islower():
        return _split_acronym_tail(tail.group(1), tail.group(2))
    if token.islower():
        pieces = _segment(token)
        if pieces:
            return " ".join(pieces)
    return token


def _normalize_line(line: str) -> str:
    parts: list[str] = []
    pos = 0
    for match in _PROTECTED.finditer(line):
        parts.append(_normalize_prose(line[pos : match.start()]))
        parts.append(match.group(0))
        pos = match.end()
    parts.append(_normalize_prose(line[pos:]))
    return "".join(parts).rstrip()


def _normalize_prose(text: str) -> str:
    if not text:
        return text
    text = ftfy.fix_text(text, _FTFY)
    text = _ZERO_WIDTH.sub("", _SPACES.sub(" ", text))
    return re.sub(r"\S+", lambda m: _normalize_chunk(m.group(0)), text)


def _normalize_chunk(chunk: str) -> str:
    if _CODE_LIKE.search(chunk):
        return chunk
    chunk = _CLOSE_PAREN_GLUE.sub(_split_after_paren, chunk)
    return _LETTER_RUN.sub(lambda m: split_glued(m.group(0)), chunk)


def _split_after_paren(match: re.Match[str]) -> str:
    # "(cGANs)and": only a frequent word after the parenthesis ("(s)he" is not glued).
    word = match.group(2)
    return f"{match.group(1)} {word}" if _is_frequent(word) else match.group(0)


def _split_acronym_tail(head: str, tail: str) -> str:
    """Read ``GANsand`` as ``GANs and``, ``GANtraining`` as ``GAN training``, but keep
    ``GANSpace``/``VGGNet`` whole: the likeliest reading (by word counts) wins."""
    readings: list[tuple[float, str]] = []
    camel_word = (head[-1] + tail).lower()
    if _is_word(camel_word):  # CamelCase: the last capital starts the next word
        readings.append((wordsegment.UNIGRAMS[camel_word], head + tail))
    if tail.startswith("s") and len(tail) > 1:
        rest = _as_words(tail[1:])
        if rest:
            readings.append((_weakest_count(rest), f"{head}s {rest}"))
    words = _as_words(tail)
    if words:
        readings.append((_weakest_count(words), f"{head} {words}"))
    # Names glue an acronym to a rarer word on purpose ("ASVspoof", "IEEEtran"): a split needs
    # a common word after the acronym.
    best = max(readings, default=(0.0, head + tail))
    return best[1] if best[0] >= _TAIL_COUNT else head + tail


def _weakest_count(words: str) -> float:
    return min(wordsegment.UNIGRAMS[word] for word in words.split())


def _as_words(token: str) -> str:
    """``token`` as one acceptable word or an accepted segmentation, else empty."""
    if _is_word(token) and (_is_frequent(token) or len(token) >= _MIN_CONTENT_LEN):
        return token
    pieces = _segment(token)
    return " ".join(pieces) if pieces else ""


@cache
def _segment(token: str) -> tuple[str, ...]:
    """Accepted segmentation of an unknown lowercase token, or ``()`` to keep it whole."""
    if len(token) < 5 or len(token) > _MAX_TOKEN_LEN or _is_word(token) or token in _ML_TERMS:
        return ()
    pieces = tuple(wordsegment.segment(token))
    if len(pieces) < 2 or "".join(pieces) != token or pieces[-1] in _ARTICLES:
        return ()
    if not all(_acceptable_piece(p) for p in pieces):
        return ()
    if not all(_attested(a, b) for a, b in zip(pieces, pieces[1:], strict=False)):
        return ()
    return pieces


def _acceptable_piece(piece: str) -> bool:
    return _is_word(piece) and (_is_frequent(piece) or len(piece) >= _MIN_CONTENT_LEN)


def _attested(left: str, right: str) -> bool:
    if _is_frequent(left) or _is_frequent(right):
        return True
    if f"{left} {right}" in wordsegment.BIGRAMS:
        return True
    if len(left) >= _LONG_WORD and bool(_INFLECTED.search(left)):
        return True
    # Two long words rarely make a compound term, while glued phrases often do ("differentdomains").
    # Both must be common words: rare pieces are often suffixes ("pseudonym|ization").
    return all(_long_common(word) for word in (left, right))


def _long_common(word: str) -> bool:
    return len(word) >= _LONG_WORD and wordsegment.UNIGRAMS[word] >= _COMMON_COUNT


def _is_word(token: str) -> bool:
    _load()
    return token.lower() in wordsegment.UNIGRAMS


def _is_frequent(token: str) -> bool:
    return len(token) >= 2 and token.lower() in _frequent_words()


@cache
def _frequent_words() -> frozenset[str]:
    _load()
    ranked = sorted(wordsegment.UNIGRAMS, key=wordsegment.UNIGRAMS.__getitem__, reverse=True)
    return frozenset(ranked[:_FREQUENT_RANK])


_LOAD_LOCK = threading.Lock()


def word_counts() -> dict[str, float]:
    """wordsegment's unigram counts, loaded once per process and only when needed.

    ``wordsegment.load()`` reads ~10 MB; the lock keeps concurrent first users (the app grades
    several answers at once) from each loading it, which ``functools.cache`` does not prevent.
    """
    with _LOAD_LOCK:
        if not wordsegment.UNIGRAMS:
            wordsegment.load()
    return wordsegment.UNIGRAMS


def _load() -> None:
    word_counts()
