"""Question-bank commands: `interviewer questions list` and `interviewer questions show ID`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from interviewer.bank import Bank, Question, citation_problems, load_default_bank
from interviewer.cli import FormatOption, app, bank_id, emit_json, friendly, stdout_console
from interviewer.cli.doctor import CHECKS
from interviewer.errors import InputError
from interviewer.settings import Settings
from interviewer.text import counted

questions_app = typer.Typer(help="Browse the question bank.", no_args_is_help=True)
app.add_typer(questions_app, name="questions")


def question_summary(question: Question) -> dict[str, object]:
    """The JSON form of a question for `questions list --format json`."""
    return question.model_dump(
        include={"id", "text", "topic", "difficulty", "key_points", "sources"}
    ) | {"version": question.version}


@questions_app.command("list")
@friendly
def list_questions(
    topic: Annotated[
        list[str] | None,
        typer.Option("--topic", "-t", help="Only this topic (repeat for several)."),
    ] = None,
    difficulty: Annotated[
        int | None, typer.Option("--difficulty", "-d", min=1, max=3, help="Only this level (1-3).")
    ] = None,
    output: FormatOption = "text",
) -> None:
    """List the questions of the bank, optionally filtered by topic and difficulty."""
    bank = load_default_bank(Settings())
    _check_topics(bank, topic)
    selected = bank.filter(topics=topic, difficulty=difficulty)
    if output == "json":
        emit_json([question_summary(q) for q in selected])
        return
    total = counted(len(bank.questions), "question")
    table = Table(title=f"Question bank: {len(selected)} of {total}")
    table.add_column("id", style="bold cyan", no_wrap=True)
    table.add_column("topic", style="magenta", no_wrap=True)
    table.add_column("level", justify="center")
    table.add_column("question")
    for q in selected:
        table.add_row(q.id, q.topic, str(q.difficulty), q.text)
    stdout_console().print(table)


@questions_app.command("show")
@friendly
def show_question(
    question_id: Annotated[str, typer.Argument(metavar="ID", help="Question id, e.g. q04.")],
    output: FormatOption = "text",
) -> None:
    """Show one question: key points, model answer, other accepted answers and sources."""
    bank = load_default_bank(Settings())
    question = bank.get(bank_id(bank, question_id.strip()))
    if output == "json":
        emit_json(question.model_dump() | {"version": question.version})
        return
    stdout_console().print(_render(question))


def _check_bank(settings: Settings) -> str:
    """`interviewer doctor`: the bank loads and every citation points at a real heading."""
    bank = load_default_bank(settings)
    problems = citation_problems(bank, settings.knowledge_dir)
    if problems:
        raise RuntimeError("; ".join(problems))
    questions, topics = (
        counted(len(bank.questions), "question"),
        counted(len(bank.topics()), "topic"),
    )
    return f"{questions}, {topics}, all citations found"


CHECKS.append(("question bank", _check_bank, "fix knowledge/questions.yaml as the message says"))


def _check_topics(bank: Bank, topics: list[str] | None) -> None:
    """An unknown topic is a typo, not an empty result: say which topics exist."""
    known = bank.topics()
    unknown = [t for t in topics or [] if t not in known]
    if unknown:
        raise InputError(
            f"Unknown topic {', '.join(map(repr, unknown))}. Topics: {', '.join(known)}."
        )


def _render(question: Question) -> Panel:
    # Plain Text, not Markdown: key points hold formulas such as E_x[log D(x)].
    def bullets(items: list[str]) -> Table:
        grid = Table.grid(padding=(0, 1))  # wrapped lines stay indented under their bullet
        grid.add_column(width=3, justify="right")
        grid.add_column()
        for item in items:
            grid.add_row("•", item)
        return grid

    parts: list[Text | Table] = [
        Text(question.text, style="bold"),
        Text(
            f"topic {question.topic} · difficulty {question.difficulty} · "
            f"version {question.version}",
            style="dim",
        ),
        Text("\nKey points", style="bold underline"),
        bullets(question.key_points),
        Text("\nModel answer", style="bold underline"),
        Text(question.model_answer or "(none)"),
    ]
    if question.alternative_answers:
        parts += [
            Text("\nOther accepted answers", style="bold underline"),
            bullets(question.alternative_answers),
        ]
    if question.sources:
        cited = [s.document + (f" > {s.heading}" if s.heading else "") for s in question.sources]
        parts += [Text("\nSources", style="bold underline"), bullets(cited)]
    if question.merged_from:
        parts += [Text("\nMerged from", style="bold underline"), bullets(question.merged_from)]
    return Panel(Group(*parts), title=question.id, title_align="left")
