"""The rubric's arithmetic, and the prompt version recorded on grades (it depends only on
the files the graders use)."""

import shutil
from pathlib import Path

from interviewer.grading.base import CriterionScore
from interviewer.grading.rubric import (
    load_rubric,
    mean_score,
    one_decimal,
    overall_score,
    prompt_version,
)

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "prompts"
    shutil.copytree(PROMPTS, folder)
    return folder


def test_prompt_version_ignores_the_question_drafting_prompt(tmp_path: Path):
    folder = _copy(tmp_path)
    before = prompt_version(folder)
    draft = folder / "draft_question.md"
    draft.write_text(draft.read_text(encoding="utf-8") + "\nBe brief.\n", encoding="utf-8")
    (folder / "draft_question_user.md").unlink()
    assert prompt_version(folder) == before


def test_prompt_version_changes_when_the_rubric_or_a_grading_prompt_changes(tmp_path: Path):
    folder = _copy(tmp_path)
    before = prompt_version(folder)
    rubric = folder / "rubric.yaml"
    rubric.write_text(rubric.read_text(encoding="utf-8") + "\n# reworded\n", encoding="utf-8")
    after_rubric = prompt_version(folder)
    assert after_rubric != before
    retry = folder / "grade_retry.md"
    retry.write_text(retry.read_text(encoding="utf-8") + "\nJSON only.\n", encoding="utf-8")
    assert prompt_version(folder) not in (before, after_rubric)


def _criteria(correctness: float | None) -> list[CriterionScore]:
    scores = {"correctness": correctness, "coverage": 5.0, "depth": 0.0, "communication": 0.0}
    return [CriterionScore(criterion=name, score=s) for name, s in scores.items()]  # type: ignore[arg-type]


def test_overall_rounds_a_tie_up_as_every_shown_score_does():
    """Coverage 3 and communication 2 with nothing else weigh to 1.25 (0.35 * 3 + 0.1 * 2),
    which the floats make 1.2499999999999998: the card showed 1.2 where the rubric gives 1.3,
    while every other figure rounds a tie up."""
    rubric = load_rubric(PROMPTS)
    scores = {"correctness": 0.0, "coverage": 3.0, "depth": 0.0, "communication": 2.0}
    criteria = [CriterionScore(criterion=k, score=v) for k, v in scores.items()]  # type: ignore[arg-type]
    assert overall_score(criteria, rubric) == 1.3


def test_overall_leaves_a_criterion_not_assessed_out_instead_of_counting_it_as_zero():
    rubric = load_rubric(PROMPTS)
    # Weights 0.35 / 0.35 / 0.2 / 0.1: coverage 5 alone over the assessed weight 0.65.
    assert overall_score(_criteria(None), rubric) == 2.7
    assert overall_score(_criteria(0.0), rubric) == 1.8  # 1.75, a tie: half up, as shown
    assert overall_score(_criteria(5.0), rubric) == 3.5
    nothing = [CriterionScore(criterion="depth", score=None)]
    assert overall_score(nothing, rubric) is None


def test_mean_score_rounds_a_tie_half_up_whatever_the_float_sum():
    # In floats 3.3 + 3.4 is 6.699999999999999: the same mean read 3.3 in one place, 3.4 in
    # another. Order and float noise no longer decide.
    assert mean_score([3.3, 3.4]) == mean_score([3.4, 3.3]) == 3.4
    assert (mean_score([0.1, 0.2]), mean_score([2.3, 2.4]), mean_score([4.1, 4.2])) == (
        0.2,
        2.4,
        4.2,
    )
    # 4.166... is shown as 4.2: beside 4.5 the mean reads 4.4, as the figures on the page add up
    # (the unrounded 4.333... gave 4.3).
    assert mean_score([4.166666666666667, 4.5]) == 4.4 and mean_score([]) is None
    assert (one_decimal(3.25), one_decimal(3.75), one_decimal(3.24)) == (3.3, 3.8, 3.2)
