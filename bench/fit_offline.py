"""Fit the offline grader's parameters on the train splits and write offline_params.json.

What is fitted (see ``interviewer/grading/similarity.py`` for how the grader uses it):

1. The answer-level match ``m``: a logistic model of the alignment measures in ``FEATURES``
   (whole, recall_full, sentence), fitted to the human score / 5 as a soft label, with each
   dataset weighted equally (a few robust measures combined simply generalized better to unseen
   questions than a learned model of many features on this data); its weights from each
   answer against its own row's reference, then its intercept again on the measures the
   grader reads (against the best-matching accepted answer).
2. The share of a key point's own alignment in its match (and of the second encoder's
   cosine in that own alignment), the two verdict thresholds, the
   depth map (``m`` bounds for depth 0 and 5) and the longest answer span read for a
   contradiction, by grid search. The rubric weights and the
   communication measure are fixed, so the overall is the rubric's weighted mean of the
   assessed criteria, exactly as in the product; answers the guards reject count as 0, as in
   the product.

Objective of the grid: the mean over datasets of (Pearson + QWK) / 2 of the overall score,
plus its RMSE skill, 1 - RMSE / the dataset's constant predictor's RMSE (the three datasets use
different label conventions; this favours settings that hold on all of them).

Data: ``split == "train"`` rows only of ``../shared/data/{saf_en,scientsbank_2way,beetle}.jsonl``
(a seeded random sample of at most ``--per-dataset`` rows each, to keep the fit quick). Beetle's
rows carry their question's other accepted answers (``beetle_references.jsonl``, see
``bench/devdata.py``); each answer is measured against the one it matches best under the
current parameters, as the grader does.

Run: ``.venv/bin/python bench/fit_offline.py [--per-dataset 2000] [--dry-run]``
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import pickle
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from devdata import DATA, DATASETS, load_rows

from interviewer.grading import shared_embedder, shared_sentence_encoder, similarity
from interviewer.grading.evaluation import EvalItem, quadratic_kappa, to_request
from interviewer.grading.guards import check_answer
from interviewer.grading.rubric import load_rubric
from interviewer.grading.similarity import (
    DEFAULT_PARAMS_PATH,
    FEATURES,
    MEASURES,
    STATED_ALIGNMENT,
    CachedEmbedder,
    OfflineParams,
    SimilarityGrader,
)
from interviewer.settings import PROJECT_ROOT, Settings

# At least half of a key point's match is its own alignment: with less, a key point the answer
# never states was "covered" on the strength of the rest of the answer.
SHARE = (0.5, 0.6, 0.75, 0.9, 1.0)
# Share of the second encoder's key point cosine in a key point's own alignment; the rest is the
# word alignment, which also decides whether a key point is stated and which span is quoted.
SENTENCE_SHARE = (0.0, 0.25, 0.5)
THRESHOLDS = tuple(round(x, 2) for x in np.arange(0.25, 0.95, 0.05))
# Not below 0.25: unrelated text aligns with a key point at ~0.1, and a lower partly threshold
# gave such answers partial credit through the answer-level match alone (a fluff answer scored
# 2.1 of 5), which the train objective alone does not punish.
# Up to 0.7: with the RMSE term rewarding a grade closer than the constant's, the best point
# sat at 0.4, the grid's edge until 2026-11-27.
DEPTH_LOW = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
DEPTH_HIGH = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
MAX_WORDS = (8, 12, 16, 24, 10_000)  # contradiction_max_words (10,000: no limit)
MAX_KEY_POINTS = 8  # ad-hoc questions keep at most 8
CACHE = Path("/tmp/interviewer-fit-measures")  # outside the repo, safe to delete


@dataclass
class _Data:
    """One dataset's train sample as arrays: what every trial's overall is computed from."""

    human: np.ndarray
    features: np.ndarray  # rows x MEASURES
    key_points: np.ndarray  # rows x MAX_KEY_POINTS key-point alignments (NaN padding)
    communication: np.ndarray
    rejected: np.ndarray  # the guards gave 0
    contradiction_words: np.ndarray  # shortest span found contradicting a key point (inf: none)
    key_point_sentences: np.ndarray  # rows x MAX_KEY_POINTS second-encoder cosines (NaN padding)


def _measure(settings: Settings, items: list[EvalItem]) -> _Data:
    """Run the product's guards and measures on every item (cached on disk by content)."""
    key = hashlib.sha256(
        json.dumps([i.model_dump() for i in items], sort_keys=True).encode()
        + repr(MEASURES).encode()
        # Any change to how answers are measured or key points derived invalidates the cache.
        + b"".join(
            (PROJECT_ROOT / "interviewer" / f).read_bytes()
            for f in ("bank.py", "grading/similarity.py", "grading/alignment.py")
        )
        + DEFAULT_PARAMS_PATH.read_bytes()  # best_reference() picks by the current match
        + Path(__file__).read_bytes()  # and what is kept of them
    ).hexdigest()[:16]
    path = CACHE / f"{key}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    inner = shared_embedder(settings.models_dir)
    embedder = CachedEmbedder(inner)
    grader = SimilarityGrader(
        embedder=embedder,
        sentences=shared_sentence_encoder(settings.models_dir),
        prompts_dir=settings.prompts_dir,
    )
    # Every contradiction's span length is kept: the grid chooses how long a span may be.
    grader.params = grader.params.model_copy(update={"contradiction_max_words": 10_000})
    requests = [to_request(i) for i in items]
    guarded = [
        check_answer(r.question, r.answer, models_dir=settings.models_dir, embedder=inner)
        for r in requests
    ]
    requests = [
        r.model_copy(update={"answer": g.answer}) for r, g in zip(requests, guarded, strict=True)
    ]
    embedder.warm(
        t
        for r, g in zip(requests, guarded, strict=True)
        if g.reject is None
        for t in grader.texts_to_embed(r)
    )
    n = len(items)
    features = np.zeros((n, len(MEASURES)))
    kps = np.full((n, MAX_KEY_POINTS), np.nan)
    kp_sentences = np.full((n, MAX_KEY_POINTS), np.nan)
    comm = np.zeros(n)
    contradiction_words = np.full(n, np.inf)
    rejected = np.array([g.reject is not None for g in guarded])
    for row, request in enumerate(requests):
        if rejected[row]:
            continue
        _, measures, m = grader.best_reference(request)
        # Contradictions depend on the alignments only; the grid picks the longest span read.
        found = grader._contradictions(grader._match(measures, m, None))
        if found:
            contradiction_words[row] = min(len(similarity._words(span)) for _, span, _ in found)
        features[row] = [measures.features[f] for f in MEASURES]
        align = measures.key_point_alignment[:MAX_KEY_POINTS]
        kps[row, : len(align)] = align
        kp_sentences[row, : len(align)] = measures.key_point_sentence[:MAX_KEY_POINTS]
        comm[row] = grader._communication(request.answer).score or 0.0
    data = _Data(
        np.array([i.score for i in items]),
        features,
        kps,
        comm,
        rejected,
        contradiction_words,
        kp_sentences,
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(data))
    return data


