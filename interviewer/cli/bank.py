"""``interviewer bank``: the hiring team's question-bank management (import, drafts, approve)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from interviewer.cli import FormatOption, app, emit_json, friendly
from interviewer.errors import InputError, validation_message
from interviewer.settings import Settings
from interviewer.text import counted
from interviewer.textfile import decode_text

__all__ = ["approve", "drafts", "history", "import_questions"]

bank_app = typer.Typer(help="Manage the question bank (hiring team).", no_args_is_help=True)
app.add_typer(bank_app, name="bank")


def _editor(settings: Settings):  # type: ignore[no-untyped-def]
    from interviewer.bank import bank_path
    from interviewer.bank_admin import BankEditor

    return BankEditor(bank_path(settings), settings.knowledge_dir)


@bank_app.command("import")
@friendly
def import_questions(
    file: Annotated[Path, typer.Argument(help="Markdown (numbered questions) or YAML list.")],
    topic: Annotated[
        str, typer.Option("--topic", help="Topic for questions without one.")
    ] = "imported",
    difficulty: Annotated[int, typer.Option("--difficulty", min=1, max=3)] = 2,
    apply: Annotated[
        bool, typer.Option("--apply", help="Write to the bank (default: preview).")
    ] = False,
    fmt: FormatOption = "text",
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Let imported questions replace bank questions with the same id."
        ),
    ] = False,
) -> None:
    """Import a question list; missing key points and model answers are drafted (by the LLM
    when one is configured, else from the reference material) and marked draft until approved
    (`interviewer bank approve ID`)."""
    from pydantic import ValidationError

    from interviewer.bank_admin import (
        build_drafter,
        draft_question,
        parse_question_list,
        refuse_repeated_imports,
    )
    from interviewer.knowledge.index import ensure_ingested
    from interviewer.retrieval import relevance_floor

    try:
        data = file.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{file} does not exist: give the question list's file.") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{file} is a folder: give the question list's file.") from exc
    content = decode_text(data, file, again="import it again")
    settings = Settings()
    editor = _editor(settings)
    imported = parse_question_list(content, file.name)
    ids = editor.next_ids(len(imported))
    wanted = [q.id or ids[i] for i, q in enumerate(imported)]
    bank = editor.load().questions
    _check_import_ids(wanted, {q.id: q.text for q in bank}, replace)
    refuse_repeated_imports(imported, bank)
    retriever = ensure_ingested(settings)
    drafter = build_drafter(settings)
    try:
        questions = [
            draft_question(
                q,
                question_id=wanted[i],
                retriever=retriever,
                topic=topic,
                difficulty=difficulty,
                drafter=drafter,
                min_score=relevance_floor(settings.embedding),
            )
            for i, q in enumerate(imported)
        ]
    except ValidationError as exc:
        raise InputError(f"{file}: {validation_message(exc)}.") from exc
    if apply:
        editor.save(questions, author="cli")
    if fmt == "json":
        emit_json([q.model_dump(mode="json") for q in questions])
    else:
        for q in questions:
            typer.echo(f"{q.id} [{q.status}] {q.text}")
            if q.draft_note:
                typer.echo(f"    ({q.draft_note})")
            for point in q.key_points:
                typer.echo(f"    - {point}")
    verb = "Added" if apply else "Would add"
    drafts = sum(q.status == "draft" for q in questions)
    typer.echo(
        f"{verb} {counted(len(questions), 'question')}; "
        f"{counted(drafts, 'draft')} {'needs' if drafts == 1 else 'need'} approval."
        + ("" if apply else " Run again with --apply to write them."),
        err=True,
    )


def _check_import_ids(ids: list[str], bank: dict[str, str], replace: bool) -> None:
    """Refuse ids repeated in the import, and bank ids unless ``--replace`` says so: an import
    that said "Added" silently replaced an approved question."""
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise InputError(
            f"The file gives the same id to several questions ({', '.join(repeated)}): give "
            "each question its own id, or none to have one assigned."
        )
    taken = [i for i in ids if i in bank]
    if taken and not replace:
        shown = "; ".join(f"{i} ({bank[i][:60]!r})" for i in taken[:5])
        raise InputError(
            f"Already in the bank: {shown}. Give the imported questions new ids (or none), or "
            "pass --replace to replace them (old versions stay in `interviewer bank history "
            "ID`)."
        )


@bank_app.command("drafts")
@friendly
def drafts() -> None:
    """List questions still marked draft."""
    waiting = [q for q in _editor(Settings()).load().questions if q.status == "draft"]
    for q in waiting:
        typer.echo(f"{q.id}\t{q.drafted_by or 'edited'}\t{q.text}")
    if not waiting:  # on stderr: the listing itself (stdout) stays empty for scripts
        typer.echo("No drafts waiting for approval.", err=True)


@bank_app.command("approve")
@friendly
def approve(question_ids: Annotated[list[str], typer.Argument(help="Ids to approve.")]) -> None:
    """Approve drafted questions (after reviewing their key points and model answer)."""
    editor = _editor(Settings())
    for question_id in question_ids:
        editor.set_status(question_id, "approved", author="cli")
        typer.echo(f"{question_id} approved.")


@bank_app.command("history")
@friendly
def history(question_id: Annotated[str, typer.Argument(help="Question id.")]) -> None:
    """Earlier versions of a question as JSON (old grades point at these by version hash); none
    yet is said on stderr."""
    editor = _editor(Settings())
    rows = editor.history(question_id)
    if not rows and all(q.id != question_id for q in editor.load().questions):
        raise InputError(
            f"No question {question_id!r} in the bank and no history of it: check the id "
            "(`interviewer questions list`)."
        )
    emit_json(rows)
    if not rows:  # a bare "[]" read as an error; on stderr, so stdout stays JSON for scripts
        typer.echo(
            f"No earlier version of {question_id}: it has not been changed since it was added "
            f"(`interviewer questions show {question_id}` shows it as it is).",
            err=True,
        )
