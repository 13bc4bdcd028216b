"""Grading benchmark: offline grade latency, LLM-path overhead, prompt tokens per grade.

- Offline: ``GradingService.grade`` with the offline grader (guards included, no cache, no
  retrieval) on 200-word answers to bank questions, with the questions prepared as the app
  does at start-up (``offline_grade_ms``) and, first, with nothing prepared
  (``offline_grade_cold_question_ms``: the first answer to a question outside the bank).
- LLM path: the same service with the LLM grader, talking through the real ``ChatOpenAI``
  client to the fake OpenAI-compatible server answering instantly; the latency is our
  overhead (prompt building, tokenizer, HTTP, parsing, checks) plus the fake model's own
  reply computation, reported separately. Evidence: 4 real knowledge chunks per answer,
  trimmed to the prompt budget.

Run: ``.venv/bin/python bench/grade.py``
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from interviewer.bank import Question, load_bank
from interviewer.chat import build_chat_model
from interviewer.chat.fake import grade_prompt
from interviewer.chat.server import FakeOpenAIServer
from interviewer.grading import build_grader
from interviewer.grading.base import GradeRequest
from interviewer.grading.judge import build_grading_messages
from interviewer.grading.service import GradingService
from interviewer.retrieval import RetrievedChunk
from interviewer.settings import Settings

RUNS = 40


def _answer(question: Question, salt: int) -> str:
    """A ~200-word answer built from the question's own material (varied so nothing caches)."""
    words = " ".join([question.model_answer, *question.key_points] * 6).split()
    return " ".join([f"Variant {salt}."] + words[:198])


def _chunks(settings: Settings) -> list[RetrievedChunk]:
    docs = sorted(settings.knowledge_dir.glob("*.md"))[:4]
    chunks = []
    for i, doc in enumerate(docs):
        words = doc.read_text(encoding="utf-8").split()[:160]
        chunks.append(
            RetrievedChunk(chunk_id=f"c{i}", text=" ".join(words), document=doc.name, score=0.8)
        )
    return chunks


class _Stub:
    def __init__(self, chunks: list[RetrievedChunk]) -> None:
        self.chunks = chunks

    def retrieve(self, query: str, k: int = 4) -> list[RetrievedChunk]:
        return self.chunks[:k]


def _pcts(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
    }


def _time(
    service: GradingService, questions: list[Question]
) -> tuple[list[float], list[float], list[Any]]:
    """Wall-clock and CPU milliseconds per grade, and the grades.

    CPU time is the whole process's (the fake server's threads included): on a busy machine it
    is the steadier figure, as wall-clock time then includes waiting for a core.
    """
    service.grade(questions[0], _answer(questions[0], -1))  # warm-up (model load, tokenizer)
    times, cpu, grades = [], [], []
    for i in range(RUNS):
        q = questions[i % len(questions)]
        start, start_cpu = time.perf_counter(), time.process_time()
        grades.append(service.grade(q, _answer(q, i)))
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return times, cpu, grades


def run() -> dict[str, Any]:
    """Measure and return the figures."""
    base = Settings(allow_remote=False, data_dir=Path("/tmp/interviewer-bench-grade"))
    questions = load_bank(base.knowledge_dir / "questions.yaml").questions
    chunks = _chunks(base)
    result: dict[str, Any] = {"runs": RUNS, "answer_words": len(_answer(questions[0], 0).split())}

    offline = GradingService(
        grader=build_grader(base, "offline"),
        retriever=None,
        prompts_dir=base.prompts_dir,
        models_dir=base.models_dir,
    )
    # First answer to each question with nothing prepared (a question outside the bank: renamed
    # copies, so no bank baseline is computed for them either)...
    outside = [q.model_copy(update={"id": f"outside-{q.id}"}) for q in questions]
    times, cpu, _ = _time(offline, outside)
    result["offline_grade_cold_question_ms"] = _pcts(times)
    result["offline_grade_cold_question_cpu_ms"] = _pcts(cpu)
    # ...then as in the app, which prepares the bank's questions at start-up (Services.warm_up).
    offline.prepare(questions)
    times, cpu, _ = _time(offline, questions)
    result["offline_grade_ms"] = _pcts(times)
    result["offline_grade_cpu_ms"] = _pcts(cpu)

    with FakeOpenAIServer(models_dir=base.models_dir) as server:
        settings = base.model_copy(update={"llm_base_url": server.url, "llm_model": "fake-grader"})
        settings.llm_api_key = None  # local server: no key needed
        server.api_key = "not-needed"
        llm = GradingService(
            grader=build_grader(settings, "llm"),
            retriever=_Stub(chunks),
            prompts_dir=base.prompts_dir,
            models_dir=base.models_dir,
        )
        assert build_chat_model(settings) is not None
        times, cpu, grades = _time(llm, questions)
    tokens = [g.grader.prompt_tokens for g in grades]
    result["llm_path_overhead_ms"] = _pcts(times)
    result["llm_path_overhead_cpu_ms"] = _pcts(cpu)
    result["llm_attempts_max"] = max(g.grader.attempts for g in grades)
    # As the server counts them (message framing included); the budget is 1,500.
    result["prompt_tokens_per_grade"] = {
        "mean": round(statistics.mean(tokens), 1),
        "max": max(tokens),
    }

    # The fake model's own work (parse the prompt, score overlap) is part of the time above.
    q = questions[0]
    messages = build_grading_messages(
        GradeRequest(question=q, answer=_answer(q, 0), evidence=chunks),
        prompts_dir=base.prompts_dir,
        models_dir=base.models_dir,
        evidence_tokens=base.evidence_tokens,
    )
    text = "\n\n".join(str(m.content) for m in messages)
    start = time.perf_counter()
    for _ in range(RUNS):
        grade_prompt(text)
    result["fake_model_compute_ms"] = round((time.perf_counter() - start) * 1000 / RUNS, 2)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
