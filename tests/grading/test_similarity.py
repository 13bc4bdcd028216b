"""The offline similarity grader: ranking, honest evidence, determinism, ad-hoc questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from grading_support import MODELS, PROMPTS, STRONG, WEAK

from interviewer.bank import Question, SourceRef, adhoc_question
from interviewer.errors import ConfigError
from interviewer.grading import shared_embedder, shared_sentence_encoder
from interviewer.grading.base import GradeRequest
from interviewer.grading.similarity import (
    STATED_ALIGNMENT,
    SimilarityGrader,
    answer_spans,
    key_point_scores,
    load_params,
)
from interviewer.retrieval import RetrievedChunk

BANK_LIKE = [
    (
        Question(
            id="q01",
            text=(
                "Why does the generator's gradient vanish early in GAN training, "
                "and how is it fixed?"
            ),
            topic="gan-training",
            difficulty=2,
            key_points=[
                "Early on the discriminator confidently rejects generated samples",
                "The minimax loss log(1 - D(G(z))) saturates, so its gradient is close to zero",
                "The non-saturating loss maximizes log D(G(z)) instead",
            ],
            model_answer=(
                "Early on D rejects fakes easily; log(1 - D(G(z))) saturates; "
                "use the non-saturating loss."
            ),
            sources=[SourceRef(document="gan-training.md", heading="Vanishing gradients")],
        ),
        "At the start the discriminator easily rejects the generated samples because they look "
        "nothing like real data. The minimax loss log(1 - D(G(z))) then saturates, so the "
        "gradient reaching the generator is close to zero. The fix is the non-saturating loss: "
        "the generator maximizes log D(G(z)) instead, which gives strong gradients exactly when "
        "it is bad.",
        "Training is hard at the beginning and GANs are unstable, so you need to tune things "
        "carefully.",
    ),
    (
        Question(
            id="q02",
            text="What does the Wasserstein distance bring to GAN training?",
            topic="gan-losses",
            difficulty=2,
            key_points=[
                "It stays meaningful when the real and generated distributions do not overlap",
                "The critic must be 1-Lipschitz, enforced by weight clipping or a gradient penalty",
                "Its value correlates with sample quality, so it can monitor training",
            ],
            model_answer="A smooth distance even for disjoint supports; needs a Lipschitz critic.",
        ),
        "Unlike the JS divergence it stays meaningful when the real and generated distributions "
        "do not overlap, so the generator gets useful gradients. The critic has to be "
        "1-Lipschitz, which WGAN enforces with weight clipping and WGAN-GP with a gradient "
        "penalty. Its value also tracks sample quality, so you can monitor training with it.",
        "It is a different loss that people use, invented in 2017.",
    ),
]


@pytest.fixture(scope="module")
def grader() -> SimilarityGrader:
    """The offline grader with the real MiniLM embedder and the shipped parameters."""
    return SimilarityGrader(
        sentences=shared_sentence_encoder(MODELS),
        embedder=shared_embedder(MODELS),
        prompts_dir=PROMPTS,
    )


@pytest.mark.parametrize(("question", "strong", "weak"), BANK_LIKE, ids=["q01", "q02"])
def test_similarity_strong_answer_outranks_weak(
    grader: SimilarityGrader, question, strong, weak
) -> None:
    good = grader.grade(GradeRequest(question=question, answer=strong))
    bad = grader.grade(GradeRequest(question=question, answer=weak))
    assert good.overall is not None and bad.overall is not None
    assert good.overall >= bad.overall + 1.5
    assert all(v.verdict != "missed" for v in good.key_points)
    assert all(v.verdict == "missed" for v in bad.key_points)


def test_similarity_credits_the_reference_said_in_other_words(grader: SimilarityGrader) -> None:
    # The sentence encoder compares whole texts: an answer that rewords the reference is much
    # closer to it than an answer on another subject of the same field.
    question, _, _ = BANK_LIKE[0]
    reworded = (
        "At the beginning D easily tells the fakes apart, so the log(1 - D(G(z))) term flattens "
        "and G learns almost nothing; maximizing log D(G(z)) instead fixes it."
    )
    other = (
        "Dropout switches off random units while training, so the network cannot rely on any "
        "single unit, which reduces overfitting."
    )

    def sentence(answer: str) -> float:
        return grader.measures(GradeRequest(question=question, answer=answer)).features["sentence"]

    assert sentence(reworded) > sentence(other) + 0.3


def test_key_point_match_counts_the_second_encoder_but_not_for_a_stated_key_point() -> None:
    params = load_params().model_copy(
        update={"key_point_share": 0.5, "key_point_sentence_share": 0.25}
    )
    # Same word alignment, the key point read as more alike as a whole: a higher match.
    low, high = key_point_scores([0.5, 0.5], [0.1, 0.9], 0.4, params)
    assert high == pytest.approx(low + 0.5 * 0.25 * 0.8)
    # A key point stated word for word counts by its word alignment, whatever the other model.
    stated = key_point_scores([STATED_ALIGNMENT], [0.0], 0.0, params)
    assert stated == [STATED_ALIGNMENT]
    plain = params.model_copy(update={"key_point_sentence_share": 0.0})
    assert key_point_scores([0.5], [0.9], 0.4, plain) == key_point_scores([0.5], [0.1], 0.4, plain)


def test_similarity_answer_with_no_key_point_gets_nothing_for_its_form(
    grader: SimilarityGrader,
) -> None:
    # Clear sentences with nothing of the reference in them ("I am not sure...") earned 0.8 of
    # 5 from communication alone; communication now counts only alongside content.
    question, strong, weak = BANK_LIKE[0]
    grade = grader.grade(GradeRequest(question=question, answer=weak))
    assert all(v.verdict == "missed" for v in grade.key_points)
    communication = grade.criterion("communication")
    assert communication is not None and communication.score is None
    assert "no key point was found" in communication.rationale
    assert grade.overall == 0.0
    good = grader.grade(GradeRequest(question=question, answer=strong)).criterion("communication")
    assert good is not None and good.score is not None and good.score >= 4


def test_similarity_a_list_of_terms_is_not_clear_communication(grader: SimilarityGrader) -> None:
    """A weak answer followed by a bare list of key-point words got communication 5 ("no
    problem found") and 4.8 overall on q04."""
    question, strong, _ = BANK_LIKE[1]
    stuffed = (
        "WGAN is a GAN variant. Keywords: JS divergence overlap, useful gradients, 1-Lipschitz "
        "critic, weight clipping, gradient penalty WGAN-GP, sample quality monitor training."
    )
    listed = grader.grade(GradeRequest(question=question, answer=stuffed))
    communication = listed.criterion("communication")
    assert communication is not None and communication.score is not None
    assert communication.score <= 3.0 and "a list of terms" in communication.rationale
    prose = grader.grade(GradeRequest(question=question, answer=strong))
    assert prose.criterion("communication").score == 5.0  # type: ignore[union-attr]
    assert prose.overall is not None and listed.overall is not None
    assert prose.overall > listed.overall


def test_similarity_a_list_of_terms_without_commas_is_not_clear_communication(
    grader: SimilarityGrader,
) -> None:
    """Key-point words run together with no comma and no function word ("mode collapse
    generator limited variety ...") got communication 5, "no problem found"."""
    question, strong, _ = BANK_LIKE[1]
    dumped = (
        "WGAN Wasserstein distance JS divergence useful gradients Lipschitz critic weight "
        "clipping gradient penalty sample quality."
    )
    listed = grader.grade(GradeRequest(question=question, answer=dumped))
    communication = listed.criterion("communication")
    assert communication is not None and communication.score is not None
    assert communication.score <= 3.0 and "a list of terms" in communication.rationale
    prose = grader.grade(GradeRequest(question=question, answer=strong))
    assert prose.criterion("communication").score == 5.0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "answer",
    [
        # German prose has none of the English function words counted.
        "Der Diskriminator unterscheidet echte Bilder zuverlässig von erzeugten Bildern, "
        "deshalb lernt der Generator bessere Bilder.",
        # A formula is not a list of terms.
        "Event B 0.6^3 * 0.4^3 = 0.013824 Event C 20 * 0.6^3 * 0.4^3 = 0.27648",
    ],
)
def test_similarity_prose_in_another_language_or_a_formula_is_no_list_of_terms(
    answer: str,
) -> None:
    communication = SimilarityGrader._communication(answer)
    assert "a list of terms" not in communication.rationale


