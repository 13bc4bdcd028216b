"""Grading: the grade model, the rubric, the graders and the service that runs them.

Graders are registered in :data:`GRADERS` by name; each factory imports its backend lazily.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal

from interviewer.errors import ConfigError
from interviewer.grading.base import (
    CRITERIA,
    CriterionScore,
    Flag,
    Grade,
    Grader,
    GradeRequest,
    GraderInfo,
    KeyPointVerdict,
)
from interviewer.grading.cache import GradeCache, MemoryGradeCache, SQLiteGradeCache
from interviewer.grading.guards import GuardedGrader, check_answer, strip_injections
from interviewer.grading.service import GradingService, build_grading_service
from interviewer.knowledge.embeddings import Embedder, TokenEmbedder
from interviewer.settings import Settings

__all__ = [
    "CRITERIA",
    "GRADERS",
    "CriterionScore",
    "Flag",
    "Grade",
    "GradeCache",
    "GradeRequest",
    "Grader",
    "GraderInfo",
    "GraderName",
    "GradingService",
    "GuardedGrader",
    "KeyPointVerdict",
    "MemoryGradeCache",
    "SQLiteGradeCache",
    "build_grader",
    "build_grading_service",
    "check_answer",
    "shared_embedder",
    "shared_sentence_encoder",
    "strip_injections",
]

GraderName = Literal["offline", "llm"]


@lru_cache(maxsize=2)
def shared_embedder(models_dir: Path) -> TokenEmbedder:
    """One MiniLM embedder per models folder (loading it costs ~0.5 s)."""
    from interviewer.knowledge.embeddings import MiniLMEmbedder

    return MiniLMEmbedder(models_dir)


@lru_cache(maxsize=2)
def shared_sentence_encoder(models_dir: Path) -> Embedder:
    """One Universal Sentence Encoder per models folder (the offline grader's second view)."""
    from interviewer.knowledge.embeddings import USEEmbedder

    return USEEmbedder(models_dir)


def _offline(settings: Settings) -> Grader:
    from interviewer.bank import bank_questions
    from interviewer.grading.scale import load_team_scale
    from interviewer.grading.similarity import SimilarityGrader  # type: ignore[import-not-found,unused-ignore]

    grader: Grader = SimilarityGrader(
        embedder=shared_embedder(settings.models_dir),
        sentences=shared_sentence_encoder(settings.models_dir),
        prompts_dir=settings.prompts_dir,
        peers=bank_questions(settings),
        # The hiring team's fitted scale, when it has one (`interviewer calibrate FILE --fit`).
        team_scale=load_team_scale(settings.data_dir),
    )
    return grader


def _llm(settings: Settings) -> Grader:
    from interviewer.chat import build_chat_model
    from interviewer.grading.judge import LLMGrader

    return LLMGrader(
        chat_model=build_chat_model(settings),
        prompts_dir=settings.prompts_dir,
        models_dir=settings.models_dir,
        model_name=settings.llm_model,
        endpoint=settings.llm_base_url or "",
        max_attempts=settings.llm_max_attempts,
        evidence_tokens=settings.evidence_tokens,
        structured=settings.llm_response_format,
    )


GRADERS: dict[GraderName, Callable[[Settings], Grader]] = {"offline": _offline, "llm": _llm}


def build_grader(settings: Settings, kind: str) -> Grader:
    """Build a registered grader by name.

    Raises:
        ConfigError: Unknown name, or the backend cannot be set up (the message says why).
    """
    if kind not in GRADERS:
        raise ConfigError(f"Unknown grader {kind!r}; choose one of {sorted(GRADERS)}.")
    return GRADERS[kind](settings)  # type: ignore[index]
