"""An answer about another question of the bank is off topic, for every grader.

Before, the offline grader gave the bank's answer on mode collapse 3.6 of 5 as an answer to
"Explain the concept of dropout" (every key point "partly" covered, by the domain's shared
vocabulary).
"""

from __future__ import annotations

import random

import pytest
from grading_support import MODELS, PROMPTS, make_grader

from interviewer.bank import Question, adhoc_question, load_bank
from interviewer.chat.fake import FakeChatModel
from interviewer.grading import shared_embedder, shared_sentence_encoder
from interviewer.grading.cache import GradeCache, MemoryGradeCache
from interviewer.grading.evaluation import load_dataset, to_request
from interviewer.grading.service import GradingService
from interviewer.grading.similarity import SimilarityGrader
from interviewer.grading.topics import MIN_WORDS, BankTopics
from interviewer.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def bank() -> dict[str, Question]:
    knowledge = PROJECT_ROOT / "knowledge"
    return {q.id: q for q in load_bank(knowledge / "questions.yaml", knowledge).questions}


def _service(
    bank: dict[str, Question], grader: object | None = None, cache: GradeCache | None = None
) -> GradingService:
    embedder = shared_embedder(MODELS)
    offline = SimilarityGrader(
        sentences=shared_sentence_encoder(MODELS),
        embedder=embedder,
        prompts_dir=PROMPTS,
        peers=lambda: list(bank.values()),
    )
    return GradingService(
        grader=grader or offline,  # type: ignore[arg-type]
        retriever=None,
        prompts_dir=PROMPTS,
        models_dir=MODELS,
        embedder=embedder,
        bank=lambda: list(bank.values()),
        cache=cache,
    )


def test_the_answer_to_another_bank_question_gets_zero_naming_it(bank):
    grade = _service(bank).grade(bank["q32"], bank["q04"].model_answer)
    assert grade.overall == 0.0 and "off_topic" in grade.flags
    assert "another interview question (“What is mode collapse" in grade.message
    assert "q04" not in grade.message and "bank" not in grade.message


def test_the_llm_is_not_called_for_an_answer_to_another_question(bank):
    chat = FakeChatModel()
    grade = _service(bank, make_grader(chat)).grade(bank["q32"], bank["q04"].model_answer)
    assert grade.overall == 0.0 and "off_topic" in grade.flags and chat.calls == []


def test_answers_to_the_question_itself_are_never_taken_for_another(bank):
    """Every bank question's model answer, and its key points in one paragraph, pass."""
    topics = BankTopics(shared_embedder(MODELS), lambda: list(bank.values()))
    taken = [
        (q.id, answer[:60])
        for q in bank.values()
        for answer in (q.model_answer, " ".join(q.key_points))
        if topics.other_question(q, answer) is not None
    ]
    assert taken == []


def test_short_answers_and_questions_outside_the_bank_are_not_compared(bank):
    topics = BankTopics(shared_embedder(MODELS), lambda: list(bank.values()))
    recital = bank["q04"].model_answer
    assert topics.other_question(bank["q32"], recital) is not None
    short = " ".join(recital.split()[: MIN_WORDS - 1])
    assert topics.other_question(bank["q32"], short) is None
    dropout = adhoc_question(bank["q32"].text, bank["q32"].model_answer)
    assert topics.other_question(dropout, recital) is None


def test_a_generic_answer_is_not_named_as_an_answer_to_another_question(bank):
    """It is about equally close to many questions (seen in the browser: named as an answer to
    the RNN question, q28, when asked about Nash equilibria)."""
    generic = (
        "This is an important concept in machine learning. It involves neural networks and "
        "training on data, and it is widely used in industry. There are many advantages and "
        "some disadvantages, and it depends on the use case and the data you have."
    )
    topics = BankTopics(shared_embedder(MODELS), lambda: list(bank.values()))
    assert [q for q in ("q01", "q04", "q05") if topics.other_question(bank[q], generic)] == []
    grade = _service(bank).grade(bank["q05"], generic)
    assert "another question" not in grade.message and "off_topic" not in grade.flags


def test_a_bank_edit_changes_what_an_answer_is_compared_with(bank):
    service = _service(bank)
    recital = bank["q04"].model_answer
    assert "off_topic" in service.grade(bank["q32"], recital).flags
    service.prepare([bank["q32"], bank["q28"]])  # q04 left the bank
    assert "off_topic" not in service.grade(bank["q32"], recital, use_cache=False).flags


def test_a_grade_cached_before_a_bank_edit_is_not_served_after_it(bank):
    """An LLM grade of the answer to q04, cached while q04 was not in the bank, is not served
    once q04 is added: the answer is now about another question and gets 0 without a call."""
    chat = FakeChatModel()
    service = _service(bank, make_grader(chat), cache=MemoryGradeCache())
    service.prepare([bank["q32"], bank["q28"]])
    recital = bank["q04"].model_answer
    before = service.grade(bank["q32"], recital)
    assert before.overall is not None and before.overall > 0 and len(chat.calls) == 1
    assert service.grade(bank["q32"], recital) == before and len(chat.calls) == 1  # cached
    service.prepare([bank["q32"], bank["q28"], bank["q04"]])
    after = service.grade(bank["q32"], recital)
    assert after.overall == 0.0 and "off_topic" in after.flags and len(chat.calls) == 1


def test_answers_humans_credited_are_rarely_taken_for_another_question():
    """Each dataset's train questions as a bank (../shared/data; the rule was chosen there with
    bench/fit_topics.py: credited answers taken for another question SAF 1 of 1,928,
    SciEntsBank 0 of 1,189). Beetle is left out: its 46 questions are variations on one circuit
    (7 of 1,978). Of this sample's long answers given to another question, SAF 319 of 364 and
    SciEntsBank 55 of 72 are named for the question they answer."""
    embedder = shared_embedder(MODELS)
    data = PROJECT_ROOT.parent / "shared" / "data"
    rng = random.Random(0)
    for name in ("saf_en", "scientsbank_2way"):
        rows = [r for r in load_dataset(data / f"{name}.jsonl", split="train") if r.score >= 2.5]
        requests = [to_request(r) for r in rows]
        questions = list({r.question.id: r.question for r in requests}.values())
        topics = BankTopics(embedder, lambda qs=questions: qs)
        sample = rng.sample(requests, 400)
        taken = [r.answer for r in sample if topics.other_question(r.question, r.answer)]
        assert len(taken) <= 0.01 * len(sample), (name, taken)
        # The same answers given to another question: caught, and named for what they answer.
        long_ones = [r for r in sample if len(r.answer.split()) >= MIN_WORDS]
        named = [
            topics.other_question(rng.choice([q for q in questions if q != r.question]), r.answer)
            for r in long_ones
        ]
        pairs = zip(named, long_ones, strict=True)
        right = sum(n is not None and n.id == r.question.id for n, r in pairs)
        assert right >= 0.6 * len(long_ones), (name, right, len(long_ones))


def test_most_model_answers_given_to_another_bank_question_get_zero(bank):
    """Each bank question answered with the model answer of the question 7 places on: 5 of 35
    such swaps scored 3.5 or more before this guard; 33 get 0 now (the two misses read like
    their own question in their first 60 words)."""
    questions = list(bank.values())
    service = _service(bank)
    zeros = [
        service.grade(q, questions[(i + 7) % len(questions)].model_answer).overall == 0.0
        for i, q in enumerate(questions)
    ]
    assert sum(zeros) >= 0.9 * len(questions), sum(zeros)
