"""``interviewer calibrate FILE``: agreement of the automatic grader with the hiring team."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from interviewer.cli import (
    app,
    counted,
    emit_json,
    fill_knowledge_base,
    friendly,
    same_file,
    stdout_console,
)
from interviewer.errors import BankError, InputError
from interviewer.settings import Settings

__all__ = ["calibrate"]


@app.command()
@friendly
def calibrate(
    file: Annotated[Path, typer.Argument(help="CSV or JSONL of human scores.")],
    repeat: Annotated[
        int, typer.Option("--repeat", min=1, max=20, help="Grade a sample N times: score spread.")
    ] = 1,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write an HTML report with plots here.")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text or json.", metavar="<text|json>")
    ] = "text",
    grader: Annotated[
        str | None,
        typer.Option(
            "--grader", help="offline or llm (default from settings).", metavar="<offline|llm>"
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=16, help="Parallel LLM requests.")
    ] = 4,
    sessions: Annotated[
        bool,
        typer.Option("--sessions/--no-sessions", help="Add stored session grades to item stats."),
    ] = True,
) -> None:
    """Compare automatic grades with interviewers' scores, and find questions that misbehave.

    FILE is CSV (comma, semicolon or tab separated, UTF-8) or JSON Lines (one object per line)
    with the columns question_id or question (the bank's text; case, spacing, punctuation, quote
    and dash style may differ), answer, rater, score (0-5), and optionally candidate (needed for
    discrimination) and reference_answer (for a question outside the bank).

    Exit status: 0 when every row was used; 1 for bad input: bad rows are listed with their
    line number and the good rows are still analysed, and a file scored on another scale than
    0-5 is refused whole.
    """
    from interviewer.bank import load_default_bank
    from interviewer.calibration import calibrate as run
    from interviewer.calibration import load_human_scores, session_scores
    from interviewer.grading.service import build_grading_service

    if fmt not in ("text", "json"):
        raise InputError(f"Unknown format {fmt!r}: choose text or json.")
    if grader not in (None, "offline", "llm"):
        raise InputError(f"Unknown grader {grader!r}: choose offline or llm.")
    if report is not None:
        _check_report_path(file, report)
    settings = Settings()
    try:
        bank = load_default_bank(settings)
    except BankError as exc:
        typer.echo(
            f"Warning: {exc} Only rows with question text and reference_answer can be used.",
            err=True,
        )
        bank = None
    imported = load_human_scores(str(file), bank)
    for problem in imported.problems:
        typer.echo(f"{file.name}:{problem.line}: {problem.reason}", err=True)
    if not imported.rows:
        # Before the knowledge base is filled and the grader loaded: nothing would be graded.
        raise InputError(
            f"No row of {file.name} can be used: fix the rows listed above and run again."
        )
    if imported.problems:
        typer.echo(
            f"{len(imported.problems)} bad row(s) skipped; {len(imported.rows)} kept.", err=True
        )
    fill_knowledge_base(settings)
    service = build_grading_service(settings, grader)  # type: ignore[arg-type]
    stored = []
    if sessions:
        from interviewer.store.db import open_database
        from interviewer.store.repository import Repository

        stored = session_scores(Repository(open_database(settings)))

    def progress(done: int, total: int) -> None:
        if done == total or done % max(1, total // 10) == 0:
            typer.echo(f"graded {done}/{counted(total, 'answer')}", err=True)

    parallel = workers if service.grader.name == "llm" else 1
    result = run(
        imported, service, session_scores=stored, repeat=repeat, progress=progress, workers=parallel
    )
    if report is not None:
        from interviewer.reports.calibration import render_calibration_html

        try:  # its folder was made by _check_report_path, before grading
            report.write_text(render_calibration_html(result), encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"Cannot write {report}: {exc.strerror}. Choose another path."
            ) from exc
        typer.echo(f"Calibration report written to {report}.", err=True)
    if fmt == "json":
        emit_json(result.to_json())
    else:
        _print_text(result)
    if imported.problems:
        # As `grade --batch` does: a script must not read a half-used file as success.
        raise InputError(
            f"{len(imported.problems)} row(s) of {file.name} were rejected (listed above); the "
            f"figures cover the {len(imported.rows)} row(s) kept. Fix those rows and run again."
        )


def _packed(head: str, figures: list[str], width: int) -> list[str]:
    """``head`` and the figures joined by " · " in lines of at most ``width`` cells, broken
    only between figures: rich broke "QWK – · Pearson" from its "–" on the next line."""
    from rich.cells import cell_len

    lines = [head]
    for figure in figures:
        sep = " " if lines[-1] == head else " · "
        if cell_len(lines[-1] + sep + figure) <= width:
            lines[-1] += sep + figure
        else:
            lines.append(figure)
    return lines


def _print_text(result: object) -> None:
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from interviewer.calibration import (
        DISCRIMINATION_NOTE,
        CalibrationResult,
        discrimination_text,
        interval_text,
    )

    assert isinstance(result, CalibrationResult)
    o = result.overall

    def f(value: float | None, signed: bool = False) -> str:
        return "–" if value is None else (f"{value:+.2f}" if signed else f"{value:.2f}")

    console = stdout_console()
    if not console.is_terminal:
        # Written to a file or a pipe: no screen to fit, so do not squeeze the table to 80.
        console = stdout_console(width=120)
    head = f"Overall ({counted(o.n, 'answer')}, grader {result.grader}):"
    figures = [
        f"QWK {f(o.qwk)}{interval_text(o.qwk_interval)}",
        f"Pearson {f(o.pearson)}",
        f"Spearman {f(o.spearman)}",
        f"MAE {f(o.mae)}",
        f"bias {f(o.bias, True)}",
        f"interviewers' alpha {f(o.alpha)} (MAD {f(o.human_mad)})",
    ]
    for line in _packed(head, figures, console.width):
        styled = Text(line)
        if line.startswith("Overall ("):
            styled.stylize("bold", 0, len("Overall"))
        console.print(styled, highlight=False)
    if result.session_answers:
        console.print(
            f"Item statistics (mean, discr.) also count {result.session_answers} graded "
            f"answer{'' if result.session_answers == 1 else 's'} of stored interview sessions; "
            "--no-sessions leaves them out."
        )
    columns = ["question", "n", "QWK", "MAE", "bias", "alpha", "mean", "discr."]
    repeated = result.repeat > 1
    if repeated:
        columns.append("repeat SD")
    table = Table(*columns, "flags")
    # Ids of questions outside the bank are 16 characters (adhoc-<hash>) and figures up to 5:
    # keep both whole, and let only the flags wrap.
    for column in table.columns[:-1]:
        column.no_wrap = True
    table.columns[0].min_width = min(16, max(len(q.question_id) for q in result.questions))
    for q in result.questions:
        cells = [
            q.question_id,
            str(q.n),
            f(q.qwk),
            f(q.mae),
            f(q.bias, True),
            f(q.alpha),
            f(q.items.mean),
            discrimination_text(q.items),
        ]
        if repeated:
            cells.append(f(q.consistency.mean_sd) if q.consistency else "–")
        table.add_row(*cells, ", ".join(fl.code.replace("_", " ") for fl in q.flags))
    console.print(table)
    if any(discrimination_text(q.items) == "too few" for q in result.questions):
        console.print(DISCRIMINATION_NOTE, highlight=False)
    if repeated:
        console.print(
            f"repeat SD: mean spread of the automatic score when one answer is graded "
            f"{result.repeat} times.",
            highlight=False,
        )
    for q in result.questions:
        if q.flags:
            # Ids of questions outside the bank are hashes: the text says which question it is.
            text = q.text if len(q.text) <= 100 else q.text[:99] + "…"
            console.print(f"\n[bold]{q.question_id}[/]: {escape(text)}", highlight=False)
        for flag in q.flags:
            console.print(
                f"  {flag.code.replace('_', ' ')}: {escape(flag.reason)} → {escape(flag.action)}",
                highlight=False,
            )


def _check_report_path(scores: Path, report: Path) -> None:
    """Refuse a --report path that would overwrite the scores or cannot be written, before
    any grading (it was only found out after every answer had been graded)."""
    if same_file(report, scores):
        raise InputError(f"--report {report} is the scores file: write the report elsewhere.")
    if report.is_dir():
        raise InputError(f"--report {report} is a folder: give a file name, e.g. report.html.")
    try:
        report.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"Cannot write {report}: {exc.strerror}. Choose another path.") from exc
    if not os.access(report.parent, os.W_OK):
        raise InputError(f"Cannot write into {report.parent}: choose another path for --report.")
