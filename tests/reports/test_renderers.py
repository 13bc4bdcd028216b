"""Every output format: content, escaping, self-containment, PDF pages."""

from __future__ import annotations

import json
import subprocess

import pytest

from interviewer.reports import TurnInput, assemble_report, build_report, render_report
from interviewer.reports.charts import criteria_chart, questions_chart, trend_chart
from interviewer.reports.markdown import md_escape

from .conftest import XSS, make_grade, pending_grade


def test_html_escapes_answers_and_names(sample_report):
    html = render_report(sample_report, "html").decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in html


def test_html_is_self_contained_with_inline_charts(sample_report):
    html = render_report(sample_report, "html").decode()
    assert "<script" not in html and 'src="http' not in html and "<link" not in html
    assert html.count("<svg") == 3  # criteria, questions, trend


def test_html_shows_every_section(sample_report):
    html = render_report(sample_report, "html").decode()
    for text in (
        "Strengths",
        "Focus areas",
        "Scores by criterion",
        "Level 3:",
        "Covered key points",
        "Missed or partly covered key points",
        "Factual errors",
        "Model answer for q04.",
        "Sources to read",
        "Hints used",
        "“generator produces only a …”",  # the hint as shown, not the whole key point
        "1 min 35 s",
        "Recommended reading",
        "abc123def456",
        "fallback grade",
        "pending",
        "Progress over attempts",
    ):
        assert text in html, text


def test_recommended_reading_quotes_each_passage(sample_report):
    """A reading list of file names ("gan-basics.md › Training") sent a candidate to files the
    report does not hold; the passage the grader cited is now in it."""
    first = sample_report.reading[0].model_copy(
        update={"excerpt": "D and G play a <minimax> game.\nG maximizes log D(G(z))."}
    )
    report = sample_report.model_copy(update={"reading": [first]})
    html = render_report(report, "html").decode()
    assert '<div class="excerpt">D and G play a &lt;minimax&gt; game.\nG maximizes' in html
    md = render_report(report, "md").decode()
    assert "  > D and G play a \\<minimax\\> game.\n  > G maximizes log D(G(z))." in md


def test_markdown_escapes_markup_and_keeps_structure(sample_report):
    md = render_report(sample_report, "md").decode()
    assert "<img" not in md.replace("\\<img", "")
    assert "> \\<img src=x onerror=alert(1)\\>" in md
    assert "## Overall score: 3.0 / 5 (3 graded, 1 pending)" in md
    assert "### Q4. What are challenges in training GANs? (PENDING)" in md
    # A pending answer's line said "graded by llm" under "(PENDING)".
    q4 = md[md.index("### Q4.") :]
    line = next(line for line in q4.splitlines() if "hints used" in line)
    assert line.endswith("hints used: 0 · no grade yet from llm*"), line
    assert "| Coverage | 35% | 3.0 | Level 3:" in md
    # Each covered key point with the answer's words quoted, as in the HTML and PDF reports.
    assert "- ✓ q01 point 1  \n  *“the generator maps noise”*" in md


def test_md_escape_neutralizes_links_and_headings():
    assert md_escape("[x](http://e) # h") == "\\[x\\](http://e) \\# h"
    assert md_escape("Communication (5.0/5)") == "Communication (5.0/5)"  # read as plain text


def test_json_report_round_trips_with_counts(sample_report):
    data = json.loads(render_report(sample_report, "json"))
    assert data["overall"] == 3.0 and data["pending"] == 1 and data["graded"] == 3
    assert data["questions"][1]["answer"].startswith(XSS)
    assert data["questions"][3]["status"] == "pending"


def test_charts_are_empty_when_there_is_nothing_to_draw(sample_report):
    assert trend_chart(sample_report.trend[:1]) == ""
    assert questions_chart([]) == ""
    assert criteria_chart(sample_report.criteria).startswith("<svg")


def test_trend_tells_two_attempts_on_one_day_apart_by_their_time(sample_report):
    """Two sessions on 28 Nov read "#2 28 Nov" and "#3 28 Nov" under the chart and "2026-11-28"
    twice in the Markdown: which came first, and when, was left to the number."""
    import re
    from datetime import UTC, datetime

    from interviewer.reports import TrendPoint

    trend = [
        TrendPoint(session_id="a", started_at=datetime(2026, 11, 27, 18, tzinfo=UTC), overall=1.0),
        TrendPoint(
            session_id="b", started_at=datetime(2026, 11, 28, 9, 5, tzinfo=UTC), overall=2.0
        ),
        TrendPoint(
            session_id="c",
            started_at=datetime(2026, 11, 28, 15, 40, tzinfo=UTC),
            overall=3.5,
            current=True,
        ),
    ]
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", trend_chart(trend))
    assert ["#2", "28 Nov", "09:05", "#3", "28 Nov", "15:40"] == labels[3:9], labels
    assert "Session started (UTC)" in labels
    markdown = render_report(sample_report.model_copy(update={"trend": trend}), "md").decode()
    assert "| Attempt | Started (UTC) | Overall |" in markdown
    assert "| 2 | 2026-11-28 09:05 | 2.0 |" in markdown
    assert "| 3 | 2026-11-28 15:40 | 3.5 (this session) |" in markdown
    # Sessions on different days keep the chart's labels to the day.
    apart = re.findall(r"<text[^>]*>([^<]*)</text>", trend_chart(sample_report.trend))
    assert apart[:6] == ["#1", "01 Nov", "#2", "10 Nov", "#3", "25 Nov"], apart


