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
