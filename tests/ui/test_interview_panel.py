"""What a candidate is told when a resume link or a pasted session id cannot be opened, through
the handlers the Interview tab wires to the page load and the Resume button (the browser flow
of an unknown id is in test_app.py), and what the tab shows as answers are sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest

from interviewer.session import Interview
from interviewer.settings import Settings
from interviewer.speech import Transcript
from interviewer.ui.panels import interview as interview_panel
from interviewer.ui.services import build_services

# The view's outputs, in the order the handlers return them (``view_outputs`` in wire).
_VIEW = ["session_id", "chat", "status", "cards", "sources", "speak", "known", "indicator"]
_VIEW += ["clock", "seen", "sid_text"]


@dataclass
class Tab:
    """The Interview tab's page load and Resume validator, and the toasts they raised."""

    panel: interview_panel.InterviewPanel
    services: Any
    handlers: dict[str, Callable[..., Any]]
    toasts: list[str]

    def open_link(self, session_id: str) -> dict[str, Any]:
        """Open ``/?session=<session_id>``: the outputs by name."""
        self.toasts.clear()
        request = SimpleNamespace(query_params={"session": session_id})
        out = self.handlers["on_page_load"]([], request)
        names = ["session_id", "chat", "status"]
        return dict(zip(names, out, strict=False))

    def paste(self, session_id: str) -> str:
        """Paste an id and press Resume: what the id box is told ('' when it opens)."""
        verdict = self.handlers["check_resume"](session_id, [])[0]
        return "" if verdict["is_valid"] else str(verdict["message"])

    def start(self, questions: int = 2) -> dict[str, Any]:
        """Press Start (practice, follow-ups on): the view's outputs by name."""
        out = self.handlers["start"]("", [], questions, "any", "practice", True, False, 0, [])
        return dict(zip(_VIEW, out, strict=False))

    def send(self, text: str, shown: dict[str, Any]) -> dict[str, Any]:
        """Send an answer from the view ``shown`` (the grading step): the new view by name."""
        out = self.handlers["grade"](
            text, shown["session_id"], shown["chat"], None, [], shown["seen"]
        )
        return dict(zip(_VIEW, out, strict=False))

    def transcribe(self, *args: Any) -> list[tuple[Any, ...]]:
        """Stop a recording (``transcribe_recording``'s inputs): what the page is sent, in
        order (a step may send more than one update)."""
        sent = self.handlers["transcribe_recording"](*args)
        return [sent] if isinstance(sent, tuple) else list(sent)

    def start_and_end(self) -> str:
        interview = Interview.create(
            self.services.repository,
            self.services.bank,
            interview_panel.LazyGrader(self.services),
            interview_panel.SessionConfig(num_questions=1, grader="offline"),
        )
        interview.start()
        interview.submit("end")
        assert interview.finished
        return interview.session_id


