"""The bank editor: what the team sees about drafts, and the form that edits a question."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
from gradio.blocks import BlockFunction

from interviewer.bank import Question, load_bank
from interviewer.settings import PROJECT_ROOT, Settings
from interviewer.ui.panels import bank as bank_panel
from interviewer.ui.panels.bank import _draft_state
from interviewer.ui.services import build_services


def _question(**extra: object) -> Question:
    return Question(
        id="q90",
        text="What is a GAN?",
        topic="t",
        difficulty=1,
        key_points=["two networks"],
        **extra,
    )


def test_bank_panel_draft_state_names_the_llm_that_wrote_it() -> None:
    state = _draft_state(_question(status="draft", drafted_by="llm:gpt-4o-mini"))
    assert state == "draft, written by LLM gpt-4o-mini"


def test_bank_panel_draft_state_says_when_the_llm_failed_and_extraction_was_used() -> None:
    q = _question(status="draft", drafted_by="extracted", draft_note="LLM draft failed (timeout)")
    assert _draft_state(q) == "draft, extracted from the references; LLM draft failed (timeout)"


def test_bank_panel_question_list_cuts_a_long_question_at_a_word_with_an_ellipsis() -> None:
    """The picker showed "q34 · What is the vanishing gradient problem, and how does it impact
    trainin": a question cut mid-word, with nothing to say it was cut."""
    long = _question().model_copy(
        update={
            "id": "q34",
            "text": "What is the vanishing gradient problem, and how does it impact training of "
            "deep networks?",
        }
    )
    services = SimpleNamespace(bank=SimpleNamespace(questions=[_question(), long]))
    labels = dict((v, k) for k, v in bank_panel._choices(services))  # type: ignore[arg-type]
    assert labels["q90"] == "q90 · What is a GAN?"
    assert labels["q34"] == "q34 · What is the vanishing gradient problem, and how does it impact…"


def test_bank_panel_approve_is_the_main_action_only_for_a_draft(form: Form) -> None:
    """It was highlighted and pressable for a new question not saved yet, and for an approved
    one; a draft's notice repeated how it was made ("Draft (draft, extracted from the
    references; Extracted from the reference material; ...)")."""
    form.pick(bank_panel.NEW_QUESTION)
    assert form.approve.variant == "secondary" and form.approve.interactive is False
    form.pick("q01")
    assert form.approve.variant == "secondary" and form.approve.interactive is False
    form.pick(bank_panel.NEW_QUESTION)
    form.fields.update(
        text="Why does a GAN generator need a latent prior?",
        topic="gan-fundamentals",
        points="",
        answer="The prior gives the generator randomness to map into varied samples.",
    )
    new_id = form.save().split()[1].rstrip(".")
    form.pick(new_id)
    assert form.approve.variant == "primary" and form.approve.interactive is True
    state = str(form.fields["state"])
    assert state.lower().count("extracted from") == 1 and state.count("draft") <= 1


def test_bank_panel_draft_state_does_not_repeat_how_it_was_made() -> None:
    """The import preview's Status read "draft, extracted from the references; Extracted from the
    reference material; review before approving.", pushing the key points out of sight."""
    plain = _question(
        status="draft",
        drafted_by="extracted",
        draft_note="Extracted from the reference material; review before approving.",
    )
    assert _draft_state(plain) == "draft, extracted from the references"
    failed = plain.model_copy(
        update={
            "draft_note": "LLM draft failed (timeout); drafted by extraction instead. Extracted "
            "from the reference material; review before approving."
        }
    )
    assert _draft_state(failed) == (
        "draft, extracted from the references; LLM draft failed (timeout); drafted by "
        "extraction instead"
    )


def test_bank_panel_draft_state_of_an_approved_question() -> None:
    assert _draft_state(_question(status="approved", drafted_by="extracted")) == "approved"


# The bank editor form, driven through the handlers the panel wires to its buttons, on a copy
# of the shipped knowledge folder.

ALTERNATIVES = [
    "Two networks play a game: one forges samples, the other spots the forgeries.",
    "A forger network and a detective network trained against each other.",
]