def _pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def stored_pdf(stored, tmp_path_factory):
    report = build_report(stored.repository, stored.newer, stored.settings)
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(render_report(report, "pdf"))
    return report, path


def test_pdf_of_a_real_session_has_pages_and_the_expected_text(stored_pdf):
    report, path = stored_pdf
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert 2 <= pages <= 12
    text = _pdf_text(path)
    for expected in (
        "Interview feedback report",
        "Ada Lovelace",
        "What is mode collapse",
        "Scores by criterion",
        "Recommended reading",
        "gan-interview-notes.md",
        f"Page 1 of {pages}",
        "pending",
        "offline grader",
    ):
        assert expected in text, expected
    assert '<script>alert("pwned")</script>' in text  # shown as text, not run or dropped


def test_pdf_shows_overall_score(stored_pdf):
    report, path = stored_pdf
    assert f"{report.overall:.1f}" in _pdf_text(path)


def test_every_format_counts_the_questions_as_the_chat_summary_does(stored, tmp_path):
    """An interview ended with one answer of a three-question plan: the chat's summary said
    "Answered 1 of 3", the report's header "2 questions" (HTML, PDF) or nothing (Markdown, the
    Report tab)."""
    from interviewer.session import Interview

    summary = Interview.load(
        stored.repository, stored.bank, stored.service, stored.anonymous
    ).summary()
    assert (summary.answered, summary.total) == (1, 3)
    report = build_report(stored.repository, stored.anonymous, stored.settings)
    line = "1 of 3 planned questions answered; 2 asked (1 not answered)"
    assert f"**Questions:** {line}" in render_report(report, "md").decode()
    assert line in render_report(report, "html").decode()
    path = tmp_path / "report.pdf"
    path.write_bytes(render_report(report, "pdf"))
    # Read in reading order: with -layout the overall box beside it cuts into the wrapped line.
    pdf = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    assert line in " ".join(pdf.stdout.split())
    data = json.loads(render_report(report, "json"))
    assert (data["answered"], data["asked"], data["planned"]) == (1, 2, 3)
    assert data["questions_line"] == line
    # And the Report tab's status line above it.
    from interviewer.ui.panels.report import _outputs

    files = {fmt: tmp_path / f"report.{fmt}" for fmt in ("html", "md", "json")} | {"pdf": path}
    for fmt, file in files.items():
        file.write_bytes(render_report(report, fmt))
    status = _outputs(report, files)[0]
    assert status == f"**Overall {report.overall:.1f} / 5** · {line} · 1 graded"


def test_pdf_repeats_a_long_tables_header_on_each_page(sample_report, tmp_path):
    """A table that ran onto the next page continued there without its column names."""
    from interviewer.reports.data import ReadingItem

    reading = [
        ReadingItem(document=f"notes-{i:03d}.md", heading=f"Section {i}", questions=[1, 2])
        for i in range(120)
    ]
    path = tmp_path / "long.pdf"
    path.write_bytes(render_report(sample_report.model_copy(update={"reading": reading}), "pdf"))
    pages = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    with_rows = [p for p in pages if "notes-" in p]
    assert len(with_rows) >= 2  # the table does span pages
    for page in with_rows:
        header = page.index("For questions")
        assert header < page.index("notes-")  # the column names come before the first row


def test_html_and_pdf_say_a_pending_answer_has_no_grade_yet(sample_report):
    """Under its "pending" pill, the HTML (and so the PDF) said "graded by llm (gpt-4o-mini)",
    where the Markdown said "no grade yet from llm"."""
    html = render_report(sample_report, "html").decode()
    q4 = html[html.index('id="q4"') :]
    start = q4.index('class="facts"')
    facts = " ".join(q4[start : q4.index("</div>", start)].split())
    assert "· no grade yet from llm (gpt-4o-mini)" in facts and "graded by" not in facts, facts
    q1 = html[html.index('id="q1"') : html.index('id="q2"')]
    assert "· graded by llm (gpt-4o-mini)" in " ".join(q1.split())


def test_every_format_says_what_the_overall_score_leaves_out(rubric):
    """Graded 4.0 and 2.0, one question skipped, one not answered, one pending: the overall
    3.0 is the mean of two answers, not of five. The Markdown said nothing of it, the HTML
    "averaged over the graded answers": whether a skip counted as 0 was left to guess."""
    turns = [
        TurnInput(question_id="a", question_text="A?", answer="x", grade=make_grade("a", 4.0)),
        TurnInput(question_id="b", question_text="B?", answer="y", grade=make_grade("b", 2.0)),
        TurnInput(question_id="c", question_text="C?", skipped=True),
        TurnInput(question_id="d", question_text="D?", answer="z", grade=pending_grade("d")),
        TurnInput(question_id="e", question_text="E?", unanswered=True),
    ]
    report = assemble_report("s", turns, rubric)
    said = (
        "The overall score is the mean of the 2 graded answers, each the weighted mean of its "
        "assessed criteria (weights above); 1 skipped question, 1 question not answered and "
        "1 answer waiting for a grade are not counted."
    )
    assert report.overall == 3.0 and said in report.scoring_note
    assert said in " ".join(render_report(report, "md").decode().split())
    assert said in " ".join(render_report(report, "html").decode().split())
    one = assemble_report("s", turns[:3], rubric).scoring_note
    assert one.endswith("; 1 skipped question is not counted."), one
