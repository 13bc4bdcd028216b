"""Agreement metrics checked against hand-computed values and scipy/scikit-learn directly."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr

from interviewer.errors import InputError
from interviewer.grading.evaluation import (
    agreement,
    constant_baseline,
    evaluate,
    label_metrics,
    load_dataset,
    per_question_pearson,
    question_interval,
    to_request,
)


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _row(i: int, score: float, split: str = "test_uq", **extra: object) -> dict[str, object]:
    return {
        "id": f"r{i}",
        "question": "What does the discriminator of a GAN learn?",
        "reference_answer": "It learns to tell real samples from generated ones.",
        "answer": f"answer {i}",
        "score": score,
        "split": split,
        **extra,
    }


def test_agreement_perfect_prediction_scores_one() -> None:
    human = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    report = agreement(human, human, ["q"] * 6)
    assert report.pearson == 1.0
    assert report.spearman == 1.0
    assert report.qwk == 1.0
    assert report.rmse == 0.0
    assert report.mae == 0.0
    assert report.per_question_pearson == 1.0


def test_agreement_errors_match_hand_computation() -> None:
    human = [0.0, 2.0, 4.0, 5.0]
    predicted = [1.0, 2.0, 2.0, 5.0]
    report = agreement(human, predicted, ["a", "a", "b", "b"])
    # errors 1, 0, 2, 0: MAE = 3/4, RMSE = sqrt(5/4)
    assert report.mae == 0.75
    assert report.rmse == round(math.sqrt(1.25), 4)
    assert report.pearson == round(pearsonr(human, predicted)[0], 4)
    assert report.spearman == round(spearmanr(human, predicted)[0], 4)


def test_agreement_qwk_matches_hand_computed_kappa() -> None:
    # Two raters on labels {0, 1}: observed matrix [[1, 1], [0, 2]], expected from marginals
    # rows (2, 2), cols (1, 3) / 4 -> [[0.5, 1.5], [0.5, 1.5]]; quadratic weights on 0..5 put
    # weight 1/25 on the off-diagonal, so kappa = 1 - (1/25 * 1) / (1/25 * 2) = 0.5.
    report = agreement([0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 1.0], ["q"] * 4)
    assert report.qwk == 0.5


def test_agreement_qwk_rounds_scores_before_comparing() -> None:
    report = agreement([0.0, 2.0, 5.0], [0.4, 1.6, 4.6], ["q"] * 3)
    assert report.qwk == 1.0


def test_per_question_pearson_skips_small_and_constant_groups() -> None:
    human = [0, 1, 2, 5, 5, 5, 1, 2]
    predicted = [0, 1, 2, 1, 2, 3, 4, 0]
    groups = ["a", "a", "a", "b", "b", "b", "c", "c"]
    value, n = per_question_pearson(human, predicted, groups)
    # only "a" qualifies: b has constant human scores, c has two answers
    assert (value, n) == (1.0, 1)


def test_per_question_pearson_is_mean_of_groups() -> None:
    human = [0, 1, 2, 0, 1, 2]
    predicted = [0, 1, 2, 2, 1, 0]
    value, n = per_question_pearson(human, predicted, ["a"] * 3 + ["b"] * 3)
    assert (value, n) == (0.0, 2)


def _questions(agree: list[bool]) -> tuple[list[float], list[float], list[str]]:
    """Four answers per question; the grader ranks them as the humans do, or in reverse."""
    human, predicted, groups = [], [], []
    for q, same in enumerate(agree):
        scores = [1.0, 2.0, 3.0, 4.0]
        human += scores
        predicted += scores if same else scores[::-1]
        groups += [f"q{q}"] * 4
    return human, predicted, groups


def test_pearson_interval_is_wide_when_questions_disagree() -> None:
    consistent = question_interval(*_questions([True] * 7 + [False]))
    mixed = question_interval(*_questions([True, False] * 4))
    assert consistent is not None and mixed is not None
    assert consistent[1] - consistent[0] < mixed[1] - mixed[0]
    # the mixed set's point estimate (0) lies inside its interval
    assert mixed[0] < 0.0 < mixed[1]


def test_pearson_interval_needs_five_questions_and_is_reproducible() -> None:
    assert question_interval(*_questions([True, False, True, False])) is None
    data = _questions([True, True, False, True, False, True])
    assert question_interval(*data) == question_interval(*data)
    report = agreement(*data)
    assert report.pearson is not None and report.pearson_interval is not None
    low, high = report.pearson_interval
    assert low <= report.pearson <= high


def test_label_metrics_merge_labels_that_share_a_score() -> None:
    labels = ["correct", "partial", "contradictory", "irrelevant"]
    human = [5.0, 2.5, 0.0, 0.0]
    predicted = [4.0, 3.0, 0.5, 2.0]
    accuracy, macro_f1, classes = label_metrics(labels, human, predicted)
    assert classes == ["contradictory|irrelevant", "partial", "correct"]
    # predictions map to: correct, partial, contradictory|irrelevant, partial -> 3 of 4 right
    assert accuracy == 0.75
    assert macro_f1 == round((2 / 3 + 1.0 + 2 / 3) / 3, 4)


def test_label_metrics_need_two_classes() -> None:
    """Every answer labelled correct and every grade 0 is not 100% accurate: it is unmeasured."""
    accuracy, macro_f1, classes = label_metrics(["correct"] * 3, [5.0] * 3, [0.0, 0.0, 0.0])
    assert (accuracy, macro_f1, classes) == (None, None, ["correct"])


def test_constant_baseline_uses_train_mean() -> None:
    from interviewer.grading.evaluation import EvalItem

    train = [EvalItem.model_validate(_row(i, s, "train")) for i, s in enumerate([1.0, 3.0])]
    test = [EvalItem.model_validate(_row(i, s)) for i, s in enumerate([0.0, 4.0])]
    assert constant_baseline(train, test) == {"constant": 2.0, "rmse": 2.0, "mae": 2.0}


def test_load_dataset_filters_split_and_limit(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "d.jsonl", [_row(0, 1.0, "train"), _row(1, 2.0), _row(2, 3.0), _row(3, 4.0)]
    )
    items = load_dataset(path, split="test_uq", limit=2)
    assert [i.id for i in items] == ["r1", "r2"]


def test_load_dataset_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(_row(0, 1.0)) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        load_dataset(path)


def test_load_dataset_names_every_bad_line_and_takes_no_guessed_value(tmp_path: Path) -> None:
    """A score of true was read as 1.0, "5" as 5.0 and an answer 42 as "42", silently; and only
    the first bad line was named, one per run."""
    rows = [
        _row(0, 1.0),
        {**_row(1, 1.0), "score": True},
        {**_row(2, 1.0), "score": "5"},
        {**_row(3, 1.0), "answer": 42},
        _row(4, 2.0),
    ]
    with pytest.raises(InputError) as caught:
        load_dataset(_write(tmp_path / "d.jsonl", rows))
    message = str(caught.value)
    assert message.startswith("3 lines of d.jsonl are invalid: line 2: ")
    assert "not True" in message and "line 3: " in message and "not '5'" in message
    assert "line 4: answer" in message and "line 5" not in message


def test_load_dataset_rejects_out_of_range_score(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", [_row(0, 7.0)])
    with pytest.raises(InputError, match="score"):
        load_dataset(path)


def test_to_request_derives_key_points_and_accepts_terse_questions() -> None:
    from interviewer.grading.evaluation import EvalItem

    item = EvalItem.model_validate(
        {
            **_row(0, 5.0),
            "question": "Why?",
            "reference_answer": "The bulb is in a closed path. The path contains a battery.",
        }
    )
    request = to_request(item)
    assert request.question.key_points == [
        "The bulb is in a closed path.",
        "The path contains a battery.",
    ]


def test_evaluate_leaves_out_pending_grades(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", [_row(i, float(i)) for i in range(6)])
    items = load_dataset(path)
    report = evaluate(items, lambda reqs: [None, 1.0, 2.0, 3.0, 4.0, 5.0])
    assert report.n == 5
    assert report.pending == 1
    assert report.pearson == 1.0
    assert np.isclose(report.mean_human, 3.0)


def test_load_dataset_reads_a_file_that_starts_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text("\ufeff" + json.dumps(_row(0, 1.0)) + "\r\n", encoding="utf-8")
    assert [i.id for i in load_dataset(path)] == ["r0"]


def test_to_request_resolves_bank_ids_as_grade_does() -> None:
    from interviewer.bank import Bank, Question
    from interviewer.grading.evaluation import EvalItem

    bank = Bank(
        questions=[
            Question(
                id="q01",
                text="What is a GAN?",
                topic="gan-fundamentals",
                difficulty=1,
                key_points=["Two networks trained against each other"],
                model_answer="A generator and a discriminator trained against each other.",
            )
        ]
    )
    item = EvalItem.model_validate({**_row(0, 5.0), "question": "q99", "reference_answer": ""})
    with pytest.raises(InputError, match="'q99' is not a question id in the bank"):
        to_request(item, bank)
    # As `interviewer grade` decides: a bank id with a reference of its own is ambiguous.
    named = EvalItem.model_validate({**_row(1, 5.0), "question": "q01"})
    with pytest.raises(InputError, match="Row r1: 'q01' is a bank question"):
        to_request(named, bank)
    plain = named.model_copy(update={"reference_answer": "", "alternative_answers": ["Two nets."]})
    question = to_request(plain, bank).question
    assert question.id == "q01" and question.alternative_answers == ["Two nets."]


def test_qwk_rounds_half_up_as_calibrate_does() -> None:
    """Beetle's partly-correct 2.5 is level 3 in `eval grader` as in `calibrate`; with numpy's
    half-to-even rounding it was level 2 here and 3 there, so one file gave two kappas."""
    from interviewer import calibration

    # Five pairs: calibrate withholds a kappa of fewer (calibration.MIN_AGREEMENT).
    human, predicted = [2.5, 4.5, 0.0, 1.5, 3.5], [3.0, 5.0, 0.0, 2.0, 4.0]
    assert agreement(human, predicted, ["q"] * 5).qwk == 1.0
    assert calibration.agreement(predicted, human).qwk == 1.0
