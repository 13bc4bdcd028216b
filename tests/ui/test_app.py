"""End-to-end tests of the web app in headless Chromium (Debian chromium + Playwright).

Each test drives the running app the way a candidate would and saves screenshots to
``tests/artifacts/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Playwright, expect

from interviewer.bank import Question, load_default_bank
from interviewer.chat.server import FakeOpenAIServer, ServerFault
from interviewer.settings import Settings

pytestmark = pytest.mark.browser

FIRST_GRADE_MS = 240_000  # the first grade waits for the knowledge index to be built
GRADE_MS = 90_000
WEAK_ANSWER = "I am not sure. Maybe it is something about computers and data."


@pytest.fixture(scope="module")
def bank_by_text() -> dict[str, Question]:
    bank = load_default_bank(Settings())
    return {" ".join(q.text.split()): q for q in bank.questions}


def strong_answer(question: Question) -> str:
    return " ".join(kp.rstrip(".") + "." for kp in question.key_points)


def start_interview(
    page: Page,
    *,
    name: str = "",
    questions: int = 3,
    follow_ups: bool = False,
    mode: str = "practice",
) -> str:
    """Fill in the set-up, press Start, and return the session id."""
    expect(page.locator("#start")).to_be_visible(timeout=30_000)
    if name:
        page.locator("#name textarea, #name input").first.fill(name)
    slider = page.locator("#num-questions input[type=number]")
    slider.fill(str(questions))
    slider.press("Tab")
    if not follow_ups:
        page.locator("#follow-ups input[type=checkbox]").uncheck()
    if mode == "exam":
        page.locator("#mode").get_by_text("Exam").click()
    page.locator("#start").click()
    expect(page.locator("#status-bar")).to_contain_text(
        f"Question 1 of {questions}", timeout=30_000
    )
    # The box opens in a second round trip after the question shows (see answer_controls):
    # an Enter pressed in between fell on a disabled box, so CI saw no "empty answer" message.
    expect(page.locator("#answer textarea")).to_be_editable(timeout=10_000)
    return session_id(page)


def session_id(page: Page) -> str:
    match = re.search(r"session ([A-Za-z0-9_-]{12,})", page.locator("#status-bar").inner_text())
    assert match, page.locator("#status-bar").inner_text()
    return match.group(1)


def current_question(page: Page) -> str:
    """The text of the last question the interviewer asked."""
    bot = page.locator("#chat [data-testid='bot']")
    for index in range(bot.count() - 1, -1, -1):
        text = bot.nth(index).inner_text().strip()
        match = re.match(r"Question \d+ of \d+\s*(.*)", text, re.DOTALL)
        if match:
            return " ".join(match.group(1).split())
    raise AssertionError("no question in the chat")


def send_answer(page: Page, text: str, *, cards_before: int, timeout: int = GRADE_MS) -> None:
    """Type an answer, press Enter, and wait for its feedback card."""
    box = page.locator("#answer textarea")
    box.fill(text)
    box.press("Enter")
    # On a loaded machine it once took longer than 10 s to appear after the first answer.
    expect(page.locator("#grading-indicator")).to_contain_text("Grading", timeout=GRADE_MS)
    expect(page.locator("#feedback-cards .fb-card")).to_have_count(
        cards_before + 1, timeout=timeout
    )
    expect(page.locator("#grading-indicator")).not_to_contain_text("Grading", timeout=30_000)


def card_scores(page: Page) -> dict[int, float]:
    """Overall score per question number, read from the feedback cards."""
    scores: dict[int, float] = {}
    cards = page.locator("#feedback-cards .fb-card")
    for index in range(cards.count()):
        card = cards.nth(index)
        number = int(re.search(r"Question (\d+)", card.locator(".fb-title").inner_text()).group(1))
        scores[number] = float(card.locator(".fb-score").inner_text().split("/")[0])
    return scores


def test_app_practice_interview_scores_strong_answer_above_weak(
    page: Page, bank_by_text: dict[str, Question], artifacts: Path
) -> None:
    page.locator("#read-aloud input[type=checkbox]").check()
    session_id_text = start_interview(page, name="Ada", questions=3)
    page.screenshot(path=artifacts / "practice-1-started.png", full_page=True)
    # No button that blanks the conversation on the page (it would look like deleting it).
    expect(page.locator("#chat button[aria-label='Clear']")).to_be_hidden()
    # With "Read questions aloud" on, the browser's speech synthesis speaks the question.
    page.wait_for_function("window.__spoken.length > 0")
    spoken = page.evaluate("window.__spoken")
    assert spoken[-1].split()[:4] == current_question(page).split()[:4]

    # Keyboard users type straight away: the cursor is in the answer box after Start and
    # after each answer (it was on the page body, ~24 Tabs away).
    expect(page.locator("#answer textarea")).to_be_focused(timeout=10_000)
    first = bank_by_text[current_question(page)]
    send_answer(page, strong_answer(first), cards_before=0, timeout=FIRST_GRADE_MS)
    expect(page.locator("#status-bar")).to_contain_text("Question 2 of 3")
    expect(page.locator("#answer textarea")).to_be_focused(timeout=10_000)

    send_answer(page, WEAK_ANSWER, cards_before=1)
    expect(page.locator("#status-bar")).to_contain_text("Question 3 of 3")
    # Each score's reason is one click away on the card.
    newest = page.locator("#feedback-cards .fb-card").first
    expect(newest.locator(".fb-rationales")).to_be_hidden()
    newest.get_by_text("Why these scores").click()
    expect(newest.locator(".fb-rationales dd[data-criterion='coverage']")).to_be_visible()
    page.screenshot(path=artifacts / "practice-2-feedback.png", full_page=True)

    third = bank_by_text[current_question(page)]
    send_answer(page, third.key_points[0], cards_before=2)
    expect(page.locator("#status-bar")).to_contain_text("Finished")
    expect(page.locator("#chat")).to_contain_text("Interview finished")
    # The last answer's "back to the help text" step does not undo the ended note.
    expect(page.locator("#mic-notice")).to_contain_text("The interview has ended")
    expect(page.locator("#answer textarea")).to_be_disabled()
    # The box is locked: the cursor goes to Report, the next step (it fell to the page body).
    expect(page.locator("#open-report")).to_be_focused(timeout=10_000)

    scores = card_scores(page)
    assert set(scores) == {1, 2, 3}
    assert scores[1] > scores[2]
    strong_card = page.locator("#feedback-cards .fb-card").last  # newest first: Q1 is last
    expect(strong_card.locator(".fb-covered li").first).to_be_visible()
    expect(strong_card.locator(".fb-crit")).to_have_count(4)
    page.locator("#sources").get_by_text("Sources and model answer").click()
    expect(page.locator("#sources .fb-sources li").first).to_be_visible()
    page.screenshot(path=artifacts / "practice-3-finished.png", full_page=True)

    # History: the finished session, its feedback, and the attempts at its first question.
    page.get_by_role("tab", name="History").click()
    page.get_by_role("button", name="Refresh").click()
    table = page.locator("#history-table")
    expect(table).to_contain_text("finished", timeout=15_000)
    page.locator("#history-session-id textarea, #history-session-id input").first.fill(
        session_id_text
    )
    page.locator("#history-open-feedback").click()
    expect(page.locator("#history-feedback .fb-card")).to_have_count(3, timeout=15_000)
    page.locator("#history-question input").click()
    page.get_by_role("option", name=re.compile(first.id)).click()
    expect(page.locator("#history-attempts")).to_contain_text(f"{scores[1]:.1f}", timeout=15_000)
    page.screenshot(path=artifacts / "practice-4-history.png", full_page=True)


def test_app_spoken_answer_is_transcribed_into_the_box_and_graded(
    page: Page, artifacts: Path
) -> None:
    start_interview(page, name="Voice", questions=2)
    mic = page.locator("#mic")
    mic.get_by_role("button", name="Record").click()
    page.wait_for_timeout(11_000)  # the fake microphone plays the ~11 s recording once
    mic.get_by_role("button", name="Stop").click()
    box = page.locator("#answer textarea")
    expect(box).to_have_value(re.compile("generator", re.IGNORECASE), timeout=120_000)
    assert "collapse" in box.input_value().lower()
    expect(page.locator("#mic-notice")).to_contain_text("Transcribed")
    page.screenshot(path=artifacts / "spoken-1-transcript.png", full_page=True)

    send_answer(
        page,
        box.input_value() + " Minibatch discrimination helps.",
        cards_before=0,
        timeout=FIRST_GRADE_MS,
    )
    expect(page.locator("#chat [data-testid='user']").last).to_contain_text("Minibatch")
    # The transcript's note belonged to that answer, not to the next question.
    expect(page.locator("#mic-notice")).to_contain_text("Record, then check the transcript")
    assert card_scores(page)[1] >= 0
    page.screenshot(path=artifacts / "spoken-2-graded.png", full_page=True)

    # The fake microphone has played its recording: this one is silence. It gets a warning,
    # and Record is there again at once (it hid behind the failed clip's small "×").
    mic.get_by_role("button", name="Record").click()
    page.wait_for_timeout(3_000)
    mic.get_by_role("button", name="Stop").click()
    expect(page.locator("#mic-notice")).to_contain_text("⚠️", timeout=120_000)
    expect(mic.get_by_role("button", name="Record")).to_be_visible(timeout=30_000)
    page.screenshot(path=artifacts / "spoken-3-silence.png", full_page=True)


def test_app_recording_left_running_past_a_typed_answer_stays_out_of_the_next_box(
    playwright_driver: Playwright, spoken_answer_wav: Path, app_server: Any, artifacts: Path
) -> None:
    """A recording still running when a typed answer was sent came back, once stopped, as
    text in the next question's box."""
    from ui.conftest import candidate_context, launch_with_microphone, open_tab

    browser = launch_with_microphone(playwright_driver, spoken_answer_wav)  # its own recording
    try:
        page = open_tab(candidate_context(browser, app_server.url), app_server.url)
        start_interview(page, name="Voice left on", questions=3)
        mic = page.locator("#mic")
        mic.get_by_role("button", name="Record").click()
        page.wait_for_timeout(11_000)  # the spoken answer goes into the recording
        send_answer(page, WEAK_ANSWER, cards_before=0, timeout=FIRST_GRADE_MS)
        expect(page.locator("#status-bar")).to_contain_text("Question 2 of 3")
        mic.get_by_role("button", name="Stop").click()
        notice = page.locator("#mic-notice")
        expect(notice).to_contain_text(
            "began before the interview moved on to this question", timeout=120_000
        )
        expect(notice).to_contain_text(re.compile("generator", re.IGNORECASE))  # kept, not lost
        expect(page.locator("#answer textarea")).to_have_value("")
        expect(mic.get_by_role("button", name="Record")).to_be_visible(timeout=30_000)
        page.screenshot(path=artifacts / "spoken-4-earlier-question.png", full_page=True)
    finally:
        browser.close()


