"""The report as one self-contained HTML page: inline CSS, charts as inline SVG, no scripts.

Everything from the candidate or a model (answers, names, feedback) goes through Jinja2's
autoescaping, so an answer such as ``<script>`` is shown as text. The same page, with its
print stylesheet, is what WeasyPrint turns into the PDF.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from interviewer.grading.rubric import one_decimal
from interviewer.reports.charts import criteria_chart, questions_chart, score_color, trend_chart
from interviewer.reports.data import ReportData

__all__ = ["render_html", "REPORT_CSS"]

_ENV = Environment(
    loader=PackageLoader("interviewer.reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
_ENV.filters["score"] = lambda v: "–" if v is None else f"{one_decimal(v):.1f}"
_ENV.filters["color"] = score_color
_ENV.filters["qlabel"] = lambda n: f"Q{n}"
_ENV.filters["when"] = lambda d: "" if d is None else d.strftime("%d %b %Y, %H:%M UTC")

REPORT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-left { content: "Interview feedback report · session " string(session);
                 font: 8pt 'DejaVu Sans', sans-serif; color: #7f8c8d; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages);
                  font: 8pt 'DejaVu Sans', sans-serif; color: #7f8c8d; } }
* { box-sizing: border-box; }
body { font-family: 'DejaVu Sans', 'Segoe UI', Helvetica, Arial, sans-serif; color: #2c3e50;
  font-size: 10.5pt; line-height: 1.45; margin: 0; background: #f4f6f7; }
main { max-width: 920px; margin: 0 auto; background: #fff; padding: 28px 36px 36px; }
h1 { font-size: 20pt; margin: 0 0 2px; string-set: session attr(data-session); }
tr, li, .answer, .notice, .box { break-inside: avoid; }
h2, h3, .q-head, .label { break-after: avoid; }
h2 { font-size: 13pt; margin: 26px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #e5e8e8; }
h3 { font-size: 11.5pt; margin: 0; }
.meta { color: #5d6d7e; font-size: 9.5pt; }
.excerpt { white-space: pre-wrap; color: #5d6d7e; font-size: 9pt; margin: 0.3em 0 0.2em;
  padding-left: 0.6em; border-left: 2px solid #d5dbe1; }
header { display: flex; justify-content: space-between; align-items: flex-start; gap: 20px; }
.overall { text-align: center; min-width: 120px; border-radius: 10px; padding: 10px 14px;
  color: #fff; }
.overall .big { font-size: 26pt; font-weight: bold; line-height: 1.1; }
.overall .small { font-size: 8.5pt; opacity: .95; }
.notice { border-left: 4px solid #d68910; background: #fef5e7; padding: 8px 12px; margin: 8px 0;
  font-size: 9.5pt; }
.notice.info { border-color: #2471a3; background: #ebf5fb; }
.cols { display: flex; gap: 18px; }
.cols > div { flex: 1; }
.box { border: 1px solid #e5e8e8; border-radius: 8px; padding: 10px 14px; }
.box h3 { margin-bottom: 6px; }
.box ul { margin: 0; padding-left: 18px; }
.good h3 { color: #1e8449; } .focus h3 { color: #b9770e; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e5e8e8;
  vertical-align: top; }
th { background: #f8f9f9; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
.pill { display: inline-block; border-radius: 10px; padding: 1px 9px; color: #fff;
  font-weight: 600; font-size: 9pt; white-space: nowrap; }
.pill.pending { background: #7f8c8d; } .pill.skipped, .pill.unanswered { background: #aab7b8; }
.chart { margin: 8px 0; page-break-inside: avoid; }
.chart svg { max-width: 100%; height: auto; }
.charts { margin-top: 10px; }
.charts .chart { display: inline-block; width: 49%; vertical-align: top; }
.chart svg { width: 100%; }
.q { border: 1px solid #e5e8e8; border-radius: 8px; padding: 12px 16px; margin: 12px 0;
}
.q-head { display: flex; justify-content: space-between; gap: 12px; align-items: baseline; }
.q .facts { color: #5d6d7e; font-size: 8.5pt; margin: 2px 0 8px; }
.label { font-weight: 600; font-size: 9pt; color: #5d6d7e; text-transform: uppercase;
  letter-spacing: .04em; margin: 10px 0 3px; }
.answer { background: #f8f9f9; border-radius: 6px; padding: 8px 10px; white-space: pre-wrap;
  overflow-wrap: anywhere; font-size: 9.5pt; }
ul.kp { list-style: none; padding-left: 0; margin: 0; }
ul.kp li { margin: 2px 0; padding-left: 20px; position: relative; }
ul.kp li:before { position: absolute; left: 0; font-weight: bold; }
ul.kp li.covered:before { content: "✓"; color: #1e8449; }
ul.kp li.partly:before { content: "◐"; color: #d68910; }
ul.kp li.missed:before { content: "✗"; color: #c0392b; }
.evidence { color: #5d6d7e; font-style: italic; font-size: 9pt; }
.errors li { color: #922b21; }
.crit { font-size: 8.5pt; color: #5d6d7e; }
.crit span { margin-right: 10px; white-space: nowrap; }
footer { margin-top: 28px; font-size: 8.5pt; color: #7f8c8d; border-top: 1px solid #e5e8e8;
  padding-top: 8px; }
code { font-size: 8.5pt; }
/* A phone: the two summary boxes, the key-point lists and the charts stacked, less padding
   (side by side, "Focus areas" ran off the screen's right edge). */
@media screen and (max-width: 640px) { main { padding: 16px 14px 24px; }
  header { flex-direction: column; gap: 8px; } .cols { display: block; }
  .cols > div { margin-bottom: 10px; } .charts .chart { display: block; width: 100%; }
  table { display: block; overflow-x: auto; } td { overflow-wrap: anywhere; }
  .crit { display: flex; flex-wrap: wrap; }
  /* The criterion table, four columns, had its last one cut off by the frame's edge (it
     scrolled, with no sign that it did): each criterion becomes a block of three lines,
     name, then weight and score, then what the level means. */
  table.criteria thead { display: none; }
  table.criteria tbody { display: block; }
  table.criteria tr { display: flex; flex-wrap: wrap; align-items: baseline; column-gap: 12px;
    padding: 8px 0; border-bottom: 1px solid #e5e8e8; }
  table.criteria td { border: 0; padding: 1px 0; }
  table.criteria td.name, table.criteria td.level { flex: 1 0 100%; }
  table.criteria td.num { text-align: left; }
  table.criteria td[data-label]:before { content: attr(data-label) " "; color: #5d6d7e; }
  table.criteria td.score br { display: none; } }
@media print { body { background: #fff; } main { padding: 0; max-width: none; }
  /* WeasyPrint never splits a flex row across pages: a long key-point list side by side
     pushed the whole row to the next page and left most of a page blank. Stacked, the
     lists break between items. */
  .q .cols { display: block; } .q .cols > div { margin-bottom: 4px; } }
"""

_TEMPLATE = _ENV.get_template("report.html.j2")


def render_html(report: ReportData) -> str:
    """Render the report as a self-contained HTML page (UTF-8 text)."""
    charts = {
        "criteria": Markup(criteria_chart(report.criteria)),
        "questions": Markup(questions_chart(report.questions)),
        "trend": Markup(trend_chart(report.trend)),
    }
    return _TEMPLATE.render(r=report, charts=charts, css=Markup(REPORT_CSS))
