"""The question bank: the real knowledge/questions.yaml and the validation of any bank file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from interviewer.bank import (
    Bank,
    adhoc_question,
    bank_path,
    citation_problems,
    load_bank,
    load_default_bank,
    markdown_headings,
    resolve_question,
)
from interviewer.errors import BankError, InputError
from interviewer.settings import Settings

# The 19 questions of seed 000, in order, with the glued words of the seed text fixed.
SEED_QUESTIONS = [
    "What are Generative Adversarial Networks (GANs)?",
    "Could you describe the architecture of a basic GAN?",
    "Explain the roles of the generator and discriminator in a GAN.",
    "What is mode collapse in GANs, and why is it problematic?",
    "Can you describe the concept of Nash equilibrium in the context of GANs?",
    "What are some challenges in training GANs?",
    "Explain the idea behind Conditional GANs (cGANs) and their uses.",
    "What are Deep Convolutional GANs (DCGANs) and how do they differ from basic GANs?",
    "Describe the concept of CycleGAN and its application to image-to-image translation.",
    "Explain how GANs can be used for super-resolution imaging (SRGANs).",
    "What are StyleGANs and how do they manage the generation of high-resolution images?",
    "How does the GAN framework support tasks like text-to-image synthesis?",
    "Describe the importance of the latent space in GANs.",
    "What are some common pitfalls when training GANs on small datasets?",
    "Explain any regularization techniques that can be applied to GAN training.",
    "Describe a scenario where GANs can be used to generate artificial voices for virtual"
    " assistants.",
    "Explain how GANs can play a role in privacy-preserving data release.",
    "How does the concept of transfer learning apply to GANs, especially between different"
    " domains or datasets?",
    "What are the ongoing challenges researchers face when working with GANs?",
]
TOPICS = {
    "gan-fundamentals",
    "gan-training",
    "gan-architectures",
    "gan-applications",
    "deep-learning",
}
# The documents whose Q&A the bank covers beyond the 19 seed questions.
QA_DOCUMENTS = [
    "gans-overview-chatgpt.md",
    "gan-architecture-deep-dive.md",
    "gan-architecture-interview-questions.md",
    "gan-interview-notes.md",
]

VALID_ENTRY = {
    "id": "x1",
    "text": "What is a GAN?",
    "topic": "gan-fundamentals",
    "difficulty": 1,
    "key_points": ["Two networks", "Adversarial training", "Generator samples from noise"],
    "model_answer": "A GAN trains a generator against a discriminator.",
    "sources": [{"document": "notes.md", "heading": "GANs"}],
}


@pytest.fixture(scope="module")
def bank() -> Bank:
    """The real bank, loaded once for this module."""
    return load_default_bank(Settings())


@pytest.fixture(scope="module")
def knowledge_dir() -> Path:
    return Settings().knowledge_dir


def _norm(text: str) -> str:
    """Compare source text loosely: case, emphasis markers and spacing do not matter."""
    return " ".join(re.sub(r"[*_`]", "", text).lower().split())


def _write_bank(tmp_path: Path, entries: list[dict[str, object]]) -> Path:
    (tmp_path / "notes.md").write_text("# Notes\n\n## GANs\n\nText.\n", encoding="utf-8")
    path = tmp_path / "questions.yaml"
    path.write_text(yaml.safe_dump({"questions": entries}), encoding="utf-8")
    return path


# --- the real bank ------------------------------------------------------------------------


def test_bank_real_bank_loads_with_seed_questions_first_in_order(bank: Bank) -> None:
    first = bank.questions[: len(SEED_QUESTIONS)]
    assert [q.id for q in first] == [f"q{i:02d}" for i in range(1, 20)]
    assert [q.text for q in first] == SEED_QUESTIONS


def test_bank_real_bank_ids_are_sequential(bank: Bank) -> None:
    assert [q.id for q in bank.questions] == [
        f"q{i:02d}" for i in range(1, len(bank.questions) + 1)
    ]
    assert len(bank.questions) > len(SEED_QUESTIONS)


def test_bank_real_bank_questions_are_complete(bank: Bank) -> None:
    for q in bank.questions:
        assert 3 <= len(q.key_points) <= 6, q.id
        assert 80 <= len(q.model_answer.split()) <= 200, (q.id, len(q.model_answer.split()))
        assert q.topic in TOPICS, q.id
        assert q.status == "approved", q.id
        assert len(set(q.key_points)) == len(q.key_points), q.id
        # A key point is one checkable fact, not a paragraph: a grader ticks it or not.
        assert all(len(kp.split()) <= 28 for kp in q.key_points), q.id


def test_bank_sources_exist_and_headings_match(bank: Bank, knowledge_dir: Path) -> None:
    for q in bank.questions:
        assert q.sources, f"{q.id} cites no source"
        assert all(s.heading for s in q.sources), f"{q.id} has a citation without a heading"
        # The empty seed list has questions but no answers: it must never be the only evidence.
        assert any(s.document != "gan-interview-questions.md" for s in q.sources), q.id
    assert citation_problems(bank, knowledge_dir) == []


def test_bank_merged_questions_appear_in_their_documents(bank: Bank, knowledge_dir: Path) -> None:
    texts: dict[str, str] = {}
    for q in bank.questions:
        for merged in q.merged_from:
            document, _, question = merged.partition(": ")
            assert document in QA_DOCUMENTS, (q.id, merged)
            if document not in texts:
                texts[document] = _norm((knowledge_dir / document).read_text(encoding="utf-8"))
            assert _norm(question) in texts[document], (q.id, merged)


def test_bank_each_source_question_is_merged_exactly_once(bank: Bank, knowledge_dir: Path) -> None:
    merged = [_norm(m) for q in bank.questions for m in q.merged_from]
    assert len(merged) == len(set(merged)), "a source question is merged into two entries"
    expected: list[str] = []
    for name in ("gan-architecture-interview-questions.md", "gan-interview-notes.md"):
        for heading in markdown_headings((knowledge_dir / name).read_text(encoding="utf-8"))[1:]:
            if name.startswith("gan-architecture") and not re.match(r"Q\d+\. ", heading):
                continue  # Introduction, Conclusion
            expected.append(_norm(f"{name}: {re.sub(r'^Q[0-9]+[.] ', '', heading)}"))
    overview = (knowledge_dir / "gans-overview-chatgpt.md").read_text(encoding="utf-8")
    preview = overview.split("## Preview", 1)[1].split("## ", 1)[0]
    review = overview.split("## Review", 1)[1]
    asked = re.findall(r"^\d+\. (.+)$", preview, re.M) + markdown_headings(review)
    expected += [_norm(f"gans-overview-chatgpt.md: {text}") for text in asked]
    assert len(expected) == 11 + 10 + 10
    assert sorted(set(expected) - set(merged)) == []


def test_bank_filter_by_topic_and_difficulty(bank: Bank) -> None:
    deep = bank.filter(topics=["deep-learning"])
    assert deep and all(q.topic == "deep-learning" for q in deep)
    easy = bank.filter(difficulty=1)
    assert easy and all(q.difficulty == 1 for q in easy)
    assert set(bank.topics()) == TOPICS


def test_bank_path_is_questions_yaml_in_knowledge_dir(tmp_path: Path) -> None:
    assert bank_path(Settings(knowledge_dir=tmp_path)) == tmp_path / "questions.yaml"


def test_bank_get_unknown_id_says_how_to_list_ids(bank: Bank) -> None:
    with pytest.raises(BankError, match="interviewer questions list"):
        bank.get("q999")


@pytest.mark.parametrize(
    "typed",
    [
        "Could you describe the architecture of a basic GAN?",
        "could you describe  the architecture of a basic GAN",
        "\u201cCould you describe the architecture of a basic GAN?\u201d",
    ],
)
def test_bank_resolve_question_finds_a_bank_question_by_its_text(bank: Bank, typed: str) -> None:
    assert bank.find(typed) is bank.get("q02")
    assert resolve_question(bank, typed).id == "q02"


def test_bank_resolve_question_with_a_reference_keeps_bank_text_free_text(bank: Bank) -> None:
    text = "Could you describe the architecture of a basic GAN?"
    assert resolve_question(bank, text, "A generator and a discriminator.").topic == "adhoc"


def test_bank_resolve_question_names_the_closest_bank_question(bank: Bank) -> None:
    with pytest.raises(InputError) as near_text:
        resolve_question(bank, "Could you describe the architecture of a simple GAN?")
    assert "is not a question in the bank (closest: q02 'Could you describe" in str(near_text.value)
    with pytest.raises(InputError, match=r"'q4' is not a question id in the bank \(closest: q04 "):
        resolve_question(bank, "q4")
    with pytest.raises(InputError) as far:
        resolve_question(bank, "What is entropy?")
    assert "closest" not in str(far.value) and "--reference" in str(far.value)


def test_bank_find_refuses_a_text_two_questions_share_up_to_punctuation() -> None:
    entries = [VALID_ENTRY | {"id": "a1", "text": "Is it a GAN? Why?"}]
    entries.append(VALID_ENTRY | {"id": "a2", "text": "Is it a GAN-why?"})
    two = Bank.model_validate({"questions": entries})
    assert two.find("is it a gan? why?") is two.get("a1")  # exact up to case and spacing
    with pytest.raises(BankError, match="matches bank questions a1, a2 up to punctuation"):
        two.find("is it a gan why")
    with pytest.raises(InputError, match="a1, a2 .*give the id of the one you mean"):
        resolve_question(two, "is it a gan why")


# --- validation ---------------------------------------------------------------------------


def test_bank_valid_file_loads(tmp_path: Path) -> None:
    loaded = load_bank(_write_bank(tmp_path, [VALID_ENTRY]), tmp_path)
    assert [q.id for q in loaded.questions] == ["x1"]


def test_bank_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    path = _write_bank(tmp_path, [VALID_ENTRY, VALID_ENTRY | {"text": "Another question?"}])
    with pytest.raises(BankError, match=r"Duplicate question id 'x1'"):
        load_bank(path, tmp_path)


@pytest.mark.parametrize("key_points", [[], ["Two networks", "   "]], ids=["none", "blank"])
def test_bank_empty_key_points_are_rejected(tmp_path: Path, key_points: list[str]) -> None:
    path = _write_bank(tmp_path, [VALID_ENTRY | {"key_points": key_points}])
    with pytest.raises(BankError, match=r"Question x1 .*key_points"):
        load_bank(path, tmp_path)


def test_bank_unknown_field_is_rejected(tmp_path: Path) -> None:
    path = _write_bank(tmp_path, [VALID_ENTRY | {"dificulty": 2}])
    with pytest.raises(BankError, match=r"Question x1 .*dificulty"):
        load_bank(path, tmp_path)


def test_bank_unknown_source_document_is_rejected(tmp_path: Path) -> None:
    entry = VALID_ENTRY | {"sources": [{"document": "missing.md", "heading": "GANs"}]}
    with pytest.raises(BankError, match=r"Question x1 .*'missing.md'"):
        load_bank(_write_bank(tmp_path, [entry]), tmp_path)


def test_bank_entry_without_id_is_named_by_position(tmp_path: Path) -> None:
    entry = {k: v for k, v in VALID_ENTRY.items() if k != "id"}
    with pytest.raises(BankError, match=r"Question #2 "):
        load_bank(_write_bank(tmp_path, [VALID_ENTRY | {"id": "x0"}, entry]), tmp_path)


def test_bank_missing_or_malformed_file_is_a_bank_error(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="not found"):
        load_bank(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("questions: [\n", encoding="utf-8")
    with pytest.raises(BankError, match="not valid YAML"):
        load_bank(broken)
    broken.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(BankError, match="'questions' list"):
        load_bank(broken)


def test_bank_file_not_in_utf8_names_itself_and_utf16_loads(tmp_path: Path) -> None:
    """A bank saved in Latin-1 stopped every command with "a file is not UTF-8 text ('utf-8'
    codec can't decode byte 0xe9 in position 312 ...)", naming no file; a bad YAML line came
    with PyYAML's '"<unicode string>"' and a caret drawing."""
    path = _write_bank(tmp_path, [])
    entry = VALID_ENTRY | {"model_answer": "Un r\u00e9seau."}
    text = yaml.safe_dump({"questions": [entry]}, allow_unicode=True)
    path.write_bytes(text.encode("utf-16"))
    assert load_bank(path).get("x1").model_answer == "Un r\u00e9seau."
    path.write_bytes(text.encode("latin-1"))
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "r\u00e9seau" in row)
    with pytest.raises(BankError) as told:
        load_bank(path)
    assert str(told.value).startswith(f"{path} is not UTF-8 text (byte 0xe9 on line {line})")
    path.write_text('questions:\n  - id: x1\n    text: "What\n', encoding="utf-8")
    with pytest.raises(BankError) as told:
        load_bank(path)
    assert "unicode string" not in str(told.value)
    assert "that starts on line 3, column 11" in str(told.value)


