"""Ingest benchmark: chunk + embed + store the real knowledge base, and our embedder vs Chroma's.

Prints JSON. Chroma's default embedding function (``ONNXMiniLM_L6_V2``) downloads its model on
first use; here it is given the *same* int8 ``model.onnx`` and ``tokenizer.json`` as ours, laid
out in its ``DOWNLOAD_PATH/onnx/`` folder in a temporary directory, so the comparison measures
only how each one batches and pads. Chroma also insists on ``config.json``,
``special_tokens_map.json``, ``tokenizer_config.json`` and ``vocab.txt`` being present (it
never reads them): they are derived from ``tokenizer.json`` (the vocabulary in id order, the
BERT special tokens, the standard all-MiniLM-L6-v2 BERT config).

The chunk comparison runs on a stated sample: every k-th chunk of the knowledge base
(``CHUNK_SAMPLE`` of them, in document order). Chroma's function costs about the same per input
whatever its length (it pads to 256), and the sample spreads over the whole base, so the
speed-up (a ratio) comes out close to the whole set's in a fraction of the time (64 chunks:
2.1x, all 166: 2.3x, measured back to back on 2026-11-26); ``FULL_RUN``
(``bench/run_all.py --full``) compares on every chunk. The sentence comparison always uses the
workload the issue names: ``N_SENTENCES`` (1,000) distinct answer-length sentences, from the
bank's model answers and key points first, then the knowledge documents' prose sentences of
8-40 words (100 sentences under-counted the speed-up: per-shape warm-up weighs on few batches).

Run: ``.venv/bin/python bench/ingest.py [--full]``
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from interviewer.bank import load_bank
from interviewer.knowledge.chunking import Chunker
from interviewer.knowledge.embeddings import MiniLMEmbedder
from interviewer.knowledge.index import open_index
from interviewer.knowledge.loader import load_documents
from interviewer.settings import Settings

T = TypeVar("T")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
CHUNK_SAMPLE = 64
N_SENTENCES = 1000
# Keyword arguments of run() for bench/run_all.py --full: every chunk (sentences as usual).
FULL_RUN: dict[str, Any] = {"chunk_sample": None}

# all-MiniLM-L6-v2's BERT configuration (sentence-transformers/all-MiniLM-L6-v2 config.json).
_BERT_CONFIG = {
    "architectures": ["BertModel"],
    "attention_probs_dropout_prob": 0.1,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "hidden_size": 384,
    "initializer_range": 0.02,
    "intermediate_size": 1536,
    "layer_norm_eps": 1e-12,
    "max_position_embeddings": 512,
    "model_type": "bert",
    "num_attention_heads": 12,
    "num_hidden_layers": 6,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
    "type_vocab_size": 2,
    "vocab_size": 30522,
}


def chroma_default_function(models_dir: Path, folder: Path) -> Any:
    """Chroma's ONNXMiniLM_L6_V2 pointed at our model files (never downloads)."""
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

    onnx = folder / ONNXMiniLM_L6_V2.EXTRACTED_FOLDER_NAME
    onnx.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(models_dir / "minilm" / "model.onnx", onnx / "model.onnx")
    shutil.copyfile(models_dir / "minilm" / "tokenizer.json", onnx / "tokenizer.json")
    tok = json.loads((onnx / "tokenizer.json").read_text())
    vocab = sorted(tok["model"]["vocab"].items(), key=lambda kv: kv[1])
    (onnx / "vocab.txt").write_text("".join(f"{word}\n" for word, _ in vocab))
    (onnx / "config.json").write_text(json.dumps(_BERT_CONFIG, indent=2))
    specials = {
        "unk_token": "[UNK]",
        "sep_token": "[SEP]",
        "pad_token": "[PAD]",
        "cls_token": "[CLS]",
        "mask_token": "[MASK]",
    }
    (onnx / "special_tokens_map.json").write_text(json.dumps(specials, indent=2))
    (onnx / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "do_lower_case": True,
                "model_max_length": 512,
                "tokenizer_class": "BertTokenizer",
                **specials,
            },
            indent=2,
        )
    )
    ef = ONNXMiniLM_L6_V2(preferred_providers=["CPUExecutionProvider"])
    ef.DOWNLOAD_PATH = folder  # instance attribute: the class default stays untouched
    return ef


def answer_sentences(settings: Settings, n: int = N_SENTENCES) -> list[str]:
    """n distinct answer-length sentences (cycled only if the sources hold fewer than n).

    The bank's model-answer sentences and key points come first (the grader's own workload),
    then prose sentences of 8-40 words from the knowledge documents, in file order.
    """
    bank = load_bank(settings.knowledge_dir / "questions.yaml")
    pool: list[str] = []
    for q in bank.questions:
        pool.extend(s.strip() for s in _SENTENCE_END.split(q.model_answer) if len(s) > 20)
        pool.extend(q.key_points)
    docs, _ = load_documents([settings.knowledge_dir])
    for doc in docs:
        for line in doc.text.splitlines():
            if line.strip() and not line.lstrip().startswith(("#", "|", ">", "```")):
                sentences = _SENTENCE_END.split(line.strip().lstrip("-*0123456789. "))
                pool.extend(s for s in sentences if 8 <= len(s.split()) <= 40)
    distinct = list(dict.fromkeys(pool))
    return [distinct[i % len(distinct)] for i in range(n)]


