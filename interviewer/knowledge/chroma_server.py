"""A local Chroma server (``chroma run``) as a child process, for tests, benchmarks and trials.

The app reaches any Chroma server through ``INTERVIEWER_CHROMA_HOST`` and
``INTERVIEWER_CHROMA_PORT`` (see docs/deploy.md). :func:`run_chroma_server` starts one on the
loopback at a free port, waits until it answers its heartbeat, and stops it afterwards, so the
test suite and ``bench/load.py`` exercise the server path for real with one copy of this code.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from interviewer.errors import ConfigError, StoreError
from interviewer.processes import stop_process

__all__ = ["ChromaServer", "chroma_executable", "free_port", "run_chroma_server"]

_LOG_TAIL_CHARS = 2000


@dataclass(frozen=True)
class ChromaServer:
    """A running ``chroma run`` server.

    Attributes:
        host: Address it listens on.
        port: Port it listens on.
        path: Its data folder.
        log: File holding its standard output and error.
    """

    host: str
    port: int
    path: Path
    log: Path

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8000``."""
        return f"http://{self.host}:{self.port}"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def chroma_executable() -> str:
    """Path of the ``chroma`` console script, preferring the one beside this Python.

    Raises:
        ConfigError: chromadb's console script is not installed.
    """
    beside_python = Path(sys.executable).parent / "chroma"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("chroma")
    if found is None:
        raise ConfigError(
            "The `chroma` command (PyPI package chromadb) is not installed; "
            "run `make install` or `.venv/bin/pip install -e .`."
        )
    return found


@contextmanager
def run_chroma_server(
    path: Path,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    log: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 60.0,
) -> Iterator[ChromaServer]:
    """Run ``chroma run`` on ``host`` until the block ends, then stop it.

    Args:
        path: The server's data folder (created by Chroma if missing).
        host: Address to listen on; keep the loopback unless others must reach it.
        port: Port to listen on; a free one when None.
        log: Where the server's output goes; ``<path>.log`` beside the data folder by default.
        env: Environment of the server (default: this process's); telemetry is always off.
        timeout_s: How long to wait for the first heartbeat.

    Raises:
        ConfigError: The ``chroma`` command is not installed.
        StoreError: The server exited or did not answer in time; the message holds its log.
    """
    port = free_port(host) if port is None else port
    log = log or path.parent / f"{path.name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [chroma_executable(), "run", "--path", str(path), "--host", host, "--port", str(port)]
    environment = {**(os.environ if env is None else env), "ANONYMIZED_TELEMETRY": "False"}
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environment)
        try:
            server = ChromaServer(host=host, port=port, path=path, log=log)
            _wait_for_heartbeat(server, process, timeout_s)
            yield server
        finally:
            stop_process(process, timeout_s=15)


def _wait_for_heartbeat(
    server: ChromaServer, process: subprocess.Popen[bytes], timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise StoreError(
                f"The Chroma server on port {server.port} exited with code {process.returncode}"
                f" before answering. Its log ({server.log}) ends with:\n{_tail(server.log)}"
            )
        try:
            if httpx.get(f"{server.url}/api/v2/heartbeat", timeout=1).is_success:
                return
        except httpx.HTTPError:
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise StoreError(
                f"The Chroma server on port {server.port} did not answer within {timeout_s:.0f} s;"
                f" see its log {server.log}:\n{_tail(server.log)}"
            )
        time.sleep(0.2)


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-_LOG_TAIL_CHARS:]
    except OSError:
        return "(no log)"
