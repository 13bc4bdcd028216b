"""`interviewer questions list` and `interviewer questions show`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from interviewer.bank import load_default_bank
from interviewer.cli import app
from interviewer.settings import Settings

runner = CliRunner()


def test_questions_list_json_lists_every_question_with_its_fields() -> None:
    result = runner.invoke(app, ["questions", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    bank = load_default_bank(Settings())
    assert [r["id"] for r in rows] == [q.id for q in bank.questions]
    first = rows[0]
    assert {"id", "text", "topic", "difficulty", "key_points"} <= set(first)
    assert first["text"] == "What are Generative Adversarial Networks (GANs)?"
    assert first["key_points"] == bank.questions[0].key_points


def test_questions_list_topic_filters() -> None:
    result = runner.invoke(
        app, ["questions", "list", "--topic", "deep-learning", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and {r["topic"] for r in rows} == {"deep-learning"}


def test_questions_list_difficulty_and_several_topics_combine() -> None:
    args = ["questions", "list", "-t", "gan-training", "-t", "gan-architectures", "-d", "3"]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows
    assert {r["topic"] for r in rows} <= {"gan-training", "gan-architectures"}
    assert {r["difficulty"] for r in rows} == {3}


def test_questions_list_table_shows_ids_and_count() -> None:
    result = runner.invoke(app, ["questions", "list", "--topic", "gan-fundamentals"])
    assert result.exit_code == 0, result.output
    assert "q01" in result.stdout
    assert "Question bank:" in result.stdout
    assert "q28" not in result.stdout  # a deep-learning question


def test_questions_list_unknown_topic_names_the_valid_topics() -> None:
    result = runner.invoke(app, ["questions", "list", "--topic", "gan-trianing"])
    assert result.exit_code == 1
    assert "Unknown topic 'gan-trianing'" in result.stderr
    assert "gan-training" in result.stderr


def test_questions_show_prints_key_points_answer_and_sources() -> None:
    result = runner.invoke(app, ["questions", "show", "q04"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "What is mode collapse in GANs" in out
    assert "Key points" in out and "Model answer" in out and "Sources" in out
    assert "minibatch discrimination" in out


def test_questions_show_prints_other_accepted_answers_when_there_are_some(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = {
        "id": "alt1",
        "text": "What is a GAN?",
        "topic": "t",
        "difficulty": 1,
        "key_points": ["Two networks trained against each other"],
        "model_answer": "A generator and a discriminator trained in a minimax game.",
        "alternative_answers": [
            "A forger network and a detective network that compete.",
            "Two models: one makes samples, one tells real from fake.",
        ],
    }
    (tmp_path / "questions.yaml").write_text(yaml.safe_dump({"questions": [entry]}))
    monkeypatch.setenv("INTERVIEWER_KNOWLEDGE_DIR", str(tmp_path))
    result = runner.invoke(app, ["questions", "show", "alt1"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Other accepted answers" in out
    answer_at = out.index("Model answer")
    others_at = out.index("Other accepted answers")
    assert answer_at < others_at < out.index("A forger network and a detective network")
    assert "• Two models: one makes samples, one tells real from fake." in out


def test_questions_show_has_no_alternatives_section_for_a_question_without_any() -> None:
    result = runner.invoke(app, ["questions", "show", "q04"])
    assert result.exit_code == 0, result.output
    assert "Other accepted answers" not in result.stdout


def test_questions_show_finds_an_id_typed_in_another_case() -> None:
    result = runner.invoke(app, ["questions", "show", "Q04", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == "q04"


def test_questions_show_json_includes_model_answer_and_version() -> None:
    result = runner.invoke(app, ["questions", "show", "q02", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["id"] == "q02"
    assert len(data["model_answer"].split()) >= 80
    assert data["version"] == load_default_bank(Settings()).get("q02").version


def test_questions_show_unknown_id_exits_1_with_a_remedy() -> None:
    result = runner.invoke(app, ["questions", "show", "q999"])
    assert result.exit_code == 1
    assert "No question with id 'q999'" in result.stderr
    assert "interviewer questions list" in result.stderr
    assert "Traceback" not in result.output


def test_questions_list_invalid_bank_names_the_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = {
        "id": "bad1",
        "text": "What is a GAN?",
        "topic": "t",
        "difficulty": 5,
        "key_points": ["x"],
    }
    (tmp_path / "questions.yaml").write_text(yaml.safe_dump({"questions": [entry]}))
    monkeypatch.setenv("INTERVIEWER_KNOWLEDGE_DIR", str(tmp_path))
    result = runner.invoke(app, ["questions", "list"])
    assert result.exit_code == 1
    assert "Question bad1" in result.stderr and "difficulty" in result.stderr


def test_questions_doctor_check_reports_the_bank() -> None:
    from interviewer.cli.doctor import CHECKS

    check = next(fn for name, fn, _ in CHECKS if name == "question bank")
    assert check(Settings()).startswith(f"{len(load_default_bank(Settings()).questions)} questions")


def test_questions_doctor_check_fails_on_a_missing_heading(tmp_path: Path) -> None:
    from interviewer.cli.doctor import CHECKS

    (tmp_path / "notes.md").write_text("# Notes\n", encoding="utf-8")
    entry = {
        "id": "x1",
        "text": "What is a GAN?",
        "topic": "t",
        "difficulty": 1,
        "key_points": ["x"],
        "sources": [{"document": "notes.md", "heading": "Missing"}],
    }
    (tmp_path / "questions.yaml").write_text(yaml.safe_dump({"questions": [entry]}))
    check = next(fn for name, fn, _ in CHECKS if name == "question bank")
    with pytest.raises(RuntimeError, match="x1: 'notes.md' has no heading 'Missing'"):
        check(Settings(knowledge_dir=tmp_path))
