"""KnowledgeIndex against a real Chroma server (`chroma run`) started by the test run."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from interviewer.knowledge.index import open_index
from interviewer.settings import Settings

pytestmark = pytest.mark.chroma_server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chroma_executable() -> str:
    beside_python = Path(sys.executable).parent / "chroma"
    found = str(beside_python) if beside_python.exists() else shutil.which("chroma")
    assert found, "the `chroma` console script (PyPI chromadb) is not installed"
    return found


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A `chroma run` server on 127.0.0.1 and a free port, waited for by heartbeat."""
    path = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    log = (path / "server.log").open("wb")
    env = os.environ | {"ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen(
        [
            _chroma_executable(),
            "run",
            "--path",
            str(path / "db"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (path / "server.log").read_text(errors="replace")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).is_success:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "chroma run did not answer within 60 s"
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_index_on_chroma_server_ingests_incrementally_and_retrieves(
    chroma_server: tuple[str, int], settings: Settings, tmp_path: Path
) -> None:
    host, port = chroma_server
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "failure-modes.md").write_text(
        "# Failure modes\n\n## Mode collapse\n\nMode collapse: the generator produces only a "
        "few distinct samples, so the output lacks diversity.\n"
    )
    (knowledge / "metrics.md").write_text(
        "# Metrics\n\n## FID\n\nThe Frechet Inception Distance compares feature statistics of "
        "real and generated images.\n"
    )
    remote = settings.model_copy(
        update={"chroma_host": host, "chroma_port": port, "knowledge_dir": knowledge}
    )
    index = open_index(remote)
    assert "Chroma server" in index.where

    first = index.ingest_paths([knowledge], prune=True)
    second = index.ingest_paths([knowledge], prune=True)
    (knowledge / "metrics.md").unlink()
    third = index.ingest_paths([knowledge], prune=True)

    assert sorted(first.added) == ["failure-modes.md", "metrics.md"]
    assert second.chunks_written == 0 and len(second.unchanged) == 2
    assert third.removed == ["metrics.md"]
    top = open_index(remote).retrieve("Why does my GAN output lack diversity?", k=1)[0]
    assert top.citation.label() == "failure-modes.md › Failure modes > Mode collapse"
    assert 0.0 < top.score <= 1.0
    # The embedded store in the data directory was not touched.
    assert not settings.chroma_path.exists()
