"""Choose the "about another question of the bank" rule (interviewer/grading/topics.py).

Each dataset's questions of one split stand in for a bank. For a grid of (least words, margin)
it prints, per dataset: how many answers a human credited (score >= 2.5) would be taken for
another question (a wrong 0), and how many credited answers given to another question of the
same dataset are caught. At the chosen words and margin it also tries a floor (the other
question's cosine) and a lead (over every further question). Choose on ``--split train``; report
on the test splits.

The answers' and topics' vectors are computed once, in batches, exactly as ``BankTopics``
computes them one answer at a time (the opening ``TOPIC_WORDS`` words of the answer; each
question's topic texts, the best one counts).

Run: ``.venv/bin/python bench/fit_topics.py [--split train] [--sample 3000]``
"""

from __future__ import annotations

import argparse
import json
import random

import numpy as np
from devdata import DATA, DATASETS, load_rows

from interviewer.grading import shared_embedder
from interviewer.grading.evaluation import to_request
from interviewer.grading.topics import MARGIN, MIN_WORDS, TOPIC_WORDS, topic_texts
from interviewer.settings import Settings

WORDS = (0, 12, 20, 25)
MARGINS = (0.15, 0.2, 0.25, 0.3)
FLOORS = (0.0, 0.4, 0.45, 0.5)
LEADS = (0.02, 0.03, 0.05, 0.08)


def _measure(name: str, split: str, sample: int) -> dict[str, dict[str, float]]:
    embedder = shared_embedder(Settings().models_dir)
    rows = load_rows(DATA, name, split)
    rows = random.Random(0).sample(rows, min(sample, len(rows)))
    questions = list({r.question.id: r.question for r in map(to_request, rows)}.values())
    index = {q.id: i for i, q in enumerate(questions)}
    texts = [topic_texts(q) for q in questions]
    flat = embedder.embed([t for ts in texts for t in ts])
    owner = np.repeat(np.arange(len(questions)), [len(ts) for ts in texts])
    openings = [" ".join(r.answer.split()[:TOPIC_WORDS]) for r in rows]
    answers = np.vstack([embedder.embed(openings[i : i + 64]) for i in range(0, len(rows), 64)])
    # Best cosine of each answer with each question's topic texts.
    per_question = np.full((len(rows), len(questions)), -1.0)
    for column, sims in zip(owner, (answers @ flat.T).T, strict=True):
        per_question[:, column] = np.maximum(per_question[:, column], sims)
    rng = np.random.default_rng(0)
    own = np.array([index[to_request(r).question.id] for r in rows])
    elsewhere = np.array([rng.choice([k for k in range(len(questions)) if k != o]) for o in own])
    words = np.array([len(r.answer.split()) for r in rows])
    credited = np.array([r.score >= 2.5 for r in rows])

    def taken(
        asked: np.ndarray, margin: float, least: int, floor: float = -1.0, lead: float = 0.0
    ) -> np.ndarray:
        """Answers whose topic is closer to another question than to ``asked`` by margin (at
        least ``floor``, and ahead of every further question by ``lead``)."""
        rows_ = np.arange(len(rows))
        mine = per_question[rows_, asked]
        others = per_question.copy()
        others[rows_, asked] = -1.0
        ranked = np.sort(others, axis=1)
        best, second = ranked[:, -1], ranked[:, -2]
        specific = best >= second + lead
        return (best >= mine + margin) & (best >= floor) & specific & (words >= least)

    out: dict[str, dict[str, float]] = {}
    for least in WORDS:
        for margin in MARGINS:
            wrong = taken(own, margin, least)[credited]
            caught = taken(elsewhere, margin, least)[credited]
            out[f"words>={least} margin {margin}"] = {
                "credited_taken": int(wrong.sum()),
                "credited": int(credited.sum()),
                "given_elsewhere_caught": round(float(caught.mean()), 4),
            }
    # At the chosen words and margin: how close the other question must be (floor), and how
    # far ahead of the rest (lead; a generic answer is about equally close to many).
    for floor, lead in [(f, 0.0) for f in FLOORS] + [(0.0, d) for d in LEADS]:
        caught = taken(elsewhere, MARGIN, MIN_WORDS, floor, lead)[credited]
        wrong = taken(own, MARGIN, MIN_WORDS, floor, lead)
        out[f"words>={MIN_WORDS} margin {MARGIN} floor {floor} lead {lead}"] = {
            "credited_taken": int(wrong[credited].sum()),
            "uncredited_taken": int(wrong[~credited].sum()),
            "given_elsewhere_caught": round(float(caught.mean()), 4),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="train")
    parser.add_argument("--sample", type=int, default=3000, help="answers per dataset (seeded)")
    args = parser.parse_args()
    result = {name: _measure(name, args.split, args.sample) for name in DATASETS}
    print(json.dumps({"split": args.split, "figures": result}, indent=2))


if __name__ == "__main__":
    main()