def test_app_spoken_answer_survives_a_reload_during_its_transcription(
    playwright_driver: Playwright, spoken_answer_wav: Path, app_server: Any, artifacts: Path
) -> None:
    """A reload while the recording was being transcribed lost the spoken answer: the
    transcript never reached the reloaded page, and the candidate had to speak it again."""
    from ui.conftest import candidate_context, launch_with_microphone, open_tab

    browser = launch_with_microphone(playwright_driver, spoken_answer_wav)  # its own recording
    try:
        page = open_tab(candidate_context(browser, app_server.url), app_server.url)
        sid = start_interview(page, name="Voice reload", questions=2)
        mic = page.locator("#mic")
        mic.get_by_role("button", name="Record").click()
        page.wait_for_timeout(11_000)  # the fake microphone plays the ~11 s recording once
        # The transcription is asked for (the recording uploaded) once its queue request goes.
        with page.expect_request(
            lambda r: "/queue/join" in r.url and ".wav" in (r.post_data or "")
        ):
            mic.get_by_role("button", name="Stop").click()
        page.wait_for_timeout(300)  # the server takes up the job
        page.reload(wait_until="domcontentloaded")
        expect(page.locator("#status-bar")).to_contain_text(sid, timeout=30_000)
        page.screenshot(path=artifacts / "spoken-reload-1-reloaded.png", full_page=True)
        box = page.locator("#answer textarea")
        expect(box).to_have_value(re.compile("generator", re.IGNORECASE), timeout=120_000)
        assert "collapse" in box.input_value().lower()
        expect(page.locator("#mic-notice")).to_contain_text(
            "transcribed while you were away from this page; check it and send"
        )
        page.screenshot(path=artifacts / "spoken-reload-2-restored.png", full_page=True)

        # Sent, it is gone: the next question's box stays empty, reloaded or not.
        send_answer(page, box.input_value(), cards_before=0, timeout=FIRST_GRADE_MS)
        expect(page.locator("#chat [data-testid='user']").last).to_contain_text("generator")
        expect(page.locator("#status-bar")).to_contain_text("Question 2 of 2")
        page.reload(wait_until="domcontentloaded")
        expect(page.locator("#status-bar")).to_contain_text("Question 2 of 2", timeout=30_000)
        page.wait_for_timeout(3_000)
        expect(box).to_have_value("")
        expect(page.locator("#mic-notice")).not_to_contain_text("reloaded")
        page.screenshot(path=artifacts / "spoken-reload-3-next-question.png", full_page=True)
    finally:
        browser.close()


