"""KnowledgeIndex: idempotent, incremental ingest into embedded Chroma, and retrieval."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from interviewer.errors import ConfigError, StoreError
from interviewer.knowledge.embeddings import FakeEmbedder
from interviewer.knowledge.index import (
    KnowledgeIndex,
    build_embedder,
    ensure_ingested,
    open_index,
)
from interviewer.settings import Settings

MODE_COLLAPSE = """# GAN failure modes

## Mode collapse

Mode collapse happens when the generator maps many latent codes to the same few outputs.
The discriminator is fooled by a narrow set of samples and diversity is lost.
Minibatch discrimination and unrolled GANs reduce it.
"""

OPTIMIZERS = """# Training recipes

## Optimizers

DCGAN uses Adam with a learning rate of 0.0002 and beta1 of 0.5.
Two time-scale updates give the discriminator a larger learning rate.
"""

EVALUATION = """# Evaluating GANs

## Frechet Inception Distance

FID compares the mean and covariance of Inception features of real and generated images.
Lower FID is better.
"""


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "failure-modes.md").write_text(MODE_COLLAPSE)
    (folder / "training.md").write_text(OPTIMIZERS)
    (folder / "evaluation.md").write_text(EVALUATION)
    return folder


@pytest.fixture
def index_settings(settings: Settings, knowledge: Path) -> Settings:
    return settings.model_copy(update={"knowledge_dir": knowledge})


@pytest.fixture
def index(index_settings: Settings) -> KnowledgeIndex:
    return open_index(index_settings)


def test_ingest_twice_adds_nothing_the_second_time(index: KnowledgeIndex, knowledge: Path) -> None:
    first = index.ingest_paths([knowledge], prune=True)
    count = index.count()
    second = index.ingest_paths([knowledge], prune=True)
    assert sorted(first.added) == ["evaluation.md", "failure-modes.md", "training.md"]
    assert first.chunks_written == count > 0
    assert second.added == second.updated == second.removed == []
    assert sorted(second.unchanged) == sorted(first.added)
    assert second.chunks_written == 0
    assert second.chunks == first.chunks and second.tokens == first.tokens
    assert index.count() == count


def test_ingest_modified_document_replaces_its_chunks(
    index: KnowledgeIndex, knowledge: Path
) -> None:
    index.ingest_paths([knowledge], prune=True)
    before = index.documents()
    (knowledge / "training.md").write_text(
        "# Training recipes\n\n## Learning rate\n\nTTUR sets separate learning rates for the "
        "generator and the discriminator (Heusel et al. 2017).\n"
    )
    report = index.ingest_paths([knowledge], prune=True)
    assert report.updated == ["training.md"]
    assert sorted(report.unchanged) == ["evaluation.md", "failure-modes.md"]
    assert index.documents() == before | {"training.md": 1}
    texts = [r.text for r in index.retrieve("Adam beta1 0.5 optimizer", k=10)]
    assert not any("beta1" in t for t in texts)
    top = index.retrieve("separate learning rates TTUR", k=1)[0]
    assert top.document == "training.md" and top.heading == "Training recipes > Learning rate"


def test_ingest_folder_removes_chunks_of_deleted_document(
    index: KnowledgeIndex, knowledge: Path
) -> None:
    index.ingest_paths([knowledge], prune=True)
    (knowledge / "evaluation.md").unlink()
    report = index.ingest_paths([knowledge], prune=True)
    assert report.removed == ["evaluation.md"]
    assert set(index.documents()) == {"failure-modes.md", "training.md"}
    assert all(r.document != "evaluation.md" for r in index.retrieve("FID Inception", k=10))


def test_ingest_folder_keeps_a_document_from_elsewhere_until_its_file_is_gone(
    index: KnowledgeIndex, knowledge: Path, tmp_path: Path
) -> None:
    # A user's own notes, ingested by path, were dropped by the next whole-folder ingest.
    notes = tmp_path / "elsewhere" / "notes.md"
    notes.parent.mkdir()
    notes.write_text("# My notes\n\n## Spectral norm\n\nSpectral normalization bounds D.\n")
    index.ingest_paths([knowledge], prune=True)
    index.ingest_paths([notes])
    (knowledge / "evaluation.md").unlink()
    report = index.ingest_paths([knowledge], prune=True)
    assert report.removed == ["evaluation.md"] and report.kept == ["notes.md"]
    assert index.retrieve("spectral normalization", k=1)[0].document == "notes.md"
    notes.unlink()
    report = index.ingest_paths([knowledge], prune=True)
    assert report.removed == ["notes.md"] and report.kept == []
    assert set(index.documents()) == {"failure-modes.md", "training.md"}


def test_ingest_folder_prunes_an_entry_stored_without_its_file_as_before(
    index: KnowledgeIndex, knowledge: Path, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# My notes\n\n## Spectral norm\n\nSpectral normalization bounds D.\n")
    index.ingest_paths([knowledge], prune=True)
    index.ingest_paths([notes])
    # A manifest written before sources were recorded: its entries have no "source".
    entries = index._manifest.get(include=["metadatas"])
    index._manifest.update(
        ids=entries["ids"],
        metadatas=[{**m, "source": ""} for m in entries["metadatas"]],
    )
    report = index.ingest_paths([knowledge], prune=True)
    assert report.removed == ["notes.md"] and report.kept == []
    # The folder's unchanged documents get their files recorded without being embedded again.
    assert report.chunks_written == 0
    assert {d.name: d.source for d in index.stored_documents()} == {
        name: str((knowledge / name).resolve())
        for name in ("evaluation.md", "failure-modes.md", "training.md")
    }


def test_remove_takes_a_document_and_its_chunks_out_of_the_store(
    index: KnowledgeIndex, knowledge: Path
) -> None:
    index.ingest_paths([knowledge], prune=True)
    assert index.remove(["evaluation.md", "nope.md"]) == ["evaluation.md"]
    assert set(index.documents()) == {"failure-modes.md", "training.md"}
    assert all(r.document != "evaluation.md" for r in index.retrieve("FID Inception", k=10))


def test_ingest_single_file_keeps_other_documents(index: KnowledgeIndex, knowledge: Path) -> None:
    index.ingest_paths([knowledge], prune=True)
    report = index.ingest_paths([knowledge / "training.md"])
    assert report.unchanged == ["training.md"] and report.removed == []
    assert len(index.documents()) == 3


def test_ingest_reports_and_skips_unusable_files(index: KnowledgeIndex, knowledge: Path) -> None:
    (knowledge / "image.md").write_bytes(b"\x89PNG\x00\x00binary")
    (knowledge / "empty.md").write_text("   \n")
    (knowledge / "latin1.md").write_bytes("caf\xe9".encode("latin-1"))
    report = index.ingest_paths([knowledge], prune=True)
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"image.md", "empty.md", "latin1.md"}
    assert "binary" in reasons["image.md"] and "empty" in reasons["empty.md"]
    assert report.documents == 3


def test_ingest_rechunks_when_chunk_settings_change(
    index_settings: Settings, knowledge: Path
) -> None:
    open_index(index_settings).ingest_paths([knowledge], prune=True)
    smaller = index_settings.model_copy(update={"chunk_tokens": 64, "chunk_overlap": 8})
    report = open_index(smaller).ingest_paths([knowledge], prune=True)
    assert len(report.updated) == 3


def test_ingest_calls_progress_up_to_total(index: KnowledgeIndex, knowledge: Path) -> None:
    calls: list[tuple[int, int]] = []
    report = index.ingest_paths([knowledge], prune=True, progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (0, report.chunks_written)
    assert calls[-1] == (report.chunks_written, report.chunks_written)


def test_retrieve_ranks_relevant_chunk_first_with_citation(
    index: KnowledgeIndex, knowledge: Path
) -> None:
    index.ingest_paths([knowledge], prune=True)
    results = index.retrieve("Why does the generator produce the same few samples?", k=3)
    assert results[0].document == "failure-modes.md"
    assert results[0].citation.label() == "failure-modes.md › GAN failure modes > Mode collapse"
    assert results[0].text.startswith("Mode collapse happens")
    # The passage travels with the citation: a candidate cannot open "failure-modes.md".
    assert results[0].citation.excerpt == results[0].text.strip()
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_retrieve_on_empty_store_or_empty_query_returns_nothing(index: KnowledgeIndex) -> None:
    assert index.retrieve("mode collapse", k=3) == []
    assert index.retrieve("   ", k=3) == []


def test_collections_are_separate_per_embedder(index_settings: Settings, knowledge: Path) -> None:
    minilm = open_index(index_settings)
    minilm.ingest_paths([knowledge], prune=True)
    fake = open_index(index_settings, embedder=FakeEmbedder())
    assert fake.collection_name != minilm.collection_name
    assert fake.count() == 0
    fake.ingest_paths([knowledge], prune=True)
    assert fake.count() > 0 and minilm.count() > 0


def test_ensure_ingested_fills_an_empty_store_once(index_settings: Settings) -> None:
    index = ensure_ingested(index_settings)
    count = index.count()
    assert count > 0
    (index_settings.knowledge_dir / "new.md").write_text("# New\n\nA new document.\n")
    assert ensure_ingested(index_settings).count() == count  # not empty: left as it is


def test_two_threads_open_a_new_store_at_once(index_settings: Settings) -> None:
    """The app's warm-up, its grader and a bank save each open the store in the first seconds;
    Chroma's client, created from two threads at once, failed in both."""
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def open_it() -> None:
        start.wait()
        try:
            open_index(index_settings, embedder=FakeEmbedder()).count()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_ensure_ingested_without_documents_says_what_to_do(
    settings: Settings, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-knowledge"
    empty.mkdir()
    with pytest.raises(StoreError, match="interviewer ingest"):
        ensure_ingested(settings.model_copy(update={"knowledge_dir": empty}))


def test_open_index_unreachable_server_raises_store_error_with_remedy(settings: Settings) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    remote = settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": port})
    with pytest.raises(StoreError, match=f"chroma run --host 127.0.0.1 --port {port}"):
        open_index(remote, embedder=FakeEmbedder())


def test_build_embedder_refuses_openai_when_remote_is_off(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="INTERVIEWER_EMBEDDING=minilm"):
        build_embedder(settings.model_copy(update={"embedding": "openai"}))


def test_build_embedder_default_is_minilm_and_fake_on_request(settings: Settings) -> None:
    assert build_embedder(settings).name == "all-MiniLM-L6-v2-int8"
    assert build_embedder(settings).dim == 384
    assert isinstance(
        build_embedder(settings.model_copy(update={"embedding": "fake"})), FakeEmbedder
    )


def test_ingest_remembers_document_without_chunks(index: KnowledgeIndex, knowledge: Path) -> None:
    (knowledge / "questions-only.md").write_text("# Q\n\n## Question 1\n\nWhat is a GAN?\n")
    first = index.ingest_paths([knowledge], prune=True)
    second = index.ingest_paths([knowledge], prune=True)
    assert "questions-only.md" in first.added
    assert "questions-only.md" in second.unchanged
    assert index.documents()["questions-only.md"] == 0


def test_ingest_redoes_document_whose_previous_ingest_was_cut_short(
    index: KnowledgeIndex, knowledge: Path
) -> None:
    index.ingest_paths([knowledge], prune=True)
    # Chunks written but the run stopped before the document was recorded as done.
    index._manifest.delete(ids=["training.md"])
    count = index.count()
    report = index.ingest_paths([knowledge], prune=True)
    assert report.updated == ["training.md"]
    assert index.count() == count


def test_open_index_turns_chroma_telemetry_off(
    index_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANONYMIZED_TELEMETRY")  # the store's own setting, not the test run's
    index = open_index(index_settings)
    assert index._client.get_settings().anonymized_telemetry is False
