"""Retrieval: ranked reference chunks for a query, with citations.

The types here are shared by the grader, the UI and the reports; the Chroma-backed
implementation lives in :mod:`interviewer.knowledge.index`.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

__all__ = ["Citation", "RetrievedChunk", "Retriever"]


class Citation(BaseModel):
    """Where a piece of reference material comes from."""

    document: str
    heading: str = ""

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
        return Citation(document=self.document, heading=self.heading)


class Retriever(Protocol):
    """Anything that returns ranked reference chunks for a query."""

    def retrieve(self, query: str, k: int = 4) -> list[RetrievedChunk]:
        """Return up to ``k`` chunks, best first."""
        ...
