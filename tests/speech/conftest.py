"""Recordings made on the spot with espeak-ng and sox (Debian packages), shared per session."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from interviewer.settings import PROJECT_ROOT
from interviewer.speech import WhisperTranscriber

SENTENCE = (
    "A generative adversarial network trains a generator and a discriminator "
    "against each other in a minimax game."
)


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("audio")
    subprocess.run(["espeak-ng", "-w", str(folder / "speech.wav"), SENTENCE], check=True)
    subprocess.run(
        ["sox", "-n", "-r", "16000", "-c", "1", str(folder / "silence.wav"), "trim", "0.0", "3.0"],
        check=True,
    )
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", str(folder / "long.wav"), "trim", "0.0", "200.0"],
        check=True,
    )
    (folder / "corrupt.wav").write_bytes(b"RIFF\x00\x00garbage" * 300)
    (folder / "empty.wav").write_bytes(b"")
    return folder


@pytest.fixture(scope="session")
def whisper_base() -> WhisperTranscriber:
    return WhisperTranscriber(PROJECT_ROOT / "models", "base")
