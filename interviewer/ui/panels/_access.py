"""Hiring-team access in the web app: the team password (``INTERVIEWER_ADMIN_PASSWORD``) or a
personal login from the auth file (``INTERVIEWER_ADMIN_AUTH_FILE``, see
:mod:`interviewer.access`) unlocks the team pages.

Candidates never log in: they reach only sessions whose unguessable id they hold. Passwords are
compared in constant time, and repeated wrong attempts from one address lock sign-in there for
a while (per process) so they cannot be guessed quickly; a much higher count from all addresses
together locks it everywhere. Without a configured password or auth file the team pages stay
locked: there is no default password.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps

import gradio as gr
from gradio.blocks import Block

from interviewer.access import authenticate, team_login_configured
from interviewer.errors import ConfigError
from interviewer.settings import Settings
from interviewer.store.repository import Repository, SessionRecord

__all__ = [
    "EXAM_IN_PROGRESS",
    "LOCKOUT_SECONDS",
    "MAX_FAILURES",
    "MAX_FAILURES_ALL",
    "SignInBox",
    "check_password",
    "client_address",
    "exam_in_progress",
    "exam_running",
    "render_sign_in",
    "sign_in_as",
    "team_pages_enabled",
    "wire_sign_in",
]

MAX_FAILURES = 5  # per address, within LOCKOUT_SECONDS
# From all addresses together: a lockout for everyone after five wrong passwords let any
# visitor of the public page lock the whole team out, over and over.
MAX_FAILURES_ALL = 50
LOCKOUT_SECONDS = 60.0
EXAM_IN_PROGRESS = (
    "This exam is still in progress: its feedback and report come when it ends. Finish it in "
    "the Interview tab."
)

log = logging.getLogger(__name__)

_failures: dict[str, list[float]] = {}  # by client address ("" when unknown)
_lock = threading.Lock()


def team_pages_enabled(settings: Settings) -> bool:
    """Whether a team password or an auth file is configured."""
    return team_login_configured(settings)


def sign_in_as(
    settings: Settings, password: str, name: str = "", *, client: str = ""
) -> tuple[str, str]:
    """Check a sign-in attempt.

    Args:
        settings: For the team password and the auth file.
        password: The typed password.
        name: The login name from the auth file; blank for the shared team password.
        client: The browser's address (see :func:`client_address`): failures lock it out.

    Returns:
        (who signed in, or "" when refused; message for the user).
    """
    if not team_pages_enabled(settings):
        # Told to any visitor: not which settings the server lacks (the docs say).
        return "", "Hiring-team pages are not enabled on this server."
    now = time.monotonic()
    with _lock:
        for key in list(_failures):
            _failures[key] = [t for t in _failures[key] if now - t < LOCKOUT_SECONDS]
            if not _failures[key]:
                del _failures[key]
        mine = _failures.get(client, [])
        every = sorted(t for times in _failures.values() for t in times)
        if len(mine) >= MAX_FAILURES or len(every) >= MAX_FAILURES_ALL:
            first = mine[0] if len(mine) >= MAX_FAILURES else every[-MAX_FAILURES_ALL]
            wait = int(LOCKOUT_SECONDS - (now - first)) + 1
            return "", f"Too many wrong passwords. Try again in {wait} s."
    try:
        who = authenticate(settings, name, password)
    except ConfigError as exc:
        # The reason names a server path: it goes to the log, not to an unsigned-in visitor.
        log.warning("team sign-in: %s", exc)
        return "", "Sign-in is misconfigured on the server: the server log says why."
    if who is not None:
        return who, "Signed in as the hiring team." if not name.strip() else f"Signed in as {who}."
    with _lock:
        _failures.setdefault(client, []).append(now)
    if name.strip() or settings.admin_password is None:
        return "", "Wrong name or password."
    return "", "Wrong password."


def check_password(
    settings: Settings, attempt: str, name: str = "", *, client: str = ""
) -> tuple[bool, str]:
    """Check a sign-in attempt.

    Returns:
        (accepted, message for the user).
    """
    who, message = sign_in_as(settings, attempt, name, client=client)
    return bool(who), message


def client_address(request: gr.Request | None) -> str:
    """The address the request came from, as the server saw it: behind a reverse proxy that is
    the proxy's, so every browser shares one lockout there (docs/security.md)."""
    client = getattr(request, "client", None)
    return str(getattr(client, "host", "") or "")


