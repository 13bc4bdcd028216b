"""``interviewer eval grader``: metrics printed for a small labelled dataset."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from interviewer.cli import app

QUESTION = "What happens to the generator's gradient early in GAN training?"
REFERENCE = (
    "The discriminator rejects generated samples easily. The minimax loss saturates, so the "
    "generator's gradient vanishes."
)
ROWS = [
    (
        "The discriminator easily rejects fakes, so the minimax loss saturates and the gradient "
        "vanishes.",
        5.0,
    ),
    ("The loss saturates and the gradient vanishes.", 3.0),
    ("The discriminator rejects the generated samples.", 2.5),
    ("GANs generate images from noise with two networks.", 0.0),
    # A fifth: below five answers no correlation or kappa is printed.
    ("Early on the discriminator wins, so the generator's gradient vanishes.", 5.0),
]


def _dataset(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.jsonl"
    lines = [
        json.dumps(
            {
                "id": f"r{i}",
                "qid": "q",
                "split": "test_uq",
                "question": QUESTION,
                "reference_answer": REFERENCE,
                "answer": answer,
                "score": score,
            }
        )
        for i, (answer, score) in enumerate(ROWS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eval_grader_prints_agreement_as_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "grader",
            "--dataset",
            str(_dataset(tmp_path)),
            "--split",
            "test_uq",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 5
    for key in ("pearson", "spearman", "qwk", "rmse", "mae", "per_question_pearson"):
        assert key in report
    assert report["pearson"] > 0


def test_eval_grader_reports_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "grader", "--dataset", str(tmp_path / "no.jsonl")])
    assert result.exit_code == 1
    assert "Dataset not found" in result.output


def test_eval_grader_accepts_bank_ids_and_number_ids_as_grade_batch_lines_do(
    tmp_path: Path,
) -> None:
    strong = (
        "Mode collapse: the generator produces only a few kinds of samples, mapping many latent "
        "vectors to the same output, because it optimizes against the current discriminator; "
        "minibatch discrimination, unrolled GANs and WGAN-GP help."
    )
    rows = [
        (strong, 5.0),
        ("The generator makes few kinds of samples.", 2.0),
        ("GANs have two networks.", 0.5),
        ("Mode collapse: the generator maps many latent vectors to one output.", 3.0),
        ("Overfitting of the discriminator.", 0.0),
    ]
    path = tmp_path / "bank.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"id": i, "question": "q04", "answer": a, "score": s})
            for i, (a, s) in enumerate(rows)
        )
        + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["eval", "grader", "--dataset", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 5 and report["pearson"] > 0


def test_eval_grader_llm_grades_each_distinct_answer_once(tmp_path: Path) -> None:
    from interviewer.chat.server import FakeOpenAIServer
    from interviewer.settings import PROJECT_ROOT

    path = tmp_path / "repeats.jsonl"
    rows = [*ROWS, ROWS[0], ROWS[1]]
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": i,
                    "question": QUESTION,
                    "reference_answer": REFERENCE,
                    "answer": a,
                    "score": s,
                }
            )
            for i, (a, s) in enumerate(rows)
        )
        + "\n",
        encoding="utf-8",
    )
    with FakeOpenAIServer(models_dir=PROJECT_ROOT / "models") as server:
        result = CliRunner().invoke(
            app,
            ["eval", "grader", "--dataset", str(path), "--grader", "llm", "--format", "json"],
            env={
                "INTERVIEWER_LLM_BASE_URL": server.url,
                "INTERVIEWER_LLM_API_KEY": "test-key",
                "INTERVIEWER_LLM_MODEL": "fake-grader",
            },
        )
        requests = len(server.requests)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 7
    assert requests == len(ROWS)  # 7 rows, 5 distinct answers


def test_eval_grader_names_ids_given_to_more_than_one_row(tmp_path: Path) -> None:
    """A row pasted twice weighs double in the agreement: the run says so, and still counts it."""
    path = _dataset(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[0], lines[1]]) + "\n", encoding="utf-8")
    args = ["eval", "grader", "--dataset", str(path), "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["n"], report["duplicate_ids"]) == (7, ["r0", "r1"])
    assert "2 ids appear on more than one row (r0, r1)" in result.stderr
    unique = CliRunner().invoke(app, ["eval", "grader", "--dataset", str(_dataset(tmp_path))])
    assert "more than one row" not in unique.output


def test_eval_grader_names_a_line_that_is_not_a_json_object(tmp_path: Path) -> None:
    path = _dataset(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + "[1, 2]\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "grader", "--dataset", str(path)])
    assert result.exit_code == 1
    assert "line 6: not a JSON object" in result.stderr and "EvalItem" not in result.stderr


def test_eval_grader_text_output_has_short_labels(tmp_path: Path) -> None:
    # It printed the report's raw keys: "pearson_interval: (0.46, 0.65)", "label_classes: [...]".
    path = tmp_path / "five.jsonl"
    labels = {5.0: "correct", 3.0: "partial", 2.5: "partial", 0.0: "wrong"}
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": f"{q}-{i}",
                    "qid": f"q{q}",
                    "question": QUESTION,
                    "reference_answer": REFERENCE,
                    "answer": answer,
                    "score": score,
                    "label": labels[score],
                }
            )
            for q in range(5)
            for i, (answer, score) in enumerate(ROWS)
        )
        + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["eval", "grader", "--dataset", str(path)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("offline grader on five.jsonl: 25 answers\n")
    assert re.search(
        r"^Pearson -?\d\.\d\d \(90% interval -?[\d.]+--?[\d.]+ over questions\)", out, re.M
    )
    assert re.search(r"^MAE \d\.\d\d · RMSE \d\.\d\d", out, re.M)
    assert re.search(r"^Labels \(\w+, \w+, \w+\): accuracy", out, re.M)
    assert "_" not in out  # no raw field names


def test_eval_grader_says_which_scale_graded_and_uses_the_teams_fit(tmp_path: Path) -> None:
    from interviewer.grading.scale import FittedOn, Scale, TeamScale, write_team_scale

    def run() -> tuple[str, list[float]]:
        args = ["eval", "grader", "--dataset", str(_dataset(tmp_path))]
        text = CliRunner().invoke(app, args)
        data = json.loads(CliRunner().invoke(app, [*args, "--format", "json"]).stdout)
        assert text.exit_code == 0, text.output
        return " ".join(text.stdout.split()), [data["mean_predicted"], data["scale"]["kind"]]

    shipped_text, shipped = run()
    harsh = Scale(partly_threshold=0.6, covered_threshold=0.9, depth_low=0.7, depth_high=1.0)
    write_team_scale(
        tmp_path / "data",  # the data folder of every test (conftest)
        TeamScale(
            scale=harsh,
            shipped=harsh,
            fitted_at="2026-11-27 12:00 UTC",
            fitted_on=FittedOn(file="s.csv", sha256="0" * 16, answers=40, questions=5, raters=1),
            method="test",
        ),
    )
    team_text, team = run()
    assert "Scale: shipped" in shipped_text and shipped[1] == "shipped"
    assert "Scale: the team's fit of 2026-11-27 12:00 UTC" in team_text and team[1] == "team"
    assert team[0] < shipped[0]


def test_eval_grader_reports_an_unknown_question_with_the_format_errors_by_line(
    tmp_path: Path,
) -> None:
    # 'q99' was reported only once the bad JSON was fixed, as "Row 1: ..." where the other
    # errors say "line", and its remedy offered --reference, which eval grader does not have.
    path = tmp_path / "mixed.jsonl"
    unknown = {"id": 1, "question": "q99", "answer": "x", "score": 1}
    text = {"id": 2, "question": "What is love?", "answer": "x", "score": 1}
    path.write_text(f"{json.dumps(unknown)}\n{{not json\n{json.dumps(text)}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "grader", "--dataset", str(path)])
    assert result.exit_code == 1
    error = result.stderr
    assert error.startswith("Error: 3 lines of mixed.jsonl are invalid: ")
    assert "line 1: 'q99' is not a question id in the bank" in error and "line 2: " in error
    assert "line 3: 'What is love?' is not a question in the bank" in error
    assert "reference_answer or key_points in the row" in error
    assert "--reference" not in error and "Row 1" not in error


def test_eval_grader_with_no_rows_names_the_splits_the_file_has(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "grader", "--dataset", str(empty)])
    # It read "Check the file and the --split value." with no --split given.
    assert result.exit_code == 1 and "empty.jsonl has no rows" in result.stderr
    assert "--split" not in result.stderr
    other = CliRunner().invoke(
        app, ["eval", "grader", "--dataset", str(_dataset(tmp_path)), "--split", "train"]
    )
    assert other.exit_code == 1
    assert "No row of " in other.stderr and "has split 'train'; its splits are test_uq:" in (
        other.stderr
    )


def test_eval_grader_names_a_file_that_is_not_utf8_as_grade_batch_does(tmp_path: Path) -> None:
    # It showed Python's "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte".
    # Then "byte 0xff at offset 14": the line, which an editor shows, is what to give.
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b'{"id": "a1"}\n\xff{}\n')
    result = CliRunner().invoke(app, ["eval", "grader", "--dataset", str(path)])
    assert result.exit_code == 1
    assert "is not UTF-8 text (byte 0xff on line 2). Save it as UTF-8" in result.stderr
    assert "codec" not in result.stderr


def test_eval_grader_says_which_line_is_bad_json_in_its_own_numbering(tmp_path: Path) -> None:
    """Line 2 was "line 2: Expecting value: line 1 column 1 (char 0)", a score in words
    "score: Value error, the human score ...", and a CSV file one bad-JSON error per line."""
    path = tmp_path / "data.jsonl"
    path.write_text(
        '{"id": "a1", "question": "q01", "answer": "Two networks.", "score": 4}\n'
        "not json\n"
        '{"id": "a3", "question": "q01", "answer": "Two networks.", "score": "four"}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["eval", "grader", "--dataset", str(path)])
    assert result.exit_code == 1
    told = " ".join(result.stderr.split())
    assert "line 2: not valid JSON (Expecting value at column 1)" in told
    assert "line 3: score: the human score must be a number from 0 to 5, not 'four'" in told
    assert "line 1 column" not in told and "Value error" not in told
    path.write_text("id,question,answer,score\na1,q01,Two networks.,4\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "grader", "--dataset", str(path)])
    assert result.exit_code == 1
    assert (
        "data.jsonl holds CSV (its first line is 'id,question,answer,score'), not JSON Lines"
        in (" ".join(result.stderr.split()))
    )


def test_eval_grader_prints_no_correlation_of_fewer_than_five_answers(tmp_path: Path) -> None:
    """Two answers printed "Pearson 1.00 · QWK 0.23", which calibrate withholds from a team."""
    path = _dataset(tmp_path)
    path.write_text("".join(path.read_text(encoding="utf-8").splitlines(True)[:2]), "utf-8")
    text = CliRunner().invoke(app, ["eval", "grader", "--dataset", str(path)])
    assert text.exit_code == 0, text.output
    assert (
        "Pearson, Spearman, QWK: too few scored answers (n = 2; at least 5 needed)" in text.stdout
    )
    assert re.search(r"^MAE \d\.\d\d · RMSE \d\.\d\d", text.stdout, re.M)  # errors still shown
    as_json = CliRunner().invoke(
        app, ["eval", "grader", "--dataset", str(path), "--format", "json"]
    )
    report = json.loads(as_json.stdout)
    assert [report[k] for k in ("pearson", "spearman", "qwk", "per_question_pearson")] == [None] * 4
    assert report["too_few"] == "too few scored answers (n = 2; at least 5 needed)"
