"""Recordings made on the spot with espeak-ng and sox (Debian packages), shared per session."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from interviewer.settings import PROJECT_ROOT
from interviewer.speech import WhisperTranscriber

SENTENCE = (
    "A generative adversarial network trains a generator and a discriminator "
    "against each other in a minimax game."
)
# A 40-s answer, read slowly with a pause after each word, as someone thinking aloud.
PACED_ANSWER = (
    "Regularisation reduces overfitting by penalising model complexity. "
    "L2 regularisation adds the squared norm of the weights to the loss, which shrinks the "
    "weights towards zero. L1 regularisation adds the absolute values instead, and it tends to "
    "produce sparse solutions. Dropout randomly removes units during training, so the network "
    "cannot rely on any single feature. Early stopping halts training when the validation loss "
    "stops improving. Data augmentation creates new training examples from existing ones."
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
    subprocess.run(
        ["espeak-ng", "-s", "150", "-g", "4", "-w", str(folder / "paced.wav"), PACED_ANSWER],
        check=True,
    )
    _add_noise(folder / "speech.wav", folder / "noisy.wav")
    (folder / "corrupt.wav").write_bytes(b"RIFF\x00\x00garbage" * 300)
    (folder / "empty.wav").write_bytes(b"")
    return folder


@pytest.fixture(scope="session")
def whisper_base() -> WhisperTranscriber:
    return WhisperTranscriber(PROJECT_ROOT / "models", "base")


def _add_noise(clean: Path, noisy: Path) -> None:
    """``clean`` with white noise as loud as the speech (0 dB): words half drowned."""
    with wave.open(str(clean)) as source:
        params = source.getparams()
        samples = np.frombuffer(source.readframes(params.nframes), dtype=np.int16)
    speech = samples[np.abs(samples) > 100].astype(np.float64)
    noise = np.random.default_rng(0).normal(0, np.sqrt(np.mean(speech**2)), samples.shape)
    mixed = np.clip(samples + noise, -32768, 32767).astype(np.int16)
    with wave.open(str(noisy), "wb") as out:
        out.setparams(params)
        out.writeframes(mixed.tobytes())
