"""The Calibration tab's summary and per-question rows (the browser flow is in tests/reports)."""

from __future__ import annotations

from interviewer.calibration import CalibrationResult, OverallStats, QuestionStats
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
