"""The offline grader: key-point matching with sentence embeddings plus lexical overlap.

No network and no LLM. For every key point of the question (derived from the reference answer's
sentences or clauses when the question has none), the grader finds the answer's best-matching
sentence or clause and gives a verdict (covered / partly / missed) quoting that text verbatim.
Before comparing, words that already appear in the question are removed from both sides: an
answer that restates the question must not look like it covers the key points (the largest
single gain measured on the development data). The match of a key point with an answer span is
``w * cosine(MiniLM embeddings) + (1 - w) * share of the key point's content words found``,
blended with the whole answer's similarity to the whole reference (share ``b``), which credits
a point made across several sentences; the quote is always the best span.

Criteria, honestly limited to what such features can measure:

- coverage: from the verdicts (:func:`interviewer.grading.rubric.coverage_score`);
- depth: how much of the reference's explanation the answer carries (its whole-answer similarity
  to the reference and the share of the reference's content words beyond the question it uses),
  mapped linearly to 0-5 by fitted bounds; 0 when no key point is matched. Length alone earns
  nothing;
- communication: sentence length, repetition and structure;
- correctness: "not assessed" unless a span that clearly matches a key point contradicts it (a
  negation or an antonym the key point does not have); then it is scored low and the key point
  is named.

The weights ``w``, ``b``, the verdict thresholds and the depth map are fitted by
``bench/fit_offline.py`` on the train splits of the development data and stored in
``grading/data/offline_params.json``.
Stemming is a small hand-written suffix stripper (a stemming library would add a dependency
for five rules).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from interviewer.errors import ConfigError
from interviewer.grading.base import (
    CriterionScore,
    Grade,
    GradeRequest,
    GraderInfo,
    KeyPointVerdict,
    Verdict,
)
from interviewer.grading.rubric import coverage_score, load_rubric, overall_score, prompt_version
from interviewer.knowledge.embeddings import Embedder, Vectors
from interviewer.retrieval import Citation

__all__ = [
    "DEFAULT_PARAMS_PATH",
    "CachedEmbedder",
    "KeyPointMatch",
    "OfflineParams",
    "Similarities",
    "SimilarityGrader",
    "answer_spans",
    "content_stems",
    "depth_evidence",
    "depth_score",
    "load_params",
    "match_key_points",
]

DEFAULT_PARAMS_PATH = Path(__file__).parent / "data" / "offline_params.json"

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just let me
    more most my myself of off on once only or other our ours out over own same she should so
    some such than that the their theirs them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you
    your yours yourself one two get got use used using give explain describe name state briefly
    question answer e g i.e etc""".split()
)
_NEGATIONS = frozenset(
    {"not", "no", "never", "none", "nothing", "neither", "nor", "cannot", "without"}
)
# Pairs whose swap turns a statement into its contradiction; kept short and general on purpose.
_ANTONYMS = {
    frozenset(p)
    for p in [
        ("increase", "decrease"),
        ("high", "low"),
        ("higher", "lower"),
        ("more", "less"),
        ("open", "closed"),
        ("open", "close"),
        ("series", "parallel"),
        ("true", "false"),
        ("larger", "smaller"),
        ("large", "small"),
        ("faster", "slower"),
        ("positive", "negative"),
        ("maximize", "minimize"),
        ("maximum", "minimum"),
        ("same", "different"),
        ("convex", "concave"),
        ("overfit", "underfit"),
        ("stable", "unstable"),
        ("connected", "disconnected"),
        ("before", "after"),
        ("always", "never"),
    ]
}
_QUESTION_MEMO_SIZE = 4096  # key-point and reference vectors kept (1.5 KB each)
_MARKERS = (
    "because",
    "since",
    "therefore",
    "thus",
    "hence",
    "so that",
    "which means",
    "due to",
    "leads to",
    "lead to",
    "results in",
    "causes",
    "for example",
    "for instance",
    "e.g.",
    "such as",
    "trade-off",
    "tradeoff",
    "however",
    "whereas",
    "instead",
    "unless",
    "otherwise",
    "in contrast",
    "the reason",
    "this means",
    "as a result",
)
_CLAUSE_SPLIT = re.compile(
    r",\s+|\s+(?:and|but|because|so|while|which|since|whereas|whereby|thus|therefore)\s+", re.I
)
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\s*\n+\s*(?:[-*•]|\d+[.)])?\s*")


