"""Hiring-team access: one password (``INTERVIEWER_ADMIN_PASSWORD``) unlocks team pages.

Candidates never log in: they reach only sessions whose unguessable id they hold. The team
password is compared in constant time, and repeated wrong passwords lock sign-in for a while
(per process) so it cannot be guessed quickly. Without a configured password the team pages
stay locked: there is no default password.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Sequence

import gradio as gr
from gradio.blocks import Block

from interviewer.settings import Settings

__all__ = [
    "LOCKOUT_SECONDS",
    "MAX_FAILURES",
    "check_password",
    "render_sign_in",
    "team_pages_enabled",
    "wire_sign_in",
]

MAX_FAILURES = 5
LOCKOUT_SECONDS = 60.0

_failures: list[float] = []
_lock = threading.Lock()


def team_pages_enabled(settings: Settings) -> bool:
    """Whether a team password is configured."""
    return bool(settings.admin_password and settings.admin_password.get_secret_value())


def check_password(settings: Settings, attempt: str) -> tuple[bool, str]:
    """Check a sign-in attempt.

    Returns:
        (accepted, message for the user).
    """
    if not team_pages_enabled(settings):
        return False, (
            "Hiring-team pages are disabled: set INTERVIEWER_ADMIN_PASSWORD on the server "
            "and restart it."
        )
    now = time.monotonic()
    with _lock:
        recent = [t for t in _failures if now - t < LOCKOUT_SECONDS]
        _failures[:] = recent
        if len(recent) >= MAX_FAILURES:
            wait = int(LOCKOUT_SECONDS - (now - recent[0])) + 1
            return False, f"Too many wrong passwords. Try again in {wait} s."
        secret = settings.admin_password.get_secret_value() if settings.admin_password else ""
        if hmac.compare_digest(attempt.encode("utf-8"), secret.encode("utf-8")):
            return True, "Signed in as the hiring team."
        _failures.append(now)
    return False, "Wrong password."


def render_sign_in(prefix: str, *, enabled: bool) -> tuple[gr.Textbox, gr.Button]:
    """Lay out the team password box and its Sign in button (inside an open ``gr.Row``).

    Args:
        prefix: Start of the element ids (``<prefix>-password``, ``<prefix>-sign-in``).
        enabled: Whether a team password is configured; without one both stay disabled.
    """
    password = gr.Textbox(
        label="Team password",
        type="password",
        scale=3,
        elem_id=f"{prefix}-password",
        interactive=enabled,
    )
    sign_in = gr.Button("Sign in", scale=1, elem_id=f"{prefix}-sign-in", interactive=enabled)
    return password, sign_in


def wire_sign_in(
    password: gr.Textbox,
    sign_in: gr.Button,
    handler: Callable[[str], tuple[object, ...]],
    outputs: Sequence[Block],
) -> None:
    """Run ``handler`` on the typed password when Sign in is clicked or Enter is pressed."""
    for trigger in (sign_in.click, password.submit):
        trigger(handler, [password], list(outputs), concurrency_limit=2)
