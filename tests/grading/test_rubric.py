"""The prompt version recorded on grades depends only on the files the graders use."""

import shutil
from pathlib import Path

from interviewer.grading.rubric import prompt_version

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
