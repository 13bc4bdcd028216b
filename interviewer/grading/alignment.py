"""Token alignment: how much of one text's meaning another carries, word piece by word piece.

Each content word piece of a reference (a key point or a model answer) is matched with its
most similar word piece of the answer, by the cosine of their contextual MiniLM vectors, and the
matches are averaged (BERTScore's greedy matching, Zhang et al. 2020, with MiniLM instead of a
large model). On the development data this recall,
and the same measure in the other direction (precision), track the human scores better than
comparing whole sentence vectors, and they cost one pass of the answer through the model.

Words of the question, stopwords and punctuation are left out on both sides: an answer that
restates the question must not align with anything.

BERTScore's optional rarity (IDF) weighting is left out: weighting pieces by English word
rarity (``wordsegment`` unigram counts) lowered the agreement with human scores slightly on
the development data (SciEntsBank unseen questions, recall: Pearson 0.487 vs 0.499).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from interviewer.knowledge.embeddings import TokenVectors

__all__ = [
    "Aligned",
    "content_tokens",
    "cosines",
    "precision",
    "recall",
    "span_masks",
    "span_precisions",
    "span_recalls",
]

_ALNUM = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True)
class Aligned:
    """A text's content word pieces: vectors and character offsets."""

    text: str
    vectors: np.ndarray  # (pieces, dim), L2-normalized rows
    offsets: list[tuple[int, int]]

    @property
    def empty(self) -> bool:
        """True when the text has no content word piece left."""
        return len(self.offsets) == 0


def _word_at(text: str, start: int, end: int) -> str:
    """The whole word around the piece ``text[start:end]`` (a piece may be '##ing')."""
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[start:end].lower()


def content_tokens(
    tokens: TokenVectors,
    *,
    skip_words: frozenset[str],
    skip_stems: set[str],
    stem: Callable[[str], str],
) -> Aligned:
    """The content word pieces of ``tokens``: not punctuation, stopwords or question words.

    Args:
        tokens: Per-piece vectors and offsets of one text.
        skip_words: Lower-case words never counted (stopwords, negations).
        skip_stems: Stems never counted (the question's words).
        stem: The stemming function that produced ``skip_stems``.
    """
    keep: list[int] = []
    text = tokens.text
    for i, (a, b) in enumerate(tokens.offsets):
        if b <= a or not _ALNUM.search(text[a:b]):
            continue  # punctuation
        word = _word_at(text, a, b)
        if len(word) < 2 or word in skip_words or stem(word) in skip_stems:
            continue  # the "s" of "'s", stopwords, the question's words
        keep.append(i)
    dim = tokens.vectors.shape[1] if tokens.vectors.ndim == 2 else 0
    vectors = tokens.vectors[keep] if keep else np.zeros((0, dim), np.float32)
    return Aligned(text, vectors, [tokens.offsets[i] for i in keep])


def cosines(references: list[Aligned], answer: Aligned) -> list[np.ndarray]:
    """Piece-by-piece cosines (reference pieces x answer pieces, clipped at 0) of each reference.

    One matrix product for all references: the key points and the model answer of a question
    are aligned with the same answer.
    """
    sizes = [len(r.offsets) for r in references]
    if answer.empty or not any(sizes):
        return [np.zeros((n, len(answer.offsets)), np.float32) for n in sizes]
    stacked = np.concatenate([r.vectors for r in references if not r.empty])
    product = np.clip(stacked @ answer.vectors.T, 0.0, 1.0)
    out, row = [], 0
    for n in sizes:
        out.append(product[row : row + n])
        row += n
    return out


def recall(sims: np.ndarray) -> float:
    """Mean, over the reference's pieces (rows), of their best cosine with the answer's.

    0 when either side has no content piece.
    """
    return float(sims.max(axis=1).mean()) if sims.size else 0.0


def precision(sims: np.ndarray) -> float:
    """Mean, over the answer's pieces (columns), of their best cosine with the reference's."""
    return float(sims.max(axis=0).mean()) if sims.size else 0.0


def span_masks(answer: Aligned, spans: list[tuple[int, int]]) -> list[np.ndarray]:
    """For each character span of the answer, which of its pieces lie inside it."""
    starts = np.array([a for a, _ in answer.offsets], dtype=int)
    ends = np.array([b for _, b in answer.offsets], dtype=int)
    return [(starts >= start) & (ends <= end) for start, end in spans]


def span_recalls(sims: np.ndarray, answer: Aligned, spans: list[tuple[int, int]]) -> list[float]:
    """:func:`recall` of the reference against each character span of the answer."""
    if not sims.size or not spans:
        return [0.0] * len(spans)
    return [
        float(sims[:, inside].max(axis=1).mean()) if inside.any() else 0.0
        for inside in span_masks(answer, spans)
    ]


def span_precisions(sims: np.ndarray, answer: Aligned, spans: list[tuple[int, int]]) -> list[float]:
    """:func:`precision` of each character span of the answer against the reference."""
    if not sims.size or not spans:
        return [0.0] * len(spans)
    best = sims.max(axis=0)
    return [
        float(best[inside].mean()) if inside.any() else 0.0 for inside in span_masks(answer, spans)
    ]
