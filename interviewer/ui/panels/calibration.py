"""Calibration tab (hiring team only): upload interviewers' scores, see how the automatic grader
agrees with them, which questions misbehave, and download the report.

The tab is locked until the team password (``INTERVIEWER_ADMIN_PASSWORD``) is entered; the
sign-in lasts for this browser tab only.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from interviewer.calibration import (
    DISCRIMINATION_NOTE,
    CalibrationResult,
    calibrate,
    discrimination_text,
    interval_text,
    load_human_scores,
    session_scores,
)
from interviewer.errors import InterviewerError
from interviewer.reports.calibration import (
    agreement_chart,
    histograms_chart,
    render_calibration_html,
    scatter_chart,
)
from interviewer.ui.panels import bank as bank_panel
from interviewer.ui.panels._access import (
    SignInBox,
    client_address,
    render_sign_in,
    sign_in_as,
    team_pages_enabled,
    wire_sign_in,
)
from interviewer.ui.refusal import refuse
from interviewer.ui.render import esc
from interviewer.ui.services import Services

__all__ = ["CalibrationPanel", "question_rows", "render", "wire"]

QUESTION_COLUMNS = [
    "Question",
    "n",
    "QWK",
    "Pearson / Spearman",
    "MAE",
    "Bias",
    "α humans",
    "Mean",
    "SD",
    "Difficulty",
    "Discr.",
    "Flags",
]
# Figures need a few characters each; without set widths the question text took the whole
# row and the headers broke mid-word.
QUESTION_WIDTHS: list[str | int] = [
    "21%",
    "4%",
    "6%",
    "10%",
    "6%",
    "6%",
    "7%",
    "6%",
    "5%",
    "9%",
    "6%",
    "14%",
]
FLAG_COLUMNS = ["Question", "Flag", "Why", "Suggested action"]
RATER_COLUMNS = [
    "Interviewer",
    "Scores",
    "Shared answers",
    "Bias vs others",
    "MAE vs others",
    "Grader − interviewer",
]
PROBLEM_COLUMNS = ["Line", "Reason"]


@dataclass
class CalibrationPanel:
    """Components of the Calibration tab."""

    login: SignInBox
    sign_in_status: gr.Markdown
    content: gr.Column
    upload: gr.File
    repeat: gr.Slider
    include_sessions: gr.Checkbox
    run: gr.Button
    summary: gr.Markdown
    plots: gr.HTML
    flags: gr.Dataframe
    questions: gr.Dataframe
    raters: gr.Dataframe
    problems: gr.Dataframe
    download_html: gr.DownloadButton
    download_json: gr.DownloadButton
    team: gr.State
    bank: bank_panel.BankPanel


def render(services: Services) -> CalibrationPanel:
    """Lay out the Calibration tab (inside an open ``gr.Tab``)."""
    enabled = team_pages_enabled(services.settings)
    with gr.Row(equal_height=True, elem_id="calibration-login"):
        login = render_sign_in("calibration", settings=services.settings)
    sign_in_status = gr.Markdown(
        "For the hiring team: sign in to calibrate the grader."
        if enabled
        # Which setting enables it is in the docs: a visitor is not told the server's settings.
        else "Calibration is for the hiring team and is not enabled on this server.",
        elem_id="calibration-sign-in-status",
    )
    with gr.Column(visible=False, elem_id="calibration-content") as content:
        gr.Markdown(
            "Upload interviewers' scores as **CSV or JSONL** with the columns `question_id` or "
            "`question` (a bank question's text; case, spacing, punctuation, quote and dash "
            "style may differ), `answer`, `rater`, `score` (0-5), and optionally `candidate` "
            "(needed for discrimination) and `reference_answer` (for a question outside the "
            "bank). Bad rows are listed by line; good rows are used.",
            elem_id="calibration-instructions",
        )
        with gr.Row(equal_height=True):
            upload = gr.File(
                label="Scores file",
                file_types=[".csv", ".jsonl", ".ndjson", ".json"],
                type="filepath",
                scale=3,
                elem_id="calibration-upload",
            )
            with gr.Column(scale=2):
                repeat = gr.Slider(
                    1, 5, value=1, step=1, label="Grade a sample N times (grader consistency)"
                )
                include_sessions = gr.Checkbox(
                    True, label="Include graded interview sessions in the item statistics"
                )
                run = gr.Button("Run calibration", variant="primary", elem_id="calibration-run")
        summary = gr.Markdown(elem_id="calibration-summary")
        with gr.Row():
            download_html = gr.DownloadButton(
                "Download report (HTML)",
                visible=False,
                size="sm",
                elem_id="calibration-download-html",
            )
            download_json = gr.DownloadButton(
                "Download figures (JSON)",
                visible=False,
                size="sm",
                elem_id="calibration-download-json",
            )
        plots = gr.HTML(elem_id="calibration-plots")
        gr.Markdown("### Questions to look at")
        flags = gr.Dataframe(
            headers=FLAG_COLUMNS,
            value=[],
            interactive=False,
            wrap=True,
            column_widths=["22%", "12%", "40%", "26%"],
            elem_id="calibration-flags",
        )
        gr.Markdown("### Per question")
        questions = gr.Dataframe(
            headers=QUESTION_COLUMNS,
            value=[],
            interactive=False,
            wrap=True,
            column_widths=QUESTION_WIDTHS,
            elem_id="calibration-questions",
        )
        gr.Markdown(DISCRIMINATION_NOTE, elem_id="calibration-discrimination-note")
        gr.Markdown("### Interviewers")
        raters = gr.Dataframe(
            headers=RATER_COLUMNS, value=[], interactive=False, elem_id="calibration-raters"
        )
        gr.Markdown("### Import problems")
        problems = gr.Dataframe(
            headers=PROBLEM_COLUMNS,
            value=[],
            interactive=False,
            wrap=True,
            elem_id="calibration-problems",
        )
        bank = bank_panel.render(services)
    team = gr.State("")  # who signed in ("" = nobody), kept on the server
    return CalibrationPanel(
        login,
        sign_in_status,
        content,
        upload,
        repeat,
        include_sessions,
        run,
        summary,
        plots,
        flags,
        questions,
        raters,
        problems,
        download_html,
        download_json,
        team,
        bank,
    )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _f(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def question_rows(result: CalibrationResult) -> list[list[object]]:
    """Rows of the per-question table."""
    return [
        [
            f"{q.question_id}: {_short(q.text)}",
            q.n,
            _f(q.qwk),
            f"{_f(q.pearson)} / {_f(q.spearman)}",
            _f(q.mae),
            _f(q.bias, True),
            _f(q.alpha),
            _f(q.items.mean),
            _f(q.items.sd),
            _f(q.items.difficulty),
            discrimination_text(q.items),
            ", ".join(f.code.replace("_", " ") for f in q.flags),
        ]
        for q in result.questions
    ]


def _summary(result: CalibrationResult) -> str:
    o = result.overall
    lines = [
        f"**{o.answers} answer{'' if o.answers == 1 else 's'}**, {o.ratings} score"
        f"{'' if o.ratings == 1 else 's'} by {o.raters} interviewer(s), "
        f"{len(result.questions)} question(s); grader: {esc(result.grader)}.",
        "",
        f"Grader vs interviewers: **QWK {_f(o.qwk)}**{interval_text(o.qwk_interval)} · "
        f"Pearson {_f(o.pearson)} · "
        f"Spearman {_f(o.spearman)} · MAE {_f(o.mae)} · bias {_f(o.bias, True)} (n = {o.n}).",
        "",
        f"Interviewers among themselves: **Krippendorff's α {_f(o.alpha)}** · two interviewers "
        f"differ by {_f(o.human_mad)} points on the same answer."
        if o.human_mad is not None
        else "Interviewers among themselves: not measured, as no answer was scored by two "
        "interviewers. Have a second interviewer score some of the same answers to see whether "
        "the grader disagrees with you more than you disagree with each other.",
    ]
    if o.pending:
        lines += ["", f"{o.pending} answer(s) could not be graded automatically and are left out."]
    if result.problems:
        lines += ["", f"{len(result.problems)} row(s) rejected: see *Import problems* below."]
    return "\n".join(lines)


def _failed(message: str, problems: list[list[object]] | None = None) -> list[object]:
    """Outputs of a run that could not calibrate: earlier results cleared, the reason shown
    (and as a toast), the rejected rows listed."""
    gr.Warning(esc(message))
    return [
        f"**⚠ {esc(message)}**",
        "",
        [],
        [],
        [],
        problems or [],
        gr.DownloadButton(value=None, visible=False),
        gr.DownloadButton(value=None, visible=False),
    ]


def wire(panel: CalibrationPanel, services: Services) -> None:
    """Connect the Calibration tab's events."""

    def sign_in(
        password: str, name: str = "", request: gr.Request | None = None
    ) -> tuple[str, str, object]:
        who, message = sign_in_as(
            services.settings, password or "", name or "", client=client_address(request)
        )
        return esc(message), who, gr.Column(visible=bool(who))

    def run(
        path: str | None,
        repeat: float,
        include: bool,
        team: str,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - how Gradio injects progress
    ) -> list[object]:
        if not team:  # only an API client gets here: the page hides the tab until sign-in
            raise refuse("Sign in with the team password first.")
        if not path:
            return _failed("Upload a CSV or JSONL file of interviewers' scores first.")
        imported = None
        try:
            imported = load_human_scores(path, services.bank)
            stored = session_scores(services.repository) if include else []
            progress(0, desc="Grading answers")
            result = calibrate(
                imported,
                services.grading,
                session_scores=stored,
                repeat=int(repeat),
                progress=lambda done, total: progress(done / total, desc=f"Graded {done}/{total}"),
            )
        except InterviewerError as exc:
            # The page shows this file's problems, not the last good run's figures under the
            # new file's name; the rejected rows are listed as the CLI lists them.
            rows = imported.problems if imported is not None else []
            return _failed(str(exc), [[p.line, p.reason] for p in rows])
        folder = Path(tempfile.mkdtemp(prefix="interviewer-calibration-"))
        html_path, json_path = folder / "calibration.html", folder / "calibration.json"
        html_path.write_text(render_calibration_html(result), encoding="utf-8")
        json_path.write_text(json.dumps(result.to_json(), indent=2), encoding="utf-8")
        plots = "".join(
            f'<div style="display:inline-block;vertical-align:top;max-width:100%">{svg}</div>'
            for svg in (
                scatter_chart(result),
                agreement_chart(result.questions),
                histograms_chart(result.questions),
            )
            if svg
        )
        flags = [
            # With its text, as in "Per question": a question outside the bank is only a hash.
            [f"{q.question_id}: {_short(q.text)}", f.code.replace("_", " "), f.reason, f.action]
            for q in result.questions
            for f in q.flags
        ] or [["–", "none", "No question is flagged.", "–"]]
        raters = [
            [r.rater, r.n, r.compared, _f(r.bias, True), _f(r.mae), _f(r.grader_bias, True)]
            for r in result.raters
        ]
        problems = [[p.line, p.reason] for p in result.problems]
        return [
            _summary(result),
            plots,
            flags,
            question_rows(result),
            raters,
            problems,
            gr.DownloadButton(value=str(html_path), visible=True),
            gr.DownloadButton(value=str(json_path), visible=True),
        ]

    bank_panel.wire(panel.bank, services, panel.team)

    def sign_out() -> tuple[str, str, object]:
        return "Signed out.", "", gr.Column(visible=False)

    team_outputs = [panel.sign_in_status, panel.team, panel.content]
    wire_sign_in(
        panel.login, sign_in, team_outputs, team=panel.team, sign_out=(sign_out, team_outputs)
    )
    panel.run.click(
        run,
        [panel.upload, panel.repeat, panel.include_sessions, panel.team],
        [
            panel.summary,
            panel.plots,
            panel.flags,
            panel.questions,
            panel.raters,
            panel.problems,
            panel.download_html,
            panel.download_json,
        ],
        concurrency_limit=1,  # grading a whole file is heavy: one calibration at a time
        show_progress_on=[panel.summary],
    )