def test_app_tab_left_behind_by_another_tab_does_not_answer_the_wrong_question(
    page: Page, bank_by_text: dict[str, Question]
) -> None:
    """An answer sent from a tab still showing Question 2, after another tab had answered it,
    was saved and graded as the answer to Question 3, and the interview ended."""
    sid = start_interview(page, name="Two tabs", questions=3)
    first = bank_by_text[current_question(page)]
    send_answer(page, strong_answer(first), cards_before=0, timeout=FIRST_GRADE_MS)
    expect(page.locator("#status-bar")).to_contain_text("Question 2 of 3")
    other = page.context.new_page()
    other.goto(f"{page.url.split('?')[0]}?session={sid}", wait_until="domcontentloaded")
    expect(other.locator("#status-bar")).to_contain_text("Question 2 of 3", timeout=30_000)
    send_answer(other, strong_answer(bank_by_text[current_question(other)]), cards_before=1)
    expect(other.locator("#status-bar")).to_contain_text("Question 3 of 3")

    late = "Answer typed in the old tab, meant for question 2."
    box = page.locator("#answer textarea")
    box.fill(late)
    box.press("Enter")
    expect(page.get_by_text("moved on in another tab")).to_be_visible(timeout=GRADE_MS)
    expect(page.locator("#status-bar")).to_contain_text("Question 3 of 3")
    expect(box).to_have_value(late)  # kept, nothing sent
    expect(page.locator("#chat")).not_to_contain_text(late)
    # The same guard holds for the buttons: Skip here would have skipped Question 3 unseen.
    other.locator("#skip").click()
    expect(other.locator("#status-bar")).to_contain_text("Finished", timeout=30_000)
    page.locator("#end").click()
    expect(page.get_by_text("moved on in another tab").first).to_be_visible(timeout=30_000)
    # Ended there: Send is locked here, so the notice must not say "send again".
    expect(page.get_by_text("it has ended there").first).to_be_visible()
    expect(page.locator("#status-bar")).to_contain_text("Finished", timeout=30_000)
    other.close()


