"""Turn grades and candidate text into safe HTML and Markdown for the web app.

Everything a candidate typed goes through :func:`as_chat_text` (chat, Markdown) or
:func:`esc` (HTML) before it reaches the page, so an answer or a name can never become markup.
"""

from __future__ import annotations

import html
import re

from interviewer.grading.base import CRITERIA, Grade
from interviewer.grading.guards import EXPLAINED
from interviewer.grading.rubric import one_decimal
from interviewer.retrieval import Citation
from interviewer.store.repository import TurnRecord
from interviewer.text import answer_time

__all__ = ["as_chat_text", "esc", "feedback_card", "sources_html", "status_line", "turn_facts"]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<])")

_FLAG_NOTES: dict[str, str] = {
    "empty": "The answer was empty.",
    "too_short": "The answer was very short.",
    "off_topic": "The answer seems off topic.",
    "gibberish": "The answer did not read as an answer.",
    "copied_question": "The answer mostly repeats the question.",
    "injection_attempt": "The answer contained instructions to the grader; they were ignored.",
    "truncated": "The answer was too long and was cut before grading.",
    "no_evidence": "No reference material was found; graded without it.",
    "fallback": "The LLM grader failed; the offline grader produced this grade.",
    # The app's background pass leaves an answer five minutes to the request grading it
    # (ui/services.REGRADE_SETTLED): a reload as soon as the grader was back showed "pending".
    "pending": "Your answer is saved and is graded automatically once the grader is back; that "
    "can take a few minutes more. Open the Report tab (it refreshes until the grade is in) or "
    "reload the page later to see it.",
    "low_confidence_transcript": "The spoken answer was hard to recognise; the transcript may be "
    "inaccurate.",
}
# What a grade's message says when it already explains a flag: its note would repeat it.
_SAID: dict[str, str] = {
    **EXPLAINED,
    "fallback": "The LLM grader failed",
    "no_evidence": "Graded without reference material",
}


def esc(text: object) -> str:
    """Escape any value for HTML text or attribute context."""
    return html.escape(str(text), quote=True)


def as_chat_text(text: str) -> str:
    """Candidate text for a Markdown chat bubble: shown literally, never as HTML or Markdown."""
    escaped = html.escape(text, quote=False)
    return _MD_SPECIAL.sub(r"\\\1", escaped).replace("\n", "  \n")


def status_line(session_id: str | None, index: int, total: int, state: str = "") -> str:
    """Markdown for the bar above the chat: session id and "Question 3 of 10"."""
    if not session_id:
        return "No interview yet: fill in the set-up and press **Start**."
    parts = [f"Session `{esc(session_id)}`"]
    if total:
        parts.append(f"**Question {min(max(index, 1), total)} of {total}**")
    if state:
        parts.append(esc(state))
    return " · ".join(parts)


def _score_text(score: float | None) -> str:
    return "not assessed" if score is None else f"{one_decimal(score):.1f} / 5"


