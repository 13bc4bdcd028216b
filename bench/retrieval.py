"""Retrieval latency: on the real knowledge store, and on a synthetic store of 100k chunks.

Prints JSON. Queries are the question bank's texts (cycled).

- Real store: the knowledge folder ingested into a fresh embedded Chroma store; latency of
  ``KnowledgeIndex.retrieve`` end to end (query embedding + search), plus each part alone.
- Synthetic store: 100,000 random unit vectors (384 dims, numpy seed 0, Gaussian then
  L2-normalized) added with precomputed embeddings, short texts and the same metadata fields as
  real chunks, to a collection with the same configuration (HNSW, cosine, the product's build
  parameters) opened through ``open_index``. Search latency uses precomputed query embeddings
  (the real MiniLM vectors of the bank questions); the query embedding time is reported
  separately, and ``retrieve`` end to end is measured too. ``recall_at_k`` compares the HNSW
  results with an exact (numpy) search over the same vectors, so the latency is read next to
  how good the answers are.

Filling the synthetic store is the slow part (HNSW inserts of random 384-d vectors: several
minutes on 2 cores), and it measures nothing the benchmark reports, so the filled store is kept
in a cache folder outside the repository (``$INTERVIEWER_BENCH_CACHE``, default
``~/.cache/interviewer/bench``), keyed by everything that shapes it: the number of vectors,
their seed and generator version, the collection's HNSW configuration and the chromadb
version. A run says whether it reused the store (``fill.cached``) or filled it and timed that
(``fill_seconds``); ``--fresh`` ignores the cache. A fill under a new key removes the stale
stores of the same size.

Run: ``.venv/bin/python bench/retrieval.py [--fresh] [--synthetic N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.bank import load_bank
from interviewer.errors import StoreError
from interviewer.knowledge.embeddings import MiniLMEmbedder
from interviewer.knowledge.index import KnowledgeIndex, open_index
from interviewer.settings import Settings

SYNTHETIC_CHUNKS = 100_000
N_QUERIES = 200
# Bump when _fill_synthetic changes what it writes: the cache key includes it.
FILL_VERSION = 1
CACHE_ENV = "INTERVIEWER_BENCH_CACHE"


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


def _synthetic_vectors(n: int, dim: int) -> np.ndarray:
    """The synthetic store's vectors: Gaussian (seed 0), L2-normalized, float32."""
    vecs = np.random.default_rng(0).standard_normal((n, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs


def _fill_synthetic(index: KnowledgeIndex, vecs: np.ndarray) -> float:
    # The largest batch Chroma accepts: fewer calls (each one's cost grows with the store).
    batch = index._client.get_max_batch_size()
    start = time.perf_counter()
    for lo in range(0, len(vecs), batch):
        hi = min(len(vecs), lo + batch)
        index.collection.add(
            ids=[f"synthetic-{i:06d}" for i in range(lo, hi)],
            embeddings=vecs[lo:hi],
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


def _cache_root() -> Path:
    configured = os.environ.get(CACHE_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / "interviewer" / "bench"


def _cache_key(base: Settings, embedder: MiniLMEmbedder, n: int) -> dict[str, Any]:
    """Everything that shapes the filled store, including the collection open_index creates."""
    import chromadb

    with tempfile.TemporaryDirectory(prefix="bench-retrieval-probe-") as tmp:
        probe = open_index(base.model_copy(update={"data_dir": Path(tmp)}), embedder=embedder)
        collection = probe.collection
        config = collection.configuration_json.get("hnsw")
        name = collection.name
        probe.close()
    return {
        "chunks": n,
        "dim": embedder.dim,
        "seed": 0,
        "fill_version": FILL_VERSION,
        "collection": name,
        "hnsw": config,
        "chromadb": chromadb.__version__,
    }


def _open_synthetic(
    base: Settings, embedder: MiniLMEmbedder, vecs: np.ndarray, *, fresh: bool
) -> tuple[KnowledgeIndex, dict[str, Any]]:
    """The filled synthetic store (from the cache, or filled now) and how it was obtained."""
    key = _cache_key(base, embedder, len(vecs))
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    root = _cache_root()
    folder = root / f"retrieval-{len(vecs)}-{digest}"
    stamp = folder / "fill.json"
    if not fresh and stamp.exists():
        with contextlib.suppress(StoreError):  # a damaged cache is filled again below
            index = open_index(
                base.model_copy(update={"data_dir": folder / "data"}), embedder=embedder
            )
            if index.count() == len(vecs):
                built = json.loads(stamp.read_text())
                return index, {"cached": True, "cache_dir": str(folder), **built}
            index.close()
    root.mkdir(parents=True, exist_ok=True)
    # Filled in a side folder and renamed when complete: an interrupted fill is never reused.
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
    index = open_index(base.model_copy(update={"data_dir": building / "data"}), embedder=embedder)
    seconds = _fill_synthetic(index, vecs)
    index.close()
    built = {
        "key": key,
        "fill_seconds": round(seconds, 1),
        "filled_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_after_fill": [round(x, 2) for x in os.getloadavg()],
    }
    (building / "fill.json").write_text(json.dumps(built, indent=2) + "\n")
    # Stores of the same size under other keys are stale (another chromadb version or HNSW
    # configuration): each holds hundreds of MB.
    for stale in root.glob(f"retrieval-{len(vecs)}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    building.rename(folder)
    index = open_index(base.model_copy(update={"data_dir": folder / "data"}), embedder=embedder)
    return index, {"cached": False, "cache_dir": str(folder), **built}


def _recall(index: KnowledgeIndex, vecs: np.ndarray, queries: np.ndarray, k: int) -> float:
    """Share of the exact top-k (numpy, cosine) that the HNSW search returns, over the queries."""
    exact = np.argsort(-(queries @ vecs.T), axis=1)[:, :k]
    hits = 0
    for query, truth in zip(queries, exact, strict=True):
        found = index.collection.query(query_embeddings=[query.tolist()], n_results=k, include=[])
        ids = {int(i.rsplit("-", 1)[1]) for i in found["ids"][0]}
        hits += len(ids & set(truth.tolist()))
    return round(hits / (k * len(queries)), 3)


def run(*, synthetic_chunks: int = SYNTHETIC_CHUNKS, fresh: bool = False) -> dict[str, Any]:
    """Measure retrieval latency on the real store and on a synthetic store (100k chunks).

    Args:
        synthetic_chunks: Size of the synthetic store.
        fresh: Fill the synthetic store now even when the cache holds it.
    """
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

    synthetic_vectors = _synthetic_vectors(synthetic_chunks, embedder.dim)
    synthetic, fill = _open_synthetic(base, embedder, synthetic_vectors, fresh=fresh)
    synthetic_result = {
        "chunks": synthetic.count(),
        # Seconds the fill took when the store was filled (this run, or the cached run's).
        "fill_seconds": fill["fill_seconds"],
        "fill": {k_: v for k_, v in fill.items() if k_ != "key"},
        **_measure(synthetic, queries, vectors, k),
        "recall_at_k": _recall(synthetic, synthetic_vectors, vectors, k),
    }
    synthetic.close()
    hnsw = fill["key"]["hnsw"] or {}
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
        "synthetic_100k_recall_at_k": synthetic_result["recall_at_k"],
        "query_embedding_p50_ms": real_result["query_embedding"]["p50_ms"],
        "synthetic_how": f"{synthetic_chunks} random unit vectors (384-d Gaussian, seed 0, "
        "L2-normalized) added with precomputed embeddings to an HNSW cosine collection "
        "opened by open_index, with the product's build parameters "
        f"(ef_construction {hnsw.get('ef_construction')}, max_neighbors "
        f"{hnsw.get('max_neighbors')}, ef_search {hnsw.get('ef_search')}); queries use "
        "precomputed MiniLM vectors of the bank questions. "
        + (
            "The filled store was reused from the cache (filled by an earlier run in "
            f"{fill['fill_seconds']} s on {fill['filled_at']}); "
            if fill["cached"]
            else f"The store was filled by this run in {fill['fill_seconds']} s; "
        )
        + f"recall_at_k = share of the exact top-{k} (numpy) that the HNSW search returned for "
        "the bank questions: random vectors are nearly equidistant from any query, a hard "
        "case for HNSW.",
    }


def main() -> None:
    """Command line: options, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", action="store_true", help="fill the synthetic store again")
    parser.add_argument("--synthetic", type=int, default=SYNTHETIC_CHUNKS, metavar="N")
    args = parser.parse_args()
    print(json.dumps(run(synthetic_chunks=args.synthetic, fresh=args.fresh), indent=2))


if __name__ == "__main__":
    main()
