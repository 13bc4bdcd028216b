"""Token alignment: which words count, and how much of a reference an answer carries."""

from __future__ import annotations

import numpy as np
import pytest
from grading_support import MODELS

from interviewer.grading import shared_embedder
from interviewer.grading.alignment import (
    Aligned,
    _word_at,
    content_tokens,
    cosines,
    precision,
    recall,
    span_recalls,
)
from interviewer.grading.similarity import _SKIP_WORDS, _stem, content_stems
from interviewer.knowledge.embeddings import TokenEmbedder

QUESTION = "Why does the generator's gradient vanish early in GAN training?"


@pytest.fixture(scope="module")
def embedder() -> TokenEmbedder:
    return shared_embedder(MODELS)


def _aligned(embedder: TokenEmbedder, text: str) -> Aligned:
    (tokens,) = embedder.embed_tokens([text])
    stems = set(content_stems(QUESTION))
    return content_tokens(tokens, skip_words=_SKIP_WORDS, skip_stems=stems, stem=_stem)


def test_alignment_leaves_out_question_words_stopwords_and_punctuation(
    embedder: TokenEmbedder,
) -> None:
    answer = "The generator's gradient vanishes, because the discriminator saturates."
    aligned = _aligned(embedder, answer)
    words = {_word_at(answer, a, b) for a, b in aligned.offsets}  # whole words of the pieces
    assert {"discriminator", "saturates"} <= words
    assert not words & {"the", "generator", "gradient", ",", ".", "s", "generator's"}


def test_alignment_restating_the_question_leaves_nothing_to_align(
    embedder: TokenEmbedder,
) -> None:
    assert _aligned(embedder, QUESTION).empty


def test_alignment_paraphrase_recalls_more_than_unrelated_text(embedder: TokenEmbedder) -> None:
    reference = _aligned(embedder, "The discriminator rejects the fakes, so log(1 - D) saturates.")
    paraphrase = _aligned(embedder, "D easily spots the fake samples and the loss flattens out.")
    unrelated = _aligned(embedder, "I enjoy hiking in the mountains with my dog on weekends.")
    close, far = cosines([reference, reference], paraphrase)[0], cosines([reference], unrelated)[0]
    assert recall(close) > recall(far) + 0.1
    assert precision(close) > precision(far)


def test_alignment_span_recall_finds_the_sentence_that_makes_the_point(
    embedder: TokenEmbedder,
) -> None:
    answer_text = (
        "Training GANs is popular. The critic must be 1-Lipschitz, via a gradient penalty."
    )
    answer = _aligned(embedder, answer_text)
    key_point = _aligned(embedder, "The critic has to be Lipschitz, enforced by gradient penalty")
    split = answer_text.index("The critic")
    (sims,) = cosines([key_point], answer)
    first, second = span_recalls(sims, answer, [(0, split), (split, len(answer_text))])
    assert second > first


def test_alignment_empty_sides_score_zero(embedder: TokenEmbedder) -> None:
    empty = _aligned(embedder, QUESTION)
    other = _aligned(embedder, "Mode collapse.")
    for sims in cosines([empty], other) + cosines([other], empty):
        assert recall(sims) == 0.0 == precision(sims)
        assert np.asarray(sims).size == 0
