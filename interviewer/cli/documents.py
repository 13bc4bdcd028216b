"""`interviewer documents`: import raw text or Markdown as clean knowledge documents, and list
or remove the documents in the knowledge store."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from interviewer.cli import FormatOption, app, emit_json, friendly
from interviewer.errors import InputError
from interviewer.knowledge.loader import parse_document
from interviewer.knowledge.normalize import normalize_text
from interviewer.knowledge.seeds import render_document
from interviewer.settings import Settings
from interviewer.text import counted
from interviewer.textfile import text_of

documents_app = typer.Typer(
    help="Knowledge documents: import and clean, list and remove.", no_args_is_help=True
)
app.add_typer(documents_app, name="documents")


@documents_app.command("import")
@friendly
def import_documents(
    files: list[Path] = typer.Argument(..., help="Raw .txt or .md files to import."),  # noqa: B008
    out: Path | None = typer.Option(  # noqa: B008
        None,
        "--out",
        help="Folder for the clean Markdown (default: the knowledge folder, "
        "INTERVIEWER_KNOWLEDGE_DIR, which `interviewer ingest` reads).",
        show_default=False,
    ),
    title: str = typer.Option("", "--title", help="Title (one file only); default: from the text."),
    origin: str = typer.Option("", "--origin", help="URL or publication (one file only)."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing documents."),
) -> None:
    """Normalize raw documents and write them as Markdown with title/origin front matter.

    Glued words and typographic debris are fixed as the loader fixes them, so the written
    file is what will be ingested. Run `interviewer ingest` afterwards.
    """
    if (title or origin) and len(files) > 1:
        raise InputError("--title and --origin apply to one file; import the files one at a time")
    # The default was ./knowledge, wherever the command ran: a document imported from another
    # folder, or with INTERVIEWER_KNOWLEDGE_DIR set, was never seen by `interviewer ingest`.
    folder = Settings().knowledge_dir if out is None else out
    # Every file is read and checked before any is written, so a bad one leaves no half import
    # (and no empty folder) behind.
    ready: list[tuple[Path, Path, str]] = []
    for path in files:
        target = folder / f"{_slug(path.stem)}.md"
        if target.exists() and not force:
            raise InputError(f"{target} already exists; pass --force to overwrite it")
        if any(target == earlier for _, earlier, _ in ready):
            raise InputError(f"two of the files would both be {target}; rename one of them")
        ready.append(
            (path, target, import_text(path.name, _read(path), title=title, origin=origin))
        )
    folder.mkdir(parents=True, exist_ok=True)
    for path, target, text in ready:
        target.write_text(text, encoding="utf-8")
        typer.echo(f"{path} -> {target}")


@documents_app.command("list")
@friendly
def list_documents(output: FormatOption = "text") -> None:
    """List the documents in the knowledge store: name, chunks and the file each came from."""
    from interviewer.knowledge.index import open_index

    stored = open_index(Settings()).stored_documents()
    if output == "json":
        emit_json([d.model_dump() for d in stored])
        return
    if not stored:
        typer.echo("No documents stored yet: run `interviewer ingest`.")
        return
    for doc in stored:
        typer.echo(
            f"{doc.name}  {counted(doc.chunks, 'chunk')}  {doc.source or '(file not recorded)'}"
        )


@documents_app.command("remove")
@friendly
def remove_documents(
    names: Annotated[
        list[str],
        typer.Argument(
            metavar="NAME...", help="Stored document names, e.g. notes.md (`documents list`)."
        ),
    ],
) -> None:
    """Remove documents from the knowledge store; their files are left alone.

    A document ingested from outside the knowledge folder stays through `interviewer ingest`
    while its file exists: this removes it. One still in the knowledge folder comes back with
    the next `interviewer ingest`: delete its file instead.
    """
    from interviewer.knowledge.index import open_index

    settings = Settings()
    index = open_index(settings)
    stored = {d.name: d for d in index.stored_documents()}
    unknown = [n for n in names if n not in stored]
    if unknown:
        raise InputError(
            f"No stored document named {', '.join(map(repr, unknown))}: "
            "`interviewer documents list` shows the stored ones."
        )
    folder = settings.knowledge_dir.resolve()
    for name in index.remove(names):
        typer.echo(f"Removed {name} ({counted(stored[name].chunks, 'chunk')}).")
        source = Path(stored[name].source)
        if stored[name].source and source.is_file() and source.is_relative_to(folder):
            typer.echo(
                f"Note: {source} is still in the knowledge folder, so the next "
                "`interviewer ingest` adds it back: delete the file to keep it out.",
                err=True,
            )


def import_text(name: str, raw: str, *, title: str = "", origin: str = "") -> str:
    """Return the clean Markdown document (front matter included) for one raw text.

    Args:
        name: Source file name; names the document when it has no title.
        raw: The raw text, with or without ``title:``/``origin:`` front matter.
        title: Overrides the title found in the text.
        origin: Overrides the origin found in the text.
    """
    doc = parse_document(name, raw)
    if not doc.text.strip():
        raise InputError(f"{name} has no text to import")
    found = doc.title
    if found == Path(name).stem:  # no title in the text: use the file name, readable
        found = re.sub(r"[-_]+", " ", found).capitalize()
    final_title = normalize_text(title or found).strip()
    body = doc.text if doc.text.startswith("# ") else f"# {final_title}\n\n{doc.text}"
    return render_document(final_title, origin or doc.origin or f"imported from {name}", body)


def _read(path: Path) -> str:
    from interviewer.knowledge.loader import MAX_BYTES

    try:
        # Before reading it: a file over ingest's limit was imported, then skipped by ingest.
        if path.stat().st_size > MAX_BYTES:
            raise InputError(
                f"{path} is larger than {MAX_BYTES // 1_000_000} MB, the most `interviewer "
                "ingest` reads: split it into smaller documents and import those"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path} ({exc.strerror or exc}); check the path") from exc
    try:
        # UTF-16 with a byte-order mark (Notepad's "Unicode") too: it was called binary.
        return text_of(data, nul_is_binary=True)
    except ValueError as exc:
        raise InputError(f"{path} {exc}; import text or Markdown files saved as UTF-8") from None


def _slug(stem: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "document"