def test_similarity_fixture_answers_rank(grader: SimilarityGrader, question: Question) -> None:
    strong = grader.grade(GradeRequest(question=question, answer=STRONG))
    weak = grader.grade(GradeRequest(question=question, answer=WEAK))
    assert strong.overall is not None and weak.overall is not None
    assert strong.overall > weak.overall


def test_similarity_evidence_is_quoted_from_the_answer(grader: SimilarityGrader) -> None:
    question, strong, _ = BANK_LIKE[0]
    grade = grader.grade(GradeRequest(question=question, answer=strong))
    quoted = [v.evidence for v in grade.key_points if v.verdict != "missed"]
    assert quoted
    assert all(q and q in strong for q in quoted)


def test_similarity_restating_the_question_covers_nothing(grader: SimilarityGrader) -> None:
    question, _, _ = BANK_LIKE[0]
    grade = grader.grade(GradeRequest(question=question, answer=question.text))
    assert all(v.verdict == "missed" for v in grade.key_points)


def test_similarity_correctness_not_assessed_on_plain_answer(grader: SimilarityGrader) -> None:
    question, strong, weak = BANK_LIKE[1]
    for answer in (strong, weak):
        grade = grader.grade(GradeRequest(question=question, answer=answer))
        correctness = grade.criterion("correctness")
        assert correctness is not None and correctness.score is None
        assert "Not assessed" in correctness.rationale