class OfflineParams(BaseModel):
    """Fitted parameters of the offline grader, with where they came from."""

    model_config = ConfigDict(extra="forbid")

    embed_weight: float = Field(ge=0, le=1, description="w in w*cosine + (1-w)*lexical recall")
    whole_weight: float = Field(
        default=0.0, ge=0, le=1, description="b: share of the whole-answer similarity in a match"
    )
    covered_threshold: float = Field(description="Match at or above which a key point is covered")
    partly_threshold: float = Field(
        description="Match at or above which a key point is partly covered"
    )
    contradiction_min_match: float = Field(
        default=0.55, description="A span must match a key point this well before a negation counts"
    )
    depth_whole_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Share of the whole-answer similarity (vs reference-word recall) in depth",
    )
    depth_low: float = Field(
        default=0.1, ge=0, le=1, description="Depth evidence at or below which depth is 0"
    )
    depth_high: float = Field(
        default=0.4, gt=0, le=1, description="Depth evidence at or above which depth is 5"
    )
    fitted_at: str = ""
    fitted_on: list[str] = Field(default_factory=list)
    method: str = ""
    train_metrics: dict[str, dict[str, float]] = Field(default_factory=dict)


def load_params(path: Path | None = None) -> OfflineParams:
    """Load the fitted parameters (the shipped file by default).

    Raises:
        ConfigError: The file is missing or invalid; re-run ``bench/fit_offline.py``.
    """
    path = path or DEFAULT_PARAMS_PATH
    try:
        return OfflineParams.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"Offline grader parameters not found at {path}; run bench/fit_offline.py."
        ) from exc
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ConfigError(
            f"{path} is invalid ({exc}); run bench/fit_offline.py to rewrite it."
        ) from exc


class CachedEmbedder:
    """Wraps an embedder with a memo so a dataset can be embedded once, in large batches."""

    def __init__(self, inner: Embedder) -> None:
        self.name = inner.name
        self.dim = inner.dim
        self._inner = inner
        self._memo: dict[str, np.ndarray] = {}

    def warm(self, texts: Iterable[str]) -> None:
        """Embed every text not yet known, in one batched call."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if todo:
            for text, vec in zip(todo, self._inner.embed(todo), strict=True):
                self._memo[text] = vec

    def embed(self, texts: list[str]) -> Vectors:
        """Embed texts, reusing memoized vectors."""
        self.warm(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._memo[t] for t in texts]).astype(np.float32)


# --- text features ---------------------------------------------------------------------------


def _stem(word: str) -> str:
    w = word.lower().replace("’", "'")
    if w.endswith("n't"):
        return "not"
    w = w.split("'")[0]
    for suffix, repl in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ing", ""),
        ("edly", ""),
        ("ed", ""),
        ("ly", ""),
        ("es", ""),
        ("s", ""),
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss"):
            return w[: len(w) - len(suffix)] + repl
    return w


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def content_stems(text: str) -> list[str]:
    """Stems of the content words of ``text`` (stopwords and negations dropped), in order."""
    out = []
    for word in _words(text):
        low = word.lower()
        if low in _STOPWORDS or low in _NEGATIONS or low.endswith("n't"):
            continue
        out.append(_stem(low))
    return out


def _without(text: str, drop: set[str]) -> str:
    """The text's words minus those whose stem is in ``drop`` (stopwords kept for fluency)."""
    kept = [w for w in _words(text) if w.lower() in _STOPWORDS or _stem(w) not in drop]
    has_content = any(w.lower() not in _STOPWORDS for w in kept)
    return " ".join(kept) if has_content else ""


def answer_spans(answer: str, *, max_sentences_with_clauses: int = 4) -> list[str]:
    """Sentences of the answer, and their clauses, each a verbatim substring of it.

    Clauses are added only when the answer has at most ``max_sentences_with_clauses`` sentences:
    they matter for short answers, and on long ones they would double the texts to embed (the
    grade's latency) for little gain.
    """
    sentences = [s.strip(" \t-*•;:,") for s in _SENTENCE_END.split(answer)]
    sentences = [s for s in sentences if _words(s)]
    spans: list[str] = []
    for sentence in sentences:
        spans.append(sentence)
        if len(sentences) > max_sentences_with_clauses:
            continue
        parts = [p.strip(" ,;") for p in _CLAUSE_SPLIT.split(sentence) if p and p.strip()]
        if len(parts) > 1:
            spans.extend(p for p in parts if len(_words(p)) >= 2 and p in answer)
    # Short answers are also compared whole: a key point may span two short sentences.
    whole = answer.strip()
    if len(spans) > 1 and len(_words(whole)) <= 40:
        spans.append(whole)
    return list(dict.fromkeys(s for s in spans if s in answer))


