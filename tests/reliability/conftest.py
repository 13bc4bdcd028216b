"""Reliability fixtures: one fake OpenAI-compatible server per run, env for the CLI and the app.

The server (``interviewer.chat.server.FakeOpenAIServer``) is the real network path of the LLM
grader: ``ChatOpenAI`` talks HTTP to it, faults are injected per request and every request is
counted there, so "at most 4 attempts per answer" is checked where the requests arrive.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from pydantic import SecretStr

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


class RunningApp:
    """``python app.py`` on a free loopback port with its log captured.

    It has a known fake LLM key and team password, so tests can look for them where they
    must never appear (pages, API replies, logs).
    """

    def __init__(self, root: Path, llm_url: str) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.root = root
        self.log = root / "app.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEWER_")}
        env.update(
            GRADIO_SERVER_NAME="127.0.0.1",
            GRADIO_SERVER_PORT=str(self.port),
            GRADIO_ANALYTICS_ENABLED="False",
            HF_HUB_OFFLINE="1",
            ANONYMIZED_TELEMETRY="False",
            INTERVIEWER_DATA_DIR=str(root / "data"),
            INTERVIEWER_MODELS_DIR=str(PROJECT_ROOT / "models"),
            INTERVIEWER_GRADER="llm",
            INTERVIEWER_LLM_BASE_URL=llm_url,
            INTERVIEWER_LLM_API_KEY=LLM_KEY,
            INTERVIEWER_LLM_MODEL="fake-grader",
            INTERVIEWER_ADMIN_PASSWORD=TEAM_PASSWORD,
        )
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(PROJECT_ROOT / "app.py")],
                cwd=root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the app did not answer within 90 s:\n{self.log.read_text()[-3000:]}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="session")
def running_app(
    tmp_path_factory: pytest.TempPathFactory, llm_server: FakeOpenAIServer
) -> Iterator[RunningApp]:
    running = RunningApp(tmp_path_factory.mktemp("secure-app"), llm_server.url)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def client(running_app: RunningApp) -> Client:
    return Client(running_app.url, verbose=False)