def test_app_read_aloud_choice_survives_a_reload(page: Page) -> None:
    """After a reload the box was unticked again and the next questions were silent."""
    page.locator("#read-aloud input[type=checkbox]").check()
    start_interview(page, name="Listener", questions=2)
    page.wait_for_function("window.__spoken.length > 0")
    page.reload(wait_until="domcontentloaded")
    expect(page.locator("#status-bar")).to_contain_text("Question 1 of 2", timeout=30_000)
    expect(page.locator("#read-aloud input[type=checkbox]")).to_be_checked()
    page.locator("#skip").click()
    expect(page.locator("#status-bar")).to_contain_text("Question 2 of 2", timeout=30_000)
    page.wait_for_function("window.__spoken.length > 0")
    assert page.evaluate("window.__spoken")[-1].split()[:3] == current_question(page).split()[:3]
    # A hint is read too: a candidate listening rather than reading heard nothing.
    spoken = len(page.evaluate("window.__spoken"))
    page.locator("#hint").click()
    page.wait_for_function(f"window.__spoken.length > {spoken}", timeout=30_000)
    assert page.evaluate("window.__spoken")[-1].startswith("Hint: a strong answer says")

    # Recording, or unticking the box, stops the question being read: the microphone took the
    # voice in, and unticked it read on to the end. The box is at hand mid-interview: it was in
    # the set-up, which folds away once the interview starts.
    for stop in (
        lambda: page.locator("#mic").get_by_role("button", name="Record").click(),
        lambda: page.locator("#read-aloud input[type=checkbox]").uncheck(),
    ):
        before = page.evaluate("window.__silenced")
        stop()
        page.wait_for_function(f"window.__silenced > {before}", timeout=10_000)

    # Unticked is kept too: the browser stored only a ticked box, so a reload ticked it again.
    page.wait_for_timeout(1_000)  # the choice is stored by the box's own event
    page.reload(wait_until="domcontentloaded")
    expect(page.locator("#status-bar")).to_contain_text("Question 2 of 2", timeout=30_000)
    page.wait_for_timeout(3_000)  # the page's load events have run
    expect(page.locator("#read-aloud input[type=checkbox]")).not_to_be_checked()
    assert page.evaluate("window.__spoken") == []
    # Ticked mid-question, it reads the question now: it was silent until the next one.
    page.locator("#read-aloud input[type=checkbox]").check()
    page.wait_for_function("window.__spoken.length > 0", timeout=10_000)
    assert page.evaluate("window.__spoken")[-1].split()[:3] == current_question(page).split()[:3]
    # The end is said too: a listening candidate heard nothing when the interview finished.
    page.locator("#skip").click()
    page.wait_for_function(
        "window.__spoken.length > 0 && window.__spoken.at(-1).startsWith('Interview finished')",
        timeout=30_000,
    )
    spoken = page.evaluate("window.__spoken")[-1]
    assert spoken.startswith("Interview finished. Answered 0 of 2 (skipped 2)"), spoken


