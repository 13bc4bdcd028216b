"""`interviewer team add|list|remove`: personal logins in the auth file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from interviewer.access import read_auth_file, verify_password
from interviewer.cli import app, team

runner = CliRunner()


def test_team_add_asks_the_password_twice_at_a_terminal(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(team, "_at_terminal", lambda: True)
    path = tmp_path / "auth"
    result = runner.invoke(
        app, ["team", "add", "alice", "--auth-file", str(path)], input="a-long-secret\n" * 2
    )
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert "a-long-secret" not in result.output  # never echoed
    assert verify_password("a-long-secret", read_auth_file(path)["alice"])


def test_team_add_takes_a_piped_password_without_warnings(tmp_path: Path) -> None:
    """Piped in, the password prompt printed Python's GetPassWarning and "Password input may
    be echoed" twice."""
    path = tmp_path / "auth"
    command = [
        sys.executable,
        "-m",
        "interviewer",
        "team",
        "add",
        "alice",
        "--auth-file",
        str(path),
    ]
    done = subprocess.run(command, input="a-long-secret\n", capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and "a-long-secret" not in done.stdout + done.stderr
    assert verify_password("a-long-secret", read_auth_file(path)["alice"])


def test_team_add_refuses_two_different_piped_passwords(tmp_path: Path) -> None:
    path = tmp_path / "auth"
    result = runner.invoke(
        app,
        ["team", "add", "alice", "--auth-file", str(path)],
        input="a-long-secret\nanother-secret\n",
    )
    assert result.exit_code == 1 and "differ" in result.stderr and not path.exists()
    result = runner.invoke(app, ["team", "add", "alice", "--auth-file", str(path)], input="")
    assert result.exit_code == 1 and "No password on standard input" in result.stderr


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


def _hinted(message: str, name: str = "NAME") -> list[str]:
    """The command a message tells to type (between backticks), as the shell would split it."""
    import shlex

    command = shlex.split(message.split("`")[1].replace("NAME", name))
    assert command[0] == "interviewer"
    return command[1:]


def test_team_hints_work_as_written_with_an_auth_file_option(tmp_path: Path, monkeypatch) -> None:
    # `team remove zed --auth-file F` hinted `interviewer team list`, which then failed with
    # "No auth file"; a missing --auth-file said "or unset INTERVIEWER_ADMIN_AUTH_FILE".
    monkeypatch.delenv("INTERVIEWER_ADMIN_AUTH_FILE", raising=False)
    path = tmp_path / "team auth.txt"
    missing = runner.invoke(app, ["team", "list", "--auth-file", str(path)])
    assert missing.exit_code == 1 and "INTERVIEWER_ADMIN_AUTH_FILE" not in missing.stderr
    create = runner.invoke(app, _hinted(missing.stderr, "alice"), input="a-long-secret\n")
    assert create.exit_code == 0, create.output
    unknown = runner.invoke(app, ["team", "remove", "zed", "--auth-file", str(path)])
    assert unknown.exit_code == 1
    listed = runner.invoke(app, _hinted(unknown.stderr))
    assert listed.exit_code == 0 and listed.stdout.split() == ["alice"]
    # A damaged line: `team add` refused the file too, so the hint says to delete the line.
    path.write_text(path.read_text() + "bob:plain-password\n")
    damaged = runner.invoke(app, ["team", "list", "--auth-file", str(path)])
    assert damaged.exit_code == 1 and "delete that line" in damaged.stderr
    path.write_text(path.read_text().replace("bob:plain-password\n", ""))
    fixed = runner.invoke(app, _hinted(damaged.stderr, "bob"), input="a-long-secret\n")
    assert fixed.exit_code == 0, fixed.output
    no_password = runner.invoke(app, ["team", "add", "carol", "--auth-file", str(path)], input="")
    assert no_password.exit_code == 1
    piped = no_password.stderr.split('"$PASSWORD" | ')[1].split(")")[0]
    assert piped.endswith(f"--auth-file '{path}'")