def _polarity(text: str) -> bool:
    low = text.lower()
    return any(w.lower() in _NEGATIONS or w.lower().endswith("n't") for w in _words(low))


def _contradicts(key_point: str, span: str) -> str:
    """Why ``span`` contradicts ``key_point`` (negation or antonym mismatch), or ''."""
    if _polarity(key_point) != _polarity(span):
        return "negation"
    kp_words = {w.lower() for w in _words(key_point)}
    span_words = {w.lower() for w in _words(span)}
    for pair in _ANTONYMS:
        a, b = tuple(pair)
        if (a in kp_words and b in span_words and b not in kp_words and a not in span_words) or (
            b in kp_words and a in span_words and a not in kp_words and b not in span_words
        ):
            return f"'{a}' vs '{b}'"
    return ""


@dataclass(frozen=True)
class KeyPointMatch:
    """How well the answer's best span matches one key point."""

    key_point: str
    span: str
    cosine: float
    lexical: float
    score: float


@dataclass(frozen=True)
class _Prepared:
    key_points: list[str]
    spans: list[str]
    kp_texts: list[str]
    span_texts: list[str]
    question_stems: set[str]
    reference_text: str


@dataclass(frozen=True)
class Similarities:
    """Raw similarities of one answer: what the fitted parameters act on."""

    key_points: list[str]
    spans: list[str]
    cosine: np.ndarray  # key points x spans, embeddings with question words removed
    lexical: np.ndarray  # key points x spans, share of the key point's content words in the span
    whole: float  # the whole answer vs the whole reference


def match_key_points(sims: Similarities, params: OfflineParams) -> list[KeyPointMatch]:
    """Each key point's best span and its match score under ``params``.

    match = (1 - b) * (w * cosine + (1 - w) * overlap of the best span) + b * whole-answer
    similarity: the second term credits a point made across sentences; the quote is the span.
    """
    w, b = params.embed_weight, params.whole_weight
    local = w * sims.cosine + (1 - w) * sims.lexical
    out = []
    for i, kp in enumerate(sims.key_points):
        # Ties (e.g. a clause and its sentence) go to the shorter, more precise span.
        best = max(
            range(len(sims.spans)),
            key=lambda j: (round(float(local[i, j]), 6), -len(sims.spans[j])),
        )
        score = (1 - b) * float(local[i, best]) + b * sims.whole
        out.append(
            KeyPointMatch(
                kp,
                sims.spans[best],
                float(sims.cosine[i, best]),
                float(sims.lexical[i, best]),
                score,
            )
        )
    return out


def depth_evidence(
    request: GradeRequest, whole: float, params: OfflineParams
) -> tuple[float, float]:
    """The depth evidence of an answer and its reference-word recall.

    evidence = s * whole-answer similarity + (1 - s) * share of the reference's content words
    (beyond the question) that the answer uses: it grows with how much of the reference's
    explanation the answer carries, not with the answer's length.
    """
    q_stems = set(content_stems(request.question.text))
    reference = request.question.model_answer or " ".join(request.question.key_points)
    ref_stems = set(content_stems(reference)) - q_stems
    answer_stems = set(content_stems(request.answer)) - q_stems
    recall = len(ref_stems & answer_stems) / max(1, len(ref_stems))
    share = params.depth_whole_share
    return share * whole + (1 - share) * recall, recall


def depth_score(evidence: float, params: OfflineParams) -> float:
    """Depth 0-5: the fitted linear map of the evidence, clipped (``depth_low``/``depth_high``)."""
    span = max(1e-6, params.depth_high - params.depth_low)
    return round(5.0 * min(1.0, max(0.0, (evidence - params.depth_low) / span)), 2)


# --- the grader ------------------------------------------------------------------------------


