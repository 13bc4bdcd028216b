"""The interview engine: every transition and command, follow-ups, modes, time limits, resume."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from store.conftest import Clock, KeywordGrader, make_bank

from interviewer.bank import Bank, Question, load_bank
from interviewer.errors import BankError, GradingError, SessionError, StoreError
from interviewer.grading.base import Grade, GraderInfo, KeyPointVerdict
from interviewer.session import (
    Interview,
    SessionConfig,
    regrade_pending,
    select_questions,
)
from interviewer.store import Repository, TurnRecord, create_db_engine, upgrade


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def repo(tmp_path: Path, clock: Clock) -> Iterator[Repository]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'engine.db'}")
    upgrade(engine)
    yield Repository(engine, clock=clock)
    engine.dispose()


@pytest.fixture
def bank() -> Bank:
    return make_bank()


@pytest.fixture
def grader() -> KeywordGrader:
    return KeywordGrader()


def _start(
    repo: Repository, bank: Bank, grader: object, clock: Clock, **config: object
) -> Interview:
    interview = Interview.create(
        repo,
        bank,
        grader,
        SessionConfig.model_validate(config),
        clock=clock,  # type: ignore[arg-type]
    )
    interview.start()
    return interview


def _kinds(replies: list) -> list[str]:  # type: ignore[type-arg]
    return [r.kind for r in replies]


class PendingGrader:
    def grade(
        self, question: Question, answer: str, *, transcript_confidence: float | None = None
    ) -> Grade:
        return Grade(
            question_id=question.id,
            status="pending",
            flags=["pending"],
            message="LLM timed out after 4 attempts",
            grader=GraderInfo(kind="llm", model="m"),
        )


class RaisingGrader:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def grade(
        self, question: Question, answer: str, *, transcript_confidence: float | None = None
    ) -> Grade:
        raise self.exc


# --- flow -------------------------------------------------------------------------------------


def test_interview_start_greets_and_asks_first_question(repo, bank, grader, clock) -> None:
    interview = Interview.create(repo, bank, grader, SessionConfig(candidate="Ada"), clock=clock)
    assert interview.state == "greeting"
    assert interview.progress.current == 0
    replies = interview.start()
    assert _kinds(replies) == ["greeting", "question"]
    assert "Ada" in replies[0].text and "hint" in replies[0].text
    assert "This is a practice interview" in replies[0].text
    exam = Interview.create(repo, bank, grader, SessionConfig(mode="exam"), clock=clock)
    assert "This is an exam: feedback at the end" in exam.start()[0].text
    assert replies[1].text == bank.questions[0].text
    assert replies[1].progress is not None and replies[1].progress.label == "Question 1 of 3"
    assert interview.state == "asking"
    assert repo.get_session(interview.session_id).state == "asking"


def test_interview_full_answer_gets_feedback_then_next_question(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock)
    replies = interview.submit("alpha1 and beta1 explained")
    assert _kinds(replies) == ["feedback", "question"]
    assert replies[0].grade is not None and replies[0].grade.overall == 5.0
    assert "Score: 5.0/5" in replies[0].text
    assert replies[1].question_id == "q2" and interview.progress.current == 2
    [first, second] = repo.turns(interview.session_id)
    assert first.status == "done" and first.answer == "alpha1 and beta1 explained"
    assert second.status == "asked"


def test_interview_missed_key_point_asks_one_follow_up_graded_with_answer(
    repo, bank, grader, clock
) -> None:
    interview = _start(repo, bank, grader, clock)
    replies = interview.submit("only alpha1 here")
    assert _kinds(replies) == ["follow_up"]
    assert interview.state == "follow_up"
    assert "beta1 second point" not in replies[0].text  # a nudge, not the answer
    replies = interview.submit("and also beta1")
    # The candidate is told the card grades both answers, and what the first one got alone.
    assert _kinds(replies) == ["info", "feedback", "question"]
    first = repo.grade_history(repo.turns(interview.session_id)[0].id or 0)[0].overall
    assert replies[0].text == (
        "Your follow-up answer was graded together with your first answer: 5.0 / 5 "
        f"(your first answer alone: {first:.1f} / 5)."
    )
    assert replies[1].grade is not None and replies[1].grade.overall == 5.0
    assert grader.calls[-1] == ("q1", "only alpha1 here\n\nand also beta1")
    turn = repo.turns(interview.session_id)[0]
    assert turn.follow_up_answer == "and also beta1"
    assert turn.id is not None
    assert [g.stage for g in repo.grade_history(turn.id)] == ["answer", "combined"]


def test_interview_asks_at_most_one_follow_up(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock)
    assert _kinds(interview.submit("nothing relevant")) == ["follow_up"]
    replies = interview.submit("still nothing")
    assert _kinds(replies) == ["info", "feedback", "question"]
    assert replies[1].grade is not None and replies[1].grade.overall == 0.0
    assert interview.state == "asking"


def test_interview_follow_ups_switched_off(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock, follow_ups=False)
    assert _kinds(interview.submit("only alpha1")) == ["feedback", "question"]


def test_interview_uses_grader_follow_up_text_when_given(repo, bank, clock) -> None:
    class AskingGrader(KeywordGrader):
        def grade(self, question, answer, *, transcript_confidence=None):  # type: ignore[no-untyped-def]
            grade = super().grade(question, answer)
            return grade.model_copy(update={"follow_up": "Why does that matter in training?"})

    interview = _start(repo, bank, AskingGrader(), clock)
    assert interview.submit("alpha1")[0].text == "Why does that matter in training?"
    # Asked and answered: the card does not offer the same question again "to go further".
    feedback = next(r for r in interview.submit("it matters") if r.kind == "feedback")
    assert feedback.grade is not None and feedback.grade.follow_up == ""
    assert "Why does that matter in training?" not in feedback.text


def test_a_follow_up_after_a_rejected_answer_is_graded_on_its_own(repo, bank, clock) -> None:
    """The first answer was about another question (the guard gave 0 and asked the question
    again); graded together with it, a correct follow-up answer got 0 too."""

    class GuardingGrader(KeywordGrader):
        def grade(self, question, answer, *, transcript_confidence=None):  # type: ignore[no-untyped-def]
            if "other topic" in answer:
                rejected = super().grade(question, "")
                return rejected.model_copy(
                    update={
                        "overall": 0.0,
                        "follow_up": question.text,
                        "grader": GraderInfo(kind="guard"),
                        "message": "The answer is about another question of the bank.",
                    }
                )
            return super().grade(question, answer)

    repo_grader = GuardingGrader()
    interview = _start(repo, bank, repo_grader, clock)
    asked = interview.submit("an answer on some other topic")
    assert asked[0].kind == "follow_up"
    assert asked[0].text.startswith("Let's try that question again: ")
    replies = interview.submit("alpha1 beta1")
    note = next(r.text for r in replies if r.kind == "info")
    assert note.startswith("Your follow-up answer was graded on its own: 5.0 / 5")
    feedback = next(r for r in replies if r.kind == "feedback")
    assert feedback.grade is not None and feedback.grade.overall == 5.0


def test_interview_pending_grade_is_shown_honestly_without_follow_up(repo, bank, clock) -> None:
    interview = _start(repo, bank, PendingGrader(), clock)
    replies = interview.submit("an answer the LLM could not grade")
    assert _kinds(replies) == ["feedback", "question"]
    assert replies[0].grade is not None and replies[0].grade.overall is None
    assert "could not be graded" in replies[0].text and "nothing is lost" in replies[0].text
    assert len(repo.pending_turns(interview.session_id)) == 1


def test_interview_grading_error_becomes_pending_grade(repo, bank, clock) -> None:
    interview = _start(repo, bank, RaisingGrader(GradingError("bad JSON x4", attempts=4)), clock)
    replies = interview.submit("my answer")
    assert replies[0].grade is not None and replies[0].grade.status == "pending"
    assert "bad JSON x4" in replies[0].text


def test_interview_last_answer_ends_with_summary(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock, follow_ups=False)
    interview.submit("alpha1 beta1")
    interview.submit("alpha2")
    replies = interview.submit("nothing")
    assert _kinds(replies) == ["feedback", "summary"]
    summary = replies[-1].summary
    assert summary is not None
    assert (summary.answered, summary.graded, summary.mean_overall) == (3, 3, 2.5)
    assert not summary.ended_early
    assert summary.session_id == interview.session_id
    assert interview.finished and repo.get_session(interview.session_id).finished_at is not None
    assert _kinds(interview.submit("more?")) == ["info"]


# --- commands ---------------------------------------------------------------------------------


def test_interview_hint_nudges_without_giving_key_point_and_is_recorded(
    repo, bank, grader, clock
) -> None:
    interview = _start(repo, bank, grader, clock)
    first = interview.submit(" HINT ")
    assert _kinds(first) == ["hint"]
    assert "alpha1" in first[0].text and "alpha1 first point" not in first[0].text
    second = interview.submit("hint")
    assert "beta1" in second[0].text
    assert _kinds(interview.submit("hint")) == ["info"]
    assert repo.turns(interview.session_id)[0].hints == ["alpha1 first point", "beta1 second point"]
    assert interview.state == "asking"


def test_interview_first_hint_says_something_its_question_does_not(repo, grader, clock) -> None:
    """On the real bank, q02's first hint ("Describe the architecture of a basic GAN") was
    “Generator”, and q01's "the point that starts “GAN is a generative …”" only repeated its
    question (What are Generative Adversarial Networks?)."""
    from interviewer.grading.similarity import content_stems
    from interviewer.settings import PROJECT_ROOT

    knowledge = PROJECT_ROOT / "knowledge"
    real = load_bank(knowledge / "questions.yaml", knowledge)
    frame = set(content_stems("Hint: a strong answer says something about the point that starts"))
    frame |= set(content_stems("think of: What would you add?"))
    interview = _start(repo, real, grader, clock, question_ids=[q.id for q in real.questions])
    hints = {}
    for question in real.questions:
        hints[question.id] = interview.submit("hint")[0].text
        said = set(content_stems(hints[question.id])) - frame
        assert said - set(content_stems(question.text)), (question.id, hints[question.id])
        interview.submit("skip")
    assert "“Generator”; think of:" in hints["q02"] and "prior" in hints["q02"]


def test_interview_hints_name_terms_as_written_and_no_vague_words(repo, grader, clock) -> None:
    """The "think of" words of the real bank's hints read as noise ("labelled, compute,
    often", "early, slowly, poorly"), split terms ("sentiment, answering, summarization")
    and lowercased names ("goodfellow", "gaussian")."""
    real = _real_bank()
    interview = _start(repo, real, grader, clock, question_ids=[q.id for q in real.questions])
    named: list[str] = []
    for _ in real.questions:
        while (reply := interview.submit("hint")[0]).kind == "hint":
            if "think of: " in reply.text:
                named += reply.text.split("think of: ")[1].split(". ")[0].split(", ")
        interview.submit("skip")
    words = {w for term in named for w in term.split()}
    vague = {"often", "instead", "simple", "little", "early", "principle", "assumed", "records"}
    assert not words & vague and not [w for w in words if w.endswith("ly")], sorted(words)
    for term in ("language modelling", "speech recognition", "question answering", "Gaussian"):
        assert term in named, (term, named)
    assert "Goodfellow" in named and "goodfellow" not in words


def test_interview_hint_in_follow_up_points_at_missed_key_point(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock)
    interview.submit("alpha1 only")
    reply = interview.submit("hint")[0]
    assert reply.kind == "hint" and "beta1" in reply.text
    interview.submit("beta1 now")
    summary = interview.summary()
    assert summary.results[0].hints == ["beta1 second point"] and summary.hints_used == 1


def _real_bank() -> Bank:
    from interviewer.settings import PROJECT_ROOT

    knowledge = PROJECT_ROOT / "knowledge"
    return load_bank(knowledge / "questions.yaml", knowledge)


class VerdictGrader:
    """Grades every answer with the same verdicts, by key point index (covered otherwise)."""

    def __init__(self, verdicts: dict[int, str], *, follow_up: str = "") -> None:
        self.verdicts, self.follow_up = verdicts, follow_up

    def grade(
        self,
        question: Question,
        answer: str,
        *,
        transcript_confidence: float | None = None,
        hints: Sequence[str] = (),
    ) -> Grade:
        return Grade(
            question_id=question.id,
            question_version=question.version,
            overall=2.0,
            key_points=[
                KeyPointVerdict(
                    key_point=kp,
                    verdict=self.verdicts.get(i, "covered"),  # type: ignore[arg-type]
                    evidence="some words" if self.verdicts.get(i) == "partly" else "",
                )
                for i, kp in enumerate(question.key_points)
            ],
            follow_up=self.follow_up,
            grader=GraderInfo(kind="llm", model="m"),
        )


def test_interview_hint_at_follow_up_is_about_its_point_even_when_hinted_before(
    repo, clock
) -> None:
    """Web, q02: the follow-up asked about “Generator”, whose hint was taken on the first
    answer, and Hint gave “Value function” instead: now a second hint on “Generator”."""
    real = _real_bank()
    grader = VerdictGrader({0: "missed", 2: "missed"})
    interview = _start(repo, real, grader, clock, question_ids=["q02"])
    assert "“Generator”" in interview.submit("hint")[0].text
    [follow_up] = interview.submit("The discriminator classifies real and fake samples.")
    assert follow_up.kind == "follow_up" and "“Generator”" in follow_up.text
    second = interview.submit("hint")[0]
    assert second.kind == "hint" and "“Generator”" in second.text, second.text
    assert "Value function" not in second.text and "think of:" in second.text
    assert "mapping a latent vector" not in second.text  # names words, not the point
    assert _kinds(interview.submit("hint")) == ["info"]  # two on one point are the lot
    summary = interview.summary()
    generator = real.get("q02").key_points[0]
    assert summary.results[0].hints == [generator, generator] and summary.hints_used == 2
    reloaded = Interview.load(repo, real, grader, interview.session_id, clock=clock).history()
    assert "Hints taken on this question: “Generator” (twice)." in [r.text for r in reloaded]


class HintsSeen(VerdictGrader):
    """A :class:`VerdictGrader` that records the hints each grade was given (None: called
    without them), and leaves the answers ``pending`` while ``down``."""

    def __init__(self, verdicts: dict[int, str]) -> None:
        super().__init__(verdicts)
        self.seen: list[list[str] | None] = []
        self.down = False

    def grade(self, question, answer, *, transcript_confidence=None, hints=None):  # type: ignore[no-untyped-def]
        self.seen.append(hints)
        if self.down:
            return PendingGrader().grade(question, answer)
        return super().grade(question, answer)


def test_interview_grades_an_answer_with_the_hints_it_was_shown(repo, clock) -> None:
    """An answer that strung together the hints it was shown was credited for the
    interviewer's words: the grader is now given the hints, as the candidate read them, to
    leave their words out. The answer and its follow-up are graded with every hint of the
    question, the second, telling one included (also when graded later), and an answer that
    took none is graded as before."""
    real = _real_bank()
    grader = HintsSeen({0: "missed", 2: "missed"})
    interview = _start(repo, real, grader, clock, question_ids=["q02", "q04"])
    first = interview.submit("hint")[0].text
    interview.submit("The discriminator classifies real and fake samples.")
    assert grader.seen == [[first]]
    second = interview.submit("hint")[0].text
    assert second.startswith("Another hint on “Generator”")
    grader.down = True
    interview.submit("The generator maps noise to a sample.")
    assert grader.seen[-1] == [first, second]
    interview.submit("Mode collapse is when the generator gives few outputs.")
    assert grader.seen[-1] is None  # q04: no hint taken
    grader.down = False
    grader.seen.clear()
    assert regrade_pending(repo, real, grader).completed == 2
    assert sorted(grader.seen, key=bool) == [None, [first, second]]


def test_interview_answer_made_of_its_hints_scores_as_one_that_says_nothing(repo, clock) -> None:
    """The offline grader, as the app runs it: an answer that strung together the hints it
    was shown (every key point's) scored 1.0-4.0 of 5 on the real bank; it now scores as an
    answer that says nothing. A strong answer written after a hint keeps its score."""
    from interviewer.grading import shared_embedder, shared_sentence_encoder
    from interviewer.grading.service import GradingService
    from interviewer.grading.similarity import SimilarityGrader
    from interviewer.settings import PROJECT_ROOT

    real = _real_bank()
    models, prompts = PROJECT_ROOT / "models", PROJECT_ROOT / "prompts"
    offline = SimilarityGrader(
        embedder=shared_embedder(models),
        sentences=shared_sentence_encoder(models),
        prompts_dir=prompts,
        peers=lambda: real.questions,
    )
    service = GradingService(grader=offline, retriever=None, prompts_dir=prompts, models_dir=models)
    interview = _start(repo, real, service, clock, question_ids=["q34"], follow_ups=False)
    hints = [interview.submit("hint")[0].text for _ in real.get("q34").key_points]
    given = []  # what each hint gave: the point's opening words, and the terms to think of
    for hint in hints:
        opening = hint.split("“")[1].split("”")[0].strip(" …")
        terms = hint.split("think of: ")[1].split(". What")[0] if "think of: " in hint else ""
        given.append(f"{opening}: {terms}." if terms else f"{opening}.")
    parroted = " ".join(given)
    nothing = "I am not sure, I have heard of it but I cannot remember what it is."
    [feedback, _summary] = interview.submit(parroted)
    assert feedback.grade is not None and feedback.grade.overall is not None
    question = real.get("q34")
    blank = service.grade(question, nothing, hints=hints).overall or 0.0
    assert (service.grade(question, parroted).overall or 0.0) >= 2.0  # without the hints
    assert feedback.grade.overall <= blank + 0.5, (parroted, feedback.grade.overall)
    coverage = feedback.grade.criterion("coverage")
    assert coverage is not None  # the card's "Why these scores" says why
    assert "The words of the 5 hints shown were not counted" in coverage.rationale

    strong = (
        "When you backpropagate through many layers, the gradient is a product of many local "
        "derivatives, and if those are smaller than one it shrinks exponentially with depth. "
        "Sigmoid and tanh saturate and the sigmoid's derivative is at most 0.25, so repeated "
        "multiplication kills the signal. As a result the early layers barely update and deep "
        "networks train very slowly or not at all. The usual fixes are ReLU activations, "
        "careful initialization like Xavier or He, batch normalization, residual connections, "
        "and gating in LSTMs. The opposite problem, exploding gradients, is handled with "
        "gradient clipping."
    )
    again = _start(repo, real, service, clock, question_ids=["q34"], follow_ups=False)
    again.submit("hint")
    [feedback, _summary] = again.submit(strong)
    alone = service.grade(question, strong).overall
    assert feedback.grade is not None and feedback.grade.overall is not None and alone
    assert abs(feedback.grade.overall - alone) <= 0.3, (alone, feedback.grade.overall)


def test_a_second_hint_on_a_point_always_tells_more_than_the_first(repo, clock) -> None:
    """q23, at the follow-up on “GAN is trained …”: the second hint named "encoder,
    likelihood" again, as the first had (9 of the bank's 188 key points)."""
    real = _real_bank()
    grader = VerdictGrader({1: "missed"})
    interview = _start(repo, real, grader, clock, question_ids=["q23"])
    [follow_up] = interview.submit("Both are generative models.")
    assert "GAN is trained" in follow_up.text, follow_up.text
    first = interview.submit("hint")[0].text
    assert "think of: encoder, likelihood" in first, first
    second = interview.submit("hint")[0].text
    assert "encoder, likelihood" not in second, second
    assert "“A GAN is trained adversarially and …”" in second, second


def test_no_hint_on_the_bank_names_a_function_word_or_a_noun_and_its_verb() -> None:
    """Hints named "blurry because", "whose condition", "classifier trained", "diversity
    become" and "feedback stops" as terms to think of (25 of the bank's 376 hints)."""
    from interviewer.session import _nudge

    real = _real_bank()
    named = []
    for question in real.questions:
        for point in question.key_points:
            for telling in (False, True):
                text = _nudge(point, question, real, telling=telling)
                if "think of: " in text:
                    named += text.split("think of: ")[1].split(". What")[0].split(", ")
    assert len(named) > 300
    vague = {"because", "whose", "across", "except", "otherwise", "versus", "become", "stops"}
    assert not [t for t in named if vague & set(t.lower().split())]
    assert not [t for t in named if " " in t and t.endswith("ed")]


def test_a_hint_names_a_three_word_term_whole() -> None:
    """q23's second hint named "evidence lower, bound", q24's "Earth Mover's, distance" and
    q31's "reverse-mode automatic, differentiation": a term cut in two, the halves named apart."""
    from interviewer.session import _nudge

    real = _real_bank()
    terms = {}
    for qid, point in (("q23", 0), ("q24", 0), ("q31", 2)):
        question = real.get(qid)
        text = _nudge(question.key_points[point], question, real, telling=True)
        terms[qid] = text.split("think of: ")[1].split(". What")[0].split(", ")
    assert "evidence lower bound" in terms["q23"], terms
    assert "Earth Mover's distance" in terms["q24"], terms
    assert "reverse-mode automatic differentiation" in terms["q31"], terms
    # A pair goes on only where the bank uses the pair again: not "human feedback optimizes".
    question = real.get("q30")
    text = _nudge(question.key_points[3], question, real, telling=True)
    assert "feedback optimizes" not in text, text


def test_interview_hint_at_follow_up_after_every_hint_was_taken(repo, clock) -> None:
    """CLI, q04: every key point had been hinted at on the first answer, and at the follow-up
    on “generator produces only a …” Hint said "No more hints for this question" each time."""
    real = _real_bank()
    grader = VerdictGrader({0: "missed", 3: "partly"})
    interview = _start(repo, real, grader, clock, question_ids=["q04"])
    for _ in real.get("q04").key_points:
        assert interview.submit("hint")[0].kind == "hint"
    [follow_up] = interview.submit("Mode collapse is when the GAN stops learning.")
    assert "generator produces only a" in follow_up.text
    hint = interview.submit("hint")[0]
    assert hint.kind == "hint" and "generator produces only a" in hint.text, hint.text
    assert "think of:" in hint.text and "modes" in hint.text
    assert interview.summary().hints_used == len(real.get("q04").key_points) + 1


def test_interview_hint_at_an_llm_follow_up_is_about_the_biggest_gap(repo, clock) -> None:
    """An LLM's own follow-up asks about the biggest gap, a missed point before a partly
    covered one with quoted words; the hint was on the first point not covered."""
    real = _real_bank()
    grader = VerdictGrader({0: "partly", 1: "missed"}, follow_up="How does G use its input?")
    interview = _start(repo, real, grader, clock, question_ids=["q02"])
    assert interview.submit("A GAN has a generator.")[0].text == "How does G use its input?"
    hint = interview.submit("hint")[0]
    assert hint.kind == "hint" and "“Discriminator”" in hint.text, hint.text
    assert hint.text.startswith("Hint: a strong answer")  # the first hint on it


def test_interview_skip_moves_on_without_grading(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock)
    replies = interview.submit("skip")
    assert _kinds(replies) == ["info", "question"]
    assert replies[-1].question_id == "q2"
    assert grader.calls == []
    assert repo.turns(interview.session_id)[0].status == "skipped"
    assert interview.summary().skipped == 1


def test_interview_skip_follow_up_keeps_first_grade(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock)
    interview.submit("alpha1")
    replies = interview.submit("skip")
    assert _kinds(replies) == ["feedback", "question"]
    assert replies[0].grade is not None and replies[0].grade.overall == 2.5
    assert repo.turns(interview.session_id)[0].status == "done"
    assert repo.pending_turns(interview.session_id) == []


def test_interview_repeat_shows_question_again_without_storing(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock)
    replies = interview.submit("repeat")
    assert _kinds(replies) == ["question"] and replies[0].text == bank.questions[0].text
    assert repo.turns(interview.session_id)[0].answer is None
    interview.submit("alpha1")
    follow_up = interview.submit("Repeat")
    assert _kinds(follow_up) == ["follow_up"]


def test_interview_end_finishes_early_with_summary(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock, follow_ups=False)
    interview.submit("alpha1 beta1")
    replies = interview.submit("end")
    assert _kinds(replies) == ["summary"]
    summary = replies[0].summary
    assert summary is not None and summary.ended_early and summary.answered == 1
    assert [r.outcome for r in summary.results] == ["graded", "unanswered"]
    assert interview.state == "finished"


def test_interview_end_during_follow_up_shows_feedback_then_summary(
    repo, bank, grader, clock
) -> None:
    interview = _start(repo, bank, grader, clock)
    interview.submit("alpha1")
    assert _kinds(interview.submit("end")) == ["feedback", "summary"]


def test_interview_end_before_start(repo, bank, grader, clock) -> None:
    interview = Interview.create(repo, bank, grader, SessionConfig(), clock=clock)
    assert _kinds(interview.submit("end")) == ["summary"]
    assert interview.finished


def test_interview_blank_and_oversized_answers_are_not_stored(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock)
    assert _kinds(interview.submit("   \n\t ")) == ["info"]
    assert "limit" in interview.submit("x" * 1_000_000)[0].text
    assert repo.turns(interview.session_id)[0].answer is None
    assert grader.calls == []


def test_interview_control_characters_are_removed_from_answers(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock, follow_ups=False)
    interview.submit("alpha1\x00 \x07beta1 ✓ مرحبا")
    assert repo.turns(interview.session_id)[0].answer == "alpha1 beta1 ✓ مرحبا"


# --- modes and timing -------------------------------------------------------------------------


def test_interview_exam_mode_gives_feedback_only_at_the_end(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock, mode="exam")
    first = interview.submit("alpha1")  # missed key point, but no follow-up in an exam
    assert _kinds(first) == ["info", "question"] and first[0].grade is None
    interview.submit("skip")
    replies = interview.submit("alpha3 beta3")
    assert _kinds(replies) == ["info", "feedback", "feedback", "summary"]
    assert [r.question_id for r in replies[1:3]] == ["q1", "q3"]
    assert replies[-1].summary is not None and replies[-1].summary.mean_overall == 3.8


def test_interview_exam_greeting_says_it_asks_no_follow_up(repo, bank, grader, clock) -> None:
    """Follow-up questions ticked in the set-up of an exam: none came, and nothing said why."""
    exam = Interview.create(repo, bank, grader, SessionConfig(mode="exam"), clock=clock)
    assert "Follow-up questions are for practice: an exam asks none." in exam.start()[0].text
    practice = Interview.create(repo, bank, grader, SessionConfig(), clock=clock)
    assert "Follow-up questions are for practice" not in practice.start()[0].text
    quiet = Interview.create(
        repo, bank, grader, SessionConfig(mode="exam", follow_ups=False), clock=clock
    )
    assert "Follow-up" not in quiet.start()[0].text


def test_interview_records_time_taken(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock, follow_ups=False)
    clock.advance(42.5)
    interview.submit("alpha1 beta1")
    turn = repo.turns(interview.session_id)[0]
    assert turn.seconds_taken == 42.5 and not turn.time_limit_exceeded


def test_interview_time_limit_exceeded_is_flagged_and_still_graded(
    repo, bank, grader, clock
) -> None:
    interview = _start(repo, bank, grader, clock, time_limit_s=60)
    clock.advance(95)
    replies = interview.submit("alpha1 beta1")
    assert _kinds(replies) == ["info", "feedback", "question"]
    assert "Time limit exceeded: 95 s" in replies[0].text
    turn = repo.turns(interview.session_id)[0]
    assert turn.time_limit_exceeded and turn.seconds_taken == 95
    assert replies[1].grade is not None and replies[1].grade.overall == 5.0
    assert interview.summary().results[0].time_limit_exceeded


def test_interview_time_notice_never_shows_an_overrun_as_the_limit(
    repo, bank, grader, clock
) -> None:
    """Sent 1.4 s into a 1 s limit, the chat said "Time limit exceeded: 1 s for a limit of
    1 s", and the greeting "You have 1 seconds per answer"."""
    interview = Interview.create(
        repo, bank, grader, SessionConfig(time_limit_s=1, follow_ups=False), clock=clock
    )
    assert "You have 1 second per answer." in interview.start()[0].text
    clock.advance(1.4)
    replies = interview.submit("alpha1 beta1")
    assert replies[0].text.startswith("Time limit exceeded: 1.4 s for a limit of 1 s.")
    clock.advance(1.01)
    assert "1.1 s for a limit of 1 s" in interview.submit("alpha2 beta2")[0].text  # rounded up


def test_interview_follow_up_over_time_limit_is_flagged(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock, time_limit_s=60)
    interview.submit("alpha1")
    clock.advance(61)
    replies = interview.submit("beta1")
    assert replies[0].kind == "info"
    turn = repo.turns(interview.session_id)[0]
    assert turn.time_limit_exceeded and turn.follow_up_seconds == 61


def test_interview_spoken_answer_keeps_transcript_and_confidence(repo, bank, clock) -> None:
    seen: list[float | None] = []

    class Recording(KeywordGrader):
        def grade(self, question, answer, *, transcript_confidence=None):  # type: ignore[no-untyped-def]
            seen.append(transcript_confidence)
            return super().grade(question, answer)

    interview = _start(repo, bank, Recording(), clock, follow_ups=False)
    interview.submit("alpha1 beta1", transcript="alfa one beta1", transcript_confidence=0.42)
    turn = repo.turns(interview.session_id)[0]
    assert (turn.transcript, turn.transcript_confidence) == ("alfa one beta1", 0.42)
    assert seen == [0.42]


# --- question selection -----------------------------------------------------------------------


def test_select_questions_by_ids_topic_and_seeded_shuffle(bank) -> None:
    assert [q.id for q in select_questions(bank, SessionConfig(question_ids=["q3", "q1"]))] == [
        "q3",
        "q1",
    ]
    assert [q.id for q in select_questions(bank, SessionConfig(topics=["vae"]))] == ["q3"]
    assert [q.id for q in select_questions(bank, SessionConfig(num_questions=2))] == ["q1", "q2"]
    shuffled = SessionConfig(order="shuffled", seed=7)
    assert select_questions(bank, shuffled) == select_questions(bank, shuffled)


def test_select_questions_rejects_unknown_topic_and_id(bank) -> None:
    with pytest.raises(SessionError, match="choose from: gan, vae"):
        select_questions(bank, SessionConfig(topics=["rl"]))
    with pytest.raises(BankError, match="questions list"):
        select_questions(bank, SessionConfig(question_ids=["nope"]))


def test_interview_shuffled_without_seed_records_the_seed(repo, bank, grader, clock) -> None:
    interview = Interview.create(repo, bank, grader, SessionConfig(order="shuffled"), clock=clock)
    seed = interview.config.seed
    assert seed is not None
    again = select_questions(bank, SessionConfig(order="shuffled", seed=seed))
    assert interview.question_ids == [q.id for q in again]


# --- persistence, resume, failures ------------------------------------------------------------


def test_interview_resume_mid_question_re_asks_it(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock, follow_ups=False)
    interview.submit("alpha1 beta1")
    loaded = Interview.load(repo, bank, grader, interview.session_id, clock=clock)
    replies = loaded.resume()
    assert _kinds(replies) == ["info", "question"] and replies[1].question_id == "q2"
    assert loaded.progress.label == "Question 2 of 3"
    assert _kinds(loaded.submit("alpha2 beta2")) == ["feedback", "question"]


def test_interview_resume_keeps_the_answer_clock_unless_the_server_restarted_since(
    repo, bank, grader, clock, monkeypatch
) -> None:
    """A reload (or the resume link in another tab) restarted the clock: 8 s into a 5 s limit,
    the answer sent after a reload was stored as within time, the overrun gone. A question
    asked before the server's restart still gets its clock back: that time was lost to it."""
    import interviewer.session as session

    monkeypatch.setattr(session, "SERVED_SINCE", clock.now, raising=False)
    interview = _start(repo, bank, grader, clock, time_limit_s=5, follow_ups=False)
    clock.advance(8)
    reloaded = Interview.load(repo, bank, grader, interview.session_id, clock=clock)
    assert reloaded.seconds_left() == -3  # the clock the page shows runs on
    reloaded.resume()
    clock.advance(1)
    assert "Time limit exceeded: 9 s" in reloaded.submit("alpha1 beta1")[0].text
    turn = repo.turns(interview.session_id)[0]
    assert turn.time_limit_exceeded and turn.seconds_taken == 9

    clock.advance(8)  # question 2 waits 8 s, then the server restarts
    monkeypatch.setattr(session, "SERVED_SINCE", clock.now, raising=False)
    restarted = Interview.load(repo, bank, grader, interview.session_id, clock=clock)
    restarted.resume()
    clock.advance(1)
    assert _kinds(restarted.submit("alpha2 beta2")) == ["feedback", "question"]
    second = repo.turns(interview.session_id)[1]
    assert not second.time_limit_exceeded and second.seconds_taken == 1


def test_interview_resume_in_follow_up_re_asks_follow_up(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock)
    follow_up = interview.submit("alpha1")[0]
    loaded = Interview.load(repo, bank, grader, interview.session_id, clock=clock)
    replies = loaded.resume()
    assert _kinds(replies) == ["info", "follow_up"] and replies[1].text == follow_up.text
    assert _kinds(loaded.submit("beta1")) == ["info", "feedback", "question"]


def test_interview_crash_during_grading_is_graded_on_resume(repo, bank, grader, clock) -> None:
    crashing = Interview.create(
        repo, bank, RaisingGrader(RuntimeError("killed")), SessionConfig(), clock=clock
    )
    crashing.start()
    with pytest.raises(RuntimeError):
        crashing.submit("alpha1 beta1 typed before the crash")
    stored = repo.turns(crashing.session_id)[0]
    assert stored.answer == "alpha1 beta1 typed before the crash"
    assert repo.get_session(crashing.session_id).state == "grading"
    loaded = Interview.load(repo, bank, grader, crashing.session_id, clock=clock)
    replies = loaded.resume()
    assert _kinds(replies) == ["info", "feedback", "question"]
    assert replies[1].grade is not None and replies[1].grade.overall == 5.0
    assert grader.calls == [("q1", "alpha1 beta1 typed before the crash")]
    assert repo.pending_turns(crashing.session_id) == []


def test_interview_answer_sent_again_after_a_failed_grade_is_the_one_graded(
    repo, bank, grader, clock
) -> None:
    """After the store failed mid-grade, the candidate edited the answer kept in the box and
    sent it: the chat showed the edit, the stored first draft was graded, and the reply began
    "Welcome back" mid-session."""
    failing = Interview.create(
        repo, bank, RaisingGrader(RuntimeError("store down")), SessionConfig(), clock=clock
    )
    failing.start()
    with pytest.raises(RuntimeError):
        failing.submit("first draft")
    again = Interview.load(repo, bank, grader, failing.session_id, clock=clock)
    replies = again.submit("alpha1 beta1 edited after the failure")
    assert _kinds(replies) == ["feedback", "question"]
    assert grader.calls == [("q1", "alpha1 beta1 edited after the failure")]
    assert repo.turns(failing.session_id)[0].answer == "alpha1 beta1 edited after the failure"
    # The same text sent again is graded as stored, without the greeting either.
    with pytest.raises(RuntimeError):
        Interview.load(repo, bank, RaisingGrader(RuntimeError("down")), failing.session_id).submit(
            "gamma1 an answer to the second question"
        )
    retried = Interview.load(repo, bank, grader, failing.session_id, clock=clock)
    assert "info" not in _kinds(retried.submit("gamma1 an answer to the second question"))
    assert grader.calls[-1] == ("q2", "gamma1 an answer to the second question")


def test_interview_resume_after_grade_stored_does_not_regrade(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock, follow_ups=False)
    interview.submit("alpha1 beta1")
    # Simulate a crash after the grade was committed but before the turn was closed.
    turn = repo.turns(interview.session_id)[0]
    repo.save_turn(turn.model_copy(update={"status": "answered"}), state="grading", current_index=0)
    calls = len(grader.calls)
    loaded = Interview.load(repo, bank, grader, interview.session_id, clock=clock)
    assert _kinds(loaded.resume()) == ["info", "feedback", "question"]
    assert len(grader.calls) == calls


def test_interview_store_failure_leaves_engine_unchanged_for_retry(
    repo, bank, grader, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    interview = _start(repo, bank, grader, clock, follow_ups=False)
    original = repo.save_step

    def broken(session_id: str, **kwargs: object) -> tuple[list[TurnRecord], None]:
        raise StoreError("The database is unavailable or locked while saving the answer.")

    monkeypatch.setattr(repo, "save_step", broken)
    with pytest.raises(StoreError):
        interview.submit("alpha1 beta1")
    assert interview.state == "asking" and grader.calls == []
    monkeypatch.setattr(repo, "save_step", original)
    assert _kinds(interview.submit("alpha1 beta1")) == ["feedback", "question"]


def test_interview_load_unknown_id_raises_session_error(repo, bank, grader) -> None:
    with pytest.raises(SessionError, match="No interview session"):
        Interview.load(repo, bank, grader, "does-not-exist")


def test_interview_history_rebuilds_the_conversation(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, grader, clock)
    interview.submit("alpha1")
    interview.submit("beta1")
    loaded = Interview.load(repo, bank, grader, interview.session_id, clock=clock)
    assert _kinds(loaded.history()) == [
        "greeting",
        "question",
        "answer",
        "follow_up",
        "answer",
        "info",  # graded together with the first answer
        "feedback",
        "question",
    ]


def test_interview_history_keeps_the_hints_and_the_note_on_a_follow_up(
    repo, bank, grader, clock
) -> None:
    """After a reload the hints and "graded together with your first answer" had gone from the
    chat, while the summary still counted the hints."""
    interview = _start(repo, bank, grader, clock)
    interview.submit("hint")
    interview.submit("only alpha1 here")
    live = interview.submit("and also beta1")
    loaded = Interview.load(repo, bank, grader, interview.session_id, clock=clock)
    shown = loaded.history()[1:]  # after the greeting
    assert _kinds(shown) == [
        "question",
        "info",
        "answer",
        "follow_up",
        "answer",
        "info",
        "feedback",
        "question",
    ]
    assert "alpha1" in shown[1].text and "alpha1 first point" not in shown[1].text
    assert shown[1].text.startswith("Hint taken on this question:")
    assert shown[5].text == live[0].text  # "... graded together with your first answer ..."


def test_interview_history_opens_with_the_greeting_as_first_shown(
    repo, bank, grader, clock
) -> None:
    """After a reload mid-exam the chat began at the first question: the greeting that gave the
    mode, the time limit per answer and the commands was gone, and with it the rules."""
    interview = Interview.create(
        repo, bank, grader, SessionConfig(mode="exam", time_limit_s=60), clock=clock
    )
    first = interview.start()[0]
    interview.submit("alpha1 beta1")
    loaded = Interview.load(repo, bank, grader, interview.session_id, clock=clock)
    shown = loaded.history()
    assert shown[0] == first and _kinds(shown[1:]) == ["question", "answer", "question"]
    assert "an exam" in first.text and "60 seconds per answer" in first.text
    assert "`hint`" in first.text and "`end`" in first.text
    # Said once: resuming adds "Welcome back", not the greeting again.
    assert "greeting" not in _kinds(loaded.resume())
    # Not yet started: resuming greets, so the history has nothing to say twice.
    fresh = Interview.create(repo, bank, grader, SessionConfig(), clock=clock)
    assert fresh.history() == []


def test_interview_says_how_long_is_left_for_the_awaited_answer(repo, bank, grader, clock) -> None:
    assert _start(repo, bank, grader, clock).seconds_left() is None  # no limit
    interview = _start(repo, bank, grader, clock, time_limit_s=30, follow_ups=False)
    clock.advance(10)
    assert interview.seconds_left() == pytest.approx(20)
    clock.advance(25)
    assert interview.seconds_left() == pytest.approx(-5)  # over: the page says time is up
    interview.submit("alpha1 beta1")
    assert interview.seconds_left() == pytest.approx(30)  # the next question's own limit
    interview.submit("end")
    assert interview.seconds_left() is None


def test_interview_history_marks_a_skipped_question(repo, bank, grader, clock) -> None:
    """After a reload a skipped question stood in the chat with no answer and no word on why."""
    interview = _start(repo, bank, grader, clock)
    interview.submit("skip")
    loaded = Interview.load(repo, bank, grader, interview.session_id, clock=clock)
    shown = loaded.history()[1:]  # after the greeting
    assert _kinds(shown) == ["question", "info", "question"]
    assert shown[1].text == "Skipped."


def test_regrade_pending_completes_pending_and_missing_grades(repo, bank, grader, clock) -> None:
    interview = _start(repo, bank, PendingGrader(), clock)
    interview.submit("alpha1 beta1")
    interview.submit("alpha2")
    assert len(repo.pending_turns()) == 2
    report = regrade_pending(repo, bank, grader)
    assert (report.found, report.completed, report.still_pending) == (2, 2, 0)
    assert repo.pending_turns() == []
    assert sorted(g.overall or 0 for g in repo.final_grades()) == [2.5, 5.0]
    again = regrade_pending(repo, bank, PendingGrader())
    assert again.found == 0


def test_regrade_in_the_background_leaves_fresh_answers_and_stops_while_failing(
    repo, bank, grader, clock
) -> None:
    """The web app's pass every minute: an answer sent a moment ago may still be being graded by
    its own request, and while the LLM is down each pass tries once and adds no grade row."""
    interview = _start(repo, bank, PendingGrader(), clock)
    interview.submit("alpha1 beta1")
    interview.submit("alpha2")
    clock.advance(600)
    interview.submit("alpha3")  # just sent
    rows = {t.id: len(repo.grade_history(t.id)) for t in repo.pending_turns() if t.id}
    background = {"settled": timedelta(minutes=5), "give_up_after": 1, "clock": clock}

    down = regrade_pending(repo, bank, PendingGrader(), **background)
    assert (down.found, down.completed, len(down.failed)) == (2, 0, 1)  # stopped at the first
    assert {t.id: len(repo.grade_history(t.id)) for t in repo.pending_turns() if t.id} == rows

    back = regrade_pending(repo, bank, grader, **background)
    assert (back.found, back.completed) == (2, 2)
    assert len(repo.pending_turns()) == 1  # the fresh answer, left to its request
    clock.advance(600)
    assert regrade_pending(repo, bank, grader, **background).completed == 1
    assert repo.pending_turns() == []


def test_interview_any_text_is_stored_cleanly_or_refused(tmp_path: Path) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    engine = create_db_engine(f"sqlite:///{tmp_path / 'prop.db'}")
    upgrade(engine)
    repo = Repository(engine)
    bank = make_bank()

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.text(max_size=300))
    def check(text: str) -> None:
        interview = Interview.create(repo, bank, KeywordGrader(), SessionConfig(follow_ups=False))
        interview.start()
        replies = interview.submit(text)
        stored = repo.turns(interview.session_id)[0].answer
        if stored is None:
            assert replies[0].kind in ("info", "hint", "question", "summary")
        else:
            assert "\x00" not in stored and stored == stored.strip() and stored
            assert replies[0].kind == "feedback"

    check()
    engine.dispose()


@pytest.mark.parametrize(
    ("skipped", "pending", "said"),
    [
        (0, 0, "Interview finished. Answered 2 of 2; mean score 3.0/5; hints used 0."),
        (1, 0, "Interview finished. Answered 2 of 3 (skipped 1); mean score 3.0/5; hints used 0."),
        (0, 1, "1 answer is waiting for grading; it will be graded later."),
        (0, 2, "2 answers are waiting for grading; they will be graded later."),
    ],
)
def test_summary_says_skips_and_pending_answers_as_they_are(
    skipped: int, pending: int, said: str
) -> None:
    """The summary said "(skipped 0)" after every interview with nothing skipped, and "1 answer
    is waiting for grading; they will be graded later"."""
    from interviewer.session import Summary, _render_summary

    summary = Summary(
        session_id="s1",
        mode="practice",
        total=2 + skipped,
        answered=2,
        skipped=skipped,
        graded=2 - pending,
        pending=pending,
        mean_overall=3.0,
        hints_used=0,
        ended_early=False,
        results=[],
    )
    assert said in _render_summary(summary).splitlines()
