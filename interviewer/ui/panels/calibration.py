"""Calibration tab (hiring team only): upload interviewers' scores, see how the automatic grader
agrees with them, which questions misbehave, and download the report; optionally fit the
offline grader's scale to the scores (as ``interviewer calibrate FILE --fit``), or go back to
the shipped scale. The running app grades on the new scale at once
(:meth:`~interviewer.ui.services.Services.refresh_grading`).

The tab is locked until the team password (``INTERVIEWER_ADMIN_PASSWORD``) is entered; the
sign-in lasts for this browser tab only.
"""

from __future__ import annotations

import json
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr

from interviewer.calibration import (
    AGREEMENT_NOTE,
    DISCRIMINATION_NOTE,
    CalibrationResult,
    OverallStats,
    answers_and_questions,
    calibrate,
    discrimination_text,
    interval_text,
    load_human_scores,
    session_scores,
)
from interviewer.errors import InputError, InterviewerError
from interviewer.grading.scale import Scale, load_team_scale, reset_team_scale
from interviewer.grading.scale_fit import check_enough
from interviewer.grading.team_fit import TeamFit, fit_team_scale
from interviewer.reports.calibration import (
    agreement_chart,
    histograms_chart,
    render_calibration_html,
    scatter_chart,
)
from interviewer.text import counted
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

if TYPE_CHECKING:
    from interviewer.grading.service import GradingService

__all__ = ["CalibrationPanel", "fit_text", "question_rows", "render", "scale_text", "wire"]

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
# Unsized, the reason column took its text's whole width: the table ran past its frame, cut
# the reason at the right edge and split "Lin/e". In %: a column left unsized, or sized in px,
# keeps the overflow; 15% holds "Line" on a phone.
PROBLEM_WIDTHS: list[str | int] = ["15%", "85%"]
# A row with an unknown question_id was told to run `interviewer questions list`, a command a
# web user has no access to; the bank is listed further down this tab.
_BANK_IDS = "the Question bank section below lists them, under 'Add, edit or approve a question'"


