"""The knowledge index: chunks of the knowledge documents in Chroma, and retrieval over them.

Chroma runs embedded (``PersistentClient`` in the data directory) or as a server
(``HttpClient`` when ``INTERVIEWER_CHROMA_HOST`` is set). Each embedding model gets its own
collection, named after it, so vectors of different models never mix; the embedder is the
collection's embedding function. Ingest is incremental per document: a document whose SHA-256,
chunking rules and chunk count match what is stored is left alone, a changed one has its chunks
replaced, and (when a whole folder is ingested) a document that came from that folder and is no
longer there loses its chunks. A document ingested from elsewhere stays until its file is gone or
it is removed by name (:meth:`KnowledgeIndex.remove`).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from pydantic import BaseModel, Field

from interviewer.bank import Bank
from interviewer.errors import ConfigError, InterviewerError, StoreError
from interviewer.knowledge.chunking import Chunk, Chunker
from interviewer.knowledge.embeddings import Embedder, FakeEmbedder, MiniLMEmbedder, OpenAIEmbedder
from interviewer.knowledge.loader import Document, Skipped, load_documents
from interviewer.retrieval import RetrievedChunk
from interviewer.settings import Settings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

__all__ = [
    "ChromaEmbeddingFunction",
    "IngestReport",
    "KnowledgeIndex",
    "Progress",
    "RetrievalEval",
    "RetrievalMiss",
    "StoredDocument",
    "build_embedder",
    "collection_name",
    "ensure_ingested",
    "evaluate_retrieval",
    "open_index",
]

# Called as chunks are embedded and stored: (chunks done, chunks to do).
Progress = Callable[[int, int], None]

_ADD_BATCH = 64  # chunks embedded and written per call: keeps the progress bar moving


class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
    """Adapts an :class:`Embedder` to Chroma's embedding-function interface.

    Chroma records the function's name and config with the collection. Rebuilding it from that
    config alone (``build_from_config``) gives a function that refuses to embed: the model
    files live in the settings, so collections are opened through :func:`open_index`.
    """

    def __init__(self, embedder: Embedder | None) -> None:
        self._embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 - Chroma's parameter name
        if self._embedder is None:
            raise StoreError(
                "This Chroma collection was opened without its embedder; open it with "
                "interviewer.knowledge.index.open_index(settings)."
            )
        return list(self._embedder.embed(list(input)))

    @staticmethod
    def name() -> str:
        """Name Chroma stores with the collection."""
        return "interviewer"

    def get_config(self) -> dict[str, Any]:
        """Config Chroma stores with the collection (the embedder's name and size)."""
        if self._embedder is None:
            return {}
        return {"embedder": self._embedder.name, "dim": self._embedder.dim}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        """A placeholder that refuses to embed (see the class docstring)."""
        return ChromaEmbeddingFunction(None)

    def default_space(self) -> str:  # type: ignore[override]
        """Our vectors are L2-normalized and compared by cosine."""
        return "cosine"

    def max_tokens(self) -> int:
        """MiniLM's input limit in word pieces; chunking keeps every chunk under it."""
        return 256


class IngestReport(BaseModel):
    """What an ingest did, per document and in total."""

    documents: int = Field(description="Documents read (skipped files not included)")
    chunks: int = Field(description="Chunks of those documents now in the store")
    tokens: int = Field(description="cl100k tokens of those chunks")
    chunks_written: int = 0
    seconds: float = 0.0
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    kept: list[str] = Field(
        default_factory=list,
        description="Not in this ingest but kept: ingested from outside the pruned folder, and "
        "their files still exist",
    )
    skipped: list[Skipped] = Field(default_factory=list)
    collection: str = ""


class StoredDocument(BaseModel):
    """A document in the store, as `interviewer documents list` shows it."""

    name: str
    chunks: int
    source: str = Field(description='File it was ingested from; "" when not recorded')


class _StoredDoc(BaseModel):
    doc_sha256: str = ""
    chunker: str = ""
    expected: int = -1  # chunks the manifest says were written; -1: no manifest entry
    ids: list[str] = Field(default_factory=list)
    tokens: int = 0
    source: str = ""  # absolute path; "" in manifests written before it was recorded

    def prunable(self, roots: Sequence[Path]) -> bool:
        """Whether a whole-folder ingest of ``roots`` that did not find it may remove it.

        Only a document from one of ``roots``, or whose file is gone, or with no recorded
        source (as before sources were recorded): one ingested from elsewhere is the user's.
        """
        if not self.source:
            return True
        path = Path(self.source)
        return not path.is_file() or any(path.is_relative_to(r.resolve()) for r in roots)


class KnowledgeIndex:
    """Chunks in one Chroma collection (one per embedding model), with ingest and retrieval.

    Args:
        client: A Chroma client (persistent or HTTP).
        embedder: Embeds chunks and queries; its name names the collection.
        chunker: Cuts documents into chunks.
        where: Human description of the store, used in error messages.
        remedy: What to tell the user when Chroma fails.
    """

    def __init__(
        self,
        client: ClientAPI,
        embedder: Embedder,
        chunker: Chunker,
        *,
        where: str = "Chroma",
        remedy: str = "",
    ) -> None:
        self.embedder = embedder
        self.chunker = chunker
        self.where = where
        self.remedy = remedy
        self._client = client
        self._lock = threading.Lock()  # ingest is not safe to run twice at once
        self.collection_name = collection_name(embedder.name)
        with self._translate("open the collection"):
            self._collection: Collection = client.get_or_create_collection(
                self.collection_name,
                embedding_function=ChromaEmbeddingFunction(embedder),  # type: ignore[arg-type]
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": embedder.name, "dim": embedder.dim},
            )
            # One entry per document, written after its chunks: an ingest cut short leaves
            # no entry and the document is redone; documents with no chunks are remembered.
            self._manifest: Collection = client.get_or_create_collection(
                f"{self.collection_name}-documents", embedding_function=None
            )

    @property
    def collection(self) -> Collection:
        """The underlying Chroma collection (benchmarks add precomputed vectors to it)."""
        return self._collection

    def count(self) -> int:
        """Number of chunks stored."""
        with self._translate("count chunks"):
            return self._collection.count()

    def documents(self) -> dict[str, int]:
        """Stored documents and their chunk counts."""
        return {name: len(doc.ids) for name, doc in self._stored().items()}

    def stored_documents(self) -> list[StoredDocument]:
        """Stored documents by name, with their chunk counts and source files."""
        return [
            StoredDocument(name=name, chunks=len(doc.ids), source=doc.source)
            for name, doc in sorted(self._stored().items())
        ]

    def remove(self, names: Sequence[str]) -> list[str]:
        """Remove documents and their chunks by name; returns the names that were stored."""
        with self._lock:
            stored = self._stored()
            found = [n for n in dict.fromkeys(names) if n in stored]
            with self._translate("remove documents"):
                ids = [i for n in found for i in stored[n].ids]
                if ids:
                    self._collection.delete(ids=ids)
                if found:
                    self._manifest.delete(ids=found)
        return found

    def ingest(
        self,
        documents: Sequence[Document],
        *,
        prune: bool = False,
        roots: Sequence[Path] = (),
        progress: Progress | None = None,
    ) -> IngestReport:
        """Store the chunks of ``documents``, skipping those already stored unchanged.

        Args:
            documents: Documents to store.
            prune: Remove stored documents that are not in ``documents`` (use it when
                ``documents`` is the whole knowledge folder) and came from ``roots``, or whose
                file is gone; documents ingested from elsewhere are kept (``report.kept``).
            roots: The folders ``documents`` were read from.
            progress: Called with (chunks done, chunks to do) as chunks are written.
        """
        start = time.perf_counter()
        with self._lock:
            stored = self._stored()
            report = IngestReport(
                documents=len(documents), chunks=0, tokens=0, collection=self.collection_name
            )
            pending: list[Chunk] = []
            stale: list[str] = []
            # Manifest entries to write, with their chunk counts: changed documents, and
            # unchanged ones read from another file than recorded (or recorded without one).
            entries: dict[str, int] = {}
            for doc in _dedupe(documents):
                old = stored.get(doc.name)
                if old is not None and self._is_current(old, doc):
                    report.unchanged.append(doc.name)
                    report.chunks += len(old.ids)
                    report.tokens += old.tokens
                    if old.source != doc.source:
                        entries[doc.name] = len(old.ids)
                    continue
                chunks = self.chunker.chunk(doc)
                entries[doc.name] = len(chunks)
                (report.updated if old is not None else report.added).append(doc.name)
                report.chunks += len(chunks)
                report.tokens += sum(c.tokens for c in chunks)
                pending.extend(chunks)
                if old is not None:
                    new_ids = {c.chunk_id for c in chunks}
                    stale.extend(i for i in old.ids if i not in new_ids)
            if prune:
                names = {d.name for d in documents}
                for name, old in sorted(stored.items()):
                    if name in names:
                        continue
                    if old.prunable(roots):
                        report.removed.append(name)
                        stale.extend(old.ids)
                    else:
                        report.kept.append(name)
            docs = {d.name: d for d in documents}
            self._write(pending, docs, progress)
            with self._translate("delete old chunks"):
                if stale:
                    self._collection.delete(ids=stale)
                if report.removed:
                    self._manifest.delete(ids=report.removed)
            self._write_manifest([docs[name] for name in entries], entries)
        report.chunks_written = len(pending)
        report.seconds = time.perf_counter() - start
        return report

    def ingest_paths(
        self, paths: Sequence[Path], *, prune: bool = False, progress: Progress | None = None
    ) -> IngestReport:
        """Load files and folders, then :meth:`ingest` them; skipped files are in the report.

        With ``prune``, stored documents that came from ``paths`` and are gone from them are
        removed (see :meth:`ingest`).
        """
        start = time.perf_counter()
        docs, skipped = load_documents(paths)
        report = self.ingest(docs, prune=prune, roots=paths, progress=progress)
        report.skipped = skipped
        report.seconds = time.perf_counter() - start
        return report

    def retrieve(self, query: str, k: int = 4) -> list[RetrievedChunk]:
        """The ``k`` chunks closest to ``query``, best first.

        The score is the cosine similarity clipped to [0, 1] (Chroma returns the cosine
        distance ``1 - cos``).
        """
        if not query.strip() or k < 1:
            return []
        with self._translate("search"):
            # Chroma returns fewer than k results when the store holds fewer chunks.
            result = self._collection.query(
                query_texts=[query],
                n_results=k,
                include=["documents", "metadatas", "distances"],  # type: ignore[list-item]
            )
        return _to_retrieved(result)

    def close(self) -> None:
        """Release the client's resources (the embedded store's files stay on disk)."""
        import contextlib

        with contextlib.suppress(Exception):  # closing is best effort
            self._client.clear_system_cache()

    # -- internals -------------------------------------------------------------------------

    def _is_current(self, old: _StoredDoc, doc: Document) -> bool:
        return (
            old.doc_sha256 == doc.sha256
            and old.chunker == self.chunker.signature
            and old.expected == len(old.ids)
        )

    def _stored(self) -> dict[str, _StoredDoc]:
        with self._translate("read the stored chunks"):
            chunks = self._collection.get(include=["metadatas"])  # type: ignore[list-item]
            manifest = self._manifest.get(include=["metadatas"])  # type: ignore[list-item]
        out: dict[str, _StoredDoc] = {}
        for chunk_id, meta in zip(chunks["ids"], chunks["metadatas"] or [], strict=False):
            entry = out.setdefault(str(meta.get("document", "")), _StoredDoc())
            entry.ids.append(chunk_id)
            entry.tokens += int(meta.get("tokens", 0))  # type: ignore[arg-type]
        for name, meta in zip(manifest["ids"], manifest["metadatas"] or [], strict=False):
            entry = out.setdefault(name, _StoredDoc())
            entry.doc_sha256 = str(meta.get("doc_sha256", ""))
            entry.chunker = str(meta.get("chunker", ""))
            entry.expected = int(meta.get("chunks", -1))  # type: ignore[arg-type]
            entry.source = str(meta.get("source", ""))
        return out

    def _write_manifest(self, docs: list[Document], per_doc: dict[str, int]) -> None:
        if not docs:
            return
        with self._translate("record ingested documents"):
            self._manifest.upsert(
                ids=[d.name for d in docs],
                embeddings=np.ones((len(docs), 1), dtype=np.float32),  # looked up by id only
                metadatas=[
                    {
                        "doc_sha256": d.sha256,
                        "chunker": self.chunker.signature,
                        "chunks": per_doc[d.name],
                        "title": d.title,
                        "origin": d.origin,
                        "source": d.source,
                    }
                    for d in docs
                ],
            )

    def _write(
        self, chunks: list[Chunk], docs: dict[str, Document], progress: Progress | None
    ) -> None:
        if progress:
            progress(0, len(chunks))
        for start in range(0, len(chunks), _ADD_BATCH):
            batch = chunks[start : start + _ADD_BATCH]
            metadatas: list[dict[str, str | int | float | bool | None]] = [
                {
                    "document": c.document,
                    "title": c.title,
                    "origin": docs[c.document].origin,
                    "heading": c.heading,
                    "position": c.position,
                    "tokens": c.tokens,
                    "wordpieces": c.wordpieces,
                    "sha256": c.sha256,
                    "prefix_len": len(c.prefix),
                    "doc_sha256": docs[c.document].sha256,
                    "chunker": self.chunker.signature,
                }
                for c in batch
            ]
            with self._translate("store chunks"):
                # upsert: an unchanged chunk of a changed document keeps its id
                self._collection.upsert(
                    ids=[c.chunk_id for c in batch],
                    documents=[c.embed_text for c in batch],
                    metadatas=metadatas,  # type: ignore[arg-type]
                )
            if progress:
                progress(start + len(batch), len(chunks))

    @contextmanager
    def _translate(self, action: str) -> Iterator[None]:
        try:
            yield
        except InterviewerError:
            raise
        except Exception as exc:  # foreign errors enter here
            raise StoreError(_store_message(self.where, action, exc, self.remedy)) from exc


def collection_name(embedder_name: str) -> str:
    """Chroma collection name for an embedder: ``knowledge-<embedder>``."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", embedder_name).strip("-._") or "default"
    return f"knowledge-{slug}"[:200]


_EMBEDDERS: dict[tuple[str, ...], Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()
# Chroma's embedded client is not safe to create from two threads at once (chromadb 1.5: one
# registers the store before starting it, the other uses it half-built, and both fail with
# "'RustBindingsAPI' object has no attribute 'bindings'" or a KeyError on the path). The app's
# warm-up, the grader and a bank save each open it in the first seconds.
_CLIENT_LOCK = threading.Lock()


def build_embedder(settings: Settings) -> Embedder:
    """The embedder chosen by ``settings.embedding`` (loaded once per process).

    Raises:
        ConfigError: Model files are missing, or OpenAI embeddings are chosen but remote
            models are not allowed or no API key is set.
    """
    if settings.embedding == "fake":
        return FakeEmbedder()
    if settings.embedding == "openai":
        if not settings.allow_remote:
            raise ConfigError(
                "OpenAI embeddings are chosen but remote models are off "
                "(INTERVIEWER_ALLOW_REMOTE=false): set INTERVIEWER_EMBEDDING=minilm."
            )
        if settings.llm_api_key is None and not settings.llm_base_url:
            raise ConfigError(
                "OpenAI embeddings need an API key: set OPENAI_API_KEY (or "
                "INTERVIEWER_LLM_API_KEY), or set INTERVIEWER_EMBEDDING=minilm."
            )
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "unused"
        return OpenAIEmbedder(
            model=settings.openai_embedding_model, api_key=key, base_url=settings.llm_base_url
        )
    cache_key = ("minilm", str(settings.models_dir.resolve()))
    with _EMBEDDERS_LOCK:
        if cache_key not in _EMBEDDERS:
            _EMBEDDERS[cache_key] = MiniLMEmbedder(settings.models_dir)
        return _EMBEDDERS[cache_key]


def open_index(settings: Settings, *, embedder: Embedder | None = None) -> KnowledgeIndex:
    """Open (creating if needed) the knowledge index the settings point at.

    Args:
        settings: Where the store is (data directory or Chroma server) and which embedder.
        embedder: Use this embedder instead of :func:`build_embedder` (tests, benchmarks).

    Raises:
        StoreError: Chroma cannot be opened or reached; the message says what to do.
        ConfigError: The embedder's model files are missing.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    embedder = embedder or build_embedder(settings)
    chunker = Chunker.from_settings(
        chunk_tokens=settings.chunk_tokens,
        chunk_overlap=settings.chunk_overlap,
        models_dir=settings.models_dir,
    )
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = settings.chroma_url
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
        where = f"the Chroma server at {url}"
        remedy = (
            # Its own folder: "data/chroma" started an empty server in the embedded store's
            # place, whatever the data folder was.
            f"Start it with `chroma run --host {host} --port {port} --path "
            f"{settings.data_dir.resolve() / 'chroma-server'}` (or where its data lives), "
            "or unset INTERVIEWER_CHROMA_HOST to use the embedded store."
        )
        try:
            # The whole URL, port included: Chroma reads the port of a URL from the URL alone.
            client = chromadb.HttpClient(host=url, settings=chroma_settings)
        except Exception as exc:  # foreign errors enter here
            raise StoreError(
                f"Chroma server at {url} is unreachable ({_first_line(exc)}). {remedy}"
            ) from exc
    else:
        path = settings.chroma_path
        where = f"the Chroma store in {path}"
        remedy = (
            f"Check that {path} is writable and not used by another Chroma version; if it is "
            "damaged, delete it and run `interviewer ingest` to rebuild it."
        )
        try:
            path.mkdir(parents=True, exist_ok=True)
            with _CLIENT_LOCK:
                client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception as exc:  # foreign errors enter here
            raise StoreError(_store_message(where, "open", exc, remedy)) from exc
    return KnowledgeIndex(client, embedder, chunker, where=where, remedy=remedy)


def ensure_ingested(
    settings: Settings,
    *,
    index: KnowledgeIndex | None = None,
    progress: Progress | None = None,
) -> KnowledgeIndex:
    """Open the index and, when it is empty, ingest ``settings.knowledge_dir`` into it.

    Commands and the app call this before retrieving, so a fresh data directory works.

    Raises:
        StoreError: Chroma fails, or the knowledge folder holds no usable document.
    """
    index = index or open_index(settings)
    if index.count() == 0:
        report = index.ingest_paths([settings.knowledge_dir], prune=True, progress=progress)
        if report.chunks == 0:
            raise StoreError(
                f"No knowledge documents could be ingested from {settings.knowledge_dir}: add "
                "Markdown files there (or set INTERVIEWER_KNOWLEDGE_DIR) and run "
                "`interviewer ingest`."
            )
    return index


def _to_retrieved(result: Any) -> list[RetrievedChunk]:
    ids = result["ids"][0]
    texts = (result.get("documents") or [[]])[0]
    metas = (result.get("metadatas") or [[]])[0]
    dists = (result.get("distances") or [[]])[0]
    out: list[RetrievedChunk] = []
    for chunk_id, text, meta, dist in zip(ids, texts, metas, dists, strict=False):
        meta = meta or {}
        prefix_len = int(meta.get("prefix_len", 0))
        out.append(
            RetrievedChunk(
                chunk_id=chunk_id,
                text=(text or "")[prefix_len:],
                document=str(meta.get("document", "")),
                heading=str(meta.get("heading", "")),
                position=int(meta.get("position", 0)),
                score=min(1.0, max(0.0, 1.0 - float(dist))),
            )
        )
    return out


def _dedupe(documents: Sequence[Document]) -> list[Document]:
    """Documents by name, the last one winning (two paths may share a file name)."""
    return list({d.name: d for d in documents}.values())


def _store_message(where: str, action: str, exc: Exception, remedy: str) -> str:
    return f"Chroma failed to {action} ({where}): {_first_line(exc)}. {remedy}".strip()


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__


class RetrievalMiss(BaseModel):
    """A bank question whose top result was not from its sources (rank None: not in top k)."""

    id: str
    text: str
    sources: list[str]
    rank: int | None = Field(description="Rank of the first chunk from a source, if within k")
    top: list[str] = Field(description="Citations of the top results")


class RetrievalEval(BaseModel):
    """Recall@1, recall@k and MRR of retrieval over the question bank."""

    n: int
    k: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    misses: list[RetrievalMiss] = Field(default_factory=list)


def evaluate_retrieval(index: KnowledgeIndex, bank: Bank, *, k: int = 5) -> RetrievalEval:
    """Query with each bank question's text; a hit is a chunk from one of its source documents.

    ``recall_at_5`` counts hits within the top ``k`` (5 by default); MRR uses the first hit's
    rank within the top ``k`` (0 when none). Questions without sources are left out.
    """
    ranks: list[int | None] = []
    misses: list[RetrievalMiss] = []
    for question in bank.questions:
        sources = sorted({s.document for s in question.sources})
        if not sources:
            continue
        results = index.retrieve(question.text, k)
        rank = next((i + 1 for i, r in enumerate(results) if r.document in sources), None)
        ranks.append(rank)
        if rank != 1:
            misses.append(
                RetrievalMiss(
                    id=question.id,
                    text=question.text,
                    sources=sources,
                    rank=rank,
                    top=[r.citation.label() for r in results],
                )
            )
    n = len(ranks)
    return RetrievalEval(
        n=n,
        k=k,
        recall_at_1=_share(sum(r == 1 for r in ranks), n),
        recall_at_5=_share(sum(r is not None for r in ranks), n),
        mrr=round(sum(1 / r for r in ranks if r) / n, 4) if n else 0.0,
        misses=misses,
    )


def _share(hits: int, n: int) -> float:
    return round(hits / n, 4) if n else 0.0
