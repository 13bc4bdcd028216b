"""Scores files of a hiring team for the scale-fit tests (CLI, Calibration tab, browser)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from interviewer.bank import Question


def answers_to(question: Question) -> list[str]:
    """Answers of every kind to one question: complete, key points alone or in pairs, one
    sentence, vague."""
    points = question.key_points
    answers = [question.model_answer, *points, f"{points[0]} {points[-1]}"]
    answers += [question.model_answer.split(". ")[0] + "."]
    return [*answers, "It is something about neural networks that learn from data and images."]


def bank_answers(questions: Iterable[Question]) -> list[tuple[str, str]]:
    """(question id, answer) for every answer of :func:`answers_to` to each question."""
    return [(q.id, a) for q in questions for a in answers_to(q)]


def write_scores(path: Path, rows: Iterable[tuple[str, str, float]]) -> Path:
    """A JSON-lines scores file: one rater, ``ann``, and one candidate per answer."""
    lines = [
        json.dumps(
            {"question_id": q, "candidate": f"c{n}", "answer": a, "rater": "ann", "score": s}
        )
        for n, (q, a, s) in enumerate(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
