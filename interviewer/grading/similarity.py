"""The offline grader: token alignment of the answer with the reference, plus fitted calibration.

No network and no LLM. The answer is run once through MiniLM (sentence by sentence) and its
contextual word-piece vectors are aligned with those of the reference answer and of each key
point (:mod:`interviewer.grading.alignment`): recall = how much of the reference the answer
carries, precision = how much of the answer is about the reference. A second, independent
encoder (the Universal Sentence Encoder) compares the answer with the reference as whole texts.
Words of the question are left out on both sides (the largest single gain measured on the
development data): restating the question earns nothing. In an interview, so are the words of
the hints shown before the answer: repeating a hint earns nothing either.

A small logistic model, fitted by ``bench/fit_offline.py`` on the train splits of three public
human-graded datasets (pooled, each dataset weighted equally) combines these few measures into
one answer-level match ``m`` in [0, 1]. The criteria, honestly limited to what can be measured:

- coverage: per key point, from its own alignment with the answer blended with ``m``
  (share ``b``); verdicts by fitted thresholds; the quote is the sentence or clause of the
  answer that aligns best with the key point;
- depth: ``m`` mapped linearly to 0-5 by fitted bounds; 0 when no key point is matched.
  Length alone lowers precision, so it earns nothing;
- communication: sentence length, repetition and structure;
- correctness: "not assessed" unless a span that clearly matches a key point contradicts it (a
  negation or an antonym the key point does not have); then it is scored low.

Stemming is a small hand-written suffix stripper (a stemming library would add a dependency
for five rules).
"""

from __future__ import annotations

import bisect
import copy
import difflib
import functools
import hashlib
import json
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from threadpoolctl import threadpool_limits

from interviewer.bank import BankReader, Question, reference_key_points
from interviewer.errors import ConfigError
from interviewer.grading.alignment import (
    Aligned,
    content_tokens,
    cosines,
    precision,
    recall,
    span_masks,
    span_precisions,
    span_recalls,
)
from interviewer.grading.base import (
    CRITERIA,
    CriterionScore,
    Grade,
    GradeRequest,
    GraderInfo,
    KeyPointVerdict,
    Verdict,
    gap_follow_up,
    gives_example,
    going_further,
    hints_phrase,
)
from interviewer.grading.language import foreign_language
from interviewer.grading.rubric import (
    FEEDBACK_FALLBACK,
    coverage_score,
    load_rubric,
    overall_score,
    prompt_version,
)
from interviewer.grading.scale import (
    STATED_ALIGNMENT,
    Reading,
    Readings,
    Scale,
    TeamScale,
    apply_scale,
)
from interviewer.knowledge.embeddings import Embedder, TokenEmbedder, TokenVectors, Vectors
from interviewer.retrieval import Citation
from interviewer.text import counted, repeats, shorten

__all__ = [
    "DEFAULT_PARAMS_PATH",
    "FEATURES",
    "LLM_POINTERS",
    "CachedEmbedder",
    "KeyPointMatch",
    "Measures",
    "OfflineParams",
    "PeerBaseline",
    "STATED_ALIGNMENT",
    "SimilarityGrader",
    "answer_spans",
    "content_stems",
    "depth_score",
    "hint_stems",
    "key_point_scores",
    "load_params",
    "match_score",
    "measures_version",
    "sentence_ranges",
    "stale_team_scale",
]

DEFAULT_PARAMS_PATH = Path(__file__).parent / "data" / "offline_params.json"
log = logging.getLogger(__name__)

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
# Verbs and adjectives that state an absence: "fails to represent" and "does not represent" say
# the same thing, so both count as negated when polarities are compared (only there: they are
# content words for the alignment).
# "Except" and "excluding" too: "batch normalization in both networks, except the generator
# output" is what "..., but not at the generator's output layer" says (q08's correct answer was
# marked as contradicting it, correctness 1 of 5).
_NEGATIVE_WORDS = frozenset(
    """fail fails failed failing lack lacks lacked lacking unable absent missing
    prevent prevents prevented avoid avoids avoided ignore ignores ignored
    except excluding""".split()
)
# Pairs whose swap turns a statement into its contradiction; kept short and general on purpose
# (compared by stem, see _contradicts).
_ANTONYM_PAIRS = [
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
    ("fast", "slow"),
    ("better", "worse"),
    ("strong", "weak"),
    ("stronger", "weaker"),
    ("harmful", "harmless"),
    ("easy", "hard"),
    ("easier", "harder"),
    ("positive", "negative"),
    ("maximize", "minimize"),
    ("maximum", "minimum"),
    ("same", "different"),
    ("convex", "concave"),
    ("overfit", "underfit"),
    ("stable", "unstable"),
    ("connected", "disconnected"),
    ("connected", "separated"),
    ("complete", "incomplete"),
    ("correct", "incorrect"),
    ("possible", "impossible"),
    ("dependent", "independent"),
    ("inside", "outside"),
    ("above", "below"),
    ("before", "after"),
    ("always", "never"),
]
_SNAP_CUTOFF = 0.88  # difflib ratio: "postive" ~ "positive" 0.93, "native" ~ "negative" 0.86
_QUESTION_MEMO_SIZE = 1024  # questions whose aligned reference and key points are kept
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
# Not after an abbreviation: a quote of q04's remedies was cut at "..., e.g." (a browser session).
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.", "al.", "approx.", "resp.", "eq.", "fig.")
_SENTENCE_END = re.compile(
    "".join(rf"(?<!\b{re.escape(a)})" for a in _ABBREVIATIONS)
    + r"(?<=[.!?;:])\s+|\s*\n+\s*(?:[-*•]|\d+[.)])?\s*",
    re.I,
)

_SKIP_WORDS = _STOPWORDS | _NEGATIONS
# A formula's marks: a run of symbols without function words is maths, not a list of terms.
_FORMULA = re.compile(r"[0-9=+*/^<>()\[\]{}]")
# Part of the grade cache's key with the parameters: bump it when a change alters grades (a
# rule or a wording), so cached grades are redone.
_GRADE_VERSION = 22
# What a hiring team's fitted scale depends on (measures_version): bump it only when the
# scale-free reading of answers changes (the measures, the key points' alignments), which tells
# the team to fit again. It was one number with _GRADE_VERSION, so a change of wording could
# not refresh cached grades without marking every team scale stale.
_MEASURES_VERSION = 20
_MIN_PEERS = 5  # fewer other bank questions than this make no baseline
_DEEP = 4.5  # depth from which the feedback no longer asks to go deeper
_QUOTE_SLACK = 0.03  # alignment a shorter quote may give up against the best-aligned span
_QUOTE_DROP = 0.1  # alignment a quote may give up not to be another key point's (_quote)
_CLAIM_MARGIN = 0.1  # how much better another key point must align with a span to own it
_OPTION_ANSWER_WORDS = 8  # "the bulbs are in parallel": a choice among the question's options
# Below this, a bank answer's grade carries a caveat: one-line answers that an interviewer
# scored 4-5 get 0-1.8 from the offline grader (the calibration browser test's answers).
_SHORT_ANSWER_WORDS = 30
# ... unless its answer-level match is below this. Non-answers ("I don't know.", "No clue.",
# "I would need to look this up.", "Please be kind, I worked really hard on this.") reach
# 0.13-0.15 on q01, q04, q05 and q10, "I am not sure, maybe something about neural networks?"
# 0.23; one-line correct answers 0.33-0.59 (q03, q04, q05, q10, q17, q29).
_SHORT_NOTE_MATCH = 0.25
# Where the offline grade's message points to an LLM grader the team may set up. Left out of a
# grade made as the LLM grader's fallback (GradingService): there the team has one, it has just
# failed, and "An LLM grader, when the team sets one up, judges accuracy" read as if it had not.
_LLM_GRADER_NOTE = " An LLM grader, when the team sets one up, judges accuracy."
_USE_THE_LLM = ", or use the LLM grader"
LLM_POINTERS = (_LLM_GRADER_NOTE, _USE_THE_LLM)
# On a bank question, a key point the second encoder reads in the answer more closely than in
# any other question's model answer, by this much, is covered: stated in other words. Blended
# with the answer-level match, a one-line paraphrase ("the generator maps many noise vectors to
# the same output") was only "partly". Chosen on the bank's own texts, no human scores
# (`bench/bank_paraphrase.py`): the model-answer sentence closest to a key point clears it for
# 82% of key points, another key point of the same question for 3% of pairs; given alone as the
# answer, that sentence now gets its key point covered 175 times in 188 (102 before). The floor
# keeps a question unlike its peers (which read it at ~0.1) from crediting every answer on its
# topic.
PARAPHRASE_MARGIN = 0.15
PARAPHRASE_FLOOR = 0.45
# On a bank question a key point is covered only when the answer's own word alignment with it
# beats this quantile of the other questions' model answers' (PeerBaseline.shows). On the bank's
# own texts (bench/bank_paraphrase.py), the model-answer sentence closest to a key point beats it
# for 88% of key points, the whole model answer for 99.5%, another key point of the same
# question for 2.4% of pairs; the peers' highest instead held back far more true statements.
KEY_POINT_PEERS = 0.9
# A partly covered key point is quoted only when the quoted span has a fifth of its words
# (beyond the question's) or aligns with it at least this well. Half of a key point's match is
# the whole answer's, so a good answer has every key point at least partly covered; each was
# quoted with its nearest sentence, which said nothing of it (q01's "Example application:
# synthesizing ... human faces" quoted "A GAN is a generative model ..."). Requiring such a span
# for the verdict itself cost the train objective 0.02-0.25 (floors of 0.15-0.4 on the word
# alignment): human graders give that partial credit, so the verdict stays and the quote goes.
_QUOTE_WORDS = 0.2
_QUOTE_ALIGNMENT = 0.5
# Longest span read for an antonym against a bank key point (see _contradictions): by this rule
# none of the bank's 35 model answers nor of its 241 model-answer sentences is flagged at any
# length; bounded so a long run-on sentence is not read as one claim.
BANK_CONTRADICTION_MAX_WORDS = 32
# Every measure computed per answer; the fitted match m weighs FEATURES, a subset of them.
MEASURES = (
    "recall",
    "precision",
    "key_point_recall",
    "whole",
    "lexical",
    "recall_full",
    "sentence",
)
FEATURES = ("whole", "recall_full", "sentence")


