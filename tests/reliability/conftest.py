"""Reliability fixtures: one fake OpenAI-compatible server per run, env for the CLI and the app.

The server (``interviewer.chat.server.FakeOpenAIServer``) is the real network path of the LLM
grader: ``ChatOpenAI`` talks HTTP to it, faults are injected per request and every request is
counted there, so "at most 4 attempts per answer" is checked where the requests arrive.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from interviewer.chat.server import FakeOpenAIServer
from interviewer.settings import PROJECT_ROOT, Settings

MODELS = PROJECT_ROOT / "models"
LLM_KEY = "sk-reliability-0123456789abcdef"
STRONG = (
    "Mode collapse is when the generator produces a small set of outputs regardless of the noise "
    "input, so many latent codes map to the same sample. It is problematic because the model "
    "loses diversity and fails to cover the data distribution."
)


@pytest.fixture(scope="session")
def llm_server() -> Iterator[FakeOpenAIServer]:
    """The fake LLM server shared by the whole run (faults and counters are reset per test)."""
    with FakeOpenAIServer(api_key=LLM_KEY, models_dir=MODELS) as server:
        yield server


@pytest.fixture
def llm(llm_server: FakeOpenAIServer) -> Iterator[FakeOpenAIServer]:
    """The shared server, healthy and with no recorded requests."""
    _reset(llm_server)
    yield llm_server
    _reset(llm_server)


def _reset(server: FakeOpenAIServer) -> None:
    server.requests.clear()
    server.delay = 0.0
    server._faults.clear()  # noqa: SLF001 - test helper resets the shared server
    server.model.script.clear()


@pytest.fixture
def llm_env(llm: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAIServer:
    """Environment that makes the CLI grade with the LLM grader on the fake server."""
    monkeypatch.setenv("INTERVIEWER_GRADER", "llm")
    monkeypatch.setenv("INTERVIEWER_LLM_BASE_URL", llm.url)
    monkeypatch.setenv("INTERVIEWER_LLM_API_KEY", LLM_KEY)
    monkeypatch.setenv("INTERVIEWER_LLM_MODEL", "fake-grader")
    return llm


@pytest.fixture
def llm_settings(settings: Settings, llm: FakeOpenAIServer) -> Settings:
    """Settings of the LLM grader on the fake server (data in tmp_path)."""
    return settings.model_copy(
        update={
            "grader": "llm",
            "llm_base_url": llm.url,
            "llm_api_key": SecretStr(LLM_KEY),
            "llm_model": "fake-grader",
        }
    )


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
    schema = f"rel_{secrets.token_hex(6)}"
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
