"""Retrieval with the real offline MiniLM model over the real knowledge base in knowledge/."""

from __future__ import annotations

import pytest

from interviewer.bank import load_bank
from interviewer.knowledge.index import KnowledgeIndex, evaluate_retrieval, open_index
from interviewer.settings import PROJECT_ROOT, Settings

KNOWLEDGE = PROJECT_ROOT / "knowledge"


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeIndex:
    """The real knowledge folder ingested once per test session into a temporary store."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("real-store"),
        models_dir=PROJECT_ROOT / "models",
        knowledge_dir=KNOWLEDGE,
        allow_remote=False,
    )
    index = open_index(settings)
    report = index.ingest_paths([KNOWLEDGE], prune=True)
    assert report.skipped == [] and report.chunks > 0
    return index


def test_retrieve_real_mode_collapse_question_finds_mode_collapse(
    real_index: KnowledgeIndex,
) -> None:
    top = real_index.retrieve("What is mode collapse?", k=3)
    assert "mode collapse" in (top[0].heading + " " + top[0].text).lower()
    assert top[0].score > top[-1].score > 0


def test_retrieve_real_citations_name_existing_documents_and_headings(
    real_index: KnowledgeIndex,
) -> None:
    results = real_index.retrieve("How does the Wasserstein loss stabilize training?", k=5)
    assert len(results) == 5
    for r in results:
        assert (KNOWLEDGE / r.document).is_file()
        assert r.heading  # every real document is organised under headings


def test_retrieve_real_every_chunk_fits_the_embedding_model(real_index: KnowledgeIndex) -> None:
    got = real_index.collection.get(include=["metadatas"])
    metas = got["metadatas"] or []
    assert metas
    assert all(int(m["wordpieces"]) <= 256 for m in metas)
    assert all(int(m["tokens"]) <= real_index.chunker.chunk_tokens for m in metas)


def test_eval_retrieval_real_bank_reaches_recall_target(real_index: KnowledgeIndex) -> None:
    bank = load_bank(KNOWLEDGE / "questions.yaml", KNOWLEDGE)
    result = evaluate_retrieval(real_index, bank)
    assert result.n >= 19
    assert result.recall_at_5 >= 0.95, [m.id for m in result.misses if m.rank is None]
    assert 0 < result.recall_at_1 <= result.recall_at_5
    assert result.recall_at_1 <= result.mrr <= result.recall_at_5
