"""What an answer is about: a question's topic text, and the bank's questions as topic vectors.

The off-topic guard compares an answer with its own question's topic. :class:`BankTopics`
also finds an answer that is about *another* question of the bank: a candidate reciting the
answer to "What is mode collapse?" when asked about dropout. Within one domain every answer
shares much of the vocabulary, so the offline grader's alignment gave such an answer 3.6 of 5
(every key point "partly" covered); compared with every question of the bank at once, it is
plainly about the other one.

The rule, chosen with ``bench/fit_topics.py`` on the development data's train splits, each
dataset's questions standing in for a bank (``docs/grading.md`` has the test-split figures): an
answer of at least ``MIN_WORDS`` words whose opening's sentence vector is closer (cosine) to
another question's topic than to its own question's by ``MARGIN`` or more, and closer to that
one than to any further question by ``LEAD``. Shorter answers carry
too little topic to tell near-duplicate questions apart (Beetle's "Explain your reasoning"
questions about one circuit): with no length floor, one in seven of the answers human graders
credited there was "about another question".
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from interviewer.bank import BankReader, Question
from interviewer.knowledge.embeddings import Embedder

__all__ = ["LEAD", "MARGIN", "MIN_WORDS", "TOPIC_WORDS", "BankTopics", "topic_text", "topic_texts"]

# bench/fit_topics.py, train samples (credited answers taken for another question / credited
# answers given to another question caught): SAF 1 of 1,928 / 81%, SciEntsBank 0 of 1,189 / 17%
# (its answers are short), Beetle 7 of 1,978 / 4%. A margin of 0.2 caught a few more and took
# 12 of Beetle's; a wrong 0 costs more than a miss.
MARGIN = 0.25
MIN_WORDS = 20
# ...and that other question must lead every further one by LEAD: a generic answer ("an
# important concept in machine learning... depends on the use case") is about equally close to
# many questions, and was named as an answer to the RNN question (0.43, then 0.41 and 0.41).
# bench/fit_topics.py, train: credited answers taken for another question, Beetle 7 -> 1 of
# 1,978; credited answers given to another question still caught, SAF 81% -> 75%, SciEntsBank
# 17% -> 13%, Beetle 4% -> 1%. Each bank model answer leads for its own question by 0.05 or more,
# but for one of two near-duplicate questions.
LEAD = 0.03
# What an answer is about shows in its opening: embedding a 200-word answer whole took ~80 ms
# (the offline grade itself ~60 ms), its first 60 words ~27 ms. Cut there, one more credited
# SAF train answer (of 1,928) was taken for another question, and 1% fewer were caught.
TOPIC_WORDS = 60


def topic_text(question: Question) -> str:
    """Everything that says what a question is about: its text, key points and model answer."""
    return " ".join([question.text, *question.key_points, question.model_answer])


def topic_texts(question: Question) -> list[str]:
    """The topic, and the question with each other accepted answer (any of them may be what
    an answer matches best)."""
    return [topic_text(question), *(f"{question.text} {a}" for a in question.alternative_answers)]


class BankTopics:
    """The bank's questions as topic vectors, embedded once per question version.

    Args:
        embedder: Sentence vectors (MiniLM).
        questions: The bank's questions, read on first use (:meth:`refresh` replaces them).
    """

    def __init__(self, embedder: Embedder, questions: Callable[[], Sequence[Question]]) -> None:
        self._embedder = embedder
        self._bank = BankReader(questions, "No check for answers about another question")
        self._vectors: dict[tuple[str, str], np.ndarray] = {}  # (id, version) -> rows
        self._lock = threading.Lock()

    def refresh(self, questions: Sequence[Question]) -> None:
        """Use these questions from now on (the bank was edited), their topics embedded now:
        this runs in the app's warm-up, so the first answer does not wait for the whole bank.
        """
        self._bank.replace(questions)
        self._topic_vectors(list(questions))

    def digest(self) -> str:
        """Which bank the answers are compared with (see :meth:`BankReader.digest`)."""
        return self._bank.digest()

    def other_question(self, question: Question, answer: str) -> Question | None:
        """The bank question ``answer`` is about when that is clearly not ``question``.

        None when ``question`` is not in the bank (an ad-hoc question has no peers to compare
        with), the answer is shorter than ``MIN_WORDS`` words, or no other question's topic is
        closer by ``MARGIN`` and ahead of the rest by ``LEAD``.
        """
        words = answer.split()
        if len(words) < MIN_WORDS:
            return None
        questions = self._bank.questions()
        if not any(q.id == question.id and q.version == question.version for q in questions):
            return None
        others = [q for q in questions if q.id != question.id]
        if not others:
            return None
        vectors = self._topic_vectors([question, *others])
        answer_vector = self._embedder.embed([" ".join(words[:TOPIC_WORDS])])[0]
        own = float(np.max(vectors[0] @ answer_vector))
        scores = np.array([float(np.max(v @ answer_vector)) for v in vectors[1:]])
        best = int(np.argmax(scores))
        runner_up = float(np.max(np.delete(scores, best))) if len(scores) > 1 else -1.0
        clear = scores[best] >= own + MARGIN and scores[best] >= runner_up + LEAD
        return others[best] if clear else None

    def _topic_vectors(self, questions: list[Question]) -> list[np.ndarray]:
        """Each question's topic vectors (one row per accepted answer); the ones not seen
        before are embedded in one batch."""
        with self._lock:
            todo = [q for q in questions if (q.id, q.version) not in self._vectors]
        if todo:
            texts = [topic_texts(q) for q in todo]
            flat = self._embedder.embed([t for ts in texts for t in ts])
            start = 0
            with self._lock:
                for q, ts in zip(todo, texts, strict=True):
                    self._vectors[(q.id, q.version)] = flat[start : start + len(ts)]
                    start += len(ts)
        with self._lock:
            return [self._vectors[(q.id, q.version)] for q in questions]
