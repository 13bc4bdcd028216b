"""A reader that stops early (`interviewer ... | head -1`) ends a command quietly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "args",
    [
        ["config"],  # JSON
        ["questions", "list"],  # a rich table
        ["grade", "-q", "q04", "-a", "The generator repeats one output.", "--grader", "llm"],
    ],
    ids=" ".join,
)
def test_closed_pipe_ends_the_command_quietly(args: list[str]) -> None:
    # It said "Error: cannot use a file: Broken pipe. Check the path." and exited 1.
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first line
    try:
        result = subprocess.run(
            [sys.executable, "-m", "interviewer", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
            env={**os.environ, "INTERVIEWER_LLM_MODEL": "fake", "INTERVIEWER_EMBEDDING": "fake"},
        )
    finally:
        os.close(write)
    assert result.returncode == 141  # as a shell shows a program ended by SIGPIPE
    for noise in ("Error", "Broken pipe", "Exception", "Traceback"):
        assert noise not in result.stderr