@pytest.fixture
def section(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[bank_panel.BankPanel, gr.Blocks, Path]:
    """The section signed in as alice, on a copy of the knowledge folder (in the returned
    folder's ``knowledge``)."""
    shutil.copytree(PROJECT_ROOT / "knowledge", tmp_path / "knowledge")
    # Re-preparing the offline grader after an edit is background CPU these tests do not need.
    monkeypatch.setattr(bank_panel, "_prepare_quietly", lambda services: None)
    services = build_services(settings.model_copy(update={"knowledge_dir": tmp_path / "knowledge"}))
    with gr.Blocks() as demo:
        panel = bank_panel.render(services)
        bank_panel.wire(panel, services, gr.State("alice"))
    return panel, demo, tmp_path


@pytest.fixture
def form(section: tuple[bank_panel.BankPanel, gr.Blocks, Path]) -> Form:
    panel, demo, folder = section
    handlers = {f.fn.__name__: f.fn for f in demo.fns.values() if f.fn is not None}
    return Form(panel, handlers, folder / "knowledge")


class Form:
    """The 'Add, edit or approve a question' form: fields in screen order, as a user fills them."""

    def __init__(self, panel: bank_panel.BankPanel, handlers: dict, knowledge: Path) -> None:
        self.panel = panel
        self._load, self._save = handlers["load"], handlers["save"]
        self.bank_file = knowledge / "questions.yaml"
        self.history_file = knowledge / "questions.history.jsonl"
        self.fields: dict[str, object] = {}

    def pick(self, question_id: str) -> None:
        state, text, topic, level, points, answer, others, approve, told = self._load(
            question_id, "alice"
        )
        self.question_id = question_id
        self.approve = approve
        self.told = told  # under the form's buttons
        self.fields = {
            "state": state,
            "text": text,
            "topic": topic,
            "difficulty": level,
            "points": points,
            "answer": answer,
            "alternatives": others,
        }

    def refusal(self) -> str:
        """What Save says, under the form's buttons, when it refuses the form as it is (no
        gr.Error raised): the status above is cleared (an earlier "Saved ..." read as if this
        save went through) and the picker is left alone, so the fields keep what was typed."""
        status, picked, told = self._press_save()
        assert status == ""
        assert picked == gr.skip()  # no value: the picker does not reload the fields
        assert told.startswith("**⚠ ") and told.endswith("**"), told
        return html.unescape(told.removeprefix("**⚠ ").removesuffix("**"))

    def save(self) -> str:
        """What Save says in the status when it saves; the form's last refusal is cleared."""
        message, _, told = self._press_save()
        assert told == "", told
        return str(message)

    def _press_save(self) -> tuple[object, object, str]:
        f = self.fields
        status, picked, told = self._save(
            self.question_id,
            f["text"],
            f["topic"],
            f["difficulty"],
            f["points"],
            f["answer"],
            f["alternatives"],
            "alice",
        )
        return status, picked, told


def test_bank_panel_form_has_a_box_for_other_accepted_answers(form: Form) -> None:
    assert form.panel.alternatives.label == (
        "Other accepted answers (one per line; an answer matching any of them counts as correct)"
    )


def test_bank_panel_saves_alternatives_and_shows_them_when_the_question_is_reloaded(
    form: Form,
) -> None:
    form.pick("q01")
    assert form.fields["alternatives"] == ""  # the shipped question has none
    form.fields["alternatives"] = f"  {ALTERNATIVES[0]}\n\n{ALTERNATIVES[1]}\n   \n"
    assert form.save() == "Saved q01."
    form.pick("q02")
    form.pick("q01")
    assert form.fields["alternatives"] == "\n".join(ALTERNATIVES)  # blank lines dropped
    saved = load_bank(form.bank_file).get("q01")
    assert saved.alternative_answers == ALTERNATIVES
    # The edit is recorded under the signed-in name; the replaced version had no alternatives.
    row = json.loads(form.history_file.read_text(encoding="utf-8").splitlines()[-1])
    assert row["by"] == "alice" and row["question"]["alternative_answers"] == []


def test_bank_panel_clearing_the_alternatives_removes_them_from_the_bank(form: Form) -> None:
    form.pick("q01")
    form.fields["alternatives"] = "\n".join(ALTERNATIVES)
    form.save()
    form.pick("q01")
    form.fields["alternatives"] = "\n"
    assert form.save() == "Saved q01."
    assert load_bank(form.bank_file).get("q01").alternative_answers == []
    assert "alternative_answers" not in form.bank_file.read_text(encoding="utf-8")


def test_bank_panel_saving_an_unchanged_question_leaves_the_bank_file_alone(form: Form) -> None:
    before = form.bank_file.read_bytes()
    form.pick("q04")
    assert form.save() == "Nothing changed."
    assert form.bank_file.read_bytes() == before
    assert not form.history_file.exists()


def test_bank_panel_too_many_alternatives_is_a_clear_error_and_nothing_is_written(
    form: Form,
) -> None:
    before = form.bank_file.read_bytes()
    form.pick("q01")
    form.fields["alternatives"] = "\n".join(f"Accepted answer number {n}." for n in range(17))
    assert form.refusal() == "Not saved. Other accepted answers: at most 16 (one per line), not 17."
    assert form.bank_file.read_bytes() == before


def test_bank_panel_form_errors_are_in_the_forms_words(form: Form) -> None:
    """They were pydantic's: "Key points: List should have at least 1 item after validation,
    not 0" and "Question text: String should have at least 5 characters"."""
    form.pick("q01")
    form.fields["points"] = ""
    assert form.refusal() == "Not saved. Key points: write at least one (one per line)."
    form.pick("q01")
    form.fields["text"] = "GAN?"
    assert form.refusal() == "Not saved. Question text: write at least 5 characters."


def test_bank_panel_writes_a_topic_as_the_bank_does_and_says_so(form: Form) -> None:
    """ "GAN Training!! <b>x</b>" was saved as typed and offered to candidates as a new topic."""
    form.pick("q01")
    form.fields["topic"] = "GAN Training!! <b>x</b>"
    message = form.save()
    assert message.startswith("Saved q01.")
    assert "Topic saved as “gan-training-b-x-b”" in message
    assert load_bank(form.bank_file).get("q01").topic == "gan-training-b-x-b"
    form.pick("q01")
    form.fields["topic"] = "  "
    assert form.refusal() == "Not saved. Topic: it is empty."


def test_bank_panel_refuses_a_new_question_the_bank_already_asks(form: Form) -> None:
    before = form.bank_file.read_bytes()
    q04 = load_bank(form.bank_file).get("q04")
    form.pick(bank_panel.NEW_QUESTION)
    form.fields.update(text=q04.text.upper(), topic="gan-training", points="", answer="")
    assert "asks the same question as q04" in form.refusal()
    assert form.bank_file.read_bytes() == before


def test_bank_panel_new_question_keeps_its_alternatives(form: Form) -> None:
    form.pick(bank_panel.NEW_QUESTION)
    assert form.fields["alternatives"] == ""
    form.fields.update(
        text="Why does a GAN generator need a latent prior?",
        topic="gan-fundamentals",
        points="It is the source of randomness\nNew latent vectors give new samples",
        answer="The prior gives the generator randomness to map into varied samples.",
        alternatives="\n".join(ALTERNATIVES),
    )
    message = form.save()
    new_id = message.removeprefix("Added ").rstrip(".")
    form.pick(new_id)
    assert form.fields["text"] == "Why does a GAN generator need a latent prior?"
    assert form.fields["alternatives"] == "\n".join(ALTERNATIVES)


# The "Import a question list" section, driven through its Preview handler.


def test_bank_panel_import_error_is_told_under_the_preview_button_and_the_old_preview_cleared(
    section: tuple[bank_panel.BankPanel, gr.Blocks, Path],
) -> None:
    """A list repeating q01 was refused only by a toast at the top right of the page, bare
    "Error" badges far below, and the previous file's preview still ready to be added."""
    panel, demo, folder = section
    (event,) = [f for f in demo.fns.values() if f.fn is not None and f.fn.__name__ == "preview"]
    where = event.outputs.index(panel.import_status)
    assert panel.import_status.parent is panel.preview_button.parent  # right under the button
    good = folder / "good.md"
    good.write_text("# Mine\n1. What is the Wasserstein distance and why does WGAN use it?\n")
    rows, pending, note = event.fn(str(good), "imported", "alice")
    assert len(rows) == len(pending) == 1 and "1 question read" in note
    repeated = folder / "repeated.md"
    repeated.write_text("# Mine\n1. What are Generative Adversarial Networks (GANs)?\n")
    outputs = event.fn(str(repeated), "imported", "alice")  # no gr.Error raised
    assert "asks the same question as q01" in outputs[where]
    assert outputs[where].startswith("**⚠ ")
    rows, pending, _ = outputs
    assert rows == [] and pending == []  # "Add to the bank" no longer holds good.md's question
    unknown = folder / "unknown.md"
    unknown.write_text("# Mine\n1. What is spectral normalization?\n")
    assert "no reference material matches it" in event.fn(str(unknown), "", "alice")[where]
    assert "Upload a Markdown or YAML question list first." in event.fn(None, "", "alice")[where]
    (add,) = [f for f in demo.fns.values() if f.fn is not None and f.fn.__name__ == "add"]
    told = add.fn(pending, "alice")[add.outputs.index(panel.status)]  # under "Add to the bank"
    assert told == "**⚠ Preview a question list first.**"


# The form's refusals: told under its buttons, not in a toast, and nothing typed is lost.


def _event(demo: gr.Blocks, name: str) -> BlockFunction:
    (event,) = [f for f in demo.fns.values() if f.fn is not None and f.fn.__name__ == name]
    return event


def test_bank_panel_a_refused_save_is_told_under_the_form_and_keeps_what_was_typed(
    section: tuple[bank_panel.BankPanel, gr.Blocks, Path], form: Form
) -> None:
    """A save refused for a missing key point was only a toast at the top right of the page,
    gone in seconds, while the team member was halfway down a long question."""
    panel, demo, _ = section
    form_box = panel.save.parent.parent  # the "Add, edit or approve a question" accordion
    assert form_box is not None
    row = form_box.children.index(panel.save.parent)
    assert form_box.children[row + 1] is panel.form_status  # right under Save and Approve
    save = _event(demo, "save")
    fields = [panel.text, panel.q_topic, panel.difficulty, panel.key_points, panel.model_answer]
    assert not set(save.outputs) & {*fields, panel.alternatives}  # a refusal cannot clear them
    form.pick("q01")
    long_text = "What are GANs, " + "and why do they need two networks " * 8 + "?"
    form.fields.update(text=long_text, points="")
    assert form.refusal() == "Not saved. Key points: write at least one (one per line)."
    assert form.fields["text"] == long_text  # still in the form, to be fixed and saved
    form.fields["points"] = "A generator and a discriminator"
    assert form.save() == "Saved q01."  # and the refusal under the form is cleared
    assert load_bank(form.bank_file).get("q01").text == long_text.strip()


def test_bank_panel_save_without_a_question_or_text_is_told_under_the_form(form: Form) -> None:
    form.question_id = ""
    form.fields = dict.fromkeys(("text", "topic", "points", "answer", "alternatives"), "")
    form.fields["difficulty"] = 2
    assert form.refusal() == "Pick a question first."
    form.pick(bank_panel.NEW_QUESTION)
    assert form.told == ""
    form.fields["topic"] = "gan-training"
    assert form.refusal() == "Write the question's text first."


def test_bank_panel_a_refused_approval_is_told_under_the_form(
    section: tuple[bank_panel.BankPanel, gr.Blocks, Path],
) -> None:
    """The refusals "Pick a question first." and "Save the new question first, then approve
    it." were toasts; a store error is escaped, and the next approval clears the message."""
    panel, demo, _ = section
    approve = _event(demo, "approve")
    where = approve.outputs.index(panel.form_status)
    for question_id, message in (
        (None, "Pick a question first."),
        (bank_panel.NEW_QUESTION, "Save the new question first, then approve it."),
    ):
        outputs = approve.fn(question_id, "alice")  # no gr.Error raised
        assert outputs[where] == f"**⚠ {message}**"
        status = approve.outputs.index(panel.status)
        assert outputs[status] == ""  # no "q01 approved." left standing over the refusal
        assert all(out == gr.skip() for i, out in enumerate(outputs) if i not in (where, status))
    told = approve.fn("<b>q99</b>", "alice")[where]
    assert "No question with id" in told and "&lt;b&gt;q99&lt;/b&gt;" in told
    assert "<b>" not in told
    outputs = approve.fn("q01", "alice")
    assert outputs[approve.outputs.index(panel.status)] == "q01 approved."
    assert outputs[where] == ""
    # Not signed in stays a refusal (a gr.Error), as on every team page.
    with pytest.raises(gr.Error, match="Sign in with the team password first."):
        approve.fn("q01", "")


def test_bank_panel_a_refused_upload_is_told_under_its_button(
    section: tuple[bank_panel.BankPanel, gr.Blocks, Path],
) -> None:
    panel, demo, folder = section
    ingest = _event(demo, "ingest")
    assert ingest.outputs == [panel.ingest_status]
    assert panel.ingest_status.parent is panel.ingest.parent
    told = ingest.fn(None, "alice", progress=lambda *a, **k: None)  # no gr.Error raised
    assert told == "**⚠ Upload one or more text or Markdown documents first.**"
    latin = folder / "notes.txt"
    latin.write_bytes("Réseaux antagonistes génératifs".encode("latin-1"))
    told = ingest.fn([str(latin)], "alice", progress=lambda *a, **k: None)
    assert told == (
        "**⚠ notes.txt is not UTF-8 text (byte 0xe9 on line 1): save it as UTF-8 and upload it "
        "again. No document was added.**"
    )


def test_bank_panel_upload_with_one_bad_document_adds_none_and_names_it(
    section: tuple[bank_panel.BankPanel, gr.Blocks, Path],
) -> None:
    """A good document uploaded with an image was written to the knowledge folder (and not
    ingested) under "A document is not UTF-8 text", naming neither; two uploads bound for the
    same file kept only the second; a UTF-16 document (Notepad's "Unicode") was refused."""
    _, demo, folder = section
    ingest = _event(demo, "ingest")
    knowledge = sorted(p.name for p in (folder / "knowledge").iterdir())
    good = folder / "wgan-notes.md"
    good.write_text("# WGAN\n\nThe critic must be 1-Lipschitz.\n", encoding="utf-8")
    image = folder / "diagram.md"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    told = ingest.fn([str(good), str(image)], "alice", progress=lambda *a, **k: None)
    assert told.startswith("**⚠ diagram.md is a binary file") and "No document was added" in told
    same = folder / "WGAN_notes.txt"
    same.write_text("WGAN notes, second copy.\n", encoding="utf-8")
    told = ingest.fn([str(good), str(same)], "alice", progress=lambda *a, **k: None)
    assert "wgan-notes.md and WGAN_notes.txt would both be wgan-notes.md" in told
    assert sorted(p.name for p in (folder / "knowledge").iterdir()) == knowledge
    unicode = folder / "lipschitz.txt"
    unicode.write_bytes(
        "# Lipschitz\n\nThe critic's gradient norm stays near 1.\n".encode("utf-16")
    )
    told = ingest.fn([str(unicode)], "alice", progress=lambda *a, **k: None)
    assert told.startswith("Added lipschitz.md to the knowledge base"), told
    written = (folder / "knowledge" / "lipschitz.md").read_text(encoding="utf-8")
    assert "The critic's gradient norm stays near 1." in written


def test_bank_panel_import_keeps_the_first_question_of_a_list_saved_by_notepad(
    section: tuple[bank_panel.BankPanel, gr.Blocks, Path],
) -> None:
    """A list saved with a byte-order mark and Windows line endings lost its first question
    without a word (the mark hid its "1."), and the second was previewed as the first; a UTF-16
    list (Notepad's "Unicode") was refused as not UTF-8."""
    _, demo, folder = section
    preview = _event(demo, "preview")
    listing = (
        "1. What is the Wasserstein distance and why does WGAN use it?\r\n"
        "Answer: It measures how far the generated distribution is from the real one.\r\n"
        "2. Why does a GAN generator need a latent prior?\r\n"
        "Answer: The prior gives the generator randomness to map into varied samples.\r\n"
    )
    for encoding in ("utf-8-sig", "utf-16"):
        path = folder / f"list-{encoding}.md"
        path.write_bytes(listing.encode(encoding))
        rows, pending, note = preview.fn(str(path), "imported", "alice")
        assert [row[2] for row in rows] == [
            "What is the Wasserstein distance and why does WGAN use it?",
            "Why does a GAN generator need a latent prior?",
        ], note
        assert len(pending) == 2


def test_bank_panel_import_names_a_binary_upload(
    section: tuple[bank_panel.BankPanel, gr.Blocks, Path],
) -> None:
    _, demo, folder = section
    image = folder / "list.md"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    rows, pending, note = _event(demo, "preview").fn(str(image), "imported", "alice")
    assert rows == [] and pending == []
    assert note.startswith("**⚠ list.md is a binary file") and "upload it again" in note


def test_bank_panel_import_of_a_bad_entry_is_told_under_the_button(
    section: tuple[bank_panel.BankPanel, gr.Blocks, Path],
) -> None:
    """A YAML entry with `key_points: {a: b}`-like values, or a question too short for the bank,
    raised past the handler: the page showed a bare "Error"."""
    _, demo, folder = section
    preview = _event(demo, "preview")
    for name, content, told in (
        (
            "list.yaml",
            "- text: What is mode collapse?\n  key_points: 5\n  difficulty: [1]\n",
            "difficulty",
        ),
        ("list.md", "1. Why?\nAnswer: The generator covers few modes.\n", "Question 1 (Why?)"),
    ):
        path = folder / name
        path.write_text(content, encoding="utf-8")
        rows, pending, note = preview.fn(str(path), "imported", "alice")
        assert rows == [] and pending == [] and note.startswith("**⚠ ") and told in note


def test_bank_panel_upload_of_a_short_document_counts_its_one_chunk(
    section: tuple[bank_panel.BankPanel, gr.Blocks, Path],
) -> None:
    """A short team note was 'Added team-notes.md to the knowledge base (1 chunks).'"""
    _, demo, folder = section
    note = folder / "team-notes.txt"
    note.write_text("FID compares Inception feature statistics.\r\n", encoding="utf-8-sig")
    told = _event(demo, "ingest").fn([str(note)], "alice", progress=lambda *a, **k: None)
    assert told == "Added team-notes.md to the knowledge base (1 chunk).", told