def feedback_card(
    grade: Grade,
    *,
    title: str = "",
    answer: str = "",
    follow_up: bool = True,
    asked: str = "",
    follow_up_answer: str | None = None,
    facts: str = "",
) -> str:
    """The feedback card of one graded answer, as self-contained HTML.

    Args:
        grade: The grade to show (pending grades are shown honestly, without a score).
        title: Heading, e.g. "Question 2 · What is mode collapse?" (escaped here).
        answer: The candidate's answer, shown escaped in a collapsed section when given.
        follow_up: Whether to end with the grade's "To go further" question; False when the
            candidate turned follow-up questions off.
        asked: The follow-up question the candidate was asked, if any (shown with ``answer``).
        follow_up_answer: Its answer (None: not answered, the follow-up skipped or left open).
        facts: The time taken and hints used (:func:`turn_facts`), under the title.
    """
    pending = grade.status == "pending"
    overall = "pending" if pending else _score_text(grade.overall)
    rows = []
    for name in CRITERIA:
        crit = grade.criterion(name)
        score = crit.score if crit else None
        # No track for a criterion not assessed: an empty one read as a score of 0.
        fill = "" if score is None else f'<span style="width:{int(score / 5 * 100)}%"></span>'
        bar = f'<span class="fb-track">{fill}</span>' if fill else ""
        rows.append(
            f'<tr class="fb-crit" data-criterion="{name}"><td>{name.capitalize()}</td>'
            f'<td class="fb-bar">{bar}</td>'
            f'<td class="fb-crit-score">{esc(_score_text(score))}</td></tr>'
        )
    covered = [kp for kp in grade.key_points if kp.verdict == "covered"]
    partly = [kp for kp in grade.key_points if kp.verdict == "partly"]
    missed = [kp for kp in grade.key_points if kp.verdict == "missed"]

    def kp_items(items: list, mark: str) -> str:  # type: ignore[type-arg]
        out = []
        for kp in items:
            quote = f' <q class="fb-evidence">{esc(kp.evidence)}</q>' if kp.evidence else ""
            out.append(f'<li><span class="fb-mark">{mark}</span> {esc(kp.key_point)}{quote}</li>')
        return "".join(out)

    parts = [
        f'<div class="fb-card{" fb-pending" if pending else ""}" data-testid="feedback-card"'
        f' data-overall="{esc("" if grade.overall is None else grade.overall)}">',
        '<div class="fb-head">',
        f'<div class="fb-title">{esc(title or grade.question_id)}</div>',
        f'<div class="fb-overall">Overall <b class="fb-score">{esc(overall)}</b></div>',
        "</div>",
    ]
    if facts:
        parts.append(f'<p class="fb-meta fb-facts">{esc(facts)}</p>')
    # A guard's grade says in its message why it was not graded; the generic note of its flag
    # ("The answer seems off topic.") only repeated it less precisely.
    said = grade.grader.kind == "guard" and bool(grade.message)
    notes = (
        []
        if said
        else [
            _FLAG_NOTES[f]
            for f in grade.flags
            if f in _FLAG_NOTES and not (f in _SAID and _SAID[f] in grade.message)
        ]
    )
    if grade.message:
        notes.insert(0, grade.message)
    if notes:
        parts.append(
            '<div class="fb-notice">'
            + "".join(f"<p>{esc(n)}</p>" for n in dict.fromkeys(notes))
            + "</div>"
        )
    if not pending:
        parts.append('<table class="fb-criteria">' + "".join(rows) + "</table>")
        parts.append(_rationales(grade))
        # Covered, partly covered and missed under their own headings: one "Covered" heading
        # over ◐ items read as if they were covered.
        if covered:
            parts.append(f'<h4>Covered</h4><ul class="fb-covered">{kp_items(covered, "✓")}</ul>')
        if partly:
            parts.append(
                f'<h4>Partly covered</h4><ul class="fb-partly">{kp_items(partly, "◐")}</ul>'
            )
        if missed:
            missed_items = kp_items(missed, "✗")
            parts.append(f'<h4>Missed</h4><ul class="fb-missed">{missed_items}</ul>')
        if grade.factual_errors:
            parts.append(
                '<h4>Factual errors</h4><ul class="fb-errors">'
                + "".join(f"<li>{esc(e)}</li>" for e in grade.factual_errors)
                + "</ul>"
            )
        feedback = grade.feedback.strip()
        if grade.message and feedback.startswith(grade.message.strip()):
            # A guard's feedback opens with its reason, already the card's notice: the reason
            # read twice in a row ("The answer is too short to grade: ..." under both).
            feedback = feedback[len(grade.message.strip()) :].strip()
        if feedback:
            parts.append(f'<h4>Feedback</h4><p class="fb-feedback">{esc(feedback)}</p>')
        # A guard's follow-up is the question itself, to be asked again (the chat says so):
        # under "To go further" it read as a harder question, and after an exam as nonsense.
        if follow_up and grade.follow_up.strip() and grade.grader.kind != "guard":
            parts.append(f'<p class="fb-follow"><b>To go further:</b> {esc(grade.follow_up)}</p>')
    if grade.sources:
        items = _source_items(grade.sources)
        parts.append(
            f"<details><summary>Sources ({len(grade.sources)})</summary>"
            f'<ul class="fb-sources">{items}</ul></details>'
        )
    if answer:
        parts.append(_answers(answer, asked, follow_up_answer))
    if meta := _grader_line(grade):
        parts.append(f'<div class="fb-meta">{meta}</div>')
    parts.append("</div>")
    return "".join(parts)