def _columns(d: _Data) -> np.ndarray:
    """The measures the match model uses (FEATURES), in order."""
    return d.features[:, [MEASURES.index(f) for f in FEATURES]]


def _fit_logistic(data: dict[str, _Data], l2: float = 1e-3) -> tuple[np.ndarray, float]:
    """Weighted logistic regression on soft labels (score / 5) by Newton's method.

    Each dataset gets the same total weight; rows the guards reject are left out (their grade
    does not depend on the measures).
    """
    xs, ys, ws = [], [], []
    for d in data.values():
        keep = ~d.rejected
        xs.append(_columns(d)[keep])
        ys.append(d.human[keep] / 5.0)
        ws.append(np.full(keep.sum(), 1.0 / keep.sum()))
    x = np.column_stack([np.ones(sum(len(a) for a in xs)), np.vstack(xs)])
    y, w = np.concatenate(ys), np.concatenate(ws)
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-x @ beta))
        grad = x.T @ (w * (p - y)) + l2 * np.r_[0.0, beta[1:]]
        hess = (x * (w * p * (1 - p))[:, None]).T @ x + l2 * np.diag(
            np.r_[0.0, np.ones(len(beta) - 1)]
        )
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[1:], float(beta[0])


def _fit_intercept(data: dict[str, _Data], coef: np.ndarray, intercept: float) -> float:
    """The intercept of ``m`` re-fitted, its weights kept, on the measures the grader reads.

    The weights are learnt against each row's own reference (see :func:`fit`), but the grader
    reads an answer against its best-matching accepted answer, which matches more: Beetle's
    grades came out 0.9 above its human mean on train. Same loss as :func:`_fit_logistic`
    (each dataset weighted equally, rejected rows left out), one parameter, Newton's method.
    """
    for _ in range(50):
        grad = hess = 0.0
        for d in data.values():
            keep = ~d.rejected
            p = 1.0 / (1.0 + np.exp(-(intercept + _columns(d)[keep] @ coef)))
            grad += float(np.mean(p - d.human[keep] / 5.0))
            hess += float(np.mean(p * (1 - p)))
        step = grad / hess
        intercept -= step
        if abs(step) < 1e-8:
            break
    return intercept


