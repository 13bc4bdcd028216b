"""The report as Markdown (for pasting into a ticket, a wiki or an e-mail).

Text from the candidate or a model is escaped so that it cannot turn into links, HTML or
headings when the Markdown is rendered; answers are shown as quoted blocks.
"""

from __future__ import annotations

import re

from interviewer.grading.rubric import one_decimal
from interviewer.reports.data import QuestionRow, ReportData, distinct_times

__all__ = ["md_escape", "render_markdown"]

# Not "(" and ")": a link needs "[...]" before them, and brackets are escaped; escaped, every
# score read "Communication \(5.0/5\)" in the file as text.
_SPECIAL = re.compile(r"([\\`*_{}\[\]#+!|<>~])")
# A session's start to the minute, or to the second when two started in the same minute.
_STARTED = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def md_escape(text: str) -> str:
    """Escape Markdown and HTML syntax so the text renders literally."""
    return _SPECIAL.sub(r"\\\1", text)


def _score(value: float | None) -> str:
    return "–" if value is None else f"{one_decimal(value):.1f}"


def _quote(text: str) -> list[str]:
    lines = text.strip().splitlines() or ["(no answer)"]
    return [f"> {md_escape(line)}" if line.strip() else ">" for line in lines]


def render_markdown(report: ReportData) -> str:
    """Render the report as Markdown text."""
    out = ["# Interview feedback report", ""]
    meta = []
    if report.candidate:
        meta.append(f"**Candidate:** {md_escape(report.candidate)}")
    if report.started_at:
        meta.append(f"**Date:** {report.started_at:%Y-%m-%d %H:%M} UTC")
    meta.append(f"**Session:** `{report.session_id}`")
    if report.mode:
        meta.append(f"**Mode:** {report.mode}")
    if report.limit_line:
        meta.append(f"**Time limit:** {report.limit_line}")
    meta.append(f"**Questions:** {report.questions_line}")
    out += ["  \n".join(meta), ""]
    pending = f", {report.pending} pending" if report.pending else ""
    out += [f"## Overall score: {_score(report.overall)} / 5 ({report.graded} graded{pending})", ""]
    out += [f"> **Note:** {md_escape(n)}" + "\n" for n in report.notices]

    out += ["## Summary", "", "**Strengths**", ""]
    out += [f"- {md_escape(s)}" for s in report.strengths] or ["- No clear strength yet."]
    out += ["", "**Focus areas**", ""]
    out += [f"- {md_escape(s)}" for s in report.focus_areas] or [
        "- Nothing stands out as weak: every assessed score is 4 or more."
        if report.graded
        else "- Nothing graded yet."
    ]

    out += [
        "",
        "## Scores by criterion",
        "",
        "| Criterion | Weight | Score | What this level means |",
        "|---|---:|---:|---|",
    ]
    for c in report.criteria:
        level = f"Level {c.level}: " if c.level is not None else ""
        score = _score(c.score) if c.score is not None else "not assessed"
        if c.partly_assessed:
            score += f" (on {c.assessed} of {c.answers} answers)"
        out.append(
            f"| {c.criterion.capitalize()} | {c.weight:.0%} | {score} | "
            f"{level}{md_escape(c.descriptor)} |"
        )

    out += [
        "",
        "## Scores by question",
        "",
        "| # | Question | Score | Hints | Time |",
        "|---:|---|---:|---:|---:|",
    ]
    for q in report.questions:
        score = _score(q.score) if q.status == "graded" else q.status_label
        out.append(
            f"| {q.number} | {md_escape(_one_line(q.text))} | {score} | {q.hints_used} | "
            f"{report.time_of(q)} |"
        )
    scored = [t for t in report.trend if t.overall is not None]
    if len(scored) >= 2:
        out += [
            "",
            "## Progress over attempts",
            "",
            # With the time: two attempts on one day read as one date twice.
            "| Attempt | Started (UTC) | Overall |",
            "|---:|---|---:|",
        ]
        started = distinct_times([t.started_at for t in scored], _STARTED)
        for i, (t, when) in enumerate(zip(scored, started, strict=True), start=1):
            mark = " (this session)" if t.current else ""
            out.append(f"| {i} | {when} | {_score(t.overall)}{mark} |")

    out += ["", "## Question by question"]
    for q in report.questions:
        out += ["", *_question(q, report.time_of(q))]

    out += ["", "## Recommended reading", ""]
    if report.reading:
        for item in report.reading:
            refs = ", ".join(f"Q{n}" for n in item.questions)
            label = md_escape(item.label())
            out.append(f"- {'**' + label + '**' if item.priority else label} (for {refs})")
            out += [
                f"  > {md_escape(line)}" if line.strip() else "  >"
                for line in item.excerpt.splitlines()
            ]
    else:
        out.append("No reference material was retrieved for these answers.")

    out += ["", "---", "", _provenance(report), ""]
    return "\n".join(out)


