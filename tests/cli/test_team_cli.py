"""`interviewer team add|list|remove`: personal logins in the auth file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from interviewer.access import read_auth_file, verify_password
from interviewer.cli import app

runner = CliRunner()


def test_team_add_asks_the_password_twice_and_stores_a_hash(tmp_path: Path) -> None:
    path = tmp_path / "auth"
    result = runner.invoke(
        app, ["team", "add", "alice", "--auth-file", str(path)], input="a-long-secret\n" * 2
    )
    assert result.exit_code == 0, result.output
    assert "a-long-secret" not in result.output  # never echoed
    assert verify_password("a-long-secret", read_auth_file(path)["alice"])


def test_team_add_refuses_a_short_password_in_one_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["team", "add", "alice", "--auth-file", str(tmp_path / "auth")], input="short\n" * 2
    )
    assert result.exit_code == 1
    assert "at least 10 characters" in result.stderr and "Traceback" not in result.output


def test_team_list_and_remove_use_the_configured_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "auth"
    monkeypatch.setenv("INTERVIEWER_ADMIN_AUTH_FILE", str(path))
    for name in ("bob", "alice"):
        runner.invoke(app, ["team", "add", name], input="a-long-secret\n" * 2)
    assert runner.invoke(app, ["team", "list"]).stdout.split() == ["alice", "bob"]
    assert runner.invoke(app, ["team", "remove", "bob"]).exit_code == 0
    assert runner.invoke(app, ["team", "list"]).stdout.split() == ["alice"]


def test_team_without_an_auth_file_says_how_to_set_one(monkeypatch) -> None:
    monkeypatch.delenv("INTERVIEWER_ADMIN_AUTH_FILE", raising=False)
    result = runner.invoke(app, ["team", "list"])
    assert result.exit_code == 1 and "INTERVIEWER_ADMIN_AUTH_FILE" in result.stderr


def test_team_add_refuses_a_bad_name_before_asking_for_the_password(tmp_path: Path) -> None:
    """The password was asked twice, then the name was refused."""
    path = tmp_path / "auth"
    result = runner.invoke(app, ["team", "add", "ada lovelace", "--auth-file", str(path)])
    assert result.exit_code == 1 and "not a valid login name" in result.stderr
    assert "Password" not in result.output and not path.exists()
