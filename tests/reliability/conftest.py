"""Reliability fixtures: one fake OpenAI-compatible server per run, env for the CLI and the app.

The server (``interviewer.chat.server.FakeOpenAIServer``) is the real network path of the LLM
grader: ``ChatOpenAI`` talks HTTP to it, faults are injected per request and every request is
counted there, so "at most 4 attempts per answer" is checked where the requests arrive.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gradio_client import Client
from pydantic import SecretStr
from ui.conftest import AppServer

from interviewer.chat.server import FakeOpenAIServer
from interviewer.settings import PROJECT_ROOT, Settings

MODELS = PROJECT_ROOT / "models"
LLM_KEY = "sk-reliability-0123456789abcdef"
TEAM_PASSWORD = "team-pw-7f3a9c2e41"
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
    server.wait_idle()  # an abandoned request of the last test must not eat this one's faults
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
def running_app(
    tmp_path_factory: pytest.TempPathFactory, llm_server: FakeOpenAIServer
) -> Iterator[AppServer]:
    """``python app.py`` with a known fake LLM key and team password, its log kept beside it.

    Tests look for the key and the password where they must never appear (pages, API replies,
    logs).
    """
    root = tmp_path_factory.mktemp("secure-app")
    running = AppServer(root / "data", llm_server.url, log=root / "app.log", startup_timeout=90)
    running.env.update(
        {"INTERVIEWER_LLM_API_KEY": LLM_KEY, "INTERVIEWER_ADMIN_PASSWORD": TEAM_PASSWORD}
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def client(running_app: AppServer) -> Client:
    return Client(running_app.url, verbose=False)
