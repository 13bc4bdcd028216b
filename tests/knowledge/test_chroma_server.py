"""KnowledgeIndex against a real Chroma server (`chroma run`) started by the test run."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from interviewer.errors import StoreError
from interviewer.knowledge.chroma_server import free_port, run_chroma_server
from interviewer.knowledge.embeddings import FakeEmbedder
from interviewer.knowledge.index import open_index
from interviewer.settings import Settings

pytestmark = pytest.mark.chroma_server


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A `chroma run` server on 127.0.0.1 and a free port, waited for by heartbeat."""
    with run_chroma_server(tmp_path_factory.mktemp("chroma-server") / "db") as server:
        yield server.host, server.port


def test_run_chroma_server_on_a_taken_port_raises_with_the_servers_log(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        with pytest.raises(StoreError, match=f"port {port}") as caught:
            with run_chroma_server(tmp_path / "db", port=port, timeout_s=60):
                pass
    assert "log" in str(caught.value)
    assert (tmp_path / "db.log").exists()


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


def test_index_on_chroma_server_named_by_a_url_without_port_uses_chroma_port(
    chroma_server: tuple[str, int], settings: Settings
) -> None:
    """INTERVIEWER_CHROMA_HOST=http://HOST reached port 80, not INTERVIEWER_CHROMA_PORT."""
    host, port = chroma_server
    remote = settings.model_copy(update={"chroma_host": f"http://{host}", "chroma_port": port})
    index = open_index(remote, embedder=FakeEmbedder())
    index.count()  # raised StoreError: nothing listens on port 80
    assert index.where == f"the Chroma server at http://{host}:{port}"