def _metrics(human: np.ndarray, predicted: np.ndarray, constant_rmse: float) -> dict[str, float]:
    predicted = np.round(predicted, 1)
    pearson = float(np.corrcoef(human, predicted)[0, 1]) if np.ptp(predicted) > 0 else 0.0
    qwk = quadratic_kappa(human, predicted) or 0.0  # half up, as `eval grader` and `calibrate`
    rmse = float(np.sqrt(np.mean((human - predicted) ** 2)))
    return {
        "pearson": round(pearson, 4),
        "qwk": round(qwk, 4),
        "rmse": round(rmse, 4),
        "constant_rmse": round(constant_rmse, 4),
    }


def _objective(per_dataset: dict[str, dict[str, float]]) -> float:
    """Mean over datasets of (Pearson + QWK) / 2 plus the RMSE skill 1 - RMSE / constant RMSE.

    The skill counts both ways. Until 2026-11-27 only an RMSE above the constant's was
    penalized, so nothing pulled a dataset's grades toward its scale once they beat the
    constant on train: Beetle's train grades averaged 0.9 above the human mean, and on its
    unseen questions the RMSE was above the constant's (2.38 against 2.22).
    """
    values = []
    for m in per_dataset.values():
        skill = 1.0 - m["rmse"] / m["constant_rmse"]
        values.append((m["pearson"] + m["qwk"]) / 2 + skill)
    return float(np.mean(values))


def _overall(
    d: _Data, m: np.ndarray, weights: tuple[float, float, float, float], grid: dict[str, float]
) -> np.ndarray:
    """The product's overall score for every row under one grid point."""
    share, partly, covered = grid["key_point_share"], grid["partly"], grid["covered"]
    w = grid["key_point_sentence_share"]
    own = (1 - w) * d.key_points + w * d.key_point_sentences
    match = share * own + (1 - share) * m[:, None]
    # As similarity.key_point_scores: a key point stated in the answer counts by itself.
    match = np.where(d.key_points >= STATED_ALIGNMENT, np.maximum(match, d.key_points), match)
    value = np.where(match >= covered, 1.0, np.where(match >= partly, 0.5, 0.0))
    value = np.where(np.isnan(match), np.nan, value)
    counted = np.maximum(1, (~np.isnan(value)).sum(axis=1))  # rejected rows have no measures
    coverage = 5.0 * np.nansum(value, axis=1) / counted
    span = grid["high"] - grid["low"]
    depth = np.round(5.0 * np.clip((m - grid["low"]) / span, 0.0, 1.0), 2)
    depth = np.where(coverage > 0, depth, 0.0)  # nothing matched: depth 0, as in the grader
    wr, wc, wd, wm = weights
    # Correctness is assessed (1 of 5) only where a contradiction was found, as in the grader.
    wr = np.where(d.contradiction_words <= grid["max_words"], wr, 0.0)
    # Communication is assessed only where a key point was found, as in the grader.
    wm = np.where(coverage > 0, wm, 0.0)
    overall = (wr * 1.0 + wc * coverage + wd * depth + wm * d.communication) / (wr + wc + wd + wm)
    return np.where(d.rejected, 0.0, np.round(overall, 1))