def _mean_cosine(a: Aligned, b: Aligned) -> float:
    """Cosine of the two texts' mean content vectors: a whole-text similarity for free."""
    if a.empty or b.empty:
        return 0.0
    u, v = a.vectors.mean(axis=0), b.vectors.mean(axis=0)
    norm = float(np.linalg.norm(u) * np.linalg.norm(v))
    return max(0.0, float(u @ v) / norm) if norm > 0 else 0.0


def _reference(question: Question) -> str:
    return question.model_answer or " ".join(question.key_points)


class OfflineParams(BaseModel):
    """Fitted parameters of the offline grader, with where they came from."""

    model_config = ConfigDict(extra="forbid")

    coefficients: dict[str, float] = Field(
        description="Logistic weights of the alignment measures (see FEATURES) in the match m"
    )
    intercept: float
    key_point_share: float = Field(
        ge=0, le=1, description="Share of a key point's own alignment (vs m) in its match"
    )
    key_point_sentence_share: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Share of the second encoder's key point cosine (vs the word alignment) in "
        "a key point's own alignment",
    )
    covered_threshold: float = Field(description="Match at or above which a key point is covered")
    partly_threshold: float = Field(
        description="Match at or above which a key point is partly covered"
    )
    contradiction_min_match: float = Field(
        default=0.6, description="A key point must align this well before a negation counts"
    )
    contradiction_max_words: int = Field(
        default=12,
        ge=1,
        description="Longest answer span read for a contradiction: in a long sentence a 'not' "
        "is mostly about something else",
    )
    depth_low: float = Field(default=0.2, ge=0, le=1, description="m at or below which depth is 0")
    depth_high: float = Field(default=0.8, gt=0, le=1, description="m at or above which depth is 5")
    fitted_at: str = ""
    fitted_on: list[str] = Field(default_factory=list)
    method: str = ""
    train_metrics: dict[str, dict[str, float]] = Field(default_factory=dict)


def measures_version(params: OfflineParams | None = None) -> str:
    """The offline grader's version and the digest of its fitted parameters other than the
    scale: what a team scale's readings depend on (a team scale records it when fitted)."""
    params = params or load_params()
    kept = params.model_dump(exclude={*Scale.model_fields, *_PROVENANCE})
    digest = hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:10]
    return f"offline-{_MEASURES_VERSION}+measures-{digest}"


def stale_team_scale(team: TeamScale) -> str:
    """Why a team scale may no longer suit the grader ('' when it was fitted under this one)."""
    now = measures_version()
    if not team.grader or team.grader == now:
        return ""
    return (
        f"the team scale was fitted under {team.grader}; the offline grader is now {now}, whose "
        "measures may differ: fit it again with your scores file (`interviewer calibrate "
        "SCORES --fit`), or go back to the shipped scale (`--reset-fit`)"
    )


_PROVENANCE = {"fitted_at", "fitted_on", "method", "train_metrics"}


def load_params(path: Path | None = None) -> OfflineParams:
    """Load the fitted parameters (the shipped file by default).

    Raises:
        ConfigError: The file is missing or invalid; re-run ``bench/fit_offline.py``.
    """
    path = path or DEFAULT_PARAMS_PATH
    try:
        params = OfflineParams.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"Offline grader parameters not found at {path}; run bench/fit_offline.py."
        ) from exc
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ConfigError(
            f"{path} is invalid ({exc}); run bench/fit_offline.py to rewrite it."
        ) from exc
    unknown = set(params.coefficients) - set(MEASURES)
    if unknown:
        raise ConfigError(
            f"{path} weights unknown measures {sorted(unknown)}; run bench/fit_offline.py."
        )
    return params


