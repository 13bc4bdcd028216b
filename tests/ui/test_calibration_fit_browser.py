"""The Calibration tab fits the offline grader's scale in a real headless Chromium, and the
running app grades the next answer on it (no restart), until the team goes back to the shipped
scale."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from team_scores import answers_to, write_scores

from interviewer.bank import load_default_bank
from interviewer.grading.service import GradingService, build_grading_service
from interviewer.settings import PROJECT_ROOT, Settings

from .conftest import ARTIFACTS, CHROMIUM_ARGS, AppServer, open_tab

pytestmark = pytest.mark.browser

PASSWORD = "team-pass-5c1e"
RUN_MS = 600_000  # grading 46 answers, reading them again and rebuilding the grader, at load


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> GradingService:
    """The offline grader on the shipped scale, in the test process (its own data folder)."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("shipped") / "data",
        models_dir=PROJECT_ROOT / "models",
        allow_remote=False,
        grader="offline",
    )
    return build_grading_service(settings, "offline")


@pytest.fixture(scope="module")
def harsher_scores(tmp_path_factory: pytest.TempPathFactory, shipped: GradingService) -> Path:
    """Five bank questions' answers, each scored 1.5 below the shipped grade: a fit improves."""
    rows = []
    for question in load_default_bank(Settings()).questions[:5]:
        for answer in answers_to(question):
            score = shipped.grade(question, answer).overall or 0.0
            rows.append((question.id, answer, round(max(0.0, score - 1.5), 1)))
    return write_scores(tmp_path_factory.mktemp("scores") / "harsher.jsonl", rows)


@pytest.fixture(scope="module")
def team_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app with the offline grader and the team password."""
    root = tmp_path_factory.mktemp("fit-app")
    server = AppServer.offline_team(root / "data", PASSWORD)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def tab(team_app: AppServer, playwright_driver: Playwright) -> Iterator[Page]:
    browser: Browser = playwright_driver.chromium.launch(
        executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
    )
    context = browser.new_context(viewport={"width": 1360, "height": 1100})
    yield open_tab(context, team_app.url)
    context.close()
    browser.close()


def test_calibration_tab_fits_the_scale_and_the_next_grade_uses_it_without_a_restart(
    tab: Page, team_app: AppServer, harsher_scores: Path, shipped: GradingService
) -> None:
    tab.get_by_role("tab", name="Calibration").click()
    tab.locator("#calibration-password input").fill(PASSWORD)
    tab.locator("#calibration-sign-in").click()
    scale = tab.locator("#calibration-scale")
    expect(scale).to_contain_text("scale in use: the shipped one", timeout=30_000)
    tab.locator("#calibration-upload input[type=file]").set_input_files(str(harsher_scores))
    expect(tab.locator("#calibration-upload")).to_contain_text(
        re.compile(r"harsher\s*\.jsonl"), timeout=30_000
    )
    fit_box = tab.locator("#calibration-fit-scale input[type=checkbox]")
    expect(fit_box).not_to_be_checked()  # off by default
    fit_box.check()
    tab.locator("#calibration-run").click()
    fit = tab.locator("#calibration-fit")
    expect(fit).to_contain_text("Written to offline_scale.json", timeout=RUN_MS)
    expect(fit).to_contain_text("46 answers to 5 questions, 5-fold cross-validation by question")
    expect(fit.locator("table").first).to_contain_text("fitted scale")
    expect(fit.locator("table").nth(1)).to_contain_text("covered_threshold")
    expect(scale).to_contain_text("your team's, fitted")
    expect(scale).to_contain_text("harsher.jsonl")
    expect(tab.locator("#calibration-summary")).to_contain_text("QWK")
    expect(tab.get_by_text("Error", exact=True)).to_have_count(0)
    assert (team_app.data_dir / "offline_scale.json").exists()
    tab.locator("#calibration-fit").scroll_into_view_if_needed()
    tab.screenshot(path=str(ARTIFACTS / "calibration-fit.png"), full_page=True)

    # An interview in the same app, not restarted: its grade is on the team's scale.
    tab.get_by_role("tab", name="Interview").click()
    slider = tab.locator("#num-questions input[type=number]")
    slider.fill("1")
    slider.press("Tab")
    tab.locator("#follow-ups input[type=checkbox]").uncheck()
    tab.locator("#start").click()
    expect(tab.locator("#status-bar")).to_contain_text("Question 1 of 1", timeout=60_000)
    bot = tab.locator("#chat [data-testid='bot']").all_inner_texts()
    asked = next(m.group(1) for t in bot if (m := re.search(r"Question 1 of 1\s*(.*)", t, re.S)))
    bank = {" ".join(q.text.split()): q for q in load_default_bank(Settings()).questions}
    question = bank[" ".join(asked.split())]
    # A mid-range answer on the shipped scale: the harsher team's scale gives it less.
    graded = [(shipped.grade(question, a).overall or 0.0, a) for a in answers_to(question)]
    before, answer = min(graded, key=lambda pair: abs(pair[0] - 3.0))
    box = tab.locator("#answer textarea")
    box.fill(answer)
    box.press("Enter")
    card = tab.locator("#feedback-cards .fb-card").first
    expect(card).to_be_visible(timeout=RUN_MS)
    # The card's grader line (its other meta line gives the time and hints).
    expect(card.locator(".fb-meta", has_text="Graded by")).to_contain_text("team-scale")
    after = float(card.locator(".fb-score").inner_text().split("/")[0])
    tab.screenshot(path=str(ARTIFACTS / "calibration-fit-graded.png"), full_page=True)
    assert after < before, (answer, after, before)

    # Back to the shipped scale, with the team's sign-in still on.
    tab.get_by_role("tab", name="Calibration").click()
    tab.locator("#calibration-reset-scale").click()
    expect(scale).to_contain_text("Removed the team's fitted scale", timeout=RUN_MS)
    expect(scale).to_contain_text("scale in use: the shipped one")
    expect(fit).not_to_contain_text("Written")
    assert not (team_app.data_dir / "offline_scale.json").exists()
    tab.screenshot(path=str(ARTIFACTS / "calibration-fit-reset.png"), full_page=True)
