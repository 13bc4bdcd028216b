"""The calibration report: a self-contained HTML page with inline SVG plots.

Plots: grader vs human scatter, per-question agreement (grader error next to the
interviewers' own disagreement), and per-question score histograms.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from interviewer.calibration import (
    AGREEMENT_NOTE,
    DISCRIMINATION_NOTE,
    CalibrationResult,
    QuestionStats,
    discrimination_text,
)
from interviewer.reports.charts import figure_svg, pyplot

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["agreement_chart", "histograms_chart", "render_calibration_html", "scatter_chart"]

_INK, _BLUE, _ORANGE, _GRID = "#2c3e50", "#2471a3", "#d68910", "#e5e8e8"

_ENV = Environment(
    loader=PackageLoader("interviewer.reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
_ENV.filters["num"] = lambda v, d=2: "–" if v is None else f"{v:.{d}f}"
_ENV.filters["signed"] = lambda v: "–" if v is None else f"{v:+.2f}"
_ENV.filters["discrimination"] = discrimination_text


def scatter_chart(result: CalibrationResult) -> str:
    """Grader score against the interviewers' consensus, one dot per answer (slightly jittered)."""
    pairs = [(i.human, i.auto) for i in result.items if i.auto is not None]
    if not pairs:
        return ""
    rng = random.Random(0)  # jitter only separates overlapping dots; fixed seed, same picture
    fig, ax = pyplot().subplots(figsize=(4.2, 4.0))
    ax.plot([0, 5], [0, 5], color="#aab7b8", linestyle="--", linewidth=1, label="perfect agreement")
    ax.scatter(
        [h + rng.uniform(-0.08, 0.08) for h, _ in pairs],
        [a + rng.uniform(-0.08, 0.08) for _, a in pairs],
        s=22,
        alpha=0.7,
        color=_BLUE,
        edgecolors="white",
        linewidths=0.5,
    )
    ax.set_xlim(-0.3, 5.3)
    ax.set_ylim(-0.3, 5.3)
    ax.set_xlabel("Interviewers (mean score)")
    ax.set_ylabel("Automatic grader")
    answers = "1 answer" if len(pairs) == 1 else f"{len(pairs)} answers"
    ax.set_title(f"Grader vs interviewers ({answers})", loc="left", fontsize=10)
    _tidy(ax)
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    return figure_svg(fig)


def agreement_chart(questions: list[QuestionStats]) -> str:
    """Per question: the grader's mean absolute error next to the interviewers' disagreement."""
    rows = [q for q in questions if q.mae is not None]
    if not rows:
        return ""
    fig, ax = pyplot().subplots(figsize=(max(4.5, 0.7 * len(rows) + 1.8), 3.0))
    xs = range(len(rows))
    ax.bar(
        [x - 0.2 for x in xs],
        [q.mae or 0 for q in rows],
        width=0.4,
        color=_ORANGE,
        label="grader vs interviewers (MAE)",
    )
    ax.bar(
        [x + 0.2 for x in xs],
        [q.human_mad or 0 for q in rows],
        width=0.4,
        color=_BLUE,
        label="interviewer vs interviewer",
    )
    for x, q in zip(xs, rows, strict=True):
        if q.human_mad is None:
            ax.text(x + 0.2, 0.05, "n/a", ha="center", fontsize=7, color="#7f8c8d", rotation=90)
    # Ids of questions outside the bank (adhoc-<hash>) are long: slant them so they never overlap.
    slant = len(rows) > 6 or max(len(q.question_id) for q in rows) > 6
    ax.set_xticks(
        list(xs),
        [q.question_id for q in rows],
        rotation=30 if slant else 0,
        ha="right" if slant else "center",
        rotation_mode="anchor",
        fontsize=8,
    )
    ax.set_ylabel("Mean absolute difference (points)")
    top = max([q.mae or 0 for q in rows] + [q.human_mad or 0 for q in rows] + [1.0])
    ax.set_ylim(0, math.ceil(top + 0.5))
    ax.set_title("Disagreement per question (lower is better)", loc="left", fontsize=10)
    _tidy(ax)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    return figure_svg(fig)


def histograms_chart(questions: list[QuestionStats]) -> str:
    """Small multiples: distribution of scores (rounded 0-5) per question."""
    rows = [q for q in questions if q.items.answers]
    if not rows:
        return ""
    cols = min(4, len(rows))
    lines = math.ceil(len(rows) / cols)
    from matplotlib.ticker import MaxNLocator

    fig, axes = pyplot().subplots(
        lines, cols, figsize=(2.1 * cols, 1.7 * lines), squeeze=False, sharey=False
    )
    for ax, q in zip(axes.flat, rows, strict=False):
        ax.bar(range(6), q.items.histogram, color=_BLUE, width=0.75)
        ax.set_xticks(range(6))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=7)
        mean = f"mean {q.items.mean:.1f}" if q.items.mean is not None else ""
        ax.set_title(f"{q.question_id} · {mean}", fontsize=8, loc="left")
        _tidy(ax)
    for ax in list(axes.flat)[len(rows) :]:
        ax.axis("off")
    fig.suptitle("Score histograms (all graded answers)", x=0.01, ha="left", fontsize=10)
    fig.tight_layout()
    return figure_svg(fig)


def render_calibration_html(result: CalibrationResult) -> str:
    """The calibration report as one self-contained HTML page."""
    from interviewer.reports.html import REPORT_CSS

    charts = {
        "scatter": Markup(scatter_chart(result)),
        "agreement": Markup(agreement_chart(result.questions)),
        "histograms": Markup(histograms_chart(result.questions)),
    }
    template = _ENV.get_template("calibration.html.j2")
    return template.render(
        r=result,
        charts=charts,
        css=Markup(REPORT_CSS),
        verdict=_verdict(result),
        agreement_note=AGREEMENT_NOTE,
        discrimination_note=DISCRIMINATION_NOTE,
    )


def _verdict(result: CalibrationResult) -> str:
    o = result.overall
    if o.mae is None:
        return "No answer could be graded automatically, so agreement cannot be measured."
    text = f"The automatic grader is {o.mae:.2f} points from the interviewers' consensus on average"
    if o.bias is not None and abs(o.bias) >= 0.25:
        text += f" and scores {'higher' if o.bias > 0 else 'lower'} by {abs(o.bias):.2f}"
    if o.human_mad is None:
        return text + (
            ". No answer was scored by two interviewers, so their own agreement is unknown."
        )
    text += f"; two interviewers scoring the same answer differ by {o.human_mad:.2f}. "
    if o.mae <= o.human_mad + 0.25:
        return text + (
            "The grader disagrees with the team about as much as the team disagrees with itself."
        )
    return text + "The grader disagrees with the team more than the team disagrees with itself."


def _tidy(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color=_GRID, linewidth=0.8)
    ax.set_axisbelow(True)
