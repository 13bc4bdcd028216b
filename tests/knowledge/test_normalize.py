"""normalize_text: typographic debris, glued words, and what must never change."""

from __future__ import annotations

import re

import pytest
import wordsegment
from hypothesis import given, settings
from hypothesis import strategies as st

from interviewer.knowledge.normalize import normalize_text, split_glued


def _norm(text: str) -> str:
    return normalize_text(text).rstrip("\n")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "What areGenerative Adversarial Networks (GANs)?",
            "What are Generative Adversarial Networks (GANs)?",
        ),
        (
            "the roles of thegeneratoranddiscriminatorin a GAN",
            "the roles of the generator and discriminator in a GAN",
        ),
        ("used ofsuper-resolution imaging", "used of super-resolution imaging"),
        ("describe thearchitectureof a basic GAN", "describe the architecture of a basic GAN"),
        (
            "pitfalls whentraining GANsonsmall datasets",
            "pitfalls when training GANs on small datasets",
        ),
        ("trainingGANsonsmall datasets", "training GANs on small datasets"),
        (
            "behindConditional GANs (cGANs)and their uses",
            "behind Conditional GANs (cGANs) and their uses",
        ),
        (
            "the concept ofCycleGANand its application toimage-to-image",
            "the concept of CycleGAN and its application to image-to-image",
        ),
        ("What areStyleGANsand how", "What are StyleGANs and how"),
        ("applied to GANtraining.", "applied to GAN training."),
        ("between differentdomainsor datasets", "between different domains or datasets"),
        ("inprivacy-preservingdata release", "in privacy-preserving data release"),
        ("oftransfer learningapply to GANs", "of transfer learning apply to GANs"),
        (
            "What are the ongoingchallengesresearchers face",
            "What are the ongoing challenges researchers face",
        ),
    ],
)
def test_normalize_splits_glued_words(raw: str, clean: str) -> None:
    assert _norm(raw) == clean


@pytest.mark.parametrize(
    "term",
    [
        "GAN",
        "GANs",
        "DCGAN",
        "DCGANs",
        "StyleGAN2",
        "CycleGAN",
        "SRGAN",
        "ESRGAN",
        "WGAN-GP",
        "cGAN",
        "cGANs",
        "LeakyReLU",
        "ReLU",
        "tanh",
        "softmax",
        "PyTorch",
        "TensorFlow",
        "BigGAN",
        "pix2pix",
        "ProGAN",
        "progan",
        "stylegan",
        "KL",
        "JS",
        "AdaIN",
        "GANSpace",
        "VGGNet",
        "XLNet",
        "ASVspoof",
        "autoencoders",
        "hyperparameters",
        "minibatch",
        "pretrained",
        "backpropagated",
        "deepfakes",
        "inpainting",
        "upsample",
        "logits",
        "keras",
        "numpy",
        "Goodfellow",
        "Premanand",
        "Bińkowski",
        "iPhone",
        "macOS",
        "discriminator",
    ],
)
def test_normalize_never_splits_terms_and_names(term: str) -> None:
    assert _norm(f"We use {term} here.") == f"We use {term} here."


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("This isn‘t science fiction", "This isn't science fiction"),
        (
            "the GAN‘s design and the Earth Mover’s distance",
            "the GAN's design and the Earth Mover's distance",
        ),
        ("a “real” sample", 'a "real" sample'),
        ("donâ€™t panic", "don't panic"),
        ("bell\x07 and\x00 null", "bell and null"),
        ("zero\u200bwidth and\u00a0nbsp", "zerowidth and nbsp"),
        ("trailing spaces   ", "trailing spaces"),
    ],
)
def test_normalize_fixes_typographic_debris(raw: str, clean: str) -> None:
    assert _norm(raw) == clean


def test_normalize_leaves_code_math_and_links_untouched() -> None:
    text = (
        "# Heading thelatent\n\n"
        "- item with `thegeneratoranddiscriminator` and $\\mathbb{E}_{x}[\\log D(x)]$\n"
        "- see [thelatent space](https://example.org/thelatentspace) or https://x.org/ismode\n\n"
        "```python\nthegeneratoranddiscriminator = isn‘t  \n\n\n\nx = 1\n```\n"
    )
    expected = (
        "# Heading the latent\n\n"
        "- item with `thegeneratoranddiscriminator` and $\\mathbb{E}_{x}[\\log D(x)]$\n"
        "- see [the latent space](https://example.org/thelatentspace) or https://x.org/ismode\n\n"
        "```python\nthegeneratoranddiscriminator = isn‘t  \n\n\n\nx = 1\n```\n"
    )
    assert normalize_text(text) == expected


def test_normalize_keeps_markdown_structure() -> None:
    text = (
        "# Title\n\n## Section\n\n1. first\n2. second\n\n"
        "> quote **bold** _em_\n\n| a | b |\n|---|---|\n"
    )
    assert normalize_text(text) == text


def test_normalize_leaves_identifiers_paths_and_numbers_alone() -> None:
    text = "Call nn.Module, torch.optim.Adam, toString() at /usr/thelatent_x with lr=2e-4 and 10x."
    assert _norm(text) == text


def test_split_glued_keeps_unknown_when_in_doubt() -> None:
    assert split_glued("qwzxv") == "qwzxv"
    assert split_glued("pseudonymization") == "pseudonymization"


# --- properties -------------------------------------------------------------------------

_ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + list(" \n\t.,;:!?()[]-*#>`'\"/$_")
    + ["‘", "’", "“", "”", "—", "\u00a0", "é", "ń"]
)
_GLUED = [
    "thelatent",
    "ismode",
    "areGenerative",
    "GANsonsmall",
    "CycleGANand",
    "(cGANs)and",
    "toimage-to-image",
]
_WORDS = st.sampled_from(
    ["the", "GAN", "training", "softmax", "`x_y`", "# H", "\n\n", "- ", *_GLUED]
)
_MIXED = st.lists(st.one_of(_WORDS, st.text(_ALPHABET, max_size=12)), max_size=30).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(_ALPHABET, max_size=200), _MIXED))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


_PLAIN = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \n.,;:!?()-*#>`'\"/$_")
)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(_PLAIN, max_size=200), _MIXED.filter(lambda t: not re.search(r"[‘’“”\u00a0\t]", t))
    )
)
def test_normalize_never_loses_visible_characters(text: str) -> None:
    def visible(value: str) -> str:
        return re.sub(r"\s", "", value)

    assert visible(normalize_text(text)) == visible(text)


def _frequent_words() -> list[str]:
    wordsegment.load()
    counts = wordsegment.UNIGRAMS
    return sorted(counts, key=counts.__getitem__, reverse=True)[:3000]


_SENTENCES = st.lists(st.sampled_from(_frequent_words()), min_size=1, max_size=15).map(
    lambda words: " ".join(words).capitalize() + "."
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_SENTENCES, min_size=1, max_size=4).map(" ".join), min_size=1, max_size=3))
def test_normalize_leaves_clean_english_unchanged(paragraphs: list[str]) -> None:
    text = "\n\n".join(paragraphs) + "\n"
    assert normalize_text(text) == text