def _grader(q: QuestionRow) -> str:
    """Who graded the answer; a pending one read "(PENDING) ... graded by llm"."""
    return f" · {q.grader_label}" if q.grader_label else ""


def _question(q: QuestionRow, time: str) -> list[str]:
    status = f"{_score(q.score)} / 5" if q.status == "graded" else q.status_label.upper()
    out = [f"### Q{q.number}. {md_escape(_one_line(q.text))} ({status})", ""]
    grader = _grader(q)
    fallback = " · **fallback grade**" if "fallback" in q.flags else ""
    out += [
        f"*{md_escape(q.question_id)} · time {time} · hints used: "
        f"{q.hints_used}{grader}{fallback}*",
        "",
    ]
    if q.message:
        out += [f"*{md_escape(q.message)}*", ""]
    if q.edited_since:
        out += [
            f"*The question has been edited since this answer was graded (graded version "
            f"`{q.question_version}`).*",
            "",
        ]
    out += ["**Your answer**", "", *_quote(q.answer), ""]
    if q.follow_up_question:
        out += [
            f"**Follow-up:** {md_escape(q.follow_up_question)}",
            "",
            *_quote(q.follow_up_answer),
            "",
        ]
    if q.status == "pending":
        out += ["*Waiting for a grade: regenerate the report once it is graded.*", ""]
    if q.status == "unanswered":
        out += ["*The interview ended before this question was answered.*", ""]
    if q.criteria:
        out += [
            " · ".join(
                f"{c.criterion.capitalize()}: "
                f"{_score(c.score) if c.score is not None else 'not assessed'}"
                for c in q.criteria
            ),
            "",
        ]
    if q.covered:
        out += ["**Covered key points**", ""]
        # The quote under each, as in the HTML and PDF reports (the Markdown one had none).
        out += [
            f"- ✓ {md_escape(k.key_point)}"
            + (f"  \n  *“{md_escape(k.evidence)}”*" if k.evidence else "")
            for k in q.covered
        ] + [""]
    if q.missed:
        out += ["**Missed or partly covered key points**", ""]
        out += [
            f"- {'◐' if k.verdict == 'partly' else '✗'} {md_escape(k.key_point)}"
            f"{' (partly)' if k.verdict == 'partly' else ''}"
            for k in q.missed
        ] + [""]
    if q.factual_errors:
        out += ["**Factual errors**", ""] + [f"- {md_escape(e)}" for e in q.factual_errors] + [""]
    if q.feedback:
        out += ["**Feedback**", "", md_escape(q.feedback), ""]
    if q.hints:
        out += ["**Hints used**", ""] + [f"- {md_escape(h)}" for h in q.hints] + [""]
    if q.model_answer:
        out += ["**Model answer**", "", md_escape(q.model_answer), ""]
    if q.sources:
        out += ["**Sources to read**", ""] + [f"- {md_escape(s.label())}" for s in q.sources]
    return out


def _provenance(report: ReportData) -> str:
    if not report.graders:
        return "*No answer has been graded yet.*"
    parts = []
    for g in report.graders:
        text = f"grader **{g.kind}**"
        if g.model:
            text += f", model {md_escape(g.model)}"
        if g.prompt_version:
            text += f", prompt version `{g.prompt_version}`"
        parts.append(f"{text} ({g.answers} answer{'s' if g.answers != 1 else ''})")
    return f"*Produced by {'; '.join(parts)}. {md_escape(report.scoring_note)}*"


def _one_line(text: str) -> str:
    return " ".join(text.split())
