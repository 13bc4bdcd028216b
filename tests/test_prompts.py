import pytest

from interviewer.errors import ConfigError
from interviewer.prompts import render_prompt


def test_prompts_render_fills_placeholders(tmp_path):
    (tmp_path / "p.md").write_text('Q: $question {"json": true} costs $$5')
    assert render_prompt(tmp_path, "p", question="why?") == 'Q: why? {"json": true} costs $5'


def test_prompts_missing_placeholder_raises(tmp_path):
    (tmp_path / "p.md").write_text("Q: $question A: $answer")
    with pytest.raises(ConfigError, match="answer"):
        render_prompt(tmp_path, "p", question="why?")


def test_prompts_unused_value_raises(tmp_path):
    (tmp_path / "p.md").write_text("Q: $question")
    with pytest.raises(ConfigError, match="extra"):
        render_prompt(tmp_path, "p", question="q", extra="x")


def test_prompts_missing_file_names_it(tmp_path):
    with pytest.raises(ConfigError, match="nope.md"):
        render_prompt(tmp_path, "nope")
