"""The seed converter and the committed knowledge documents it produced."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from interviewer.errors import BankError
from interviewer.knowledge.loader import Document, load_documents
from interviewer.knowledge.normalize import normalize_text
from interviewer.knowledge.seeds import SEEDS, convert_seeds
from interviewer.settings import PROJECT_ROOT

# The raw source texts are the team's read-only input beside the repository (CI lays it there);
# they are not copied into the project.
SEEDS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"
KNOWLEDGE = PROJECT_ROOT / "knowledge"
SEED_OUTPUTS = [seed.output for seed in SEEDS]
REFERENCE_NOTES = [
    "ref-nash-equilibrium.md",
    "ref-conditional-gans.md",
    "ref-dcgan.md",
    "ref-cyclegan.md",
    "ref-srgan.md",
    "ref-stylegan.md",
    "ref-text-to-image.md",
    "ref-latent-space.md",
    "ref-small-datasets.md",
    "ref-regularization.md",
    "ref-synthetic-voices.md",
    "ref-privacy-preserving-release.md",
    "ref-transfer-learning.md",
    "ref-open-challenges.md",
]
# Glued forms found in the raw seeds; none may survive conversion.
GLUED = [
    "areGenerative",
    "thearchitectureof",
    "thegeneratoranddiscriminator",
    "ismode",
    "collapsein",
    "ofNash",
    "equilibriumin",
    "somechallengesintraining",
    "behindConditional",
    ")and",
    "areDeep",
    "ofCycleGAN",
    "toimage",
    "forsuper",
    "areStyleGAN",
    "ofhigh",
    "liketext",
    "thelatent",
    "spacein",
    "whentraining",
    "GANsonsmall",
    "anyregularization",
    "techniquesthat",
    "GANtraining",
    "artificialvoicesfor",
    "inprivacy",
    "preservingdata",
    "oftransfer",
    "learningapply",
    "differentdomainsor",
    "ongoingchallengesresearchers",
    "samples.Training",
    "assumption.One",
]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    assert SEEDS_DIR.is_dir(), f"the team's source texts are expected in {SEEDS_DIR}"
    out = tmp_path_factory.mktemp("knowledge")
    return {path.name: path.read_text(encoding="utf-8") for path in convert_seeds(SEEDS_DIR, out)}


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    docs, skipped = load_documents([KNOWLEDGE])
    assert not skipped
    return {doc.name: doc for doc in docs}


def test_convert_seeds_reproduces_the_committed_documents(converted: dict[str, str]) -> None:
    assert sorted(converted) == sorted(SEED_OUTPUTS)
    for name, text in converted.items():
        assert text == (KNOWLEDGE / name).read_text(encoding="utf-8"), (
            f"{name}: re-run the seeds converter"
        )


@pytest.mark.parametrize("name", SEED_OUTPUTS)
def test_seed_documents_have_no_glued_words_or_debris(converted: dict[str, str], name: str) -> None:
    text = converted[name]
    for glued in GLUED:
        assert glued not in text, f"{name} still contains {glued!r}"
    for debris in (
        "‘",
        "Lorem ipsum",
        "Responses From Readers",
        "{{<",
        "+++",
        "min read",
        "Image Source",
    ):
        assert debris not in text, f"{name} still contains {debris!r}"


def test_question_list_keeps_all_19_questions_as_headings(converted: dict[str, str]) -> None:
    raw = next(SEEDS_DIR.glob("000_*")).read_text(encoding="utf-8")
    questions = [
        normalize_text(q).strip() for q in re.findall(r"^\*\*(.+)\*\*$", raw, re.MULTILINE)
    ]
    text = converted["gan-interview-questions.md"]
    assert len(questions) == 19
    for number, question in enumerate(questions, start=1):
        assert f"## Question {number}\n\n{question}\n" in text
    assert "What are Generative Adversarial Networks (GANs)?" in questions
    assert "To be filled" not in text


def test_blog_post_questions_become_headings_and_chrome_is_gone(converted: dict[str, str]) -> None:
    text = converted["gan-architecture-interview-questions.md"]
    assert len(re.findall(r"^## Q\d+\. ", text, re.MULTILINE)) == 11
    assert "## Introduction" in text and "## Conclusion" in text
    for chrome in (
        "Blogathon.",
        "Ashkan",
        "Frequently Asked Questions",
        "not owned by Analytics Vidhya",
    ):
        assert chrome not in text
    assert "\n- GANs are a generative model" in text  # bullets became a Markdown list


def test_flat_article_titles_become_headings(converted: dict[str, str]) -> None:
    text = converted["gan-architecture-deep-dive.md"]
    assert "\n## Mathematical Foundations: The Language of Generative Networks\n" in text
    assert "\n### Wasserstein GANs: A Paradigm Shift\n" in text
    assert "\n- **Spectral Normalization**: Controls the Lipschitz constant" in text


def test_chatgpt_page_keeps_prompts_and_answers_readable(converted: dict[str, str]) -> None:
    text = converted["gans-overview-chatgpt.md"]
    assert "> **Prompt:** List the key points of Generative Adversarial Networks (GANs)" in text
    assert "### How does a GAN work?\n\n**Answer:** At a high level" in text


def test_notion_export_questions_are_headings(converted: dict[str, str]) -> None:
    text = converted["gan-interview-notes.md"]
    assert "\n## Explain the concept of dropout in neural networks.\n" in text
    assert "Created by" not in text and "**Answer:**" not in text


@pytest.mark.parametrize(
    ("name", "origin_part"),
    [
        ("gan-architecture-interview-questions.md", "Premanand S"),
        ("gan-architecture-interview-questions.md", "Analytics Vidhya"),
        ("gan-interview-notes.md", "Shudipto Trafder"),
        ("gans-overview-chatgpt.md", "ChatGPT"),
        ("ref-cyclegan.md", "Zhu"),
        ("ref-stylegan.md", "Karras"),
    ],
)
def test_documents_load_with_title_and_origin(
    documents: dict[str, Document], name: str, origin_part: str
) -> None:
    assert documents[name].title
    assert origin_part in documents[name].origin


def test_every_knowledge_document_has_front_matter_and_real_headings(
    documents: dict[str, Document],
) -> None:
    assert set(SEED_OUTPUTS + REFERENCE_NOTES) <= set(documents)
    for name in SEED_OUTPUTS + REFERENCE_NOTES:
        doc = documents[name]
        assert doc.title and doc.origin, name
        assert doc.text.startswith("# "), name
        assert len(re.findall(r"^##+ ", doc.text, re.MULTILINE)) >= 3, name


@pytest.mark.parametrize("name", REFERENCE_NOTES)
def test_reference_notes_are_300_to_600_words(documents: dict[str, Document], name: str) -> None:
    words = len(documents[name].text.split())
    assert 300 <= words <= 600, f"{name} has {words} words"


def test_committed_documents_are_already_normalized(documents: dict[str, Document]) -> None:
    for name in SEED_OUTPUTS + REFERENCE_NOTES:
        body = (KNOWLEDGE / name).read_text(encoding="utf-8").split("\n---\n", 1)[1].lstrip("\n")
        assert documents[name].text == body, f"{name} changes when loaded"


def test_convert_seeds_names_a_missing_seed(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="000_"):
        convert_seeds(tmp_path, tmp_path / "out")


@pytest.mark.parametrize(
    ("name", "papers"),
    [
        ("ref-nash-equilibrium.md", ["Goodfellow", "2014"]),
        ("ref-dcgan.md", ["Radford", "2016"]),
        ("ref-conditional-gans.md", ["Mirza", "Osindero", "2014"]),
        ("ref-cyclegan.md", ["Zhu", "2017"]),
        ("ref-srgan.md", ["Ledig", "2017"]),
        ("ref-stylegan.md", ["Karras", "2019", "2020"]),
        ("ref-small-datasets.md", ["Karras", "2020", "ADA"]),
        ("ref-regularization.md", ["Arjovsky", "Gulrajani", "2017", "Miyato", "2018"]),
        ("ref-text-to-image.md", ["Reed", "2016"]),
        ("ref-privacy-preserving-release.md", ["Xie", "2018", "Jordon", "2019"]),
    ],
)
def test_reference_notes_name_the_papers_they_rest_on(
    documents: dict[str, Document], name: str, papers: list[str]
) -> None:
    doc = documents[name]
    cited = f"{doc.origin}\n{doc.text}"
    assert [p for p in papers if p not in cited] == []
