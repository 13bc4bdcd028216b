"""``interviewer team``: personal team logins in the auth file (INTERVIEWER_ADMIN_AUTH_FILE)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from interviewer.cli import app, friendly
from interviewer.errors import ConfigError
from interviewer.settings import Settings

__all__ = ["add", "list_logins", "remove"]

team_app = typer.Typer(
    help="Personal logins for the hiring-team pages (an auth file of scrypt hashes).",
    no_args_is_help=True,
)
app.add_typer(team_app, name="team")

AuthFile = Annotated[
    Path | None,
    typer.Option(
        "--auth-file",
        help="The auth file (default: INTERVIEWER_ADMIN_AUTH_FILE).",
        show_default=False,
    ),
]


def _path(auth_file: Path | None) -> Path:
    path = auth_file or Settings().admin_auth_file
    if path is None:
        raise ConfigError(
            "No auth file: pass --auth-file PATH, or set INTERVIEWER_ADMIN_AUTH_FILE to its path."
        )
    return path


def _at_terminal() -> bool:
    return sys.stdin.isatty()


def _password(name: str, add: str) -> str:
    """Asked twice at a terminal; from a pipe, its first line (and a second, if given, must
    match). Prompting a pipe printed Python's GetPassWarning and "may be echoed" twice.
    ``add``: the ``team add`` command to show in a hint."""
    if _at_terminal():
        return str(typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True))
    lines = sys.stdin.read().splitlines()
    if not lines or not lines[0]:
        raise ConfigError(
            f"No password on standard input for {name}: pipe it in "
            f"(printf '%s\\n' \"$PASSWORD\" | {add.strip('`')}), or run the command "
            "at a terminal to type it."
        )
    if len(lines) > 1 and lines[1] != lines[0]:
        raise ConfigError("The two passwords on standard input differ; nothing was changed.")
    return lines[0]


@team_app.command("add")
@friendly
def add(
    name: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ @ -).")],
    auth_file: AuthFile = None,
) -> None:
    """Add a login, or set a new password for an existing one (asked twice, never echoed; or
    piped in on standard input)."""
    from interviewer.access import add_login, check_login_name, read_auth_file, team_command

    path = _path(auth_file)
    given = auth_file is not None  # hints then name the file, as the command used it
    # A bad name or a malformed file is found before the password is typed twice, not after.
    check_login_name(name)
    if path.exists():
        read_auth_file(path, given=given)
    password = _password(name, team_command(f"add {name}", path, given=given))
    new = add_login(path, name, password)
    verb = "Added" if new else "Changed the password of"
    typer.echo(f"{verb} {name} in {path}. The app reads the file at each sign-in.", err=True)


@team_app.command("remove")
@friendly
def remove(
    name: Annotated[str, typer.Argument(help="Login name.")], auth_file: AuthFile = None
) -> None:
    """Remove a login (signed-in browser tabs keep access until they are closed)."""
    from interviewer.access import remove_login

    path = _path(auth_file)
    remove_login(path, name, given=auth_file is not None)
    typer.echo(f"Removed {name} from {path}.", err=True)


@team_app.command("list")
@friendly
def list_logins(auth_file: AuthFile = None) -> None:
    """Print the login names (never the hashes)."""
    from interviewer.access import read_auth_file

    for name in sorted(read_auth_file(_path(auth_file), given=auth_file is not None)):
        typer.echo(name)
