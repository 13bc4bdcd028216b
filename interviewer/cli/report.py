"""``interviewer report SESSION_ID``: a session's feedback report in any format."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from interviewer.cli import app, friendly
from interviewer.errors import InputError
from interviewer.settings import Settings
from interviewer.text import counted

__all__ = ["report"]

# Extensions a format is also saved under, besides its own (FORMATS).
_ALIASES = {".htm": "html", ".markdown": "md"}


@app.command()
@friendly
def report(
    session_id: Annotated[
        str, typer.Argument(help="The session id (printed at the end of an interview).")
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="html, pdf, md or json (default: from the --out file's extension, else html).",
            case_sensitive=False,
            metavar="<html|pdf|md|json>",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Output file; default SESSION_ID.<ext> (json and md: stdout)."
        ),
    ] = None,
) -> None:
    """Write the feedback report of one interview session.

    Pending grades are shown as pending; run the command again once they are graded.
    """
    from interviewer.reports import FORMATS, build_report, render_report
    from interviewer.store.db import open_database
    from interviewer.store.repository import Repository

    suffix = out.suffix.lower() if out is not None else ""
    named = _ALIASES.get(suffix) or next(
        (name for name, (ext, _) in FORMATS.items() if ext == suffix), None
    )
    if fmt is None:  # `--out rep.md` alone was refused as "the format is html"
        fmt = named or "html"
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise InputError(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    if named is not None and named != fmt:  # a PDF written as r.html opened as garbage
        raise InputError(
            f"{out} ends in {suffix}, but the format is {fmt}: pass --format {named}, or name "
            f"the file with {FORMATS[fmt][0]}."  # type: ignore[index]
        )
    settings = Settings()
    data = build_report(Repository(open_database(settings)), session_id, settings)
    content = render_report(data, fmt)  # type: ignore[arg-type]
    if out is None and fmt in ("json", "md"):
        sys.stdout.write(content.decode("utf-8"))
        return
    target = out or Path(f"{session_id}{FORMATS[fmt][0]}")  # type: ignore[index]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    except OSError as exc:
        raise InputError(
            f"Cannot write {target}: {exc.strerror}. Choose another --out path."
        ) from exc
    note = f" ({counted(data.pending, 'answer')} still pending)" if data.pending else ""
    typer.echo(f"Report written to {target}{note}.", err=True)
