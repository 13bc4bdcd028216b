"""`--format`: every command that has it takes text or json, and refuses anything else alike.

`questions`, `ingest`, `search` and `eval retrieval` took table|json while `bank import`,
`calibrate`, `eval grader`, `grade` and `sessions list` took text|json, so `--format text`
failed on half of them, each with its own message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from interviewer.cli import app

runner = CliRunner()

ANSWER = "A generator maps noise to samples and a discriminator tells real from fake samples."

# The arguments each command with --format needs to run on the `workspace` fixture's files.
ARGS: dict[str, list[str]] = {
    "questions list": [],
    "questions show": ["q01"],
    "ingest": [],
    "search": ["generator"],
    "eval retrieval": [],
    "eval grader": ["--dataset", "rows.jsonl"],
    "grade": ["--question", "q01", "--answer", ANSWER, "--grader", "offline"],
    "bank import": ["list.md"],
    "calibrate": ["scores.csv", "--grader", "offline", "--no-sessions"],
    "sessions list": [],
    "documents list": [],
}
OWN_FORMATS = {"report"}  # html, pdf, md or json: a file format, not text or json
# Commands that called their text format "table": scripts that say so keep working.
TOOK_TABLE = ["eval retrieval", "ingest", "questions list", "questions show", "search"]


def _with_format(group: Any, prefix: str = "") -> list[str]:
    found: list[str] = []
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if hasattr(command, "commands"):
            found += _with_format(command, f"{path} ")
        elif any("--format" in p.opts for p in command.params) and path not in OWN_FORMATS:
            found.append(path)
    return sorted(found)


COMMANDS = _with_format(typer.main.get_command(app))


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A knowledge folder with one document and one question, and each command's input file."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "gans.md").write_text(
        "# GANs\n\n## Training\n\nA generator maps noise to samples; a discriminator tells "
        "real samples from generated ones.\n"
    )
    question = {
        "id": "q01",
        "text": "What is a GAN?",
        "topic": "gan",
        "difficulty": 1,
        "key_points": ["A generator and a discriminator trained against each other"],
        "model_answer": ANSWER,
        "sources": [{"document": "gans.md", "heading": "Training"}],
    }
    (folder / "questions.yaml").write_text(yaml.safe_dump({"questions": [question]}))
    row = {"id": "r1", "question": "q01", "answer": ANSWER, "score": 4}
    (tmp_path / "rows.jsonl").write_text(json.dumps(row) + "\n")
    (tmp_path / "list.md").write_text("1. What does the discriminator of a GAN learn?\n")
    (tmp_path / "scores.csv").write_text(
        f'question_id,candidate,answer,rater,score\nq01,c1,"{ANSWER}",ann,4\n'
    )
    monkeypatch.setenv("INTERVIEWER_KNOWLEDGE_DIR", str(folder))
    monkeypatch.setenv("INTERVIEWER_EMBEDDING", "fake")
    return tmp_path


def _args(command: str) -> list[str]:
    assert command in ARGS, f"`{command}` has --format: add the arguments it needs to ARGS"
    return [*command.split(), *ARGS[command]]


@pytest.mark.parametrize(
    ("command", "value"),
    [(c, "text") for c in COMMANDS] + [(c, "table") for c in TOOK_TABLE],
)
def test_format_text_prints_text_on_every_command(
    workspace: Path, command: str, value: str
) -> None:
    result = runner.invoke(app, [*_args(command), "--format", value])
    assert result.exit_code == 0, result.output
    with pytest.raises(ValueError):  # text for people, not JSON
        json.loads(result.stdout)


@pytest.mark.parametrize("command", COMMANDS)
def test_format_unknown_value_gets_the_same_one_line_error_on_every_command(
    workspace: Path, command: str
) -> None:
    result = runner.invoke(app, [*_args(command), "--format", "xml"])
    assert result.exit_code == 2, result.output
    assert result.stderr == "Error: Unknown format 'xml': use --format text or --format json.\n"
    assert result.stdout == ""
