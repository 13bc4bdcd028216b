"""What the team sees about how a drafted question was made."""

from __future__ import annotations

from interviewer.bank import Question
from interviewer.ui.panels.bank import _draft_state


def _question(**extra: object) -> Question:
    return Question(
        id="q90",
        text="What is a GAN?",
        topic="t",
        difficulty=1,
        key_points=["two networks"],
        **extra,
    )


def test_bank_panel_draft_state_names_the_llm_that_wrote_it() -> None:
    state = _draft_state(_question(status="draft", drafted_by="llm:gpt-4o-mini"))
    assert state == "draft, written by LLM gpt-4o-mini"


def test_bank_panel_draft_state_says_when_the_llm_failed_and_extraction_was_used() -> None:
    q = _question(status="draft", drafted_by="extracted", draft_note="LLM draft failed (timeout)")
    assert _draft_state(q) == "draft, extracted from the references; LLM draft failed (timeout)"


def test_bank_panel_draft_state_of_an_approved_question() -> None:
    assert _draft_state(_question(status="approved", drafted_by="extracted")) == "approved"
