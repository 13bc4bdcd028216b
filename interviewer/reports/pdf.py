"""The report as PDF: WeasyPrint renders the HTML report with its print stylesheet.

WeasyPrint needs Pango (Debian ``libpango-1.0-0 libpangoft2-1.0-0``, installed by
``scripts/system-deps.sh``); a missing library becomes a :class:`ConfigError` naming it.
"""

from __future__ import annotations

import logging

from interviewer.errors import ConfigError
from interviewer.reports.data import ReportData
from interviewer.reports.html import render_html

__all__ = ["html_to_pdf", "render_pdf"]


def html_to_pdf(html: str) -> bytes:
    """Convert a self-contained HTML page to PDF bytes.

    Raises:
        ConfigError: WeasyPrint or its system libraries are missing.
    """
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango/cairo shared libraries not found
        raise ConfigError(
            f"PDF export needs the Pango libraries ({exc}). Run scripts/system-deps.sh "
            "or `apt-get install libpango-1.0-0 libpangoft2-1.0-0`."
        ) from exc
    # WeasyPrint logs every unsupported CSS property at WARNING: keep the CLI output clean.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return bytes(HTML(string=html).write_pdf())


def render_pdf(report: ReportData) -> bytes:
    """Render the report as a PDF document (A4, page numbers in the footer)."""
    return html_to_pdf(render_html(report))
