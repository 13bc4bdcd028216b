"""Shared fixtures: no network models, data in tmp_path, shared model files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from interviewer.settings import PROJECT_ROOT, Settings

MODELS_DIR = PROJECT_ROOT / "models"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every test: remote models refused, data dir in tmp_path, no key from the environment."""
    for var in ("OPENAI_API_KEY", "INTERVIEWER_LLM_API_KEY", "INTERVIEWER_LLM_BASE_URL",
                "INTERVIEWER_DATABASE_URL", "INTERVIEWER_CHROMA_HOST", "INTERVIEWER_GRADER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("INTERVIEWER_ALLOW_REMOTE", "false")
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INTERVIEWER_MODELS_DIR", str(MODELS_DIR))
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: offline, data in tmp_path."""
    return Settings(data_dir=tmp_path / "data", models_dir=MODELS_DIR, allow_remote=False)
