"""The offline MiniLM embedder: real model files, batching that never changes a vector."""

from __future__ import annotations

import numpy as np
import pytest

from interviewer.errors import ConfigError
from interviewer.knowledge.embeddings import MAX_BATCH_TOKENS, FakeEmbedder, MiniLMEmbedder
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
