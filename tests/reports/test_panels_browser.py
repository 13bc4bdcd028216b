"""The Report and Calibration tabs in a real headless Chromium against the running app, with
access control: candidates reach sessions by id, the team signs in with its password."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, Playwright, expect
from ui.conftest import ARTIFACTS, CHROMIUM_ARGS, AppServer, open_tab

from interviewer.access import add_login
from interviewer.settings import PROJECT_ROOT

from .stored import StoredSessions, make_stored_sessions

pytestmark = pytest.mark.browser

PASSWORD = "team-pass-7f3a"
ALICE_PASSWORD = "alice-personal-91c2"
SCORES = """question_id,candidate,answer,rater,score
q04,c1,"Mode collapse: the generator makes a few near-identical outputs, low diversity.",ann,4
q04,c1,"Mode collapse: the generator makes a few near-identical outputs, low diversity.",bob,4
q04,c2,"The loss becomes NaN.",ann,0
q04,c2,"The loss becomes NaN.",bob,1
q01,c1,"A generator and a discriminator trained against each other in a minimax game.",ann,4
q01,c2,"Some network.",ann,1
q01,c3,"bad",ann,11
q02,c1,"A generator maps noise to samples and a discriminator classifies real versus fake.",ann,4
q02,c2,"I do not know.",ann,0
q03,c1,"The generator makes fakes to fool the discriminator, which tells real from fake.",ann,5
q03,c2,"It is about computers.",ann,0
q05,c1,"Neither network gains by changing alone: G matches the data and D outputs one half.",ann,5
q05,c2,"Not sure.",ann,0
"""


@pytest.fixture(scope="module")
def team_app(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[AppServer, StoredSessions]]:
    """The app on stored sessions, offline grader, team password set."""
    root = tmp_path_factory.mktemp("team-app")
    stored = make_stored_sessions(root / "data")
    # Bank edits in the browser go to a copy of the knowledge folder, never the repository's.
    shutil.copytree(PROJECT_ROOT / "knowledge", root / "knowledge")
    # Personal logins next to the shared password: Alice has her own.
    add_login(root / "team-auth", "alice", ALICE_PASSWORD)
    server = AppServer.offline_team(
        root / "data",
        PASSWORD,
        INTERVIEWER_ADMIN_AUTH_FILE=str(root / "team-auth"),
        INTERVIEWER_KNOWLEDGE_DIR=str(root / "knowledge"),
    )
    server.start()
    yield server, stored
    server.stop()


@pytest.fixture(scope="module")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    browser = playwright_driver.chromium.launch(
        executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def tab(chromium: Browser, team_app) -> Iterator[Page]:
    server, _ = team_app
    context = chromium.new_context(viewport={"width": 1360, "height": 1100}, accept_downloads=True)
    yield open_tab(context, server.url)
    context.close()


def _open(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def _show_report(page: Page, session_id: str) -> None:
    _open(page, "Report")
    page.locator("#report-session-id textarea, #report-session-id input").first.fill(session_id)
    page.locator("#report-show").click()


def test_report_tab_shows_a_session_by_id_and_downloads_pdf(tab: Page, team_app) -> None:
    _, stored = team_app
    _show_report(tab, stored.newer)
    expect(tab.locator("#report-status")).to_contain_text("1 still being graded", timeout=60_000)
    frame = tab.frame_locator("iframe.report-frame")
    expect(frame.locator("h1")).to_have_text("Interview feedback report")
    expect(frame.get_by_text("Ada Lovelace")).to_be_visible()
    # The XSS answer is shown as text inside a sandboxed frame, never run.
    expect(frame.locator(".answer").first).to_contain_text('<script>alert("pwned")</script>')
    assert tab.dialogs == []  # type: ignore[attr-defined]
    # The frame scrolls inside the page: it must fit on the screen, both its ends in reach.
    box = tab.locator("iframe.report-frame").bounding_box()
    assert box is not None and tab.viewport_size is not None
    assert box["height"] <= tab.viewport_size["height"]
    tab.screenshot(path=str(ARTIFACTS / "report-tab.png"), full_page=True)
    with tab.expect_download() as download:
        tab.locator("#report-download-pdf").click()
    path = Path(download.value.path())
    assert path.read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename.endswith(".pdf")
    # Typing another id takes the shown report away until Show: it stayed, and its downloads
    # gave the old session's files under the new id.
    box = tab.locator("#report-session-id textarea, #report-session-id input").first
    box.fill(stored.older)
    expect(tab.locator("iframe.report-frame")).to_have_count(0, timeout=10_000)
    expect(tab.locator("#report-status")).not_to_contain_text("Overall")
    expect(tab.locator("#report-download-pdf")).to_be_hidden()
    # An unknown id is refused at the id box, and nothing beside it says otherwise: the status
    # had kept "Press Show (or Enter) to open this session's report".
    box.fill("not-a-real-session-id")
    tab.locator("#report-show").click()
    expect(tab.get_by_text("No interview session with that id").first).to_be_visible(timeout=30_000)
    expect(tab.locator("#report-status")).not_to_contain_text("Press Show")


def test_report_tab_unknown_id_says_so(tab: Page) -> None:
    _show_report(tab, "not-a-real-session-id")
    expect(tab.get_by_text("No interview session with that id").first).to_be_visible(timeout=30_000)
    # At the id box, in the page's words: it was an "Error" badge and a command-line hint.
    expect(tab.get_by_text("Error", exact=True)).to_have_count(0)
    expect(tab.get_by_text("interviewer sessions list")).to_have_count(0)


def test_report_tab_without_an_id_says_so_at_the_id_box(tab: Page) -> None:
    """Show with nothing picked left a red "Error" badge over the page (and a traceback in the
    server's log) for a slip of the candidate."""
    _show_report(tab, "")
    expect(tab.get_by_text("Pick one of your sessions or paste a session id.").first).to_be_visible(
        timeout=30_000
    )
    expect(tab.get_by_text("Error", exact=True)).to_have_count(0)  # no error badge or toast
    tab.screenshot(path=str(ARTIFACTS / "report-tab-no-id.png"), full_page=True)


def test_report_tab_lists_every_session_only_after_team_sign_in(tab: Page) -> None:
    _open(tab, "Report")
    tab.locator("#report-team").get_by_text("Hiring team").click()
    expect(tab.locator("#report-everyone")).to_be_hidden()
    tab.locator("#report-password input").fill("wrong")
    tab.locator("#report-sign-in").click()
    expect(tab.locator("#report-sign-in-status")).to_contain_text("Wrong password", timeout=30_000)
    expect(tab.locator("#report-everyone")).to_be_hidden()
    tab.locator("#report-password input").fill(PASSWORD)
    tab.locator("#report-sign-in").click()
    expect(tab.locator("#report-everyone")).to_be_visible(timeout=30_000)
    tab.locator("#report-everyone input").click()
    expect(tab.get_by_role("option", name="Ada Lovelace").first).to_be_visible()
    expect(tab.get_by_role("option", name="anonymous").first).to_be_visible()
    tab.get_by_role("option", name="Ada Lovelace").first.click()
    expect(tab.locator("iframe.report-frame")).to_have_count(1, timeout=60_000)
    # On a shared screen the team signs out, and nothing it opened stays: the list and the
    # candidate's report stayed until the browser tab was closed.
    tab.locator("#report-sign-out").click()
    expect(tab.locator("#report-sign-in-status")).to_contain_text("Signed out", timeout=30_000)
    expect(tab.locator("#report-everyone")).to_be_hidden()
    expect(tab.locator("iframe.report-frame")).to_have_count(0)
    expect(tab.locator("#report-download-pdf")).to_be_hidden()
    expect(tab.locator("#report-sign-out")).to_be_hidden()


def test_calibration_tab_is_locked_until_team_sign_in(tab: Page) -> None:
    _open(tab, "Calibration")
    expect(tab.locator("#calibration-sign-in")).to_be_visible(timeout=30_000)
    expect(tab.locator("#calibration-content")).to_be_hidden()
    tab.locator("#calibration-password input").fill("guess")
    tab.locator("#calibration-sign-in").click()
    expect(tab.locator("#calibration-sign-in-status")).to_contain_text(
        "Wrong password", timeout=30_000
    )
    expect(tab.locator("#calibration-content")).to_be_hidden()


def test_calibration_tab_runs_on_an_upload(tab: Page, tmp_path: Path) -> None:
    scores = tmp_path / "scores.csv"
    scores.write_text(SCORES, encoding="utf-8")
    _open(tab, "Calibration")
    tab.locator("#calibration-password input").fill(PASSWORD)
    tab.locator("#calibration-sign-in").click()
    expect(tab.locator("#calibration-content")).to_be_visible(timeout=30_000)
    tab.locator("#calibration-upload input[type=file]").set_input_files(str(scores))
    # Gradio renders the name and the extension in separate elements.
    expect(tab.locator("#calibration-upload")).to_contain_text(
        re.compile(r"scores\s*\.csv"), timeout=30_000
    )
    tab.locator("#calibration-run").click()
    summary = tab.locator("#calibration-summary")
    expect(summary).to_contain_text("QWK", timeout=180_000)
    expect(summary).to_contain_text("1 row rejected")
    # Five questions: the QWK comes with how far it could move with other questions.
    interval = re.compile(r"QWK [0-9.]+ \(90% [0-9.]+–[0-9.]+ over questions\)")
    expect(summary).to_contain_text(interval)
    expect(tab.locator("#calibration-plots svg")).to_have_count(3)
    expect(tab.locator("#calibration-problems")).to_contain_text("outside 0-5")
    expect(tab.locator("#calibration-questions")).to_contain_text("q04")
    # Two candidates in the file: no discrimination figure, said so beside the table.
    expect(tab.locator("#calibration-questions")).to_contain_text("too few")
    expect(tab.locator("#calibration-discrimination-note")).to_contain_text("needs 5 candidates")
    # A flagged question is named with its text (a question outside the bank was a bare hash).
    flagged = re.compile(r"No question is flagged|q0\d: [A-Z]")
    expect(tab.locator("#calibration-flags")).to_contain_text(flagged)
    tab.screenshot(path=str(ARTIFACTS / "calibration-tab.png"), full_page=True)
    with tab.expect_download() as download:
        tab.locator("#calibration-download-json").click()
    assert '"overall"' in Path(download.value.path()).read_text(encoding="utf-8")

    # A file with no usable row: its rejected rows are listed, and the figures above are
    # cleared instead of standing under the new file's name.
    unusable = tmp_path / "unusable.csv"
    unusable.write_text(
        "question_id,candidate,answer,rater,score\n"
        "q99,c1,Some answer.,ann,3\nzzz,c2,Another one.,ann,4\n",
        encoding="utf-8",
    )
    tab.locator("#calibration-upload").get_by_role("button", name="Clear").click()
    tab.locator("#calibration-upload input[type=file]").set_input_files(str(unusable))
    expect(tab.locator("#calibration-upload")).to_contain_text(
        re.compile(r"unusable\s*\.csv"), timeout=30_000
    )
    tab.locator("#calibration-run").click()
    expect(summary).to_contain_text("No valid row to calibrate on", timeout=60_000)
    expect(summary).not_to_contain_text("QWK")
    problems = tab.locator("#calibration-problems")
    expect(problems).to_contain_text("q99")
    expect(problems).to_contain_text("zzz")
    expect(problems).not_to_contain_text("outside 0-5")
    expect(tab.locator("#calibration-plots svg")).to_have_count(0)
    expect(tab.locator("#calibration-questions")).not_to_contain_text("q04")
    expect(tab.locator("#calibration-download-json")).to_be_hidden()
    expect(tab.get_by_text("Error", exact=True)).to_have_count(0)
    tab.screenshot(path=str(ARTIFACTS / "calibration-unusable.png"), full_page=True)
    tab.locator("#calibration-sign-out").click()
    expect(tab.locator("#calibration-sign-in-status")).to_contain_text("Signed out", timeout=30_000)
    expect(tab.locator("#calibration-content")).to_be_hidden()


def test_team_edits_a_question_and_the_old_version_is_kept(tab: Page, team_app) -> None:
    server, _ = team_app
    knowledge = server.data_dir.parent / "knowledge"
    _open(tab, "Calibration")
    tab.locator("#calibration-password input").fill(PASSWORD)
    tab.locator("#calibration-sign-in").click()
    expect(tab.locator("#calibration-content")).to_be_visible(timeout=30_000)
    tab.get_by_text("Edit or approve a question").click()
    tab.locator("#bank-question input").click()
    tab.get_by_role("option", name=re.compile(r"^q02 ·")).click()
    points = tab.get_by_label("Key points (one per line)")
    expect(points).not_to_have_value("", timeout=30_000)
    points.fill(points.input_value() + "\nThe generator and discriminator are trained jointly")
    tab.locator("#bank-save").click()
    expect(tab.locator("#bank-status")).to_contain_text("Saved q02", timeout=30_000)
    bank = (knowledge / "questions.yaml").read_text(encoding="utf-8")
    assert "The generator and discriminator are trained jointly" in bank
    history = (knowledge / "questions.history.jsonl").read_text(encoding="utf-8")
    assert '"id": "q02"' in history
    tab.screenshot(path=str(ARTIFACTS / "bank-edit.png"), full_page=True)


def test_bank_editor_saves_other_accepted_answers_one_per_line(tab: Page, team_app) -> None:
    server, _ = team_app
    knowledge = server.data_dir.parent / "knowledge"
    first = "The generator forges samples; the discriminator tells real from fake"
    second = "Two networks: a forger and a detective trained against each other"
    _open(tab, "Calibration")
    tab.locator("#calibration-password input").fill(PASSWORD)
    tab.locator("#calibration-sign-in").click()
    expect(tab.locator("#calibration-content")).to_be_visible(timeout=30_000)
    tab.get_by_text("Add, edit or approve a question").click()
    alternatives = tab.locator("#bank-alternatives textarea")
    points = tab.get_by_label("Key points (one per line)")
    tab.locator("#bank-question input").click()
    tab.get_by_role("option", name=re.compile(r"^q03 ·")).click()
    expect(points).to_have_value(re.compile("generator turns random noise"), timeout=30_000)
    expect(alternatives).to_have_value("")
    alternatives.fill(f"{first}\n\n{second}")  # the blank line is not an answer
    tab.locator("#bank-save").click()
    expect(tab.locator("#bank-status")).to_contain_text("Saved q03", timeout=30_000)
    tab.screenshot(path=str(ARTIFACTS / "bank-alternatives.png"), full_page=True)
    saved = yaml.safe_load((knowledge / "questions.yaml").read_text(encoding="utf-8"))
    q03 = next(q for q in saved["questions"] if q["id"] == "q03")
    assert q03["alternative_answers"] == [first, second]
    # Another question shows its own (no) alternatives, and q03's come back one per line.
    tab.locator("#bank-question input").click()
    tab.get_by_role("option", name=re.compile(r"^q05 ·")).click()
    expect(points).not_to_have_value(re.compile("generator turns random noise"), timeout=30_000)
    expect(alternatives).to_have_value("")
    tab.locator("#bank-question input").click()
    tab.get_by_role("option", name=re.compile(r"^q03 ·")).click()
    expect(alternatives).to_have_value(f"{first}\n{second}", timeout=30_000)


def test_team_member_signs_in_with_a_personal_login_and_adds_a_question(
    tab: Page, team_app
) -> None:
    server, _ = team_app
    knowledge = server.data_dir.parent / "knowledge"
    _open(tab, "Calibration")
    tab.locator("#calibration-name textarea, #calibration-name input").first.fill("alice")
    tab.locator("#calibration-password input").fill(PASSWORD)  # the team's, not hers
    tab.locator("#calibration-sign-in").click()
    status = tab.locator("#calibration-sign-in-status")
    expect(status).to_contain_text("Wrong name or password", timeout=30_000)
    expect(tab.locator("#calibration-content")).to_be_hidden()
    tab.locator("#calibration-password input").fill(ALICE_PASSWORD)
    tab.locator("#calibration-sign-in").click()
    expect(status).to_contain_text("Signed in as alice", timeout=30_000)
    expect(tab.locator("#calibration-content")).to_be_visible()
    # The form gives way to Sign out (the password is not left on the page either).
    expect(tab.locator("#calibration-password")).to_be_hidden()
    expect(tab.locator("#calibration-sign-in")).to_be_hidden()
    tab.get_by_text("Add, edit or approve a question").click()
    tab.locator("#bank-question input").click()
    tab.get_by_role("option", name="+ New question").click()
    expect(tab.get_by_text("New question", exact=False).first).to_be_visible(timeout=30_000)
    tab.get_by_label("Question text").fill("Why does a GAN generator need a latent prior?")
    tab.get_by_label("Topic", exact=True).fill("latent-priors")
    tab.get_by_label("Model answer").fill(
        "The prior gives the generator a source of randomness to map into samples. "
        "Sampling new latent vectors gives new, varied samples at generation time."
    )
    tab.locator("#bank-save").click()
    bank_status = tab.locator("#bank-status")
    expect(bank_status).to_contain_text(re.compile(r"Added q\d+"), timeout=120_000)
    expect(bank_status).to_contain_text("draft")
    new_id = re.search(r"Added (q\d+)", bank_status.inner_text())
    assert new_id
    points = tab.get_by_label("Key points (one per line)")
    expect(points).to_have_value(re.compile("source of randomness"), timeout=30_000)
    tab.locator("#bank-approve").click()
    expect(bank_status).to_contain_text(f"{new_id.group(1)} approved", timeout=30_000)
    expect(tab.get_by_text("Approved by alice.")).to_be_visible()  # the draft notice is gone
    bank = (knowledge / "questions.yaml").read_text(encoding="utf-8")
    assert "Why does a GAN generator need a latent prior?" in bank
    history = (knowledge / "questions.history.jsonl").read_text(encoding="utf-8")
    replaced = [row for row in history.splitlines() if f'"id": "{new_id.group(1)}"' in row]
    assert replaced and '"by": "alice"' in replaced[-1]  # the draft was replaced by Alice
    tab.screenshot(path=str(ARTIFACTS / "bank-new-question.png"), full_page=True)
    # A page opened since lists the question and its topic: both lists were the ones the
    # server started with, until a restart.
    fresh = tab.context.new_page()
    try:
        fresh.goto(tab.url, wait_until="domcontentloaded")
        fresh.locator("#topics input").click(timeout=30_000)
        expect(fresh.get_by_role("option", name="latent-priors")).to_be_visible(timeout=10_000)
        fresh.keyboard.press("Escape")
        _open(fresh, "Calibration")
        fresh.locator("#calibration-name textarea, #calibration-name input").first.fill("alice")
        fresh.locator("#calibration-password input").fill(ALICE_PASSWORD)
        fresh.locator("#calibration-sign-in").click()
        expect(fresh.locator("#calibration-content")).to_be_visible(timeout=30_000)
        fresh.get_by_text("Add, edit or approve a question").click()
        fresh.locator("#bank-question input").click()
        option = fresh.get_by_role("option", name=re.compile(rf"^{new_id.group(1)} · "))
        expect(option).to_be_visible(timeout=10_000)
    finally:
        fresh.close()


def test_team_uploads_a_source_document_that_is_normalized_and_ingested(
    tab: Page, team_app, tmp_path: Path
) -> None:
    server, _ = team_app
    knowledge = server.data_dir.parent / "knowledge"
    notes = tmp_path / "Latent Space Notes.txt"
    notes.write_text(
        "The latent\u00a0prior of a GAN\r\n\r\nA \ufb01xed Gaussian prior is sampled "
        "for every new image; interpolating between latent vectors morphs the outputs.\r\n",
        encoding="utf-8",
    )
    _open(tab, "Calibration")
    tab.locator("#calibration-password input").fill(PASSWORD)
    tab.locator("#calibration-sign-in").click()
    expect(tab.locator("#calibration-content")).to_be_visible(timeout=30_000)
    tab.get_by_text("Upload source documents").click()
    status = tab.locator("#bank-ingest-status")
    for expected in ("Added latent-space-notes.md", "Replaced the earlier version"):
        tab.locator("#bank-documents input[type=file]").set_input_files(str(notes))
        expect(tab.locator("#bank-documents")).to_contain_text("Latent", timeout=30_000)
        tab.locator("#bank-ingest").click()
        expect(status).to_contain_text(expected, timeout=120_000)
    text = (knowledge / "latent-space-notes.md").read_text(encoding="utf-8")
    assert "fixed Gaussian prior" in text  # ligature and odd spaces normalized
    assert "\r" not in text and "\u00a0" not in text


def test_report_tab_never_lists_another_browsers_sessions(
    chromium: Browser, tab: Page, team_app
) -> None:
    server, _ = team_app
    expect(tab.locator("#start")).to_be_visible(timeout=30_000)
    tab.locator("#name textarea, #name input").first.fill("Katherine Johnson")
    tab.locator("#start").click()
    expect(tab.locator("#status-bar")).to_contain_text("Question 1 of", timeout=60_000)
    context = chromium.new_context(viewport={"width": 1360, "height": 1100})
    try:
        other = open_tab(context, server.url)
        _open(other, "Report")
        other.locator("#report-mine input").click()
        expect(other.get_by_role("option")).to_have_count(0)
        expect(other.get_by_text("Katherine Johnson")).to_have_count(0)
    finally:
        context.close()
    _open(tab, "Report")
    tab.locator("#report-mine input").click()
    expect(tab.get_by_role("option", name=re.compile("Katherine Johnson"))).to_be_visible()


def test_report_tab_lists_the_sessions_this_browser_started(tab: Page) -> None:
    expect(tab.locator("#start")).to_be_visible(timeout=30_000)
    tab.locator("#name textarea, #name input").first.fill("Grace Hopper")
    tab.locator("#start").click()
    expect(tab.locator("#status-bar")).to_contain_text("Question 1 of", timeout=60_000)
    session_id = re.search(
        r"ession `?([A-Za-z0-9_-]{12,})", tab.locator("#status-bar").inner_text()
    )
    assert session_id
    _open(tab, "Report")
    tab.locator("#report-mine input").click()
    tab.get_by_role("option", name=re.compile("Grace Hopper")).click()
    expect(
        tab.locator("#report-session-id textarea, #report-session-id input").first
    ).to_have_value(session_id.group(1))
    # Picking shows it, without Show: picking had only filled the id box, and the report below
    # (and its downloads) still belonged to the session shown before.
    frame = tab.frame_locator("iframe.report-frame")
    expect(frame.get_by_text("This session is still in progress")).to_be_visible(timeout=60_000)
    expect(frame.get_by_text("Grace Hopper")).to_be_visible()


def test_open_report_at_the_end_of_an_interview_shows_it(tab: Page) -> None:
    expect(tab.locator("#start")).to_be_visible(timeout=30_000)
    tab.locator("#name textarea, #name input").first.fill("Alan Turing")
    tab.locator("#start").click()
    expect(tab.locator("#status-bar")).to_contain_text("Question 1 of", timeout=60_000)
    tab.locator("#end").click()
    tab.locator("#open-report").click()
    expect(tab.locator("#report-status")).to_contain_text("0 graded", timeout=60_000)
    # The cursor followed to the Report tab (it fell to the page body).
    expect(tab.locator("#report-show")).to_be_focused()
    frame = tab.frame_locator("iframe.report-frame")
    expect(frame.get_by_text("Alan Turing")).to_be_visible()
    expect(frame.get_by_text("No answer has been graded yet.")).to_be_visible()


def test_report_tab_refreshes_itself_when_a_pending_answer_is_graded(tab: Page, team_app) -> None:
    # Runs last: it grades the pending answer of the shared "newer" session.
    _, stored = team_app
    _show_report(tab, stored.newer)
    status = tab.locator("#report-status")
    expect(status).to_contain_text("1 still being graded", timeout=60_000)
    turn = stored.repository.turns(stored.newer)[2]
    grade = stored.service.grade(stored.bank.get(turn.question_id), turn.graded_answer)
    stored.repository.save_grade(turn, grade)
    expect(status).to_contain_text("3 graded", timeout=30_000)
    expect(status).not_to_contain_text("still being graded")
    frame = tab.frame_locator("iframe.report-frame")
    expect(frame.get_by_text("waiting for a grade")).to_have_count(0)


def test_report_fits_a_phone_screen(chromium: Browser, sample_report, tmp_path: Path) -> None:
    """On a 390 px phone the report frame is ~346 px wide: the summary's "Focus areas" box
    and each question's criterion line ran off its right edge."""
    from interviewer.reports import render_report

    path = tmp_path / "report.html"
    path.write_bytes(render_report(sample_report, "html"))
    context = chromium.new_context(viewport={"width": 346, "height": 900})
    try:
        page = context.new_page()
        page.goto(path.as_uri(), wait_until="domcontentloaded")
        assert page.evaluate("document.documentElement.scrollWidth") <= 346
        focus = page.locator(".box.focus").bounding_box()
        assert focus is not None and focus["x"] + focus["width"] <= 346
        page.screenshot(path=str(ARTIFACTS / "report-phone.png"), full_page=True)
    finally:
        context.close()


# Every cell of the report's first table (scores by criterion) that reaches past the table's
# box or past the screen's right edge, and how much of the table is hidden behind a scroll.
_CLIPPED_CELLS_JS = """() => {
  const table = document.querySelector("table");
  const box = table.getBoundingClientRect();
  const edge = Math.min(box.right, window.innerWidth) + 1;
  const cut = [...table.querySelectorAll("th, td")]
    .filter((cell) => cell.getClientRects().length && cell.getBoundingClientRect().right > edge)
    .map((cell) => cell.textContent.trim().slice(0, 30));
  return {cut, hidden: table.scrollWidth - table.clientWidth};
}"""


@pytest.mark.parametrize("width", [390, 346])  # a phone; the report frame on that phone
def test_report_criterion_table_fits_a_phone_screen(
    chromium: Browser, rubric, tmp_path: Path, width: int
) -> None:
    """An offline-graded session on a 390 px phone: the criterion table's last column ("What
    this level means") was cut off at the right edge, widened by the "not assessed" pill; it
    scrolled inside the table with no sign that it did."""
    from interviewer.reports import TurnInput, assemble_report, render_report

    from .conftest import make_grade

    turns = [
        TurnInput(
            question_id=qid,
            question_text=f"Question {qid}?",
            answer="An answer.",
            grade=make_grade(qid, overall, scores={"communication": communication}),
        )
        for qid, overall, communication in (("a", 3.6, 4.0), ("b", 2.4, None), ("c", 3.1, 3.5))
    ]
    path = tmp_path / "report.html"
    path.write_bytes(render_report(assemble_report("s", turns, rubric), "html"))
    context = chromium.new_context(viewport={"width": width, "height": 844})
    try:
        page = context.new_page()
        page.goto(path.as_uri(), wait_until="domcontentloaded")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(_CLIPPED_CELLS_JS) == {"cut": [], "hidden": 0}
        # Every column is still there: weight, score and what the level means.
        table = page.locator("table").first
        for text in ("35%", "not assessed", "Not assessed by this grader.", "Level 3: About half"):
            expect(table.get_by_text(text).first).to_be_visible()
        table.screenshot(path=str(ARTIFACTS / f"report-phone-criteria-{width}.png"))
    finally:
        context.close()
