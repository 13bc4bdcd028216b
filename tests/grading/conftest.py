"""Fixtures for grading tests: a question and the fake LLM grader."""

from __future__ import annotations

from pathlib import Path

import pytest
from grading_support import PROMPTS, make_grader

from interviewer.bank import Question
from interviewer.chat.fake import FakeChatModel
from interviewer.grading.judge import LLMGrader


@pytest.fixture
def question() -> Question:
    """A bank-like question on mode collapse."""
    return Question(
        id="q04",
        text="What is mode collapse in GANs and how can you mitigate it?",
        topic="gan-training",
        difficulty=2,
        key_points=[
            "The generator produces a small set of outputs regardless of the noise input",
            "It happens when the generator exploits a weakness of the discriminator",
            "Remedies include minibatch discrimination, unrolled GANs and the Wasserstein loss",
        ],
        model_answer="Mode collapse: the generator maps many latent codes to few outputs ...",
    )


@pytest.fixture
def fake_chat() -> FakeChatModel:
    """A function-driven fake LLM (push faults onto it to script failures)."""
    return FakeChatModel()


@pytest.fixture
def llm_grader(fake_chat: FakeChatModel) -> LLMGrader:
    """The LLM grader over the fake model."""
    return make_grader(fake_chat)


@pytest.fixture
def prompts_dir() -> Path:
    """The repository's prompt files."""
    return PROMPTS
