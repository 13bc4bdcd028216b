"""Text normalization for knowledge documents (placeholder: being implemented)."""

from __future__ import annotations

__all__ = ["normalize_text"]


def normalize_text(text: str) -> str:
    """Return ``text`` cleaned for the knowledge base."""
    return text
