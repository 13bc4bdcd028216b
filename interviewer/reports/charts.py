"""Report charts as inline SVG strings (matplotlib, Agg backend: no display needed).

SVG keeps the HTML report self-contained and sharp when printed; WeasyPrint renders it in PDF.
Every chart function returns ``""`` when there is nothing to draw, so templates can skip it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from interviewer.reports.data import CriterionRow, QuestionRow, TrendPoint, distinct_times

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "criteria_chart",
    "figure_svg",
    "pyplot",
    "questions_chart",
    "score_color",
    "trend_chart",
]

# One palette for charts, HTML and PDF: red < 2, amber < 3.5, green otherwise.
_RED, _AMBER, _GREEN, _GREY = "#c0392b", "#d68910", "#1e8449", "#aab7b8"
_INK, _GRID = "#2c3e50", "#e5e8e8"


@cache
def pyplot() -> ModuleType:
    """``matplotlib.pyplot`` on the Agg backend with the report style, imported on first use.

    matplotlib costs a quarter of a second to import, so the web app loads it with the first
    chart rather than at start-up.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.edgecolor": _GRID,
            "axes.labelcolor": _INK,
            "xtick.color": _INK,
            "ytick.color": _INK,
            "svg.fonttype": "none",  # keep text as text: searchable in the PDF, smaller files
            "svg.hashsalt": "interviewer",  # deterministic element ids
        }
    )
    return plt


def score_color(score: float | None) -> str:
    """The colour of a 0-5 score (grey when there is none)."""
    if score is None:
        return _GREY
    if score < 2:
        return _RED
    if score < 3.5:
        return _AMBER
    return _GREEN


def figure_svg(fig: Figure) -> str:
    """Serialize a figure to an inline ``<svg>`` element and close it."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    pyplot().close(fig)
    svg = buffer.getvalue()
    # Drop the XML prolog and DOCTYPE: the SVG is embedded in HTML.
    svg = svg[svg.index("<svg") :]
    return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)


def criteria_chart(criteria: Sequence[CriterionRow]) -> str:
    """Horizontal bars: mean score per rubric criterion (not assessed ones drawn as a note)."""
    if not any(c.score is not None for c in criteria):
        return ""
    fig, ax = pyplot().subplots(figsize=(4.6, 2.6))
    names = [c.criterion.capitalize() for c in criteria][::-1]
    values = [c.score or 0.0 for c in criteria][::-1]
    colors = [score_color(c.score) for c in criteria][::-1]
    bars = ax.barh(names, values, color=colors, height=0.55)
    for bar, row in zip(bars, list(criteria)[::-1], strict=True):
        label = f"{row.score:.1f}" if row.score is not None else "not assessed"
        ax.text(
            bar.get_width() + 0.06,
            bar.get_y() + bar.get_height() / 2,
            label,
            va="center",
            fontsize=8.5,
            color=_INK,
        )
    _score_axis(ax, horizontal=True)
    ax.set_title("Score per criterion (0-5)", loc="left", fontsize=10, color=_INK)
    return figure_svg(fig)


def questions_chart(questions: Sequence[QuestionRow]) -> str:
    """Vertical bars: score per question; pending, skipped and unanswered ones labelled instead
    of drawn."""
    if not questions:
        return ""
    width = max(4.6, min(9.0, 0.45 * len(questions) + 1.5))
    fig, ax = pyplot().subplots(figsize=(width, 2.6))
    labels = [f"Q{q.number}" for q in questions]
    values = [q.score if q.score is not None else 0.0 for q in questions]
    bars = ax.bar(labels, values, color=[score_color(q.score) for q in questions], width=0.6)
    for bar, q in zip(bars, questions, strict=True):
        text = f"{q.score:.1f}" if q.score is not None else q.status_label
        ax.text(
            bar.get_x() + bar.get_width() / 2,
            bar.get_height() + 0.08,
            text,
            ha="center",
            fontsize=8,
            color=_INK if q.score is not None else "#7f8c8d",
        )
    _score_axis(ax, horizontal=False)
    ax.set_title("Score per question (0-5)", loc="left", fontsize=10, color=_INK)
    return figure_svg(fig)


def trend_chart(trend: Sequence[TrendPoint]) -> str:
    """Overall score over the candidate's sessions, oldest first (needs two scored sessions)."""
    points = [p for p in trend if p.overall is not None]
    if len(points) < 2:
        return ""
    fig, ax = pyplot().subplots(figsize=(6.2, 2.4))
    xs = list(range(1, len(points) + 1))
    ys = [p.overall or 0.0 for p in points]
    ax.plot(xs, ys, color=_INK, marker="o", linewidth=1.6, markersize=5)
    for x, point in zip(xs, points, strict=True):
        color = "#2471a3" if point.current else _INK
        ax.annotate(
            f"{point.overall:.1f}",
            (x, point.overall or 0.0),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=8,
            color=color,
        )
        if point.current:
            ax.plot([x], [point.overall or 0.0], marker="o", markersize=9, color="#2471a3")
    ax.set_xticks(xs, _attempt_labels(points), fontsize=7.5)
    ax.set_xlabel("Session started (UTC)", fontsize=7.5, color=_INK)
    _score_axis(ax, horizontal=False)
    ax.set_title("Overall score over attempts", loc="left", fontsize=10, color=_INK)
    return figure_svg(fig)


# The day, then the time under it, then to the second: the first that tells the points apart.
_STARTED = ("%d %b", "%d %b\n%H:%M", "%d %b\n%H:%M:%S")


def _attempt_labels(points: Sequence[TrendPoint]) -> list[str]:
    """``#1`` and when the session started, with the time (UTC) once two share a day: two
    attempts on one day read "#1 28 Nov" and "#2 28 Nov", told apart by number only."""
    started = distinct_times([p.started_at for p in points], _STARTED)
    return [f"#{i}\n{when}" if when else f"#{i}" for i, when in enumerate(started, start=1)]


def _score_axis(ax: Axes, *, horizontal: bool) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if horizontal:
        ax.set_xlim(0, 5.6)
        ax.set_xticks(range(6))
        ax.grid(axis="x", color=_GRID, linewidth=0.8)
    else:
        ax.set_ylim(0, 5.6)
        ax.set_yticks(range(6))
        ax.grid(axis="y", color=_GRID, linewidth=0.8)
    ax.set_axisbelow(True)
