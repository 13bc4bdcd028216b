"""``interviewer report SESSION_ID``: a session's feedback report in any format."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from interviewer.cli import app, friendly
from interviewer.errors import InputError
from interviewer.settings import Settings

__all__ = ["report"]


@app.command()
@friendly
def report(
    session_id: Annotated[
        str, typer.Argument(help="The session id (printed at the end of an interview).")
    ],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="html, pdf, md or json.",
            case_sensitive=False,
            metavar="<html|pdf|md|json>",
        ),
    ] = "html",
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

    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise InputError(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    suffix = out.suffix.lower() if out is not None else ""
    named = next((name for name, (ext, _) in FORMATS.items() if ext == suffix), fmt)
    if named != fmt:  # a PDF written as r.html opened as garbage in a browser
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
    note = f" ({data.pending} answer(s) still pending)" if data.pending else ""
    typer.echo(f"Report written to {target}{note}.", err=True)
