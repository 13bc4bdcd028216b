"""``interviewer calibrate FILE``: agreement of the automatic grader with the hiring team."""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from interviewer.cli import (
    app,
    emit_json,
    fill_knowledge_base,
    format_option,
    friendly,
    same_file,
    stdout_console,
)
from interviewer.errors import BankError, InputError
from interviewer.settings import Settings
from interviewer.text import counted

if TYPE_CHECKING:
    from interviewer.grading.team_fit import TeamFit

__all__ = ["calibrate"]


@app.command()
@friendly
def calibrate(
    file: Annotated[
        Path | None, typer.Argument(help="CSV or JSONL of human scores.", show_default=False)
    ] = None,
    repeat: Annotated[
        int, typer.Option("--repeat", min=1, max=20, help="Grade a sample N times: score spread.")
    ] = 1,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write an HTML report with plots here.")
    ] = None,
    fmt: Annotated[str, format_option("-f")] = "text",
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
    fit: Annotated[
        bool,
        typer.Option(
            "--fit",
            help="Then fit the offline grader's scale to these scores (cross-validated by "
            "question) and use it from now on if it agrees better.",
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With --fit: write the fitted scale even if no better.")
    ] = False,
    reset_fit: Annotated[
        bool,
        typer.Option(
            "--reset-fit", help="Remove the team's fitted scale: back to the shipped one."
        ),
    ] = False,
) -> None:
    """Compare automatic grades with interviewers' scores, and find questions that misbehave.

    FILE is CSV (comma, semicolon or tab separated; UTF-8, or UTF-16 as Excel's "Unicode
    Text") or JSON Lines (one object per line) with the columns question_id or question (the
    bank's text; case, spacing, punctuation, quote and dash style may differ), answer, rater,
    score (0-5), and optionally candidate (needed for discrimination) and reference_answer (for
    a question outside the bank).

    With --fit (offline grader, at least 40 scored answers to 5 questions) the grader's scale,
    its two verdict thresholds and its depth bounds, is then fitted to the interviewers' mean
    score of each answer and checked on questions it was not fitted on (5-fold
    cross-validation by question).

    The fitted scale is written to the data folder, and used by every offline grade from then
    on, only if it agrees better there than the shipped scale (--force writes it anyway).
    --reset-fit (without FILE) removes it.

    Exit status: 0 when every row was used; 1 for bad input: bad rows are listed with their
    line number and the good rows are still analysed, and a file scored on another scale than
    0-5 is refused whole.
    """
    from interviewer.bank import load_default_bank
    from interviewer.calibration import calibrate as run
    from interviewer.calibration import load_human_scores, session_scores
    from interviewer.grading.service import build_grading_service

    if grader not in (None, "offline", "llm"):
        raise InputError(f"Unknown grader {grader!r}: choose offline or llm.")
    if reset_fit:
        if file is not None or fit:
            raise InputError("--reset-fit takes no scores file: run it alone.")
        _reset_fit(Settings(), fmt)
        return
    if file is None:
        raise InputError(
            "Give the scores file: interviewer calibrate SCORES.csv (see --help for its columns)."
        )
    if force and not fit:
        raise InputError("--force goes with --fit: add --fit to fit the grader's scale.")
    if fit:
        if grader == "llm":
            raise InputError(
                "--fit fits the offline grader's scale: drop --grader llm (or use "
                "--grader offline)."
            )
        grader = "offline"  # the scale fitted is the offline grader's, whatever the default
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
            f"{counted(len(imported.problems), 'bad row')} skipped; {len(imported.rows)} kept.",
            err=True,
        )
    if fit:
        from interviewer.calibration import answers_and_questions
        from interviewer.grading.scale_fit import check_enough

        # Before anything is graded: the grading of a large file is the slow part.
        check_enough(*answers_and_questions(imported))
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

    # A fit reads each answer the calibration grades: kept from the grade, not read twice.
    with service.keeping_readings() if fit else nullcontext():
        parallel = workers if service.grader.name == "llm" else 1
        result = run(
            imported,
            service,
            session_scores=stored,
            repeat=repeat,
            progress=progress,
            workers=parallel,
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
        fitted = None
        if fit:
            from interviewer.grading.team_fit import fit_team_scale

            def read(done: int, total: int) -> None:
                if done == total or done % max(1, total // 10) == 0:
                    typer.echo(
                        f"read {done}/{counted(total, 'answer')} for the scale fit", err=True
                    )

            fitted = fit_team_scale(
                imported,
                result,
                service,
                scores=file,
                data_dir=settings.data_dir,
                prompts_dir=settings.prompts_dir,
                force=force,
                progress=read,
            )
    if fmt == "json":
        data = result.to_json()
        if fitted is not None:
            data["fit"] = fitted.to_json()
        emit_json(data)
    else:
        _print_text(result)
        if fitted is not None:
            _print_fit(fitted)
    if imported.problems:
        # As `grade --batch` does: a script must not read a half-used file as success.
        raise InputError(
            f"{counted(len(imported.problems), 'row')} of {file.name} "
            f"{'was' if len(imported.problems) == 1 else 'were'} rejected (listed above); the "
            f"figures cover the {counted(len(imported.rows), 'row')} kept. Fix "
            f"{'it' if len(imported.problems) == 1 else 'those rows'} and run again."
        )


def _reset_fit(settings: Settings, fmt: str) -> None:
    from interviewer.grading.scale import reset_team_scale

    removed = reset_team_scale(settings.data_dir)
    if fmt == "json":
        emit_json({"removed": str(removed) if removed else None})
    elif removed:
        typer.echo(
            f"Removed the team's fitted scale ({removed}): the offline grader uses the shipped "
            "scale again."
        )
    else:
        typer.echo(
            f"No fitted scale in {settings.data_dir}: the offline grader already uses the "
            "shipped scale."
        )


def _print_fit(fit: TeamFit) -> None:
    from interviewer.grading.scale import Scale

    result = fit.fit
    typer.echo(
        f"\nScale fit: {counted(result.answers, 'answer')} to "
        f"{counted(result.questions, 'question')}, {result.folds}-fold cross-validation by "
        "question (each question scored by a scale fitted without it):"
    )
    typer.echo(
        f"  {'':<14}{'Pearson':>8}{'QWK':>7}{'MAE':>7}{'bias':>7}{'RMSE':>7}{'objective':>11}"
    )
    for name, label in (("shipped", "shipped scale"), ("fitted", "fitted scale")):
        f = result.cross_validated[name]
        typer.echo(
            f"  {label:<14}{f.pearson:>8.2f}{f.qwk:>7.2f}{f.mae:>7.2f}{f.bias:>+7.2f}"
            f"{f.rmse:>7.2f}{f.objective:>11.3f}"
        )
    typer.echo(
        f"  (the final scale on the answers it was fitted on: objective "
        f"{result.in_sample.objective:.3f}, optimistic)"
    )
    for field in Scale.model_fields:
        old, new = getattr(result.shipped, field), getattr(result.fitted, field)
        change = "" if old == new else "   (changed)"
        typer.echo(f"  {field:<18} shipped {old:<5g} fitted {new:<5g}{change}")
    written = fit.written
    if written and fit.forced:
        typer.echo(
            f"Written to {written} with --force, although it agrees no better on held-out "
            "questions. Offline grades now use it; `interviewer calibrate --reset-fit` goes "
            "back to the shipped scale. The agreement figures above were graded before this "
            "fit, on the scale then in use."
        )
    elif written:
        typer.echo(
            f"Written to {written}: offline grades now use this scale (grades cached before it "
            "are graded again). `interviewer calibrate --reset-fit` goes back to the shipped "
            "scale. The agreement figures above were graded before this fit, on the scale then "
            "in use: run the calibration again to see them on the new one."
        )
    else:
        typer.echo(
            "Not written: on questions it was not fitted on, the fitted scale agrees no better "
            "with your interviewers than the shipped one (objective "
            f"{result.cross_validated['fitted'].objective:.3f} against "
            f"{result.cross_validated['shipped'].objective:.3f}). The grader keeps its "
            "current scale; --force writes the fitted one anyway."
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
        AGREEMENT_NOTE,
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
    correlations = (
        [f"QWK, Pearson, Spearman: {o.too_few}"]
        if o.too_few
        else [
            f"QWK {f(o.qwk)}{interval_text(o.qwk_interval)}",
            f"Pearson {f(o.pearson)}",
            f"Spearman {f(o.spearman)}",
        ]
    )
    figures = [
        *correlations,
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
            "too few" if q.too_few else f(q.qwk),
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
    if any(q.too_few for q in result.questions):
        console.print(f"QWK: {AGREEMENT_NOTE}", highlight=False)
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
