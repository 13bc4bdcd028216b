"""The offline grader measures a bank question's answers against the bank's other questions.

Every answer on GAN questions shares the domain's words, so without this an on-topic answer
to a different question looked like a fair match (a generic answer to q04 scored 3.5 of 5).
"""

from __future__ import annotations

import pytest
from grading_support import MODELS, PROMPTS

from interviewer.bank import Question, adhoc_question, load_bank
from interviewer.errors import BankError
from interviewer.grading import shared_embedder, shared_sentence_encoder
from interviewer.grading.base import Grade, GradeRequest
from interviewer.grading.similarity import SimilarityGrader
from interviewer.settings import PROJECT_ROOT

GENERIC = (
    "GANs are trained with a generator and a discriminator. The generator creates fake images "
    "from noise and the discriminator tries to tell real from fake images. They are trained "
    "together in a minimax game until the generator produces realistic images."
)
STRONG = (
    "Mode collapse happens when the generator produces only a few kinds of outputs, so many "
    "different z vectors give the same image and diversity is low. It happens because the "
    "generator only tries to fool the current discriminator and nothing rewards covering all "
    "modes. It is a problem because the model does not represent the real data distribution "
    "even if samples look good. Fixes include minibatch discrimination, unrolled GANs and "
    "WGAN-GP."
)
WRONG = (
    "Mode collapse is when the discriminator becomes too strong and its gradients vanish, so "
    "the generator stops learning; it is fixed by using a smaller learning rate."
)


@pytest.fixture(scope="module")
def bank() -> list[Question]:
    """The real question bank."""
    knowledge = PROJECT_ROOT / "knowledge"
    return load_bank(knowledge / "questions.yaml", knowledge).questions


@pytest.fixture(scope="module")
def with_peers(bank: list[Question]) -> SimilarityGrader:
    """The offline grader as the product builds it: the bank as peers."""
    return SimilarityGrader(
        sentences=shared_sentence_encoder(MODELS),
        embedder=shared_embedder(MODELS),
        prompts_dir=PROMPTS,
        peers=lambda: bank,
    )


@pytest.fixture(scope="module")
def without_peers() -> SimilarityGrader:
    """The offline grader on the fitted scale alone (as for ad-hoc questions)."""
    return SimilarityGrader(
        sentences=shared_sentence_encoder(MODELS),
        embedder=shared_embedder(MODELS),
        prompts_dir=PROMPTS,
    )


def _grade(grader: SimilarityGrader, question: Question, answer: str) -> Grade:
    return grader.grade(GradeRequest(question=question, answer=answer))


def _question(bank: list[Question], question_id: str) -> Question:
    return next(q for q in bank if q.id == question_id)


def _coverage_rationale(grade: Grade) -> str:
    coverage = grade.criterion("coverage")
    assert coverage is not None
    return coverage.rationale


def test_peer_baseline_generic_on_topic_answer_gets_little_credit(
    with_peers: SimilarityGrader, without_peers: SimilarityGrader, bank: list[Question]
) -> None:
    q04 = _question(bank, "q04")
    generic = _grade(with_peers, q04, GENERIC)
    assert generic.overall is not None and generic.overall <= 2.0
    depth = generic.criterion("depth")
    assert depth is not None and depth.score is not None and depth.score <= 1.0
    assert "other questions" in depth.rationale  # the grade says what it was measured against
    unanchored = _grade(without_peers, q04, GENERIC)
    assert unanchored.overall is not None and generic.overall < unanchored.overall


