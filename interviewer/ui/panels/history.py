"""History tab: the sessions this browser took part in, their feedback, attempts over time.

Only sessions whose ids this browser holds (kept in its local storage when a session starts or
is resumed) or that the candidate pastes by id are listed: ids are unguessable, names are not,
so a name never opens someone else's sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import gradio as gr

from interviewer.errors import InterviewerError
from interviewer.grading.rubric import mean_score
from interviewer.reports import distinct_times, with_rejected_first_answer
from interviewer.store.repository import GradeRecord, TurnRecord, is_session_id
from interviewer.ui.panels._access import EXAM_IN_PROGRESS, exam_in_progress, exam_running
from interviewer.ui.render import esc, feedback_card, turn_facts
from interviewer.ui.services import Services

__all__ = [
    "HistoryPanel",
    "follow_up_open_card",
    "known_session_rows",
    "render",
    "session_feedback_html",
    "wire",
]

MAX_KNOWN = 50
_STATE_LABELS = {
    "greeting": "not started",
    "asking": "in progress",
    "follow_up": "in progress",
    "grading": "in progress",
    "finished": "finished",
}
_COLUMNS = ["Started (UTC)", "Session", "Candidate", "Status", "Answered", "Mean of graded"]
_ATTEMPT_COLUMNS = ["Answered (UTC)", "Session", "Score", "Key points covered", "Hints"]
_AFTER_EXAM = "after the exam"  # what History shows of an exam still running
# An attempt's time to the minute, or to the second when two were answered in the same minute.
_ANSWERED = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


@dataclass
class HistoryPanel:
    """Components of the History tab."""

    refresh: gr.Button
    table: gr.Dataframe
    session_id: gr.Textbox
    resume: gr.Button
    open_feedback: gr.Button
    feedback: gr.HTML
    question: gr.Dropdown
    attempts: gr.Dataframe
    trend: gr.Markdown


def render() -> HistoryPanel:
    """Lay out the History tab (inside an open ``gr.Tab``)."""
    gr.Markdown(
        "Sessions started in this browser. Paste a session id (or open its link) to add one "
        "from elsewhere."
    )
    with gr.Row():
        refresh = gr.Button("Refresh", size="sm", scale=0, min_width=100)
    table = gr.Dataframe(
        headers=_COLUMNS, value=[], interactive=False, wrap=False, elem_id="history-table"
    )
    with gr.Row(equal_height=False):
        session_id = gr.Textbox(
            label="Session id",
            placeholder="paste an id, or click a row above",
            scale=3,
            elem_id="history-session-id",
        )
        with gr.Column(scale=2, min_width=260):
            resume = gr.Button("Resume in Interview tab", variant="primary", size="md")
            open_feedback = gr.Button("Show feedback", size="md", elem_id="history-open-feedback")
    feedback = gr.HTML(elem_classes=["history-cards"], elem_id="history-feedback")
    gr.Markdown("### Attempts at the same question over time")
    question = gr.Dropdown(
        label="Question", choices=[], interactive=True, elem_id="history-question"
    )
    attempts = gr.Dataframe(
        headers=_ATTEMPT_COLUMNS,
        value=[],
        interactive=False,
        wrap=False,
        elem_id="history-attempts",
    )
    trend = gr.Markdown(elem_id="history-trend")
    return HistoryPanel(
        refresh, table, session_id, resume, open_feedback, feedback, question, attempts, trend
    )


_NEVER = datetime.min.replace(tzinfo=UTC)  # an answer without a time sorts first


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else ""


def known_session_rows(services: Services, known: list[str] | None) -> list[list[object]]:
    """Table rows for the sessions this browser knows, newest first."""
    rows: list[tuple[object, list[object]]] = []
    for session_id in list(dict.fromkeys(known or []))[:MAX_KNOWN]:
        record = services.repository.find_session(session_id)
        if record is None:
            continue
        turns = services.repository.turns(session_id)
        grades = services.repository.session_grades(session_id)
        # A question whose follow-up is open has its first answer's grade stored, but its card
        # and the report wait for the follow-up: counted here, its score showed as the mean.
        waiting = {t.id for t in turns if record.holds_back(t.status)}
        scores = [
            g.overall
            for turn_id, g in grades.items()
            if turn_id not in waiting and g.status == "graded" and g.overall is not None
        ]
        answered = sum(1 for t in turns if t.answer is not None)
        mean = _mean_cell(scores, _pending(turns, grades))
        if exam_running(record):  # an exam's scores come at its end, here as everywhere
            mean = _AFTER_EXAM
        rows.append(
            (
                record.created_at,
                [
                    _when(record.created_at),
                    record.id,
                    record.candidate or "",
                    _STATE_LABELS.get(record.state, record.state),
                    f"{answered} of {len(record.question_ids)}",
                    mean,
                ],
            )
        )
    rows.sort(key=lambda r: str(r[0]), reverse=True)
    return [r[1] for r in rows]


def _pending(turns: list[TurnRecord], grades: dict[int, GradeRecord]) -> int:
    """Answers sent and not graded yet (the LLM was down, or the grade is under way)."""
    return sum(
        1
        for t in turns
        if t.answer is not None and (t.id not in grades or grades[t.id].status == "pending")
    )


def _mean_cell(scores: list[float], pending: int) -> str:
    """The mean of the graded answers, and how many wait for a grade: a session whose answers
    were all pending read "–", as if none had been sent."""
    mean = "" if (value := mean_score(scores)) is None else f"{value:.1f}"
    waiting = f"{pending} pending" if pending else ""
    if mean and waiting:
        return f"{mean} ({waiting})"
    return mean or waiting or "–"


def _turn_grades(
    services: Services, session_id: str
) -> list[tuple[TurnRecord, GradeRecord | None]]:
    turns = services.repository.turns(session_id)
    grades = services.repository.session_grades(session_id)
    return [(t, grades.get(t.id) if t.id is not None else None) for t in turns]


def follow_up_open_card(title: str, *, where: str = "") -> str:
    """The card of a question whose follow-up is still open: its feedback waits for the
    follow-up answer. Shown beside the follow-up, the card listed the missed key point the
    follow-up asks about, word for word; pasted back as the follow-up answer, q01's grade went
    from 0.0 to 3.0. ``where``: where Skip is, when not on the same page."""
    return (
        f'<div class="fb-card"><div class="fb-title">{esc(title)}</div>'
        '<p class="fb-muted">Feedback on this question comes after your answer to its '
        f"follow-up, or press Skip{esc(where)} to see it without one.</p></div>"
    )


def skipped_card(title: str) -> str:
    """The card of a skipped question."""
    return (
        f'<div class="fb-card"><div class="fb-title">{esc(title)}</div>'
        '<p class="fb-muted">Skipped.</p></div>'
    )


def unanswered_card(title: str) -> str:
    """The card of the question on screen when the interview ended: said as the chat's summary
    and the report say it (without it, the cards showed one question fewer than the summary)."""
    return (
        f'<div class="fb-card"><div class="fb-title">{esc(title)}</div>'
        '<p class="fb-muted">Not answered: the interview ended before an answer was '
        "sent.</p></div>"
    )


def session_feedback_html(services: Services, session_id: str) -> str:
    """Every asked question of a session as feedback cards (the one on screen of a live
    session left out)."""
    record = services.repository.get_session(session_id)
    cards = [
        f'<p class="fb-muted">Session {esc(record.id)} · {esc(record.state)}'
        f"{' · ' + esc(record.candidate) if record.candidate else ''}</p>"
    ]
    for turn, stored in _turn_grades(services, session_id):
        title = f"Question {turn.position + 1} · {turn.question_text}"
        # As the report says it: the card showed only the retry's grade, and nothing of the
        # first answer the guards rejected before the question was asked again.
        grade = with_rejected_first_answer(services.repository, turn, stored)
        if turn.status == "skipped":
            cards.append(skipped_card(title))
        elif record.holds_back(turn.status):
            cards.append(follow_up_open_card(title, where=" in the Interview tab"))
        elif grade is not None:
            cards.append(
                feedback_card(
                    grade.grade,
                    title=title,
                    answer=turn.answer or "",
                    follow_up=bool(record.config.get("follow_ups", True)),
                    asked=turn.follow_up_question or "",
                    follow_up_answer=turn.follow_up_answer,
                    facts=turn_facts(turn, record.time_limit_s),
                )
            )
        elif turn.answer is not None:
            cards.append(
                f'<div class="fb-card fb-pending"><div class="fb-title">{esc(title)}</div>'
                '<p class="fb-muted">Answered; the grade is pending.</p></div>'
            )
        elif record.ended:
            cards.append(unanswered_card(title))
    if len(cards) == 1:
        cards.append('<p class="fb-muted">No answers yet in this session.</p>')
    return "".join(cards)


def _attempt_choices(services: Services, known: list[str]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for session_id in filter(is_session_id, known[:MAX_KNOWN]):
        for turn in services.repository.turns(session_id):
            if turn.answer is not None:
                seen.setdefault(turn.question_id, turn.question_text)
    return [(f"{qid} · {text[:70]}", qid) for qid, text in seen.items()]


def attempts_rows(
    services: Services, known: list[str], question_id: str
) -> tuple[list[list[object]], str]:
    """Rows comparing this browser's attempts at one question, oldest first, and a trend line."""
    # (answered at, row, score): sorted by the time itself, so the trend runs oldest to newest;
    # it read scores in the order of this browser's sessions (newest first) and printed
    # "From 1.7 to 4.6 (up)" when the newest attempt was the 1.7.
    attempts: list[tuple[datetime | None, list[object], float | None]] = []
    for session_id in known[:MAX_KNOWN]:
        record = services.repository.find_session(session_id)
        if record is None:
            continue  # deleted, or a damaged id in the browser's list
        running = exam_running(record)
        for turn, grade in _turn_grades(services, session_id):
            if turn.question_id != question_id or turn.answer is None:
                continue
            # An exam's grade stays hidden until it ends: its score and key points showed here
            # mid-exam ("Score 3.1 · 1 of 6").
            shown = None if running else grade
            if running:
                score = _AFTER_EXAM
            elif shown is None or shown.overall is None:
                score = "pending"
            else:
                score = f"{shown.overall:.1f}"
            covered = ""
            if shown is not None and shown.grade.key_points:
                kps = shown.grade.key_points
                covered = f"{sum(k.verdict == 'covered' for k in kps)} of {len(kps)}"
            overall = shown.overall if shown is not None else None
            row: list[object] = ["", session_id, score, covered, len(turn.hints)]
            attempts.append((turn.answered_at, row, overall))
    attempts.sort(key=lambda a: a[0] or _NEVER)
    # Two attempts in one minute both read "04:46": the time then goes to the second.
    for (_, row, _), when in zip(
        attempts, distinct_times([a[0] for a in attempts], _ANSWERED), strict=True
    ):
        row[0] = when
    scores = [a[2] for a in attempts if a[2] is not None]
    trend = ""
    if len(scores) >= 2:
        delta = scores[-1] - scores[0]
        word = "up" if delta > 0 else "down" if delta < 0 else "unchanged"
        first, last = scores[0], scores[-1]
        trend = f"From **{first:.1f}** to **{last:.1f}** over {len(scores)} attempts ({word})."
    return [a[1] for a in attempts], trend


