"""Interview tab: set-up form, chat, answer box, microphone, commands and the feedback cards.

Each browser tab keeps only its session id in ``gr.State``; the :class:`Interview` is loaded
from the repository for every event, so a restart, a second app process or a reload all see
the same stored session. Sending an answer is two events: an instant one that shows the answer
in the chat and the "grading…" indicator (and rejects bad input before anything changes), then
the slow one that saves the answer and grades it. If saving fails the answer stays in the box.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import gradio as gr
from pydantic import ValidationError

from interviewer.errors import ConfigError, InterviewerError, StoreError
from interviewer.grading.base import Grade
from interviewer.grading.guards import LOW_TRANSCRIPT_CONFIDENCE, MAX_ANSWER_TOKENS
from interviewer.session import Interview, Progress, Reply, SessionConfig, too_long
from interviewer.speech import (
    BROWSER_SPEAK_JS,
    MAX_AUDIO_SECONDS,
    PiperSpeaker,
    Transcript,
    speakable_text,
)
from interviewer.store import UnsentTranscript, is_session_id
from interviewer.ui.panels.history import (
    follow_up_open_card,
    remember,
    skipped_card,
    unanswered_card,
)
from interviewer.ui.refusal import refuse
from interviewer.ui.render import as_chat_text, esc, feedback_card, sources_html, turn_facts
from interviewer.ui.services import LazyGrader, Services

__all__ = [
    "InterviewPanel",
    "follow_ups_control",
    "reply_messages",
    "render",
    "restored_transcript",
    "resumed_replies",
    "wire",
]

log = logging.getLogger(__name__)

Message = dict[str, str]
_T = TypeVar("_T")
GRADE_CONCURRENCY_LLM = 16  # answers graded at once per process with an LLM grader
SESSION_CONCURRENCY = 16  # start, commands: quick database work, never queued behind grading
# Recordings let into a transcription at once (the Whisper model itself runs one at a time):
# Gradio drops a queued event whose page reloads, and that recording was lost; a started one
# runs to its end and its text is stored for the reloaded page.
STT_CONCURRENCY = 4
_IDLE = ""
_LINK_FAILED = (
    "The interview in this link could not be opened just now. Reload the page in a moment: "
    "nothing is lost."
)
_GRADING = "Grading your answer…"
_UNSET_DIFFICULTY = "any"
_ANSWER_PLACEHOLDER = "Type your answer, or record it…"
# Short: the box is one line, and on a phone a longer note was cut in half.
_FINISHED_PLACEHOLDER = "Interview ended: press Report for its feedback."
_UNSTARTED_PLACEHOLDER = "Start an interview (set-up above) to answer here."
_FINISHED_MIC_NOTE = "The interview has ended: start a new one to answer aloud."
_RESTORED = (
    "Your spoken answer was transcribed while you were away from this page; check it and send."
)
_TRANSCRIBING = "Transcribing your recording… its text will appear in the answer box."
_TRANSCRIPTION_FAILED = (
    "⚠️ The recording could not be transcribed just now. Record it again, or type your answer."
)
_STILL_TRANSCRIBING = (
    "Your recording is still being transcribed: its text will appear in the answer box."
)
# A recording's transcription is waited for this long after it began (the longest recording
# allowed, transcribed on a busy machine); a note older than that was left by a stopped server.
_TRANSCRIPT_WAIT_S = 600.0
_UNSENT_AT_END = (
    "Your answer in the box has not been sent. Press Send to have it graded, or clear the "
    "box, then press End."
)


@dataclass
class InterviewPanel:
    """Components of the Interview tab."""

    session_id: gr.State
    transcript: gr.State
    setup: gr.Accordion
    name: gr.Textbox
    topics: gr.Dropdown
    num_questions: gr.Slider
    difficulty: gr.Radio
    mode: gr.Radio
    follow_ups: gr.Checkbox
    read_aloud: gr.Checkbox
    shuffle: gr.Checkbox
    time_limit: gr.Number
    start: gr.Button
    resume_id: gr.Textbox
    resume: gr.Button
    status: gr.Markdown
    indicator: gr.Markdown
    chat: gr.Chatbot
    answer: gr.Textbox
    length_note: gr.Markdown
    clock: gr.HTML
    send: gr.Button
    mic: gr.Audio
    mic_notice: gr.Markdown
    hint: gr.Button
    skip: gr.Button
    repeat: gr.Button
    end: gr.Button
    open_report: gr.Button
    cards: gr.HTML
    sources: gr.HTML
    speak_text: gr.Textbox
    sid_text: gr.Textbox
    clock_text: gr.Textbox
    seen: gr.State
    seen_text: gr.Textbox
    recorded_at: gr.State
    spoken_wait: gr.Timer
    voice: gr.Audio | None


def render(services: Services) -> InterviewPanel:
    """Lay out the Interview tab (inside an open ``gr.Tab``)."""
    session_id = gr.State("")
    transcript = gr.State(None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=7, min_width=480):
            with gr.Accordion("Set up the interview", open=True, elem_id="setup") as setup:
                with gr.Row():
                    name = gr.Textbox(
                        label="Your name (optional)", max_length=200, elem_id="name", scale=2
                    )
                    topics = gr.Dropdown(
                        label="Topics (empty = all)",
                        choices=services.bank.topics(),
                        multiselect=True,
                        scale=3,
                        elem_id="topics",
                    )
                with gr.Row():
                    num_questions = gr.Slider(
                        1, 10, value=5, step=1, label="Questions", elem_id="num-questions"
                    )
                    difficulty = gr.Radio(
                        [("Any", _UNSET_DIFFICULTY), ("1", "1"), ("2", "2"), ("3", "3")],
                        value=_UNSET_DIFFICULTY,
                        label="Difficulty",
                    )
                    mode = gr.Radio(
                        [
                            ("Practice: feedback after each answer", "practice"),
                            ("Exam: feedback at the end", "exam"),
                        ],
                        value="practice",
                        label="Mode",
                        elem_id="mode",
                    )
                with gr.Row(elem_id="setup-options"):
                    follow_ups = gr.Checkbox(
                        value=True, label="Follow-up questions", elem_id="follow-ups"
                    )
                    shuffle = gr.Checkbox(value=False, label="Shuffle questions", elem_id="shuffle")
                    time_limit = gr.Number(
                        value=0,
                        minimum=0,
                        maximum=3600,
                        precision=0,
                        elem_id="time-limit",
                        label="Time limit, s (0 = none)",
                    )
                    start = gr.Button("Start interview", variant="primary", elem_id="start")
                with gr.Row(equal_height=False):
                    resume_id = gr.Textbox(
                        label="Or resume a session by id", scale=3, elem_id="resume-id"
                    )
                    resume = gr.Button("Resume", scale=1, elem_id="resume", size="md")
            status = gr.Markdown(
                "No interview yet: fill in the set-up and press **Start**.", elem_id="status-bar"
            )
            chat = gr.Chatbot(
                label="Interview",
                show_label=False,
                height=420,
                elem_id="chat",
                feedback_options=None,
                sanitize_html=True,
                render_markdown=True,
                buttons=["copy"],
                placeholder="Your interviewer's questions appear here.",
            )
            indicator = gr.Markdown(_IDLE, elem_id="grading-indicator")
            answer = gr.Textbox(
                label="Your answer (Enter sends)",
                lines=1,
                max_lines=12,
                elem_id="answer",
                placeholder=_UNSTARTED_PLACEHOLDER,
                interactive=False,  # until an interview starts (see answer_controls)
            )
            # Filled in the browser as the answer grows (see _LENGTH_JS): a long answer was
            # cut before grading, and the candidate learnt it only from the card.
            length_note = gr.Markdown("", elem_id="answer-length")
            # Filled in the browser each second under a time limit (see _CLOCK_JS).
            clock = gr.HTML('<span id="answer-clock-text"></span>', elem_id="answer-clock")
            with gr.Row(elem_id="commands"):
                send = gr.Button(
                    "Send",
                    variant="primary",
                    elem_id="send",
                    scale=2,
                    min_width=90,
                    interactive=False,
                )
                hint = gr.Button("Hint", elem_id="hint", scale=1, min_width=70, interactive=False)
                skip = gr.Button("Skip", elem_id="skip", scale=1, min_width=70, interactive=False)
                repeat = gr.Button(
                    "Repeat", elem_id="repeat", scale=1, min_width=70, interactive=False
                )
                end = gr.Button(
                    "End", variant="stop", elem_id="end", scale=1, min_width=70, interactive=False
                )
                open_report = gr.Button("Report", elem_id="open-report", scale=1, min_width=80)
            mic = gr.Audio(
                sources=["microphone"],
                type="filepath",
                label="Speak your answer",
                elem_id="mic",
                # Passed on as it came (the browser records WAV): converting a file sent to the
                # API to WAV failed in Gradio on one that was not audio, with no message, and
                # load_audio decodes any format and says what is wrong with one it cannot use.
                format=None,
                interactive=False,  # until an interview starts
            )
            mic_notice = gr.Markdown(_mic_help(services), elem_id="mic-notice")
            # With the microphone, not in the set-up: that folds away once the interview starts,
            # and a candidate had to find it there to stop or start the voice.
            read_aloud = gr.Checkbox(
                value=False, label="Read questions and hints aloud", elem_id="read-aloud"
            )
        with gr.Column(scale=5, min_width=360):
            gr.Markdown("### Feedback")
            cards = gr.HTML(
                '<p class="fb-muted">Feedback cards appear here after each answer '
                "(practice mode).</p>",
                elem_id="feedback-cards",
            )
            with gr.Accordion("Sources and model answer", open=False, elem_id="sources"):
                sources = gr.HTML(sources_html(None))
    # Hidden but rendered: client-side JavaScript (URL, speech) reads their values.
    speak_text = gr.Textbox(visible="hidden", elem_id="speak-text")
    sid_text = gr.Textbox(visible="hidden", elem_id="session-id-text")
    clock_text = gr.Textbox(visible="hidden", elem_id="answer-clock-data")
    # Where the interview stood when this tab last showed it (Interview.position): an answer
    # typed in a tab left behind by another one was saved as the answer to the next question.
    seen = gr.State("")
    # The same, for this browser's draft of an unsent answer (a State is not in the page).
    seen_text = gr.Textbox(visible="hidden", elem_id="answer-position")
    # Where it stood when the recording began: a recording left running while a typed answer
    # was sent came back as text in the next question's box.
    recorded_at = gr.State(None)
    # Ticks only while a reloaded page waits for a recording made before the reload.
    spoken_wait = gr.Timer(1.0, active=False)
    voice = None
    if services.settings.tts == "piper":
        voice = gr.Audio(
            label="Question audio", autoplay=True, interactive=False, elem_id=_VOICE_ID
        )
    return InterviewPanel(
        session_id,
        transcript,
        setup,
        name,
        topics,
        num_questions,
        difficulty,
        mode,
        follow_ups,
        read_aloud,
        shuffle,
        time_limit,
        start,
        resume_id,
        resume,
        status,
        indicator,
        chat,
        answer,
        length_note,
        clock,
        send,
        mic,
        mic_notice,
        hint,
        skip,
        repeat,
        end,
        open_report,
        cards,
        sources,
        speak_text,
        sid_text,
        clock_text,
        seen,
        seen_text,
        recorded_at,
        spoken_wait,
        voice,
    )


_LIMIT_MINUTES = f"{MAX_AUDIO_SECONDS / 60:.0f}"
# The browser stops a recording a little before the limit (its clock shows whole seconds and
# the recorder stops a moment after the click), so it is never refused for its length.
_STOP_AT_LIMIT_S = int(MAX_AUDIO_SECONDS) - 3
_STOP_AT_LIMIT_JS = f"""() => {{
  clearInterval(window.__recordingLimit);
  window.__recordingLimit = setInterval(() => {{
    const shown = document.querySelector("#mic time.duration")?.textContent || "";
    const [m, s] = shown.split(":").map(Number);
    if (!(m * 60 + s >= {_STOP_AT_LIMIT_S})) return;  // also while the clock is not shown
    clearInterval(window.__recordingLimit);
    [...document.querySelectorAll("#mic .stop-button, #mic .stop-button-paused")]
      .find((button) => button.offsetParent !== null)?.click();
  }}, 500);
}}"""
_STOPPED_JS = """() => { clearInterval(window.__recordingLimit); }"""
# Keyboard users: Record hides itself once the recording runs, and the cursor fell to the page
# body, about 20 Tabs from Stop while the microphone was on. It goes to Stop.
_FOCUS_STOP_JS = """() => {
  setTimeout(() => {
    [...document.querySelectorAll("#mic .stop-button")]
      .find((button) => button.offsetParent !== null)?.focus();
  }, 50);
}"""
_AT_LIMIT = (
    f" It stopped at the {_LIMIT_MINUTES}-minute limit: to add the rest, clear the recording (×) "
    "and record again (its text goes after this one), or type it."
)


def _mic_help(services: Services) -> str:
    """The note under the microphone when no transcript is under review."""
    if services.transcriber_problem:
        return esc(services.transcriber_problem)
    # The limit is said before recording: a longer one was refused after the candidate had
    # spoken it all, and one over the upload size (6 minutes) vanished without a word.
    return (
        "Record, then check the transcript in the answer box before sending. A recording "
        f"stops at {_LIMIT_MINUTES} minutes."
    )


# Keyboard users: after Start, Send, Resume or a transcript, the cursor was on the page body,
# about 24 Tabs from the answer box. Deferred: the box is re-enabled by the same update.
# Once the interview is over (Skip on the last question, End) the box is locked, and focus
# fell to the page body: it goes to Report, the next thing to do.
# Tried for 1.5 s, not once: the answer box's own update (enabled again, new placeholder) can
# arrive after this step and re-render it, which dropped the cursor to the page body on a
# loaded machine. After the first focus it is only put back from the body, never taken from
# where the candidate moved it.
_FOCUS_ANSWER = """() => {
  const started = Date.now();
  let done = false;
  const tick = () => {
    const box = document.querySelector("#answer textarea");
    const active = document.activeElement;
    const free = !active || active === document.body;
    if (box && !box.disabled && (!done || free)) {
      box.focus();
      done = done || document.activeElement === box;
    }
    if (Date.now() - started < 1500) setTimeout(tick, 100);
    else if (!done) document.querySelector("#open-report")?.focus();
  };
  setTimeout(tick, 100);
}"""

# Screen readers announce the chat (a live log) but not the notes beside it: after a
# recording of silence the cursor went to the empty answer box and "No speech was recognised"
# was never read, nor "Grading your answer…". The wrappers stay in the page, so they are made
# live regions once, without Gradio's progress line in them ("processing | 0.2s", rewritten
# ten times a second); the clock and the word count would speak every second or keystroke.
_LIVE_NOTES = ("mic-notice", "grading-indicator")
_LIVE_NOTES_JS = f"""() => {{
  for (const id of {list(_LIVE_NOTES)!r}) {{
    const note = document.getElementById(id);
    note?.setAttribute("role", "status");
    note?.setAttribute("aria-live", "polite");
    note?.querySelector("[data-testid=status-tracker]")?.setAttribute("aria-hidden", "true");
  }}
}}"""

# The question read aloud stops when the candidate starts recording (the microphone took it
# in) or unticks "Read questions aloud" (it went on to the end): the browser's voice, and the
# Piper voice's audio, which played on over the recording (its player keeps the <audio> in a
# shadow root).
_VOICE_ID = "question-voice"
_SILENCE = f"""const silence = () => {{
    window.speechSynthesis?.cancel();
    const pause = (root) => root?.querySelectorAll("*").forEach((node) => {{
      if (node instanceof HTMLMediaElement) node.pause();
      pause(node.shadowRoot);
    }});
    pause(document.getElementById("{_VOICE_ID}"));
  }};"""
_STOP_SPEAKING_JS = f"""() => {{ {_SILENCE} silence(); }}"""
_STOP_SPEAKING_IF_OFF_JS = f"""(on) => {{ {_SILENCE} if (!on) silence(); return on; }}"""

# An unsent answer is kept in this browser (per session, with the position it was typed at):
# a reload, or a closed tab opened again from its link, lost it. Only the question it was
# typed for gets it back, and a sent or cleared answer leaves nothing behind.
_SAVE_DRAFT_JS = """(text, sid, seen) => {
  if (!sid) return;
  const key = "interviewer-draft:" + sid;
  if (text && text.trim()) localStorage.setItem(key, JSON.stringify({seen, text}));
  else localStorage.removeItem(key);
}"""
_DROP_DRAFT_JS = """(sid) => { if (sid) localStorage.removeItem("interviewer-draft:" + sid); }"""
# Put back by typing it into the box (an input event): as the event's output, every position
# change re-set the box, and the cursor put there after Start was lost.
_RESTORE_DRAFT_JS = """(sid, seen) => {
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem("interviewer-draft:" + sid) || "null"); }
  catch (e) { saved = null; }
  const box = document.querySelector("#answer textarea");
  if (!saved || saved.seen !== seen || !box || box.value) return;
  box.value = saved.text;
  box.dispatchEvent(new Event("input", { bubbles: true }));
  // Where the candidate left off: the cursor at the end of the draft.
  const end = box.value.length;
  setTimeout(() => { box.focus(); box.setSelectionRange(end, end); }, 100);
}"""

# Under a time limit the candidate saw the limit only in the greeting: a countdown under the
# answer box, restarted from the server's "seconds left|which answer" after every step.
_CLOCK_JS = """(data) => {
  clearInterval(window.__answerClock);
  const el = document.querySelector("#answer-clock-text");
  if (!el) return;
  const left = Number((data || "").split("|")[0]);
  if (!data || Number.isNaN(left)) { el.textContent = ""; return; }
  const end = Date.now() + left * 1000;
  const tick = () => {
    const s = Math.ceil((end - Date.now()) / 1000);
    el.textContent = s > 0
      ? `Time left for this answer: ${s} s`
      : "Time is up: send your answer now; it is still graded, and the overrun is noted.";
    el.classList.toggle("over", s <= 0);
  };
  tick();
  window.__answerClock = setInterval(tick, 1000);
}"""

# The guards grade the first MAX_ANSWER_TOKENS tokens. The bank's model answers take 1.15 to
# 1.76 tokens per word (median 1.36), so that is 400 to 600 words: the note gave one figure
# ("about the first 500 words") and the card then said 605 were graded. The note appears a
# little before the lower bound, while there is still room to reorder the answer.
_GRADED_WORDS = (
    round(MAX_ANSWER_TOKENS / 1.76, -2),
    round(MAX_ANSWER_TOKENS / 1.36, -2),
    round(MAX_ANSWER_TOKENS / 1.15, -2),
)
_LENGTH_JS = f"""(text) => {{
  const n = ((text || "").match(/\\S+/g) || []).length;
  return n > {int(_GRADED_WORDS[0] * 9 // 10)}
    ? `${{n}} words: only about the first {int(_GRADED_WORDS[1])} words are graded `
      + "({int(_GRADED_WORDS[0])} to {int(_GRADED_WORDS[2])}, depending on the words). "
      + "Put your main points first."
    : "";
}}"""


# --- pure helpers (tested without a browser) ---------------------------------------------------


def reply_messages(replies: list[Reply]) -> list[Message]:
    """Chat messages for the engine's replies; every piece of text is escaped."""
    out: list[Message] = []
    for reply in replies:
        text = as_chat_text(reply.text)
        if reply.kind == "greeting":
            for word in ("hint", "skip", "repeat", "end"):
                text = text.replace(f"\\`{word}\\`", f"**{word}**")
            out.append({"role": "assistant", "content": text})
        elif reply.kind == "answer":
            out.append({"role": "user", "content": text})
        elif reply.kind == "question":
            label = reply.progress.label if reply.progress else "Question"
            out.append({"role": "assistant", "content": f"**{label}**\n\n{text}"})
        elif reply.kind == "follow_up":
            out.append({"role": "assistant", "content": f"**Follow-up**\n\n{text}"})
        elif reply.kind == "feedback" and reply.grade is not None:
            line = _feedback_line(reply.grade, reply.progress)
            out.append({"role": "assistant", "content": line})
        elif reply.kind == "summary":
            out.append({"role": "assistant", "content": f"**Summary**\n\n{text}"})
        elif reply.kind == "hint":
            out.append({"role": "assistant", "content": f"💡 {text}"})
        else:
            out.append({"role": "assistant", "content": text})
    return out


def resumed_replies(past: list[Reply], fresh: list[Reply]) -> list[Reply]:
    """The conversation to show on resume: the stored history, then what resuming said.

    Resuming re-asks the open question (or follow-up) after "Welcome back"; the history's own
    copy of that question is dropped so the chat does not show it twice in a row.
    """
    if past and fresh:
        last, again = past[-1], fresh[-1]
        open_question = last.kind in ("question", "follow_up")
        if open_question and (again.kind, again.turn_id) == (last.kind, last.turn_id):
            past = past[:-1]
    return [*past, *fresh]


def _feedback_line(grade: Grade, progress: Progress | None = None) -> str:
    # Named by question: an exam's feedback comes as a run of lines at the end.
    which = f"Question {progress.current}: " if progress is not None else ""
    if grade.status == "pending":
        # As the card's notice says it: the app retries a pending grade only after a few
        # minutes (REGRADE_SETTLED), so "reload the page to see it" showed it still pending.
        saved = (
            "your answer is saved, but it could not be graded right now; it is graded again "
            "automatically once the grader is back, which can take a few minutes (the Report "
            "tab shows it when it is in), and nothing is lost."
        )
        return f"{which}{saved}" if which else saved[0].upper() + saved[1:]
    score = "n/a" if grade.overall is None else f"{grade.overall:.1f} / 5"
    return (
        f"**{which}Score {score}.** {as_chat_text(grade.feedback)} *(details in the feedback card)*"
    )


def _clock_data(interview: Interview) -> str:
    """For _CLOCK_JS: seconds left and which answer they are for ('' without a time limit)."""
    left = interview.seconds_left()
    if left is None:
        return ""
    return f"{left:.0f}|{interview.session_id}:{interview.position}"


def _where(interview: Interview) -> str:
    """Where a running interview stands, in words ("Question 3 of 3", "its start"); an ended
    one is told apart by its caller."""
    if interview.progress.current == 0:
        return "its start"
    return interview.progress.label


def _status(interview: Interview | None) -> str:
    if interview is None:
        return "No interview yet: fill in the set-up and press **Start**."
    sid = esc(interview.session_id)
    link = f"[resume link](?session={sid})"
    if interview.finished:
        where = "**Finished**"
    elif interview.progress.current == 0:
        where = "Not started"
    else:
        where = f"**{esc(interview.progress.label)}**"
    return f"{where} · session `{sid}` · {link}"


def _cards(services: Services, interview: Interview | None) -> tuple[str, str]:
    """Feedback cards of the session's answered questions (newest first) and latest sources."""
    if interview is None:
        return (
            '<p class="fb-muted">Feedback cards appear here after each answer (practice mode).</p>',
            sources_html(None),
        )
    if interview.config.mode == "exam" and not interview.finished:
        return (
            '<p class="fb-muted">Exam mode: feedback is shown when the interview ends.</p>',
            sources_html(None),
        )
    grades = services.repository.session_grades(interview.session_id)
    cards: list[str] = []
    latest: Grade | None = None
    for turn in sorted(interview.turns, key=lambda t: t.position, reverse=True):
        record = grades.get(turn.id) if turn.id is not None else None
        title = f"Question {turn.position + 1} · {turn.question_text}"
        # As History shows them: the tab showed a card fewer than the summary listed per
        # question skipped or left unanswered at the end.
        if turn.status == "skipped":
            cards.append(skipped_card(title))
            continue
        if turn.answer is None and interview.finished:
            cards.append(unanswered_card(title))
            continue
        if record is None or turn.answer is None:
            continue
        if turn.status not in ("done", "follow_up"):
            continue
        if turn.status == "follow_up" and not interview.finished:
            cards.append(follow_up_open_card(title))  # nor its model answer under Sources
            continue
        cards.append(
            feedback_card(
                record.grade,
                title=title,
                answer=turn.answer or "",
                follow_up=interview.config.follow_ups,  # off: no "To go further" either
                asked=turn.follow_up_question or "",
                follow_up_answer=turn.follow_up_answer,
                facts=turn_facts(turn, interview.config.time_limit_s),
            )
        )
        latest = latest or record.grade
    if not cards:
        return (
            '<p class="fb-muted">Feedback cards appear here after each answer.</p>',
            sources_html(None),
        )
    return "".join(cards), sources_html(latest)


def _last_spoken(replies: list[Reply]) -> str:
    # A hint too, and the end's first line: a candidate listening rather than reading heard
    # nothing when they asked for a hint, or when the interview ended.
    for reply in reversed(replies):
        if reply.kind in ("question", "follow_up", "hint"):
            return speakable_text(reply.text)
        if reply.kind == "summary":
            return speakable_text(reply.text.splitlines()[0].replace("/5", " out of 5"))
    return ""


def answer_controls(seen: str | None, notice: str, help_text: str) -> tuple[Any, ...]:
    """The answer box, its buttons, the microphone and its note for a view at ``seen``
    (:attr:`Interview.position`, '' before any interview): usable only while an interview
    runs. Before, they were enabled with no interview (a press put "Error" badges over the
    page) and after its end (a typed answer could only be refused). Once it has ended the note
    under the microphone says so, and goes back to ``help_text`` when a new one starts (another
    note, such as a transcript's, is left as it is)."""
    live = Interview.running_at(seen)
    if live:
        placeholder = _ANSWER_PLACEHOLDER
        note: Any = help_text if notice == _FINISHED_MIC_NOTE else gr.skip()
    elif seen:
        placeholder, note = _FINISHED_PLACEHOLDER, _FINISHED_MIC_NOTE
    else:
        placeholder, note = _UNSTARTED_PLACEHOLDER, gr.skip()
    return (
        gr.Textbox(interactive=live, placeholder=placeholder),
        *(gr.Button(interactive=live) for _ in range(5)),  # send, hint, skip, repeat, end
        gr.Audio(interactive=live),
        note,
    )


def follow_ups_control(mode: str) -> Any:
    """The set-up's "Follow-up questions" box for ``mode``: open in practice only. Ticked for an
    exam, it stayed ticked and open, and the exam asked none."""
    exam = mode == "exam"
    return gr.Checkbox(interactive=not exam, info="Practice mode only" if exam else "")


def _joined(text: str | None, heard: str) -> str:
    """The answer box's text with a transcript added after what was already typed."""
    return f"{(text or '').rstrip()} {heard}".strip() if (text or "").strip() else heard


def restored_transcript(
    unsent: UnsentTranscript | None, seen: str | None, text: str | None, now: datetime
) -> tuple[Literal["none", "wait", "drop", "put"], str, str]:
    """What a page showing ``seen`` with ``text`` in its answer box does with the session's
    unsent transcript: nothing, wait for it, drop it (with a note, or ''), or put it in the box.

    Returns:
        The action, the answer box's new text (for "put") and the note under the microphone.
        Only the question the recording was made at gets the text: a transcript of another
        one (the interview moved on since) is dropped, and its words are shown in the note.
    """
    if unsent is None or not seen:
        return "none", "", ""
    heard = Transcript.model_validate(unsent.transcript) if unsent.transcript else None
    if unsent.position != seen:
        said = heard.text if heard else ""
        note = (
            "⚠️ A recording transcribed while you were away from this page was made at an "
            "earlier point of the interview, so it is not put in the answer box. It heard: "
            f"“{esc(said)}”"
            if said
            else ""
        )
        return "drop", "", note
    if heard is None:
        if (now - unsent.started_at).total_seconds() > _TRANSCRIPT_WAIT_S:
            return (
                "drop",
                "",
                (
                    "⚠️ A recording made before the page reloaded could not be transcribed. "
                    "Record your answer again, or type it."
                ),
            )
        return "wait", "", _STILL_TRANSCRIBING
    if not heard.text:
        return "drop", "", f"⚠️ {esc(heard.message)}" if heard.message else ""
    box = (text or "").strip()
    if heard.text in box:  # this page has it already (kept as its draft)
        return "drop", "", ""
    note = f"⚠️ {_RESTORED} {esc(heard.message)}" if heard.low_confidence else _RESTORED
    # What was typed before the recording: in the box again if this browser kept it as a draft
    # (perhaps with more typed since), else as it was when the recording stopped.
    typed = box or str((unsent.transcript or {}).get("typed", ""))
    return "put", _joined(typed, heard.text), note


def _answer_problem(text: str | None, session_id: str) -> str:
    """Why an answer cannot be sent as it is, or ''."""
    text = text or ""
    if not session_id:
        return "Start an interview first (or resume one), then send your answer."
    if not text.strip():
        return "Your answer is empty: type it (or record it), then send."
    if length := too_long(text):
        return f"Your answer is {length}. Shorten it and send again (nothing was lost)."
    return ""


def _where_recorded(session_id: str, seen: str) -> tuple[str, str]:
    """The session and the point in it (:attr:`Interview.position`) of a recording: the
    position alone matched the same point of another interview started meanwhile."""
    return session_id, seen


def _told(exc: Exception, what: str = "Interview tab") -> str:
    """What the candidate is told of a failure; the operator's side of it goes to the log
    (with PostgreSQL stopped the log had said nothing, and the notice named the database's host
    and settings to the candidate)."""
    if isinstance(exc, StoreError | ConfigError):  # the operator's side: hosts, paths, commands
        log.warning("%s: %s", what, exc)
    if isinstance(exc, InterviewerError):
        return exc.public
    log.exception("Unexpected error in the interview tab")
    return "Something went wrong on our side; your answer is kept. Try again."


def _quietly(action: Callable[[], _T]) -> _T | None:
    """``action()``, or None when the store fails: keeping a transcript for a reloaded page is
    a safety net, and its failure must not cost the candidate the transcript in the box."""
    try:
        return action()
    except InterviewerError as exc:
        log.warning("Unsent transcript: %s", exc)
        return None


def _problem(message: str) -> str:
    """The grading line's note of a failure: it stays until the next step works (a toast went
    after seconds, or, kept open, stayed after the database was back)."""
    return f'<span class="problem">⚠️ {esc(message)}</span>'


# --- events ------------------------------------------------------------------------------------


def wire(
    panel: InterviewPanel, services: Services, known: gr.BrowserState, demo: gr.Blocks
) -> None:
    """Attach the Interview tab's events (and the page load that resumes ``?session=ID``)."""
    grader = services.grader or LazyGrader(services)
    # LLM grading waits on the network, so more answers can be in flight than with the
    # CPU-bound offline grader; either way other users' clicks run in their own group.
    grade_limit = GRADE_CONCURRENCY_LLM if services.settings.effective_grader == "llm" else 2

    def load(session_id: str) -> Interview:
        return Interview.load(services.repository, services.bank, grader, session_id)

    view_outputs = [
        panel.session_id,
        panel.chat,
        panel.status,
        panel.cards,
        panel.sources,
        panel.speak_text,
        known,
        panel.indicator,
        panel.clock_text,
        panel.seen,
        panel.sid_text,  # last: API clients read the new session's id there
    ]

    def failed(exc: Exception, *, extra: int = 0) -> tuple[Any, ...]:
        """The view left as it was, with the failure told by a toast and the grading line.
        Raised as gr.Error, it put "Error" badges over the status, the chat and the buttons
        (the chat stayed blank after the toast went)."""
        message = _told(exc)
        gr.Warning(esc(message))
        out: list[Any] = [gr.skip()] * (len(view_outputs) + extra)
        out[view_outputs.index(panel.indicator)] = _problem(message)
        return tuple(out)

    def view(
        interview: Interview, chat: list[Message], spoken: str, ids: list[str] | None
    ) -> tuple[Any, ...]:
        cards, sources = _cards(services, interview)
        return (
            interview.session_id,
            chat,
            _status(interview),
            cards,
            sources,
            spoken,
            remember(ids, interview.session_id),
            _IDLE,
            _clock_data(interview),
            interview.position,
            interview.session_id,
        )

    def moved_on(interview: Interview, ids: list[str] | None) -> tuple[Any, ...]:
        """The view of where the interview stands now, with a notice, for a tab that showed an
        earlier point of it (another tab or window answered in the meantime)."""
        # "Send again" pointed at a Send that an ended interview locks.
        now = (
            "it has ended there, shown here. Nothing was sent; your text stays in the box to "
            "copy, and Report shows the feedback."
            if interview.finished
            else f"it is now at {_where(interview)}, shown here. Nothing was sent; check the "
            "question, then send again."
        )
        gr.Warning(f"This interview moved on in another tab or window: {now}")
        replies = resumed_replies(interview.history(), [])
        return view(interview, reply_messages(replies), "", ids)

    def start(
        name: str,
        topics: list[str] | None,
        num: float,
        difficulty: str,
        mode: str,
        follow_ups: bool,
        shuffle: bool,
        time_limit: float | None,
        ids: list[str] | None,
    ) -> tuple[Any, ...]:
        try:
            config = SessionConfig(
                candidate=name or None,
                topics=list(topics or []),
                num_questions=int(num),
                difficulty=None if difficulty == _UNSET_DIFFICULTY else int(difficulty),
                mode="exam" if mode == "exam" else "practice",
                follow_ups=bool(follow_ups),
                order="shuffled" if shuffle else "bank",
                time_limit_s=float(time_limit) if time_limit else None,
                grader=services.settings.effective_grader,
            )
        except ValidationError as exc:
            raise refuse(esc(f"Check the set-up: {exc.errors()[0]['msg']}")) from None
        try:
            interview = Interview.create(services.repository, services.bank, grader, config)
            replies = interview.start()
        except Exception as exc:  # noqa: BLE001 - shown as a clean message
            return failed(exc, extra=1)
        return (
            *view(interview, reply_messages(replies), _last_spoken(replies), ids),
            gr.Accordion(open=False),
        )

    def resume(session_id: str, ids: list[str] | None) -> tuple[Any, ...]:
        return reopen(session_id, ids)

    def reopen(session_id: str, ids: list[str] | None, *, link: bool = False) -> tuple[Any, ...]:
        """Resume (or, from a link, open) a session; ``link``: a failure says the page can be
        reloaded, where the status said "No interview yet: ... press Start"."""
        session_id = (session_id or "").strip()
        if not session_id:
            raise refuse("Paste the session id shown above the chat, or open its link.")
        try:
            interview = load(session_id)
            past = interview.history()
            fresh = [] if interview.finished else interview.resume()
        except Exception as exc:  # noqa: BLE001 - shown as a clean message
            out = list(failed(exc, extra=1))
            if link:
                out[view_outputs.index(panel.status)] = _LINK_FAILED
            return tuple(out)
        return (
            *view(
                interview,
                reply_messages(resumed_replies(past, fresh)),
                _last_spoken(fresh or past),
                ids,
            ),
            gr.Accordion(open=False),
        )

    def resume_problem(session_id: str, *, link: bool = False) -> str:
        """Why ``session_id`` cannot be resumed, in the browser's terms ('' when it can);
        ``link``: it came in the page's ``?session=``, so the candidate has just opened it."""
        session_id = (session_id or "").strip()
        if not session_id:
            return "Paste the session id shown above the chat, or open its link."
        if not is_session_id(session_id):
            # Not echoed: a damaged link can hold anything (a 5,000-character id filled the
            # toast), and PostgreSQL failed on a NUL, told as a database failure.
            if link:
                return (
                    "This link does not hold a valid session id: copy the whole resume link "
                    "again, or start a new interview."
                )
            return (
                "That is not a valid session id: copy the whole id shown above the chat "
                "(letters, digits, - and _), or open the resume link."
            )
        if services.repository.find_session(session_id) is None:
            if link:
                return (
                    f"No interview with the id {session_id!r} in this link: check that the "
                    "whole link was copied, or start a new interview."
                )
            return (
                f"No interview with the id {session_id!r}: check it against the id shown above "
                "the chat, or open the resume link."
            )
        return ""

    def check_resume(session_id: str, ids: list[str] | None) -> list[Any]:
        """Gradio's validator of Resume: a wrong id is told at the id box. Raised from the step,
        it put four "Error" badges over the page, named a CLI command, and logged a traceback."""
        try:
            problem = resume_problem(session_id)
        except InterviewerError:
            problem = ""  # Resume itself tells what failed
        return [gr.validate(not problem, problem), gr.validate(True, "")]

    def on_page_load(ids: list[str] | None, request: gr.Request) -> tuple[Any, ...]:
        session_id = (request.query_params.get("session") or "").strip() if request else ""
        try:
            problem = resume_problem(session_id, link=True) if session_id else ""
        except Exception as exc:  # noqa: BLE001 - the database is down: not "No interview yet"
            out = list(failed(exc, extra=1))
            out[view_outputs.index(panel.status)] = _LINK_FAILED
            return tuple(out)
        if not session_id or problem:
            if problem:  # a mistyped or stale link: say so, leave the page ready to start
                gr.Warning(esc(problem))
            return tuple(gr.skip() for _ in range(len(view_outputs) + 1))
        return reopen(session_id, ids, link=True)

    def check_answer(text: str, session_id: str, chat: list[Message] | None) -> list[Any]:
        """Gradio's validator of a sent answer: a refused one is told at the answer box (and to
        an API client as a validation error) and nothing else runs. Raising gr.Error in the
        step itself put an "Error" badge over the chat, hiding the question, until the next
        action, and logged a traceback for a slip of the candidate."""
        problem = _answer_problem(text, session_id)
        return [gr.validate(not problem, problem), gr.validate(True, ""), gr.validate(True, "")]

    def accept(text: str, session_id: str, chat: list[Message] | None) -> tuple[Any, ...]:
        """Instant step (after :func:`check_answer`): echo the answer, show the grading
        indicator."""
        chat = [*(chat or []), {"role": "user", "content": as_chat_text(text.strip())}]
        return chat, _GRADING, gr.Textbox(interactive=False)

    def grade(
        text: str,
        session_id: str,
        chat: list[Message] | None,
        heard: dict | None,
        ids: list[str] | None,
        seen: str | None = None,
    ) -> tuple[Any, ...]:
        """Slow step: save the answer, grade it, show feedback and the next question."""
        kwargs: dict[str, Any] = {}
        if heard and heard.get("text"):
            kwargs = {"transcript": heard["text"], "transcript_confidence": heard["confidence"]}
        try:
            interview = load(session_id)
            if interview.stale(seen):
                return (
                    *moved_on(interview, ids),
                    gr.Textbox(value=text, interactive=True),  # kept: it may still fit
                    heard,
                    gr.skip(),
                )
            replies = interview.submit(text, **kwargs)
        except Exception as exc:  # noqa: BLE001 - keep the answer in the box, say what happened
            message = _told(exc, "Answer not stored")
            gr.Warning(esc(message))
            kept = list(chat or [])[:-1]  # the echo; the answer itself stays in the box
            return (
                session_id,
                kept,
                gr.skip(),
                gr.skip(),
                gr.skip(),
                gr.skip(),
                gr.skip(),
                _problem(message),  # until the next step works: the toast goes
                gr.skip(),
                gr.skip(),
                gr.skip(),
                gr.Textbox(value=text, interactive=True),
                heard,
                gr.skip(),
            )
        # Sent: a recording of this question still unsent (transcribed for a page that was
        # reloaded) must not come back in the next question's box.
        _quietly(lambda: services.repository.drop_transcript(session_id))
        shown = [r for r in replies if r.kind != "answer"]
        chat = [*(chat or []), *reply_messages(shown)]
        return (
            *view(interview, chat, _last_spoken(shown), ids),
            gr.Textbox(value="", interactive=True),
            None,
            None,
        )

    def check_end(
        session_id: str,
        chat: list[Message] | None,
        ids: list[str] | None,
        seen: str | None = None,
        draft: str | None = None,
    ) -> list[Any]:
        """Gradio's validator of End: an answer typed but not sent is neither graded nor
        dropped. End used to finish the interview and leave the draft in the locked box."""
        unsent = bool((draft or "").strip()) and not Interview.finished_at(seen)
        if unsent and session_id:
            try:  # a tab left behind by another one is told that first (by End itself)
                unsent = not load(session_id).stale(seen)
            except InterviewerError:
                pass  # End itself says what is wrong with the session
        return [*(gr.validate(True, "") for _ in range(4)), gr.validate(not unsent, _UNSENT_AT_END)]

    def command(word: Literal["hint", "skip", "repeat", "end"]):  # type: ignore[no-untyped-def]
        def run(
            session_id: str,
            chat: list[Message] | None,
            ids: list[str] | None,
            seen: str | None = None,
            draft: str | None = None,  # End's only: see check_end
        ) -> tuple[Any, ...]:
            if not session_id:
                raise refuse("Start an interview first (or resume one).")
            try:
                interview = load(session_id)
                if interview.stale(seen):  # "skip" would have skipped another question
                    return moved_on(interview, ids)
                replies = interview.submit(word)
            except Exception as exc:  # noqa: BLE001 - shown as a clean message
                return failed(exc)
            echo = [{"role": "user", "content": f"*{word}*"}]
            return view(
                interview,
                [*(chat or []), *echo, *reply_messages(replies)],
                _last_spoken(replies),
                ids,
            )

        return run

    def transcribe(
        path: str | None, text: str, keep: tuple[str, str] | None = None
    ) -> tuple[Any, ...]:
        """Transcribe a recording into the answer box; ``keep``: the (session, recording) under
        which the text is also stored until a page has it (see :func:`restored_transcript`)."""
        if not path:
            return gr.skip(), gr.skip(), gr.skip()
        if services.transcriber is None or services.transcriber_problem:
            return (
                gr.skip(),
                esc(
                    services.transcriber_problem
                    or "Speech recognition is unavailable; type your answer."
                ),
                None,
            )
        try:
            heard = services.transcriber.transcribe(Path(path))
        except InterviewerError as exc:
            heard = Transcript(text="", confidence=0, duration_s=0, message=str(exc))
        if keep is not None:
            # Stored before it is returned: a page reloaded meanwhile never gets the return.
            stored = {**heard.model_dump(), "typed": text or ""}
            _quietly(lambda: services.repository.finish_transcript(*keep, stored))
        if not heard.text:  # the recording's id still goes back, for received()
            failed = {"text": "", "confidence": 0.0, "recording": keep[1]} if keep else None
            return gr.skip(), f"⚠️ {esc(heard.message)}", failed
        joined = _joined(text, heard.text)
        note = (
            f"⚠️ {esc(heard.message)}"
            if heard.low_confidence
            else f"Transcribed {heard.duration_s:.0f} s of speech (confidence "
            f"{heard.confidence:.0%}). Correct it if needed, then send."
        )
        if heard.duration_s >= _STOP_AT_LIMIT_S - 2:
            note += _AT_LIMIT
        confidence = min(heard.confidence, 0.3) if heard.low_confidence else heard.confidence
        state = {"text": heard.text, "confidence": confidence}
        return joined, note, {**state, "recording": keep[1]} if keep else state

    def transcribe_recording(
        path: str | None,
        text: str,
        recorded_at: tuple[str, str] | None,
        session_id: str,
        seen: str,
    ) -> Iterator[tuple[Any, ...]]:
        """Say that the recording is being transcribed, then put its text in the box (see
        :func:`recording_text`). A 2-minute answer took 50 s on a busy machine, under the note
        "Record, then check the transcript ..." and Gradio's "processing | 4.8/1.5s". The box
        is locked meanwhile: what was typed there was replaced by the transcript."""
        if not path:
            yield gr.skip(), gr.skip(), gr.skip()
            return
        # Locked only in an interview: a call of the API without one has no box to open again
        # (it got the box back locked, where it was left as it was before).
        in_interview = bool(session_id)
        locked = gr.Textbox(interactive=False) if in_interview else gr.skip()
        yield locked, _TRANSCRIBING, gr.skip()
        try:
            box, note, heard = recording_text(path, text, recorded_at, session_id, seen)
        except Exception:  # noqa: BLE001 - the box must not stay locked
            log.exception("Transcription failed")
            box, note, heard = gr.skip(), _TRANSCRIPTION_FAILED, None
        if not in_interview:
            yield box, note, heard
            return
        # Open again, as answer_controls has it: not if the interview ended meanwhile (End
        # pressed in another tab while it ran).
        at = (_quietly(lambda: load(session_id).position) if session_id else None) or seen
        live = Interview.running_at(at)
        value = {} if isinstance(box, dict) else {"value": box}  # gr.skip() is a dict
        yield gr.Textbox(interactive=live, **value), note, heard

    def recording_text(
        path: str | None,
        text: str,
        recorded_at: tuple[str, str] | None,
        session_id: str,
        seen: str,
    ) -> tuple[Any, ...]:
        """As ``transcribe``, but a recording begun elsewhere (left running while a typed
        answer was sent, or a new interview started) stays out of this question's box, and so
        does one the interview moved on from while it was transcribed."""
        now = _where_recorded(session_id, seen)
        if path and recorded_at and recorded_at != now:
            where = (
                "before the interview moved on to this question"
                if recorded_at[0] == session_id
                else "in another interview"
            )
            return kept_out(transcribe(path, ""), f"began {where}")
        keep = None
        if path and session_id and Interview.running_at(seen):
            recording = _quietly(lambda: services.repository.begin_transcript(session_id, seen))
            keep = (session_id, recording) if recording else None
        heard = transcribe(path, text, keep)
        # A typed answer sent (or Skip pressed) while a long recording was transcribed: its
        # text came back into the follow-up's or the next question's box.
        if path and session_id and seen and moved_since(session_id, seen):
            if keep is not None:
                _quietly(lambda: services.repository.drop_transcript(*keep))
            return kept_out(heard, "was still being transcribed when the interview moved on")
        return heard

    def moved_since(session_id: str, seen: str) -> bool:
        """Whether the stored interview is no longer at ``seen`` (unknown: not moved)."""
        position = _quietly(lambda: load(session_id).position)
        return position is not None and position != seen

    def kept_out(heard: tuple[Any, ...], why: str) -> tuple[Any, ...]:
        """A transcription's outputs (see ``transcribe``) for a recording that is not this
        question's: the box is left alone and the note shows what it heard."""
        _, note, state = heard
        said = f" It heard: “{esc(state['text'])}”" if state and state.get("text") else ""
        moved = (
            f"⚠️ That recording {why}, so it is not put in the answer box.{said} "
            "Record again to answer this question."
        )
        return gr.skip(), moved if said or str(note).startswith("⚠️") else note, None

    def received(session_id: str, heard: dict | None) -> None:  # type: ignore[type-arg]
        """The page has the transcript (it keeps it as its draft): the stored copy goes."""
        if session_id and heard and heard.get("recording"):
            _quietly(lambda: services.repository.drop_transcript(session_id, heard["recording"]))

    def restore_spoken(session_id: str, seen: str, text: str, notice: str) -> tuple[Any, ...]:
        """A transcript the page missed (it reloaded during the transcription) goes into the
        answer box; while the transcription runs, the page waits for it (``spoken_wait``)."""
        unsent = _quietly(lambda: services.repository.unsent_transcript(session_id))
        action, joined, note = restored_transcript(
            unsent if session_id else None, seen, text, datetime.now(UTC)
        )
        wait = gr.Timer(active=action == "wait")
        if action == "none":  # nothing, or no longer: another tab took it, or it was sent
            waited = notice == _STILL_TRANSCRIBING
            return gr.skip(), _mic_help(services) if waited else gr.skip(), gr.skip(), wait
        assert unsent is not None
        if action == "wait":
            return gr.skip(), note, gr.skip(), wait
        taken = _quietly(lambda: services.repository.drop_transcript(session_id, unsent.recording))
        if action == "drop" or not taken:  # not taken: another tab of the session took it
            return gr.skip(), note or gr.skip(), gr.skip(), wait
        heard = Transcript.model_validate(unsent.transcript)
        confidence = min(heard.confidence, 0.3) if heard.low_confidence else heard.confidence
        return joined, note, {"text": heard.text, "confidence": confidence}, wait

    setup_outputs = [*view_outputs, panel.setup]
    set_url = """(sid) => {
      try {
        const url = new URL(window.location.href);
        if (sid) { url.searchParams.set("session", sid); }
        window.history.replaceState(null, "", url.toString());
      } catch (e) {}
    }"""
    speak = BROWSER_SPEAK_JS if services.settings.tts == "browser" else None

    def after(event: Any, *, focus: bool = True) -> None:
        """Put the id in the address bar, the cursor in the answer box (not on a page load:
        a new visitor starts at the set-up), and read the question aloud when asked to."""
        event = event.then(None, [panel.sid_text], None, js=set_url, queue=False)
        event.then(None, [panel.clock_text], None, js=_CLOCK_JS, queue=False)
        if focus:
            event.then(None, None, None, js=_FOCUS_ANSWER, queue=False)
        read_aloud(event)

    def read_aloud(event: Any) -> None:
        """After ``event``, read the last question or hint aloud if the box is ticked."""
        if speak:
            event.then(None, [panel.speak_text, panel.read_aloud], None, js=speak, queue=False)
        elif panel.voice is not None:
            event.then(_piper(services), [panel.speak_text, panel.read_aloud], [panel.voice])

    after(
        panel.start.click(
            start,
            [
                panel.name,
                panel.topics,
                panel.num_questions,
                panel.difficulty,
                panel.mode,
                panel.follow_ups,
                panel.shuffle,
                panel.time_limit,
                known,
            ],
            setup_outputs,
            api_name="start",
            concurrency_id="session",
            concurrency_limit=SESSION_CONCURRENCY,
        )
    )
    resumed = panel.resume.click(
        resume,
        [panel.resume_id, known],
        setup_outputs,
        validator=check_resume,
        api_name="resume",
        # Quick group: resuming grades only an answer a crash interrupted (rare), and a
        # candidate coming back must not wait behind everyone else's grading.
        concurrency_id="session",
        concurrency_limit=SESSION_CONCURRENCY,
    )
    after(resumed)
    grade_outputs = [*view_outputs, panel.answer, panel.transcript, panel.mic]
    # In the browser only (no request per keystroke); typed or transcribed text alike.
    panel.answer.change(
        None,
        [panel.answer],
        [panel.length_note],
        js=_LENGTH_JS,
        queue=False,
        show_progress="hidden",
    )
    panel.answer.change(
        None,
        [panel.answer, panel.sid_text, panel.seen_text],
        None,
        js=_SAVE_DRAFT_JS,
        queue=False,
        show_progress="hidden",
    )
    # Enter and the Send button do the same; only the first is part of the documented API.
    for trigger, public in ((panel.answer.submit, True), (panel.send.click, False)):
        accepted = trigger(
            accept,
            [panel.answer, panel.session_id, panel.chat],
            [panel.chat, panel.indicator, panel.answer],
            validator=check_answer,
            # Queued (in the quick group) because only queued events show gr.Error text.
            concurrency_id="session",
            concurrency_limit=SESSION_CONCURRENCY,
            show_progress="hidden",
            api_name="accept" if public else None,
            api_visibility="public" if public else "undocumented",
        )
        # Sent: it is the server's now (a reload while it is graded must not offer it again).
        accepted.success(None, [panel.sid_text], None, js=_DROP_DRAFT_JS, queue=False)
        graded = accepted.success(
            grade,
            [panel.answer, panel.session_id, panel.chat, panel.transcript, known, panel.seen],
            grade_outputs,
            api_name="answer" if public else None,
            api_visibility="public" if public else "undocumented",
            concurrency_id="grade",
            concurrency_limit=grade_limit,
            # Only the chat shows progress; the indicator line must stay clearly visible.
            show_progress="minimal",
            show_progress_on=[panel.chat],
        )
        # The last transcript's "Transcribed 9 s of speech..." stayed under the next question.
        graded.then(
            # Not after the last answer: the note then says the interview has ended.
            lambda seen: gr.skip() if Interview.finished_at(seen) else _mic_help(services),
            [panel.seen],
            [panel.mic_notice],
            queue=False,
            show_progress="hidden",
            api_visibility="private",
        )
        after(graded)
    buttons: tuple[tuple[gr.Button, Literal["hint", "skip", "repeat", "end"]], ...] = (
        (panel.hint, "hint"),
        (panel.skip, "skip"),
        (panel.repeat, "repeat"),
        (panel.end, "end"),
    )
    for button, word in buttons:
        inputs = [panel.session_id, panel.chat, known, panel.seen]
        after(
            button.click(
                command(word),
                [*inputs, panel.answer] if word == "end" else inputs,
                view_outputs,  # type: ignore[arg-type]
                api_name=word,
                validator=check_end if word == "end" else None,
                concurrency_id="session",
                concurrency_limit=SESSION_CONCURRENCY,
            )
        )
    panel.mic.start_recording(None, None, None, js=_STOP_AT_LIMIT_JS, queue=False)
    panel.mic.start_recording(None, None, None, js=_FOCUS_STOP_JS, queue=False)
    panel.mic.stop_recording(None, None, None, js=_STOPPED_JS, queue=False)
    panel.mic.start_recording(None, None, None, js=_STOP_SPEAKING_JS, queue=False).then(
        _where_recorded,
        [panel.session_id, panel.seen],
        [panel.recorded_at],
        queue=False,
        api_visibility="private",
    )

    # A recording that gave no text, or text it doubts (Whisper "hears" words in silence), is
    # taken away, so Record is there again: the note said "record again" while the button hid
    # behind the clip's small "×". (Set as an output of the transcription itself, the clip
    # stayed: the recorder set it after.)
    def clear_failed(heard: dict | None) -> Any:  # type: ignore[type-arg]
        trusted = heard and heard.get("confidence", 0.0) >= LOW_TRANSCRIPT_CONFIDENCE
        return gr.skip() if trusted else None

    # A recording and an uploaded file are transcribed alike, except that a recording begun at
    # another question is not put in the box; only the first is public API (the States are
    # not part of it).
    for trigger, fn, extra, api in (
        (
            panel.mic.stop_recording,
            transcribe_recording,
            [panel.recorded_at, panel.session_id, panel.seen],
            {"api_name": "transcribe"},
        ),
        (panel.mic.upload, transcribe, [], {"api_visibility": "undocumented"}),
    ):
        heard_in = trigger(
            fn,
            [panel.mic, panel.answer, *extra],
            [panel.answer, panel.mic_notice, panel.transcript],
            concurrency_id="stt",
            concurrency_limit=STT_CONCURRENCY,
            **api,  # type: ignore[arg-type]
        )
        heard_in.then(
            clear_failed, [panel.transcript], [panel.mic], queue=False, api_visibility="private"
        )
        heard_in.then(
            received,
            [panel.session_id, panel.transcript],
            None,
            queue=False,
            show_progress="hidden",
            api_visibility="private",
        )
        heard_in.then(None, None, None, js=_FOCUS_ANSWER, queue=False)  # review it, then Enter
    panel.seen.change(
        lambda seen, notice: (*answer_controls(seen, notice, _mic_help(services)), seen),
        [panel.seen, panel.mic_notice],
        [
            *(panel.answer, panel.send, panel.hint, panel.skip, panel.repeat, panel.end),
            *(panel.mic, panel.mic_notice, panel.seen_text),
        ],
        queue=False,
        show_progress="hidden",
        api_visibility="private",
    )
    # Shown at a new position (a page load resuming the session included): the draft typed
    # there, if any, comes back.
    panel.seen_text.change(
        None,
        [panel.sid_text, panel.seen_text],
        None,
        js=_RESTORE_DRAFT_JS,
        queue=False,
        show_progress="hidden",
    )
    panel.mode.change(
        follow_ups_control,
        [panel.mode],
        [panel.follow_ups],
        queue=False,
        show_progress="hidden",
        api_visibility="private",
    )
    # The bank's topics now: one added since the server started (the bank editor) was missing.
    panel.topics.focus(
        lambda: gr.update(choices=services.bank.topics()),
        None,
        [panel.topics],
        queue=False,
        show_progress="hidden",
        api_visibility="private",
    )
    # "Read questions aloud" is a preference of this browser, kept across reloads and sessions:
    # after a reload it was off again and the next questions were silent.
    # Kept as "on"/"off": Gradio's browser side stores only a truthy value, so an untick
    # (False) was never saved and the next reload ticked the box again.
    read_aloud_saved = gr.BrowserState("off", storage_key="interviewer-read-aloud")
    chosen = panel.read_aloud.input(
        lambda on: "on" if on else "off",
        [panel.read_aloud],
        [read_aloud_saved],
        js=_STOP_SPEAKING_IF_OFF_JS,  # in the browser first, then the choice is kept
        queue=False,
        show_progress="hidden",
        api_visibility="private",
    )
    read_aloud(chosen)  # ticked mid-question: the question is read now, not from the next one
    demo.load(
        # Only ever ticks it: a box ticked while the page loaded must not be cleared (True:
        # the value kept before "on"/"off").
        lambda on: True if on in ("on", True) else gr.skip(),
        [read_aloud_saved],
        [panel.read_aloud],
        queue=False,
        show_progress="hidden",
        api_visibility="private",
    )
    demo.load(None, None, None, js=_LIVE_NOTES_JS, queue=False)
    loaded = demo.load(
        on_page_load,
        [known],
        setup_outputs,
        api_visibility="undocumented",
        # Every page load runs this; in the grading group a new visitor's page waited
        # (its outputs showing progress) until the answers queued before it were graded.
        concurrency_id="session",
        concurrency_limit=SESSION_CONCURRENCY,
    )
    after(loaded, focus=False)
    # A spoken answer transcribed while the page reloaded (or another tab resumed the
    # session) was lost: the transcript had nowhere to go. It is kept until a page has it.
    # After a load or a resume, and on each tick of the wait while the transcription runs.
    restore: dict[str, Any] = {
        "fn": restore_spoken,
        "inputs": [panel.session_id, panel.seen, panel.answer, panel.mic_notice],
        "outputs": [panel.answer, panel.mic_notice, panel.transcript, panel.spoken_wait],
        "concurrency_id": "session",
        "concurrency_limit": SESSION_CONCURRENCY,
        "show_progress": "hidden",
        "api_visibility": "private",
    }
    for event in (loaded, resumed):
        event.then(**restore)
    panel.spoken_wait.tick(**restore)


def _piper(services: Services):  # type: ignore[no-untyped-def]
    speaker = PiperSpeaker()
    folder = Path(tempfile.mkdtemp(prefix="interviewer-voice-"))

    def speak(text: str, enabled: bool) -> str | None:
        if not (enabled and text):
            return None
        try:
            return str(speaker.speak(text, folder / f"q-{time.monotonic_ns()}.wav"))
        except InterviewerError as exc:
            gr.Warning(esc(exc))
            return None

    return speak
