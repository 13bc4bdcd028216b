"""`interviewer calibrate FILE [--repeat N] [--report calibration.html] [--format json]`,
with the real offline grader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from team_scores import bank_answers, write_scores
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.settings import PROJECT_ROOT

runner = CliRunner()

GOOD = (
    "Mode collapse is when the generator produces only a few modes or near-identical outputs, "
    "so sample diversity is low; many latent vectors map to the same output. The generator "
    "optimizes against the current discriminator. Remedies: minibatch discrimination, unrolled "
    "GANs, Wasserstein loss with gradient penalty."
)
ROWS = [
    ("q04", "c1", GOOD, "ann", 5),
    ("q04", "c1", GOOD, "bob", 4),
    ("q04", "c2", "The generator outputs the same image again and again.", "ann", 2),
    ("q04", "c2", "The generator outputs the same image again and again.", "bob", 2),
    ("q04", "c3", "It is when the loss becomes NaN.", "ann", 0),
    ("q04", "c3", "It is when the loss becomes NaN.", "bob", 1),
    ("q01", "c1", "Two networks, a generator and a discriminator, play a minimax game.", "ann", 4),
    ("q01", "c2", "A kind of network that makes images.", "ann", 1),
    (
        "q01",
        "c3",
        "A generator maps noise to samples; a discriminator tells real from fake.",
        "ann",
        4,
    ),
]


def _csv(path: Path, *, bad_row: bool = True) -> Path:
    lines = ["question_id,candidate,answer,rater,score"]
    lines += [f'{q},{c},"{a}",{r},{s}' for q, c, a, r, s in ROWS]
    if bad_row:
        lines.append('q01,c4,"out of range",ann,9')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def json_run(tmp_path_factory: pytest.TempPathFactory):
    """One calibrate run with --repeat, --report and --format json."""
    tmp = tmp_path_factory.mktemp("calibrate")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INTERVIEWER_DATA_DIR", str(tmp / "data"))
        mp.setenv("INTERVIEWER_MODELS_DIR", str(PROJECT_ROOT / "models"))
        mp.setenv("INTERVIEWER_ALLOW_REMOTE", "false")
        mp.setenv("INTERVIEWER_GRADER", "offline")
        report = tmp / "out" / "calibration.html"
        result = runner.invoke(
            app,
            [
                "calibrate",
                str(_csv(tmp / "scores.csv")),
                "--repeat",
                "2",
                "--report",
                str(report),
                "--format",
                "json",
            ],
        )
    return result, report


def test_calibrate_json_has_overall_and_questions(json_run) -> None:
    result, _ = json_run
    data = json.loads(result.stdout)
    assert set(data["overall"]) >= {"qwk", "pearson", "spearman", "mae", "bias", "alpha", "n"}
    assert data["overall"]["n"] == 6
    assert {q["question_id"] for q in data["questions"]} == {"q01", "q04"}
    for question in data["questions"]:
        assert {"qwk", "mae", "alpha", "flags", "difficulty", "discrimination"} <= set(question)
        assert question["consistency"]["repeats"] == 2


def test_calibrate_reports_bad_rows_with_line_numbers(json_run) -> None:
    result, _ = json_run
    assert "scores.csv:11: score '9' is outside 0-5" in result.stderr
    assert "1 bad row skipped; 9 kept." in result.stderr


def test_calibrate_exits_1_after_analysing_the_rows_kept_when_a_row_was_rejected(
    json_run,
) -> None:
    # It exited 0, so a script read a half-used file as success; `grade --batch` exits 1.
    result, report = json_run
    assert result.exit_code == 1
    assert json.loads(result.stdout)["overall"]["n"] == 6 and report.exists()
    assert (
        "1 row of scores.csv was rejected (listed above); the figures cover the 9 rows kept."
        in " ".join(result.stderr.split())
    )


def test_calibrate_refuses_a_file_scored_0_to_10_whole(tmp_path: Path) -> None:
    path = tmp_path / "ten.csv"
    lines = ["question_id,candidate,answer,rater,score"]
    lines += [f"q04,c{i},answer number {i},ann,{s}" for i, s in enumerate([8, 9, 2, 10, 7, 3])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["calibrate", str(path), "--grader", "offline", "--no-sessions"])
    assert result.exit_code == 1
    assert "up to 10, but scores run from 0 to 5: rescale them to 0-5 (divide by 2)" in " ".join(
        result.stderr.split()
    )
    assert result.stdout == "" and "graded" not in result.stderr


def test_calibrate_grader_ranks_good_answers_above_bad(json_run) -> None:
    data = json.loads(json_run[0].stdout)
    assert data["overall"]["spearman"] is not None and data["overall"]["spearman"] > 0


def test_calibrate_writes_html_report_with_plots(json_run) -> None:
    _, report = json_run
    html = report.read_text(encoding="utf-8")
    assert html.count("<svg") >= 3 and "Grader calibration report" in html
    assert "<script" not in html


def test_calibrate_report_marks_discrimination_over_three_candidates_as_too_few(json_run) -> None:
    # Three candidates answered both questions: the report showed their correlation as a figure.
    _, report = json_run
    html = report.read_text(encoding="utf-8")
    rows = html.split('<table class="questions">')[1].split("</table>")[0]
    assert rows.count('<td class="num">too few</td>') == 2  # the Discr. column
    assert "needs 5 candidates who answered the question and another one" in html


def test_calibrate_withholds_qwk_and_correlations_of_three_answers(json_run) -> None:
    """Each question had three scored answers, and its QWK and Pearson were given as figures."""
    result, report = json_run
    data = json.loads(result.stdout)
    assert data["overall"]["n"] == 6 and data["overall"]["too_few"] is None
    for question in data["questions"]:
        assert question["qwk"] is None and question["pearson"] is None
        assert question["too_few"] == "too few scored answers (n = 3; at least 5 needed)"
    html = report.read_text(encoding="utf-8")
    rows = html.split('<table class="questions">')[1].split("</table>")[0]
    too_few = '<td class="num" title="too few scored answers (n = 3; at least 5 needed)">too few'
    assert rows.count(too_few) == 4  # QWK and Pearson / Spearman of both questions
    assert "QWK, Pearson and Spearman need 5 answers scored by both" in html


def test_calibrate_of_two_answers_says_too_few_instead_of_qwk(tmp_path: Path) -> None:
    """Two answers, scored alike by the interviewer and the grader: `calibrate` said QWK 1.00."""
    path = tmp_path / "two.csv"
    path.write_text(
        "question_id,candidate,answer,rater,score\n"
        f'q04,c1,"{GOOD}",ann,4\n'
        "q04,c2,It is when the loss becomes NaN.,ann,0\n",
        encoding="utf-8",
    )
    base = ["calibrate", str(path), "--grader", "offline", "--no-sessions"]
    text = runner.invoke(app, base)
    assert text.exit_code == 0, text.output
    out = " ".join(text.stdout.split())
    assert "QWK, Pearson, Spearman: too few scored answers (n = 2; at least 5 needed)" in out
    assert "QWK –" not in out and "QWK 1.00" not in out
    q04 = next(line for line in text.stdout.splitlines() if " q04 " in line)
    assert "too few" in q04
    assert "QWK: QWK, Pearson and Spearman need 5 answers scored by both" in out
    data = json.loads(runner.invoke(app, [*base, "--format", "json"]).stdout)["overall"]
    assert data["qwk"] is None and data["pearson"] is None and data["spearman"] is None
    assert data["too_few"] == "too few scored answers (n = 2; at least 5 needed)"
    assert data["mae"] is not None


def test_calibrate_text_output_shows_table(tmp_path: Path) -> None:
    scores = _csv(tmp_path / "s.csv", bad_row=False)
    result = runner.invoke(app, ["calibrate", str(scores), "--grader", "offline", "--no-sessions"])
    assert result.exit_code == 0, result.output
    assert "Overall" in result.stdout and "q04" in result.stdout
    assert "repeat SD" not in result.stdout


def test_calibrate_text_output_names_flagged_questions_and_repeat_spread(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    lines = ["question_id,candidate,answer,rater,score"]
    lines += [f"q05,c{i},I do not know {i}.,ann,0" for i in range(3)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(
        app, ["calibrate", str(path), "--grader", "offline", "--no-sessions", "--repeat", "2"]
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())  # rich wraps long lines
    assert "repeat SD" in out
    assert "q05: Can you describe the concept of Nash equilibrium" in out
    assert "too hard: Candidates score 0.0/5 on average over 3 answers" in out


def test_calibrate_wrong_columns_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,text\n1,x\n", encoding="utf-8")
    result = runner.invoke(app, ["calibrate", str(path)])
    assert result.exit_code == 1
    assert "lacks the columns answer" in result.stderr and "Traceback" not in result.output


def test_calibrate_missing_file_is_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["calibrate", str(tmp_path / "none.csv")])
    assert result.exit_code == 1 and "does not exist" in result.stderr


def test_calibrate_shows_how_far_qwk_could_move_over_questions(tmp_path: Path) -> None:
    from interviewer.bank import load_bank

    bank = load_bank(PROJECT_ROOT / "knowledge" / "questions.yaml")
    lines = ["question_id,candidate,answer,rater,score"]
    for qid in ("q01", "q02", "q03", "q04", "q05"):
        model_answer = bank.get(qid).model_answer.replace('"', "'")
        first_point = bank.get(qid).key_points[0].replace('"', "'")
        lines += [
            f'{qid},c1,"{model_answer}",ann,5',
            f'{qid},c2,"{first_point}",ann,2',
            f"{qid},c3,I do not know.,ann,0",
        ]
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "calibration.html"
    result = runner.invoke(
        app,
        ["calibrate", str(path), "--grader", "offline", "--no-sessions", "--report", str(report)],
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "over questions)" in out
    low, high = out.split("(90% ")[1].split(" over questions)")[0].split("–")
    assert 0.0 <= float(low) <= float(high) <= 1.0
    assert "90 % interval over questions" in report.read_text(encoding="utf-8")


def test_calibrate_refuses_a_report_path_that_is_the_scores_file_before_grading(
    tmp_path: Path,
) -> None:
    scores = _csv(tmp_path / "scores.csv")
    before = scores.read_text(encoding="utf-8")
    result = runner.invoke(app, ["calibrate", str(scores), "--report", str(scores)])
    assert result.exit_code == 1 and "is the scores file" in result.stderr
    assert "graded" not in result.stderr  # refused before any answer was graded
    assert scores.read_text(encoding="utf-8") == before
    folder = runner.invoke(app, ["calibrate", str(scores), "--report", str(tmp_path)])
    assert folder.exit_code == 1 and "is a folder" in folder.stderr


def test_calibrate_puts_a_question_typed_without_its_mark_and_with_curly_quotes_on_the_bank(
    tmp_path: Path,
) -> None:
    # The bank says 'What is mode collapse in GANs, and why is it problematic?': without its
    # "?" and with curly quotes, the row was refused as a question outside the bank.
    typed = "What is \u201cmode collapse\u201d in GANs, and why is it problematic"
    path = tmp_path / "s.csv"
    lines = ["question,candidate,answer,rater,score"]
    lines += [f'"{typed}",{c},"{a}",ann,{s}' for q, c, a, r, s in ROWS if q == "q04" and r == "ann"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(
        app, ["calibrate", str(path), "--grader", "offline", "--no-sessions", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert [q["question_id"] for q in json.loads(result.stdout)["questions"]] == ["q04"]


def test_calibrate_refuses_a_file_without_a_usable_row_before_loading_the_grader(
    tmp_path: Path,
) -> None:
    # It filled the knowledge base first, then said "fix the rows listed and import again".
    path = tmp_path / "s.csv"
    path.write_text("question_id,answer,rater,score\nq04,An answer,ann,7\n", encoding="utf-8")
    result = runner.invoke(app, ["calibrate", str(path), "--grader", "offline", "--no-sessions"])
    assert result.exit_code == 1
    assert "s.csv:2: score '7' is outside 0-5" in result.stderr
    assert "No row of s.csv can be used: fix the rows listed above and run again." in " ".join(
        result.stderr.split()
    )
    assert "knowledge base" not in result.stderr and "Traceback" not in result.output


def test_calibrate_help_says_which_files_and_question_texts_it_reads() -> None:
    result = runner.invoke(app, ["calibrate", "--help"], env={"COLUMNS": "400"})
    text = " ".join(result.stdout.split())
    assert "JSON Lines (one object per line)" in text
    assert "(the bank's text; case, spacing, punctuation, quote and dash style may differ)" in text
    assert "candidate (needed for discrimination)" in text


def test_calibrate_summary_keeps_each_figure_with_its_label(capsys) -> None:
    """The summary wrapped inside a figure ("QWK – · Pearson" / "– · Spearman", "QWK 0.87 · "
    / "Pearson") and said "(1 answers"."""
    import re

    from interviewer.calibration import CalibrationResult, OverallStats, QuestionStats
    from interviewer.cli.calibrate import _print_text

    grader = "offline, all-MiniLM-L6-v2-int8+use-multilingual-3-int8, prompt 40023255d94c"
    for qwk in (None, 0.87):
        overall = OverallStats(n=1, qwk=qwk, mae=1.7, bias=-1.7, answers=1, ratings=1, raters=1)
        question = QuestionStats(question_id="q04", text="What is mode collapse?", n=1)
        _print_text(
            CalibrationResult(
                overall=overall, questions=[question], raters=[], items=[], grader=grader
            )
        )
        out = capsys.readouterr().out
        summary = out.split("┏")[0].strip().splitlines()
        assert summary[0].startswith("Overall (1 answer, grader offline")
        assert len(summary) > 1  # 120 columns do not hold it all: it is broken somewhere
        for line in summary:
            assert not line.rstrip().endswith("·") and not line.lstrip().startswith(("·", "–"))
        joined = " ".join(summary)
        for label in ("QWK", "Pearson", "Spearman", "MAE", "bias", "alpha", "MAD"):
            assert re.search(rf"\b{label} [–+\-\d]", "\n".join(summary)), (label, joined)


# --- --fit: the team's own scale ---------------------------------------------------------------


def _grade(question: str, answer: str) -> dict:
    result = runner.invoke(
        app, ["grade", "-q", question, "-a", answer, "--grader", "offline", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def team_fit(tmp_path_factory: pytest.TempPathFactory):
    """A team that agrees with the grader (fit not written), then a team that scores 1.5
    below it (fit written), grades around them, and a reset."""
    from interviewer.bank import load_default_bank
    from interviewer.grading.service import build_grading_service
    from interviewer.settings import Settings

    tmp = tmp_path_factory.mktemp("fit")
    out: dict[str, object] = {"data": tmp / "data"}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INTERVIEWER_DATA_DIR", str(tmp / "data"))
        mp.setenv("INTERVIEWER_MODELS_DIR", str(PROJECT_ROOT / "models"))
        mp.setenv("INTERVIEWER_ALLOW_REMOTE", "false")
        mp.setenv("INTERVIEWER_GRADER", "offline")
        service = build_grading_service(Settings(), "offline")
        bank = load_default_bank(Settings())
        answers = bank_answers(bank.questions[:5])
        out["answered"] = len(answers)
        shipped = [service.grade(bank.get(q), a).overall or 0.0 for q, a in answers]
        agreeing = write_scores(
            tmp / "agreeing.jsonl", [(q, a, s) for (q, a), s in zip(answers, shipped, strict=True)]
        )
        out["agreeing"] = runner.invoke(app, ["calibrate", str(agreeing), "--fit", "--no-sessions"])
        harsh = [
            (q, a, round(max(0.0, s - 1.5), 1)) for (q, a), s in zip(answers, shipped, strict=True)
        ]
        harsher = write_scores(tmp / "harsher.jsonl", harsh)
        # A mid-range answer, graded (and cached) before the fit.
        chosen = min(range(len(answers)), key=lambda i: abs(shipped[i] - 3.0))
        out["answer"] = answers[chosen]
        out["before"] = _grade(*answers[chosen])
        out["harsher"] = runner.invoke(
            app, ["calibrate", str(harsher), "--fit", "--no-sessions", "--format", "json"]
        )
        written = tmp / "data" / "offline_scale.json"
        out["saved"] = json.loads(written.read_text(encoding="utf-8")) if written.exists() else {}
        out["after"] = _grade(*answers[chosen])
        out["reset"] = runner.invoke(app, ["calibrate", "--reset-fit"])
        out["restored"] = _grade(*answers[chosen])
    return out


def test_calibrate_fit_of_a_team_that_agrees_with_the_grader_writes_nothing(team_fit) -> None:
    result = team_fit["agreeing"]
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "shipped scale" in out and "fitted scale" in out and "partly_threshold" in out
    assert (
        "Not written: on questions it was not fitted on, the fitted scale agrees no better" in out
    )


def test_calibrate_fit_of_a_harsher_team_is_cross_validated_better_and_written(team_fit) -> None:
    result = team_fit["harsher"]
    assert result.exit_code == 0, result.output
    fit = json.loads(result.stdout)["fit"]
    cv = fit["cross_validated"]
    assert cv["fitted"]["objective"] > cv["shipped"]["objective"]
    assert abs(cv["fitted"]["bias"]) < abs(cv["shipped"]["bias"])
    assert fit["folds"] == 5 and fit["answers"] == team_fit["answered"] and fit["questions"] == 5
    assert fit["written"] == str(team_fit["data"] / "offline_scale.json")
    saved = team_fit["saved"]
    assert saved["scale"] == fit["fitted"] != saved["shipped"]
    assert saved["fitted_on"]["file"] == "harsher.jsonl" and saved["fitted_on"]["raters"] == 1
    assert saved["cross_validation"]["fitted"]["objective"] == cv["fitted"]["objective"]
    # The grader it was fitted under, so an update of the measures can say it is stale.
    from interviewer.grading.similarity import measures_version

    assert saved["grader"] == measures_version() and saved["grader"].startswith("offline-")


def test_grade_after_a_fit_uses_the_team_scale_not_the_cached_grade(team_fit) -> None:
    before, after = team_fit["before"], team_fit["after"]
    assert after["overall"] < before["overall"]
    assert after["grader"]["model"] != before["grader"]["model"]
    assert "team-scale" in after["grader"]["model"]


def test_calibrate_reset_fit_restores_the_shipped_grades(team_fit) -> None:
    reset = team_fit["reset"]
    assert reset.exit_code == 0 and "uses the shipped scale again" in reset.stdout
    assert not (team_fit["data"] / "offline_scale.json").exists()
    assert team_fit["restored"]["overall"] == team_fit["before"]["overall"]
    assert team_fit["restored"]["grader"]["model"] == team_fit["before"]["grader"]["model"]


def test_calibrate_fit_refuses_too_little_data_before_grading(tmp_path: Path) -> None:
    scores = write_scores(
        tmp_path / "few.jsonl", [("q04", GOOD, 4.0), ("q01", "Two networks play a game.", 2.0)]
    )
    result = runner.invoke(app, ["calibrate", str(scores), "--fit", "--no-sessions"])
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert "Too little data to fit the scale: 2 scored answers to 2 questions" in message
    assert "Add 38 more scored answers and answers to 3 more questions" in message
    assert "graded" not in result.stderr and not (tmp_path / "data" / "offline_scale.json").exists()


def test_grade_with_a_corrupt_team_scale_says_how_to_reset_it(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "offline_scale.json").write_text('{"scale": ', encoding="utf-8")
    result = runner.invoke(app, ["grade", "-q", "q04", "-a", GOOD, "--grader", "offline"])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "offline_scale.json is not valid JSON" in message
    assert "interviewer calibrate --reset-fit" in message and "Traceback" not in message
