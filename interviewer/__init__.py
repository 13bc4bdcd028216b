"""interviewer: an offline-first mock interviewer for machine-learning theory.

The public API, re-exported here. Light objects are imported eagerly; those that pull in heavy
libraries (LangChain, Chroma, Gradio) load on first attribute access, so `import interviewer`
and the CLI stay fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from interviewer.bank import Bank, Question, SourceRef, adhoc_question, load_bank
from interviewer.errors import (
    BankError,
    ConfigError,
    GradingError,
    InputError,
    InterviewerError,
    SessionError,
    StoreError,
)
from interviewer.grading.base import Grade, Grader, GradeRequest
from interviewer.retrieval import Citation, RetrievedChunk, Retriever
from interviewer.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from interviewer.grading.service import GradingService, build_grading_service
    from interviewer.knowledge.index import open_index
    from interviewer.session import Interview, SessionConfig
    from interviewer.store.repository import Repository
    from interviewer.ui.app import build_app

__version__ = "0.1.0"

_LAZY = {
    "GradingService": "interviewer.grading.service",
    "build_grading_service": "interviewer.grading.service",
    "open_index": "interviewer.knowledge.index",
    "Interview": "interviewer.session",
    "SessionConfig": "interviewer.session",
    "Repository": "interviewer.store.repository",
    "build_app": "interviewer.ui.app",
}

__all__ = [
    "Bank",
    "BankError",
    "Citation",
    "ConfigError",
    "Grade",
    "GradeRequest",
    "Grader",
    "GradingError",
    "GradingService",
    "InputError",
    "Interview",
    "InterviewerError",
    "Question",
    "Repository",
    "RetrievedChunk",
    "Retriever",
    "SessionConfig",
    "SessionError",
    "Settings",
    "SourceRef",
    "StoreError",
    "adhoc_question",
    "build_app",
    "build_grading_service",
    "load_bank",
    "open_index",
]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'interviewer' has no attribute {name!r}")
