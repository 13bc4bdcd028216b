"""``interviewer serve``: start the web app (same as ``python app.py``)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from interviewer.cli import app, friendly


@app.command()
@friendly
def serve(
    host: Annotated[
        str | None,
        typer.Option(help="Interface to listen on (default GRADIO_SERVER_NAME or 127.0.0.1)."),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default GRADIO_SERVER_PORT or 7860).")
    ] = None,
) -> None:
    """Start the web app on http://127.0.0.1:7860 (honours GRADIO_SERVER_NAME/PORT)."""
    if host:
        os.environ["GRADIO_SERVER_NAME"] = host
    if port:
        os.environ["GRADIO_SERVER_PORT"] = str(port)
    from interviewer.ui.app import main

    main()
