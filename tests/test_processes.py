"""Stopping child processes (Chroma server, the app in benchmarks)."""

from __future__ import annotations

import subprocess
import sys

from interviewer.processes import stop_process


def test_stop_process_terminates_a_running_process() -> None:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stop_process(process, timeout_s=10)
    assert process.returncode is not None and process.returncode < 0  # ended by SIGTERM


def test_stop_process_kills_a_process_that_ignores_sigterm() -> None:
    code = (
        "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    stop_process(process, timeout_s=0.5)
    assert process.returncode == -9  # SIGKILL


def test_stop_process_leaves_an_exited_process_alone() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    stop_process(process, timeout_s=1)
    assert process.returncode == 0
