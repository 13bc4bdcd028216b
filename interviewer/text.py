"""Text shortened for messages and feedback: one line, cut at a word boundary with "…"."""

from __future__ import annotations

__all__ = ["shorten"]


def shorten(text: str, limit: int = 120) -> str:
    """``text`` on one line without a final full stop, cut at a word boundary with "…" when
    longer than ``limit``."""
    text = " ".join(text.split()).rstrip(".")
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and text[limit - 1] != " ":
        cut = cut[: cut.rindex(" ")]  # never end on half a word ("covering all mod…")
    return cut.rstrip(" ,;:") + "…"