def turn_facts(turn: TurnRecord, time_limit_s: float | None) -> str:
    """``Time 1.4 s (over the 1 s limit) · hints used: 1``, ``Time 50 s + 50 s follow-up · ...``,
    as the report says it: the card had neither, so an answer sent late or after hints looked
    like any other until the report."""
    taken = answer_time(
        turn.seconds_taken,
        turn.follow_up_seconds,
        limit=time_limit_s,
        over=turn.time_limit_exceeded,
    )
    return f"Time {taken} · hints used: {len(turn.hints)}"


def _answers(answer: str, asked: str, follow_up_answer: str | None) -> str:
    """The answer, and the follow-up with its answer: the card of a turn with a follow-up showed
    both answers run together under "Your answer", with the question it asked nowhere, so a
    5.0 after a first answer the chat had put at 1.2 read as the first answer's score."""
    first = f'<p class="fb-answer">{esc(answer)}</p>'
    if not asked:
        return f"<details><summary>Your answer</summary>{first}</details>"
    given = follow_up_answer is not None and follow_up_answer.strip()
    then = (
        f'<p class="fb-answer">{esc(follow_up_answer)}</p>'
        if given
        else '<p class="fb-muted">Not answered: this grade is of the first answer alone.</p>'
    )
    summary = "Your answer and follow-up answer" if given else "Your answer"
    return (
        f"<details><summary>{summary}</summary>{first}"
        f'<p class="fb-asked"><b>Follow-up:</b> {esc(asked)}</p>{then}</details>'
    )


def _grader_line(grade: Grade) -> str:
    """What produced the grade, as recorded (the report's footer had it, the card did not). A
    pending card read "Graded by llm · gpt-4o-mini" under "Overall pending"."""
    info = grade.grader
    if grade.status == "pending":
        # Kind "pending" names no grader: the session's stand-in when grading raised.
        if info.kind == "pending":
            return ""
        model = f" · {esc(info.model)}" if info.model else ""
        return f"No grade yet from {esc(info.kind)}{model}"
    meta = [f"Graded by {esc(info.kind)}"]
    meta += [esc(info.model)] if info.model else []
    meta += [f"prompt {esc(info.prompt_version)}"] if info.prompt_version else []
    if info.latency_ms:  # an offline grade takes ~0.04 s: "0.0 s" said nothing
        ms = info.latency_ms
        meta.append(f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s")
    return " · ".join(meta)


def _rationales(grade: Grade) -> str:
    """Each criterion's rationale, collapsed under the scores: the card gave "Depth 3.0 / 5" or
    "Coverage 2.5 / 5" with no word on why (the CLI's text output had the reasons). None for an
    answer the guards rejected: the notice says why, and each criterion only repeated it."""
    if grade.grader.kind == "guard":
        return ""
    items = [
        f'<dt>{esc(name.capitalize())}</dt><dd data-criterion="{name}">{esc(crit.rationale)}</dd>'
        for name in CRITERIA
        if (crit := grade.criterion(name)) is not None and crit.rationale.strip()
    ]
    if not items:
        return ""
    return (
        '<details class="fb-why"><summary>Why these scores</summary>'
        f'<dl class="fb-rationales">{"".join(items)}</dl></details>'
    )


def _source_items(sources: list[Citation]) -> str:
    """One list item per source; one with its passage opens on it. The card named a file and
    a heading ("gan-interview-notes.md › Mode collapse") that a candidate cannot open."""
    out = []
    for src in sources:
        if src.excerpt:
            out.append(
                f"<li><details><summary>{esc(src.label())}</summary>"
                f'<blockquote class="fb-excerpt">{esc(src.excerpt)}</blockquote></details></li>'
            )
        else:
            out.append(f"<li>{esc(src.label())}</li>")
    return "".join(out)


def sources_html(grade: Grade | None) -> str:
    """The cited sources of a grade (and its model answer) for the expandable section."""
    if grade is None:
        return '<p class="fb-muted">Sources appear here after your first graded answer.</p>'
    items = _source_items(grade.sources)
    out = [
        f'<ul class="fb-sources">{items}</ul>'
        if items
        else '<p class="fb-muted">No sources were cited for this answer.</p>'
    ]
    if grade.model_answer:
        out.append(f"<h4>Model answer</h4><p>{esc(grade.model_answer)}</p>")
    return "".join(out)
