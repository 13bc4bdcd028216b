"""A refusal shown to the user as an error toast, without a traceback in the server log.

Gradio prints the traceback of every exception an event handler raises, ``gr.Error`` included:
a form left empty wrote a full traceback to the operator's log (nine in one walkthrough's),
burying the real failures, which the handlers log themselves.
"""

from __future__ import annotations

import gradio as gr

__all__ = ["refuse"]


def refuse(message: str) -> gr.Error:
    """The error to raise for ``message`` (already escaped where it holds user text)."""
    return gr.Error(message, print_exception=False)