class CachedEmbedder:
    """Wraps an embedder with a memo so a dataset can be embedded once, in large batches."""

    def __init__(self, inner: TokenEmbedder) -> None:
        self.name = inner.name
        self.dim = inner.dim
        self._inner = inner
        self._memo: dict[str, TokenVectors] = {}

    def warm(self, texts: Iterable[str]) -> None:
        """Embed (per token) every text not yet known, in one batched call."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if todo:
            for text, tokens in zip(todo, self._inner.embed_tokens(todo), strict=True):
                self._memo[text] = tokens

    def embed(self, texts: list[str]) -> Vectors:
        """Sentence vectors, straight from the inner embedder (not memoized)."""
        return self._inner.embed(texts)

    def embed_tokens(self, texts: list[str]) -> list[TokenVectors]:
        """Per-token vectors, reusing memoized ones."""
        self.warm(texts)
        return [self._memo[t] for t in texts]


# --- text features ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)  # called per word piece; the vocabulary repeats
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


def without_words_of(
    text: str, stems: set[str], *, hinted: frozenset[str] = frozenset(), own: bool = False
) -> str:
    """``text``'s words less those whose stem is in ``stems`` (the question's), or the whole
    text when nothing else is left (an answer that picks one of the question's options).

    With ``hinted`` words (:func:`hint_stems`, also in ``stems``) what is left must hold a
    content word: the hints' words strung together left "as as very or" of an answer, which
    the sentence encoder read as close to a key point left as "as they are through many or
    time". A reference's text with none is then compared whole; the candidate's ``own`` text
    keeps its hinted words out even then, and is '' when it says nothing of its own.
    """
    if not hinted:
        kept = [w for w in _words(text) if _stem(w.lower()) not in stems]
        return " ".join(kept) if kept else text
    for left_out in (stems, set(hinted) if own else set()):
        kept = [w for w in _words(text) if _stem(w.lower()) not in left_out]
        if content_stems(" ".join(kept)):
            return " ".join(kept)
    return "" if own else text


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
    """True when the text states an absence or a negation (see _NEGATIVE_WORDS)."""
    return any(_negator(w) for w in _words(text))


def _negator(word: str, *, plain: bool = False, after: Sequence[str] = ()) -> bool:
    """Whether ``word`` negates. ``plain``: only "not", "never", "cannot" and "-n't", and not
    "not only/just/merely" (``after`` is the next word): on a bank question the wider set read
    "samples lack diversity", "often fails on", "prevent overfitting", "collected without
    consent" and "must decide not only whether" as negating 5 of the 35 model answers' own key
    points."""
    w = word.lower()
    if plain:
        if w == "not" and after and after[0].lower() in _NOT_ONLY:
            return False
        return w in _PLAIN_NEGATIONS or w.endswith("n't")
    return w in _NEGATIONS or w in _NEGATIVE_WORDS or w.endswith("n't")


_PLAIN_NEGATIONS = frozenset({"not", "never", "cannot"})
_NOT_ONLY = frozenset({"only", "just", "merely", "simply"})


def _negation_reaches(negated: str, other: str, *, plain: bool = False) -> bool:
    """Whether a negation in ``negated`` is about something ``other`` says: the first content
    word after a negator (within three words) occurs in ``other`` (by stem). "The generator
    learns to sample from the data distribution" does not contradict "... without any
    annotation": it says nothing about annotation. "Gradient descent is guaranteed to reach
    it" does contradict "... is not guaranteed to reach ...".
    """
    words = _words(negated)
    others = {_stem(w) for w in _words(other)}
    for i, word in enumerate(words):
        if not _negator(word, plain=plain, after=words[i + 1 : i + 2]):
            continue
        after = [w for w in words[i + 1 : i + 4] if w.lower() not in _STOPWORDS]
        if after and _stem(after[0]) in others:
            return True
    return False


_ANTONYMS = [(_stem(a), _stem(b)) for a, b in _ANTONYM_PAIRS]
_ANTONYM_WORDS = sorted({w for pair in _ANTONYM_PAIRS for w in pair})


def _contradicts(key_point: str, span: str, *, plain: bool = False) -> str:
    """Why ``span`` contradicts ``key_point`` (negation or antonym mismatch), or ''.

    Two flips cancel: "the positive terminal is not connected" states "the negative terminal
    is connected" (Beetle's correct answers say it both ways), so only an odd count of
    mismatches is a contradiction. Words are compared by stem ("decreases" vs "increase"),
    and a misspelt antonym ("postive") still counts. ``plain``: only plain negations count
    (see :func:`_negator`; ``BANK_CONTRADICTION_MAX_WORDS``).
    """
    kp_negated, span_negated = _polarity(key_point), _polarity(span)
    # The negated side, then the other: "does not represent" states "fails to represent". With
    # ``plain``, reaching needs a plain negator on the negated side.
    sides = (key_point, span) if kp_negated else (span, key_point)
    negated = kp_negated != span_negated and _negation_reaches(*sides, plain=plain)
    flips = ["negation"] if negated else []
    kp_words = _antonym_words(key_point)
    span_words = _antonym_words(span)
    for pair in _ANTONYMS:
        for a, b in (pair, pair[::-1]):
            if a in kp_words and b in span_words and b not in kp_words and a not in span_words:
                flips.append(f"'{kp_words[a]}' vs '{span_words[b]}'")
    return " and ".join(flips) if len(flips) % 2 else ""


def _antonym_words(text: str) -> dict[str, str]:
    """The text's words by their stem in the antonym list (misspellings snapped first)."""
    return {_stem(_snap(w.lower())): w.lower() for w in _words(text)}


@functools.lru_cache(maxsize=4096)
def _snap(word: str) -> str:
    """A word one typo away from an antonym ("postive", "seperated") becomes it."""
    if len(word) < 6 or word in _ANTONYM_WORDS:
        return word
    close = difflib.get_close_matches(word, _ANTONYM_WORDS, n=1, cutoff=_SNAP_CUTOFF)
    return close[0] if close else word


def sentence_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of the text's sentences (list items and lines count as sentences).

    The answer is embedded sentence by sentence: short inputs are much cheaper for the model
    than one long one, and a word's context rarely needs to cross a sentence.
    """
    ranges = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        ranges.append((start, match.start()))
        start = match.end()
    ranges.append((start, len(text)))
    return [(a, b) for a, b in ranges if _words(text[a:b])]


@dataclass(frozen=True)
class Window:
    """What the model reads of one sentence: its words minus stopwords, mapped back to the text.

    Stopwords are dropped before embedding because the model's cost grows with the pieces it
    reads, and they are never aligned anyway; the content words keep their order and attached
    punctuation, so each still gets a vector in its sentence's context.
    """

    text: str
    words: list[tuple[int, int]]  # (start in ``text``, start in the original), one per word

    def original(self, start: int, end: int) -> tuple[int, int]:
        """Map a piece's offsets in :attr:`text` back to offsets in the original text."""
        index = bisect.bisect_right(self.words, start, key=lambda word: word[0]) - 1
        here, there = self.words[max(0, index)]
        return (there + start - here, there + end - here)


def embedding_windows(text: str) -> list[Window]:
    """One window per sentence of ``text`` that has a word other than a stopword."""
    windows = []
    for a, b in sentence_ranges(text):
        parts: list[str] = []
        words: list[tuple[int, int]] = []
        at = 0
        for match in re.finditer(r"\S+", text[a:b]):
            core = re.sub(r"[^A-Za-z0-9']", "", match.group()).lower()
            if core in _STOPWORDS:
                continue
            words.append((at, a + match.start()))
            parts.append(match.group())
            at += len(match.group()) + 1
        if words:
            windows.append(Window(" ".join(parts), words))
    return windows


def _span_range(answer: str, span: str) -> tuple[int, int]:
    start = answer.find(span)
    return (start, start + len(span))


@dataclass(frozen=True)
class KeyPointMatch:
    """How well the answer matches one key point, and its best-aligned span."""

    key_point: str
    span: str
    alignment: float  # the key point's recall against the whole answer
    lexical: float  # share of the key point's content words in the span
    score: float  # blended with the answer-level match m; what the thresholds act on
    paraphrased: bool = False  # covered as stated in other words (PeerBaseline.states)
    held: bool = False  # kept at "partly": its own words no closer than peers' (PeerBaseline.shows)


@dataclass(frozen=True)
class _Read:
    """One answer read by the grader: everything but the scale (see ``SimilarityGrader._read``)."""

    graded: GradeRequest  # against the accepted answer it matches best
    measures: Measures
    m: float
    baseline: PeerBaseline | None
    matches: list[KeyPointMatch]
    contradictions: list[tuple[str, str, str]]
    communication: CriterionScore  # as assessed when a key point is found
    unfound: CriterionScore  # ... and when none is
    reading: Reading


def _reading_key(request: GradeRequest) -> tuple[str, str, str]:
    said = "\x1e".join([request.answer, *request.hints])  # the answer alone without hints
    return request.question.id, request.question.version, said


def hint_stems(hints: Sequence[str]) -> frozenset[str]:
    """Stems of the words of ``hints``: an answer is credited for them no more than for the
    question's words. Their framing too ("a strong answer says something about ..."): a
    candidate who pasted a whole hint was credited for "strong" and "says"."""
    return frozenset(content_stems(" ".join(hints)))


def _quote(alignment: np.ndarray, i: int, spans: list[str]) -> int:
    """The span quoted for key point ``i`` (``alignment``: key points x spans).

    A longer span always aligns at least as well as a part of it (the whole answer best of
    all), so the quote is the shortest span within _QUOTE_SLACK of the best. Among the spans
    within _QUOTE_DROP of the best, one that another key point aligns with by _CLAIM_MARGIN
    more is that point's, not this one's: q01's model answer quoted "The discriminator D
    receives ... outputs the probability that its input is real." (0.66 with the generator and
    discriminator point) for "A GAN is a generative model that learns to produce new samples"
    (0.51). With no span of its own, its best span is quoted all the same: leaving such a
    point unquoted told a candidate to "say explicitly" what one sentence said on the way to
    another point ("The generator only learns through the discriminator's gradient, so the
    discriminator is like a learned loss.", q03, a walkthrough).
    """
    row = alignment[i]
    others = np.delete(alignment, i, axis=0)
    rival = others.max(axis=0) if len(others) else np.zeros_like(row)
    own = [
        j
        for j in range(len(spans))
        if row[j] >= row.max() - _QUOTE_DROP and rival[j] < row[j] + _CLAIM_MARGIN
    ]
    pool = own or list(range(len(spans)))
    top = max(row[j] for j in pool)
    near = [j for j in pool if row[j] >= top - _QUOTE_SLACK]
    return min(near, key=lambda j: (len(spans[j]), -row[j]))


@dataclass(frozen=True)
class Measures:
    """Everything the fitted parameters act on, for one answer: public for the fit script."""

    features: dict[str, float]  # see FEATURES
    key_points: list[str]
    key_point_alignment: list[float]
    spans: list[str]
    span_alignment: np.ndarray  # key points x spans
    lexical: np.ndarray  # key points x spans
    key_point_sentence: list[float]  # the second encoder's cosine of each key point and the answer
    unrelated: list[str] = field(default_factory=list)  # sentences left out of whole-text measures


@dataclass(frozen=True)
class _QuestionSide:
    reference: Aligned
    key_points: list[Aligned]
    stems: set[str]  # the question's words and the hinted ones: left out on both sides
    reference_full: Aligned  # question words kept (hinted ones not): for recall_full
    reference_sentence: Vectors  # the sentence encoder's vector, question words left out
    key_point_sentences: list[Vectors]  # the same, of each key point
    hinted: frozenset[str] = frozenset()  # words the hints shown gave (see hint_stems)

    def key_point_cosines(self, sentence: Vectors) -> list[float]:
        """The second encoder's cosine of each key point with a text's vector (below 0 as 0)."""
        return [max(0.0, float(v @ sentence)) for v in self.key_point_sentences]


def _alignment_features(
    side: _QuestionSide,
    answer: Aligned,
    full_sims: np.ndarray,
    answer_sentence: Vectors,
    kept: Aligned | None = None,
) -> tuple[dict[str, float], list[np.ndarray]]:
    """The answer-level alignment measures (all but ``lexical``) and the key points' cosines.

    ``full_sims``: the cosines of the reference's pieces with the answer's, question words
    kept in both; ``recall_full`` credits an answer that picks the right ones among the
    question's options ("mixtures 4 and 5"), which masking hides. ``answer_sentence`` is the
    sentence encoder's vector of the answer (question words left out): ``sentence`` is its
    cosine with the reference's. ``kept``: the answer's pieces that ``whole`` reads (all of
    ``answer`` unless sentences are left out, see ``unrelated_sentences``).
    """
    ref_sims, *kp_sims = cosines([side.reference, *side.key_points], answer)
    kp_align = [recall(sims) for sims in kp_sims]
    features = {
        "recall": recall(ref_sims),
        "precision": precision(ref_sims),
        "key_point_recall": float(np.mean(kp_align)) if kp_align else 0.0,
        "whole": _mean_cosine(side.reference, answer if kept is None else kept),
        "recall_full": recall(full_sims),
        "sentence": max(0.0, float(side.reference_sentence @ answer_sentence)),
    }
    return features, kp_sims


# A sentence of the answer is left out of the whole-text measures (`whole`, `sentence` and the
# key points' `sentence` cosines) when its words align with the reference below this floor and
# below this share of the answer's best sentence: "I think that is the main idea, and I would
# have to look up the details of the rest." lowered a correct answer's grade by diluting its mean
# vectors (by 0.67 on average over 150 SciEntsBank unseen-question answers, 0.55 on Beetle;
# +0.07 and +0.08 with the rule, see docs/grading.md). The word alignments take each reference
# piece's best answer piece, so they need no such rule. Re-fitted train objective 0.3770 with
# it, 0.3767 without; leaving out every sentence under the share alone ("or") cost 0.004-0.011,
# on SAF.
UNRELATED_ALIGNMENT = 0.2
UNRELATED_SHARE = 0.5


def unrelated_sentences(
    text: str, full_sims: np.ndarray, answer_full: Aligned
) -> list[tuple[int, int]]:
    """Character ranges of ``text``'s sentences unrelated to the reference (see
    ``UNRELATED_ALIGNMENT``), judged by the mean best cosine of each sentence's content pieces
    (question words kept) with the reference's (``full_sims``). Never every sentence."""
    sentences = sentence_ranges(text)
    if len(sentences) < 2 or not full_sims.size:
        return []
    related = span_precisions(full_sims, answer_full, sentences)
    top = max(related)
    out = [
        r
        for r, v in zip(sentences, related, strict=True)
        if v < UNRELATED_ALIGNMENT and v < UNRELATED_SHARE * top
    ]
    return out if len(out) < len(sentences) else []


def _outside(aligned: Aligned, ranges: list[tuple[int, int]]) -> Aligned:
    """``aligned`` without its pieces inside ``ranges``."""
    inside = np.any(span_masks(aligned, ranges), axis=0)
    keep = [i for i in range(len(aligned.offsets)) if not inside[i]]
    return Aligned(aligned.text, aligned.vectors[keep], [aligned.offsets[i] for i in keep])


def _without_ranges(text: str, ranges: list[tuple[int, int]]) -> str:
    """``text`` less the character ``ranges`` (sorted, not overlapping)."""
    parts, start = [], 0
    for a, b in ranges:
        parts.append(text[start:a])
        start = b
    parts.append(text[start:])
    return " ".join(p.strip() for p in parts if p.strip())


def match_score(features: dict[str, float], params: OfflineParams) -> float:
    """The answer-level match m = sigmoid(intercept + sum of weight x measure)."""
    z = params.intercept + sum(w * features[name] for name, w in params.coefficients.items())
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def key_point_scores(
    alignments: list[float], sentences: list[float], m: float, params: OfflineParams
) -> list[float]:
    """Each key point's match: its own alignment blended with the answer-level match ``m``,
    or its word alignment alone when that reaches ``STATED_ALIGNMENT`` (the key point is stated
    in the answer, whatever the rest of it says).

    The own alignment is the word alignment blended with the second encoder's cosine of the key
    point and the answer (``sentences``; share ``key_point_sentence_share``).
    """
    share, w = params.key_point_share, params.key_point_sentence_share
    out = []
    for a, u in zip(alignments, sentences, strict=True):
        blend = share * ((1 - w) * a + w * u) + (1 - share) * m
        out.append(max(blend, a) if a >= STATED_ALIGNMENT else blend)
    return out


def depth_score(m: float, params: OfflineParams) -> float:
    """Depth 0-5: the fitted linear map of ``m``, clipped (``depth_low``/``depth_high``)."""
    span = max(1e-6, params.depth_high - params.depth_low)
    return round(5.0 * min(1.0, max(0.0, (m - params.depth_low) / span)), 2)


@dataclass(frozen=True)
class PeerBaseline:
    """What the model answers of a bank's *other* questions get on one question.

    Within one domain every answer shares the vocabulary: on the GAN bank, answers to other
    questions reach m ~0.65 (median), which the datasets' calibration reads as a good match.
    For a bank question the answer-level match (and depth) is therefore measured from their
    peers' level. Each key point keeps its own alignment: on an overview question ("What are
    GANs?") the key points *are* the domain's common words, and discounting what the peers share
    marked a near-verbatim statement of one as missed.
    """

    median: float  # of m
    high: float  # 90th percentile of m
    peers: int
    # Per key point, the highest second-encoder cosine of a peer's model answer with it.
    key_point_sentence: tuple[float, ...]
    # Per key point, the 90th percentile of the peers' word alignment with it (KEY_POINT_PEERS).
    key_point_alignment: tuple[float, ...]

    def states(self, index: int, cosine: float) -> bool:
        """Whether a key point's second-encoder cosine with the answer clears every peer's by
        ``PARAPHRASE_MARGIN`` (and ``PARAPHRASE_FLOOR``): the answer states it, in other words.
        """
        return cosine >= max(PARAPHRASE_FLOOR, self.key_point_sentence[index] + PARAPHRASE_MARGIN)

    def shows(self, index: int, alignment: float) -> bool:
        """Whether the answer's own words carry a key point more than the peers' usually do
        (their 90th percentile): without that, the answer-level match alone cannot make the key
        point covered.
        """
        return alignment > self.key_point_alignment[index]

    def depth(self, m: float) -> float:
        """Depth 0-5: 0 at the peers' median match, 5 at their 90th percentile, linear."""
        span = max(1e-6, self.high - self.median)
        return round(5.0 * min(1.0, max(0.0, (m - self.median) / span)), 2)


def accepted_variants(question: Question) -> list[Question]:
    """The question once per accepted answer: as it is, then with each alternative answer as
    its reference. Key points that are just the model answer's sentences (as for a question
    built from a reference) follow each alternative; a question's own key points stay.
    """
    if not question.alternative_answers:
        return [question]
    derived = question.key_points == reference_key_points(question.model_answer)
    return [question] + [
        question.model_copy(
            update={
                "model_answer": alt,
                "alternative_answers": [],
                "key_points": (reference_key_points(alt) if derived else []) or question.key_points,
            }
        )
        for alt in question.alternative_answers
    ]


def _side_key(question: Question, hinted: frozenset[str]) -> tuple[str, ...]:
    """What a question's aligned side depends on: its text, reference and key points, and the
    hinted words left out with the question's (none: the key as it was before hints)."""
    key = (question.text, _reference(question), *question.key_points)
    return (*key, "\x1fhinted:" + " ".join(sorted(hinted))) if hinted else key


# --- the grader ------------------------------------------------------------------------------


class SimilarityGrader:
    """Offline grader: deterministic, no network; a grade explains what it measured."""

    name = "offline"

    def __init__(
        self,
        *,
        embedder: TokenEmbedder,
        sentences: Embedder,
        prompts_dir: Path,
        params_path: Path | None = None,
        peers: Callable[[], Sequence[Question]] | None = None,
        team_scale: TeamScale | None = None,
    ) -> None:
        """Args:
        embedder: MiniLM (per-token vectors).
        sentences: The sentence encoder of the whole-text measure (USE).
        prompts_dir: Rubric files (their hash is the prompt version).
        params_path: Fitted parameters; the shipped file by default.
        peers: The bank's questions, read on first use: a bank question's match is measured
            against what its peers' model answers get (see :class:`PeerBaseline`). Questions
            outside it (ad-hoc questions, datasets) are graded on the fitted scale alone.
        team_scale: A hiring team's fitted scale (``interviewer calibrate FILE --fit``): its
            thresholds and depth bounds replace the shipped ones; every other parameter stays.
        """
        # One BLAS thread: the matrix products here are small, and OpenBLAS's threads only
        # spin against the ONNX runtime and other requests (preparing the bank's 35 questions
        # took 78 s with them on a busy 2-core machine, 17 s without).
        threadpool_limits(limits=1, user_api="blas")
        self._embedder = embedder
        self._sentences = sentences
        self._prompts_dir = prompts_dir
        self._rubric = load_rubric(prompts_dir)
        self._version = prompt_version(prompts_dir)
        self._shipped = load_params(params_path)
        self._weights = {c: self._rubric.weight(c) for c in CRITERIA}
        self._use_scale(team_scale)
        self._questions: OrderedDict[tuple[str, ...], _QuestionSide] = OrderedDict()
        self._lock = threading.Lock()  # graders are shared by parallel batch grading
        self._peers = BankReader(peers, "Offline grader: no peer baseline")
        self._peer_tokens: dict[str, TokenVectors] = {}
        self._baselines: dict[tuple[str, ...], PeerBaseline | None] = {}
        self._kept: dict[tuple[str, str, str], Reading] | None = None  # see keeping_readings
        self._keeping = 0

    def _use_scale(self, team_scale: TeamScale | None) -> None:
        """Put the grader on ``team_scale`` (None: the shipped scale)."""
        self.params = self._shipped
        encoders = f"{self._embedder.name}+{self._sentences.name}"
        # What a grade records as its model: the scale a team fitted is named, with its date,
        # so a grade says which scale made it (the shipped one is the default, unnamed).
        self._model = encoders
        if team_scale is not None:
            self.params = self._shipped.model_copy(update=team_scale.scale.model_dump())
            scale_digest = hashlib.sha256(team_scale.scale.model_dump_json().encode()).hexdigest()
            self._model += f"+team-scale-{team_scale.fitted_at[:10]}-{scale_digest[:8]}"
        # The digest covers the scale: a refit misses every grade cached before it.
        digest = hashlib.sha256(self.params.model_dump_json().encode()).hexdigest()[:10]
        self._name = f"{encoders}+offline-{_GRADE_VERSION}+params-{digest}"

    def with_team_scale(self, team_scale: TeamScale | None) -> SimilarityGrader:
        """This grader on another scale (None: the shipped one), at once.

        The copy shares everything the scale does not enter: the questions' embedded
        references and key points, the peers' model answers and the peer baselines (made of
        the match ``m``, which the scale's four numbers do not change). Building a new grader
        instead re-prepared the bank, about 15 s, on every fit or reset.
        """
        other = copy.copy(self)
        other._use_scale(team_scale)
        other._kept, other._keeping = None, 0  # a fit keeps readings on its own grader only
        return other

    @property
    def scale(self) -> Scale:
        """The scale the grader puts its measures on (from :attr:`params`, read per grade)."""
        p = self.params
        return Scale.model_construct(
            partly_threshold=p.partly_threshold,
            covered_threshold=p.covered_threshold,
            depth_low=p.depth_low,
            depth_high=p.depth_high,
        )

    @property
    def model_name(self) -> str:
        """Part of the grade cache's key: a refit, or an edit of the bank's other questions (the
        peer baseline a bank question is measured from), must not serve grades made before it.
        """
        return f"{self._name}+peers-{self._peers.digest()}"

    # Public so a batch evaluation can embed a whole dataset at once (see CachedEmbedder.warm).
    def texts_to_embed(self, request: GradeRequest) -> list[str]:
        """Every text :meth:`grade` embeds for this request (per token)."""
        texts = [w.text for w in embedding_windows(request.answer)]
        for question in accepted_variants(request.question):
            for text in (_reference(question), *question.key_points):
                texts += [w.text for w in embedding_windows(text)]
        return texts

    def prepare(self, questions: Iterable[Question]) -> None:
        """Embed the questions' references and key points now (once per question version),
        and make them the peers of one another: the bank, at start-up or after an edit.
        """
        questions = list(questions)
        self._peers.replace(questions)
        with self._lock:
            self._baselines.clear()  # an edited or added question changes its peers' baselines
        for question in questions:
            for variant in accepted_variants(question):  # each accepted answer is a reference
                self._question_side(variant)
                self.baseline(variant)

    def measures(
        self,
        request: GradeRequest,
        tokens: TokenVectors | None = None,
        answer_sentence: Vectors | None = None,
    ) -> Measures:
        """The alignment measures of one answer (what ``bench/fit_offline.py`` fits on).

        ``lexical`` is measured here, the others in :func:`_alignment_features`. ``tokens`` and
        ``answer_sentence``: the answer's token vectors and its sentence vector (question words
        left out) when the caller has them already.
        """
        side = self._question_side(request.question, hint_stems(request.hints))
        # A short answer made only of the question's words (choosing one of its options: "in
        # parallel") is compared whole; a longer one restates the question and aligns with
        # nothing (a plain copy is rejected by the guards before this).
        short = len(_words(request.answer)) <= _OPTION_ANSWER_WORDS
        tokens = tokens if tokens is not None else self._tokens(request.answer)
        answer = self._content(tokens, side.stems, keep_if_empty=short, hinted=side.hinted)
        spans = answer_spans(request.answer)
        ranges = [_span_range(request.answer, s) for s in spans]
        answer_full = self._content(tokens, set(side.hinted))
        # Computed once: both the unrelated sentences and recall_full read them.
        full_sims = cosines([side.reference_full], answer_full)[0]
        unrelated = unrelated_sentences(request.answer, full_sims, answer_full)
        kept = None
        if unrelated:  # the whole-text measures read the answer less its unrelated sentences
            related = _without_ranges(request.answer, unrelated)
            answer_sentence = self._sentence(
                without_words_of(related, side.stems, hinted=side.hinted, own=True)
            )
            kept = _outside(answer, unrelated)
        elif answer_sentence is None:
            answer_sentence = self._sentence(
                without_words_of(request.answer, side.stems, hinted=side.hinted, own=True)
            )
        features, kp_sims = _alignment_features(side, answer, full_sims, answer_sentence, kept)
        kp_align = [recall(sims) for sims in kp_sims]
        span_align = np.array([span_recalls(sims, answer, ranges) for sims in kp_sims])
        lexical = self._lexical(request.question.key_points, spans, side.stems, side.hinted)
        features["lexical"] = float(lexical.max(axis=1).mean()) if lexical.size else 0.0
        return Measures(
            features,
            list(request.question.key_points),
            kp_align,
            spans,
            span_align.reshape(len(kp_align), len(spans)),
            lexical,
            side.key_point_cosines(answer_sentence),
            [request.answer[a:b].strip() for a, b in unrelated],
        )

    def best_reference(self, request: GradeRequest) -> tuple[GradeRequest, Measures, float]:
        """The request against the accepted answer it matches best, its measures and match
        ``m`` (the model answer alone when the question has no alternative answers).
        """
        best: tuple[GradeRequest, Measures, float] | None = None
        # The answer is read once, whatever the references: they share the question's text, so
        # the same words are left out of it for each.
        tokens = self._tokens(request.answer)
        side = self._question_side(request.question, hint_stems(request.hints))
        sentence = self._sentence(
            without_words_of(request.answer, side.stems, hinted=side.hinted, own=True)
        )
        for question in accepted_variants(request.question):
            variant = request.model_copy(update={"question": question})
            measures = self.measures(variant, tokens, sentence)
            m = match_score(measures.features, self.params)
            if best is None or m > best[2]:
                best = (variant, measures, m)
        assert best is not None  # accepted_variants() always holds the question itself
        return best

    def baseline(
        self, question: Question, hinted: frozenset[str] = frozenset()
    ) -> PeerBaseline | None:
        """What the bank's other questions' model answers get on ``question`` (None when it is
        not a bank question or the bank has too few peers). Computed once per question version
        (and set of ``hinted`` words, left out of the peers' answers as of the candidate's).
        """
        bank = self._peers.questions()
        peers = [p for p in bank if p.id != question.id and p.model_answer]
        if len(peers) < _MIN_PEERS or not any(p.id == question.id for p in bank):
            return None
        key = (question.id, *_side_key(question, hinted))
        with self._lock:
            if key in self._baselines:
                return self._baselines[key]
        self._embed_peers(peers)
        side = self._question_side(question, hinted)
        values = []
        key_point_cosines = np.zeros(len(side.key_point_sentences))
        alignments = []  # peers x key points
        for peer in peers:
            tokens = self._tokens(peer.model_answer)
            answer = self._content(tokens, side.stems)
            sentence = self._sentence(
                without_words_of(peer.model_answer, side.stems, hinted=side.hinted, own=True)
            )
            full_sims = cosines([side.reference_full], self._content(tokens, set(side.hinted)))[0]
            features, kp_sims = _alignment_features(side, answer, full_sims, sentence)
            values.append(match_score(features, self.params))
            key_point_cosines = np.maximum(key_point_cosines, side.key_point_cosines(sentence))
            alignments.append([recall(sims) for sims in kp_sims])
        baseline = PeerBaseline(
            median=float(np.median(values)),
            high=float(np.quantile(values, 0.9)),
            peers=len(values),
            key_point_sentence=tuple(float(c) for c in key_point_cosines),
            key_point_alignment=tuple(
                float(a) for a in np.quantile(np.array(alignments), KEY_POINT_PEERS, axis=0)
            ),
        )
        with self._lock:
            self._baselines[key] = baseline
        return baseline

    def _embed_peers(self, peers: list[Question]) -> None:
        """Embed the peers' model answers once, in one batch (they serve every question)."""
        todo = [p.model_answer for p in peers if p.model_answer not in self._peer_tokens]
        if todo:
            tokens = dict(zip(todo, self._embed_whole(todo), strict=True))
            with self._lock:
                self._peer_tokens.update(tokens)

    def reading(self, request: GradeRequest) -> Reading:
        """Everything :meth:`grade` measures of the answer before putting it on the scale: what
        a team fit re-scores under other scales (:func:`interviewer.grading.scale.apply_scale`)
        without running the models again."""
        kept = self._kept
        if kept is not None and (reading := kept.get(_reading_key(request))) is not None:
            return reading
        return self._read(request).reading

    @contextmanager
    def keeping_readings(self) -> Iterator[None]:
        """While open, every grade keeps its reading for :meth:`reading`: a team fit reads each
        answer its calibration has just graded, and the models read it again (12 ms an answer
        against 2 ms kept, SciEntsBank). Answers graded from the grade cache are still read.
        """
        with self._lock:
            if self._keeping == 0:
                self._kept = {}
            self._keeping += 1
        try:
            yield
        finally:
            with self._lock:
                self._keeping -= 1
                if self._keeping == 0:
                    self._kept = None

    def _read(self, request: GradeRequest) -> _Read:
        graded, measures, m = self.best_reference(request)
        baseline = self.baseline(graded.question, hint_stems(request.hints))
        matches, reading = self._reading_of(
            measures, m, baseline, self._sentence_cosines(graded, baseline)
        )
        contradictions = self._contradictions(matches, baseline)
        # A key point the answer contradicts is missed, not covered by the contradicting quote.
        contradicted = {kp for kp, _, _ in contradictions}
        found = self._communication(request.answer)
        unfound = self._communication(request.answer, found=False)
        reading = replace(
            reading,
            contradicted=tuple(kp in contradicted for kp in measures.key_points),
            communication=found.score,
            communication_unfound=unfound.score,
        )
        return _Read(
            graded, measures, m, baseline, matches, contradictions, found, unfound, reading
        )

    def grade(self, request: GradeRequest) -> Grade:
        """Grade one answer by its alignment with the reference and the key points."""
        start = time.perf_counter()
        question = request.question
        read = self._read(request)
        if (kept := self._kept) is not None:
            kept[_reading_key(request)] = read.reading
        graded, measures, m, baseline = read.graded, read.measures, read.m, read.baseline
        matches, contradictions = read.matches, read.contradictions
        # The scale, applied as the team fit applies it (one function, so the fit's verdicts
        # and depth are these; tests/grading/test_scale.py checks its overall is the rubric's).
        scaled = apply_scale(Readings.of([read.reading]), self.scale, self._weights)
        verdicts = [self._verdict(x, int(scaled.verdicts[0, i])) for i, x in enumerate(matches)]
        found = any(v.verdict != "missed" for v in verdicts)
        depth = self._depth(measures, m, baseline, float(scaled.depth[0]))
        criteria = [
            self._correctness(contradictions),
            CriterionScore(
                criterion="coverage",
                score=coverage_score(verdicts),
                rationale=self._coverage_rationale(
                    verdicts,
                    int(scaled.paraphrased.sum()),
                    int(scaled.held.sum()),
                    hints=request.hints,
                ),
            ),
            depth,
            read.communication if found else read.unfound,
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
            feedback=self._feedback(
                verdicts,
                request,
                contradictions,
                deep=(depth.score or 0.0) >= _DEEP,
                paraphrased=int(scaled.paraphrased.sum()),
            ),
            model_answer=question.model_answer or " ".join(question.key_points),
            follow_up=gap_follow_up(
                verdicts, answer=request.answer, question=request.question.text
            ),
            sources=_sources(request),
            message=(
                # In a candidate's words: "aligned ... by a small language model's word
                # vectors ... Use the LLM grader" named a choice the candidate does not have.
                "Automatic similarity-based grade (offline): the answer is compared by meaning "
                "with the model answer and the key points; whether its facts are right is not "
                "judged, unless it contradicts a key point."
                + _LLM_GRADER_NOTE
                + _accepted_note(question, graded)
                + _short_answer_note(request.answer, baseline, m)
            ),
            grader=GraderInfo(
                kind="offline",
                model=self._model,
                prompt_version=self._version,
                latency_ms=round((time.perf_counter() - start) * 1000, 2),
            ),
        )

    # --- alignment ---------------------------------------------------------------------------

    def _embed_whole(self, texts: list[str]) -> list[TokenVectors]:
        """Each text embedded sentence by sentence (one batch), with offsets in the text."""
        windows = [embedding_windows(t) for t in texts]
        flat = [w.text for ws in windows for w in ws]
        parts = iter(self._embedder.embed_tokens(flat) if flat else [])
        out = []
        for text, ws in zip(texts, windows, strict=True):
            pieces = [next(parts) for _ in ws]
            if not pieces:
                out.append(TokenVectors(text, np.zeros((0, self._embedder.dim), np.float32), []))
                continue
            vectors = np.concatenate([p.vectors for p in pieces])
            offsets = [
                w.original(s, e) for w, p in zip(ws, pieces, strict=True) for s, e in p.offsets
            ]
            out.append(TokenVectors(text, vectors, offsets))
        return out

    def _tokens(self, text: str) -> TokenVectors:
        """``text`` embedded sentence by sentence (a peer's model answer only once)."""
        whole = self._peer_tokens.get(text)
        return whole if whole is not None else self._embed_whole([text])[0]

    def _sentence(self, text: str) -> Vectors:
        """The sentence encoder's vector of ``text``."""
        return self._sentences.embed([text])[0]

    def _content(
        self,
        whole: TokenVectors,
        stems: set[str],
        *,
        keep_if_empty: bool = False,
        hinted: frozenset[str] = frozenset(),
    ) -> Aligned:
        """The content pieces of ``whole``, leaving out ``stems`` (the question's words)."""
        aligned = content_tokens(whole, skip_words=_SKIP_WORDS, skip_stems=stems, stem=_stem)
        if aligned.empty and stems and keep_if_empty:
            # A text made only of question words (common when a one-sentence reference restates
            # the question) is compared whole rather than never matching at all; an answer's
            # ``hinted`` words stay out even then (see without_words_of).
            aligned = content_tokens(
                whole, skip_words=_SKIP_WORDS, skip_stems=set(hinted), stem=_stem
            )
        return aligned

    def _question_side(
        self, question: Question, hinted: frozenset[str] = frozenset()
    ) -> _QuestionSide:
        """The reference's and key points' aligned pieces, computed once per question version
        and set of ``hinted`` words (:func:`hint_stems`), left out as the question's are."""
        key = _side_key(question, hinted)
        with self._lock:
            side = self._questions.get(key)
            if side is not None:
                self._questions.move_to_end(key)
                return side
        stems = set(content_stems(question.text)) | hinted
        reference = self._tokens(_reference(question))
        # A key point made only of the question's and the hints' words is compared whole, as
        # one of the question's alone: the answer must then carry it in words of its own.
        side = _QuestionSide(
            self._content(reference, stems, keep_if_empty=True),
            [
                self._content(self._tokens(kp), stems, keep_if_empty=True)
                for kp in question.key_points
            ],
            stems,
            self._content(reference, set(hinted)),
            self._sentence(without_words_of(_reference(question), stems, hinted=hinted)),
            [
                self._sentence(without_words_of(kp, stems, hinted=hinted))
                for kp in question.key_points
            ],
            hinted,
        )
        with self._lock:
            self._questions[key] = side
            while len(self._questions) > _QUESTION_MEMO_SIZE:
                self._questions.popitem(last=False)
        return side

    @staticmethod
    def _lexical(
        key_points: list[str],
        spans: list[str],
        q_stems: set[str],
        hinted: frozenset[str] = frozenset(),
    ) -> np.ndarray:
        """Share of each key point's content words (beyond the question and the hints) found in
        each span; the answer's hinted words never count."""
        span_stems = [set(content_stems(s)) for s in spans]
        lex = np.zeros((len(key_points), len(spans)), dtype=np.float32)
        for i, kp in enumerate(key_points):
            kp_stems = set(content_stems(kp)) - q_stems
            stems_of = [st - q_stems for st in span_stems]
            if not kp_stems:
                kp_stems, stems_of = set(content_stems(kp)), [st - hinted for st in span_stems]
            for j, stems in enumerate(stems_of):
                lex[i, j] = len(kp_stems & stems) / len(kp_stems) if kp_stems else 0.0
        return lex

    def _sentence_cosines(
        self, request: GradeRequest, baseline: PeerBaseline | None
    ) -> list[float] | None:
        """Each key point's highest second-encoder cosine with one sentence of the answer
        (question words left out), for the "stated in other words" rule; None when the answer
        is one sentence or the question has no peers (the rule is not in force).

        The whole answer's vector alone made credit fall as text was added: "... so its
        gradients vanish." stated q06's vanishing-gradient point (0.668) until a second
        sentence on the min-max game, sent as a follow-up answer, diluted it to 0.492 and the
        point fell back to "partly". A sentence read alone is what the rule was chosen on.
        """
        ranges = sentence_ranges(request.answer)
        if baseline is None or len(ranges) < 2:
            return None
        side = self._question_side(request.question, hint_stems(request.hints))
        texts = [
            without_words_of(request.answer[a:b], side.stems, hinted=side.hinted, own=True)
            for a, b in ranges
        ]
        vectors = self._sentences.embed([t for t in texts if t.strip()])
        best = np.zeros(len(side.key_point_sentences))
        for vector in vectors:
            best = np.maximum(best, side.key_point_cosines(vector))
        return [float(c) for c in best]

    def _match(
        self,
        measures: Measures,
        m: float,
        baseline: PeerBaseline | None,
        sentence_cosines: list[float] | None = None,
    ) -> list[KeyPointMatch]:
        """Each key point's match on the grader's scale (see :meth:`_reading_of`)."""
        return self._reading_of(measures, m, baseline, sentence_cosines)[0]

    def _reading_of(
        self,
        measures: Measures,
        m: float,
        baseline: PeerBaseline | None,
        sentence_cosines: list[float] | None = None,
    ) -> tuple[list[KeyPointMatch], Reading]:
        """Each key point's match, and the scale-free reading it comes from.

        ``sentence_cosines``: each key point's best cosine with one sentence of the answer (see
        :meth:`_sentence_cosines`), which the "stated in other words" rule reads besides the
        whole answer's. The rules themselves (a key point stated word for word counts by
        itself, one stated in other words is covered, one whose own words are no closer than
        the peers' is held at partly) are applied in :func:`apply_scale`, the scale's step.
        """
        n = len(measures.key_points)
        peers = None if baseline is None else (baseline.median, baseline.high)
        peer_depth = None if baseline is None else baseline.depth(m)
        share, w = self.params.key_point_share, self.params.key_point_sentence_share
        if not measures.spans:
            reading = Reading(
                m, share, (0.0,) * n, (0.0,) * n, peers=peers, peer_depth=peer_depth, spans=False
            )
            spans = [("", 0.0)] * n
        else:
            alignment = measures.key_point_alignment
            own = tuple(
                share * ((1 - w) * a + w * u)
                for a, u in zip(alignment, measures.key_point_sentence, strict=True)
            )
            # A short answer's m is low from the peers' level, which held a key point it states
            # in other words at "partly"; the second encoder sees the statement itself.
            stated = list(measures.key_point_sentence)
            if sentence_cosines is not None:
                stated = [max(a, b) for a, b in zip(stated, sentence_cosines, strict=True)]
            # Half of a key point's score is the answer-level match: a good answer on an
            # overview question had every key point "covered", quoting sentences that say none
            # of it. Covered needs the answer's own words to carry the key point more than other
            # questions' model answers do (or the statement in other words); else it is held at
            # "partly".
            reading = Reading(
                m,
                share,
                own,
                tuple(alignment),
                states=tuple(
                    baseline is not None and baseline.states(i, stated[i]) for i in range(n)
                ),
                shows=tuple(
                    baseline is not None and baseline.shows(i, alignment[i]) for i in range(n)
                ),
                peers=peers,
                peer_depth=peer_depth,
            )
            quoted = [_quote(measures.span_alignment, i, measures.spans) for i in range(n)]
            spans = [
                (measures.spans[j], float(measures.lexical[i, j])) for i, j in enumerate(quoted)
            ]
        scaled = apply_scale(Readings.of([reading]), self.scale, self._weights)
        matches = [
            KeyPointMatch(
                kp,
                span,
                reading.alignment[i],
                lexical,
                float(scaled.scores[0, i]),
                bool(scaled.paraphrased[0, i]),
                bool(scaled.held[0, i]),
            )
            for i, (kp, (span, lexical)) in enumerate(zip(measures.key_points, spans, strict=True))
        ]
        return matches, reading

    @staticmethod
    def _verdict(m: KeyPointMatch, level: int) -> KeyPointVerdict:
        """The verdict at ``level`` (:class:`Scaled`'s 2, 1 or 0), quoted when it is said."""
        verdict: Verdict = "covered" if level == 2 else "partly" if level == 1 else "missed"
        said = verdict == "covered" or m.lexical >= _QUOTE_WORDS or m.alignment >= _QUOTE_ALIGNMENT
        evidence = m.span if verdict != "missed" and said else ""
        return KeyPointVerdict(key_point=m.key_point, verdict=verdict, evidence=evidence)

    def _contradictions(
        self, matches: list[KeyPointMatch], baseline: PeerBaseline | None = None
    ) -> list[tuple[str, str, str]]:
        found = []
        for i, m in enumerate(matches):
            words = len(_words(m.span))
            # A short clause that closely matches the key point (on SAF's train sample a long
            # span's "negation" flagged correct answers more often than wrong ones).
            short = words <= self.params.contradiction_max_words
            if short and m.alignment >= self.params.contradiction_min_match and m.lexical >= 0.5:
                why = _contradicts(m.key_point, m.span)
            elif (
                baseline is not None
                and words <= BANK_CONTRADICTION_MAX_WORDS
                and baseline.shows(i, m.alignment)
            ):
                # On a bank question a span that carries the key point more than the other
                # questions' model answers do is about it: "covers all modes with high
                # diversity" against "diversity is low" was ticked covered. Only plain
                # negations count ("It does not use the chain rule" was ticked covered, quoted
                # as the evidence): with the wider set, "must decide not only whether x looks
                # real" contradicted "judges whether x is real", and 4 more of the 35 model
                # answers were flagged.
                why = _contradicts(m.key_point, m.span, plain=True)
            else:
                why = ""
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
                f"The answer appears to contradict {counted(len(contradictions), 'key point')}: "
                f"{quoted}."
            ),
        )

    def _coverage_rationale(
        self,
        verdicts: list[KeyPointVerdict],
        paraphrased: int,
        held: int,
        *,
        hints: Sequence[str] = (),
    ) -> str:
        counts = {
            v: sum(1 for x in verdicts if x.verdict == v) for v in ("covered", "partly", "missed")
        }
        unquoted = sum(1 for x in verdicts if x.verdict == "partly" and not x.evidence)
        # Plain words: the card's reader is a candidate, not the fit script's author (it read
        # "aligned ... by word vectors ... for 25% of it compared whole by a second model").
        return (
            f"{counts['covered']} of {counted(len(verdicts), 'key point')} covered, "
            f"{counts['partly']} partly, {counts['missed']} missed. A key point counts as "
            "covered when the answer's own words carry it (compared by meaning, so other "
            "wording counts; repeating the question earns nothing), and as partly covered when "
            "the answer comes near it without saying it. The quote is the sentence or clause "
            "that comes nearest."
            + (
                f" {paraphrased} of them stated in other words: the answer reads closer to each "
                "than any other bank question's model answer does."
                if paraphrased
                else ""
            )
            + (
                f" {held} held at partly: the answer as a whole is on topic, but its own words "
                "say them no more clearly than most answers to other questions of the bank do."
                if held
                else ""
            )
            + (
                f" {unquoted} partly covered with no quote: no sentence of the answer says "
                f"{'it' if unquoted == 1 else 'them'}; the credit comes from how close the "
                "answer as a whole is to the model answer."
                if unquoted
                else ""
            )
            + (
                f" The words of {hints_phrase(hints)} were not counted, as the question's "
                "are not: repeating a hint earns nothing."
                if hints
                else ""
            )
        )

    def _depth(
        self, measures: Measures, m: float, baseline: PeerBaseline | None, score: float
    ) -> CriterionScore:
        """Depth's rationale; ``score`` comes from the scale (:func:`apply_scale`): 0 when
        nothing in the answer matches a key point (nothing to go deeper on), else the fitted
        map of ``m``, capped by the peers' on a bank question."""
        # One scale, the one that set the score: the card gave both the fitted scale and the
        # bank's ("0 at 0.3 ... 5 at 0.9", then "0 at 0.70 and 5 at 0.79"), which read as a
        # contradiction.
        if baseline is not None and baseline.depth(m) <= depth_score(m, self.params):
            # In a candidate's words: "the median of 34" read as statistics about them.
            scale = (
                "Depth runs from 0 where model answers to other questions of the bank typically "
                f"land on this one (a match of {baseline.median:.2f}: the words every answer on "
                f"the subject shares earn nothing) to 5 where the closest of them land "
                f"({baseline.high:.2f})."
            )
        else:
            scale = (
                f"Depth runs from 0 at a match of {self.params.depth_low:g} to 5 at "
                f"{self.params.depth_high:g}."
            )
        f = measures.features
        left_out = ""
        if measures.unrelated:
            n = len(measures.unrelated)
            left_out = (
                f" {n} sentence{'s' * (n > 1)} unrelated to the reference (such as "
                f"“{shorten(measures.unrelated[0], 60)}”) {'were' if n > 1 else 'was'} left "
                "out of this comparison."
            )
        # Plain words (as for coverage); the measures' names and weights are in docs/grading.md.
        return CriterionScore(
            criterion="depth",
            score=score,
            rationale=(
                "Measured, not judged: the answer carries "
                f"{f['recall']:.0%} of the reference explanation's content, word by word, "
                f"and reads {f['sentence']:.0%} alike with it as a whole; together a match "
                f"of {m:.2f} (weights learnt from human grades). {scale} Length alone earns "
                f"nothing: text beyond the reference lowers the match.{left_out}"
            ),
        )

    @staticmethod
    def _communication(answer: str, *, found: bool = True) -> CriterionScore:
        """Form only. Not assessed when no key point was found (``found``): with nothing of the
        reference to explain, clear sentences alone gave "I am not sure" 0.8 of 5; counted
        only alongside content, the grade agrees better with human scores on every dataset's
        train sample (QWK; see docs/grading.md).
        """
        sentences = sentence_ranges(answer)
        words = _words(answer)
        n = len(words)
        if n == 0:
            return CriterionScore(
                criterion="communication", score=0.0, rationale="No words to read."
            )
        if not found:
            return CriterionScore(
                criterion="communication",
                score=None,
                rationale=(
                    "Not assessed: no key point was found in the answer, so there is no "
                    "explanation whose clarity could count."
                ),
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
        listed = _words_in_term_lists(answer, sentences)
        if listed >= 0.4 * n:
            # A weak answer followed by a bare list of key-point words read as 5 of 5 here.
            score -= 2.0
            notes.append("much of it is a list of terms rather than sentences that explain")
        detail = "; ".join(notes) if notes else "no problem found"
        return CriterionScore(
            criterion="communication",
            score=max(0.0, score),
            rationale=(
                f"Measured from form only: {n} words in {counted(len(sentences), 'sentence')}, "
                f"{distinct:.0%} distinct words; {detail}."
            ),
        )

    # --- feedback ----------------------------------------------------------------------------

    @staticmethod
    def _feedback(
        verdicts: list[KeyPointVerdict],
        request: GradeRequest,
        contradictions: list[tuple[str, str, str]],
        *,
        deep: bool,
        paraphrased: int = 0,
    ) -> str:
        missed = [v.key_point for v in verdicts if v.verdict == "missed"]
        partly = [v.key_point for v in verdicts if v.verdict == "partly"]
        # "State more precisely" fits a point the answer has words for (a quote); one it never
        # says (partly covered by the answer as a whole) is to be said, not sharpened.
        said = [v.key_point for v in verdicts if v.verdict == "partly" and v.evidence]
        unsaid = [k for k in partly if k not in said]
        parts = []
        if contradictions:
            parts.append(
                "Check this statement, which seems to contradict the reference: "
                f'"{contradictions[0][1]}".'
            )
        if missed:
            parts.append(
                "Add the missing key points: " + "; ".join(shorten(k) for k in missed[:3]) + "."
            )
        if partly:
            # Two points at most, as before the split; the unsaid ones are the bigger gaps.
            unsaid = unsaid[:2]
            said = said[: 2 - len(unsaid)]
            asks = []
            if unsaid:
                asks.append(f"say explicitly: {'; '.join(shorten(k) for k in unsaid)}")
            if said:
                asks.append(f"state more precisely: {'; '.join(shorten(k) for k in said)}")
            sentence = ", and ".join(asks)
            parts.append(sentence[:1].upper() + sentence[1:] + ".")
        reading = _reading_list(_sources(request))
        if not missed and not partly and not contradictions:
            parts += _complete_feedback(verdicts, request, paraphrased, deep=deep, reading=reading)
        elif reading and (missed or partly):
            parts.append(f"Read: {reading}")
        if len(parts) < 2:  # the rubric asks for 2-4 sentences
            parts.append(FEEDBACK_FALLBACK)
        return " ".join(parts)


def _complete_feedback(
    verdicts: list[KeyPointVerdict],
    request: GradeRequest,
    paraphrased: int,
    *,
    deep: bool,
    reading: str,
) -> list[str]:
    """Feedback on an answer with every key point covered: what it did (:func:`_covered_note`)
    and where to go beyond the model answer. "Every key point is there. Compare your answer with
    the model answer, point by point." was the same for every strong answer and told the
    candidate nothing to do."""
    parts = [_covered_note(verdicts, request, paraphrased)]
    # The same ask as the follow-up: "add ... an example" after one was given, above "To go
    # further: what is its trade-off", read as two graders.
    what = going_further(request.answer, request.question.text)[0]
    if not deep:  # "go deeper" next to depth 5/5 contradicted the card
        parts.append(f"To go deeper, add {what}.")
    if reading:
        # Listed only for a gap before: a complete answer was sent back to the model answer.
        parts.append(f"To go beyond the model answer, read: {reading}")
    elif deep:
        parts.append(f"To go beyond the model answer, you could add {what}.")
    return parts


def _covered_note(verdicts: list[KeyPointVerdict], request: GradeRequest, paraphrased: int) -> str:
    """What a complete answer did, as measured: how many key points, in its own words (not when
    it repeats an accepted answer), how many stated in other words than the model answer (the
    coverage rationale's count), and whether it gives an example. It praises no fact: the
    offline grader measures similarity, not correctness."""
    n = len(verdicts)
    covers = "the key point" if n == 1 else "both key points" if n == 2 else f"all {n} key points"
    question = request.question
    accepted = [question.model_answer, *question.alternative_answers]
    if any(repeats(request.answer, a) for a in accepted if a):
        own = ""
    elif not paraphrased:
        own = " in its own words"
    else:  # as the coverage rationale counts them: "2 of them stated in other words"
        some = "" if n == 1 else "each " if paraphrased >= n else f"{paraphrased} of them "
        own = f" in its own words, {some}stated in other words than the model answer"
    example = ", and gives an example" if gives_example(request.answer) else ""
    return f"Your answer covers {covers}{own}{example}."


def _words_in_term_lists(answer: str, sentences: list[tuple[int, int]]) -> int:
    """Words of the answer in sentences that only list terms: six words or more, two commas or
    more, and almost no function words ("latent vectors z, discriminator objective, minibatch
    discrimination unrolled GANs Wasserstein"); or, without commas, eight words or more and no
    function word at all ("mode collapse generator limited variety low diversity minibatch
    discrimination" had communication 5 of 5), unless it holds a formula's digits or operators
    or the answer is in another language (the function words counted are English: 18 of SAF's
    German answers read as such lists). In the development data 24 of SAF's 2,981 answers have
    40% of their words in such lists; the comma-free kind adds one of SAF's and one of
    SciEntsBank's 10,804; no bank model answer has any."""
    listed = 0
    english: bool | None = None  # asked only when needed: the language model costs ~1 ms
    for a, b in sentences:
        sentence = answer[a:b]
        words = _words(sentence)
        function = sum(w.lower() in _STOPWORDS for w in words)
        commas = len(words) >= 6 and sentence.count(",") >= 2 and function < 0.1 * len(words)
        bare = len(words) >= 8 and function == 0 and not _FORMULA.search(sentence)
        if bare and english is None:
            english = foreign_language(answer) is None
        if commas or (bare and english):
            listed += len(words)
    return listed


def _reading_list(sources: list[Citation]) -> str:
    """The first three sources as the feedback lists them, ending the sentence; "" for none."""
    reading = "; ".join(_reading(c) for c in sources[:3])
    return reading if not reading or reading.endswith("…") else f"{reading}."


def _reading(citation: Citation) -> str:
    """A source as the feedback names it: the document and its innermost heading, short (the
    grade's sources list keeps the full heading path)."""
    innermost = citation.heading.split(" > ")[-1]
    return shorten(citation.model_copy(update={"heading": innermost}).label(), 90)


def _short_answer_note(answer: str, baseline: PeerBaseline | None, m: float) -> str:
    """A caveat where the offline grader is known to under-score (docs/grading.md, known
    limits): a short answer to a bank question, measured from the level its peers' long model
    answers reach. Not for a short answer unrelated to the model answer (``m`` below
    ``_SHORT_NOTE_MATCH``): the caveat read as a hint that "I don't know." might be right."""
    if baseline is None or len(_words(answer)) >= _SHORT_ANSWER_WORDS or m < _SHORT_NOTE_MATCH:
        return ""
    return (
        " This answer is short and the model answer long: the offline grader can score a "
        f"concise correct answer low here, so read its verdicts{_USE_THE_LLM}."
    )


def _accepted_note(question: Question, graded: GradeRequest) -> str:
    """Which accepted answer the grade was measured against, when there is a choice."""
    if not question.alternative_answers:
        return ""
    if graded.question.model_answer == question.model_answer:
        return " Measured against the model answer, the accepted answer it matches best."
    return (
        " Measured against the accepted answer it matches best: "
        f'"{shorten(graded.question.model_answer)}".'
    )


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