def test_similarity_detects_negated_key_point(grader: SimilarityGrader) -> None:
    question = adhoc_question(
        "What happens to the bulb when the switch is open?",
        "The bulb is not in a closed path with the battery.",
    )
    grade = grader.grade(
        GradeRequest(question=question, answer="The bulb is in a closed path with the battery.")
    )
    correctness = grade.criterion("correctness")
    assert correctness is not None and correctness.score is not None and correctness.score <= 2
    assert grade.factual_errors


def test_similarity_paraphrased_negation_is_not_a_contradiction(
    grader: SimilarityGrader,
) -> None:
    # "fails to represent" and "does not represent" say the same thing.
    question = adhoc_question(
        "Why is mode collapse a problem?",
        "The model fails to represent the data distribution even when samples look realistic.",
    )
    grade = grader.grade(
        GradeRequest(
            question=question,
            answer="The model does not represent the real data distribution even if samples "
            "look realistic.",
        )
    )
    correctness = grade.criterion("correctness")
    assert correctness is not None and correctness.score is None
    assert not grade.factual_errors


BATTERY = adhoc_question(
    "Explain why you got a voltage reading of 1.5 for terminal 1 and the positive terminal.",
    "Terminal 1 is connected to the negative battery terminal.",
)


@pytest.mark.parametrize(
    "answer",
    [
        "Terminal 1 is not connected to the positive battery terminal.",  # two flips cancel
        "Terminal 1 is not connected to the postive battery terminal.",  # misspelt antonym
    ],
)
def test_similarity_negation_and_antonym_swap_cancel(grader: SimilarityGrader, answer: str) -> None:
    grade = grader.grade(GradeRequest(question=BATTERY, answer=answer))
    assert not grade.factual_errors, grade.factual_errors


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("Terminal 1 is connected to the positive battery terminal.", "'negative' vs 'positive'"),
        ("Terminal 1 is connected to the postive battery terminal.", "'negative' vs 'postive'"),
        (
            "Terminal 1 is separated from the negative battery terminal.",
            "'connected' vs 'separated'",
        ),
    ],
)
def test_similarity_one_antonym_swap_is_a_contradiction(
    grader: SimilarityGrader, answer: str, why: str
) -> None:
    grade = grader.grade(GradeRequest(question=BATTERY, answer=answer))
    assert grade.factual_errors and why in grade.factual_errors[0]
    correctness = grade.criterion("correctness")
    assert correctness is not None and correctness.score == 1.0
    # Not "covered" with the contradicting words as its evidence.
    assert [(v.verdict, v.evidence) for v in grade.key_points] == [("missed", "")]


