"""The running app for browser tests: a real server process, a real headless Chromium.

One app process per test session (its own data directory and port), graded by the LLM grader
pointed at the fake OpenAI-compatible server running inside the test process. The browser is
Debian's chromium driven by Playwright; its fake microphone plays an espeak-ng recording.
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
from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from interviewer.chat.server import FakeOpenAIServer
from interviewer.knowledge.index import ensure_ingested
from interviewer.settings import PROJECT_ROOT, Settings

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SPOKEN_ANSWER = (
    "Mode collapse is when the generator produces only a few kinds of samples. "
    "It fools the discriminator with little diversity."
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class AppServer:
    """``python app.py`` as a subprocess that can be stopped and started on the same data."""

    def __init__(
        self,
        data_dir: Path,
        llm_url: str,
        *,
        log: Path = ARTIFACTS / "app.log",  # kept after the run for diagnosis
        startup_timeout: float = 120,  # 5 s on a quiet machine; a minute seen at load 12
    ) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.log = log
        self.startup_timeout = startup_timeout
        log.parent.mkdir(parents=True, exist_ok=True)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("INTERVIEWER_")},
            "GRADIO_SERVER_NAME": "127.0.0.1",
            "GRADIO_SERVER_PORT": str(self.port),
            "GRADIO_ANALYTICS_ENABLED": "False",
            "HF_HUB_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "INTERVIEWER_DATA_DIR": str(data_dir),
            "INTERVIEWER_MODELS_DIR": str(PROJECT_ROOT / "models"),
            "INTERVIEWER_GRADER": "llm",
            "INTERVIEWER_LLM_BASE_URL": llm_url,
            "INTERVIEWER_LLM_API_KEY": "test-key",
            "INTERVIEWER_LLM_MODEL": "fake-grader",
            # The LLM server is on 127.0.0.1 inside this test run; nothing leaves the machine.
            "INTERVIEWER_ALLOW_REMOTE": "true",
        }
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def offline_team(cls, data_dir: Path, password: str, **env: str) -> AppServer:
        """The app with the offline grader (no LLM, nothing remote) and the team ``password``;
        ``env``: more settings."""
        server = cls(data_dir, "http://127.0.0.1:9")
        for key in ("INTERVIEWER_LLM_BASE_URL", "INTERVIEWER_LLM_API_KEY", "INTERVIEWER_LLM_MODEL"):
            server.env.pop(key, None)
        server.env.update(
            {
                "INTERVIEWER_GRADER": "offline",
                "INTERVIEWER_ALLOW_REMOTE": "false",
                "INTERVIEWER_ADMIN_PASSWORD": password,
                **env,
            }
        )
        return server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(PROJECT_ROOT / "app.py")],
                cwd=self.data_dir.parent,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the app exited; see {self.log}:\n{self.log.read_text()[-3000:]}"
                )
            try:
                if httpx.get(self.url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        # A slow start must not leave the app running after the test session gives up on it.
        self.kill()
        raise RuntimeError(
            f"the app did not answer within {self.startup_timeout:g} s; see {self.log}:\n"
            f"{self.log.read_text()[-3000:]}"
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """Kill the process abruptly (SIGKILL), as a crash or an OOM kill would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key="test-key") as server:
        yield server


@pytest.fixture(scope="session")
def app_server(
    tmp_path_factory: pytest.TempPathFactory, fake_llm: FakeOpenAIServer
) -> Iterator[AppServer]:
    root = tmp_path_factory.mktemp("app")
    # Build the knowledge index first (as `interviewer ingest` would), so grades cite sources
    # from the first answer on instead of racing the app's background ingest.
    ensure_ingested(Settings(data_dir=root / "data", models_dir=PROJECT_ROOT / "models"))
    server = AppServer(root / "data", fake_llm.url)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def spoken_answer_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The spoken answer as 16-bit 16 kHz mono WAV, with 2 s of silence before it and 1.5 s
    after. The silence before absorbs a late start of the browser's recorder: on a loaded
    machine the transcript began mid-sentence ("use it only a few kinds of samples")."""
    folder = tmp_path_factory.mktemp("voice")
    raw, wav = folder / "raw.wav", folder / "answer.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(raw), SPOKEN_ANSWER], check=True)
    subprocess.run(
        ["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav), "pad", "2.0", "1.5"],
        check=True,
    )
    return wav


def launch_with_microphone(driver: Playwright, wav: Path) -> Browser:
    """Headless Debian chromium whose microphone plays ``wav`` once (per browser, not per
    page: a second recording in the same browser hears silence)."""
    return driver.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}%noloop",
        ],
    )


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright, spoken_answer_wav: Path) -> Iterator[Browser]:
    """Headless Debian chromium whose microphone plays the spoken answer once."""
    chromium = launch_with_microphone(playwright_driver, spoken_answer_wav)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Browser, app_server: AppServer) -> Iterator[Page]:
    """A fresh browser context (its own storage) on the app's first page."""
    context = candidate_context(browser, app_server.url)
    yield open_tab(context, app_server.url)
    context.close()


def candidate_context(browser: Browser, url: str) -> BrowserContext:
    """A browser context with the microphone allowed and speech recorded in the page."""
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    context.grant_permissions(["microphone"], origin=url)
    # Record what the page asks the browser to speak (headless Chromium has no voices).
    context.add_init_script(
        "window.__spoken = []; window.__silenced = 0;"
        "if (window.speechSynthesis) {"
        "  window.speechSynthesis.speak = (u) => window.__spoken.push(u.text);"
        "  window.speechSynthesis.cancel = () => { window.__silenced += 1; };"
        "}"
    )
    return context


def open_tab(context: BrowserContext, url: str) -> Page:
    """A new page on ``url`` whose dialogs are dismissed and kept in ``page.dialogs``."""
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.dialogs = dialogs  # type: ignore[attr-defined]
    tab.goto(url, wait_until="domcontentloaded")
    return tab


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