def test_app_resumes_after_server_restart_with_nothing_lost(
    page: Page,
    app_server,
    fake_llm: FakeOpenAIServer,
    bank_by_text: dict[str, Question],
    artifacts: Path,
) -> None:
    sid = start_interview(page, name="Restart", questions=3)
    assert f"session={sid}" in page.url
    first = bank_by_text[current_question(page)]
    send_answer(page, strong_answer(first), cards_before=0, timeout=FIRST_GRADE_MS)
    second = bank_by_text[current_question(page)]

    # The server dies while the second answer is being graded.
    fake_llm.push_fault(ServerFault(kind="delay", seconds=30))
    box = page.locator("#answer textarea")
    box.fill(strong_answer(second))
    box.press("Enter")
    expect(page.locator("#grading-indicator")).to_contain_text("Grading")
    page.wait_for_timeout(1_500)
    page.screenshot(path=artifacts / "restart-0-grading.png", full_page=True)
    app_server.kill()
    # The candidate closes the dead tab and opens the link again: leaving the old page first
    # stops its reconnect loop, whose requests could otherwise hold the new page's connections.
    page.goto("about:blank")
    app_server.start()

    _goto_after_restart(page, f"{app_server.url}/?session={sid}")
    chat = page.locator("#chat")
    expect(chat).to_contain_text("Welcome back", timeout=GRADE_MS)
    expect(page.locator("#feedback-cards .fb-card")).to_have_count(2, timeout=GRADE_MS)
    expect(page.locator("#status-bar")).to_contain_text("Question 3 of 3")
    expect(chat).to_contain_text(first.key_points[0].rstrip("."))
    expect(chat).to_contain_text(second.key_points[0].rstrip("."))
    page.screenshot(path=artifacts / "restart-resumed.png", full_page=True)


def test_app_browser_contexts_do_not_share_sessions(
    page: Page,
    browser,
    app_server,
    artifacts: Path,  # type: ignore[no-untyped-def]
) -> None:
    other_context = browser.new_context(viewport={"width": 1360, "height": 1000})
    other = other_context.new_page()
    try:
        other.goto(app_server.url, wait_until="domcontentloaded")
        mine = start_interview(page, name="Alice Private", questions=2)
        theirs = start_interview(other, name="Bob Private", questions=2)
        assert mine != theirs
        expect(page.locator("#chat")).not_to_contain_text("Bob")
        expect(other.locator("#chat")).not_to_contain_text("Alice")

        for tab, own, foreign in ((page, mine, theirs), (other, theirs, mine)):
            tab.get_by_role("tab", name="History").click()
            tab.get_by_role("button", name="Refresh").click()
            table = tab.locator("#history-table")
            expect(table).to_contain_text(own, timeout=15_000)
            expect(table).not_to_contain_text(foreign)
        page.screenshot(path=artifacts / "contexts-alice-history.png", full_page=True)
        other.screenshot(path=artifacts / "contexts-bob-history.png", full_page=True)

        # Alice resumes her unfinished session from History: back in the Interview tab.
        page.locator("#history-table").get_by_text(mine).last.click()
        picked = page.locator("#history-session-id textarea, #history-session-id input").first
        expect(picked).to_have_value(mine)
        page.get_by_role("button", name="Resume in Interview tab").click()
        expect(page.locator("#chat")).to_contain_text("Welcome back", timeout=15_000)
        expect(page.locator("#status-bar")).to_contain_text("Question 1 of 2")
        expect(page.locator("#status-bar")).to_contain_text(mine)
        page.screenshot(path=artifacts / "contexts-alice-resumed.png", full_page=True)
    finally:
        other_context.close()