def test_similarity_a_negation_elsewhere_in_a_long_sentence_is_no_contradiction(
    grader: SimilarityGrader,
) -> None:
    question = adhoc_question(
        "What does the discriminator do in a GAN?",
        "The discriminator is trained to tell real samples from generated ones.",
    )
    answer = (
        "The discriminator is trained to tell real samples from generated ones during the early "
        "phase when the generator is not yet any good at all."
    )
    grade = grader.grade(GradeRequest(question=question, answer=answer))
    assert not grade.factual_errors
    assert grade.overall is not None and grade.overall >= 4


def test_similarity_is_deterministic(grader: SimilarityGrader) -> None:
    question, strong, _ = BANK_LIKE[1]
    first = grader.grade(GradeRequest(question=question, answer=strong))
    grader.grade(GradeRequest(question=question, answer="Something else entirely about GANs."))
    second = grader.grade(GradeRequest(question=question, answer=strong))
    drop = {"grader": {"latency_ms"}}
    assert first.model_dump(exclude=drop) == second.model_dump(exclude=drop)


def test_similarity_works_with_adhoc_questions(grader: SimilarityGrader) -> None:
    question = adhoc_question(
        "How did you separate the salt from the water?",
        "The water was evaporated, leaving the salt behind.",
    )
    good = grader.grade(
        GradeRequest(
            question=question, answer="We let the water evaporate and the salt stayed in the dish."
        )
    )
    bad = grader.grade(GradeRequest(question=question, answer="We used a magnet to pull it out."))
    assert good.overall is not None and bad.overall is not None
    assert good.overall > bad.overall
    assert good.model_answer == "The water was evaporated, leaving the salt behind."


def test_similarity_grade_says_what_it_is(grader: SimilarityGrader) -> None:
    question, strong, _ = BANK_LIKE[0]
    grade = grader.grade(GradeRequest(question=question, answer=strong))
    assert "similarity-based" in grade.message
    assert grade.grader.kind == "offline"
    assert grade.grader.model == (
        f"{shared_embedder(MODELS).name}+{shared_sentence_encoder(MODELS).name}"
    )
    assert grade.grader.prompt_version
    assert grade.model_answer == question.model_answer


def test_similarity_feedback_names_missed_points_and_sources(grader: SimilarityGrader) -> None:
    question, _, weak = BANK_LIKE[0]
    chunk = RetrievedChunk(
        chunk_id="c", text="...", document="gan-training.md", heading="Losses", score=0.8
    )
    grade = grader.grade(GradeRequest(question=question, answer=weak, evidence=[chunk]))
    assert "non-saturating loss" in grade.feedback
    assert "gan-training.md › Losses" in grade.feedback
    # The follow-up points at the first missed key point without giving it away (the whole
    # key point, pasted back as the follow-up answer, counted as covered).
    missed = next(v.key_point for v in grade.key_points if v.verdict == "missed")
    assert grade.follow_up.startswith(
        f"Your answer did not cover the point that starts “{missed.split()[0]}"
    )
    assert missed not in grade.follow_up


def test_similarity_follow_up_asks_for_what_a_complete_answer_did_not_give(
    grader: SimilarityGrader,
) -> None:
    """With every key point covered it asked "Can you give a concrete example or a failure
    case ...?" even after the answer had given both."""
    question, strong, _ = BANK_LIKE[0]
    example = " For example, a DCGAN's first samples of faces are noise that D rejects outright."
    failure = " It still fails when D gets far stronger than G."
    with_example = grader.grade(GradeRequest(question=question, answer=strong + example))
    with_both = grader.grade(GradeRequest(question=question, answer=strong + example + failure))
    for grade in (with_example, with_both):
        assert all(v.verdict == "covered" for v in grade.key_points)
    assert with_example.follow_up == (
        "Can you describe a case where it fails, or a trade-off it makes?"
    )
    assert with_both.follow_up == (
        "What is its trade-off: what does it cost, and what does it gain in return?"
    )
    # A feedback line that asks to go deeper asks for the same: it asked for "a mechanism, a
    # trade-off or an example" above a follow-up on the trade-off, after an example.
    assert "To go deeper, add a case where it fails, or a trade-off it makes." in (
        with_example.feedback
    )
    assert "To go deeper, add its trade-off." in with_both.feedback


def test_similarity_overall_is_rubric_mean_of_assessed(grader: SimilarityGrader) -> None:
    from interviewer.grading.rubric import load_rubric, overall_score

    question, strong, _ = BANK_LIKE[1]
    grade = grader.grade(GradeRequest(question=question, answer=strong))
    assert grade.overall == overall_score(grade.criteria, load_rubric(PROMPTS))


