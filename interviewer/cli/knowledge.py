"""Knowledge-base commands: `interviewer ingest`, `search` and `eval retrieval`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from interviewer.cli import FormatOption, app, emit_json, eval_app, friendly, stdout_console
from interviewer.errors import InputError
from interviewer.settings import Settings
from interviewer.text import counted

_err = Console(stderr=True)


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr, fed by (done, total) callbacks.

    It appears only once there is something to embed, so commands that find the store
    already filled print nothing extra.
    """
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn("[bold]Embedding chunks"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
    )
    task: list[TaskID] = []

    def update(done: int, total: int) -> None:
        if total <= 0:
            return
        if not task:
            bar.start()
            task.append(bar.add_task("ingest", total=total))
        bar.update(task[0], completed=done, total=total)

    try:
        yield update
    finally:
        if task:
            bar.stop()


@app.command()
@friendly
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders to ingest; default: the knowledge folder."),
    ] = None,
    output: FormatOption = "text",
) -> None:
    """Chunk, embed and store knowledge documents (only new or changed ones).

    Without PATHS the whole knowledge folder is ingested, and documents deleted from it are
    removed from the store too. Documents ingested from elsewhere (`interviewer ingest
    ~/notes.md`) stay while their files exist; `interviewer documents remove NAME` removes one.
    Unreadable, binary or empty files are reported and skipped.
    """
    from interviewer.knowledge.index import open_index

    settings = Settings()
    targets = paths or [settings.knowledge_dir]
    missing = [str(p) for p in targets if not p.exists()]
    if missing:
        raise InputError(f"No such file or folder: {', '.join(missing)}.")
    whole_folder = all(p.resolve() == settings.knowledge_dir.resolve() for p in targets)
    index = open_index(settings)
    with _progress_bar(output == "text") as update:
        report = index.ingest_paths(targets, prune=whole_folder, progress=update)
    for skip in report.skipped:
        typer.echo(f"Skipped {skip.path}: {skip.reason}", err=True)
    if paths and report.skipped and not report.documents:
        raise InputError("Nothing was ingested: every file was skipped (reasons above).")
    if output == "json":
        emit_json(report.model_dump())
        return
    typer.echo(
        f"Ingested {counted(report.documents, 'document')}: {counted(report.chunks, 'chunk')}, "
        f"{counted(report.tokens, 'token')} "
        f"in {report.seconds:.1f} s ({counted(report.chunks_written, 'chunk')} embedded) into "
        f"{report.collection}."
    )
    typer.echo(
        f"added {len(report.added)}, updated {len(report.updated)}, removed "
        f"{len(report.removed)}, unchanged {len(report.unchanged)}, skipped {len(report.skipped)}"
    )
    for label, names in (
        ("added", report.added),
        ("updated", report.updated),
        ("removed", report.removed),
        ("kept (ingested from outside the folder)", report.kept),
    ):
        for name in names:
            typer.echo(f"  {label}: {name}")
    if report.kept:
        typer.echo("  `interviewer documents remove NAME` removes a kept document.")


@app.command()
@friendly
def search(
    text: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=50, help="Number of results.")] = 5,
    output: FormatOption = "text",
) -> None:
    """Search the knowledge base; shows the closest chunks with score and citation."""
    from interviewer.knowledge.index import ensure_ingested

    if not text.strip():
        raise InputError("The search text is empty: give some words to look for.")
    settings = Settings()
    with _progress_bar(output == "text") as update:
        index = ensure_ingested(settings, progress=update)
    results = index.retrieve(text, k)
    if output == "json":
        emit_json([r.model_dump() | {"citation": r.citation.label()} for r in results])
        return
    if not results:
        typer.echo("No results: the knowledge base is empty.")
        return
    table = Table(show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column("source")
    table.add_column("text")
    for rank, r in enumerate(results, start=1):
        snippet = r.text if len(r.text) <= 300 else r.text[:297] + "..."
        table.add_row(str(rank), f"{r.score:.3f}", r.citation.label(), snippet)
    stdout_console().print(table)


@eval_app.command("retrieval")
@friendly
def eval_retrieval(
    output: FormatOption = "text",
) -> None:
    """Recall@1, recall@5 and MRR: each bank question must retrieve one of its sources."""
    from interviewer.bank import load_bank
    from interviewer.knowledge.index import ensure_ingested, evaluate_retrieval

    settings = Settings()
    bank = load_bank(settings.knowledge_dir / "questions.yaml")
    with _progress_bar(output == "text") as update:
        index = ensure_ingested(settings, progress=update)
    result = evaluate_retrieval(index, bank, k=5)
    if output == "json":
        emit_json(result.model_dump())
        return
    typer.echo(
        f"n={result.n}  recall@1={result.recall_at_1:.3f}  recall@5={result.recall_at_5:.3f}  "
        f"MRR={result.mrr:.3f}"
    )
    for miss in result.misses:
        where = f"rank {miss.rank}" if miss.rank else "not in top 5"
        typer.echo(f"  {miss.id} ({where}): {miss.text}")
        typer.echo(f"      sources: {', '.join(miss.sources)}; top: {'; '.join(miss.top[:3])}")