def test_peer_baseline_strong_answer_keeps_full_credit(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    q04 = _question(bank, "q04")
    strong = _grade(with_peers, q04, STRONG)
    assert strong.overall is not None and strong.overall >= 4.0
    assert all(v.verdict != "missed" for v in strong.key_points)
    for other in (GENERIC, WRONG):
        weaker = _grade(with_peers, q04, other)
        assert weaker.overall is not None and strong.overall >= weaker.overall + 2.0


def test_peer_baseline_only_for_bank_questions(
    with_peers: SimilarityGrader, without_peers: SimilarityGrader, bank: list[Question]
) -> None:
    q04 = _question(bank, "q04")
    question = adhoc_question(q04.text + " (ad hoc)", q04.model_answer or "")
    assert with_peers.baseline(question) is None
    drop = {"grader": {"latency_ms"}}
    assert _grade(with_peers, question, GENERIC).model_dump(exclude=drop) == _grade(
        without_peers, question, GENERIC
    ).model_dump(exclude=drop)


def test_peer_baseline_invalid_bank_still_grades(bank: list[Question]) -> None:
    def broken() -> list[Question]:
        raise BankError("knowledge/questions.yaml: q07 has no key points")

    grader = SimilarityGrader(
        sentences=shared_sentence_encoder(MODELS),
        embedder=shared_embedder(MODELS),
        prompts_dir=PROMPTS,
        peers=broken,
    )
    q04 = _question(bank, "q04")
    assert grader.baseline(q04) is None
    grade = _grade(grader, q04, STRONG)
    assert grade.overall is not None and grade.overall > 0


def test_peer_baseline_added_question_is_measured_after_prepare(bank: list[Question]) -> None:
    # The team adds a question in the web app, which prepares the edited bank.
    q04 = _question(bank, "q04")
    added = q04.model_copy(update={"id": "q99", "text": "What is mode collapse?"})
    grader = SimilarityGrader(
        sentences=shared_sentence_encoder(MODELS),
        embedder=shared_embedder(MODELS),
        prompts_dir=PROMPTS,
        peers=lambda: bank,
    )
    assert grader.baseline(added) is None  # not in the bank the grader was built with
    grader.prepare([*bank, added])
    baseline = grader.baseline(added)
    assert baseline is not None and baseline.peers == len([q for q in bank if q.model_answer])
    generic = _grade(grader, added, GENERIC)
    assert generic.overall is not None and generic.overall <= 2.0


HANDSHAKE = Question(
    id="q98",
    text="What happens in TCP's three-way handshake?",
    topic="networking",
    difficulty=1,
    key_points=[
        "The client sends a SYN segment with its initial sequence number",
        "The server answers with SYN-ACK, acknowledging it and sending its own sequence number",
        "The client acknowledges with ACK and the connection is established",
    ],
    model_answer=(
        "The client sends a SYN with its initial sequence number. The server replies with a "
        "SYN-ACK that acknowledges it and carries the server's own sequence number. The client "
        "sends an ACK, and the connection is established in both directions."
    ),
)


@pytest.mark.parametrize(
    "answer",
    [
        "The client sends SYN, the server sends SYN-ACK, and the client sends ACK.",
        "First a SYN goes from the client to the server, then the connection is open.",
        "The client and the server exchange sequence numbers before sending data.",
    ],
)
def test_peer_baseline_never_raises_a_grade(
    without_peers: SimilarityGrader, bank: list[Question], answer: str
) -> None:
    # A question unlike the rest of the bank: its peers match it very little, and measuring
    # from their level must not turn every answer into a better one.
    grader = SimilarityGrader(
        sentences=shared_sentence_encoder(MODELS),
        embedder=shared_embedder(MODELS),
        prompts_dir=PROMPTS,
        peers=lambda: bank,
    )
    grader.prepare([*bank, HANDSHAKE])
    baseline = grader.baseline(HANDSHAKE)
    assert baseline is not None and baseline.high < 0.5
    anchored = _grade(grader, HANDSHAKE, answer)
    plain = _grade(without_peers, HANDSHAKE, answer)
    assert anchored.overall is not None and plain.overall is not None
    assert anchored.overall <= plain.overall
    depth, plain_depth = anchored.criterion("depth"), plain.criterion("depth")
    assert depth is not None and plain_depth is not None
    assert depth.score is not None and plain_depth.score is not None
    assert depth.score <= plain_depth.score


def test_peer_baseline_credits_a_short_correct_answer_to_an_overview_question(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    # "What are GANs?": its key points are the words every GAN answer uses, so measuring them
    # from the peers' level marked a near-verbatim key point as missed (0.8 of 5, all missed).
    q01 = _question(bank, "q01")
    short = "A GAN is a generative model made of two networks, a generator and a discriminator."
    grade = _grade(with_peers, q01, short)
    stated = next(v for v in grade.key_points if "two neural networks" in v.key_point)
    assert stated.verdict != "missed"
    assert "two networks" in stated.evidence
    unsure = _grade(with_peers, q01, "I am not sure, something with neural networks maybe.")
    assert grade.overall is not None and unsure.overall is not None
    assert grade.overall >= unsure.overall + 0.3


def test_eval_grader_measures_bank_questions_as_the_product_grades_them(
    with_peers: SimilarityGrader, without_peers: SimilarityGrader, bank: list[Question]
) -> None:
    # `interviewer eval grader` on rows that name q04 must report the grader users get.
    from interviewer.grading.evaluation import build_scorer
    from interviewer.settings import Settings

    q04 = _question(bank, "q04")
    scorer = build_scorer(Settings(), "offline")
    scored, generic = scorer([GradeRequest(question=q04, answer=a) for a in (WRONG, GENERIC)])
    assert scored == _grade(with_peers, q04, WRONG).overall
    unanchored = _grade(without_peers, q04, WRONG).overall
    assert scored is not None and unanchored is not None and scored < unanchored
    # And with the product's guards: GENERIC is about q03 (the two networks' roles).
    assert generic == 0.0


class _Counting(SimilarityGrader):
    """Counts the answers it really grades (not served from the cache)."""

    graded = 0

    def grade(self, request: GradeRequest) -> Grade:
        self.graded += 1
        return super().grade(request)


def test_an_edit_of_another_bank_question_is_not_served_from_the_grade_cache(
    bank: list[Question],
) -> None:
    """q04's grade depends on its peers' model answers: after one of them is edited, q04's
    cached grade is not served."""
    from interviewer.grading.cache import MemoryGradeCache
    from interviewer.grading.service import GradingService

    grader = _Counting(
        embedder=shared_embedder(MODELS),
        sentences=shared_sentence_encoder(MODELS),
        prompts_dir=PROMPTS,
    )
    grader.prepare(bank)
    service = GradingService(
        grader=grader,
        retriever=None,
        prompts_dir=PROMPTS,
        models_dir=MODELS,
        cache=MemoryGradeCache(),
    )
    q04 = _question(bank, "q04")
    service.grade(q04, GENERIC)
    service.grade(q04, GENERIC)
    assert grader.graded == 1  # the second came from the cache
    edited = [q.model_copy(update={"model_answer": STRONG}) if q.id == "q05" else q for q in bank]
    grader.prepare(edited)
    service.grade(q04, GENERIC)
    assert grader.graded == 2


def test_a_short_answer_to_a_bank_question_says_it_may_be_under_scored(
    with_peers: SimilarityGrader, without_peers: SimilarityGrader, bank: list[Question]
) -> None:
    q05 = _question(bank, "q05")
    concise = "Neither network gains by changing alone: G matches the data and D outputs one half."
    assert "concise correct answer low" in _grade(with_peers, q05, concise).message
    assert "concise correct answer low" not in _grade(with_peers, q05, q05.model_answer).message
    # Outside the bank (no peers) the fitted scale applies and no caveat is needed.
    assert "concise correct answer low" not in _grade(without_peers, q05, concise).message
    # Nor for a short non-answer: the caveat read as a hint that it might be right.
    for nothing in ("I don't know.", "Please be kind, I worked really hard on this."):
        assert "concise correct answer low" not in _grade(with_peers, q05, nothing).message


def test_key_points_stated_word_for_word_are_covered_however_short_the_answer(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    """Two of q04's five key points, verbatim: the peers put the answer's match at 0, and the
    blend of that with each key point's own alignment (0.99) made both "partly"."""
    q04 = _question(bank, "q04")
    answer = ". ".join(q04.key_points[:2]) + "."
    verdicts = [v.verdict for v in _grade(with_peers, q04, answer).key_points]
    assert verdicts == ["covered", "covered", "missed", "missed", "missed"]


def test_key_points_stated_in_other_words_are_covered_in_a_one_line_answer(
    with_peers: SimilarityGrader, without_peers: SimilarityGrader, bank: list[Question]
) -> None:
    """A one-line paraphrase of q04's first two key points: blended with the answer's match,
    which the peers put near 0 for one line, both were only "partly" (1.6 of 5)."""
    q04 = _question(bank, "q04")
    answer = (
        "The generator maps many noise vectors to the same output, so the samples lack "
        "diversity and do not cover the data distribution."
    )
    grade = _grade(with_peers, q04, answer)
    verdicts = [v.verdict for v in grade.key_points]
    assert verdicts[:2] == ["covered", "covered"]
    assert "missed" in verdicts[2:]  # the cause and the remedies are not there
    evidence = grade.key_points[1].evidence
    assert evidence == "The generator maps many noise vectors to the same output"
    assert "2 of them stated in other words" in _coverage_rationale(grade)
    # Without peers there is nothing to measure "more closely than elsewhere" against.
    assert "in other words" not in _coverage_rationale(_grade(without_peers, q04, answer))


def test_a_key_point_stated_in_other_words_stays_covered_when_more_is_said(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    """A follow-up answer is graded together with the first: a second sentence on another key
    point diluted the whole answer's vector, and q06's vanishing-gradient point, stated in the
    first, fell from covered to partly."""
    q06 = _question(bank, "q06")
    first = (
        "Training is unstable, mode collapse is common, and the discriminator can overpower the "
        "generator so its gradients vanish."
    )
    more = "The min-max game oscillates and can diverge instead of converging to the equilibrium."
    vanishing = next(i for i, kp in enumerate(q06.key_points) if kp.startswith("Vanishing"))
    alone = _grade(with_peers, q06, first)
    together = _grade(with_peers, q06, f"{first}\n\n{more}")
    assert alone.key_points[vanishing].verdict == "covered"
    assert together.key_points[vanishing].verdict == "covered"
    assert (together.overall or 0) > (alone.overall or 0)


def test_a_concise_correct_answer_outranks_a_generic_one(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    # q05 (Nash equilibrium): the concise answer got 0, every key point missed, below the
    # generic answer's 1.0. It states two key points in other words.
    q05 = _question(bank, "q05")
    concise = "Neither network gains by changing alone: G matches the data and D outputs one half."
    generic = (
        "GANs are trained with gradient descent on neural networks using a generator and a "
        "discriminator."
    )
    graded = _grade(with_peers, q05, concise)
    assert [v.verdict for v in graded.key_points] == [
        "missed",
        "covered",
        "missed",
        "covered",
        "missed",
    ]
    assert graded.key_points[1].evidence == "Neither network gains by changing alone"
    other = _grade(with_peers, q05, generic)
    assert graded.overall is not None and other.overall is not None
    assert graded.overall > other.overall
    assert all(v.verdict != "covered" for v in other.key_points)


def test_a_wrong_answer_in_the_questions_words_is_not_taken_for_a_paraphrase(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    grade = _grade(with_peers, _question(bank, "q04"), WRONG)
    assert all(v.verdict == "missed" for v in grade.key_points)
    assert grade.overall == 0.0


def test_a_key_point_the_answer_does_not_state_is_not_covered_by_the_whole_answers_match(
    with_peers: SimilarityGrader, without_peers: SimilarityGrader, bank: list[Question]
) -> None:
    """Seen in the browser: a good two-sentence answer to q01 got 4.7 and "every key point is
    there", with "Training is a two-player minimax game" ticked on the quote "it learns to
    produce new samples that resemble the training data"."""
    q01 = _question(bank, "q01")
    answer = (
        "A GAN is two neural networks, a generator and a discriminator, that are trained against "
        "each other. It is a generative model: it learns to produce new samples that resemble "
        "the training data, for example realistic human faces."
    )
    grade = _grade(with_peers, q01, answer)
    verdicts = {v.key_point[:30]: v.verdict for v in grade.key_points}
    assert verdicts["Training is a two-player minim"] == "partly"
    assert verdicts["The generator is an implicit m"] == "partly"  # likelihood: not said
    assert verdicts["It consists of two neural netw"] == "covered"
    assert verdicts["Example application: synthesiz"] == "covered"
    assert "3 held at partly" in _coverage_rationale(grade)
    # Without peers there is no other questions' level to compare with.
    assert "held" not in _coverage_rationale(_grade(without_peers, q01, answer))


def test_a_partly_covered_key_point_the_answer_never_mentions_quotes_nothing(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    """Half of a key point's match is the whole answer's, so a good answer gets every key point
    at least partly. Each was quoted with its nearest sentence: "Example application:
    synthesizing realistic images such as human faces" quoted "A GAN is a generative model ...",
    which says nothing of faces, as if it were the evidence."""
    q01 = _question(bank, "q01")
    answer = (
        "A GAN is a generative model that learns to produce new samples like its training data. "
        "It has two neural networks, a generator and a discriminator, that are trained against "
        "each other."
    )
    grade = _grade(with_peers, q01, answer)
    verdicts = {v.key_point[:30]: v for v in grade.key_points}
    for unsaid in ("Example application: synthesiz", "Training is a two-player minim"):
        assert verdicts[unsaid].verdict == "partly" and verdicts[unsaid].evidence == ""
    # Stated ones keep their quote, and a near one too ("samples" is in both).
    assert verdicts["It consists of two neural netw"].evidence.startswith("It has two neural")
    assert verdicts["The generator maps random nois"].evidence
    assert "2 partly covered with no quote: no sentence of the answer says them" in (
        _coverage_rationale(grade)
    )
    # Those are to be said, not "stated more precisely" (they were never stated).
    asked = grade.feedback.split("Say explicitly: ")[1].split(" Read: ")[0]
    assert "Training is a two-player minimax game" in asked and "Example application" in asked
    assert "State more precisely" not in grade.feedback


def test_a_key_point_is_not_quoted_with_a_sentence_that_says_another_one(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    """On q01's model answer, "A GAN is a generative model that learns to produce new samples
    ..." was quoted with "The discriminator D receives either real training samples or
    generated ones ...", the discriminator's half of another key point (a walkthrough)."""
    q01 = _question(bank, "q01")
    model = {
        v.key_point[:30]: v.evidence for v in _grade(with_peers, q01, q01.model_answer).key_points
    }
    assert model["The generator maps random nois"].startswith("The discriminator D receives")
    assert "discriminator D receives" not in model["A GAN is a generative model th"]
    assert model["A GAN is a generative model th"]  # covered: it keeps a quote


def test_a_key_point_said_on_the_way_to_another_keeps_its_quote(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    """A sentence that another key point claims is still the quote of one it is the only
    evidence for: left unquoted, q03's "The generator never sees real data: its only learning
    signal is the gradient through the discriminator" was asked for as "Say explicitly: ..."
    after the candidate had said it (a walkthrough)."""
    q03 = _question(bank, "q03")
    said = "The generator only learns through the discriminator's gradient"
    answer = (
        "The generator creates fakes and the discriminator judges them. "
        f"{said}, so the discriminator is like a learned loss. If the discriminator is too "
        "strong the gradients vanish. For example, in image generation the generator turns "
        "noise into pictures. It fails when they are unbalanced, and a trade-off is that a "
        "stronger discriminator gives sharper feedback at the cost of stability. It is a "
        "binary classifier that tells real from fake."
    )
    grade = _grade(with_peers, q03, answer)
    verdicts = {v.key_point[:30]: v for v in grade.key_points}
    never = verdicts["The generator never sees real "]
    assert never.verdict != "missed" and said in never.evidence
    assert "Say explicitly: The generator never sees real data" not in grade.feedback


def test_a_complete_answer_on_a_problem_is_not_asked_where_the_problem_fails(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    """q04 asks what mode collapse is and why it is a problem; its model answer ("Mode
    collapse is a failure in which ...") was followed by "What is its trade-off: what does it
    cost ...?" (a walkthrough)."""
    q04 = _question(bank, "q04")
    grade = _grade(with_peers, q04, q04.model_answer)
    assert all(v.verdict == "covered" for v in grade.key_points)
    assert "trade-off" not in grade.follow_up and "fails" not in grade.follow_up
    with_example = _grade(
        with_peers, q04, q04.model_answer + " For example, a GAN on MNIST may draw only ones."
    )
    assert with_example.follow_up.startswith("How would you notice it in practice")


def test_a_wrong_answer_in_the_key_points_words_covers_none_of_them(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    """Seen in the browser: 3.9 of 5 with four key points covered, one of them on "the
    discriminator always outputs 1 for every sample"; the concise correct answer gets 1.8."""
    q05 = _question(bank, "q05")
    wrong = (
        "Nash equilibrium in GANs means the generator wins and the discriminator always outputs "
        "1 for every sample. Gradient descent is guaranteed to reach it quickly since the GAN "
        "loss is convex."
    )
    grade = _grade(with_peers, q05, wrong)
    assert [v.verdict for v in grade.key_points if v.verdict == "covered"] == []
    assert grade.overall is not None and grade.overall < 3.5


# A wrong account of mode collapse in q04's own words: "high diversity" where the key point
# says diversity is low (a candidate's answer in the browser walkthrough; it scored 3.9 with
# that key point ticked "covered", quoting the contradiction).
WRONG_IN_ITS_WORDS = (
    "Mode collapse is when the discriminator collapses and outputs 0.5 for every input, which "
    "is the desired Nash equilibrium, so it is actually a sign that training has converged "
    "successfully. It is not problematic: the generator then covers all modes of the data "
    "distribution with high diversity. It is caused by using the Wasserstein loss, and "
    "minibatch discrimination makes it worse."
)


def test_an_antonym_against_a_bank_key_point_is_a_contradiction_and_not_covered(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    q04 = _question(bank, "q04")
    grade = with_peers.grade(GradeRequest(question=q04, answer=WRONG_IN_ITS_WORDS))
    few_modes = next(
        v for v in grade.key_points if v.key_point.startswith("The generator produces")
    )
    assert (few_modes.verdict, few_modes.evidence) == ("missed", "")
    assert any("'low' vs 'high'" in error for error in grade.factual_errors), grade.factual_errors
    correctness = grade.criterion("correctness")
    assert correctness is not None and correctness.score == 1.0
    strong = with_peers.grade(GradeRequest(question=q04, answer=STRONG))
    assert not strong.factual_errors
    assert grade.overall is not None and strong.overall is not None
    assert grade.overall < 3.0 < strong.overall


def test_a_plain_negation_of_a_bank_key_point_is_a_contradiction_and_not_covered(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    """A hiring team's walkthrough: "It does not use the chain rule" had q31's chain-rule key
    point ticked covered, quoting that very sentence, and the wrong answer outscored a correct
    one (3.4 against 2.7)."""
    q31 = _question(bank, "q31")
    wrong = (
        "Backpropagation sends the input data backwards through the network. It does not compute "
        "gradients and does not use the chain rule; it just copies the output error to every "
        "weight."
    )
    grade = _grade(with_peers, q31, wrong)
    chain = next(v for v in grade.key_points if "chain rule" in v.key_point)
    assert (chain.verdict, chain.evidence) == ("missed", "")
    assert any("(negation)" in error for error in grade.factual_errors), grade.factual_errors
    # The same answer without the negations states the key point.
    right = wrong.replace("does not compute", "computes").replace("does not use", "uses")
    assert not _grade(with_peers, q31, right).factual_errors


def test_not_at_states_a_bank_key_points_except(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    """A walkthrough: q08's correct "..., but not at the generator's output layer" was read as
    contradicting "Batch normalization in both networks, except the generator output ...":
    correctness 1 of 5, that key point missed."""
    q08 = _question(bank, "q08")
    answer = (
        "DCGAN replaces the MLPs of the original GAN with convolutional networks. Both networks "
        "use batch normalization, but not at the generator's output layer or the "
        "discriminator's input layer."
    )
    grade = _grade(with_peers, q08, answer)
    assert not grade.factual_errors
    batch_norm = next(v for v in grade.key_points if "Batch normalization" in v.key_point)
    assert batch_norm.verdict != "missed"


def test_fast_against_slowly_is_a_contradiction_of_a_bank_key_point(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    """The walkthrough's wrong account of vanishing gradients ("early layers learn too fast")
    scored above a correct one, with no contradiction found."""
    q34 = _question(bank, "q34")
    wrong = (
        "Vanishing gradients means the gradients explode and early layers learn too fast. It is "
        "caused by ReLU and solved by using sigmoid."
    )
    grade = _grade(with_peers, q34, wrong)
    assert any("'slowly' vs 'fast'" in error for error in grade.factual_errors), (
        grade.factual_errors
    )


def test_no_model_answer_of_the_bank_reads_as_contradicting_its_own_key_points(
    with_peers: SimilarityGrader, bank: list[Question]
) -> None:
    """The bank rule reads antonyms only: with negations, 6 of the 35 model answers were
    flagged ("faces of people who do not exist" against "synthesizing realistic faces")."""
    flagged = {
        q.id: grade.factual_errors
        for q in bank
        if q.model_answer
        and (grade := with_peers.grade(GradeRequest(question=q, answer=q.model_answer)))
        and grade.factual_errors
    }
    assert flagged == {}


def test_the_depth_rationale_gives_the_one_scale_that_set_the_score(
    with_peers: SimilarityGrader, without_peers: SimilarityGrader, bank: list[Question]
) -> None:
    """It gave the fitted scale and the bank's one after the other ("0 at 0.3 ... 5 at 0.9",
    then "0 at 0.70 and 5 at 0.79"): a candidate read it as a contradiction."""
    q04 = _question(bank, "q04")
    for answer in (STRONG, GENERIC):
        depth = with_peers.grade(GradeRequest(question=q04, answer=answer)).criterion("depth")
        assert depth is not None and depth.rationale.lower().count("depth runs from") == 1
    # The generic answer is held down by the bank's scale, and its rationale says so.
    assert "other questions of the bank" in depth.rationale
    assert "median" not in depth.rationale  # a candidate reads it, not a statistician
    adhoc = adhoc_question(q04.text, q04.model_answer)
    plain = without_peers.grade(GradeRequest(question=adhoc, answer=STRONG)).criterion("depth")
    assert plain is not None and plain.rationale.count("Depth runs from 0 at a match of") == 1
    assert "bank" not in plain.rationale
