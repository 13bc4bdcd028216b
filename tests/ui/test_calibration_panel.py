"""The Calibration tab's summary and per-question rows (the browser flow is in tests/reports)."""

from __future__ import annotations

import pytest
from team_scores import bank_answers, write_scores

from interviewer.calibration import CalibrationResult, OverallStats, QuestionStats
from interviewer.errors import ConfigError
from interviewer.ui.panels.calibration import QUESTION_COLUMNS, _summary, question_rows


def _result(**overall: object) -> CalibrationResult:
    stats = OverallStats(n=4, qwk=0.5, pearson=0.6, spearman=0.55, mae=1.0, bias=0.2, **overall)
    question = QuestionStats(question_id="q04", text="What is mode collapse?", n=4, pearson=0.6)
    return CalibrationResult(overall=stats, questions=[question], raters=[], items=[])


def test_calibration_summary_with_one_interviewer_says_how_to_measure_their_agreement() -> None:
    text = _summary(_result(answers=4, ratings=4, raters=1))
    assert "QWK 0.50" in text
    assert "no answer was scored by two interviewers" in text and "α –" not in text


def test_calibration_summary_shows_interviewer_agreement_next_to_the_grader() -> None:
    text = _summary(_result(answers=4, ratings=8, raters=2, alpha=0.8, human_mad=0.5))
    assert "Krippendorff's α 0.80" in text and "differ by 0.50 points" in text


def test_calibration_summary_says_why_alpha_is_missing_for_one_answer_scored_twice() -> None:
    """One answer scored by two interviewers read "Krippendorff's α –", unexplained."""
    text = _summary(_result(answers=4, ratings=5, raters=2, alpha=None, human_mad=0.0))
    assert "α –" not in text
    assert "Krippendorff's α not measured (it needs at least two answers scored by two" in text


def test_calibration_question_rows_fill_every_column() -> None:
    (row,) = question_rows(_result())
    assert len(row) == len(QUESTION_COLUMNS)
    assert row[0] == "q04: What is mode collapse?" and row[3] == "0.60 / –"


def test_calibration_question_rows_mark_discrimination_over_too_few_candidates() -> None:
    from interviewer.calibration import item_statistics

    # Three candidates, two questions, scores in step: r = 1.00 was shown for them.
    entries = [(q, f"c{i}", float(i)) for q in ("qa", "qb") for i in range(3)]
    question = QuestionStats(question_id="qa", text="?", n=0, items=item_statistics(entries)["qa"])
    result = CalibrationResult(overall=OverallStats(n=0), questions=[question], raters=[], items=[])
    (row,) = question_rows(result)
    assert row[QUESTION_COLUMNS.index("Discr.")] == "too few"
    from interviewer.calibration import DISCRIMINATION_NOTE

    assert "Discr." in DISCRIMINATION_NOTE and "'too few'" in DISCRIMINATION_NOTE


def test_calibration_tab_without_team_logins_names_no_server_setting(settings) -> None:
    """A visitor was told to "set INTERVIEWER_ADMIN_PASSWORD (or INTERVIEWER_ADMIN_AUTH_FILE)
    on the server": how the server is configured, on a candidate-facing page."""
    from interviewer.ui.app import build_app

    assert settings.admin_password is None and settings.admin_auth_file is None
    demo = build_app(settings)
    shown = [
        (getattr(block, "elem_id", None), block.value)
        for block in demo.blocks.values()
        if isinstance(getattr(block, "value", None), str)
    ]
    assert dict(shown)["calibration-sign-in-status"] == (
        "Calibration is for the hiring team and is not enabled on this server."
    )
    assert not [text for _, text in shown if "INTERVIEWER_" in text]  # nor the Report tab


def test_calibration_tab_says_a_bank_question_may_be_named_by_its_text(settings) -> None:
    """It said `question` needed `reference_answer`, while a bank question's text (spelled
    loosely) is found in the bank, as `interviewer calibrate --help` says."""
    from interviewer.ui.app import build_app

    demo = build_app(settings)
    (text,) = [
        block.value
        for block in demo.blocks.values()
        if isinstance(getattr(block, "value", None), str)
        and block.value.startswith("Upload interviewers' scores")
    ]
    assert "`question` (a bank question's text; case, spacing, punctuation, quote and dash " in text
    assert "`reference_answer` (for a question outside the bank)" in text


# --- fitting the offline grader's scale from the tab -------------------------------------------


def _no_progress(*args: object, **kwargs: object) -> None:
    return None


