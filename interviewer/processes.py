"""Child processes the app, the tests and the benchmarks start (Chroma server, the app itself)."""

from __future__ import annotations

import subprocess
from typing import Any

__all__ = ["stop_process"]


def stop_process(process: subprocess.Popen[Any], timeout_s: float) -> None:
    """Ask ``process`` to stop (SIGTERM), and kill it if it has not within ``timeout_s``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
