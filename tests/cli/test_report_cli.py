"""`interviewer report SESSION_ID --format html|pdf|md|json [--out PATH]` on stored sessions."""

from __future__ import annotations

import json

import pytest
from reports.stored import StoredSessions, make_stored_sessions
from typer.testing import CliRunner

from interviewer.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> StoredSessions:
    return make_stored_sessions(tmp_path_factory.mktemp("cli-report") / "data")


@pytest.fixture
def env(stored: StoredSessions, monkeypatch: pytest.MonkeyPatch) -> StoredSessions:
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(stored.settings.data_dir))
    return stored


def test_report_json_to_stdout(env: StoredSessions) -> None:
    result = runner.invoke(app, ["report", env.newer, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["session_id"] == env.newer and data["pending"] == 1
    assert [q["question_id"] for q in data["questions"]] == ["q01", "q04", "q05"]


def test_report_markdown_to_stdout(env: StoredSessions) -> None:
    result = runner.invoke(app, ["report", env.older, "--format", "md"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Interview feedback report")
    assert "(SKIPPED)" in result.stdout


def test_report_html_default_file_name(env: StoredSessions, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["report", env.newer])
    assert result.exit_code == 0, result.output
    html = (tmp_path / f"{env.newer}.html").read_text(encoding="utf-8")
    assert "<svg" in html and "Ada Lovelace" in html
    assert "(1 answer still pending)" in result.stderr


def test_report_pdf_to_out_path(env: StoredSessions, tmp_path) -> None:
    out = tmp_path / "nested" / "r.pdf"
    result = runner.invoke(app, ["report", env.anonymous, "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")


def test_report_unknown_session_is_one_line_error(env: StoredSessions) -> None:
    result = runner.invoke(app, ["report", "no-such-session", "--format", "json"])
    assert result.exit_code == 1
    assert "No interview session with that id" in result.stderr
    assert "Traceback" not in result.output


def test_report_unknown_format_is_refused(env: StoredSessions) -> None:
    result = runner.invoke(app, ["report", env.newer, "--format", "docx"])
    assert result.exit_code == 1 and "html, pdf, md, json" in result.stderr


def test_report_refuses_an_out_file_named_for_another_format(env: StoredSessions, tmp_path) -> None:
    """A PDF was written as r.html, which a browser then showed as garbage."""
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", env.newer, "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 1
    assert "ends in .html, but the format is pdf: pass --format html" in result.stderr
    assert not out.exists()
    plain = tmp_path / "report.txt"  # an extension of no report format is the user's choice
    result = runner.invoke(app, ["report", env.newer, "--format", "md", "--out", str(plain)])
    assert result.exit_code == 0 and plain.read_text().startswith("#")


@pytest.mark.parametrize(
    ("name", "start"), [("rep.md", "#"), ("rep.htm", "<!DOCTYPE html>"), ("rep.JSON", "{")]
)
def test_report_format_follows_the_out_file_extension_without_format(
    env: StoredSessions, tmp_path, name: str, start: str
) -> None:
    """`--out rep.md` alone was refused: "ends in .md, but the format is html"."""
    out = tmp_path / name
    result = runner.invoke(app, ["report", env.newer, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().lstrip().lower().startswith(start.lower())
    explicit = runner.invoke(app, ["report", env.newer, "--format", "pdf", "--out", str(out)])
    assert explicit.exit_code == 1 and "but the format is pdf: pass --format" in explicit.stderr