def test_app_hint_repeat_skip_and_end_buttons(page: Page, artifacts: Path) -> None:
    # Before any interview there is nothing to answer: a press put "Error" badges over the page.
    expect(page.locator("#start")).to_be_visible(timeout=30_000)
    expect(page.locator("#answer textarea")).to_be_disabled()
    expect(page.locator("#answer textarea")).to_have_attribute(
        "placeholder", re.compile("Start an interview")
    )
    for button in ("#send", "#hint", "#skip", "#repeat", "#end"):
        expect(page.locator(button)).to_be_disabled()
    start_interview(page, name="Buttons", questions=2)
    expect(page.locator("#hint")).to_be_enabled()
    # On a 1280 x 900 screen the buttons are in sight under the answer box (they were cut off
    # by the screen's bottom edge, with empty space above them).
    size = page.viewport_size
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_timeout(500)
    for button in ("#send", "#open-report"):
        box = page.locator(button).bounding_box()
        assert box is not None and box["y"] + box["height"] <= 900, button
    assert size is not None
    page.set_viewport_size(size)
    first = current_question(page)
    page.locator("#hint").click()
    expect(page.locator("#chat")).to_contain_text("Hint: a strong answer says", timeout=15_000)
    page.locator("#repeat").click()
    bot = page.locator("#chat [data-testid='bot']")
    expect(bot.last).to_contain_text(first[:40], timeout=15_000)
    page.locator("#skip").click()
    expect(page.locator("#status-bar")).to_contain_text("Question 2 of 2", timeout=15_000)
    assert current_question(page) != first
    # End with an answer typed but not sent neither grades nor drops it: it says so and waits.
    box = page.locator("#answer textarea")
    box.fill("The discriminator is trained on real and generated batches.")
    page.locator("#end").click()
    expect(page.get_by_text("Your answer in the box has not been sent")).to_be_visible(
        timeout=10_000
    )
    expect(page.locator("#status-bar")).to_contain_text("Question 2 of 2")
    expect(box).to_have_value("The discriminator is trained on real and generated batches.")
    expect(box).to_be_enabled()
    page.screenshot(path=artifacts / "end-unsent.png", full_page=True)
    box.fill("")
    page.locator("#end").click()
    expect(page.locator("#status-bar")).to_contain_text("Finished", timeout=15_000)
    expect(page.locator("#chat")).to_contain_text("skipped 1")
    expect(page.locator("#chat")).to_contain_text("hints used 1")
    # A finished interview takes no more answers: the box and its buttons are locked (they
    # stayed enabled, and a typed answer could only be refused); its report stays one click away.
    expect(box).to_be_disabled(timeout=10_000)
    expect(box).to_have_attribute("placeholder", re.compile("Interview ended"))
    for button in ("#send", "#hint", "#skip", "#repeat", "#end"):
        expect(page.locator(button)).to_be_disabled()
    expect(page.locator("#open-report")).to_be_enabled()
    expect(page.locator("#mic-notice")).to_contain_text("The interview has ended")
    page.screenshot(path=artifacts / "buttons-ended.png", full_page=True)
    # A new interview unlocks them.
    page.locator("#setup").get_by_text("Set up the interview").click()
    start_interview(page, name="Buttons again", questions=1)
    expect(box).to_be_enabled(timeout=10_000)
    expect(page.locator("#send")).to_be_enabled()
    expect(box).to_have_attribute("placeholder", re.compile("Type your answer"))
    expect(page.locator("#mic-notice")).to_contain_text("Record, then check the transcript")


def test_app_keeps_an_unsent_answer_across_a_reload(page: Page, artifacts: Path) -> None:
    """A reload (or the tab opened again from its link) lost a half-typed answer."""
    sid = start_interview(page, name="Draft", questions=2)
    draft = "The generator maps noise to samples and the discriminator"
    page.locator("#answer textarea").fill(draft)
    page.reload(wait_until="domcontentloaded")
    expect(page.locator("#status-bar")).to_contain_text(sid, timeout=30_000)
    box = page.locator("#answer textarea")
    expect(box).to_have_value(draft, timeout=10_000)
    expect(box).to_be_focused()  # the cursor where the candidate left off
    page.screenshot(path=artifacts / "draft-restored.png", full_page=True)
    # Once sent it is the server's: the next question does not get it back after a reload.
    send_answer(page, draft + " tells real from fake.", cards_before=0, timeout=FIRST_GRADE_MS)
    expect(page.locator("#status-bar")).to_contain_text("Question 2 of 2")
    page.reload(wait_until="domcontentloaded")
    expect(page.locator("#status-bar")).to_contain_text("Question 2 of 2", timeout=30_000)
    page.wait_for_timeout(1_000)
    expect(page.locator("#answer textarea")).to_have_value("")


def test_app_html_payloads_in_name_and_answer_stay_inert(page: Page, artifacts: Path) -> None:
    name = "<img src=x onerror=alert(1)>"
    answer = "<script>alert(2)</script><img src=x onerror=alert(3)> **not bold**"
    start_interview(page, name=name, questions=1)

    # Bad input first: an empty and a huge answer are refused with a message, nothing lost.
    box = page.locator("#answer textarea")
    box.press("Enter")
    expect(page.get_by_text("Your answer is empty")).to_be_visible(timeout=10_000)
    # The question stays in sight: no "Error" badge is put over the chat for a slip.
    page.wait_for_timeout(1_000)
    expect(page.get_by_text("Error", exact=True)).to_have_count(0)
    page.screenshot(path=artifacts / "empty-answer.png", full_page=True)
    # Before sending, a long answer says that only its start is graded.
    note = page.locator("#answer-length")
    box.fill("The generator maps noise to samples. " * 40)  # 240 words: nothing to say
    expect(note).not_to_contain_text("words")
    box.fill("The generator maps noise to samples. " * 100)  # 600 words
    expect(note).to_contain_text("600 words: only about the first 500 words are graded")
    # A range, not one figure: a plain-worded answer had 605 words graded by the card's count.
    expect(note).to_contain_text("(400 to 600, depending on the words)")
    page.screenshot(path=artifacts / "long-answer-note.png", full_page=True)
    box.fill("")
    expect(note).not_to_contain_text("words")
    huge = "GAN " * 6_000
    box.fill(huge)
    box.press("Enter")
    expect(page.get_by_text("the limit is 20,000")).to_be_visible(timeout=10_000)
    assert box.input_value() == huge
    expect(page.locator("#chat [data-testid='user']")).to_have_count(0)

    send_answer(page, answer, cards_before=0, timeout=FIRST_GRADE_MS)
    page.wait_for_timeout(1_000)

    assert page.dialogs == []  # type: ignore[attr-defined]
    chat = page.locator("#chat")
    expect(chat).to_contain_text("<img src=x onerror=alert(1)>")
    expect(chat).to_contain_text("<script>alert(2)</script>")
    expect(chat).to_contain_text("**not bold**")
    assert page.locator("#chat img[src='x'], #feedback-cards img[src='x']").count() == 0
    assert page.locator("#chat script, #feedback-cards script").count() == 0
    page.locator("#feedback-cards details summary").get_by_text("Your answer").first.click()
    expect(page.locator("#feedback-cards .fb-answer").first).to_contain_text("<script>")
    page.screenshot(path=artifacts / "xss-inert.png", full_page=True)


