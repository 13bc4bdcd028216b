"""Alternative (other accepted) answers: an answer is graded against the one it matches best."""

from __future__ import annotations

import pytest
from grading_support import MODELS, PROMPTS

from interviewer.bank import Question, adhoc_question
from interviewer.errors import BankError
from interviewer.grading import shared_embedder, shared_sentence_encoder
from interviewer.grading.base import GradeRequest
from interviewer.grading.judge import PROMPT_TOKEN_BUDGET, build_grading_messages, prompt_tokens
from interviewer.grading.similarity import SimilarityGrader, accepted_variants

# A Beetle-style question: two correct explanations that share few words.
QUESTION = "Explain why you got a voltage reading of 1.5 for terminal 1 and the positive terminal."
REFERENCE = "Terminal 1 and the positive terminal are separated by the gap"
ALTERNATIVE = "Terminal 1 is connected to the negative battery terminal"
ANSWER = "It is connected to the negative side of the battery."


@pytest.fixture(scope="module")
def grader() -> SimilarityGrader:
    return SimilarityGrader(
        sentences=shared_sentence_encoder(MODELS),
        embedder=shared_embedder(MODELS),
        prompts_dir=PROMPTS,
    )


def _grade(grader: SimilarityGrader, question: Question, answer: str = ANSWER) -> float:
    grade = grader.grade(GradeRequest(question=question, answer=answer))
    assert grade.overall is not None
    return grade.overall


def test_alternative_answer_credits_an_answer_that_states_it(grader: SimilarityGrader) -> None:
    single = adhoc_question(QUESTION, REFERENCE)
    accepted = adhoc_question(QUESTION, REFERENCE, alternative_answers=[ALTERNATIVE])
    assert _grade(grader, accepted) > _grade(grader, single) + 0.5


def test_alternative_answer_does_not_raise_an_unrelated_answer(grader: SimilarityGrader) -> None:
    accepted = adhoc_question(QUESTION, REFERENCE, alternative_answers=[ALTERNATIVE])
    wrong = "The bulb is broken."
    assert _grade(grader, accepted, wrong) < _grade(grader, accepted) - 1.0


def test_alternative_answer_grade_says_which_it_was_measured_against(
    grader: SimilarityGrader,
) -> None:
    question = adhoc_question(QUESTION, REFERENCE, alternative_answers=[ALTERNATIVE])
    grade = grader.grade(GradeRequest(question=question, answer=ANSWER))
    assert "accepted answer it matches best" in grade.message
    assert "negative battery terminal" in grade.message
    # What the candidate is shown stays the model answer; the grade points at this version.
    assert grade.model_answer == REFERENCE
    assert grade.question_version == question.version
    # Key points drawn from the reference follow the alternative that was used.
    assert [v.key_point for v in grade.key_points] == [ALTERNATIVE]


def test_alternative_answer_keeps_a_questions_own_key_points() -> None:
    question = Question(
        id="q90",
        text=QUESTION,
        topic="circuits",
        difficulty=1,
        key_points=["Terminal 1 is not connected to the positive terminal", "There is a gap"],
        model_answer=REFERENCE,
        alternative_answers=[ALTERNATIVE],
    )
    variants = accepted_variants(question)
    assert [v.model_answer for v in variants] == [REFERENCE, ALTERNATIVE]
    assert all(v.key_points == question.key_points for v in variants)


def test_alternative_answers_change_the_question_version_only_when_present() -> None:
    plain = adhoc_question(QUESTION, REFERENCE)
    same = adhoc_question(QUESTION, REFERENCE, alternative_answers=["  ", REFERENCE])
    other = adhoc_question(QUESTION, REFERENCE, alternative_answers=[ALTERNATIVE])
    assert same.alternative_answers == [] and same.version == plain.version
    assert same.id == plain.id
    assert other.version != plain.version and other.id != plain.id


def test_alternative_answers_over_the_limit_say_what_to_do() -> None:
    with pytest.raises(BankError, match="at most 16 alternative answers"):
        adhoc_question(QUESTION, REFERENCE, alternative_answers=[f"answer {i}" for i in range(17)])


def test_llm_prompt_lists_alternatives_after_the_model_answer() -> None:
    question = adhoc_question(QUESTION, REFERENCE, alternative_answers=[ALTERNATIVE])
    messages = build_grading_messages(
        GradeRequest(question=question, answer=ANSWER),
        prompts_dir=PROMPTS,
        models_dir=MODELS,
        evidence_tokens=0,
    )
    user = str(messages[1].content)
    model_section = user.split("MODEL ANSWER:")[1].split("REFERENCE EVIDENCE:")[0]
    assert model_section.index(REFERENCE) < model_section.index(f"- {ALTERNATIVE}")
    assert "OTHER ACCEPTED ANSWERS" in model_section


def test_llm_prompt_cuts_alternatives_before_the_model_answer() -> None:
    long_alternatives = [f"Alternative {i}: " + "the circuit was open. " * 30 for i in range(8)]
    question = adhoc_question(QUESTION, REFERENCE, alternative_answers=long_alternatives)
    answer = " ".join(["terminal 1 had no closed path to the battery"] * 25)  # 225 words
    messages = build_grading_messages(
        GradeRequest(question=question, answer=answer),
        prompts_dir=PROMPTS,
        models_dir=MODELS,
        evidence_tokens=0,
    )
    assert prompt_tokens([str(m.content) for m in messages], MODELS) <= PROMPT_TOKEN_BUDGET
    user = str(messages[1].content)
    assert REFERENCE in user and "Alternative 0:" in user and "Alternative 7:" not in user
