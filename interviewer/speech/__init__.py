"""Speech: spoken answers to text (faster-whisper, OpenAI) and questions read aloud."""

from interviewer.speech.stt import (
    MAX_AUDIO_SECONDS,
    OpenAITranscriber,
    Transcriber,
    Transcript,
    WhisperTranscriber,
    build_transcriber,
)
from interviewer.speech.tts import BROWSER_SPEAK_JS, PiperSpeaker, Speaker, speakable_text

__all__ = [
    "BROWSER_SPEAK_JS",
    "MAX_AUDIO_SECONDS",
    "OpenAITranscriber",
    "PiperSpeaker",
    "Speaker",
    "Transcriber",
    "Transcript",
    "WhisperTranscriber",
    "build_transcriber",
    "speakable_text",
]
