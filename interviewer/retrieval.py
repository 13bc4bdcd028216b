"""Retrieval: ranked reference chunks for a query, with citations.

The types here are shared by the grader, the UI and the reports; the Chroma-backed
implementation lives in :mod:`interviewer.knowledge.index`.
"""

from __future__ import annotations

import re
from typing import Protocol

from pydantic import BaseModel, Field

from interviewer.text import clip

__all__ = [
    "EXCERPT_CHARS",
    "RELEVANCE_FLOOR",
    "Citation",
    "RetrievedChunk",
    "Retriever",
    "excerpt",
    "relevance_floor",
]


# Long enough for a paragraph: the passage a candidate is sent to read, shown with the source.
EXCERPT_CHARS = 700

# Retrieval scores below this, per embedding backend, are not about the query. With MiniLM on
# the shipped knowledge base, a bank question's text and model answer find their best chunk at
# 0.74-0.90 and their fourth at 0.42-0.80 (5th-95th percentiles, 35 questions; the question's
# text alone: best 0.69 or more); 150 questions of the development datasets (networking, school
# science) find theirs at 0.08-0.29; "What is the bias-variance tradeoff?" at 0.30 and "Explain
# attention in transformers." at 0.37, and every chunk was cited as reading for the first, and
# drafted into key points for the second. Other backends score on other scales: no floor.
RELEVANCE_FLOOR = {"minilm": 0.4}


def relevance_floor(embedding: str) -> float:
    """The lowest score of a chunk that is about its query, for an embedding backend's name
    (``Settings.embedding``); 0 where it is not known."""
    return RELEVANCE_FLOOR.get(embedding, 0.0)


class Citation(BaseModel):
    """Where a piece of reference material comes from, with the passage itself."""

    document: str
    heading: str = ""
    excerpt: str = Field(
        default="",
        description="The cited passage, cut at a word boundary: the feedback named only a "
        "file and a heading, which a candidate in the browser cannot open",
    )

    def label(self) -> str:
        """Human-readable citation, e.g. ``gan-training.md › Mode collapse``."""
        return f"{self.document} › {self.heading}" if self.heading else self.document


class RetrievedChunk(BaseModel):
    """One chunk returned by a retrieval, best first."""

    chunk_id: str
    text: str
    document: str
    heading: str = Field(default="", description="Heading path joined with ' > '")
    position: int = 0
    score: float = Field(description="Similarity in [0, 1]; higher is closer")

    @property
    def citation(self) -> Citation:
        """Citation of this chunk."""
        return Citation(document=self.document, heading=self.heading, excerpt=excerpt(self.text))


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` trimmed to ``limit`` characters at a word boundary, with "…" when cut; its line
    breaks are kept (lists and formulas read line by line), its bold markers dropped."""
    # Bold markers read as clutter in plain text ("**Answer:** At a high level ...").
    return clip(re.sub(r"\*\*|__", "", text).strip(), limit)


class Retriever(Protocol):
    """Anything that returns ranked reference chunks for a query."""

    def retrieve(self, query: str, k: int = 4) -> list[RetrievedChunk]:
        """Return up to ``k`` chunks, best first."""
        ...
