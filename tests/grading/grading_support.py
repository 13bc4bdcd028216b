"""Shared constants and helpers of the grading tests (imported by name: no package here)."""

from __future__ import annotations

from interviewer.chat.fake import FakeChatModel
from interviewer.grading.judge import LLMGrader
from interviewer.settings import PROJECT_ROOT

PROMPTS = PROJECT_ROOT / "prompts"
MODELS = PROJECT_ROOT / "models"

STRONG = (
    "Mode collapse is when the generator produces a small set of outputs regardless of the noise "
    "input, so many latent codes map to the same sample. It happens because the generator exploits "
    "a weakness of the discriminator: once one output fools it, gradients push everything there. "
    "Remedies include minibatch discrimination, unrolled GANs and the Wasserstein loss, which "
    "gives "
    "useful gradients even when the distributions do not overlap."
)
WEAK = "Mode collapse is a problem in GAN training where results look bad."


def make_grader(chat: FakeChatModel, **kwargs: object) -> LLMGrader:
    """An LLM grader over the fake model, with no waiting between attempts."""
    return LLMGrader(
        chat_model=chat,
        prompts_dir=PROMPTS,
        models_dir=MODELS,
        model_name="fake",
        backoff_s=0,
        **kwargs,  # type: ignore[arg-type]
    )