class SimilarityGrader:
    """Offline grader: deterministic, no network; a grade explains what it measured."""

    name = "offline"

    def __init__(
        self, *, embedder: Embedder, prompts_dir: Path, params_path: Path | None = None
    ) -> None:
        self._embedder = embedder
        self._prompts_dir = prompts_dir
        self._rubric = load_rubric(prompts_dir)
        self._version = prompt_version(prompts_dir)
        self.params = load_params(params_path)
        self._question_vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()  # graders are shared by parallel batch grading

    # Public so a batch evaluation can embed a whole dataset at once (see CachedEmbedder.warm).
    def texts_to_embed(self, request: GradeRequest) -> list[str]:
        """Every text :meth:`grade` will embed for this request."""
        prep = self._prepare(request)
        return [t for t in [*prep.kp_texts, *prep.span_texts, prep.reference_text] if t]

    def match(self, request: GradeRequest) -> list[KeyPointMatch]:
        """Best-matching answer span of every key point, with its scores."""
        prep = self._prepare(request)
        return self._match(prep)

    def grade(self, request: GradeRequest) -> Grade:
        """Grade one answer by key-point similarity to the reference."""
        start = time.perf_counter()
        question = request.question
        prep = self._prepare(request)
        sims = self._similarities(prep) if prep.spans else None
        matches = self._match(prep, sims)
        verdicts = [self._verdict(m) for m in matches]
        coverage = coverage_score(verdicts)
        contradictions = self._contradictions(matches)
        criteria = [
            self._correctness(contradictions),
            CriterionScore(
                criterion="coverage",
                score=coverage,
                rationale=self._coverage_rationale(verdicts),
            ),
            self._depth(request, verdicts, sims.whole if sims else 0.0),
            self._communication(request.answer),
        ]
        return Grade(
            question_id=question.id,
            question_version=question.version,
            overall=overall_score(criteria, self._rubric),
            criteria=criteria,
            key_points=verdicts,
            factual_errors=[
                f"Contradicts the key point: {kp} ({why})" for kp, _, why in contradictions
            ],
            feedback=self._feedback(verdicts, request, contradictions),
            model_answer=question.model_answer or " ".join(question.key_points),
            follow_up=self._follow_up(verdicts),
            sources=_sources(request),
            message=(
                "Automatic similarity-based grade (offline): key points matched by sentence "
                "embeddings and word overlap; correctness is not judged unless a contradiction "
                "is detected. Use the LLM grader for a judgement of accuracy."
            ),
            grader=GraderInfo(
                kind="offline",
                model=self._embedder.name,
                prompt_version=self._version,
                latency_ms=round((time.perf_counter() - start) * 1000, 2),
            ),
        )

    # --- matching ----------------------------------------------------------------------------

    def _prepare(self, request: GradeRequest) -> _Prepared:
        question = request.question
        q_stems = set(content_stems(question.text))
        key_points = list(question.key_points)
        spans = answer_spans(request.answer)
        kp_texts = [_without(kp, q_stems) or kp for kp in key_points]
        span_texts = [_without(s, q_stems) for s in spans]
        reference = question.model_answer or " ".join(key_points)
        reference_text = _without(reference, q_stems) or reference
        return _Prepared(key_points, spans, kp_texts, span_texts, q_stems, reference_text)

    def similarities(self, request: GradeRequest) -> Similarities:
        """Cosine and word-overlap matrices (key points x spans) and the whole-answer similarity.

        Public for ``bench/fit_offline.py``, which fits the parameters on exactly these numbers.
        """
        return self._similarities(self._prepare(request))

    def _similarities(self, prep: _Prepared) -> Similarities:
        n_kp, n_span = len(prep.key_points), len(prep.spans)
        texts = prep.kp_texts + [t for t in prep.span_texts if t] + [prep.reference_text]
        vecs = self._embed(texts, reusable=set(prep.kp_texts) | {prep.reference_text})
        kp_vecs = vecs[:n_kp]
        span_vecs = np.zeros((n_span, vecs.shape[1]), dtype=np.float32)
        nonempty = [i for i, t in enumerate(prep.span_texts) if t]
        span_vecs[nonempty] = vecs[n_kp:-1]
        cos = np.clip(kp_vecs @ span_vecs.T, 0.0, 1.0)
        full_stems = [set(content_stems(s)) for s in prep.spans]
        lex = np.zeros((n_kp, n_span), dtype=np.float32)
        for i, kp in enumerate(prep.key_points):
            kp_stems = set(content_stems(kp)) - prep.question_stems
            if kp_stems:
                span_stems = [stems - prep.question_stems for stems in full_stems]
            else:
                # A key point made only of question words (common when a one-sentence reference
                # restates the question) is compared whole with whole spans: with the question's
                # words removed on one side only, it could never match at all.
                kp_stems, span_stems = set(content_stems(kp)), full_stems
            for j, stems in enumerate(span_stems):
                lex[i, j] = len(kp_stems & stems) / len(kp_stems) if kp_stems else 0.0
        # The whole answer as the normalized mean of its spans' vectors: embedding a long answer
        # in one piece would pad the batch to 256 word pieces and cost ~100 ms.
        whole = 0.0
        if nonempty:
            mean = span_vecs[nonempty].mean(axis=0)
            norm = float(np.linalg.norm(mean))
            whole = max(0.0, float(mean @ vecs[-1]) / norm) if norm > 0 else 0.0
        return Similarities(prep.key_points, prep.spans, cos, lex, whole)

    def _embed(self, texts: list[str], reusable: set[str]) -> Vectors:
        """Embed texts; key points and references are the same for every answer: reuse them."""
        with self._lock:
            known = {t: self._question_vectors[t] for t in texts if t in self._question_vectors}
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        vectors = dict(zip(todo, self._embedder.embed(todo), strict=True)) if todo else {}
        with self._lock:
            for text in reusable & vectors.keys():
                if len(self._question_vectors) >= _QUESTION_MEMO_SIZE:
                    self._question_vectors.pop(next(iter(self._question_vectors)))
                self._question_vectors[text] = vectors[text]
        vectors.update(known)
        return np.stack([vectors[t] for t in texts])

    def _match(self, prep: _Prepared, sims: Similarities | None = None) -> list[KeyPointMatch]:
        if not prep.spans:
            return [KeyPointMatch(kp, "", 0.0, 0.0, 0.0) for kp in prep.key_points]
        return match_key_points(sims or self._similarities(prep), self.params)

    def _verdict(self, m: KeyPointMatch) -> KeyPointVerdict:
        verdict: Verdict
        if m.score >= self.params.covered_threshold:
            verdict = "covered"
        elif m.score >= self.params.partly_threshold:
            verdict = "partly"
        else:
            verdict = "missed"
        evidence = m.span if verdict != "missed" else ""
        return KeyPointVerdict(key_point=m.key_point, verdict=verdict, evidence=evidence)

    def _contradictions(self, matches: list[KeyPointMatch]) -> list[tuple[str, str, str]]:
        found = []
        for m in matches:
            if m.score >= self.params.contradiction_min_match and m.lexical >= 0.5:
                why = _contradicts(m.key_point, m.span)
                if why:
                    found.append((m.key_point, m.span, why))
        return found

    # --- criteria ----------------------------------------------------------------------------

    def _correctness(self, contradictions: list[tuple[str, str, str]]) -> CriterionScore:
        if not contradictions:
            return CriterionScore(
                criterion="correctness",
                score=None,
                rationale=(
                    "Not assessed: the offline grader cannot verify facts; it only detects a "
                    "sentence that negates a key point, and found none."
                ),
            )
        quoted = "; ".join(
            f'"{span}" vs key point "{kp}" ({why})' for kp, span, why in contradictions
        )
        return CriterionScore(
            criterion="correctness",
            score=1.0,
            rationale=(
                f"The answer appears to contradict {len(contradictions)} key point(s): {quoted}."
            ),
        )

    def _coverage_rationale(self, verdicts: list[KeyPointVerdict]) -> str:
        counts = {
            v: sum(1 for x in verdicts if x.verdict == v) for v in ("covered", "partly", "missed")
        }
        return (
            f"{counts['covered']} of {len(verdicts)} key points covered, "
            f"{counts['partly']} partly, {counts['missed']} missed (each key point compared with "
            "the answer's best-matching sentence or clause, by sentence embeddings and shared "
            "words, ignoring words of the question"
            + (
                f"; {self.params.whole_weight:.0%} of each match is the whole answer's "
                "similarity to the reference)."
                if self.params.whole_weight
                else ")."
            )
        )

    def _depth(
        self, request: GradeRequest, verdicts: list[KeyPointVerdict], whole: float
    ) -> CriterionScore:
        evidence, recall = depth_evidence(request, whole, self.params)
        if all(v.verdict == "missed" for v in verdicts):
            # Nothing in the answer matches a key point: there is nothing to go deeper on.
            score = 0.0
        else:
            score = depth_score(evidence, self.params)
        low = request.answer.lower()
        markers = sorted({mk for mk in _MARKERS if re.search(rf"\b{re.escape(mk)}", low)})
        shown = ", ".join(markers) if markers else "none"
        return CriterionScore(
            criterion="depth",
            score=score,
            rationale=(
                "Measured, not judged: how much of the reference's explanation the answer "
                f"carries: {recall:.0%} of the reference's content words beyond the question, "
                f"and a whole-answer similarity to the reference of {whole:.2f} (evidence "
                f"{evidence:.2f}; depth is 0 at {self.params.depth_low:g} or below and 5 at "
                f"{self.params.depth_high:g} or above, a linear map fitted on human-graded "
                "train data). Length alone earns nothing. Explanation markers seen (not "
                f"scored): {shown}."
            ),
        )

    @staticmethod
    def _communication(answer: str) -> CriterionScore:
        sentences = [s for s in _SENTENCE_END.split(answer) if _words(s)]
        words = _words(answer)
        n = len(words)
        if n == 0:
            return CriterionScore(
                criterion="communication", score=0.0, rationale="No words to read."
            )
        mean_len = n / max(1, len(sentences))
        distinct = len({w.lower() for w in words}) / n
        score = 5.0
        notes = []
        if n < 8:
            score -= 2.0
            notes.append("very short")
        if mean_len > 35:
            score -= 1.5
            notes.append(f"long sentences (about {mean_len:.0f} words each)")
        if n >= 20 and distinct < 0.4:
            score -= 1.5
            notes.append("much repetition")
        if n >= 60 and len(sentences) < 2:
            score -= 1.0
            notes.append("one unbroken block")
        detail = "; ".join(notes) if notes else "no problem found"
        return CriterionScore(
            criterion="communication",
            score=max(0.0, score),
            rationale=(
                f"Measured from form only: {n} words in {len(sentences)} sentence(s), "
                f"{distinct:.0%} distinct words; {detail}."
            ),
        )

    # --- feedback ----------------------------------------------------------------------------

    @staticmethod
    def _feedback(
        verdicts: list[KeyPointVerdict],
        request: GradeRequest,
        contradictions: list[tuple[str, str, str]],
    ) -> str:
        missed = [v.key_point for v in verdicts if v.verdict == "missed"]
        partly = [v.key_point for v in verdicts if v.verdict == "partly"]
        parts = []
        if contradictions:
            parts.append(
                "Check this statement, which seems to contradict the reference: "
                f'"{contradictions[0][1]}".'
            )
        if missed:
            parts.append(
                "Add the missing key points: " + "; ".join(_short(k) for k in missed[:3]) + "."
            )
        if partly:
            parts.append("State more precisely: " + "; ".join(_short(k) for k in partly[:2]) + ".")
        if not missed and not partly and not contradictions:
            parts.append(
                "Every key point is there; add a mechanism, a trade-off or an example to go deeper."
            )
        sources = _sources(request)
        if sources and (missed or partly):
            parts.append("Read: " + "; ".join(c.label() for c in sources[:3]) + ".")
        return " ".join(parts)

    @staticmethod
    def _follow_up(verdicts: list[KeyPointVerdict]) -> str:
        gap = next((v.key_point for v in verdicts if v.verdict == "missed"), None)
        gap = gap or next((v.key_point for v in verdicts if v.verdict == "partly"), None)
        if gap is None:
            return "Can you give a concrete example or a failure case of what you described?"
        return f"Can you explain this point: {_short(gap)}?"


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split()).rstrip(".")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _sources(request: GradeRequest) -> list[Citation]:
    seen: dict[tuple[str, str], Citation] = {}
    for chunk in request.evidence:
        seen.setdefault((chunk.document, chunk.heading), chunk.citation)
    if not seen:
        for ref in request.question.sources:
            seen.setdefault(
                (ref.document, ref.heading), Citation(document=ref.document, heading=ref.heading)
            )
    return list(seen.values())