def test_a_quote_is_not_cut_at_an_abbreviation() -> None:
    """Seen on a feedback card: "...so sample diversity is very low, e.g." as the quote."""
    answer = (
        "The generator covers few modes, so sample diversity is very low, e.g. the same face "
        "again and again. Fixes exist, i.e. minibatch discrimination."
    )
    spans = answer_spans(answer)
    assert (
        "The generator covers few modes, so sample diversity is very low, e.g. the same "
        "face again and again." in spans
    )
    assert not any(s.endswith("e.g.") or s.endswith("i.e.") for s in spans)


def test_answer_spans_are_verbatim_substrings() -> None:
    answer = (
        "First, the critic is trained.\n- It must be Lipschitz; weight clipping does that\n"
        "2) then the generator"
    )
    spans = answer_spans(answer)
    assert spans
    assert all(s in answer for s in spans)
    assert "It must be Lipschitz" in spans


def test_load_params_reports_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="fit_offline"):
        load_params(tmp_path / "missing.json")


def test_shipped_params_record_their_provenance() -> None:
    params = load_params()
    assert params.fitted_at and params.fitted_on
    assert all("train" in source for source in params.fitted_on)
    raw = json.loads(
        (Path(__file__).parents[2] / "interviewer/grading/data/offline_params.json").read_text()
    )
    assert raw["covered_threshold"] > raw["partly_threshold"]


def test_similarity_depth_does_not_reward_length_alone(grader: SimilarityGrader) -> None:
    question, strong, _ = BANK_LIKE[0]
    padding = (
        " I have worked with many neural networks in my career. Deep learning is a large field"
        " with a long history. There are many libraries, and people like different ones."
    )
    plain = grader.grade(GradeRequest(question=question, answer=strong)).criterion("depth")
    padded = grader.grade(GradeRequest(question=question, answer=strong + padding)).criterion(
        "depth"
    )
    assert plain is not None and padded is not None
    assert plain.score is not None and padded.score is not None
    assert padded.score <= plain.score


def test_similarity_depth_is_zero_when_no_key_point_matches(grader: SimilarityGrader) -> None:
    question, _, weak = BANK_LIKE[0]
    grade = grader.grade(GradeRequest(question=question, answer=weak))
    depth = grade.criterion("depth")
    assert all(v.verdict == "missed" for v in grade.key_points)
    assert depth is not None and depth.score == 0.0
    assert "reference" in depth.rationale


class _CountingEmbedder:
    """Records every text the grader sends to the model."""

    def __init__(self) -> None:
        self._inner = shared_embedder(MODELS)
        self.name, self.dim = self._inner.name, self._inner.dim
        self.texts: list[str] = []

    def embed(self, texts: list[str]):  # type: ignore[no-untyped-def]
        return self._inner.embed(texts)

    def embed_tokens(self, texts: list[str]):  # type: ignore[no-untyped-def]
        self.texts += texts
        return self._inner.embed_tokens(texts)


@pytest.mark.parametrize(
    "alternatives", [[], ["The critic stays smooth when supports do not meet."]]
)
def test_similarity_prepared_question_is_not_embedded_again_when_answered(
    alternatives: list[str],
) -> None:
    from interviewer.grading.service import GradingService
    from interviewer.grading.similarity import embedding_windows

    question, strong, _ = BANK_LIKE[1]
    question = question.model_copy(update={"alternative_answers": alternatives})
    counting = _CountingEmbedder()
    service = GradingService(
        grader=SimilarityGrader(
            sentences=shared_sentence_encoder(MODELS), embedder=counting, prompts_dir=PROMPTS
        ),
        retriever=None,
        prompts_dir=PROMPTS,
        models_dir=MODELS,
    )
    service.prepare([question])
    prepared = len(counting.texts)
    assert prepared > 0
    grade = service.grade(question, strong)
    assert grade.overall is not None and grade.overall >= 3
    # Answering embeds the answer's sentences only: the question's side was done already.
    assert counting.texts[prepared:] == [w.text for w in embedding_windows(strong)]


