"""``python -m interviewer`` runs the CLI."""

from interviewer.cli import app

app()