def every_kth(items: list[T], n: int | None) -> list[T]:
    """About ``n`` items spread evenly over the list (every k-th); all of them when n is None."""
    if n is None or n >= len(items):
        return list(items)
    return items[:: len(items) // n][:n]


def _timed_cpu(fn: Any, *args: Any) -> tuple[Any, float, float]:
    """Result, wall seconds and CPU seconds of this process (all its threads)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def _compare(ours: MiniLMEmbedder, chroma: Any, texts: list[str]) -> dict[str, float]:
    ours.embed(texts[:2])  # warm both sessions up: model load is not part of the comparison
    chroma(texts[:2])
    mine, mine_s, mine_cpu = _timed_cpu(ours.embed, texts)
    theirs, theirs_s, theirs_cpu = _timed_cpu(chroma, texts)
    cos = np.sum(mine * np.asarray(theirs, dtype=np.float32), axis=1)
    return {
        "ours_seconds": round(mine_s, 3),
        "chroma_default_seconds": round(theirs_s, 3),
        "speedup": round(theirs_s / mine_s, 2),
        "ours_cpu_seconds": round(mine_cpu, 3),
        "chroma_default_cpu_seconds": round(theirs_cpu, 3),
        "speedup_cpu_time": round(theirs_cpu / mine_cpu, 2),
        "min_cosine_ours_vs_chroma": round(float(cos.min()), 5),
    }


def run(*, chunk_sample: int | None = CHUNK_SAMPLE, sentences: int = N_SENTENCES) -> dict[str, Any]:
    """Ingest the knowledge folder into a fresh store and compare embedding speed with Chroma.

    Args:
        chunk_sample: How many chunks (every k-th) the comparison embeds; None for all.
        sentences: How many answer sentences the comparison embeds.
    """
    base = Settings()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        settings = base.model_copy(update={"data_dir": Path(tmp) / "data"})
        docs, skipped = load_documents([settings.knowledge_dir])
        embedder = MiniLMEmbedder(settings.models_dir)
        embedder.embed(["warm up"])
        index = open_index(settings, embedder=embedder)
        report = index.ingest(docs, prune=True)

        chunker = Chunker.from_settings(
            chunk_tokens=settings.chunk_tokens,
            chunk_overlap=settings.chunk_overlap,
            models_dir=settings.models_dir,
        )
        chunks = [c for d in docs for c in chunker.chunk(d)]
        sample = every_kth(chunks, chunk_sample)
        texts = [c.embed_text for c in sample]

        chroma = chroma_default_function(settings.models_dir, Path(tmp) / "chroma-onnx")
        on_chunks = _compare(embedder, chroma, texts)
        embed_s = on_chunks["ours_seconds"]
        short = answer_sentences(settings, sentences)
        on_sentences = _compare(embedder, chroma, short)
        index.close()

    return {
        "documents": report.documents,
        "skipped": len(skipped),
        "chunks": report.chunks,
        "tokens": report.tokens,
        "chunk_tokens_mean": round(statistics.mean(c.tokens for c in chunks), 1),
        "chunk_wordpieces_max": max(c.wordpieces for c in chunks),
        "total_seconds": round(report.seconds, 3),
        "embedding_seconds": round(embed_s, 3),
        "chunks_per_second": round(report.chunks / report.seconds, 2),
        "chunks_per_second_embedding_only": round(len(texts) / embed_s, 2),
        "speedup_vs_chroma_default_chunks": on_chunks["speedup"],
        "speedup_vs_chroma_default_sentences": on_sentences["speedup"],
        "chroma_default_chunks": on_chunks
        | {
            "n": len(texts),
            "of": len(chunks),
            "sample": "all chunks"
            if len(sample) == len(chunks)
            else f"every k-th chunk in document order, k = {len(chunks) // len(sample)}",
            "mean_wordpieces": round(statistics.mean(c.wordpieces for c in sample), 1),
        },
        "chroma_default_sentences": on_sentences
        | {
            "n": len(short),
            "distinct": len(set(short)),
            "mean_words": round(statistics.mean(len(s.split()) for s in short), 1),
            "mean_wordpieces": round(
                statistics.mean(embedder.count_wordpieces(s) for s in short), 1
            ),
            "source": "the bank's model-answer sentences and key points, then prose sentences "
            "of 8-40 words from the knowledge documents (the issue's 1,000 answer-length texts)",
        },
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "notes": "speedups are wall-clock ratios; CPU-time ratios (less sensitive to other "
        "processes on the machine) are in the detail objects. "
        "total = ingest (model already loaded) into a fresh embedded store (chunking, embedding, "
        "Chroma writes); embedding_seconds and chunks_per_second_embedding_only are ours on "
        "the compared chunks (chroma_default_chunks.n); both embedders use the same int8 "
        "model.onnx and tokenizer.json; "
        "Chroma's ONNXMiniLM_L6_V2 pads every input to 256 word pieces and runs batches of 32 "
        "one after another on ONNX Runtime's default threads; ours pads to the longest input of "
        "each length-sorted batch (at most 32 texts, 2,048 padded pieces) and runs two batches "
        "at a time, one single-threaded model call each.",
    }


if __name__ == "__main__":
    print(json.dumps(run(**FULL_RUN) if "--full" in sys.argv[1:] else run(), indent=2))
