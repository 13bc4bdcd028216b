"""Offline grader validity and speed: agreement with human scores on every test split.

For each dataset in ``../shared/data`` and each of its test splits, grades every answer through
the product's path (guards, then the offline grader; no retrieval, no cache) and prints the
agreement metrics next to a constant predictor (the train split's mean human score). Also times
``SimilarityGrader.grade`` alone on 200-word answers (target p95 <= 150 ms on 2 cores).

Run: ``.venv/bin/python bench/eval_grader.py [--data DIR] [--datasets saf_en,beetle]
[--splits test_uq]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from devdata import DATA, DATASETS, load_rows

from interviewer.grading.evaluation import build_scorer, constant_baseline, evaluate
from interviewer.settings import Settings

SPLITS = ("test_uq", "test_ua", "test_ud")


def agreement_figures(
    data: Path, datasets: list[str], splits: list[str], *, alternatives: bool = True
) -> dict[str, Any]:
    """Agreement per dataset and split, with the constant baseline."""
    settings = Settings()
    # The shipped grader's figures, even where a team has fitted its scale in the data folder.
    scorer = build_scorer(settings, "offline", shipped_scale=True)
    out: dict[str, Any] = {}
    for name in datasets:
        every = load_rows(data, name, alternatives=alternatives)
        train = [r for r in every if r.split == "train"]  # for the constant baseline
        for split in splits:
            rows = [r for r in every if r.split == split]
            if not rows:
                continue
            start = time.perf_counter()
            report = evaluate(rows, scorer).model_dump(exclude={"label_classes"})
            report["seconds"] = round(time.perf_counter() - start, 1)
            report["constant_baseline"] = constant_baseline(train, rows)
            out[f"{name}/{split}"] = report
    return out


def latency(runs: int = 40) -> dict[str, float]:
    """p50/p95 ms of one offline grade of a ~200-word answer (grader alone, fresh texts)."""
    from interviewer.bank import adhoc_question
    from interviewer.grading import shared_embedder, shared_sentence_encoder
    from interviewer.grading.base import GradeRequest
    from interviewer.grading.similarity import SimilarityGrader

    settings = Settings()
    grader = SimilarityGrader(
        embedder=shared_embedder(settings.models_dir),
        sentences=shared_sentence_encoder(settings.models_dir),
        prompts_dir=settings.prompts_dir,
    )
    question = adhoc_question(
        "Why does a GAN generator suffer from vanishing gradients early in training?",
        "Early on the discriminator easily rejects generated samples. With the minimax loss "
        "log(1 - D(G(z))) saturates, so the generator's gradient vanishes. The non-saturating "
        "loss maximizes log D(G(z)) instead, which gives strong gradients when D is confident. "
        "Wasserstein losses also keep gradients informative.",
    )
    base = (
        "At the start the discriminator wins easily because fake samples look nothing like real "
        "data, so D(G(z)) is close to zero. The original minimax objective has the generator "
        "minimize log(1 - D(G(z))), and that curve is flat near zero, which means the gradient "
        "that reaches the generator is tiny and learning stalls. In practice we use the "
        "non-saturating loss where the generator maximizes log D(G(z)); it has the same fixed "
        "point but large gradients exactly when the generator is bad. Another fix is the "
        "Wasserstein loss with a critic, since the critic's output stays informative even when "
        "the distributions do not overlap, for example with gradient penalty to keep it "
        "Lipschitz. Label smoothing or adding noise to the discriminator inputs also helps, "
        "but they trade some sharpness for stability. Balancing the learning rates of the two "
        "networks matters too, because a discriminator that is too strong starves the "
        "generator of signal, while a weak one gives useless feedback and mode collapse can "
        "appear in both cases. Finally, spectral normalization of the discriminator's layers "
        "bounds its Lipschitz constant cheaply, and two time-scale update rules let the "
        "discriminator learn faster without overwhelming the generator early on."
    )
    grader.grade(GradeRequest(question=question, answer=base))  # warm-up: ONNX session set-up
    times = []
    for i in range(runs):
        answer = f"Attempt {i}: {base}"  # varied so nothing is reused
        start = time.perf_counter()
        grader.grade(GradeRequest(question=question, answer=answer))
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "answer_words": len(f"Attempt 0: {base}".split()),
        "runs": runs,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (runs - 1))], 1),
    }


def run(
    data: Path = DATA,
    datasets: tuple[str, ...] = DATASETS,
    splits: tuple[str, ...] = SPLITS,
    *,
    alternatives: bool = True,
) -> dict[str, Any]:
    """All figures (entry point of bench/run_all.py)."""
    return {
        "offline_grade_latency": latency(),
        "agreement": agreement_figures(
            data, list(datasets), list(splits), alternatives=alternatives
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--splits", default=",".join(SPLITS))
    parser.add_argument(
        "--single-reference",
        action="store_true",
        help="Ignore {dataset}_references.jsonl: grade against each row's reference alone.",
    )
    args = parser.parse_args()
    result = run(
        args.data,
        tuple(args.datasets.split(",")),
        tuple(args.splits.split(",")),
        alternatives=not args.single_reference,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
