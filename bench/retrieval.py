"""Retrieval latency: on the real knowledge store, and on a synthetic store of 100k chunks.

Prints JSON. Queries are the question bank's texts (cycled).

- Real store: the knowledge folder ingested into a fresh embedded Chroma store; latency of
  ``KnowledgeIndex.retrieve`` end to end (query embedding + search), plus each part alone.
- Synthetic store: 100,000 random unit vectors (384 dims, numpy seed 0, Gaussian then
  L2-normalized) added with precomputed embeddings, short texts and the same metadata fields as
  real chunks, to a collection with the same configuration (HNSW, cosine) opened through
  ``open_index``. Search latency uses precomputed query embeddings (the real MiniLM vectors of
  the bank questions); the query embedding time is reported separately, and ``retrieve`` end to
  end is measured too.

Run: ``.venv/bin/python bench/retrieval.py`` (``SYNTHETIC_CHUNKS`` below sets the size).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.bank import load_bank
from interviewer.knowledge.embeddings import MiniLMEmbedder
from interviewer.knowledge.index import KnowledgeIndex, open_index
from interviewer.settings import Settings

SYNTHETIC_CHUNKS = 100_000
N_QUERIES = 200


def _percentiles(samples_s: list[float]) -> dict[str, float]:
    ms = np.array(samples_s) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "mean_ms": round(float(ms.mean()), 2),
        "n": len(samples_s),
    }


def _latencies(fn: Callable[[int], object], n: int, warmup: int = 5) -> list[float]:
    for i in range(warmup):
        fn(i)
    out = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - start)
    return out


def _measure(
    index: KnowledgeIndex, queries: list[str], vectors: np.ndarray, k: int
) -> dict[str, Any]:
    n = len(queries)

    def search(i: int) -> object:
        return index.collection.query(
            query_embeddings=[vectors[i % n].tolist()],
            n_results=k,
            include=["documents", "metadatas", "distances"],
        )

    return {
        "search_only": _percentiles(_latencies(search, N_QUERIES)),
        "query_embedding": _percentiles(
            _latencies(lambda i: index.embedder.embed([queries[i % n]]), N_QUERIES)
        ),
        "retrieve_end_to_end": _percentiles(
            _latencies(lambda i: index.retrieve(queries[i % n], k), N_QUERIES)
        ),
    }


def _fill_synthetic(index: KnowledgeIndex, n: int, dim: int) -> float:
    rng = np.random.default_rng(0)
    batch = min(5000, index._client.get_max_batch_size())
    start = time.perf_counter()
    for lo in range(0, n, batch):
        hi = min(n, lo + batch)
        vecs = rng.standard_normal((hi - lo, dim)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        index.collection.add(
            ids=[f"synthetic-{i:06d}" for i in range(lo, hi)],
            embeddings=vecs,
            documents=[
                f"Synthetic chunk {i} about generative adversarial networks." for i in range(lo, hi)
            ],
            metadatas=[
                {
                    "document": f"synthetic-{i // 20:05d}.md",
                    "heading": f"Section {i % 20}",
                    "position": i % 20,
                    "tokens": 10,
                    "prefix_len": 0,
                }
                for i in range(lo, hi)
            ],
        )
    return time.perf_counter() - start


def run() -> dict[str, Any]:
    """Measure retrieval latency on the real store and on a 100k-chunk synthetic store."""
    base = Settings()
    k = 5
    queries = [q.text for q in load_bank(base.knowledge_dir / "questions.yaml").questions]
    embedder = MiniLMEmbedder(base.models_dir)
    vectors = embedder.embed(queries)
    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as tmp:
        real = open_index(
            base.model_copy(update={"data_dir": Path(tmp) / "real"}), embedder=embedder
        )
        real.ingest_paths([base.knowledge_dir], prune=True)
        real_result = {"chunks": real.count(), **_measure(real, queries, vectors, k)}
        real.close()

        synthetic = open_index(
            base.model_copy(update={"data_dir": Path(tmp) / "synthetic"}), embedder=embedder
        )
        fill_s = _fill_synthetic(synthetic, SYNTHETIC_CHUNKS, embedder.dim)
        synthetic_result = {
            "chunks": synthetic.count(),
            "fill_seconds": round(fill_s, 1),
            **_measure(synthetic, queries, vectors, k),
        }
        synthetic.close()
    return {
        "k": k,
        "queries": f"{len(queries)} bank questions, cycled over {N_QUERIES} timed queries "
        "(after 5 warm-up queries)",
        "real_store": real_result,
        "synthetic_100k": synthetic_result,
        "real_p50_ms": real_result["retrieve_end_to_end"]["p50_ms"],
        "real_p95_ms": real_result["retrieve_end_to_end"]["p95_ms"],
        "synthetic_100k_search_p50_ms": synthetic_result["search_only"]["p50_ms"],
        "synthetic_100k_search_p95_ms": synthetic_result["search_only"]["p95_ms"],
        "query_embedding_p50_ms": real_result["query_embedding"]["p50_ms"],
        "synthetic_how": f"{SYNTHETIC_CHUNKS} random unit vectors (384-d Gaussian, seed 0, "
        "L2-normalized) added with precomputed embeddings to an HNSW cosine collection "
        "opened by open_index; queries use precomputed MiniLM vectors of the bank questions",
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