@dataclass
class SignInBox:
    """The sign-in row: login name (shown only with an auth file), password and button (shown
    while signed out), and the sign-out button (shown while signed in)."""

    name: gr.Textbox
    password: gr.Textbox
    button: gr.Button
    sign_out: gr.Button
    named: bool = False  # whether the name box is part of the form (an auth file is set)

    def shown(self, *, signed_in: bool) -> tuple[object, ...]:
        """Updates of (name, password, button, sign out): the form or the sign-out button.
        Signed in, the form stayed beside "Sign out" and still invited a sign-in."""
        return (
            gr.Textbox(visible=self.named and not signed_in),
            gr.Textbox(value="", visible=not signed_in),
            gr.Button(visible=not signed_in),
            gr.Button(visible=signed_in),
        )


def render_sign_in(prefix: str, *, settings: Settings) -> SignInBox:
    """Lay out the sign-in row (inside an open ``gr.Row``).

    Element ids: ``<prefix>-name``, ``<prefix>-password``, ``<prefix>-sign-in``. Without a
    team password or auth file everything stays disabled; the name box is shown only when an
    auth file of personal logins is configured.
    """
    enabled = team_pages_enabled(settings)
    named = settings.admin_auth_file is not None
    shared = settings.admin_password is not None
    name = gr.Textbox(
        label="Name (blank for the team password)" if shared else "Name",
        value="",
        scale=2,
        elem_id=f"{prefix}-name",
        interactive=enabled,
        visible=named,
    )
    password = gr.Textbox(
        label="Password" if named else "Team password",
        type="password",
        scale=3,
        elem_id=f"{prefix}-password",
        interactive=enabled,
    )
    button = gr.Button("Sign in", scale=1, elem_id=f"{prefix}-sign-in", interactive=enabled)
    # Shown alone (the form hides while signed in): at its own width, not across the row.
    sign_out = gr.Button(
        "Sign out",
        scale=0,
        min_width=160,
        elem_id=f"{prefix}-sign-out",
        variant="secondary",
        visible=False,
    )
    return SignInBox(name, password, button, sign_out, named=named)


def wire_sign_in(
    box: SignInBox,
    handler: Callable[[str, str, gr.Request | None], tuple[object, ...]],
    outputs: Sequence[Block],
    *,
    team: Block,
    sign_out: tuple[Callable[[], Sequence[object]], Sequence[Block]],
) -> None:
    """Run ``handler(password, name, request)`` when Sign in is clicked or Enter is pressed, and
    ``sign_out[0]()`` (into ``sign_out[1]``) when Sign out is.

    ``team`` is the one of ``outputs`` that holds who signed in: Sign out shows while it is
    set. The password comes first, so API callers that send only a password (the team
    password) keep working: the name defaults to blank.
    """
    at = list(outputs).index(team)

    @wraps(handler)  # the API keeps the handler's name and parameters
    def signed(
        password: str, name: str = "", request: gr.Request | None = None
    ) -> tuple[object, ...]:
        # The password is not left in the box once used (right or wrong): it stayed there, for
        # anyone at the screen to reuse. Emptied with the status, not after it: a password typed
        # again as soon as "Wrong password" showed was wiped by a later step.
        result = handler(password, name, request)
        return (*result, *box.shown(signed_in=bool(result[at])))

    form = [box.name, box.password, box.button, box.sign_out]
    for trigger in (box.button.click, box.password.submit, box.name.submit):
        trigger(signed, [box.password, box.name], [*outputs, *form], concurrency_limit=2)

    # On a shared screen the team's pages stayed open until the tab was closed.
    def signed_out() -> tuple[object, ...]:
        return (*sign_out[0](), *box.shown(signed_in=False))

    box.sign_out.click(signed_out, None, [*sign_out[1], *form], api_visibility="private")


def exam_in_progress(repository: Repository, session_id: str) -> bool:
    """Whether ``session_id`` is an exam not yet finished: its grades stay hidden from the
    candidate until the end (the Report button showed them mid-exam). The hiring team, signed
    in, still sees them."""
    record = repository.find_session(session_id)
    return record is not None and exam_running(record)


def exam_running(record: SessionRecord) -> bool:
    """Whether a stored session is an exam not yet finished (see :func:`exam_in_progress`)."""
    return (
        record.config.get("mode") == "exam"
        and record.state != "finished"
        and record.finished_at is None
    )