def _tab(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Tab:
    toasts: list[str] = []
    monkeypatch.setattr(gr, "Warning", lambda message, *a, **k: toasts.append(message))
    services = build_services(settings)
    with gr.Blocks() as demo:
        panel = interview_panel.render(services)
        interview_panel.wire(panel, services, gr.BrowserState([]), demo)
    handlers = {}
    for function in demo.fns.values():
        for handler in (function.fn, getattr(function, "validator", None)):
            if handler is not None:
                handlers[handler.__name__] = handler
    return Tab(panel, services, handlers, toasts)


@pytest.fixture
def tab(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Tab:
    return _tab(settings.model_copy(update={"grader": "offline"}), monkeypatch)


def _unchanged(value: object) -> bool:
    return isinstance(value, dict) and value == {"__type__": "update"}


def _update(box: Any) -> dict[str, Any]:
    """What an output changes in the answer box: its value, whether it can be typed in."""
    if isinstance(box, str):
        return {"value": box}
    return box if isinstance(box, dict) else dict(box.constructor_args)


def _text(box: Any) -> str:
    """The text an update puts in the answer box."""
    return str(_update(box)["value"])


def test_interview_panel_an_unknown_link_says_to_copy_the_whole_link_or_start_anew(
    tab: Tab,
) -> None:
    # The link's notice said "or open the resume link", to a candidate who just had.
    shown = tab.open_link("fFCui7Hwmsy8cysqsA1Ij")  # a link with its last character cut off
    (toast,) = tab.toasts
    assert toast.startswith("No interview with the id &#x27;fFCui7Hwmsy8cysqsA1Ij&#x27;")
    assert "whole link" in toast and "start a new interview" in toast
    assert "open the resume link" not in toast
    assert _unchanged(shown["status"])  # the page stays ready to start


def test_interview_panel_an_ended_interview_opens_from_its_link_as_finished(tab: Tab) -> None:
    session_id = tab.start_and_end()
    shown = tab.open_link(session_id)
    assert tab.toasts == []
    assert shown["session_id"] == session_id
    assert shown["status"].startswith("**Finished**")
    assert "Interview finished" in shown["chat"][-1]["content"]
    assert tab.paste(session_id) == ""


def test_interview_panel_a_reloaded_exam_still_shows_its_rules_once(tab: Tab) -> None:
    """Reloaded mid-exam, the chat began at "Question 1": the greeting with the mode, the time
    limit per answer and the commands was gone, so the candidate no longer saw the rules."""
    out = tab.handlers["start"]("", [], 2, "any", "exam", False, False, 90, [])
    shown = dict(zip(_VIEW, out, strict=False))
    greeting = shown["chat"][0]["content"]
    assert "This is an exam" in greeting and "90 seconds per answer" in greeting
    shown = tab.send("A GAN has a generator and a discriminator.", shown)
    for _ in range(2):  # every reload rebuilds the chat: said once each time, not piled up
        chat = [m["content"] for m in tab.open_link(shown["session_id"])["chat"]]
        assert chat[0] == greeting and chat.count(greeting) == 1
        assert sum("Welcome back" in m for m in chat) == 1
        assert chat[-1].startswith("**Question 2 of 2**")


MALFORMED = ["a\x00b", "x" * 5000, "abc def", "<b>id</b>", "fFCui7Hwmsy8cysqsA1Ijw)."]


@pytest.mark.parametrize("session_id", MALFORMED, ids=["nul", "long", "space", "html", "punct"])
def test_interview_panel_a_malformed_link_is_told_without_echoing_it(
    tab: Tab, session_id: str
) -> None:
    # A 5,000-character link filled the toast with the id; NUL failed the PostgreSQL query.
    shown = tab.open_link(session_id)
    (toast,) = tab.toasts
    assert "not hold a valid session id" in toast and "copy the whole resume link" in toast
    assert session_id not in toast and "&lt;b&gt;" not in toast
    assert _unchanged(shown["status"])
    problem = tab.paste(session_id)
    assert "not a valid session id" in problem and session_id not in problem


def test_interview_panel_a_nul_in_a_link_is_no_database_failure_on_postgresql(
    settings: Settings, postgres_schema_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL refuses NUL in text: the candidate was told the database failed and to
    reload, which could never help, and the operator's log got a database warning."""
    tab = _tab(
        settings.model_copy(update={"grader": "offline", "database_url": postgres_schema_url}),
        monkeypatch,
    )
    shown = tab.open_link("fFCui7Hwmsy8\x00cysqsA1Ijw")
    (toast,) = tab.toasts
    assert "not hold a valid session id" in toast
    assert "database" not in toast.lower()
    assert _unchanged(shown["status"])
    assert "not a valid session id" in tab.paste("fFCui7Hwmsy8\x00cysqsA1Ijw")


def test_interview_panel_a_follow_up_is_not_answered_by_its_own_feedback_card(tab: Tab) -> None:
    """The first answer's card showed beside its follow-up, listing the missed key point the
    follow-up asks about word for word (and the model answer under Sources): pasted back as
    the follow-up answer it took q01 from 0.0 to 3.0. The card comes once the follow-up is
    answered or skipped."""
    shown = tab.start()
    shown = tab.send("A GAN has a generator that makes fake images.", shown)
    assert shown["seen"].startswith("follow_up:")
    follow_up = shown["chat"][-1]["content"]
    assert "GAN is a generative" in follow_up  # it asks about this point by its first words
    point = "A GAN is a generative model that learns to produce new samples"
    assert point not in shown["cards"] and point not in shown["sources"]
    assert "Model answer" not in shown["sources"]
    assert "comes after your answer to its follow-up, or press Skip" in shown["cards"]

    shown = tab.send("I am not sure.", shown)  # the follow-up answered: the card is there
    assert shown["status"].startswith("**Question 2 of 2**")
    assert point in shown["cards"] and "Model answer" in shown["sources"]
    assert "comes after your answer to its follow-up" not in shown["cards"]


def test_interview_panel_the_card_after_a_follow_up_shows_it_and_both_answers(tab: Tab) -> None:
    """The card of an answer and its follow-up answer ran both together under "Your answer",
    and the follow-up question was nowhere on it: its 5.0 read as the first answer's, which the
    chat had just put at 1.2. History's card of the session is the same."""
    from interviewer.ui.panels.history import session_feedback_html

    shown = tab.start()
    shown = tab.send("A GAN has a generator that makes fake images.", shown)
    assert shown["seen"].startswith("follow_up:")
    shown = tab.send("It is a generative model of the training data.", shown)
    for card in (shown["cards"], session_feedback_html(tab.services, shown["session_id"])):
        mine = card[card.index("Your answer and follow-up answer") :]
        first = mine.index("A GAN has a generator that makes fake images.")
        question = mine.index("<b>Follow-up:</b> Your answer did not cover")
        assert first < question < mine.index("It is a generative model of the training data.")

    shown = tab.send("skip", tab.send("Two networks.", shown))  # a follow-up skipped
    card = shown["cards"][: shown["cards"].index("Question 1 ·")]
    assert "<b>Follow-up:</b>" in card
    assert "Not answered: this grade is of the first answer alone." in card


def test_interview_panel_follow_ups_can_be_ticked_in_practice_only(tab: Tab) -> None:
    """Exam chosen, "Follow-up questions" stayed ticked and open, and the exam asked none."""
    exam = _update(tab.handlers["follow_ups_control"]("exam"))
    assert exam["interactive"] is False and exam["info"] == "Practice mode only"
    practice = _update(tab.handlers["follow_ups_control"]("practice"))
    assert practice["interactive"] is True and not practice["info"]


def test_interview_panel_a_card_gives_the_time_taken_and_hints_as_the_report_does(
    tab: Tab,
) -> None:
    """The report said "time 1.4 s (over the 1 s limit) · hints used: 1"; the cards (Interview
    and History) said neither, so an answer sent late or after a hint read like any other."""
    from datetime import timedelta

    from interviewer.reports import build_report
    from interviewer.ui.panels.history import session_feedback_html

    out = tab.handlers["start"]("", [], 1, "any", "exam", False, False, 1, [])
    shown = dict(zip(_VIEW, out, strict=False))
    repo = tab.services.repository
    [turn] = repo.turns(shown["session_id"])
    repo.save_turn(turn.model_copy(update={"started_at": turn.started_at - timedelta(seconds=5)}))
    shown = tab.send("hint", shown)
    shown = tab.send("A GAN has a generator and a discriminator.", shown)
    report = build_report(repo, shown["session_id"], tab.services.settings)
    said = report.time_of(report.questions[0])
    assert said.endswith("s (over the 1 s limit)"), said
    facts = f"Time {said} · hints used: 1"
    assert facts in shown["cards"]
    assert facts in session_feedback_html(tab.services, shown["session_id"])


def test_interview_panel_cards_list_every_question_as_the_summary_does(tab: Tab) -> None:
    """Skip on the first question, End on the second: the summary listed both ("skipped",
    "not answered") and the Feedback column had no card at all, where History had two."""
    from interviewer.ui.panels.history import session_feedback_html

    shown = tab.start()
    shown = tab.send("skip", shown)
    assert "Skipped." in shown["cards"]
    shown = tab.send("end", shown)
    assert "— skipped" in shown["chat"][-1]["content"]
    assert "— not answered" in shown["chat"][-1]["content"]
    for cards in (shown["cards"], session_feedback_html(tab.services, shown["session_id"])):
        assert cards.count('class="fb-card"') == 2
        assert "Question 2 · " in cards and "Not answered: the interview ended" in cards
        assert "Question 1 · " in cards and "Skipped." in cards


class _SentMeanwhile:
    """A transcriber during whose work the candidate sends a typed answer from the page."""

    name = "fake"

    def __init__(self, tab: Tab, shown: dict[str, Any]) -> None:
        self.tab, self.shown = tab, shown

    def transcribe(self, audio_path: Path) -> Transcript:
        if self.shown:
            self.tab.send("A GAN has a generator that makes fake images.", self.shown)
        return Transcript(text="Mode collapse is when the generator", confidence=0.9, duration_s=9)


def test_interview_panel_a_recording_transcribed_after_the_interview_moved_on_stays_out(
    tab: Tab, tmp_path: Path
) -> None:
    """Stop, then a typed answer sent while the (long) recording was transcribed: the recording's
    text came back into the follow-up's box, for the follow-up's answer."""
    shown = tab.start()
    recorded_at = (shown["session_id"], shown["seen"])
    wav = tmp_path / "audio.wav"
    wav.write_bytes(b"RIFF")
    tab.services.transcriber = _SentMeanwhile(tab, shown)
    *_, (box, note, heard) = tab.transcribe(
        str(wav), "", recorded_at, shown["session_id"], shown["seen"]
    )
    assert "value" not in _update(box) and heard is None
    assert note.startswith("⚠️ That recording was still being transcribed when the interview")
    assert "not put in the answer box. It heard: “Mode collapse is when the generator”" in note
    assert tab.services.repository.unsent_transcript(shown["session_id"]) is None  # nor later

    # Where the interview still is, the text goes into the box as before.
    shown = tab.start()
    tab.services.transcriber = _SentMeanwhile(tab, {})
    *_, (box, note, heard) = tab.transcribe(
        str(wav), "", (shown["session_id"], shown["seen"]), shown["session_id"], shown["seen"]
    )
    assert _text(box) == "Mode collapse is when the generator"
    assert note.startswith("Transcribed 9 s")


class _Heard:
    """A transcriber that hears a recording of a given length."""

    name = "fake"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def transcribe(self, audio_path: Path) -> Transcript:
        return Transcript(text="Mode collapse is", confidence=0.9, duration_s=self.seconds)


def test_interview_panel_the_recording_limit_is_said_before_and_when_reached(
    tab: Tab, tmp_path: Path
) -> None:
    """A recording over 3 minutes was refused once spoken ("the limit is 3 minutes"), and one
    of 6 minutes (over the upload size) vanished without a word: the limit was said nowhere.
    The browser now stops a recording at the limit, and the notes say so."""
    assert "A recording stops at 3 minutes." in str(tab.panel.mic_notice.value)
    shown = tab.start()
    wav = tmp_path / "audio.wav"
    wav.write_bytes(b"RIFF")
    where = (shown["session_id"], shown["seen"])
    for seconds, at_limit in ((60.0, False), (177.4, True)):
        tab.services.transcriber = _Heard(seconds)
        *_, (box, note, _) = tab.transcribe(str(wav), "", where, *where)
        assert _text(box) == "Mode collapse is"
        stopped = "It stopped at the 3-minute limit: to add the rest, clear the recording (×)"
        assert (stopped in note) is at_limit, note


def test_interview_panel_notes_beside_the_chat_are_read_by_screen_readers(
    settings: Settings,
) -> None:
    """Only the chat was a live region: after a recording of silence the cursor went to the
    empty answer box and "No speech was recognised" was never read, nor "Grading your
    answer…". The page load makes both notes live, without Gradio's progress line in them.
    (Checked in Chromium: both wrappers are role=status after a transcription and a send.)"""
    services = build_services(settings.model_copy(update={"grader": "offline"}))
    with gr.Blocks() as demo:
        panel = interview_panel.render(services)
        interview_panel.wire(panel, services, gr.BrowserState([]), demo)
    on_load = [f.js or "" for f in demo.fns.values() if ("load" in str(f.targets))]
    (live,) = [js for js in on_load if "aria-live" in js]
    for note in (panel.mic_notice, panel.indicator):
        assert f"'{note.elem_id}'" in live
    assert 'setAttribute("role", "status")' in live and '"aria-hidden", "true"' in live


class _EndedMeanwhile:
    """A transcriber during whose work the candidate presses End in another tab."""

    name = "fake"

    def __init__(self, tab: Tab, session_id: str) -> None:
        self.tab, self.session_id = tab, session_id

    def transcribe(self, audio_path: Path) -> Transcript:
        if self.session_id:
            interview = Interview.load(
                self.tab.services.repository,
                self.tab.services.bank,
                interview_panel.LazyGrader(self.tab.services),
                self.session_id,
            )
            interview.submit("end")
        return Transcript(text="Mode collapse is", confidence=0.9, duration_s=9)


def test_interview_panel_a_recording_says_it_is_transcribed_and_locks_the_box_meanwhile(
    tab: Tab, tmp_path: Path
) -> None:
    """A 2-minute answer took 50 s to transcribe under the note "Record, then check the
    transcript ..." and "processing | 4.8/1.5s" (an estimate from short clips), and words typed
    in the box meanwhile were replaced by the transcript when it came."""
    shown = tab.start()
    wav = tmp_path / "audio.wav"
    wav.write_bytes(b"RIFF")
    where = (shown["session_id"], shown["seen"])
    tab.services.transcriber = _EndedMeanwhile(tab, "")
    (locked, note, _), (box, done, _) = tab.transcribe(str(wav), "Typed first.", where, *where)
    assert note == "Transcribing your recording… its text will appear in the answer box."
    assert _update(locked) == {"interactive": False}
    assert _update(box) == {"value": "Typed first. Mode collapse is", "interactive": True}
    assert done.startswith("Transcribed 9 s")

    # Ended while it ran (End in another tab): the box stays locked, as the ended page shows it.
    tab.services.transcriber = _EndedMeanwhile(tab, shown["session_id"])
    *_, (box, _, _) = tab.transcribe(str(wav), "", where, *where)
    assert _update(box)["interactive"] is False

    # Outside an interview (the API's /transcribe) the box is not locked, nor left locked.
    tab.services.transcriber = _EndedMeanwhile(tab, "")
    (first, _, _), (box, _, _) = tab.transcribe(str(wav), "", None, "", "")
    assert "interactive" not in _update(first) and "interactive" not in _update(box)


def test_interview_panel_recording_silences_the_offline_voice(settings: Settings) -> None:
    """With INTERVIEWER_TTS=piper a hint read aloud played on over the candidate's recording
    (Chromium: the question audio's time ran on after Record); the browser's voice stopped.
    Recording now pauses the Piper voice's audio too."""
    services = build_services(settings.model_copy(update={"grader": "offline", "tts": "piper"}))
    with gr.Blocks() as demo:
        panel = interview_panel.render(services)
        interview_panel.wire(panel, services, gr.BrowserState([]), demo)
    assert panel.voice is not None
    on_record = [f.js or "" for f in demo.fns.values() if "start_recording" in str(f.targets)]
    voice = f'document.getElementById("{panel.voice.elem_id}")'
    assert any(voice in js and "node.pause()" in js for js in on_record), on_record


def test_interview_panel_keyboard_focus_goes_to_stop_once_a_recording_runs(tab: Tab) -> None:
    """Enter on Record hid the button and dropped the cursor to the page body, about 20 Tabs
    from Stop while the microphone was on (walked in Chromium with the keyboard only; the
    transcript then puts it in the answer box, as before)."""
    with gr.Blocks() as demo:
        panel = interview_panel.render(tab.services)
        interview_panel.wire(panel, tab.services, gr.BrowserState([]), demo)
    on_record = [f.js or "" for f in demo.fns.values() if "start_recording" in str(f.targets)]
    assert any('#mic .stop-button"' in js and ".focus()" in js for js in on_record), on_record


def test_a_pending_grades_chat_line_says_it_can_take_minutes() -> None:
    """The chat said "reload the page to see it" while the card said a few minutes: the app
    grades a pending answer again only after a few minutes, so a reload still showed pending."""
    from interviewer.grading.base import Grade, GraderInfo
    from interviewer.ui.panels.interview import _feedback_line

    grade = Grade(
        question_id="q01",
        question_version="v1",
        status="pending",
        overall=None,
        criteria=[],
        flags=["pending"],
        grader=GraderInfo(kind="llm", model="m", prompt_version="p"),
    )
    line = _feedback_line(grade)
    assert "a few minutes" in line and "nothing is lost" in line
    assert "reload the page to see it" not in line