def test_bank_citation_problems_name_missing_headings_and_documents(tmp_path: Path) -> None:
    entries = [
        VALID_ENTRY,
        VALID_ENTRY | {"id": "x2", "sources": [{"document": "notes.md", "heading": "Nope"}]},
    ]
    loaded = load_bank(_write_bank(tmp_path, entries), tmp_path)
    assert citation_problems(loaded, tmp_path) == ["x2: 'notes.md' has no heading 'Nope'"]
    (tmp_path / "notes.md").unlink()
    assert citation_problems(loaded, tmp_path) == [
        f"x1: document 'notes.md' not found in {tmp_path}",
        f"x2: document 'notes.md' not found in {tmp_path}",
    ]


def test_bank_markdown_headings_skip_code_fences() -> None:
    text = "# Title\n\nText\n\n```\n# not a heading\n```\n\n## Section ##\n#hashtag\n"
    assert markdown_headings(text) == ["Title", "Section"]


@pytest.mark.parametrize(
    ("reference", "key_points"),
    [
        # A list or a short condition is one statement: never "Terminals 1" / "B".
        (
            "Terminals 1, 2 and 3 are connected to the negative battery terminal",
            ["Terminals 1, 2 and 3 are connected to the negative battery terminal"],
        ),
        (
            "If bulb A burns out, B and C are no longer in a closed path with the battery",
            ["If bulb A burns out, B and C are no longer in a closed path with the battery"],
        ),
        # Clauses that are statements of their own are checked one by one.
        (
            "The water was evaporated, leaving the salt behind.",
            ["The water was evaporated", "leaving the salt behind."],
        ),
        (
            "It saturates. Use the non-saturating loss.",
            ["It saturates.", "Use the non-saturating loss."],
        ),
    ],
)
def test_adhoc_question_key_points_are_whole_statements(
    reference: str, key_points: list[str]
) -> None:
    assert adhoc_question("Why does it happen?", reference).key_points == key_points
