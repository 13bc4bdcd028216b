"""The Gradio web app: ``build_app(settings)`` and ``main()`` (``python app.py``).

Tabs: Interview, History, Report and Calibration (one module each in
:mod:`interviewer.ui.panels`). Start-up is
fast: the bank and database open at once, while the grading service (embedder, knowledge
index) warms up in a background thread shortly after the server listens (``WARM_UP_DELAY_S``)
and Whisper loads on the first recording.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any

import gradio as gr
from pydantic import ValidationError

from interviewer.errors import InterviewerError
from interviewer.settings import Settings, file_problem, settings_problem
from interviewer.speech.stt import MAX_AUDIO_BYTES
from interviewer.ui.panels import calibration, history, interview, report
from interviewer.ui.services import Services, build_services
from interviewer.ui.style import CSS, theme

__all__ = ["build_app", "launch_kwargs", "main"]

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 8
MAX_QUEUE = 256
# The warm-up (imports, knowledge ingest on a fresh data directory, embedding the bank) holds
# the GIL for seconds; started a moment after the server listens, it no longer competes with
# the first page. A candidate's first answer comes long after.
WARM_UP_DELAY_S = 2.0
# Gradio's queue records every event and, by default, rebuilds a pandas summary of up to
# 10,000 records after each one (for its monitoring page, which this app does not serve):
# 3 ms of CPU per event, 11 ms once 10,000 events are kept. Summarise rarely, keep few.
_QUEUE_ANALYTICS_ENV = {
    "GRADIO_ANALYTICS_CACHE_FREQUENCY": "1000000",
    "GRADIO_ANALYTICS_MAX_EVENTS": "1000",
}


# Gradio draws a radio group as a <fieldset> whose label is a <span>, not a <legend>: screen
# readers announced Difficulty and Mode as unnamed groups. Every group is named by its label
# once the page has loaded (a Radio inside something hidden at load would need this again).
_NAME_RADIO_GROUPS_JS = """() => {
  document.querySelectorAll("fieldset:has(input[type=radio])").forEach((group, n) => {
    const label = group.querySelector("[data-testid=block-info]");
    if (!label) return;
    label.id ||= `radio-group-label-${n}`;
    group.setAttribute("role", "radiogroup");
    group.setAttribute("aria-labelledby", label.id);
  });
}"""


# Gradio gives each radio button its own ``name``, so the browser sees one-option groups: the
# arrow keys did not move to the next option (as they do in any native radio group) and
# Difficulty and Mode could be changed only by mouse. Svelte renders the names again on each
# update, so the keys are handled once, on the document, rather than by renaming the inputs.
_RADIO_ARROW_KEYS_JS = """() => {
  if (window.__radioArrowKeys) return;
  window.__radioArrowKeys = true;
  const steps = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1};
  document.addEventListener("keydown", (event) => {
    const radio = event.target;
    const step = steps[event.key];
    if (!step || !(radio instanceof HTMLInputElement) || radio.type !== "radio") return;
    const group = radio.closest("fieldset");
    if (!group || event.altKey || event.ctrlKey || event.metaKey) return;
    const options = [...group.querySelectorAll("input[type=radio]:not(:disabled)")];
    const at = options.indexOf(radio);
    if (at < 0 || options.length < 2) return;
    event.preventDefault();
    const next = options[(at + step + options.length) % options.length];
    next.focus();
    next.click();
  });
  // Tab leaves the group from its option, and comes into it on the chosen one, as in a native
  // group: it stopped on every option of Difficulty and Mode, one by one.
  document.addEventListener("keydown", (event) => {
    const radio = event.target;
    if (event.key !== "Tab" || !(radio instanceof HTMLInputElement)) return;
    const group = radio.type === "radio" && radio.closest("fieldset");
    if (!group) return;
    const others = [...group.querySelectorAll("input[type=radio]")].filter((o) => o !== radio);
    const saved = others.map((o) => o.getAttribute("tabindex"));
    others.forEach((o) => { o.tabIndex = -1; });
    const restore = (o, i) => {
      if (saved[i] === null) o.removeAttribute("tabindex");
      else o.setAttribute("tabindex", saved[i]);
    };
    setTimeout(() => others.forEach(restore), 0);
  });
  document.addEventListener("focusin", (event) => {
    const radio = event.target;
    if (!(radio instanceof HTMLInputElement) || radio.type !== "radio" || radio.checked) return;
    const group = radio.closest("fieldset");
    if (!group || group.contains(event.relatedTarget) || !radio.matches(":focus-visible")) return;
    group.querySelector("input[type=radio]:checked")?.focus();
  });
}"""


def build_app(settings: Settings, services: Services | None = None) -> gr.Blocks:
    """Build the web app (not launched).

    Args:
        settings: Effective configuration.
        services: Shared services; built from ``settings`` when not given.

    Raises:
        InterviewerError: The bank or the database cannot be opened.
    """
    services = services or build_services(settings)
    with gr.Blocks(
        title="Interviewer · ML theory mock interviews", analytics_enabled=False
    ) as demo:
        known = gr.BrowserState([], storage_key="interviewer-sessions")
        gr.Markdown(
            "# Interviewer\nMock interviews on machine-learning theory, graded against a rubric.",
            elem_id="app-title",
        )
        with gr.Tabs(selected="interview") as tabs:
            with gr.Tab("Interview", id="interview"):
                interview_panel = interview.render(services)
            with gr.Tab("History", id="history") as history_tab:
                history_panel = history.render()
            with gr.Tab("Report", id="report"):
                report_panel = report.render(services)
            with gr.Tab("Calibration", id="calibration"):
                calibration_panel = calibration.render(services)
        interview.wire(interview_panel, services, known, demo)
        history.wire(history_panel, services, known, history_tab)
        report.wire(report_panel, services)
        calibration.wire(calibration_panel, services)
        # "Open report" in the Interview tab shows this session's report in the Report tab.
        interview_panel.open_report.click(
            lambda sid: (sid, gr.Tabs(selected="report")) if sid else (gr.skip(), gr.skip()),
            [interview_panel.sid_text],
            [report_panel.session_id, tabs],
            queue=False,
        ).then(
            None,
            None,
            None,
            # The cursor follows to the Report tab (it fell to the page body): next come the
            # downloads and the report.
            js="() => { setTimeout(() => { const b = document.querySelector('#report-show');"
            " b?.click(); b?.focus(); }, 50); }",
            queue=False,
        )
        demo.load(None, None, None, js=_NAME_RADIO_GROUPS_JS, queue=False)
        demo.load(None, None, None, js=_RADIO_ARROW_KEYS_JS, queue=False)
        # History's "Resume" switches to the Interview tab and resumes there.
        history_panel.resume.click(
            lambda sid: (sid, gr.Tabs(selected="interview")),
            [history_panel.session_id],
            [interview_panel.resume_id, tabs],
            queue=False,
        ).then(
            None,
            None,
            None,
            js="() => { setTimeout(() => document.querySelector('#resume')?.click(), 50); }",
            queue=False,
        )
    for key, value in _QUEUE_ANALYTICS_ENV.items():
        os.environ.setdefault(key, value)  # read by the queue that demo.queue() creates
    demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY, max_size=MAX_QUEUE)
    return demo


def launch_kwargs() -> dict[str, Any]:
    """Look and behaviour arguments for ``Blocks.launch`` (Gradio 6 takes theme and CSS here)."""
    return {
        "theme": theme(),
        "css": CSS,
        "show_error": False,  # errors are gr.Error with escaped text, never tracebacks
        "footer_links": [],
        # Above the longest recording the transcriber takes (MAX_AUDIO_BYTES): a larger upload
        # is dropped by Gradio before any handler can say why.
        "max_file_size": f"{MAX_AUDIO_BYTES // (1024 * 1024) + 4}mb",
    }


def main() -> None:
    """Start the web app on ``GRADIO_SERVER_NAME:GRADIO_SERVER_PORT`` (default 127.0.0.1:7860)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        settings = Settings()
        services = build_services(settings)
        demo = build_app(settings, services)
    except InterviewerError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        raise SystemExit(1) from None
    except ValidationError as exc:  # a bad INTERVIEWER_* value: one line, as the CLI says it
        sys.stderr.write(f"Error: {settings_problem(exc)}\n")
        raise SystemExit(1) from None
    except OSError as exc:  # a data folder that cannot be created or written
        sys.stderr.write(f"Error: {file_problem(exc)}\n")
        raise SystemExit(1) from None
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        prevent_thread_lock=True,
        **launch_kwargs(),
    )
    timer = threading.Timer(WARM_UP_DELAY_S, services.warm_up)
    timer.daemon = True
    timer.start()
    demo.block_thread()
