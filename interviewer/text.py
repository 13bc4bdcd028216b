"""Text shortened for messages and feedback: one line, cut at a word boundary with "…"; the
opening words of a key point, to point at it without giving it away."""

from __future__ import annotations

import math
import re

__all__ = [
    "answer_time",
    "clip",
    "counted",
    "cue",
    "duration",
    "in_seconds",
    "opening",
    "repeats",
    "shorten",
    "time_taken",
]

_WORD = re.compile(r"\w+")


def shorten(text: str, limit: int = 120) -> str:
    """``text`` on one line without a final full stop, cut at a word boundary with "…" when
    longer than ``limit``."""
    return clip(" ".join(text.split()).rstrip("."), limit)


def clip(text: str, limit: int) -> str:
    """``text`` as it is, or cut at a word boundary with "…" when longer than ``limit``."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut[: cut.rindex(" ")]  # never end on half a word ("covering all mod…")
    return cut.rstrip(" ,;:\n") + "…"


def counted(n: int, noun: str) -> str:
    """``1 answer``, ``3 answers``: a count with its noun in the right number ("answer(s)" read
    as a form, not as a sentence)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def in_seconds(value: float, *, over: float | None = None) -> str:
    """``95 s``: a time in whole seconds. A time over the limit ``over`` that whole seconds
    would show as the limit itself is given to the tenth, rounded up: the chat said "Time limit
    exceeded: 1 s for a limit of 1 s" of an answer sent after 1.4 s."""
    if over is not None and value > over and _whole(value) <= over:
        return f"{math.ceil(round(value * 10, 6)) / 10:.1f} s"  # 1.1 * 10 is 11.000000000000002
    return f"{_whole(value)} s"


def duration(value: float, *, over: float | None = None) -> str:
    """``45 s`` or ``2 min 05 s``; over the limit ``over``, never shown as the limit itself
    (see :func:`in_seconds`)."""
    whole = _whole(value)
    if whole < 60 or (over is not None and value > over and whole <= over):
        return in_seconds(value, over=over)
    return f"{whole // 60} min {whole % 60:02d} s"


def _whole(seconds: float) -> int:
    """Whole seconds, a half rounded up as every score is: ``round`` (half to even) showed
    0.5 s as "0 s", and 59.6 s read "60 s" where 60 s reads "1 min 00 s"."""
    return math.floor(seconds + 0.5)


def opening(key_point: str) -> str:
    """The first few words of a key point: enough to point at it, too few to give it away."""
    words = key_point.split()
    if len(words) > 2 and words[0].lower() in ("a", "an", "the"):
        words = words[1:]
    return " ".join(words[: max(1, min(4, len(words) // 3))])


def cue(key_point: str) -> str:
    """How a follow-up or a hint names a key point without stating it: by its label when it has
    one ("Value function: min_G max_D ..." gives “Value function”), else as the point that
    starts with its opening words. The bare opening words ("What can you add about “Generator:
    a network mapping …”?") read as a cut-off sentence to candidates."""
    label, colon, rest = key_point.partition(":")
    words = label.split()
    # Words only: a one-letter word or a symbol belongs to a formula ("Two generators G: X → Y",
    # "D*(x): ..."), not to a label.
    plain = all(len(w) > 1 and w.replace("-", "").isalpha() for w in words)
    if colon and rest.strip() and 1 <= len(words) <= 3 and plain:
        return f"“{label.strip()}”"
    return f"the point that starts “{opening(key_point)} …”"


def repeats(text: str, reference: str, run: int = 6) -> bool:
    """Whether ``text`` repeats ``run`` words of ``reference`` in a row (all of it when shorter,
    from three words on), ignoring case and punctuation: a question that does gives away what
    it asks for."""
    words = _WORD.findall(text.lower())
    ref = _WORD.findall(reference.lower())
    n = min(run, len(ref))
    if n < 3:
        return False
    said = {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}
    return any(tuple(ref[i : i + n]) in said for i in range(len(ref) - n + 1))


def answer_time(
    answer: float | None, follow_up: float | None, *, limit: float | None, over: bool
) -> str:
    """A question's time as the report and the feedback card give it: the answer's
    (:func:`time_taken`, ``over`` as stored), or with a follow-up answer each part on its own,
    ``50 s + 50 s follow-up``, ``50 s + 1 min 05 s follow-up (over the 1 min 00 s limit)``.
    The limit is per answer: added up, 50 s and 50 s under a 60 s limit read "1 min 40 s",
    an overrun to the eye with no mark, and the mark of one part went on the sum."""
    if follow_up is None:
        return time_taken(answer, limit=limit, over=over)
    first = _timed(answer, limit, _over(answer, limit))
    return f"{first} + {_timed(follow_up, limit, _over(follow_up, limit), 'follow-up')}"


def _over(seconds: float | None, limit: float | None) -> bool:
    # As the session judges an answer's time: beyond the limit, not at it.
    return seconds is not None and limit is not None and seconds > limit


def time_taken(value: float | None, *, limit: float | None, over: bool) -> str:
    """An answer's time as the report and the feedback card give it: ``1 min 35 s``,
    ``1.4 s (over the 1 s limit)`` when ``over`` the ``limit``, ``–`` when not known."""
    return _timed(value, limit, over)


def _timed(value: float | None, limit: float | None, over: bool, name: str = "") -> str:
    """``value`` as :func:`time_taken` says it, ``name`` after the time, before the mark."""
    named = f" {name}" if name else ""
    if value is None:
        return f"–{named}"
    if not over or limit is None:
        return f"{duration(value)}{named}"
    return f"{duration(value, over=limit)}{named} (over the {duration(limit)} limit)"
