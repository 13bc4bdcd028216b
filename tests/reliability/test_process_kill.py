"""A real ``interviewer interview`` process killed (SIGKILL) while an answer is being graded.

The LLM grader points at the fake server, which holds the grading request; the process is
killed while it waits. On restart (``--resume`` or ``regrade --pending``) nothing is lost
and the grade is finished.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer.chat.server import FakeOpenAIServer, ServerFault
from interviewer.cli import app
from interviewer.settings import Settings
from interviewer.store import Repository, open_database

from .conftest import STRONG

runner = CliRunner()


def _kill_while_grading(server: FakeOpenAIServer, cwd: Path) -> str:
    """Start an interview, answer the first question, SIGKILL it mid-grade; the session id."""
    server.push_fault(ServerFault(kind="delay", seconds=6))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "interviewer",
            "interview",
            "--questions",
            "q04,q01",
            "-n",
            "2",
            "--no-follow-ups",
            "--name",
            "Ada",
        ],
        cwd=cwd,
        env=dict(os.environ),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert process.stdin is not None
        process.stdin.write((STRONG + "\n").encode())
        process.stdin.flush()
        deadline = time.monotonic() + 90
        while not server.requests:
            if process.poll() is not None:
                out = process.stdout.read().decode() if process.stdout else ""
                raise AssertionError(f"the interview exited early:\n{out}")
            assert time.monotonic() < deadline, "the grading request never reached the server"
            time.sleep(0.1)
    finally:
        process.kill()  # SIGKILL: no clean-up code runs
        process.wait(timeout=30)
    assert process.returncode == -9
    repo = Repository(open_database(Settings()))
    [listing] = repo.list_sessions()
    turns = repo.turns(listing.session.id)
    assert listing.session.state == "grading"
    assert turns[0].answer == STRONG  # saved before grading started
    assert repo.session_grades(listing.session.id) == {}
    repo.engine.dispose()
    return listing.session.id


@pytest.mark.parametrize("restart", ["resume", "regrade"])
def test_process_killed_during_grading_loses_nothing_and_the_grade_is_finished(
    llm_env: FakeOpenAIServer, tmp_path: Path, restart: str
) -> None:
    session_id = _kill_while_grading(llm_env, tmp_path)
    llm_env.requests.clear()

    if restart == "resume":
        result = runner.invoke(app, ["interview", "--resume", session_id], input="")
        assert result.exit_code == 0, result.output
        assert "Score:" in result.stdout  # the interrupted answer's feedback
        assert "[Question 2" in result.stdout or "Question 2" in result.stdout
    else:
        result = runner.invoke(app, ["regrade", "--pending"])
        assert result.exit_code == 0, result.output
        assert "Regraded 1 of 1 pending answer; 0 still pending." in result.stdout
    assert len(llm_env.requests) == 1

    repo = Repository(open_database(Settings()))
    [turn, *_] = repo.turns(session_id)
    assert turn.answer == STRONG
    [grade] = repo.session_grades(session_id).values()
    assert grade.status == "graded" and grade.overall is not None
    assert repo.get_session(session_id).candidate == "Ada"
    repo.engine.dispose()
