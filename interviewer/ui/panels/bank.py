"""Question-bank management for the hiring team, shown inside the (locked) Calibration tab.

Import a question list (Markdown or YAML) with drafts for missing key points and model
answers, approve drafts, edit a question, and upload new source documents (normalized, then
ingested into the knowledge base with a progress bar). Every change goes through
:class:`interviewer.bank_admin.BankEditor`: validated before it is written, old versions kept.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from interviewer.bank import Question, bank_path
from interviewer.bank_admin import (
    BankEditor,
    ImportedQuestion,
    build_drafter,
    draft_question,
    note_beyond_how,
    parse_question_list,
    refuse_repeated_imports,
)
from interviewer.errors import InputError, InterviewerError
from interviewer.retrieval import relevance_floor
from interviewer.text import clip, counted
from interviewer.textfile import decode_text, text_of
from interviewer.ui.refusal import refuse
from interviewer.ui.render import esc
from interviewer.ui.services import Services, exiting, start_background

log = logging.getLogger(__name__)

__all__ = ["NEW_QUESTION", "BankPanel", "render", "wire"]

PREVIEW_COLUMNS = ["Id", "Status", "Question", "Key points"]
ALTERNATIVES_LABEL = (
    "Other accepted answers (one per line; an answer matching any of them counts as correct)"
)
NEW_QUESTION = "__new__"  # the question picker's entry for writing a new question


@dataclass
class BankPanel:
    """Components of the question-bank section."""

    list_file: gr.File
    topic: gr.Textbox
    preview_button: gr.Button
    import_status: gr.Markdown
    preview: gr.Dataframe
    pending: gr.State
    add: gr.Button
    status: gr.Markdown
    question: gr.Dropdown
    text: gr.Textbox
    q_topic: gr.Textbox
    difficulty: gr.Slider
    key_points: gr.Textbox
    model_answer: gr.Textbox
    alternatives: gr.Textbox
    q_status: gr.Markdown
    save: gr.Button
    approve: gr.Button
    form_status: gr.Markdown
    documents: gr.File
    ingest: gr.Button
    ingest_status: gr.Markdown


def render(services: Services) -> BankPanel:
    """Lay out the section (inside the Calibration tab's team-only column)."""
    gr.Markdown("## Question bank")
    with gr.Accordion("Import a question list", open=False):
        with gr.Row(equal_height=True):
            list_file = gr.File(
                label="Markdown or YAML list",
                type="filepath",
                scale=3,
                file_types=[".md", ".txt", ".yaml", ".yml"],
                elem_id="bank-list",
            )
            with gr.Column(scale=2):
                topic = gr.Textbox(label="Topic for new questions", value="imported")
                preview_button = gr.Button("Preview with drafts", elem_id="bank-preview")
                # The preview's outcome under its button: an error was only a toast at the top
                # of the page, with bare "Error" badges on the table and status below.
                import_status = gr.Markdown(elem_id="bank-import-status")
        preview = gr.Dataframe(
            headers=PREVIEW_COLUMNS,
            value=[],
            interactive=False,
            wrap=True,
            # The key points are what the team reviews: they get the most room.
            column_widths=["7%", "18%", "30%", "45%"],
            elem_id="bank-preview-table",
        )
        add = gr.Button("Add to the bank", variant="primary", elem_id="bank-add")
    status = gr.Markdown(elem_id="bank-status")
    with gr.Accordion("Add, edit or approve a question", open=False):
        question = gr.Dropdown(
            label="Question", choices=_choices(services), elem_id="bank-question"
        )
        q_status = gr.Markdown()
        text = gr.Textbox(label="Question text", lines=2)
        with gr.Row():
            q_topic = gr.Textbox(label="Topic")
            difficulty = gr.Slider(1, 3, value=2, step=1, label="Difficulty")
        key_points = gr.Textbox(label="Key points (one per line)", lines=5)
        model_answer = gr.Textbox(label="Model answer", lines=5)
        alternatives = gr.Textbox(label=ALTERNATIVES_LABEL, lines=3, elem_id="bank-alternatives")
        with gr.Row():
            save = gr.Button("Save changes", elem_id="bank-save")
            # Until a draft is picked (see _approve_button).
            approve = gr.Button("Approve draft", interactive=False, elem_id="bank-approve")
        # Why a save or an approval was refused, next to the fields: it was only a toast at the
        # top of the page, gone in seconds, far from the long question being written.
        form_status = gr.Markdown(elem_id="bank-form-status")
    with gr.Accordion("Upload source documents", open=False):
        documents = gr.File(
            label="Text or Markdown documents",
            file_count="multiple",
            type="filepath",
            file_types=[".md", ".txt"],
            elem_id="bank-documents",
        )
        ingest = gr.Button("Normalize and add to the knowledge base", elem_id="bank-ingest")
        ingest_status = gr.Markdown(elem_id="bank-ingest-status")
    return BankPanel(
        list_file,
        topic,
        preview_button,
        import_status,
        preview,
        gr.State([]),
        add,
        status,
        question,
        text,
        q_topic,
        difficulty,
        key_points,
        model_answer,
        alternatives,
        q_status,
        save,
        approve,
        form_status,
        documents,
        ingest,
        ingest_status,
    )


def _editor(services: Services) -> BankEditor:
    return BankEditor(bank_path(services.settings), services.settings.knowledge_dir)


def _choices(services: Services) -> list[tuple[str, str]]:
    return [("+ New question", NEW_QUESTION)] + [
        # Cut at a word, with "…": "... how does it impact trainin" read as broken text.
        (f"{q.id} · {'DRAFT · ' if q.status == 'draft' else ''}{clip(q.text, 70)}", q.id)
        for q in services.bank.questions
    ]


def _reload(services: Services) -> None:
    # New sessions pick up the edited bank; running ones keep the questions they were given.
    services.bank = _editor(services).load()
    # The offline grader measures a bank question against the others: re-prepare them in the
    # background (seconds of CPU), so the edit does not wait for it.
    start_background(lambda: _prepare_quietly(services), name="interviewer-bank-prepare")


def _prepare_quietly(services: Services) -> None:
    try:
        services.grading.prepare(services.bank.questions)
    except Exception as exc:  # noqa: BLE001 - grading re-prepares on the next answer anyway
        if not exiting():
            log.warning("Could not prepare the edited bank for grading: %s", exc)


def _converted(paths: list[str], knowledge: Path) -> dict[Path, str]:
    """Each upload's clean Markdown by the file it will be in the knowledge folder.

    Raises:
        InputError: An upload is not text, has no text, or would be written over by another
            (the upload is named, and nothing is added).
    """
    from interviewer.cli.documents import import_text

    ready: dict[Path, str] = {}
    first: dict[Path, str] = {}
    for path in paths:
        source = Path(path)
        target = knowledge / f"{_slug(source.stem)}.md"
        if (earlier := first.setdefault(target, source.name)) != source.name:
            raise InputError(
                f"{earlier} and {source.name} would both be {target.name}: rename one and "
                "upload them again. No document was added."
            )
        try:
            text = text_of(source.read_bytes(), nul_is_binary=True)
        except ValueError as exc:
            raise InputError(
                f"{source.name} {exc}: save it as UTF-8 and upload it again. No document was added."
            ) from None
        ready[target] = import_text(source.name, text)
    return ready


def wire(panel: BankPanel, services: Services, team: gr.State) -> None:
    """Connect the section's events; every handler checks the team sign-in."""

    def guard(signed_in: str) -> str:
        # The sign-in state holds who signed in: bank edits are recorded under that name.
        if not signed_in or not isinstance(signed_in, str):
            raise refuse("Sign in with the team password first.")
        return signed_in

    def preview(
        path: str | None, topic: str, signed_in: str
    ) -> tuple[list[list[str]], list[dict[str, object]], str]:
        guard(signed_in)
        if not path:
            return [], [], _problem("Upload a Markdown or YAML question list first.")
        try:
            name = Path(path).name
            content = decode_text(Path(path).read_bytes(), name, again="upload it again")
            imported = parse_question_list(content, name)
            refuse_repeated_imports(imported, _editor(services).load().questions)
            ids = _editor(services).next_ids(len(imported))
            retriever = services.knowledge()
            drafter = build_drafter(services.settings)  # None without an LLM: extraction
            drafted = [
                draft_question(
                    q,
                    question_id=q.id or ids[i],
                    retriever=retriever,
                    topic=topic.strip() or "imported",
                    drafter=drafter,
                    min_score=relevance_floor(services.settings.embedding),
                )
                for i, q in enumerate(imported)
            ]
        # Told here and the last preview cleared: raised, the error was a toast at the top of
        # the page, and "Add to the bank" still held the previous file's questions.
        except InterviewerError as exc:
            return [], [], _problem(str(exc))
        rows = [[q.id, _draft_state(q), q.text, " • ".join(q.key_points)] for q in drafted]
        drafts = sum(q.status == "draft" for q in drafted)
        note = (
            f"{counted(len(drafted), 'question')} read; {drafts} with drafted key points or model "
            "answer (review, then approve them below)."
        )
        return rows, [q.model_dump(mode="json") for q in drafted], note

    def add(pending: list[dict[str, object]], signed_in: str) -> tuple[str, object, list[object]]:
        author = guard(signed_in)
        if not pending:
            return _problem("Preview a question list first."), gr.skip(), gr.skip()
        try:
            questions = [Question.model_validate(q) for q in pending]
            changed = _editor(services).save(questions, author=author)
            _reload(services)
        except InterviewerError as exc:
            return _problem(str(exc)), gr.skip(), gr.skip()
        return (
            f"Added {counted(len(changed), 'question')}: {', '.join(changed)}.",
            gr.update(choices=_choices(services)),
            [],
        )

    def load(question_id: str | None, signed_in: str) -> list[object]:
        guard(signed_in)
        if not question_id:
            return [gr.update()] * 9
        if question_id == NEW_QUESTION:
            note = (
                "**New question**: write its text, and its key points and model answer if you "
                "have them; what is missing is drafted from the reference material (or by the "
                "LLM when one is configured) and the question stays a draft until approved."
            )
            return [note, "", "", 2, "", "", "", _approve_button(None), ""]
        q = services.bank.get(question_id)
        state = (
            f"**Draft**: {esc(_draft_line(q))}"
            if q.status == "draft"
            # The question's status, not a message: "Approved." under "Added q36." read as a
            # second action.
            else "**Status: approved**: candidates are asked this question."
        )
        return [
            state,
            q.text,
            q.topic,
            q.difficulty,
            "\n".join(q.key_points),
            q.model_answer,
            "\n".join(_one_line(a) for a in q.alternative_answers),
            _approve_button(q),
            "",  # another question: the last one's refusal no longer applies
        ]

    def save(
        question_id: str | None,
        text: str,
        topic: str,
        difficulty: float,
        points: str,
        answer: str,
        alternatives: str,
        signed_in: str,
    ) -> tuple[object, ...]:
        author = guard(signed_in)
        if not question_id:
            return _not_done("Pick a question first.")
        if question_id == NEW_QUESTION:
            return _add_new(
                services, author, text, topic, int(difficulty), points, answer, alternatives
            )
        try:
            current = services.bank.get(question_id)
            edited = current.model_copy(
                update={
                    "text": text.strip(),
                    "topic": _topic(topic),
                    "difficulty": int(difficulty),
                    "key_points": [p.strip(" -•\t") for p in points.splitlines() if p.strip()],
                    "model_answer": answer.strip(),
                    "alternative_answers": _edited_alternatives(current, alternatives),
                }
            )
            # The validated copy is saved: it is what the bank would load (alternatives stripped).
            edited = Question.model_validate(edited.model_dump())
            changed = _editor(services).save([edited], author=author)
            _reload(services)
        except ValidationError as exc:
            return _not_done(_invalid(exc))
        except (InterviewerError, ValueError) as exc:
            return _not_done(str(exc))
        message = f"Saved {question_id}." if changed else "Nothing changed."
        picked = gr.update(choices=_choices(services), value=question_id)
        return message + _topic_note(topic), picked, ""

    def approve(question_id: str | None, signed_in: str) -> tuple[object, ...]:
        author = guard(signed_in)
        if not question_id:
            return _not_done("Pick a question first.", untouched=4)
        if question_id == NEW_QUESTION:
            return _not_done("Save the new question first, then approve it.", untouched=4)
        try:
            _editor(services).set_status(question_id, "approved", author=author)
            _reload(services)
        except InterviewerError as exc:
            return _not_done(str(exc), untouched=4)
        # The picker keeps its value, so its change event would not refresh the draft notice.
        return (
            f"{question_id} approved.",
            gr.update(choices=_choices(services), value=question_id),
            f"Approved by {esc(author)}.",
            _approve_button(services.bank.get(question_id)),
            "",
        )

    def ingest(
        paths: list[str] | None,
        signed_in: str,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - how Gradio injects progress
    ) -> str:
        guard(signed_in)
        # Refusals are told in the status under the button, like its outcome: a toast at the
        # top of the page was gone in seconds.
        if not paths:
            return _problem("Upload one or more text or Markdown documents first.")
        knowledge = services.settings.knowledge_dir
        written, replaced = [], []
        try:
            # Every upload is read and converted before any is written: a bad one among good
            # ones left those in the knowledge folder, not ingested, under "not UTF-8 text".
            ready = _converted(paths, knowledge)
            for target, text in ready.items():
                if target.exists():
                    replaced.append(target.name)  # its old chunks are dropped on ingest
                target.write_text(text, encoding="utf-8")
                written.append(target)
            index = services.knowledge()
            report = index.ingest_paths(
                written,
                progress=lambda done, total: progress(
                    done / max(total, 1), desc=f"Embedding chunks {done}/{total}"
                ),
            )
        except InterviewerError as exc:
            return _problem(str(exc))
        names = ", ".join(p.name for p in written)
        message = f"Added {names} to the knowledge base ({counted(report.chunks, 'chunk')})."
        if replaced:
            message += f" Replaced the earlier version of {', '.join(replaced)}."
        return message

    panel.preview_button.click(
        preview,
        [panel.list_file, panel.topic, team],
        [panel.preview, panel.pending, panel.import_status],
        concurrency_limit=1,
    )
    panel.add.click(
        add,
        [panel.pending, team],
        [panel.status, panel.question, panel.pending],  # right under its button
        concurrency_limit=1,
    )
    # The list as the bank is now: a page opened after another one added a question showed
    # the list the server started with, without it, until a restart.
    panel.question.focus(
        lambda: gr.update(choices=_choices(services)),
        None,
        [panel.question],
        queue=False,
        show_progress="hidden",
        api_visibility="private",
    )
    panel.question.change(
        load,
        [panel.question, team],
        [
            panel.q_status,
            panel.text,
            panel.q_topic,
            panel.difficulty,
            panel.key_points,
            panel.model_answer,
            panel.alternatives,
            panel.approve,
            panel.form_status,
        ],
    )
    panel.save.click(
        save,
        [
            panel.question,
            panel.text,
            panel.q_topic,
            panel.difficulty,
            panel.key_points,
            panel.model_answer,
            panel.alternatives,
            team,
        ],
        # A refusal goes under the form's buttons and leaves the fields as typed.
        [panel.status, panel.question, panel.form_status],
        concurrency_limit=1,
    )
    panel.approve.click(
        approve,
        [panel.question, team],
        [panel.status, panel.question, panel.q_status, panel.approve, panel.form_status],
        concurrency_limit=1,
    )
    panel.ingest.click(ingest, [panel.documents, team], [panel.ingest_status], concurrency_limit=1)


def _add_new(
    services: Services,
    author: str,
    text: str,
    topic: str,
    difficulty: int,
    points: str,
    answer: str,
    alternatives: str,
) -> tuple[object, ...]:
    """Add a question written in the form; missing key points or model answer are drafted.

    Returns the Save outputs (see ``wire``): status, picker, the form's refusal.
    """
    if not text.strip():
        return _not_done("Write the question's text first.")
    key_points = [p.strip(" -•\t") for p in points.splitlines() if p.strip()]
    try:
        editor = _editor(services)
        (question_id,) = editor.next_ids(1)
        complete = bool(key_points and answer.strip())
        question = draft_question(
            ImportedQuestion(
                number=1,
                text=text.strip(),
                answer=answer.strip(),
                key_points=key_points,
                alternative_answers=_lines(alternatives),
                topic=_topic(topic),
                difficulty=difficulty,
            ),
            question_id=question_id,
            # The knowledge base is opened only when something has to be drafted from it.
            retriever=None if complete else services.knowledge(),
            topic=_topic(topic) or "general",
            difficulty=difficulty,
            drafter=None if complete else build_drafter(services.settings),
            min_score=relevance_floor(services.settings.embedding),
        )
        Question.model_validate(question.model_dump())
        editor.save([question], author=author)
        _reload(services)
    except ValidationError as exc:
        return _not_done(_invalid(exc))
    except (InterviewerError, ValueError) as exc:
        return _not_done(str(exc))
    message = f"Added {question_id}.{_topic_note(topic)}"
    if question.status == "draft":
        message += f" It is a **draft**: {esc(_draft_line(question))}"
    return message, gr.update(choices=_choices(services), value=question_id), ""


def _problem(message: str) -> str:
    """Why an action did not go through, as the status under its button (Markdown)."""
    return f"**⚠ {esc(message)}**"


def _not_done(message: str, *, untouched: int = 2) -> tuple[object, ...]:
    """A refused Save or Approve: the status above the form cleared (an earlier "Saved q01."
    standing over the refusal read as if this one went through), the next ``untouched - 1``
    outputs skipped so the picker keeps its value and the fields what was typed, then
    ``message`` under the form."""
    return ("", *[gr.skip()] * (untouched - 1), _problem(message))


# The form's names for the fields a team member can get wrong.
_FIELD_LABELS = {
    "text": "Question text",
    "topic": "Topic",
    "key_points": "Key points",
    "model_answer": "Model answer",
    "alternative_answers": "Other accepted answers",
}


def _invalid(exc: ValidationError) -> str:
    """A form error in the form's words: the field's label and what is wrong, nothing more."""
    problems = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        label = _FIELD_LABELS.get(field, field or "The question")
        problems.append(f"{label}: {_plain_problem(err)}")
    return "Not saved. " + "; ".join(problems) + "."


def _plain_problem(err: ErrorDetails) -> str:
    """What pydantic found, in the form's words: it said "List should have at least 1 item
    after validation, not 0" for an empty key-point box."""
    context = err.get("ctx") or {}
    kind = err["type"]
    if kind == "too_short":
        return "write at least one (one per line)"
    if kind == "string_too_short":
        least = context.get("min_length", 1)
        return "it is empty" if least == 1 else f"write at least {least} characters"
    if kind == "too_long":
        most, given = context.get("max_length"), context.get("actual_length")
        return f"at most {most} (one per line), not {given}"
    if kind == "string_too_long":
        return f"at most {context.get('max_length')} characters"
    return str(err["msg"]).removeprefix("Value error, ")


def _lines(text: str) -> list[str]:
    """The non-blank lines of a textbox, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _one_line(text: str) -> str:
    # The textbox holds one answer per line: an answer written over several lines in the
    # YAML is shown on one.
    return " ".join(text.split())


def _edited_alternatives(current: Question, text: str) -> list[str]:
    """The alternative answers in the textbox; unchanged ones keep their stored form.

    A multi-line alternative from the YAML is shown on one line; saving the form unchanged must
    not rewrite it (that would be a new question version for nothing).
    """
    lines = _lines(text)
    if lines == [_one_line(a) for a in current.alternative_answers]:
        return list(current.alternative_answers)
    return lines


def _topic(text: str) -> str:
    """A topic as the bank writes them ("gan-training"): the form took "GAN Training!! <b>x</b>"
    as it was, and candidates were offered it next to "gan-training"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _topic_note(text: str) -> str:
    """Tells the team when the topic was saved otherwise than typed."""
    written = _topic(text)
    if not written or written == text.strip():
        return ""
    return f" Topic saved as “{written}” (lower case, words joined by hyphens)."


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "document"


def _approve_button(q: Question | None) -> object:
    """Approve is the form's main action only for a draft: it was highlighted (and pressable)
    for a new question not saved yet and for an approved one."""
    draft = q is not None and q.status == "draft"
    return gr.Button(variant="primary" if draft else "secondary", interactive=draft)


def _draft_line(q: Question) -> str:
    """How a draft was made and what to do, once: its note says both ("Extracted from the
    reference material; review before approving."), which the form had wrapped in the same
    words again ("Draft (draft, extracted from the references; Extracted from ...)")."""
    if q.draft_note:
        return q.draft_note
    made, todo = _how_made(q), "review the key points and model answer, then approve."
    return f"{made[:1].upper()}{made[1:]}; {todo}" if made else todo.capitalize()


def _how_made(q: Question) -> str:
    """How a draft's key points and model answer were made ("extracted from the references"),
    or '' when that is not recorded."""
    how = {"extracted": "extracted from the references", "answer": "from the given answer"}
    return how.get(q.drafted_by or "", (q.drafted_by or "").replace("llm:", "written by LLM "))


def _draft_state(q: Question) -> str:
    """How a question's key points and model answer were made, in the team's words."""
    if q.status != "draft":
        return q.status
    made = _how_made(q)
    # Only what the note adds: the whole note repeated "extracted from the references" and
    # filled the import preview's Status column, pushing the key points out of sight.
    extra = note_beyond_how(q.draft_note)
    note = f"; {extra}" if extra else ""
    return f"draft, {made}{note}" if made else f"draft{note}"