def test_similarity_refit_parameters_change_the_grade_cache_key(tmp_path: Path) -> None:
    from interviewer.grading.service import GradingService

    changed = json.loads(
        (Path(__file__).parents[2] / "interviewer/grading/data/offline_params.json").read_text()
    )
    changed["covered_threshold"] = 0.99
    path = tmp_path / "params.json"
    path.write_text(json.dumps(changed))
    ids = {
        GradingService(
            grader=SimilarityGrader(
                sentences=shared_sentence_encoder(MODELS),
                embedder=shared_embedder(MODELS),
                prompts_dir=PROMPTS,
                **kw,
            ),
            retriever=None,
            prompts_dir=PROMPTS,
            models_dir=MODELS,
        ).model_id
        for kw in ({}, {"params_path": path})
    }
    assert len(ids) == 2


def test_similarity_feedback_never_cuts_a_key_point_mid_word(grader: SimilarityGrader) -> None:
    long_point = (
        "Cause: the generator optimizes against the current discriminator only, and nothing "
        "in the adversarial objective explicitly rewards covering all the modes of the data"
    )
    question = Question(
        id="q-long",
        text="What causes mode collapse in GANs?",
        topic="gan-training",
        difficulty=2,
        key_points=[long_point, "Minibatch discrimination lets D compare samples"],
        model_answer=long_point + ". Minibatch discrimination lets D compare samples.",
    )
    grade = grader.grade(
        GradeRequest(question=question, answer="Training GANs needs a lot of tuning of rates.")
    )
    start = grade.feedback.index("Cause: the generator")  # named as missed or partly covered
    shown = grade.feedback[start : grade.feedback.index("…", start)]
    assert long_point.startswith(shown)
    assert long_point[len(shown)] == " "  # the cut falls between words


def test_similarity_feedback_has_two_to_four_sentences(grader: SimilarityGrader) -> None:
    question, strong, weak = BANK_LIKE[0]
    for answer in (question.model_answer, strong, weak):
        grade = grader.grade(GradeRequest(question=question, answer=answer))
        sentences = [s for s in grade.feedback.replace("…", "").split(". ") if s.strip()]
        assert 2 <= len(sentences) <= 4, grade.feedback
        assert ".." not in grade.feedback


# Full-mark answers in a candidate's own words to two bank questions (every key point covered).
OWN_WORDS = {
    "q03": (
        "The generator takes random noise and turns it into fake samples; it is trained so that "
        "the discriminator calls them real. The discriminator is a classifier that learns to "
        "separate real training data from generated samples. The generator never sees real data "
        "directly: everything it learns comes from gradients flowing back through the "
        "discriminator, so the discriminator is effectively a learned, adaptive loss. The two "
        "must stay balanced: if the discriminator gets too strong the generator's gradients "
        "vanish, and if it is too weak its feedback is useless. For example, in a DCGAN on "
        "faces, a discriminator trained too long early on rejects every sample."
    ),
    "q08": (
        "DCGAN, from Radford and colleagues in 2016, swaps the fully connected multilayer "
        "perceptrons of the first GAN for convolutional networks. Pooling is gone: the "
        "discriminator downsamples with strided convolutions and the generator upsamples with "
        "transposed convolutions. Both networks use batch normalization everywhere except the "
        "generator's output layer and the discriminator's input layer. The generator uses ReLU "
        "and a tanh output, the discriminator LeakyReLU, and there are no fully connected hidden "
        "layers. The payoff is training that is far more stable and a latent space you can "
        "interpolate in smoothly or do vector arithmetic with."
    ),
}


