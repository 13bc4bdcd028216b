"""Feedback reports of interview sessions in JSON, Markdown, HTML and PDF.

Build :class:`ReportData` once (:func:`build_report` from the store, :func:`assemble_report`
from turns and grades), then render it with :func:`render_report` in any format.
"""

from __future__ import annotations

from typing import Literal

from interviewer.reports._from_store import with_rejected_first_answer
from interviewer.reports.data import (
    CriterionRow,
    GraderSummary,
    QuestionRow,
    ReadingItem,
    ReportData,
    TrendPoint,
    TurnInput,
    assemble_report,
    build_report,
    distinct_times,
)
from interviewer.reports.html import render_html
from interviewer.reports.markdown import render_markdown
from interviewer.reports.pdf import render_pdf

__all__ = [
    "CriterionRow",
    "FORMATS",
    "GraderSummary",
    "QuestionRow",
    "ReadingItem",
    "ReportData",
    "ReportFormat",
    "TrendPoint",
    "TurnInput",
    "assemble_report",
    "build_report",
    "distinct_times",
    "render_html",
    "render_json",
    "render_markdown",
    "render_pdf",
    "render_report",
    "with_rejected_first_answer",
]

ReportFormat = Literal["html", "pdf", "md", "json"]
FORMATS: dict[ReportFormat, tuple[str, str]] = {
    "html": (".html", "text/html"),
    "pdf": (".pdf", "application/pdf"),
    "md": (".md", "text/markdown"),
    "json": (".json", "application/json"),
}


def render_json(report: ReportData) -> str:
    """The report as JSON (every field of :class:`ReportData`, plus the counts and the line the
    other formats' headers say them in)."""
    data = report.model_dump(mode="json")
    data["graded"] = report.graded
    data["pending"] = report.pending
    data["answered"] = report.answered
    data["asked"] = len(report.questions)
    data["questions_line"] = report.questions_line
    import json

    return json.dumps(data, indent=2, ensure_ascii=False)


def render_report(report: ReportData, fmt: ReportFormat) -> bytes:
    """Render the report in one format as bytes (UTF-8 for the text formats)."""
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "md":
        return render_markdown(report).encode("utf-8")
    return render_json(report).encode("utf-8")
