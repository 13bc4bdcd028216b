"""A deterministic chat model that grades like a (simple) LLM, for tests and offline demos.

Function-driven by default: it parses the real grading prompt (key points and the delimited
answer), measures word overlap between each key point and the answer's sentences, and replies
with a valid grade JSON whose quotes are real sentences of the answer. It only measures
overlap, so instructions inside the answer cannot move it; text unrelated to the key points
lowers communication. Scripted mode plays a queue of raw replies or faults first.

A question-drafting prompt (``prompts/draft_question*.md``, recognised by its system message
only, so an answer quoting it cannot switch a grading call) gets a draft instead:
:func:`draft_prompt` picks the chunk sentences sharing the most words with the question.
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import BaseModel, PrivateAttr

__all__ = ["FakeChatModel", "FakeFault", "FaultKind", "draft_prompt", "grade_prompt"]

FaultKind = Literal[
    "malformed_json",
    "truncated_json",
    "out_of_range",
    "missing_fields",
    "bad_quotes",
    "prose",
    "empty",
    "timeout",
    "error",
    "sleep",
]

_STOP = frozenset(
    """a about above after again all also an and any are as at be because been being both but by
    can could did do does doing each few for from further had has have having how i if in into is
    it its itself just more most no nor not of off on once only or other our out over own same
    should so some such than that the their them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you
    your use used using uses one two way ways make makes made get gets""".split()
)
_MARKERS = re.compile(
    r"\b(because|so that|therefore|thus|hence|which means|leads? to|causes?|since|trade-?offs?|"
    r"for example|e\.g\.|for instance|whereas|instead|otherwise|as a result)\b",
    re.IGNORECASE,
)


class FakeFault(BaseModel):
    """One scripted misbehaviour; ``seconds`` is used by ``sleep`` (then a normal reply)."""

    kind: FaultKind
    seconds: float = 0.0


def _stems(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {w[:6] for w in words if len(w) >= 3 and w not in _STOP}


def _section(prompt: str, start: str, end: str) -> str:
    match = re.search(re.escape(start) + r"\n(.*?)\n\n" + re.escape(end), prompt, re.DOTALL)
    return match.group(1).strip() if match else ""


def _sentences(answer: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?;])\s+|\n+", answer) if s.strip()]


def grade_prompt(prompt: str) -> dict[str, Any]:
    """The reply a careful but simple grader would give to a grading prompt.

    Args:
        prompt: The whole prompt text (system and user messages joined).

    Returns:
        A dict in the shape of :class:`interviewer.grading.judge.GradeReply`.
    """
    question = _section(prompt, "QUESTION:", "KEY POINTS:")
    points_block = _section(prompt, "KEY POINTS:", "MODEL ANSWER:")
    key_points = [
        re.sub(r"^\d+\.\s*", "", line).strip() for line in points_block.splitlines() if line.strip()
    ]
    match = re.search(r"<(answer-[0-9a-f]+)>\n(.*)\n</\1>", prompt, re.DOTALL)
    answer = match.group(2) if match else ""
    sentences = _sentences(answer)
    question_stems = _stems(question)
    verdicts = []
    relevant: set[int] = set()
    for point in key_points:
        wanted = (_stems(point) - question_stems) or _stems(point)
        best, best_ratio = -1, 0.0
        for index, sentence in enumerate(sentences):
            ratio = len(wanted & _stems(sentence)) / len(wanted) if wanted else 0.0
            if ratio > best_ratio:
                best, best_ratio = index, ratio
        verdict = "covered" if best_ratio >= 0.5 else "partly" if best_ratio >= 0.25 else "missed"
        if verdict != "missed":
            relevant.add(best)
        verdicts.append(
            {
                "key_point": point,
                "verdict": verdict,
                "quote": sentences[best] if verdict != "missed" else "",
            }
        )
    topic = (
        question_stems | set().union(*(_stems(p) for p in key_points))
        if key_points
        else question_stems
    )
    on_topic = [i for i, s in enumerate(sentences) if len(_stems(s) & topic) >= 2 or i in relevant]
    hit = sum(
        1.0 if v["verdict"] == "covered" else 0.5 if v["verdict"] == "partly" else 0.0
        for v in verdicts
    )
    fraction = hit / len(verdicts) if verdicts else 0.0
    markers = sum(len(_MARKERS.findall(sentences[i])) for i in on_topic)
    correctness = 1 if not on_topic else min(5, 2 + round(3 * fraction))
    depth = 0 if not on_topic else min(5, 1 + round(2 * fraction) + min(markers, 2))
    share = len(on_topic) / len(sentences) if sentences else 0.0
    communication = 0 if not sentences else min(5, 1 + round(4 * share))
    missed = [v["key_point"] for v in verdicts if v["verdict"] != "covered"]
    feedback = (
        f"Explain {missed[0].rstrip('.').lower()}. Tie each point to the mechanism behind it."
        if missed
        else "All key points are there. Add a concrete example or a failure mode to go deeper."
    )
    follow_up = (
        f"Can you explain how {missed[0].rstrip('.').lower()}?"
        if missed
        else "What trade-off would make you choose a different approach here?"
    )
    return {
        "key_points": verdicts,
        "factual_errors": [],
        "criteria": [
            {
                "criterion": "correctness",
                "reasoning": f"{len(on_topic)} on-topic sentences, none contradicting a key point.",
                "score": correctness,
            },
            {
                "criterion": "depth",
                "reasoning": f"{markers} explanation markers in on-topic sentences.",
                "score": depth,
            },
            {
                "criterion": "communication",
                "reasoning": f"{len(on_topic)} of {len(sentences)} sentences on topic.",
                "score": communication,
            },
        ],
        "feedback": feedback,
        "follow_up": follow_up,
    }


_DRAFT_MARKER = "You draft the answer key"


def draft_prompt(prompt: str) -> dict[str, Any]:
    """The reply a simple extractive drafter would give to a question-drafting prompt.

    Args:
        prompt: The whole prompt text (system and user messages joined).

    Returns:
        A dict in the shape of :class:`interviewer.bank_admin.DraftReply`.
    """
    question = _section(prompt, "QUESTION:", "KEY POINTS ALREADY WRITTEN:")
    block = prompt.split("REFERENCE CHUNKS:", 1)[-1]
    wanted = _stems(question)
    ranked: list[tuple[int, int, str, int]] = []
    for match in re.finditer(r"^\[(\d+)\][^\n]*\n([^\n]+)", block, re.MULTILINE):
        number = int(match.group(1))
        for sentence in _sentences(match.group(2)):
            if len(sentence.split()) >= 5:
                overlap = len(wanted & _stems(sentence))
                ranked.append((-overlap, len(ranked), sentence, number))
    ranked.sort()
    # Sentences sharing a word with the question; unrelated ones only to reach three points.
    picked = [r for r in ranked if r[0] < 0][:5]
    picked += [r for r in ranked if r[0] == 0][: max(0, 3 - len(picked))]
    key_points = [" ".join(s.split()[:20]).rstrip(".,;") for _, _, s, _ in picked]
    answer = " ".join(f"{s.rstrip()} [{n}]" for _, _, s, n in picked)
    if picked and len(answer.split()) < 80:
        answer += (
            " A strong answer states each of these points, explains the mechanism behind it and"
            " says what goes wrong in training without it, with a concrete example."
        )
    return {
        "key_points": key_points,
        "model_answer": " ".join(answer.split()[:200]),
        "citations": sorted({n for _, _, _, n in picked}),
    }


def _faulty(kind: FaultKind, good: dict[str, Any]) -> str:
    """The raw reply text of a scripted fault, derived from the good reply."""
    text = json.dumps(good)
    if "criteria" not in good and kind in ("out_of_range", "bad_quotes"):
        kind = "missing_fields"  # a draft reply has no scores or quotes to corrupt
    if kind == "malformed_json":
        return text.replace('"', "'", 6)
    if kind == "truncated_json":
        return text[: len(text) // 2]
    if kind == "out_of_range":
        for i, crit in enumerate(good["criteria"]):
            crit["score"] = 9 if i % 2 == 0 else -2
        return json.dumps(good)
    if kind == "missing_fields":
        dropped = ("criteria", "feedback", "model_answer")
        return json.dumps({k: v for k, v in good.items() if k not in dropped})
    if kind == "bad_quotes":
        for v in good["key_points"]:
            v["verdict"], v["quote"] = "covered", "a sentence the candidate never wrote"
        return json.dumps(good)
    if kind == "prose":
        return "The answer is quite good overall; I would give it a 4 out of 5."
    return ""  # empty


class FakeChatModel(BaseChatModel):
    """Deterministic chat model: scripted replies first, then grading by key-point overlap.

    Args:
        script: Raw reply strings and :class:`FakeFault` items, played in order (thread-safe).
    """

    script: list[str | FakeFault] = []
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _calls: list[list[BaseMessage]] = PrivateAttr(default_factory=list)
    _kwargs: list[dict[str, Any]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "interviewer-fake"

    @property
    def calls(self) -> list[list[BaseMessage]]:
        """Every message list received, in order."""
        return list(self._calls)

    @property
    def call_kwargs(self) -> list[dict[str, Any]]:
        """Extra keyword arguments of every call (e.g. ``response_format``)."""
        return list(self._kwargs)

    def push(self, *items: str | FakeFault) -> None:
        """Append scripted replies or faults to the queue."""
        with self._lock:
            self.script.extend(items)

    def _next(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> str | FakeFault | None:
        with self._lock:
            self._calls.append(list(messages))
            self._kwargs.append(dict(kwargs))
            return self.script.pop(0) if self.script else None

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        item = self._next(messages, kwargs)
        prompt = "\n\n".join(str(m.content) for m in messages if m.type in ("system", "human"))
        system = "".join(str(m.content) for m in messages if m.type == "system")
        reply = draft_prompt if system.startswith(_DRAFT_MARKER) else grade_prompt
        if isinstance(item, str):
            text = item
        elif item is None or item.kind == "sleep":
            if item is not None:
                time.sleep(item.seconds)
            text = json.dumps(reply(prompt))
        elif item.kind == "timeout":
            raise TimeoutError("fake model: request timed out")
        elif item.kind == "error":
            raise RuntimeError("fake model: upstream error")
        else:
            text = _faulty(item.kind, reply(prompt))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])
