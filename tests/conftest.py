"""Shared fixtures: no network models, data in tmp_path, shared model files, PostgreSQL."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Playwright, sync_playwright
from sqlalchemy import create_engine, text

from interviewer.settings import PROJECT_ROOT, Settings

MODELS_DIR = PROJECT_ROOT / "models"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every test: remote models refused, data dir in tmp_path, no key from the environment."""
    for var in (
        "OPENAI_API_KEY",
        "INTERVIEWER_LLM_API_KEY",
        "INTERVIEWER_LLM_BASE_URL",
        "INTERVIEWER_DATABASE_URL",
        "INTERVIEWER_CHROMA_HOST",
        "INTERVIEWER_GRADER",
    ):
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


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the test PostgreSQL server (``make test`` sets it; otherwise it is started)."""
    url = os.environ.get("INTERVIEWER_TEST_POSTGRES_URL", "").strip()
    if url:
        return url.splitlines()[-1]
    result = subprocess.run(
        ["bash", str(PROJECT_ROOT / "scripts" / "postgres.sh")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL URL whose search path is a fresh schema, dropped afterwards."""
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres_url else "?"
    try:
        yield f"{postgres_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    """The one Playwright driver of the run: a second sync_playwright() in the process fails
    while the first runs ("using Playwright Sync API inside the asyncio loop")."""
    with sync_playwright() as driver:
        yield driver
