"""`interviewer bank`: the hiring team's question-bank commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from interviewer.cli import app

runner = CliRunner()


@pytest.fixture
def knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-question bank in its own knowledge folder."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    question = {
        "id": "q01",
        "text": "What is a GAN?",
        "topic": "gan",
        "difficulty": 1,
        "key_points": ["Two networks trained against each other"],
    }
    (folder / "questions.yaml").write_text(yaml.safe_dump({"questions": [question]}))
    monkeypatch.setenv("INTERVIEWER_KNOWLEDGE_DIR", str(folder))
    return folder


def test_bank_history_says_when_a_question_has_no_earlier_version(knowledge: Path) -> None:
    # It printed a bare "[]".
    result = runner.invoke(app, ["bank", "history", "q01"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []  # still JSON for a script
    assert "No earlier version of q01" in result.stderr
