"""Which language an answer is written in, when it is clearly not English.

The interview, the references and the offline grader's comparisons are in English. A correct
answer in French got 1.0 of 5 in a browser session, with every key point "missed" and no word
on why; the guards only recognised answers in non-Latin scripts. py3langid (BSD-3, a maintained
fork of langid.py) ships its model in the wheel and is deterministic: on these CPUs it takes
under 1 ms per answer, once its model is loaded (~0.7 s, done in the app's warm-up).

Only a notice is given, not a rejection: the development data's "English" SAF split holds 50
German answers (45 of them credited by the tutors), and an LLM grader reads them well. At the
threshold below, no answer of SciEntsBank or Beetle (8 words or more), no text of the question
bank and no paragraph of the knowledge base was taken for another language.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

__all__ = ["MIN_WORDS", "foreign_language", "warm"]

MIN_WORDS = 8  # shorter texts, and formulas, carry too little of a language to tell
_CONFIDENCE = 0.95  # normalized probability of the language found
_NAMES = {
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "sv": "Swedish",
    "da": "Danish",
    "no": "Norwegian",
    "fi": "Finnish",
    "pl": "Polish",
    "cs": "Czech",
    "tr": "Turkish",
    "id": "Indonesian",
    "ro": "Romanian",
    "hu": "Hungarian",
    "vi": "Vietnamese",
}


@functools.cache
def _identifier() -> LanguageIdentifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def warm() -> None:
    """Load the model now (the first answer would otherwise wait for it)."""
    _identifier()


def foreign_language(text: str) -> str | None:
    """The name of the language ``text`` is written in when that is clearly not English (a
    language without a name here reads as "another language"), else None."""
    if len(text.split()) < MIN_WORDS:
        return None
    code, probability = _identifier().classify(text)
    if code == "en" or probability < _CONFIDENCE:
        return None
    return _NAMES.get(code, "another language")
