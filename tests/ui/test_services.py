from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from interviewer.settings import PROJECT_ROOT, Settings
from interviewer.ui.app import build_app
from interviewer.ui.services import build_services


def test_build_services_without_whisper_says_typing_still_works(
    settings: Settings, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    shutil.copytree(PROJECT_ROOT / "models" / "minilm", models / "minilm")
    services = build_services(settings.model_copy(update={"models_dir": models}))
    assert "unavailable" in services.transcriber_problem
    assert "type your answers" in services.transcriber_problem
    assert services.repository.list_sessions() == []


def test_build_services_loads_no_model_at_start_up(settings: Settings) -> None:
    services = build_services(settings)
    assert services.transcriber is not None and not services.transcriber.loaded
    assert services._grading is None  # built on first grade or by the warm-up thread


def test_build_app_with_server_side_voice(settings: Settings) -> None:
    demo = build_app(settings.model_copy(update={"tts": "piper"}))
    assert any(getattr(b, "autoplay", False) for b in demo.blocks.values())


def test_an_answer_sent_during_the_start_up_fill_is_graded_with_evidence(
    settings: Settings,
) -> None:
    """On a fresh data directory the warm-up fills the knowledge base (~10 s); an answer sent
    meanwhile waits for it instead of being graded without reference material."""
    from interviewer.ui.services import LazyGrader

    services = build_services(settings)
    question = services.bank.get("q04")
    warm_up = services.warm_up()
    grade = LazyGrader(services).grade(
        question,
        "Mode collapse is when the generator maps many noise vectors to the same few outputs, "
        "so samples lack diversity; minibatch discrimination and unrolled GANs help.",
    )
    assert "no_evidence" not in grade.flags and not grade.diagnostics, grade.diagnostics
    assert grade.sources
    warm_up.join()  # it goes on to prepare the bank; not left running into later tests


def test_the_app_grades_an_answer_with_the_hints_its_candidate_was_shown() -> None:
    """The interview gives the grader the hints shown before an answer, so their words earn
    nothing; the app's grader must pass them on to the grading service."""
    from interviewer.bank import adhoc_question
    from interviewer.grading.base import Grade, GraderInfo
    from interviewer.ui.services import LazyGrader

    seen: dict[str, object] = {}

    class Grading:
        def grade(self, question, answer, **kwargs):  # type: ignore[no-untyped-def]
            seen.update(kwargs)
            return Grade(question_id=question.id, grader=GraderInfo(kind="offline"))

    class Services:
        grading = Grading()

        def wait_for_knowledge(self) -> None:
            pass

    question = adhoc_question("What is mode collapse?", "The generator gives few outputs.")
    hint = "Hint: a strong answer says something about the point that starts “generator …”."
    LazyGrader(Services()).grade(question, "It gives few outputs.", hints=[hint])  # type: ignore[arg-type]
    assert seen["hints"] == [hint]


def test_a_bank_draft_during_the_start_up_fill_opens_the_knowledge_base_once(
    settings: Settings,
) -> None:
    """A new question saved in the first seconds drafts from the knowledge base while the
    warm-up opens it: both created Chroma's client at once and both failed ("'RustBindingsAPI'
    object has no attribute 'bindings'", a KeyError on the store's path)."""
    services = build_services(settings)
    start = threading.Barrier(3)
    opened: list[object] = []
    errors: list[BaseException] = []

    def open_it(how: Callable[[], object]) -> None:
        start.wait()
        try:
            opened.append(how())
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [
        threading.Thread(target=open_it, args=(services.knowledge,)),  # as the warm-up does
        threading.Thread(target=open_it, args=(services.knowledge,)),  # as a bank draft does
        threading.Thread(target=open_it, args=(services.knowledge,)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(opened) == 3 and all(index is opened[0] for index in opened)
    assert services.knowledge().count() > 0


def test_the_app_finishes_pending_grades_by_itself(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card said "it will complete later"; only `interviewer regrade --pending`, run by
    hand, ever did it, so an answer left pending by an LLM outage stayed pending in the app."""
    from datetime import timedelta

    from interviewer.grading.base import Grade, GraderInfo
    from interviewer.session import Interview, SessionConfig
    from interviewer.ui import services as services_module

    class Down:
        def grade(self, question, answer, *, transcript_confidence=None):  # type: ignore[no-untyped-def]
            return Grade(
                question_id=question.id,
                status="pending",
                flags=["pending"],
                grader=GraderInfo(kind="llm"),
            )

    services = build_services(settings.model_copy(update={"regrade_interval": 0.2}))
    services.grader = Down()  # type: ignore[assignment]
    interview = Interview.create(
        services.repository, services.bank, services.grader, SessionConfig(num_questions=1)
    )
    interview.start()
    interview.submit("Mode collapse is when the generator produces only a few kinds of outputs.")
    assert len(services.repository.pending_turns()) == 1
    monkeypatch.setattr(services_module, "REGRADE_SETTLED", timedelta(0))
    services.grader = None  # the LLM is back: the app's own grading service
    stop = threading.Event()
    thread = services.keep_regrading(stop)
    try:
        for _ in range(600):  # not a timing assertion: waits for the pass, at most ~60 s
            if not services.repository.pending_turns():
                break
            stop.wait(0.1)
    finally:
        stop.set()
    assert thread is not None
    thread.join(5)
    assert services.repository.pending_turns() == []
    (graded,) = services.repository.final_grades()
    assert graded.status == "graded" and graded.overall is not None


_EXIT_DURING_WARM_UP = """
import sys, time
from pathlib import Path
from interviewer.settings import Settings
from interviewer.ui.services import build_services

settings = Settings(data_dir=Path(sys.argv[1]), models_dir=Path(sys.argv[2]), allow_remote=False)
services = build_services(settings)
services.warm_up()
time.sleep(float(sys.argv[3]))  # the knowledge fill is under way; the script ends, as on Ctrl-C
"""


@pytest.mark.parametrize("delay_s", [1.0, 3.0])
def test_exiting_during_the_warm_up_ends_cleanly(settings: Settings, delay_s: float) -> None:
    """The warm-up runs in a daemon thread; a process that ended while it was inside the
    embedding model aborted ("terminate called without an active exception"), and a fill cut
    short logged that the Chroma store might be damaged and should be deleted."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _EXIT_DURING_WARM_UP,
            str(settings.data_dir),
            str(settings.models_dir),
            str(delay_s),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "terminate called" not in result.stderr
    assert "delete it" not in result.stderr
    assert "failed" not in result.stderr, result.stderr[-2000:]