def test_similarity_feedback_on_a_complete_answer_says_what_it_did_and_what_to_read() -> None:
    """Every full-mark answer got the same two sentences, "Every key point is there. Compare
    your answer with the model answer, point by point.": nothing on this answer, nothing to do.
    It now says what the answer did and names this question's sources to go beyond it, without
    repeating the follow-up word for word."""
    from interviewer.bank import load_bank
    from interviewer.grading.rubric import FEEDBACK_FALLBACK
    from interviewer.settings import PROJECT_ROOT

    knowledge = PROJECT_ROOT / "knowledge"
    bank = {q.id: q for q in load_bank(knowledge / "questions.yaml", knowledge).questions}
    grader = SimilarityGrader(
        sentences=shared_sentence_encoder(MODELS),
        embedder=shared_embedder(MODELS),
        prompts_dir=PROMPTS,
        peers=lambda: list(bank.values()),
    )
    grades = {
        qid: grader.grade(GradeRequest(question=bank[qid], answer=answer))
        for qid, answer in OWN_WORDS.items()
    }
    for grade in grades.values():
        assert all(v.verdict == "covered" for v in grade.key_points), grade.key_points
        assert "Every key point is there" not in grade.feedback
        assert FEEDBACK_FALLBACK not in grade.feedback
        assert grade.follow_up not in grade.feedback
    balance = grades["q03"].feedback  # deep enough: no "go deeper", which the card contradicted
    assert balance.startswith(
        "Your answer covers all 5 key points in its own words, and gives an example. "
    )
    assert "To go beyond the model answer, read: " in balance
    assert "The Delicate Balance of Generator and Discriminator." in balance
    assert "To go deeper" not in balance
    dcgan = grades["q08"].feedback
    assert dcgan == (
        "Your answer covers all 5 key points in its own words. To go deeper, add a concrete "
        "example or a failure case. To go beyond the model answer, read: ref-dcgan.md › "
        "Reference: Deep Convolutional GANs (DCGAN)."
    )


def test_similarity_feedback_on_a_complete_answer_without_sources_asks_for_more(
    grader: SimilarityGrader,
) -> None:
    """With no source to read, a complete answer is not sent back to the model answer it
    matched: the feedback names what the answer could add beyond it. Key points stated in
    other words are counted as the coverage rationale counts them."""
    question, strong, _ = BANK_LIKE[1]  # no sources
    grade = grader.grade(GradeRequest(question=question, answer=strong))
    assert all(v.verdict == "covered" for v in grade.key_points)
    assert grade.feedback.startswith("Your answer covers all 3 key points in its own words. ")
    assert "To go deeper, add a concrete example." in grade.feedback  # depth is low here
    request = GradeRequest(question=question, answer=strong)
    deep = grader._feedback(grade.key_points, request, [], deep=True, paraphrased=2)
    assert deep == (
        "Your answer covers all 3 key points in its own words, 2 of them stated in other words "
        "than the model answer. To go beyond the model answer, you could add a concrete example."
    )


def test_similarity_feedback_names_a_source_by_its_innermost_heading(
    grader: SimilarityGrader,
) -> None:
    question, _, weak = BANK_LIKE[0]
    chunk = RetrievedChunk(
        chunk_id="c",
        text="...",
        document="gan-architecture-interview-questions.md",
        heading="Top 11 Most-asked Interview Questions on GAN Architecture > Q3. Losses",
        score=0.8,
    )
    grade = grader.grade(GradeRequest(question=question, answer=weak, evidence=[chunk]))
    assert "Read: gan-architecture-interview-questions.md › Q3. Losses." in grade.feedback
    assert "Top 11" not in grade.feedback
    assert grade.sources[0].heading == chunk.heading  # the sources list keeps the whole path


@pytest.mark.parametrize(
    ("reference", "answer", "contradicts"),
    [
        # The negation is about something the answer does not mention: no contradiction.
        (
            "The generator learns to sample from the data distribution without any annotation.",
            "The generator learns to sample from the data distribution.",
            False,
        ),
        # The negated word is in the answer, stated: a contradiction.
        (
            "Gradient descent is not guaranteed to reach the equilibrium.",
            "Gradient descent is guaranteed to reach the equilibrium.",
            True,
        ),
    ],
)
def test_similarity_a_negation_contradicts_only_what_the_other_text_says(
    grader: SimilarityGrader, reference: str, answer: str, contradicts: bool
) -> None:
    question = adhoc_question("What does the generator learn?", reference)
    grade = grader.grade(GradeRequest(question=question, answer=answer))
    assert bool(grade.factual_errors) is contradicts, grade.factual_errors


