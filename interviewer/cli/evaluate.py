"""``interviewer eval grader``: agreement of a grader with human scores on a labelled dataset."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from interviewer.cli import FormatOption, emit_json, eval_app, friendly
from interviewer.settings import Settings
from interviewer.text import counted

if TYPE_CHECKING:
    from interviewer.grading.evaluation import Agreement


@eval_app.command("grader")
@friendly
def eval_grader(
    dataset: Annotated[
        Path,
        typer.Option(
            help="JSON Lines: id, question (a bank id or text), answer, score (0-5), and for "
            "text questions reference_answer and/or key_points"
        ),
    ],
    grader: Annotated[
        str, typer.Option(help="offline or llm", metavar="<offline|llm>")
    ] = "offline",
    split: Annotated[
        str | None, typer.Option(help="Only rows whose split is this, e.g. test_uq")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Only the first N rows (after --split)")
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Grade every answer of a dataset and print agreement with the human scores."""
    from interviewer.errors import InputError
    from interviewer.grading.evaluation import (
        build_scorer,
        duplicate_ids,
        evaluate,
        load_dataset,
    )

    if grader not in ("offline", "llm"):
        raise InputError(f"Unknown grader {grader!r}: use --grader offline or --grader llm.")
    kind: Literal["offline", "llm"] = "offline" if grader == "offline" else "llm"
    from interviewer.bank import load_bank

    settings = Settings()
    bank_file = settings.knowledge_dir / "questions.yaml"
    bank = load_bank(bank_file) if bank_file.exists() else None
    # Every row's question is checked with the format, before the grader's models load; "Q04"
    # names the bank's q04, as in `interviewer grade`.
    items = load_dataset(dataset, split=split, limit=limit, bank=bank, check_questions=True)
    agreement = evaluate(items, build_scorer(settings, kind), bank=bank)
    report = agreement.model_dump()
    repeated = duplicate_ids(items)
    scale = _scale(settings) if kind == "offline" else None
    report.update(
        dataset=str(dataset), split=split, grader=grader, duplicate_ids=repeated, scale=scale
    )
    if repeated:
        shown = ", ".join(repeated[:10]) + (
            f" and {len(repeated) - 10} more" if len(repeated) > 10 else ""
        )
        typer.echo(
            f"Note: {counted(len(repeated), 'id')} "
            f"{'appears' if len(repeated) == 1 else 'appear'} on more than one row ({shown}). "
            "Every row was "
            "graded and counted; if they are the same answer pasted twice, remove the copies.",
            err=True,
        )
    if output_format == "json":
        emit_json(report)
        return
    where = dataset.name + (f" (split {split})" if split else "")
    for line in _summary(agreement, f"{grader} grader on {where}"):
        typer.echo(line)
    if scale is not None:
        typer.echo(
            "Scale: shipped"
            if scale["kind"] == "shipped"
            else f"Scale: the team's fit of {scale['fitted_at']} ({scale['path']})"
        )
        if scale.get("stale"):
            typer.echo(f"Note: {scale['stale']}.", err=True)


def _scale(settings: Settings) -> dict[str, object]:
    """Which scale the offline grader used: the shipped one or the team's fit."""
    from interviewer.grading.scale import TEAM_SCALE_FILE, load_team_scale
    from interviewer.grading.similarity import stale_team_scale

    team = load_team_scale(settings.data_dir)
    if team is None:
        return {"kind": "shipped"}
    return {
        "kind": "team",
        "fitted_at": team.fitted_at,
        "path": str(settings.data_dir / TEAM_SCALE_FILE),
        "stale": stale_team_scale(team) or None,
        **team.scale.model_dump(),
    }


def _summary(a: Agreement, title: str) -> list[str]:
    """The report in short labelled lines (the JSON output keeps every field's name)."""

    def f(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"

    pending = f"; {a.pending} left pending, not counted" if a.pending else ""
    interval = (
        f" (90% interval {a.pearson_interval[0]:.2f}-{a.pearson_interval[1]:.2f} over questions)"
        if a.pearson_interval
        else ""
    )
    lines = [
        f"{title}: {counted(a.n, 'answer')}{pending}",
        f"Pearson, Spearman, QWK: {a.too_few}"
        if a.too_few
        else f"Pearson {f(a.pearson)}{interval} · Spearman {f(a.spearman)} · QWK {f(a.qwk)}",
        f"MAE {f(a.mae)} · RMSE {f(a.rmse)} · mean score {f(a.mean_predicted)} "
        f"(humans {f(a.mean_human)})",
    ]
    if a.per_question_pearson is not None:
        lines.append(
            f"Pearson within a question {f(a.per_question_pearson)} "
            f"(mean over {counted(a.questions_in_per_question, 'question')})"
        )
    if a.label_classes:
        lines.append(
            f"Labels ({', '.join(a.label_classes)}): accuracy {f(a.accuracy)} · "
            f"macro F1 {f(a.macro_f1)}"
        )
    return lines
