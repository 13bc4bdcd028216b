"""The development datasets of ``../shared/data`` as the bench scripts read them.

A dataset may come with a ``{name}_references.jsonl`` file listing every accepted reference
answer of each question (Beetle's BEST / GOOD / MINIMAL answers); each row then gets the
others as ``alternative_answers``, as a team would enter them in the bank.
"""

from __future__ import annotations

import json
from pathlib import Path

from interviewer.grading.evaluation import EvalItem, load_dataset
from interviewer.settings import PROJECT_ROOT

DATA = PROJECT_ROOT.parent / "shared" / "data"
DATASETS = ("saf_en", "scientsbank_2way", "beetle")


def load_rows(
    data: Path, name: str, split: str | None = None, *, alternatives: bool = True
) -> list[EvalItem]:
    """One dataset's rows (one split, or all), with their questions' other accepted answers."""
    rows = load_dataset(data / f"{name}.jsonl", split=split)
    references = data / f"{name}_references.jsonl"
    if not alternatives or not references.exists():
        return rows
    accepted: dict[str, list[str]] = {}
    for line in references.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            accepted[entry["qid"]] = [r["text"] for r in entry["references"]]
    return [
        row.model_copy(
            update={
                "alternative_answers": [
                    a for a in accepted.get(row.qid or "", []) if a != row.reference_answer
                ]
            }
        )
        for row in rows
    ]