@pytest.fixture(scope="module")
def tab_fit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The tab's handlers in one app process: sign-in, a fit by a team that agrees with the
    grader (not written), a fit by a team 1.5 points harsher (written), grades around them
    through the app's grader, a reset, and a fit on too little data."""
    import gradio as gr

    from interviewer.settings import PROJECT_ROOT, Settings
    from interviewer.ui.panels import calibration
    from interviewer.ui.services import LazyGrader, build_services

    tmp = tmp_path_factory.mktemp("tab-fit")
    settings = Settings(
        data_dir=tmp / "data",
        models_dir=PROJECT_ROOT / "models",
        allow_remote=False,
        grader="offline",
        admin_password="team-secret",
    )
    services = build_services(settings)
    with gr.Blocks() as demo:
        panel = calibration.render(services)
        calibration.wire(panel, services)
    handlers = {f.fn.__name__: f.fn for f in demo.fns.values() if f.fn is not None}
    run, reset = handlers["run"], handlers["reset"]
    grader = LazyGrader(services)  # what the Interview tab grades with
    answers = bank_answers(services.bank.questions[:5])
    shipped = [grader.grade(services.bank.get(q), a).overall or 0.0 for q, a in answers]
    chosen = min(range(len(answers)), key=lambda i: abs(shipped[i] - 3.0))
    question, answer = services.bank.get(answers[chosen][0]), answers[chosen][1]
    out: dict[str, object] = {"data": tmp / "data", "before": grader.grade(question, answer)}
    out["signed_in"] = handlers["sign_in"]("team-secret", "", None)
    agreeing = write_scores(
        tmp / "agreeing.jsonl", [(*qa, s) for qa, s in zip(answers, shipped, strict=True)]
    )
    out["agreeing"] = run(agreeing, 1, False, True, "team", progress=_no_progress)
    harsh = [(*qa, round(max(0.0, s - 1.5), 1)) for qa, s in zip(answers, shipped, strict=True)]
    harsher = write_scores(tmp / "harsher.jsonl", harsh)
    out["harsher"] = run(harsher, 1, False, True, "team", progress=_no_progress)
    scale_file = tmp / "data" / "offline_scale.json"
    out["written"] = scale_file.exists()
    fitted = scale_file.read_text(encoding="utf-8") if scale_file.exists() else ""
    out["after"] = grader.grade(question, answer)  # same process: no restart
    with pytest.raises(gr.Error) as refused:
        reset("", progress=_no_progress)
    out["reset_refused"] = refused.value
    out["reset"] = reset("team", progress=_no_progress)
    out["restored"] = grader.grade(question, answer)
    few = write_scores(
        tmp / "few.jsonl",
        [("q04", answers[15][1], 4.0), ("q01", "Two networks play a game.", 2.0)],
    )
    out["few"] = run(few, 1, False, True, "team", progress=_no_progress)
    # `interviewer calibrate FILE --fit` and `--reset-fit` run while the app does: they write
    # and remove the file, and the tab is not involved.
    scale_file.write_text(fitted, encoding="utf-8")
    out["cli_fit"] = grader.grade(question, answer)
    scale_file.write_text("{ damaged", encoding="utf-8")
    with pytest.raises(ConfigError) as damaged:
        grader.grade(question, answer)
    out["damaged"] = damaged.value
    scale_file.unlink()
    out["cli_reset"] = grader.grade(question, answer)
    return out


def test_calibration_tab_shows_the_shipped_scale_in_use_at_sign_in(tab_fit) -> None:
    _, who, _, scale, *_ = tab_fit["signed_in"]
    assert who and "scale in use:** the shipped one" in scale


def test_calibration_tab_fit_that_agrees_no_better_is_not_written(tab_fit) -> None:
    summary, fit, scale, *_ = tab_fit["agreeing"]
    assert "QWK" in summary
    assert "| shipped scale |" in fit and "| fitted scale |" in fit and "partly_threshold" in fit
    assert "**Not written:** on questions it was not fitted on" in fit
    assert "the shipped one" in scale


def test_calibration_tab_fit_of_a_harsher_team_is_written_and_grades_at_once_on_it(
    tab_fit,
) -> None:
    summary, fit, scale, *_ = tab_fit["harsher"]
    assert "QWK" in summary
    assert "46 answers to 5 questions, 5-fold cross-validation by question" in fit
    assert "**Written** to offline_scale.json in the data folder" in fit and tab_fit["written"]
    # The summary beside it still shows the old scale's figures: the fit says so.
    assert "The agreement figures above were graded before this fit" in fit
    assert "your team's, fitted" in scale and "harsher.jsonl" in scale
    assert "46 answers to 5 questions, 1 interviewer" in scale
    # The app's grader, not restarted, grades on the team's scale from now on.
    before, after = tab_fit["before"], tab_fit["after"]
    assert after.overall < before.overall
    assert "team-scale" in after.grader.model and "team-scale" not in before.grader.model


def test_calibration_tab_reset_goes_back_to_the_shipped_scale_at_once(tab_fit) -> None:
    assert "Sign in" in str(tab_fit["reset_refused"].message)
    scale, fit = tab_fit["reset"]
    assert scale.startswith("Removed the team's fitted scale: the offline grader uses the shipped")
    assert "scale in use:** the shipped one" in scale and fit == ""
    assert not (tab_fit["data"] / "offline_scale.json").exists()
    restored, before = tab_fit["restored"], tab_fit["before"]
    assert restored.overall == before.overall and restored.grader.model == before.grader.model