def test_similarity_a_hedge_sentence_does_not_dilute_a_correct_answer(
    grader: SimilarityGrader,
) -> None:
    """ "I think that is the main idea..." after a correct answer diluted its whole-text
    likeness to the reference and cost it grade points (0.67 on average over 150 SciEntsBank
    unseen-question answers); it is now left out of those measures, and the rationale says so."""
    question = adhoc_question(
        "How did you separate the salt from the water?",
        "The water was evaporated, leaving the salt behind.",
    )
    answer = "We let the water evaporate and the salt stayed in the dish."
    hedge = " I think that is the main idea, and I would have to look up the details of the rest."
    plain = grader.grade(GradeRequest(question=question, answer=answer))
    hedged = grader.grade(GradeRequest(question=question, answer=answer + hedge))
    assert plain.overall is not None and hedged.overall is not None
    assert abs(hedged.overall - plain.overall) <= 0.2, (plain.overall, hedged.overall)
    depth = hedged.criterion("depth")
    assert depth is not None and "unrelated to the reference" in depth.rationale
    assert "I think that is the main idea" in depth.rationale
    # An unrelated answer gains nothing from the rule: it has no related sentence to keep.
    off = grader.grade(GradeRequest(question=question, answer="We used a magnet." + hedge))
    assert off.overall is not None and off.overall < plain.overall - 1


def test_similarity_coverage_rationale_counts_one_key_point_in_the_singular(
    grader: SimilarityGrader,
) -> None:
    """A one-sentence reference has one key point: the card read "1 of 1 key points covered"."""
    question = adhoc_question(
        "How did you separate the salt from the water?", "The water was evaporated."
    )
    answer = "We let the water evaporate and the salt stayed behind in the dish."
    coverage = grader.grade(GradeRequest(question=question, answer=answer)).criterion("coverage")
    assert coverage is not None and len(question.key_points) == 1
    assert coverage.rationale.startswith(("1 of 1 key point covered,", "0 of 1 key point covered,"))


# Hints as the interview shows them on the `question` fixture (q04), one per key point.
_HINTS = [
    "Hint: a strong answer says something about the point that starts “generator produces a "
    "…”; think of: outputs, regardless, noise. What would you add?",
    "Hint: a strong answer says something about the point that starts “happens when the …”; "
    "think of: exploits, weakness. What would you add?",
    "Hint: a strong answer says something about the point that starts “Remedies include "
    "minibatch …”; think of: unrolled, Wasserstein. What would you add?",
]


def test_similarity_words_of_the_hints_shown_earn_nothing(
    grader: SimilarityGrader, question: Question
) -> None:
    """An answer that strung together the hints it was shown scored 1.3-3.2 of 5 (3.5 here):
    the candidate was credited for the interviewer's words. They now count as the question's
    do, and such an answer scores as one that says nothing."""
    parroted = (
        "The generator produces outputs regardless of the noise. It happens when it exploits a "
        "weakness. Remedies include minibatch, unrolled and Wasserstein."
    )
    nothing = "I am not sure, I have heard of it but I cannot remember what it is."

    def overall(answer: str, hints: list[str]) -> float:
        grade = grader.grade(GradeRequest(question=question, answer=answer, hints=hints))
        assert grade.overall is not None
        return grade.overall

    assert overall(parroted, []) >= 2.5  # without the hints, these are the candidate's words
    assert overall(parroted, _HINTS) <= overall(nothing, _HINTS) + 0.5
    pasted = " ".join(_HINTS)  # the hints pasted whole, framing and all
    assert overall(pasted, _HINTS) <= overall(nothing, _HINTS) + 0.5


def test_similarity_own_words_after_a_hint_keep_their_credit(
    grader: SimilarityGrader, question: Question
) -> None:
    """A strong answer written after hints scores about as it does without them, and its grade
    says that the hints' words were not counted."""
    alone = grader.grade(GradeRequest(question=question, answer=STRONG))
    hinted = grader.grade(GradeRequest(question=question, answer=STRONG, hints=_HINTS))
    assert alone.overall is not None and hinted.overall is not None
    assert abs(hinted.overall - alone.overall) <= 0.5, (alone.overall, hinted.overall)
    assert all(v.verdict == "covered" for v in hinted.key_points)
    coverage = hinted.criterion("coverage")
    assert coverage is not None
    assert "The words of the 3 hints shown were not counted" in coverage.rationale
    one = grader.grade(GradeRequest(question=question, answer=STRONG, hints=_HINTS[:1]))
    assert "The words of the hint shown were not counted" in str(one.criterion("coverage"))
    assert "hint" not in str(alone.criterion("coverage"))