def wire(
    panel: HistoryPanel, services: Services, known: gr.BrowserState, tab: gr.Tab | None = None
) -> None:
    """Attach the History tab's events (the list refreshes when ``tab`` is opened)."""

    def refresh(ids: list[str] | None) -> tuple[Any, Any]:
        ids = list(ids or [])
        try:
            return known_session_rows(services, ids), gr.Dropdown(
                choices=_attempt_choices(services, ids)
            )
        except InterviewerError as exc:  # the database is down: a toast, the list stays
            gr.Warning(esc(exc.public))
            return gr.skip(), gr.skip()

    def pick_row(evt: gr.SelectData, table: object) -> str:
        try:
            row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
            return str(table.iloc[row, 1])  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - a click outside a row just does nothing
            return gr.skip()

    def show(session_id: str, ids: list[str] | None) -> tuple[str, object]:
        # Told in the feedback area: raised, each put a red "Error" toast on the page and a
        # traceback in the server's log for a slip of the candidate.
        session_id = (session_id or "").strip()
        if not session_id:
            return _notice("Paste a session id first (it is shown above the chat)."), gr.skip()
        if not is_session_id(session_id):
            # Not echoed, as on the Interview tab: a pasted text can hold anything.
            return _notice(
                "That is not a valid session id: copy the whole id shown above the chat "
                "(letters, digits, - and _)."
            ), gr.skip()
        try:
            if exam_in_progress(services.repository, session_id):
                return _notice(EXAM_IN_PROGRESS), gr.skip()
            html_cards = session_feedback_html(services, session_id)
        except InterviewerError as exc:
            return _notice(exc.public), gr.skip()
        return html_cards, remember(ids, session_id)

    def compare(question_id: str | None, ids: list[str] | None) -> tuple[list[list[object]], str]:
        if not question_id:
            return [], ""
        try:
            return attempts_rows(services, list(ids or []), question_id)
        except InterviewerError as exc:
            return [], f"⚠️ {esc(exc.public)}"

    # Queued: only a queued event shows its toast (the database-down notice of refresh).
    panel.refresh.click(refresh, [known], [panel.table, panel.question])
    if tab is not None:
        tab.select(refresh, [known], [panel.table, panel.question])
    panel.table.select(pick_row, [panel.table], [panel.session_id], queue=False)
    panel.open_feedback.click(show, [panel.session_id, known], [panel.feedback, known])
    panel.question.change(compare, [panel.question, known], [panel.attempts, panel.trend])


def _notice(text: str) -> str:
    return f'<p class="fb-notice" data-testid="history-notice">{esc(text)}</p>'


def remember(ids: list[str] | None, session_id: str) -> list[str]:
    """Add a session id to the browser's list (newest first, bounded)."""
    out = [session_id] + [i for i in (ids or []) if i != session_id]
    return out[:MAX_KNOWN]
