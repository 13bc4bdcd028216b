"""Every command of the console script answers --help with a description."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from interviewer.cli import app

runner = CliRunner()


def _command_paths(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        paths.append((*prefix, name))
        if hasattr(command, "commands"):  # a sub-group (Typer ships its own click)
            paths.extend(_command_paths(command, (*prefix, name)))
    return paths


COMMANDS = _command_paths(typer.main.get_command(app))


def test_help_lists_the_foundation_commands() -> None:
    names = {" ".join(path) for path in COMMANDS}
    expected = {"config", "doctor", "ingest", "search", "questions list", "questions show"}
    assert expected | {"eval retrieval"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_every_command_describes_itself(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout
    body = result.stdout.split("Usage:", 1)[1].split("\n", 2)[-1]
    assert body.strip(), f"`interviewer {' '.join(path)} --help` has no description"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_wraps_each_paragraph_at_the_terminal_width(path: tuple[str, ...]) -> None:
    # The source's line breaks showed: "... score (0-5) and optionally" / "reference_answer ...".
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "400"})
    description = result.stdout.split("Usage:", 1)[1].split("╭", 1)[0]
    lines = [line.strip() for line in description.splitlines()[1:]]
    broken = [(a, b) for a, b in zip(lines, lines[1:], strict=False) if a and b]
    assert not broken, f"`interviewer {' '.join(path)} --help` breaks a paragraph: {broken}"


@pytest.mark.parametrize("path", [(), *COMMANDS], ids=lambda path: " ".join(path) or "app")
def test_help_shows_on_off_flags_without_a_value(path: tuple[str, ...]) -> None:
    # Typer's rich help showed `--force <bool>`, as though the flag took true or false.
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.stdout
