"""Report tab: a session's feedback report on screen and as HTML, PDF, Markdown and JSON files.

Candidates open their own sessions: the ones this browser started (kept in its local storage
by the Interview tab) or one whose unguessable id they paste. The hiring team signs in with
the team password to pick any candidate's session. While answers are still being graded the
report refreshes itself every few seconds until every grade is in.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from interviewer.errors import InterviewerError
from interviewer.reports import FORMATS, ReportData, build_report, render_html, render_report
from interviewer.ui.panels._access import (
    EXAM_IN_PROGRESS,
    SignInBox,
    client_address,
    exam_in_progress,
    render_sign_in,
    sign_in_as,
    team_pages_enabled,
    wire_sign_in,
)
from interviewer.ui.refusal import refuse
from interviewer.ui.render import esc
from interviewer.ui.services import Services

__all__ = ["ReportPanel", "render", "report_frame", "session_choices", "wire", "write_report_files"]

REFRESH_SECONDS = 5.0
KNOWN_KEY = "interviewer-sessions"  # the Interview tab's browser storage of session ids


@dataclass
class ReportPanel:
    """Components of the Report tab."""

    known: gr.BrowserState
    mine: gr.Dropdown
    session_id: gr.Textbox
    show: gr.Button
    status: gr.Markdown
    view: gr.HTML
    downloads: dict[str, gr.DownloadButton]
    timer: gr.Timer
    shown: gr.State
    login: SignInBox
    sign_in_status: gr.Markdown
    everyone: gr.Dropdown
    team: gr.State
    team_intro: gr.Markdown


def write_report_files(
    services: Services,
    session_id: str,
    folder: Path | None = None,
    data: ReportData | None = None,
    trend_among: Collection[str] | None = None,
) -> tuple[ReportData, dict[str, Path]]:
    """Build a session's report and write it in every format.

    Args:
        services: The app's services.
        session_id: The session.
        folder: Where to write (default: one temporary folder per session, overwritten).
        data: The report content when already built.
        trend_among: The other sessions the trend may show (see ``build_report``).

    Returns:
        The report content and the file of each format (``html``, ``pdf``, ``md``, ``json``).

    Raises:
        SessionError: No such session.
    """
    data = data or build_report(
        services.repository, session_id, services.settings, trend_among=trend_among
    )
    digest = hashlib.sha256(session_id.encode()).hexdigest()[:16]
    folder = folder or Path(tempfile.gettempdir()) / "interviewer-reports" / digest
    folder.mkdir(parents=True, exist_ok=True)
    short = session_id[:12]
    files: dict[str, Path] = {}
    for fmt, (ext, _) in FORMATS.items():
        path = folder / f"interview-report-{short}{ext}"
        path.write_bytes(render_report(data, fmt))
        files[fmt] = path
    return data, files


def report_frame(data: ReportData) -> str:
    """The HTML report inside a sandboxed iframe: its styles cannot leak into the app, and
    no script can run in it."""
    return (
        '<iframe class="report-frame" title="Feedback report" sandbox="" '
        f'srcdoc="{esc(render_html(data))}" '
        # The app's container shrinks to its content: a minimum width keeps the report (a
        # 920 px page) from being squeezed into a narrow column with its charts shrunk.
        # On a phone the frame's left edge sits ~44 px in: 94vw ran past the right edge.
        # Never taller than the screen: at 1400 px, a phone showed a frame taller than itself,
        # scrolling inside a page that scrolled too, and neither end of the frame in sight.
        'style="width:100%;min-width:min(1000px,calc(100vw - 64px));'
        "height:max(420px,min(1400px,calc(100vh - 96px)));"
        'border:1px solid var(--border-color-primary);border-radius:10px;background:#fff">'
        "</iframe>"
    )


def session_choices(services: Services, ids: list[str] | None) -> list[tuple[str, str]]:
    """Dropdown choices (label, id) for the given session ids, newest first; unknown ids dropped."""
    rows = []
    for session_id in dict.fromkeys(ids or []):
        record = services.repository.find_session(session_id)
        if record is not None:
            rows.append(record)
    rows.sort(key=lambda r: r.created_at, reverse=True)
    return [(_label(r.created_at, r.candidate, r.id), r.id) for r in rows]


def _label(created: object, candidate: str | None, session_id: str) -> str:
    # UTC, as the report it opens says (and History's columns): without a zone, local time.
    when = created.strftime("%Y-%m-%d %H:%M UTC") if hasattr(created, "strftime") else ""
    return f"{when} · {candidate or 'anonymous'} · {session_id[:8]}…"


def _shared_known() -> gr.BrowserState:
    """The Interview tab's browser storage of session ids, reused as an input here.

    A BrowserState encrypts its value with a secret of its own, so a second component with the
    same storage key could not read it: the existing component is looked up in the app being
    built, and a fresh one is made only when the app has none (the panel used on its own).
    """
    from gradio.context import get_blocks_context

    context = get_blocks_context()
    if context is not None:
        for block in context.blocks.values():
            if isinstance(block, gr.BrowserState) and block.storage_key == KNOWN_KEY:
                return block
    return gr.BrowserState([], storage_key=KNOWN_KEY)


def render(services: Services) -> ReportPanel:
    """Lay out the Report tab (inside an open ``gr.Tab``)."""
    known = _shared_known()
    gr.Markdown("Open the feedback report of one of your sessions, then download it in any format.")
    with gr.Row(equal_height=True):
        mine = gr.Dropdown(
            label="Your sessions (this browser)", choices=[], scale=3, elem_id="report-mine"
        )
        session_id = gr.Textbox(
            label="…or paste a session id", scale=3, elem_id="report-session-id"
        )
        show = gr.Button("Show report", variant="primary", scale=1, elem_id="report-show")
    status = gr.Markdown(elem_id="report-status")
    with gr.Row():
        downloads = {
            fmt: gr.DownloadButton(
                f"Download {label}", visible=False, size="sm", elem_id=f"report-download-{fmt}"
            )
            for fmt, label in (
                ("pdf", "PDF"),
                ("html", "HTML"),
                ("md", "Markdown"),
                ("json", "JSON"),
            )
        }
    view = gr.HTML(elem_id="report-view")
    timer = gr.Timer(REFRESH_SECONDS, active=False)
    with gr.Accordion("Hiring team", open=False, elem_id="report-team"):
        enabled = team_pages_enabled(services.settings)
        team_intro = gr.Markdown(
            "Sign in as the hiring team to open any candidate's report."
            if enabled
            # A candidate reads this tab: not the server's settings (the docs name them).
            else "Opening any candidate's report is for the hiring team and is not enabled on "
            "this server.",
            elem_id="report-team-intro",
        )
        with gr.Row(equal_height=True):
            login = render_sign_in("report", settings=services.settings)
        sign_in_status = gr.Markdown(elem_id="report-sign-in-status")
        everyone = gr.Dropdown(
            label="All sessions", choices=[], visible=False, elem_id="report-everyone"
        )
    team = gr.State("")  # who signed in ("" = nobody), kept on the server
    return ReportPanel(
        known,
        mine,
        session_id,
        show,
        status,
        view,
        downloads,
        timer,
        gr.State(""),
        login,
        sign_in_status,
        everyone,
        team,
        team_intro,
    )


def wire(panel: ReportPanel, services: Services) -> None:
    """Connect the Report tab's events."""
    outputs = [panel.status, panel.view, *panel.downloads.values(), panel.timer, panel.shown]

    def check_show(
        session_id: str, known: list[str] | None, shown: str, team: str = ""
    ) -> list[object]:
        """Gradio's validator of Show: a missing id or an exam still running is told at the id
        box. Raised from the step, it left a red "Error" badge on the page and a traceback in
        the server's log for a slip of the candidate."""
        try:
            problem = show_problem(session_id, team)
        except InterviewerError as exc:  # the database is down: told at the id box too
            problem = exc.public
        return [gr.validate(not problem, problem), *(gr.validate(True, "") for _ in range(3))]

    def show_problem(session_id: str, team: str) -> str:
        """Why a session's report cannot be shown here, or ''."""
        session_id = (session_id or "").strip()
        if not session_id:
            return "Pick one of your sessions or paste a session id."
        if not team and exam_in_progress(services.repository, session_id):
            return EXAM_IN_PROGRESS
        if services.repository.find_session(session_id) is None:
            # Told at the id box: raised from Show it put "Error" badges on the page, and the
            # store's message sent a candidate to a command line (`interviewer sessions list`).
            return "No interview session with that id: check the link or the id you pasted."
        return ""

    def among(known: list[str] | None, team: str) -> list[str] | None:
        """The sessions a report's trend may show: the team sees every one under the name, a
        candidate those of this browser."""
        return None if team else list(known or [])

    def show(session_id: str, known: list[str] | None, shown: str, team: str = "") -> list[object]:
        session_id = (session_id or "").strip()
        try:
            data, files = write_report_files(services, session_id, trend_among=among(known, team))
        except InterviewerError as exc:
            raise refuse(esc(exc.public)) from None
        return _outputs(data, files)

    def refresh(
        session_id: str, known: list[str] | None, shown: str, team: str = ""
    ) -> list[object]:
        session_id = (session_id or "").strip()
        unchanged = [gr.update()] * (len(outputs) - 2)
        # The box may hold an id typed since: the tick refreshed that session's report in
        # place of the one shown, without Show.
        if not shown.startswith(f"{session_id}:"):
            return [*unchanged, gr.Timer(active=False), shown]
        try:
            if show_problem(session_id, team):
                return [*unchanged, gr.Timer(active=False), shown]
            data = build_report(
                services.repository,
                session_id,
                services.settings,
                trend_among=among(known, team),
            )
        except InterviewerError:
            # The database is down: the next tick tries again (the tick's failure had put an
            # "Error" badge beside "this page refreshes until they are done").
            return [*unchanged, gr.Timer(active=True), shown]
        if _fingerprint(data) == shown:
            # Nothing graded since the last look: skip re-rendering the PDF every tick.
            return [*unchanged, gr.Timer(active=data.pending > 0), shown]
        return _outputs(*write_report_files(services, session_id, data=data))

    def sign_in(
        password: str, name: str = "", request: gr.Request | None = None
    ) -> tuple[str, str, object, object]:
        who, message = sign_in_as(
            services.settings, password or "", name or "", client=client_address(request)
        )
        # The invitation to sign in goes with the form: it stayed above "Signed in as ...".
        intro = gr.Markdown(visible=not who)
        if not who:
            return esc(message), "", gr.update(visible=False, choices=[]), intro
        listings = services.repository.list_sessions(limit=500)
        choices = [
            (
                _label(item.session.created_at, item.session.candidate, item.session.id)
                + (f" · {item.mean_overall:.1f}/5" if item.mean_overall is not None else ""),
                item.session.id,
            )
            for item in listings
        ]
        if not choices:  # an empty list under "All sessions" read like a list that failed
            message += (
                " No interview sessions are stored yet: each one is listed here once started."
            )
        return esc(message), who, gr.update(visible=True, choices=choices, value=None), intro

    def load_mine(known: list[str] | None) -> object:
        try:
            return gr.update(choices=session_choices(services, known), value=None)
        except InterviewerError:  # the database is down: the list stays as it was
            return gr.skip()

    panel.mine.focus(load_mine, [panel.known], [panel.mine], queue=False)

    def cleared(status: str) -> list[object]:
        """The outputs with nothing of a shown report left: ``status``, no report, no
        downloads, no refresh."""
        hidden = [gr.DownloadButton(visible=False) for _ in panel.downloads]
        return [status, "", *hidden, gr.Timer(active=False), ""]

    def pick(sid: str | None, known: list[str] | None, shown: str, team: str = "") -> list[object]:
        """A session picked from a list is shown at once. Picking only filled the id box, and
        the report below (and its downloads) still showed the previous session."""
        if not sid:
            return [gr.update()] * (len(outputs) + 1)
        try:
            message = show_problem(sid, team) or ""
            if not message:
                files = write_report_files(services, sid, trend_among=among(known, team))
                return [sid, *_outputs(*files)]
        except InterviewerError as exc:
            message = exc.public
        # Nothing of the previously shown session may stay on the page.
        gr.Warning(esc(message))
        return [sid, *cleared(esc(message))]

    def typed(session_id: str, shown: str) -> list[object]:
        """Another id in the box: the report below belongs to another session until Show, so
        it goes (it stayed, with the old session's downloads, under the new id)."""
        session_id = (session_id or "").strip()
        # Nothing shown, or this session's report (a pick or Open report sets both).
        if not shown or shown.startswith(f"{session_id}:"):
            return [gr.skip()] * len(outputs)
        # No status of its own: "Press Show" stayed beside the id box's "No interview session
        # with that id" once Show had refused the id (a validator sets no outputs).
        return cleared("")

    inputs = [panel.session_id, panel.known, panel.shown, panel.team]
    panel.session_id.change(
        typed,
        [panel.session_id, panel.shown],
        outputs,
        queue=False,
        show_progress="hidden",
        api_visibility="private",
    )
    for listing in (panel.mine, panel.everyone):
        listing.change(
            pick,
            [listing, panel.known, panel.shown, panel.team],
            [panel.session_id, *outputs],
            concurrency_limit=4,
            api_visibility="private",
        )
    panel.show.click(show, inputs, outputs, validator=check_show, concurrency_limit=4)
    panel.session_id.submit(show, inputs, outputs, validator=check_show, concurrency_limit=4)
    panel.timer.tick(refresh, inputs, outputs, concurrency_limit=4, show_progress="hidden")

    def sign_out() -> list[object]:
        # Nothing the team opened stays on the screen: no list, no id, no report.
        everyone = gr.Dropdown(visible=False, choices=[], value=None)
        return ["Signed out.", "", everyone, gr.Markdown(visible=True), "", *cleared("")]

    team_outputs = [panel.sign_in_status, panel.team, panel.everyone, panel.team_intro]
    wire_sign_in(
        panel.login,
        sign_in,
        team_outputs,
        team=panel.team,
        sign_out=(sign_out, [*team_outputs, panel.session_id, *outputs]),
    )


def _outputs(data: ReportData, files: dict[str, Path]) -> list[object]:
    pending = data.pending
    score = "–" if data.overall is None else f"{data.overall:.1f} / 5"
    status = f"**Overall {score}** · {data.questions_line} · {data.graded} graded"
    if pending:
        status += f" · {pending} still being graded: this page refreshes until they are done"
    buttons = [
        gr.DownloadButton(value=str(files[fmt]), visible=True)
        for fmt in ("pdf", "html", "md", "json")
    ]
    return [status, report_frame(data), *buttons, gr.Timer(active=pending > 0), _fingerprint(data)]


def _fingerprint(data: ReportData) -> str:
    """Whose report is shown and what it says, without its generation time."""
    content = data.model_dump_json(exclude={"generated_at"})
    return f"{data.session_id}:{hashlib.sha256(content.encode()).hexdigest()}"
