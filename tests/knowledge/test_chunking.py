"""Chunking: sections, heading paths, token and word-piece limits, overlap, determinism."""

from __future__ import annotations

import re

import pytest

from interviewer.knowledge.chunking import Chunker, chunk_document, split_sections
from interviewer.knowledge.loader import parse_document
from interviewer.settings import Settings


def words(text: str) -> int:
    return len(text.split())


def sentences(prefix: str, n: int, length: int = 10) -> str:
    """n sentences of `length` words each, numbered so each one is recognisable."""
    return " ".join(
        f"{prefix.capitalize()} {i} " + " ".join(["word"] * (length - 3)) + " end."
        for i in range(n)
    )


def make_chunker(size: int = 40, overlap: int = 10, wordpieces=words, max_wp: int = 256) -> Chunker:
    return Chunker(
        chunk_tokens=size,
        chunk_overlap=overlap,
        count_tokens=words,
        count_wordpieces=wordpieces,
        max_wordpieces=max_wp,
    )


@pytest.fixture(scope="module")
def real_chunker() -> Chunker:
    s = Settings()
    return Chunker.from_settings(
        chunk_tokens=s.chunk_tokens, chunk_overlap=s.chunk_overlap, models_dir=s.models_dir
    )


def test_split_sections_heading_paths_follow_nesting() -> None:
    text = (
        "# GANs\n\nIntro.\n\n## Training\n\nTrain text.\n\n### Mode collapse\n\nMC text.\n\n"
        "## Evaluation\n\nFID text.\n\n```python\n# a comment, not a heading\nx = 1\n```\n"
    )
    sections = split_sections(text)
    assert [path for path, _ in sections] == [
        ["GANs"],
        ["GANs", "Training"],
        ["GANs", "Training", "Mode collapse"],
        ["GANs", "Evaluation"],
    ]
    assert "# a comment, not a heading" in sections[-1][1]


def test_split_sections_skips_heading_without_body() -> None:
    sections = split_sections("# Title\n\n## Empty\n\n## Full\n\nBody.\n")
    assert sections == [(["Title", "Full"], "Body.")]


def test_chunker_chunks_never_cross_sections() -> None:
    doc = parse_document(
        "d.md", f"# D\n\n## A\n\n{sentences('alpha', 12)}\n\n## B\n\n{sentences('beta', 12)}\n"
    )
    chunks = make_chunker().chunk(doc)
    for chunk in chunks:
        kinds = {w for w in ("Alpha", "Beta") if w in chunk.text}
        assert len(kinds) == 1
        assert chunk.heading_path == ["D", "A" if kinds == {"Alpha"} else "B"]
    assert [c.position for c in chunks] == list(range(len(chunks)))


def test_chunker_respects_token_limit_and_keeps_every_sentence() -> None:
    body = sentences("fact", 30)
    chunks = make_chunker(size=40, overlap=10).chunk(parse_document("d.md", f"# D\n\n{body}\n"))
    assert len(chunks) > 1
    assert all(c.tokens <= 40 and words(c.text) <= 40 for c in chunks)
    joined = " ".join(c.text for c in chunks)
    for i in range(30):
        assert f"Fact {i} " in joined


def test_chunker_overlaps_consecutive_chunks_by_whole_sentences() -> None:
    body = sentences("fact", 30)  # 10 words per sentence
    chunks = make_chunker(size=40, overlap=10).chunk(parse_document("d.md", f"# D\n\n{body}\n"))
    for prev, nxt in zip(chunks, chunks[1:], strict=False):
        last_sentence = re.findall(r"Fact \d+ [^.]*\.", prev.text)[-1]
        assert nxt.text.startswith(last_sentence)


def test_chunker_without_overlap_repeats_nothing() -> None:
    body = sentences("fact", 30)
    chunks = make_chunker(size=40, overlap=0).chunk(parse_document("d.md", f"# D\n\n{body}\n"))
    found = re.findall(r"Fact (\d+) ", " ".join(c.text for c in chunks))
    assert found == [str(i) for i in range(30)]


def test_chunker_splits_a_sentence_longer_than_a_chunk_at_word_boundaries() -> None:
    long_sentence = " ".join(f"w{i}" for i in range(500)) + "."
    chunks = make_chunker(size=40, overlap=10).chunk(parse_document("d.md", long_sentence))
    assert all(c.tokens <= 40 for c in chunks)
    assert " ".join(c.text for c in chunks).split() == long_sentence.split()


def test_chunker_splits_further_when_wordpieces_would_pass_the_model_limit() -> None:
    # Each word counts as 3 word pieces: 40 tokens would be 120+ pieces, over the limit of 64.
    def pieces(text: str) -> int:
        return 3 * words(text) + 2

    body = sentences("fact", 20, length=5)
    chunker = make_chunker(size=40, overlap=0, wordpieces=pieces, max_wp=64)
    chunks = chunker.chunk(parse_document("d.md", f"# Heading\n\n{body}\n"))
    assert all(pieces(c.embed_text) <= 64 for c in chunks)
    assert all(c.wordpieces == pieces(c.embed_text) for c in chunks)
    assert re.findall(r"Fact (\d+) ", " ".join(c.text for c in chunks)) == [
        str(i) for i in range(20)
    ]


