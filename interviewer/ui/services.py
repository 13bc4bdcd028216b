"""Everything the web app's event handlers share, built once at start-up.

Cheap things (settings, bank, repository with its migrations) are built eagerly; heavy ones
(the grading service with its embedder and knowledge index, the Whisper model) are built on
first use or by :meth:`Services.warm_up` in a background thread after the server is listening,
so the first page is served within seconds.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from interviewer.bank import Bank, load_default_bank
from interviewer.settings import Settings
from interviewer.speech import build_transcriber
from interviewer.store.db import open_database
from interviewer.store.repository import Repository

if TYPE_CHECKING:
    from interviewer.bank import Question
    from interviewer.grading.base import Grade
    from interviewer.grading.service import GradingService
    from interviewer.knowledge.index import KnowledgeIndex
    from interviewer.session import AnswerGrader, RegradeReport
    from interviewer.speech import OpenAITranscriber, WhisperTranscriber

__all__ = ["LazyGrader", "Services", "build_services", "exiting", "start_background"]

log = logging.getLogger(__name__)

KNOWLEDGE_WAIT_S = 120.0  # longest an early answer waits for the start-up knowledge fill
EXIT_WAIT_S = 30.0  # longest the process waits at exit for a background task still running
# The background regrade leaves alone answers newer than this: the request that stored one may
# still be grading it (an LLM's four attempts with their timeouts).
REGRADE_SETTLED = timedelta(minutes=5)
REGRADE_GIVE_UP = 3  # failures in a row that end a background pass (the grader is still down)


@dataclass
class Services:
    """Shared, thread-safe objects of one app process.

    Attributes:
        settings: Effective configuration.
        bank: The question bank.
        repository: Sessions, turns and grades.
        transcriber: Speech to text (loads its model on first use), or None when the
            configured one cannot be built (the UI then says so; typing still works).
        transcriber_problem: Why there is no transcriber, for the UI.
        grader: A grader to use instead of the grading service (benchmarks and tests).
    """

    settings: Settings
    bank: Bank
    repository: Repository
    transcriber: WhisperTranscriber | OpenAITranscriber | None = None
    transcriber_problem: str = ""
    grader: AnswerGrader | None = None
    _grading: GradingService | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _refresh_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # The team scale file as the grading service last read it (None: there was none).
    _scale_stamp: tuple[int, int, int] | None = field(default=None, repr=False)
    _knowledge: KnowledgeIndex | None = field(default=None, repr=False)
    _knowledge_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Set when the warm-up's knowledge ingest is over (filled or failed); None without warm-up.
    _knowledge_done: threading.Event | None = field(default=None, repr=False)

    @property
    def grading(self) -> GradingService:
        """The grading service, built on first use (it opens the knowledge index), on the
        team scale in the data folder as it is now.

        Raises:
            ConfigError: The service cannot be built, or the team scale file was damaged
                after the app started (the message names ``--reset-fit``).
        """
        if self._grading is None:
            with self._lock:
                if self._grading is None:
                    from interviewer.grading.service import build_grading_service

                    stamp = _team_scale_stamp(self.settings.data_dir)
                    self._grading = build_grading_service(self.settings)
                    self._scale_stamp = stamp
        if _team_scale_stamp(self.settings.data_dir) != self._scale_stamp:
            self.refresh_grading()
        return self._grading

    def refresh_grading(self) -> None:
        """Read the team scale again and grade on it from now on.

        The offline grader reads the team's scale when it is built, so a fit or a reset, in
        the Calibration tab or by `interviewer calibrate` while the app ran, changed nothing
        until a restart. :attr:`grading` calls this when the scale file has changed.

        The switch is a copy of the service on the new scale, sharing everything else (the
        prepared bank, the knowledge index, the cache): a grade under way finishes on the old
        one (its grade is cached under the old scale's model name) and nobody waits.

        Raises:
            ConfigError: The team scale cannot be read; the old service stays in use.
        """
        from interviewer.grading.scale import load_team_scale

        if self._grading is None:
            self.grading  # noqa: B018 - built on the scale as it is now
            return
        with self._refresh_lock:
            stamp = _team_scale_stamp(self.settings.data_dir)
            team = load_team_scale(self.settings.data_dir)
            with self._lock:
                self._grading = self._grading.with_team_scale(team)
                self._scale_stamp = stamp

    def knowledge(self) -> KnowledgeIndex:
        """The knowledge index, filled when empty: opened once per process, one caller at a time.

        Chroma's embedded client is not safe to create from two threads at once: the warm-up
        and a bank save drafting a new question both opened it in the first seconds, and both
        failed ("'RustBindingsAPI' object has no attribute 'bindings'", or a KeyError on the
        store's path), so the question was not added. One shared index also makes its ingest
        lock hold across handlers (each index object has its own).

        Raises:
            StoreError: Chroma fails, or the knowledge folder holds no usable document.
            ConfigError: The embedder's model files are missing.
        """
        from interviewer.knowledge.index import ensure_ingested, open_index

        with self._knowledge_lock:
            if self._knowledge is None:
                self._knowledge = open_index(self.settings)
            return ensure_ingested(self.settings, index=self._knowledge)

    def wait_for_knowledge(self, timeout: float = KNOWLEDGE_WAIT_S) -> None:
        """Wait (at most ``timeout`` seconds) for the warm-up to fill the knowledge base.

        On a fresh data directory the fill takes ~10 s after start-up: an answer sent in those
        seconds was graded without reference material. It waits instead, under the "Grading"
        indicator. Returns at once when there is no warm-up or it is over.
        """
        if self._knowledge_done is not None:
            self._knowledge_done.wait(timeout)

    def warm_up(self) -> threading.Thread:
        """In a background thread: ingest the knowledge base if empty, build the grading service.

        Errors are logged here and surface again where they matter (a grade without evidence
        says so; a grading service that cannot be built is reported on the first answer).
        """

        done = self._knowledge_done = threading.Event()

        def _run() -> None:
            from interviewer.grading.language import warm as warm_language
            from interviewer.knowledge.normalize import word_counts

            try:
                word_counts()  # the answer guards need them; load once before the first answers
                warm_language()
                self.knowledge()
                log.info("Knowledge base ready.")
            except Exception as exc:  # noqa: BLE001 - grading goes on without evidence
                if exiting():
                    return
                log.warning("Knowledge base not ready, grading without evidence: %s", exc)
            finally:
                done.set()
            try:
                # The bank's questions are prepared now, so no candidate waits for it.
                self.grading.prepare(self.bank.questions)
                log.info("Grading service ready.")
            except Exception as exc:  # noqa: BLE001 - reported again when a grade is asked for
                if not exiting():
                    log.warning("Warm-up of the grading service failed: %s", exc)
            if not exiting():
                self.keep_regrading()

        return start_background(_run, name="interviewer-warm-up")

    def regrade_pending(self) -> RegradeReport:
        """One pass over pending grades: answers sent over ``REGRADE_SETTLED`` ago whose grade
        is pending or missing (the LLM was down, or the process stopped mid-grade). It gives up
        after ``REGRADE_GIVE_UP`` failures in a row: the grader is still down."""
        from interviewer.session import regrade_pending

        grader = self.grader or LazyGrader(self)
        return regrade_pending(
            self.repository,
            self.bank,
            grader,
            settled=REGRADE_SETTLED,
            give_up_after=REGRADE_GIVE_UP,
        )

    def keep_regrading(self, stop: threading.Event | None = None) -> threading.Thread | None:
        """Every ``settings.regrade_interval`` seconds, in the background, finish pending
        grades (until ``stop`` is set or the app exits). The card promised "it will complete
        later", and only `interviewer regrade --pending`, run by hand, ever did it."""
        interval = self.settings.regrade_interval
        if interval <= 0:
            return None
        stop = stop or threading.Event()

        def _run() -> None:
            while _sleep_unless_exiting(interval, stop):
                try:
                    report = self.regrade_pending()
                except Exception as exc:  # noqa: BLE001 - the next pass tries again
                    if exiting():
                        return
                    log.warning("Background regrade failed: %s", exc)
                    continue
                if report.completed or report.failed:
                    log.info(
                        "Background regrade: %d of %d pending graded%s",
                        report.completed,
                        report.found,
                        f"; still failing: {report.failed[0]}" if report.failed else "",
                    )

        return start_background(_run, name="interviewer-regrade")


class LazyGrader:
    """Grades through the shared grading service, built on first use (start stays instant)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def grade(
        self,
        question: Question,
        answer: str,
        *,
        transcript_confidence: float | None = None,
        hints: Sequence[str] = (),
    ) -> Grade:
        self.services.wait_for_knowledge()  # an answer in the first seconds gets its evidence
        return self.services.grading.grade(
            question, answer, transcript_confidence=transcript_confidence, hints=hints
        )


def _team_scale_stamp(data_dir: Path) -> tuple[int, int, int] | None:
    """What changes when the team scale file is written or removed (one stat per grade)."""
    from interviewer.grading.scale import TEAM_SCALE_FILE

    try:
        info = (data_dir / TEAM_SCALE_FILE).stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


def _sleep_unless_exiting(seconds: float, stop: threading.Event) -> bool:
    """Sleep ``seconds`` in short steps; False as soon as ``stop`` is set or the app is exiting
    (the process waits for background threads at exit, so a loop must notice)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if exiting() or stop.wait(min(1.0, end - time.monotonic())):
            return False
    return not (exiting() or stop.is_set())


def start_background(target: Callable[[], None], *, name: str) -> threading.Thread:
    """Run ``target`` in a daemon thread that the process waits for (briefly) at exit.

    A daemon thread still inside ONNX Runtime when the interpreter finalizes aborts the process
    ("terminate called without an active exception"). At exit the thread pools refuse new work,
    so the task stops at its next model call; the wait is for that.
    """
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    atexit.register(thread.join, EXIT_WAIT_S)
    return thread


def exiting() -> bool:
    """True once the interpreter is shutting down (Ctrl-C, end of a script or test run).

    A background step then fails because the thread pools refuse work; that is no fault of,
    say, the knowledge store and must not be logged as one (the Chroma message says to delete
    it).
    """
    stopping = not threading.main_thread().is_alive()
    if stopping:
        log.info("Background work stopped: the app is exiting.")
    return stopping


def build_services(settings: Settings) -> Services:
    """Build the shared services: bank and database now, models later.

    Raises:
        InterviewerError: The bank is invalid or the database cannot be opened.
    """
    bank = load_default_bank(settings)
    repository = Repository(open_database(settings))
    transcriber = None
    problem = ""
    try:
        transcriber = build_transcriber(settings)
        if not transcriber.available():
            problem = (
                "Speech recognition is unavailable (no Whisper model installed); "
                "type your answers instead."
            )
    except Exception as exc:  # noqa: BLE001 - speech is optional; typing always works
        problem = str(exc)
    return Services(
        settings=settings,
        bank=bank,
        repository=repository,
        transcriber=transcriber,
        transcriber_problem=problem,
    )