def test_a_fit_or_reset_from_the_command_line_is_used_by_the_running_app_at_once(
    tab_fit,
) -> None:
    """The app read the team scale only at start-up: after `calibrate --fit` it graded on the
    old scale until a restart, with nothing on the page to say so."""
    before, after = tab_fit["before"], tab_fit["after"]
    cli_fit, cli_reset = tab_fit["cli_fit"], tab_fit["cli_reset"]
    assert cli_fit.overall == after.overall and cli_fit.grader.model == after.grader.model
    damaged = tab_fit["damaged"]
    assert "--reset-fit" in str(damaged)  # a damaged file stops grading, as at start
    # The candidate, whose answer stays in the box, is not shown the server's path and commands.
    from interviewer.ui.panels.interview import _told

    told = _told(damaged)
    assert "still in the box" in told and "offline_scale.json" not in told
    assert "calibrate" not in told and str(tab_fit["data"]) not in told
    assert cli_reset.overall == before.overall and cli_reset.grader.model == before.grader.model


def test_calibration_tab_fit_on_too_little_data_says_what_to_add_and_still_calibrates(
    tab_fit,
) -> None:
    summary, fit, _, _, _, questions, *_ = tab_fit["few"]
    # Two scored answers: QWK 1.00 was shown, a figure two answers cannot support.
    assert "QWK, Pearson, Spearman: **too few scored answers (n = 2; at least 5 needed)**" in (
        summary
    )
    assert "QWK 1.00" not in summary and "Pearson 1.00" not in summary
    for row in questions:
        qwk, correlations = row[QUESTION_COLUMNS.index("QWK") : QUESTION_COLUMNS.index("MAE")]
        assert (qwk, correlations) == ("too few", "too few")
    assert "Scale not fitted.** Too little data to fit the scale: 2 scored answers to 2" in fit
    assert "Add 38 more scored answers and answers to 3 more questions" in fit
    assert "Traceback" not in fit and not (tab_fit["data"] / "offline_scale.json").exists()


def test_calibration_tab_import_problems_point_at_the_bank_on_the_page(settings, tmp_path) -> None:
    """A row with an unknown question_id told a web user to run `interviewer questions list`;
    the table, unsized, cut that reason at its right edge and split its header "Lin/e"."""
    import gradio as gr

    from interviewer.ui.panels import calibration
    from interviewer.ui.services import build_services

    services = build_services(settings)
    with gr.Blocks() as demo:
        panel = calibration.render(services)
        calibration.wire(panel, services)
    handlers = {f.fn.__name__: f.fn for f in demo.fns.values() if f.fn is not None}
    scores = tmp_path / "scores.csv"
    scores.write_text("question_id,answer,rater,score\nq99,x,rita,3\n", encoding="utf-8")
    problems = handlers["run"](str(scores), 1, False, False, "team", progress=_no_progress)[7]
    [(line, reason)] = problems
    assert line == 2 and "use an id of the bank (the Question bank section below lists" in reason
    assert "interviewer questions list" not in reason
    widths = panel.problems.column_widths
    assert widths and len(widths) == len(calibration.PROBLEM_COLUMNS)
    assert all(str(w).endswith("%") for w in widths)


def test_calibration_tab_takes_excels_unicode_text_export(settings, tmp_path) -> None:
    """Excel's "Unicode Text" export is a UTF-16 .txt: the upload box did not offer .txt files,
    and the file was refused as "not UTF-8 text (byte 0xff on line 1)"."""
    import gradio as gr

    from interviewer.ui.panels import calibration
    from interviewer.ui.services import build_services

    services = build_services(settings)
    with gr.Blocks() as demo:
        panel = calibration.render(services)
        calibration.wire(panel, services)
    assert ".txt" in (panel.upload.file_types or [])
    handlers = {f.fn.__name__: f.fn for f in demo.fns.values() if f.fn is not None}
    scores = tmp_path / "scores.txt"
    scores.write_bytes("question_id\tanswer\trater\tscore\r\nq99\tx\trita\t3\r\n".encode("utf-16"))
    outputs = handlers["run"](str(scores), 1, False, False, "team", progress=_no_progress)
    assert "UTF-8" not in outputs[0]
    [(line, reason)] = outputs[7]  # read: its one row is checked, and its line named
    assert line == 2 and "q99" in reason


def test_calibration_tab_names_the_tab_separated_export_it_takes(settings) -> None:
    """The box took Excel's "Unicode Text" .txt, but the tab's text and its no-file message
    named only CSV and JSONL, so a team with that export did not know it would do."""
    import gradio as gr

    from interviewer.ui.panels import calibration
    from interviewer.ui.services import build_services

    services = build_services(settings)
    with gr.Blocks() as demo:
        panel = calibration.render(services)
        calibration.wire(panel, services)
    (text,) = [
        block.value
        for block in demo.blocks.values()
        if isinstance(getattr(block, "value", None), str)
        and block.value.startswith("Upload interviewers' scores")
    ]
    assert "tab-separated text" in text and "*Unicode Text*" in text
    handlers = {f.fn.__name__: f.fn for f in demo.fns.values() if f.fn is not None}
    summary = handlers["run"](None, 1, False, False, "team", progress=_no_progress)[0]
    assert "tab-separated text (Excel&#x27;s Unicode Text)" in summary