def test_chunker_real_counters_keep_every_chunk_within_minilm_limit(real_chunker: Chunker) -> None:
    # Technical text with many rare word pieces: the word-piece limit binds before tokens do.
    jargon = " ".join(
        f"Wasserstein-{i} Lipschitz-constrained critics (Gulrajani et al. 2017) penalize "
        f"∥∇D(x̂)∥₂−1 via λ={i}e-3 on interpolates x̂=εx+(1−ε)G(z)."
        for i in range(60)
    )
    doc = parse_document("wgan.md", f"# WGAN\n\n## Gradient penalty in detail\n\n{jargon}\n")
    chunks = real_chunker.chunk(doc)
    assert len(chunks) > 2
    for chunk in chunks:
        assert chunk.tokens <= real_chunker.chunk_tokens
        assert chunk.wordpieces <= 256


def test_chunker_keeps_list_lines_and_code_blocks_as_lines() -> None:
    text = (
        "# D\n\n- first item. Second sentence\n- second item\n\n"
        "```\ncode line 1\ncode line 2\n```\n"
    )
    chunks = make_chunker(size=100, overlap=0).chunk(parse_document("d.md", text))
    assert len(chunks) == 1
    assert chunks[0].text == (
        "- first item. Second sentence\n- second item\n\n```\ncode line 1\ncode line 2\n```"
    )


def test_chunk_embed_text_starts_with_heading_path() -> None:
    doc = parse_document("d.md", "# GANs\n\n## Mode collapse\n\nThe generator repeats itself.\n")
    (chunk,) = make_chunker().chunk(doc)
    assert chunk.heading == "GANs > Mode collapse"
    assert chunk.embed_text == "GANs > Mode collapse\n\nThe generator repeats itself."
    assert chunk.document == "d.md"


def test_chunk_without_headings_is_prefixed_with_title() -> None:
    doc = parse_document("notes.md", "---\ntitle: GAN notes\n---\nPlain text only.\n")
    (chunk,) = make_chunker().chunk(doc)
    assert chunk.heading_path == []
    assert chunk.embed_text.startswith("GAN notes\n\n")


def test_chunker_is_deterministic(real_chunker: Chunker) -> None:
    text = f"# D\n\n## A\n\n{sentences('alpha', 80)}\n"
    first = real_chunker.chunk(parse_document("d.md", text))
    second = real_chunker.chunk(parse_document("d.md", text))
    assert [c.chunk_id for c in first] == [c.chunk_id for c in second]
    assert [c.sha256 for c in first] == [c.sha256 for c in second]
    assert len({c.chunk_id for c in first}) == len(first)


def test_chunker_rejects_overlap_not_smaller_than_size() -> None:
    with pytest.raises(ValueError, match="overlap"):
        make_chunker(size=40, overlap=40)


def test_chunk_document_matches_chunker() -> None:
    doc = parse_document("d.md", f"# D\n\n{sentences('fact', 10)}\n")
    direct = chunk_document(
        doc, chunk_tokens=40, chunk_overlap=10, count_tokens=words, count_wordpieces=words
    )
    assert [c.text for c in direct] == [c.text for c in make_chunker().chunk(doc)]


def test_chunker_skips_sections_that_only_ask_questions() -> None:
    text = (
        "# Questions\n\n## Question 1\n\nWhat is mode collapse?\n\n"
        "## Question 2\n\nWhy is it a problem? How do you fix it?\n\n"
        "## Question 3\n\nExplain the roles of the generator and discriminator.\n\n"
        "## Answer\n\nWhat is it? The generator covers few modes.\n"
    )
    chunks = make_chunker().chunk(parse_document("q.md", text))
    assert [c.heading_path for c in chunks] == [["Questions", "Answer"]]


def test_chunker_reads_quote_marks_list_numbers_and_prompt_labels_as_markup() -> None:
    """The ChatGPT page's "Preview" (a prompt and a numbered list of questions) and "Review"
    (a prompt over Q&A subsections) were cited to candidates as reading."""
    text = (
        "# GANs\n\n## Preview\n\n> **Prompt:** give me five questions about GANs\n\n"
        "1. What is a GAN?\n2. How do GANs work?\n3. What are the applications of GANs?\n\n"
        "## Explain\n\n> **Prompt:** Explain GANs and give an example\n\n"
        "A GAN has two networks, a generator and a discriminator.\n\n"
        "## Review\n\n> **Prompt:** Give me 2 questions with answers about GANs\n\n"
        "### What is the purpose of a GAN?\n\n**Answer:** It generates data like its input.\n\n"
        "## Keypoint\n\n1. Quantum GANs exist.\n2. Questions: they are open.\n"
    )
    chunks = make_chunker().chunk(parse_document("chatgpt.md", text))
    assert [c.heading_path for c in chunks] == [
        ["GANs", "Explain"],
        ["GANs", "Review", "What is the purpose of a GAN?"],
        ["GANs", "Keypoint"],
    ]