def _goto_after_restart(page: Page, url: str) -> None:
    """Open ``url`` in a page whose old server just died.

    A navigation can still be aborted (net::ERR_ABORTED) or stall while the new server warms
    up; a person would simply load the link again.
    """
    for attempt in range(3):
        try:
            page.goto(url, wait_until="domcontentloaded", timeout=20_000)
            return
        except PlaywrightError as exc:
            retryable = "ERR_ABORTED" in str(exc) or "Timeout" in str(exc)
            if not retryable or attempt == 2:
                raise
            page.wait_for_timeout(500)


def test_app_a_wrong_session_id_or_link_is_told_plainly(page: Page, app_server) -> None:
    """A mistyped id put four "Error" badges over the page and named a CLI command."""
    expect(page.locator("#resume")).to_be_visible(timeout=30_000)
    page.locator("#resume-id textarea, #resume-id input").first.fill("nosuchsession1")
    page.locator("#resume").click()
    expect(page.get_by_text("No interview with the id 'nosuchsession1'")).to_be_visible(
        timeout=15_000
    )
    page.wait_for_timeout(1_000)
    expect(page.get_by_text("Error", exact=True)).to_have_count(0)
    expect(page.get_by_text("interviewer sessions list")).to_have_count(0)
    # A stale link: the page says so and is ready for a new interview.
    page.goto(f"{app_server.url}/?session=nosuchsession2", wait_until="domcontentloaded")
    expect(page.get_by_text("No interview with the id 'nosuchsession2'")).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_text("Error", exact=True)).to_have_count(0)
    start_interview(page, questions=1)


def test_app_keyboard_focus_on_a_checkbox_is_plain_to_see(page: Page, artifacts: Path) -> None:
    """Tabbing onto an unticked checkbox showed only a faint ring."""
    expect(page.locator("#start")).to_be_visible(timeout=30_000)
    page.locator("#follow-ups input[type=checkbox]").focus()
    page.keyboard.press("Tab")  # onto "Shuffle questions", unticked, by keyboard
    focused = page.locator("#shuffle input[type=checkbox]")
    expect(focused).to_be_focused()
    assert not focused.is_checked()
    ring = focused.evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert ring[0] == "solid" and float(ring[1].removesuffix("px")) >= 2, ring
    page.locator("#setup").screenshot(path=artifacts / "keyboard-focus-checkbox.png")
    # A selected radio (accent background): the ring goes round the whole option, where on
    # the input it was drawn accent on accent.
    page.locator("#mode input[type=radio]").first.focus()
    # The arrow keys move between the options, as in any radio group (Gradio's one name per
    # button had made each option a group of its own: ArrowDown stayed on "Practice").
    page.keyboard.press("ArrowDown")
    expect(page.locator("#mode input[value=exam]")).to_be_checked()
    expect(page.locator("#mode input[value=exam]")).to_be_focused()
    follow_ups = page.locator("#follow-ups input[type=checkbox]")
    expect(follow_ups).to_be_disabled()  # practice mode only
    page.keyboard.press("ArrowUp")  # back on "Practice", selected, by keyboard
    expect(page.locator("#mode input[value=practice]")).to_be_checked()
    # Tab leaves the group ("Exam" was a stop of its own) and Shift+Tab comes back to the
    # chosen option. Follow-ups, greyed out for the exam a moment ago, must be open again
    # first: a disabled box is no Tab stop (CI once tabbed past it onto "Shuffle").
    expect(follow_ups).to_be_enabled()
    page.keyboard.press("Tab")
    expect(follow_ups).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#mode input[value=practice]")).to_be_focused()
    option = page.locator("#mode label").filter(has=page.locator("input:focus-visible"))
    expect(option).to_have_count(1)
    assert option.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    page.locator("#mode").screenshot(path=artifacts / "keyboard-focus-radio.png")