@dataclass
class CalibrationPanel:
    """Components of the Calibration tab."""

    login: SignInBox
    sign_in_status: gr.Markdown
    content: gr.Column
    upload: gr.File
    repeat: gr.Slider
    include_sessions: gr.Checkbox
    fit: gr.Checkbox
    run: gr.Button
    scale: gr.Markdown
    reset: gr.Button
    summary: gr.Markdown
    fit_result: gr.Markdown
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
            # .txt was taken (Excel's "Unicode Text") but the text named CSV and JSONL only.
            "Upload interviewers' scores as **CSV, tab-separated text or JSONL** (Excel's "
            "*CSV UTF-8* or *Unicode Text* export as it is) with the columns `question_id` or "
            "`question` (a bank question's text; case, spacing, punctuation, quote and dash "
            "style may differ), `answer`, `rater`, `score` (0-5), and optionally `candidate` "
            "(needed for discrimination) and `reference_answer` (for a question outside the "
            "bank). Bad rows are listed by line; good rows are used.",
            elem_id="calibration-instructions",
        )
        with gr.Row(equal_height=True):
            upload = gr.File(
                label="Scores file",
                # .txt/.tsv: Excel's "Unicode Text" export (UTF-16, tab separated) is a .txt.
                file_types=[".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json"],
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
                fit = gr.Checkbox(
                    False,
                    label="Fit the offline grader's scale to these scores",
                    info="Used from then on only if it agrees better on questions it was not "
                    "fitted on. Needs 40 scored answers to 5 questions.",
                    elem_id="calibration-fit-scale",
                )
                run = gr.Button("Run calibration", variant="primary", elem_id="calibration-run")
        with gr.Row():
            scale = gr.Markdown(elem_id="calibration-scale")
            reset = gr.Button(
                "Go back to the shipped scale",
                size="sm",
                scale=0,
                min_width=220,
                elem_id="calibration-reset-scale",
            )
        summary = gr.Markdown(elem_id="calibration-summary")
        fit_result = gr.Markdown(elem_id="calibration-fit")
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
        gr.Markdown(AGREEMENT_NOTE, elem_id="calibration-agreement-note")
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
            column_widths=PROBLEM_WIDTHS,
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
        fit,
        run,
        scale,
        reset,
        summary,
        fit_result,
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
            "too few" if q.too_few else _f(q.qwk),
            "too few" if q.too_few else f"{_f(q.pearson)} / {_f(q.spearman)}",
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


def _correlations(o: OverallStats) -> str:
    if o.too_few:
        return f"QWK, Pearson, Spearman: **{o.too_few}**"
    return (
        f"**QWK {_f(o.qwk)}**{interval_text(o.qwk_interval)} · Pearson {_f(o.pearson)} · "
        f"Spearman {_f(o.spearman)}"
    )


def _alpha(alpha: float | None) -> str:
    """Krippendorff's α, or why there is none: a bare "–" was shown for one answer scored twice."""
    if alpha is not None:
        return f"**Krippendorff's α {_f(alpha)}**"
    return (
        "Krippendorff's α not measured (it needs at least two answers scored by two "
        "interviewers, and scores that vary)"
    )


def _summary(result: CalibrationResult) -> str:
    o = result.overall
    lines = [
        f"**{o.answers} answer{'' if o.answers == 1 else 's'}**, {o.ratings} score"
        f"{'' if o.ratings == 1 else 's'} by {counted(o.raters, 'interviewer')}, "
        f"{counted(len(result.questions), 'question')}; grader: {esc(result.grader)}.",
        "",
        f"Grader vs interviewers: {_correlations(o)} · MAE {_f(o.mae)} · "
        f"bias {_f(o.bias, True)} (n = {o.n}).",
        "",
        f"Interviewers among themselves: {_alpha(o.alpha)} · two interviewers differ by "
        f"{_f(o.human_mad)} points on the same answer."
        if o.human_mad is not None
        else "Interviewers among themselves: not measured, as no answer was scored by two "
        "interviewers. Have a second interviewer score some of the same answers to see whether "
        "the grader disagrees with you more than you disagree with each other.",
    ]
    if o.pending:
        lines += [
            "",
            f"{counted(o.pending, 'answer')} could not be graded automatically: left out.",
        ]
    if result.problems:
        lines += [
            "",
            f"{counted(len(result.problems), 'row')} rejected: see *Import problems* below.",
        ]
    return "\n".join(lines)


def scale_text(data_dir: Path) -> str:
    """Which scale the offline grader uses: the shipped one, or the team's with its origin."""
    from interviewer.grading.similarity import stale_team_scale

    try:
        team = load_team_scale(data_dir)
    except InterviewerError as exc:  # a damaged file: grading stops until it is removed
        return f"**⚠ {esc(exc)}** *Go back to the shipped scale* removes it."
    if team is None:
        return (
            "**Offline grader's scale in use:** the shipped one. Check *Fit the offline "
            "grader's scale to these scores* and run the calibration to fit it to your "
            "interviewers."
        )
    on = team.fitted_on
    values = ", ".join(
        f"{name} {getattr(team.scale, name):g} (shipped {getattr(team.shipped, name):g})"
        for name in Scale.model_fields
    )
    stale = stale_team_scale(team)
    return (
        f"**Offline grader's scale in use:** your team's, fitted {esc(team.fitted_at)} on "
        f"{esc(on.file)} ({counted(on.answers, 'answer')} to "
        f"{counted(on.questions, 'question')}, {counted(on.raters, 'interviewer')}): {values}."
    ) + (f" **⚠ Note:** {esc(stale)}." if stale else "")


def fit_text(fitted: TeamFit) -> str:
    """The fit's figures and outcome, in the words of ``interviewer calibrate --fit``."""
    result = fitted.fit
    lines = [
        f"**Scale fit:** {counted(result.answers, 'answer')} to "
        f"{counted(result.questions, 'question')}, {result.folds}-fold cross-validation by "
        "question (each question scored by a scale fitted without it):",
        "",
        "| | Pearson | QWK | MAE | bias | RMSE | objective |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, label in (("shipped", "shipped scale"), ("fitted", "fitted scale")):
        f = result.cross_validated[name]
        lines.append(
            f"| {label} | {f.pearson:.2f} | {f.qwk:.2f} | {f.mae:.2f} | {f.bias:+.2f} | "
            f"{f.rmse:.2f} | {f.objective:.3f} |"
        )
    lines += [
        "",
        f"The final scale on the answers it was fitted on: objective "
        f"{result.in_sample.objective:.3f} (optimistic).",
        "",
        "| | shipped | fitted | |",
        "|---|---:|---:|---|",
    ]
    for field in Scale.model_fields:
        old, new = getattr(result.shipped, field), getattr(result.fitted, field)
        lines.append(f"| {field} | {old:g} | {new:g} | {'' if old == new else 'changed'} |")
    lines.append("")
    if fitted.written is not None:
        lines.append(
            f"**Written** to {esc(fitted.written.name)} in the data folder: offline grades now "
            "use this scale (grades cached before it are graded again). *Go back to the "
            "shipped scale* undoes it. The agreement figures above were graded before this "
            "fit, on the scale then in use: calibrate again to see them on the new one."
        )
    else:
        lines.append(
            "**Not written:** on questions it was not fitted on, the fitted scale agrees no "
            "better with your interviewers than the shipped one (objective "
            f"{result.cross_validated['fitted'].objective:.3f} against "
            f"{result.cross_validated['shipped'].objective:.3f}). The grader keeps its "
            "current scale."
        )
    return "\n".join(lines)


def _not_fitted(message: str) -> str:
    gr.Warning(esc(message))
    return f"**⚠ Scale not fitted.** {esc(message)}"


def _failed(message: str, problems: list[list[object]] | None = None) -> list[object]:
    """Outputs of a run that could not calibrate: earlier results cleared, the reason shown
    (and as a toast), the rejected rows listed."""
    gr.Warning(esc(message))
    return [
        f"**⚠ {esc(message)}**",
        "",
        gr.skip(),  # the scale in use did not change
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

    data_dir = services.settings.data_dir

    def sign_in(
        password: str, name: str = "", request: gr.Request | None = None
    ) -> tuple[str, str, object, str]:
        who, message = sign_in_as(
            services.settings, password or "", name or "", client=client_address(request)
        )
        return esc(message), who, gr.Column(visible=bool(who)), scale_text(data_dir) if who else ""

    def run(
        path: str | None,
        repeat: float,
        include: bool,
        fit: bool,
        team: str,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - how Gradio injects progress
    ) -> list[object]:
        if not team:  # only an API client gets here: the page hides the tab until sign-in
            raise refuse("Sign in with the team password first.")
        if not path:
            return _failed(
                "Upload a file of interviewers' scores first: CSV, tab-separated text "
                "(Excel's Unicode Text) or JSONL."
            )
        imported = None
        fitted: TeamFit | str | None = None  # the fit, or why there is none
        with ExitStack() as keeping:
            try:
                imported = load_human_scores(path, services.bank, bank_ids=_BANK_IDS)
                stored = session_scores(services.repository) if include else []
                service = services.grading
                if fit and imported.rows:
                    try:
                        # Before grading, as the command checks: the calibration still runs.
                        check_enough(*answers_and_questions(imported))
                    except InputError as exc:
                        fitted = str(exc)
                    else:
                        service = _offline_service(services)
                        # The fit reads each answer graded here: kept from its grade, not read
                        # again through the models.
                        keeping.enter_context(service.keeping_readings())
                progress(0, desc="Grading answers")
                result = calibrate(
                    imported,
                    service,
                    session_scores=stored,
                    repeat=int(repeat),
                    progress=lambda done, total: progress(
                        done / total, desc=f"Graded {done}/{total}"
                    ),
                )
            except InterviewerError as exc:
                # The page shows this file's problems, not the last good run's figures under the
                # new file's name; the rejected rows are listed as the CLI lists them.
                rows = imported.problems if imported is not None else []
                return _failed(str(exc), [[p.line, p.reason] for p in rows])
            if fit and fitted is None:
                try:
                    progress(0, desc="Reading answers for the scale fit")
                    fitted = fit_team_scale(
                        imported,
                        result,
                        service,
                        scores=Path(path),
                        data_dir=data_dir,
                        prompts_dir=services.settings.prompts_dir,
                        progress=lambda done, total: progress(
                            done / total, desc=f"Read {done}/{total} answers for the scale fit"
                        ),
                    )
                    if fitted.written is not None:
                        progress(1, desc="Grading on the new scale from now on")
                        services.refresh_grading()
                except InterviewerError as exc:  # too little data, scores that do not vary
                    fitted = str(exc)
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
        shown = fit_text(fitted) if isinstance(fitted, TeamFit) else fitted or ""
        return [
            _summary(result),
            _not_fitted(shown) if isinstance(fitted, str) else shown,
            scale_text(data_dir),
            plots,
            flags,
            question_rows(result),
            raters,
            problems,
            gr.DownloadButton(value=str(html_path), visible=True),
            gr.DownloadButton(value=str(json_path), visible=True),
        ]

    def reset(
        team: str,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - how Gradio injects progress
    ) -> tuple[str, str]:
        if not team:
            raise refuse("Sign in with the team password first.")
        try:
            removed = reset_team_scale(data_dir)
        except OSError as exc:
            raise refuse(
                esc(
                    f"Cannot remove the team scale ({exc.strerror}): check the data folder's "
                    "permissions, or run `interviewer calibrate --reset-fit` on the server."
                )
            ) from exc
        if removed is None:
            message = "No fitted scale: the offline grader already uses the shipped scale."
        else:
            progress(0, desc="Going back to the shipped scale")
            services.refresh_grading()
            message = (
                "Removed the team's fitted scale: the offline grader uses the shipped scale again."
            )
        gr.Info(message)
        # The fit shown above ("Written ...: offline grades now use this scale") no longer holds.
        return f"{message}\n\n{scale_text(data_dir)}", ""

    bank_panel.wire(panel.bank, services, panel.team)

    def sign_out() -> tuple[str, str, object, str]:
        return "Signed out.", "", gr.Column(visible=False), ""

    team_outputs = [panel.sign_in_status, panel.team, panel.content, panel.scale]
    wire_sign_in(
        panel.login, sign_in, team_outputs, team=panel.team, sign_out=(sign_out, team_outputs)
    )
    panel.run.click(
        run,
        [panel.upload, panel.repeat, panel.include_sessions, panel.fit, panel.team],
        [
            panel.summary,
            panel.fit_result,
            panel.scale,
            panel.plots,
            panel.flags,
            panel.questions,
            panel.raters,
            panel.problems,
            panel.download_html,
            panel.download_json,
        ],
        # Grading a whole file is heavy: one calibration at a time, and a reset of the scale
        # waits for a fit under way.
        concurrency_id="calibration",
        concurrency_limit=1,
        show_progress_on=[panel.summary],
    )
    panel.reset.click(
        reset,
        [panel.team],
        [panel.scale, panel.fit_result],
        concurrency_id="calibration",
        concurrency_limit=1,
        show_progress_on=[panel.scale],
    )


def _offline_service(services: Services) -> GradingService:
    """The offline grading service: the app's own, or one for this fit when the app grades with
    an LLM (the scale fitted is the offline grader's, as ``calibrate --fit`` grades offline)."""
    if services.settings.effective_grader == "offline":
        return services.grading
    from interviewer.grading.service import build_grading_service

    return build_grading_service(services.settings, "offline")
