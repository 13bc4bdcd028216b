"""Choose the margin of the "stated in other words" rule (``similarity.PARAPHRASE_MARGIN``;
``PARAPHRASE_FLOOR`` in force throughout).

On a bank question a key point counts as covered when the second encoder's cosine of it and the
answer clears the highest such cosine of any other question's model answer by a margin. There
are no human scores for the bank, so the rule is measured on its own texts:

- a key point stated: the sentence of the question's model answer that the second encoder reads
  closest to the key point (key points are written apart from the model answer, so this is the
  same claim in other words);
- a key point not stated: another key point of the same question, given as the answer (the same
  vocabulary, a different claim: the hardest case for a similarity measure).

For each margin it prints the share of each that clears it; the share whose own word alignment
with the key point beats the other questions' level (``PeerBaseline.shows``: below it, a key
point stays "partly"), for these and for the whole model answer; and, with the margin in force, the
grader's verdict on each key point for its model-answer sentence given alone as the answer, and
on the other key points for each key point given alone as the answer.

Run: ``.venv/bin/python bench/bank_paraphrase.py``
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np

from interviewer.bank import bank_questions
from interviewer.grading import shared_embedder, shared_sentence_encoder
from interviewer.grading.base import GradeRequest
from interviewer.grading.similarity import (
    PARAPHRASE_FLOOR,
    PARAPHRASE_MARGIN,
    SimilarityGrader,
    sentence_ranges,
    without_words_of,
)
from interviewer.settings import Settings

MARGINS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25)


def main() -> None:
    settings = Settings()
    source = bank_questions(settings)
    grader = SimilarityGrader(
        embedder=shared_embedder(settings.models_dir),
        sentences=shared_sentence_encoder(settings.models_dir),
        prompts_dir=settings.prompts_dir,
        peers=source,
    )

    def cosines(question, text: str) -> np.ndarray:  # type: ignore[no-untyped-def]
        side = grader._question_side(question)
        vector = grader._sentence(without_words_of(text, side.stems))
        return np.array(side.key_point_cosines(vector))

    stated: list[tuple[float, float]] = []  # (cosine, the peers' highest), per key point
    other: list[tuple[float, float]] = []
    # Whether the answer's own word alignment beats the peers' level (PeerBaseline.shows).
    shows: dict[str, list[bool]] = {"sentence": [], "model_answer": [], "another_key_point": []}

    def alignment(question, text: str) -> list[float]:  # type: ignore[no-untyped-def]
        request = GradeRequest(question=question, answer=text)
        return grader.best_reference(request)[1].key_point_alignment

    verdicts: Counter[str] = Counter()
    others: Counter[str] = Counter()
    for question in source():
        baseline = grader.baseline(question)
        if baseline is None or not question.model_answer:
            continue
        peers = np.array(baseline.key_point_sentence)
        sentences = [question.model_answer[a:b] for a, b in sentence_ranges(question.model_answer)]
        by_sentence = np.array([cosines(question, s) for s in sentences])
        by_key_point = np.array([cosines(question, k) for k in question.key_points])
        whole = alignment(question, question.model_answer)
        by_point = [alignment(question, kp) for kp in question.key_points]
        for k in range(len(question.key_points)):
            best = int(by_sentence[:, k].argmax())
            shows["sentence"].append(baseline.shows(k, alignment(question, sentences[best])[k]))
            shows["model_answer"].append(baseline.shows(k, whole[k]))
            shows["another_key_point"].extend(
                baseline.shows(k, by_point[j][k]) for j in range(len(question.key_points)) if j != k
            )
            stated.append((float(by_sentence[best, k]), float(peers[k])))
            other.extend(
                (float(by_key_point[j, k]), float(peers[k]))
                for j in range(len(question.key_points))
                if j != k
            )
            grade = grader.grade(GradeRequest(question=question, answer=sentences[best]))
            verdicts[grade.key_points[k].verdict] += 1
            alone = grader.grade(GradeRequest(question=question, answer=question.key_points[k]))
            others.update(v.verdict for j, v in enumerate(alone.key_points) if j != k)

    def clears(pairs: list[tuple[float, float]], margin: float) -> float:
        a = np.array(pairs)
        return round(float(np.mean(a[:, 0] >= np.maximum(PARAPHRASE_FLOOR, a[:, 1] + margin))), 3)

    out = {
        "key_points": len(stated),
        "other_key_point_pairs": len(other),
        "clears_margin": {
            f"{margin:g}": {
                "stated": clears(stated, margin),
                "another_key_point": clears(other, margin),
            }
            for margin in MARGINS
        },
        "margin_in_force": PARAPHRASE_MARGIN,
        "floor": PARAPHRASE_FLOOR,
        "own_alignment_beats_peers": {k: round(float(np.mean(v)), 3) for k, v in shows.items()},
        "verdict_for_its_model_answer_sentence": dict(verdicts),
        "verdict_for_another_key_point": dict(others),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