def fit(per_dataset: int, seed: int = 0) -> OfflineParams:
    """Fit the match model, then grid-search the rest on the train splits."""
    settings = Settings()
    rubric = load_rubric(settings.prompts_dir)
    weights = tuple(rubric.weight(c) for c in ("correctness", "coverage", "depth", "communication"))
    data: dict[str, _Data] = {}
    plain: dict[str, _Data] = {}
    sources = []
    for name in DATASETS:
        items = load_rows(DATA, name, "train")
        rng = np.random.default_rng(seed)
        chosen = sorted(rng.permutation(len(items))[:per_dataset])
        sample = [items[i] for i in chosen]
        data[name] = _measure(settings, sample)
        # The match model learns from each answer against its own row's reference: choosing
        # the best of several accepted answers by the match itself would bias what it learns
        # (recall's weight came out negative). The grid below sees what the grader computes.
        plain[name] = (
            _measure(settings, [i.model_copy(update={"alternative_answers": None}) for i in sample])
            if any(i.alternative_answers for i in sample)
            else data[name]
        )
        alternatives = " (other accepted answers from its _references file)" * any(
            i.alternative_answers for i in items
        )
        sources.append(
            f"{name}.jsonl split=train: {len(chosen)} of {len(items)} rows (seed {seed})"
            + alternatives
        )
    coef, intercept = _fit_logistic(plain)
    intercept = _fit_intercept(data, coef, intercept)
    m = {n: 1.0 / (1.0 + np.exp(-(intercept + _columns(d) @ coef))) for n, d in data.items()}
    constant = {n: float(np.std(d.human)) for n, d in data.items()}
    best: tuple[float, dict[str, float], dict[str, dict[str, float]]] | None = None
    for share, sentence_share, partly, covered, low, high, max_words in itertools.product(
        SHARE, SENTENCE_SHARE, THRESHOLDS, THRESHOLDS, DEPTH_LOW, DEPTH_HIGH, MAX_WORDS
    ):
        if covered <= partly or high <= low:
            continue
        grid = {
            "key_point_share": share,
            "key_point_sentence_share": sentence_share,
            "partly": partly,
            "covered": covered,
            "low": low,
            "high": high,
            "max_words": max_words,
        }
        per = {
            n: _metrics(d.human, _overall(d, m[n], weights, grid), constant[n])
            for n, d in data.items()
        }
        value = _objective(per)
        if best is None or value > best[0]:
            best = (value, grid, per)
    assert best is not None
    value, grid, per = best
    return OfflineParams(
        coefficients={f: round(float(c), 4) for f, c in zip(FEATURES, coef, strict=True)},
        intercept=round(intercept, 4),
        key_point_share=grid["key_point_share"],
        key_point_sentence_share=grid["key_point_sentence_share"],
        partly_threshold=grid["partly"],
        covered_threshold=grid["covered"],
        depth_low=grid["low"],
        depth_high=grid["high"],
        contradiction_max_words=int(grid["max_words"]),
        fitted_at=time.strftime("%Y-%m-%d", time.gmtime()),
        fitted_on=sources,
        method=(
            "bench/fit_offline.py: logistic model of the alignment measures on score/5 (datasets "
            "weighted equally; intercept re-fitted on the best accepted answer's measures), "
            "then a grid search of key_point_share x "
            "key_point_sentence_share x partly_threshold x "
            "covered_threshold x depth_low x depth_high x contradiction_max_words maximizing "
            "the mean over datasets of "
            "(Pearson + QWK)/2 of the overall score plus its RMSE skill (1 - RMSE / the constant "
            f"predictor's RMSE); objective {value:.4f}"
        ),
        train_metrics=per,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-dataset", type=int, default=2000)
    parser.add_argument(
        "--dry-run", action="store_true", help="Print the parameters, do not write them"
    )
    args = parser.parse_args()
    params = fit(args.per_dataset)
    text = params.model_dump_json(indent=2) + "\n"
    print(text)
    if not args.dry_run:
        DEFAULT_PARAMS_PATH.write_text(text, encoding="utf-8")
        print(json.dumps({"written": str(DEFAULT_PARAMS_PATH)}))


if __name__ == "__main__":
    main()