def test_app_set_up_options_are_readable_on_a_phone(browser, app_server, artifacts: Path) -> None:
    """At 390 px the option labels were crushed to "Fo/qu", "Re/qu/al" beside the time limit."""
    from ui.conftest import open_tab

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        phone = open_tab(context, app_server.url)
        expect(phone.locator("#start")).to_be_visible(timeout=30_000)
        for option in ("#follow-ups", "#read-aloud", "#shuffle"):
            box = phone.locator(option).bounding_box()
            assert box is not None and box["width"] >= 100, (option, box)  # was ~47 px
        # Big enough for a finger: the boxes were 16 px and the set-up's header 20 px tall.
        for target, least in (
            ("#follow-ups input[type=checkbox]", 24),
            ("#mode input[type=radio] >> nth=0", 24),
            ("#setup > button", 44),
        ):
            box = phone.locator(target).bounding_box()
            assert box is not None and min(box["width"], box["height"]) >= least, (target, box)
        # Every tab is on the line, by name: Report and Calibration were behind an unlabelled
        # "..." menu.
        for name in ("Interview", "History", "Report", "Calibration"):
            expect(phone.get_by_role("tab", name=name)).to_be_visible()
        phone.locator("#setup-options").scroll_into_view_if_needed()
        phone.screenshot(path=artifacts / "phone-set-up.png")
    finally:
        context.close()


def test_app_history_table_is_readable_on_a_phone(browser, app_server, artifacts: Path) -> None:
    """At 390 px the History table's header was ~200 px tall: wrapped into narrow columns, the
    titles broke one letter per line ("Sess ion", "Sco re")."""
    from ui.conftest import open_tab

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        phone = open_tab(context, app_server.url)
        start_interview(phone, name="Phone", questions=1)
        phone.locator("#skip").click()
        expect(phone.locator("#status-bar")).to_contain_text("Finished", timeout=30_000)
        phone.get_by_role("tab", name="History").click()
        phone.get_by_role("button", name="Refresh").click()
        table = phone.locator("#history-table")
        expect(table).to_contain_text("Phone", timeout=15_000)
        header = table.locator("thead tr").first.bounding_box()
        assert header is not None and header["height"] <= 60, header
        phone.screenshot(path=artifacts / "phone-history.png", full_page=True)
    finally:
        context.close()


def test_app_score_bars_show_their_scale_on_a_phone(
    browser, app_server, bank_by_text: dict[str, Question], artifacts: Path
) -> None:
    """At 390 px the criterion bars were squeezed: a 1.2 of 5 was a lone dot, a 5.0 a stub,
    with no track to read them against."""
    from ui.conftest import open_tab

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        phone = open_tab(context, app_server.url)
        start_interview(phone, name="Phone bars", questions=1)
        question = bank_by_text[current_question(phone)]
        send_answer(phone, strong_answer(question), cards_before=0, timeout=FIRST_GRADE_MS)
        card = phone.locator("#feedback-cards .fb-card").first
        rows = card.locator(".fb-crit")
        expect(rows).to_have_count(4)
        for index in range(4):
            row = rows.nth(index)
            if "not assessed" in row.inner_text():  # no track: an empty one read as 0
                expect(row.locator(".fb-track")).to_have_count(0)
                continue
            track = row.locator(".fb-track").bounding_box()
            assert track is not None and track["width"] >= 70, (row.inner_text(), track)
        card.locator(".fb-criteria").scroll_into_view_if_needed()
        phone.screenshot(path=artifacts / "phone-score-bars.png")
    finally:
        context.close()


def test_app_counts_down_a_time_limit_under_the_answer_box(page: Page, artifacts: Path) -> None:
    """The limit was said only in the greeting: no countdown, no word when it ran out."""
    expect(page.locator("#start")).to_be_visible(timeout=30_000)
    limit = page.locator("#time-limit input")
    limit.fill("4")
    limit.press("Tab")
    start_interview(page, questions=2)
    clock = page.locator("#answer-clock-text")
    expect(clock).to_contain_text(re.compile(r"Time left for this answer: [1-4] s"), timeout=10_000)
    expect(clock).to_be_visible()  # hidden only while empty (no time limit)
    expect(clock).to_contain_text("Time is up", timeout=15_000)
    page.screenshot(path=artifacts / "time-limit-up.png", full_page=True)
    send_answer(page, WEAK_ANSWER, cards_before=0, timeout=FIRST_GRADE_MS)
    expect(page.locator("#chat")).to_contain_text("Time limit exceeded")
    expect(clock).to_contain_text("Time left for this answer", timeout=10_000)  # next question
