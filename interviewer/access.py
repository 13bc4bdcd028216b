"""Hiring-team logins: the shared team password, or named logins kept in an auth file.

``INTERVIEWER_ADMIN_PASSWORD`` is one password for the whole team. ``INTERVIEWER_ADMIN_AUTH_FILE``
names a file of personal logins, one ``name:hash`` line each (``#`` starts a comment), written by
``interviewer team add NAME``; bank edits then record who made them. Passwords are stored only
as salted scrypt hashes (``hashlib.scrypt``, standard library), never in clear. Either setting,
or both, enables the team pages; with neither they stay locked.

The file is read on every sign-in, so adding or removing a login needs no restart.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re
import secrets
import shlex
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from interviewer.errors import ConfigError, InputError
from interviewer.textfile import text_of

if TYPE_CHECKING:  # pragma: no cover - typing only
    from interviewer.settings import Settings

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "TEAM",
    "add_login",
    "authenticate",
    "hash_password",
    "read_auth_file",
    "remove_login",
    "team_command",
    "team_login_configured",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 10
TEAM = "team"  # who signed in with the shared team password
_NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")
# scrypt cost: 16 MiB of memory and ~50 ms per check, slow enough to make guessing a stolen
# file expensive, fast enough for a sign-in.
_N, _R, _P = 2**14, 8, 1
_SCHEME = "scrypt"


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A salted scrypt hash of a password: ``scrypt$n$r$p$salt$hash`` (base64 parts)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    parts = (_SCHEME, str(_N), str(_R), str(_P), _b64(salt), _b64(digest))
    return "$".join(parts)


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches a hash made by :func:`hash_password` (constant time)."""
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != _SCHEME:
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt, validate=True),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def team_command(args: str, path: Path, *, given: bool) -> str:
    """``interviewer team ARGS`` to type, for a hint: with ``--auth-file PATH`` when ``given``
    (the path came from that option), since without it the command reads
    INTERVIEWER_ADMIN_AUTH_FILE, which may be unset or another file."""
    option = f" --auth-file {shlex.quote(str(path))}" if given else ""
    return f"`interviewer team {args}{option}`"


def read_auth_file(path: Path, *, given: bool = False) -> dict[str, str]:
    """The logins of an auth file: name -> password hash. ``given``: the path came from
    ``--auth-file``, not INTERVIEWER_ADMIN_AUTH_FILE (hints then name it).

    Raises:
        ConfigError: The file is missing or unreadable, or a line is not ``name:scrypt$...``.
    """
    unset = "" if given else ", or unset INTERVIEWER_ADMIN_AUTH_FILE"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"The team auth file {path} does not exist: create it with "
            f"{team_command('add NAME', path, given=given)}{unset}."
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            f"The team auth file {path} is a folder: give the path of a file{unset}."
        ) from None
    except OSError as exc:
        raise ConfigError(f"Cannot read the team auth file {path}: {exc.strerror}.") from None
    try:
        # A byte-order mark (the file saved in Notepad) made line 1 "not 'name:scrypt$...'",
        # with the advice to delete a good login.
        text = text_of(data)
    except ValueError as exc:  # Python's "'utf-8' codec can't decode byte 0x89 in position 0"
        raise ConfigError(
            f"The team auth file {path} {exc}: it holds 'name:scrypt$...' lines written by "
            f"{team_command('add NAME', path, given=given)}; restore it, or remove it and add "
            "the logins again."
        ) from None
    _check_mode(path)
    logins: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, encoded = line.partition(":")
        if not _NAME.fullmatch(name) or not encoded.startswith(f"{_SCHEME}$"):
            # `team add` reads the file first and refused it too: the line has to go first.
            raise ConfigError(
                f"Line {number} of the team auth file {path} is not 'name:scrypt$...' "
                "(passwords are never stored in clear): delete that line, then add its login "
                f"again with {team_command('add NAME', path, given=given)}."
            )
        logins[name] = encoded
    return logins


def _check_mode(path: Path) -> None:
    """Refuse a file other users may change: they could write themselves a login (as ssh
    refuses a writable authorized_keys). ``team add`` writes it readable by its owner only."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o022:
        raise ConfigError(
            f"The team auth file {path} can be changed by other users (mode {mode:o}), so "
            f"anyone on this machine could add a login: run `chmod 600 {shlex.quote(str(path))}`."
        )


def team_login_configured(settings: Settings) -> bool:
    """Whether a team password or an auth file is configured (the team pages are enabled)."""
    password = settings.admin_password.get_secret_value() if settings.admin_password else ""
    return bool(password) or settings.admin_auth_file is not None


def authenticate(settings: Settings, name: str, password: str) -> str | None:
    """Who signs in with these credentials, or None.

    A blank name means the shared team password (identity :data:`TEAM`); a name is looked up
    in the auth file.

    Raises:
        ConfigError: The auth file is configured but missing or malformed.
    """
    name = name.strip()
    if not name:
        secret = settings.admin_password.get_secret_value() if settings.admin_password else ""
        if secret and hmac.compare_digest(password.encode("utf-8"), secret.encode("utf-8")):
            return TEAM
        return None
    if settings.admin_auth_file is None:
        return None
    encoded = read_auth_file(settings.admin_auth_file).get(name)
    # An unknown name costs the same scrypt work as a known one: timing tells no names.
    ok = verify_password(password, encoded or _dummy_hash())
    return name if ok and encoded is not None else None


def check_login_name(name: str) -> None:
    """Raise InputError unless ``name`` is 1-64 letters, digits, '.', '_', '@' or '-'."""
    if not _NAME.fullmatch(name):
        raise InputError(
            f"{name!r} is not a valid login name: use 1-64 letters, digits, '.', '_', '@' or '-'."
        )


def add_login(path: Path, name: str, password: str) -> bool:
    """Add a login to the auth file, or set a new password for an existing name.

    The file is written atomically and readable by its owner only.

    Returns:
        True when the name was new.

    Raises:
        InputError: The name has characters other than letters, digits and ``._@-``, or the
            password is shorter than :data:`MIN_PASSWORD_LENGTH`.
        ConfigError: The existing file is malformed.
    """
    check_login_name(name)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters "
            "(a long random one is best)."
        )
    logins = read_auth_file(path) if path.exists() else {}
    new = name not in logins
    logins[name] = hash_password(password)
    _write(path, logins)
    return new


def remove_login(path: Path, name: str, *, given: bool = False) -> None:
    """Remove a login from the auth file (``given``: as for :func:`read_auth_file`).

    Raises:
        InputError: No login with that name.
        ConfigError: The file is missing or malformed.
    """
    logins = read_auth_file(path, given=given)
    if name not in logins:
        raise InputError(
            f"No login named {name!r} in {path}: {team_command('list', path, given=given)} "
            "shows them."
        )
    del logins[name]
    _write(path, logins)


def _write(path: Path, logins: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "# interviewer team logins (name:scrypt hash); edit with `interviewer team add`\n"
    body += "".join(f"{name}:{encoded}\n" for name, encoded in sorted(logins.items()))
    fd, tmp = tempfile.mkstemp(prefix=".auth-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
        os.chmod(tmp, 0o600)  # password hashes: owner only
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))
