from __future__ import annotations

import shutil
from pathlib import Path

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
    from interviewer.ui.panels.interview import _LazyGrader

    services = build_services(settings)
    question = services.bank.get("q04")
    services.warm_up()
    grade = _LazyGrader(services).grade(
        question,
        "Mode collapse is when the generator maps many noise vectors to the same few outputs, "
        "so samples lack diversity; minibatch discrimination and unrolled GANs help.",
    )
    assert "retrieval failed" not in grade.message, grade.message
    assert grade.sources
