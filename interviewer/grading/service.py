"""The grading service: evidence, guards, grader, failure policy and cache in one call.

``build_grading_service(settings).grade(question, answer)`` is what the session engine, the
UI and the CLI call. It never raises for an answer the LLM could not grade: the grade comes
back ``pending`` (overall None) or, when chosen, from the offline grader flagged ``fallback``.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from interviewer.bank import Question
from interviewer.errors import ConfigError, GradingError, StoreError
from interviewer.grading.base import Grade, Grader, GradeRequest, GraderInfo
from interviewer.grading.cache import GradeCache, SQLiteGradeCache, cache_key
from interviewer.grading.guards import GUARDS_VERSION, GuardedGrader
from interviewer.grading.rubric import prompt_version
from interviewer.grading.scale import Reading, TeamScale
from interviewer.grading.similarity import LLM_POINTERS
from interviewer.grading.topics import BankTopics
from interviewer.knowledge.embeddings import Embedder
from interviewer.retrieval import Citation, RetrievedChunk, Retriever, relevance_floor
from interviewer.settings import Settings

if TYPE_CHECKING:
    from interviewer.knowledge.index import KnowledgeIndex

__all__ = ["EVIDENCE_LOST", "GradingService", "build_grading_service"]

log = logging.getLogger(__name__)
# Attribute of the log record of a retrieval failure (each grade also says it, in its
# diagnostics): a caller that has warned once filters these out.
EVIDENCE_LOST = "evidence_lost"


class GradingService:
    """Grades answers to questions.

    Args:
        grader: The backend (it is wrapped in the guards here).
        retriever: Reference material for the prompt and the cited sources; None means none.
        prompts_dir: Rubric and prompt files (their hash is the prompt version).
        models_dir: Offline model files (tokenizer for the guards).
        cache: Finished grades by (question version, answer, prompt version, model).
        on_failure: ``pending`` or ``fallback`` when the grader raises GradingError.
        fallback: The grader used on failure when ``on_failure="fallback"``.
        k: Chunks retrieved per answer.
        embedder: Optional, lets the off-topic guard confirm with semantic similarity.
        bank: The bank's questions (read on first use; :meth:`prepare` replaces them): with an
            embedder, an answer about another bank question is rejected as off topic.
        min_evidence_score: Retrieved chunks scoring below this are left out (see
            :func:`interviewer.retrieval.relevance_floor`); 0 keeps every chunk.
    """

    def __init__(
        self,
        *,
        grader: Grader,
        retriever: Retriever | None,
        prompts_dir: Path,
        models_dir: Path,
        cache: GradeCache | None = None,
        on_failure: Literal["pending", "fallback"] = "pending",
        fallback: Grader | None = None,
        k: int = 4,
        embedder: Embedder | None = None,
        bank: Callable[[], Sequence[Question]] | None = None,
        min_evidence_score: float = 0.0,
    ) -> None:
        if on_failure == "fallback" and fallback is None:
            raise ConfigError("on_failure='fallback' needs a fallback grader (the offline one).")
        self.grader = grader
        self._topics = (
            BankTopics(embedder, bank) if embedder is not None and bank is not None else None
        )
        self._guarded = self._guard(grader, prompts_dir, models_dir, embedder)
        self._fallback = (
            self._guard(fallback, prompts_dir, models_dir, embedder)
            if fallback is not None
            else None
        )
        self._retriever = retriever
        self._prompts_dir = prompts_dir
        self._cache = cache
        self._on_failure = on_failure
        self._k = k
        self._min_evidence_score = min_evidence_score

    def _guard(
        self, grader: Grader, prompts_dir: Path, models_dir: Path, embedder: Embedder | None
    ) -> GuardedGrader:
        return GuardedGrader(
            grader,
            prompts_dir=prompts_dir,
            models_dir=models_dir,
            embedder=embedder,
            topics=self._topics,
        )

    def with_team_scale(self, team_scale: TeamScale | None) -> GradingService:
        """This service with its offline grader (the main one, or the LLM's fallback) on
        ``team_scale`` (None: the shipped scale). Everything else is shared: the knowledge
        index, the cache, the bank's topics and the questions the grader has prepared, so the
        switch takes no time (see :meth:`SimilarityGrader.with_team_scale`)."""
        other = copy.copy(self)
        other.grader = _on_scale(self.grader, team_scale)
        other._guarded = self._guarded.wrapping(other.grader)
        if self._fallback is not None:
            other._fallback = self._fallback.wrapping(_on_scale(self._fallback.inner, team_scale))
        return other

    @property
    def model_id(self) -> str:
        """The grader and model part of the cache key, read per grade. It changes when the
        bank's questions do: the guard for answers about another question compares with all of
        them (and the offline grader measures a bank question against its peers), so a grade
        cached before an edit may no longer be the one the grader would give.
        """
        model = f"{self.grader.name}:{getattr(self.grader, 'model_name', '')}"
        if endpoint := getattr(self.grader, "endpoint", ""):
            model += f"@{endpoint}"
        model += f"+guards-{GUARDS_VERSION}"  # what the guards cut or reject is in the grade
        return model if self._topics is None else f"{model}+bank-{self._topics.digest()}"

    def prepare(self, questions: Iterable[Question]) -> None:
        """Let the graders do their per-question work now (the offline grader embeds each
        question's reference and key points), so the first answer to a question does not wait
        for it. Graders without such work ignore this.
        """
        questions = list(questions)
        if self._topics is not None:
            self._topics.refresh(questions)
        fallback = self._fallback.inner if self._fallback is not None else None
        for grader in (self.grader, fallback):
            prepare = getattr(grader, "prepare", None)
            if prepare is not None:
                prepare(questions)

    def grade(
        self,
        question: Question,
        answer: str,
        *,
        transcript_confidence: float | None = None,
        hints: Sequence[str] = (),
        use_cache: bool = True,
    ) -> Grade:
        """Grade one answer (from the cache when the same answer was graded before).

        Args:
            question: A bank question or :func:`interviewer.bank.adhoc_question`.
            answer: The candidate's answer, typed or transcribed (treated as data only).
            transcript_confidence: Speech recognition confidence in [0, 1], for spoken answers.
            hints: The interviewer's hints shown before the answer, as shown: their words earn
                nothing (the offline grader leaves them out as it does the question's; the LLM
                is told which hints were shown).
            use_cache: False grades afresh and leaves the cache alone (calibration's
                ``--repeat`` measures how much the grader itself varies).

        Returns:
            A graded grade, or a ``pending`` one (overall None) when the LLM failed.
        """
        version = prompt_version(self._prompts_dir)
        key = cache_key(
            question_version=question.version,
            answer=f"{answer}\x1e{_confidence_bucket(transcript_confidence)}" + _hints_part(hints),
            prompt_version=version,
            model=self.model_id,
        )
        cache = self._cache if use_cache else None
        if cache is not None and (cached := cache.get(key)) is not None:
            return cached
        evidence, evidence_error = self._retrieve(question, answer)
        request = GradeRequest(
            question=question,
            answer=answer,
            evidence=evidence,
            evidence_error=evidence_error,
            transcript_confidence=transcript_confidence,
            hints=list(hints),
        )
        grade = self._grade(request, version)
        grade = _with_evidence(grade, evidence, evidence_error)
        # A grade made without the evidence it should have had (retrieval failed, knowledge
        # base not filled yet) is not kept: the next request grades again with it.
        retrieval_failed = self._retriever is not None and bool(evidence_error)
        degraded = "fallback" in grade.flags or retrieval_failed
        if cache is not None and grade.status == "graded" and not degraded:
            cache.put(key, grade)
        return grade

    def reading(self, question: Question, answer: str) -> Reading:
        """What the offline grader measures of ``answer`` before its scale, through the same
        guards as :meth:`grade` (no cache, no retrieval: neither changes the offline score).

        Raises:
            ConfigError: The service's grader is not the offline grader.
        """
        return self._guarded.reading(GradeRequest(question=question, answer=answer))

    def keeping_readings(self) -> AbstractContextManager[None]:
        """While open, the offline grader keeps each grade's reading for :meth:`reading` (see
        :meth:`SimilarityGrader.keeping_readings`); with no offline grader, nothing is kept."""
        for grader in (self.grader, self._fallback.inner if self._fallback else None):
            keeping = getattr(grader, "keeping_readings", None)
            if keeping is not None:
                return cast(AbstractContextManager[None], keeping())
        return nullcontext()

    def _retrieve(self, question: Question, answer: str) -> tuple[list[RetrievedChunk], str]:
        if self._retriever is None:
            return [], "no knowledge base is configured"
        try:
            chunks = self._retriever.retrieve(f"{question.text}\n{answer[:500]}", self._k)
        except Exception as exc:  # noqa: BLE001 - any retrieval failure: grade without evidence
            # Marked: a caller that has told the user once (the CLI's start-up warning) drops it.
            log.warning(
                "retrieval failed, grading without evidence: %s", exc, extra={EVIDENCE_LOST: True}
            )
            return [], f"retrieval failed ({type(exc).__name__}: {exc})"
        return [c for c in chunks if c.score >= self._min_evidence_score], ""

    def _grade(self, request: GradeRequest, version: str) -> Grade:
        try:
            return self._guarded.grade(request)
        except GradingError as exc:
            reason = str(exc)
            if self._on_failure == "fallback" and self._fallback is not None:
                grade = self._fallback.grade(request)
                # The reason names servers and settings: it is for the operator, not the
                # candidate, who read "Check that it is running and INTERVIEWER_LLM_BASE_URL".
                return grade.model_copy(
                    update={
                        "flags": [*grade.flags, "fallback"],
                        # "Failed": unreachable, or it answered with no valid grade.
                        "message": "The LLM grader failed, so the offline grader graded this "
                        f"answer. {_without_llm_pointers(grade.message)}".strip(),
                        "diagnostics": f"The LLM grader failed: {reason}",
                    }
                )
            return Grade(
                question_id=request.question.id,
                question_version=request.question.version,
                status="pending",
                overall=None,
                model_answer=request.question.model_answer,
                flags=["pending"],
                message="Not graded yet: the grader gave no valid grade. No score was made up.",
                diagnostics=reason,
                grader=GraderInfo(
                    kind=self.grader.name,
                    model=getattr(self.grader, "model_name", ""),
                    prompt_version=version,
                    attempts=exc.attempts,
                ),
            )


def _without_llm_pointers(message: str) -> str:
    """The offline grade's message without its pointers to an LLM grader "when the team sets
    one up": on a fallback grade the team has one, and it has just failed."""
    for pointer in LLM_POINTERS:
        message = message.replace(pointer, "")
    return message


def _hints_part(hints: Sequence[str]) -> str:
    """The hints' part of the cache key: the same answer graded after hints is another grade,
    and without hints the key is the one it always was (no cached grade is lost)."""
    return "".join(f"\x1ehint:{h}" for h in hints)


def _confidence_bucket(confidence: float | None) -> str:
    """Only whether the transcript is trusted changes a grade, so that is all the key holds."""
    from interviewer.grading.guards import LOW_TRANSCRIPT_CONFIDENCE

    return "" if confidence is None else "low" if confidence < LOW_TRANSCRIPT_CONFIDENCE else "ok"


def _with_evidence(grade: Grade, evidence: list[RetrievedChunk], error: str) -> Grade:
    sources = list(
        dict.fromkeys(Citation(document=c.document, heading=c.heading).label() for c in evidence)
    )
    citations = [c.citation for c in evidence]
    unique = [next(c for c in citations if c.label() == label) for label in sources]
    update: dict[str, object] = {"sources": unique}
    if not evidence:
        update["flags"] = list(dict.fromkeys([*grade.flags, "no_evidence"]))
        # A failure's text ("StoreError: Chroma failed to search ... Start it with `chroma run
        # ...`") is for the operator: the candidate's card showed it.
        note = "Graded without reference material" + ("." if error else ": none was relevant.")
        if grade.status == "graded":  # "Not graded yet ... Graded without ..." read as a riddle
            update["message"] = f"{grade.message} {note}".strip()
        if error:
            why = f"Graded without reference material: {error}."
            update["diagnostics"] = f"{grade.diagnostics} {why}".strip()
    return grade.model_copy(update=update)


def build_grading_service(
    settings: Settings, kind: Literal["offline", "llm"] | None = None
) -> GradingService:
    """The grading service the settings ask for.

    Args:
        settings: Effective configuration.
        kind: ``offline`` or ``llm``; default ``settings.effective_grader``.

    Raises:
        ConfigError: A remote LLM while ``allow_remote`` is off, a missing key, missing files.
    """
    from interviewer.bank import bank_questions
    from interviewer.grading import build_grader, shared_embedder

    chosen = kind or settings.effective_grader
    grader = build_grader(settings, chosen)
    fallback = (
        build_grader(settings, "offline")
        if chosen == "llm" and settings.on_llm_failure == "fallback"
        else None
    )
    return GradingService(
        grader=grader,
        retriever=_LazyRetriever(settings),
        prompts_dir=settings.prompts_dir,
        models_dir=settings.models_dir,
        cache=SQLiteGradeCache(settings.data_dir / "grade_cache.sqlite3"),
        on_failure=settings.on_llm_failure if fallback is not None else "pending",
        fallback=fallback,
        k=settings.retrieval_k,
        embedder=shared_embedder(settings.models_dir),
        bank=bank_questions(settings),
        min_evidence_score=relevance_floor(settings.embedding),
    )


def _on_scale(grader: Grader, team_scale: TeamScale | None) -> Grader:
    """``grader`` on ``team_scale`` when it has a scale (the offline grader), else itself."""
    rescale = getattr(grader, "with_team_scale", None)
    return grader if rescale is None else cast(Grader, rescale(team_scale))


class _LazyRetriever:
    """Opens the knowledge index on first use, so a missing index only costs the evidence.

    An empty index is an error, not "nothing relevant": the grade then says how to fill it. A
    search that fails on the index opened earlier is tried once on a fresh one: a Chroma server
    rebuilt since (new data, then `interviewer ingest`) holds a new collection under the same
    name, and the old one is gone for good, so every later answer was graded without evidence
    until the app restarted.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._index: KnowledgeIndex | None = None
        self._filled = False

    def retrieve(self, query: str, k: int = 4) -> list[RetrievedChunk]:
        if self._index is not None:
            try:
                return self._search(self._index, query, k)
            except StoreError:
                self._index, self._filled = None, False
        from interviewer.knowledge.index import open_index  # type: ignore[import-not-found,unused-ignore]

        self._index = open_index(self._settings)
        return self._search(self._index, query, k)

    def _search(self, index: KnowledgeIndex, query: str, k: int) -> list[RetrievedChunk]:
        if not self._filled:
            # Checked until filled: the app fills it in the background at start-up.
            if index.count() == 0:
                raise StoreError(
                    "the knowledge base is empty (the app fills it at start-up; "
                    "`interviewer ingest` fills it by hand)"
                )
            self._filled = True
        return index.retrieve(query, k)
