from __future__ import annotations

import threading

import pytest
from grading_support import MODELS, PROMPTS, STRONG, WEAK, make_grader

from interviewer.chat.fake import FakeChatModel, FakeFault
from interviewer.errors import ConfigError
from interviewer.grading import build_grading_service
from interviewer.grading.base import Grade, GradeRequest, GraderInfo
from interviewer.grading.cache import MemoryGradeCache, SQLiteGradeCache, cache_key
from interviewer.grading.service import GradingService


class _Boom:
    def retrieve(self, query: str, k: int = 4):
        raise RuntimeError("chroma is down")


class _Fixed:
    name = "fixed"

    def grade(self, request: GradeRequest) -> Grade:
        return Grade(
            question_id=request.question.id,
            overall=2.0,
            feedback="ok",
            grader=GraderInfo(kind="fixed"),
        )


def _service(grader, **kwargs) -> GradingService:
    return GradingService(
        grader=grader,
        retriever=kwargs.pop("retriever", None),
        prompts_dir=PROMPTS,
        models_dir=MODELS,
        **kwargs,
    )


def test_service_retrieval_failure_grades_without_evidence(question):
    grade = _service(make_grader(FakeChatModel()), retriever=_Boom()).grade(question, STRONG)
    assert grade.status == "graded" and "no_evidence" in grade.flags
    # The failure is told to the operator; the candidate reads only that there was none.
    assert "chroma is down" in grade.diagnostics and "chroma" not in grade.message
    assert "Graded without reference material" in grade.message


class _Scored:
    """Two chunks: one about the question, one that only came back because k asked for it."""

    def retrieve(self, query: str, k: int = 4):
        from interviewer.retrieval import RetrievedChunk

        return [
            RetrievedChunk(chunk_id="a", text="On topic.", document="a.md", score=0.8),
            RetrievedChunk(chunk_id="b", text="Dropout.", document="b.md", score=0.2),
        ][:k]


def test_service_cites_only_evidence_above_the_relevance_floor(question):
    """A question outside the knowledge base had every chunk cited as reading (dropout and
    transfer learning for the bias-variance tradeoff)."""
    grader = make_grader(FakeChatModel())
    cut = _service(grader, retriever=_Scored(), min_evidence_score=0.4).grade(question, STRONG)
    assert [c.document for c in cut.sources] == ["a.md"] and "no_evidence" not in cut.flags
    none = _service(grader, retriever=_Scored(), min_evidence_score=0.9).grade(question, STRONG)
    assert none.sources == [] and "no_evidence" in none.flags
    assert "none was relevant" in none.message and not none.diagnostics
    kept = _service(grader, retriever=_Scored()).grade(question, STRONG)  # other backends
    assert [c.document for c in kept.sources] == ["a.md", "b.md"]


def test_service_llm_failure_gives_pending_not_a_number(question):
    chat = FakeChatModel(script=[FakeFault(kind="prose")] * 4)
    grade = _service(make_grader(chat)).grade(question, STRONG)
    assert grade.status == "pending" and grade.overall is None
    assert "pending" in grade.flags and "No score was made up" in grade.message
    assert grade.grader.attempts == 4
    # Why it failed, and which setting to check, is for the operator only.
    assert grade.diagnostics and grade.diagnostics not in grade.message


def test_service_llm_failure_uses_fallback_when_chosen(question):
    chat = FakeChatModel(script=[FakeFault(kind="error")] * 4)
    grade = _service(make_grader(chat), on_failure="fallback", fallback=_Fixed()).grade(
        question, STRONG
    )
    assert grade.overall == 2.0 and "fallback" in grade.flags


def test_service_fallback_needs_a_grader():
    with pytest.raises(ConfigError):
        _service(_Fixed(), on_failure="fallback")


def test_service_cache_avoids_a_second_llm_call(question):
    chat = FakeChatModel()
    service = _service(make_grader(chat), cache=MemoryGradeCache())
    first = service.grade(question, STRONG)
    second = service.grade(question, STRONG)
    assert first == second and len(chat.calls) == 1
    service.grade(question, STRONG + " More.")
    assert len(chat.calls) == 2


def test_service_cache_keeps_a_grade_after_hints_apart_from_one_without(question):
    """The same answer graded after hints is another grade (their words earn nothing): neither
    is served for the other, and each is served again for its own."""
    chat = FakeChatModel()
    service = _service(make_grader(chat), cache=MemoryGradeCache())
    hint = "Hint: a strong answer says something about “Remedies”. What would you add?"
    alone = service.grade(question, STRONG)
    hinted = service.grade(question, STRONG, hints=[hint])
    assert len(chat.calls) == 2
    assert "hint" not in str(alone.criterion("coverage"))
    assert "the hint shown" in str(hinted.criterion("coverage"))
    assert service.grade(question, STRONG, hints=[hint]) == hinted
    assert service.grade(question, STRONG) == alone
    assert len(chat.calls) == 2
    service.grade(question, STRONG, hints=[hint, hint.replace("Remedies", "Cause")])
    assert len(chat.calls) == 3


def test_service_cache_is_per_server_as_well_as_per_model_name(question):
    """Two servers may serve models of one name ("llama3" on Ollama and on vLLM): a grade one
    made was served as the other's, even with the other one down."""
    cache = MemoryGradeCache()
    first = FakeChatModel()
    _service(make_grader(first, endpoint="http://ollama:11434/v1"), cache=cache).grade(
        question, STRONG
    )
    other = FakeChatModel(script=[FakeFault(kind="error")] * 4)
    down = _service(make_grader(other, endpoint="http://vllm:8000/v1"), cache=cache)
    assert down.grade(question, STRONG).status == "pending"
    assert len(first.calls) == 1 and len(other.calls) == 4


def test_service_cache_misses_grades_made_under_other_guards(question, monkeypatch):
    """What the guards cut or reject is part of the grade: mending a guard pattern left the
    grades cached before it (with the sentence cut and the flag) served for the same answer."""
    from interviewer.grading import service as service_module

    chat = FakeChatModel()
    service = _service(make_grader(chat), cache=MemoryGradeCache())
    service.grade(question, STRONG)
    monkeypatch.setattr(service_module, "GUARDS_VERSION", service_module.GUARDS_VERSION + 1)
    service.grade(question, STRONG)
    assert len(chat.calls) == 2


def test_service_pending_grades_are_not_cached(question):
    chat = FakeChatModel(script=[FakeFault(kind="empty")] * 4)
    service = _service(make_grader(chat), cache=MemoryGradeCache())
    assert service.grade(question, STRONG).status == "pending"
    assert service.grade(question, STRONG).status == "graded"


def test_sqlite_cache_persists_and_is_thread_safe(tmp_path, question):
    path = tmp_path / "cache.sqlite3"
    cache = SQLiteGradeCache(path)
    grade = Grade(question_id="q04", overall=3.2, grader=GraderInfo(kind="llm"))
    keys = [
        cache_key(question_version="v", answer=str(i), prompt_version="p", model="m")
        for i in range(20)
    ]
    threads = [threading.Thread(target=cache.put, args=(k, grade)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cache.close()
    reopened = SQLiteGradeCache(path)
    assert all(reopened.get(k) == grade for k in keys)
    assert reopened.get("missing") is None


def test_cache_key_changes_with_every_input():
    base = {"question_version": "v", "answer": "a", "prompt_version": "p", "model": "m"}
    keys = {cache_key(**base)} | {cache_key(**{**base, name: "x"}) for name in base}
    assert len(keys) == 5


def test_build_grading_service_refuses_remote_llm(settings):
    remote = settings.model_copy(
        update={"grader": "llm", "llm_base_url": "https://llm.example.com/v1"}
    )
    with pytest.raises(ConfigError, match="INTERVIEWER_ALLOW_REMOTE"):
        build_grading_service(remote)


def test_build_grading_service_fake_llm(settings, question):
    service = build_grading_service(settings.model_copy(update={"llm_model": "fake"}), "llm")
    grade = service.grade(question, STRONG)
    assert grade.grader.kind == "llm" and grade.overall is not None
    assert (settings.data_dir / "grade_cache.sqlite3").exists()


def test_service_grade_made_while_retrieval_fails_is_graded_again_later(question):
    chat = FakeChatModel()
    service = _service(make_grader(chat), retriever=_Boom(), cache=MemoryGradeCache())
    first = service.grade(question, STRONG)
    second = service.grade(question, STRONG)
    assert "no_evidence" in first.flags and "chroma is down" in second.diagnostics
    assert len(chat.calls) == 2


def test_service_empty_knowledge_base_says_how_to_fill_it(question, tmp_path):
    from interviewer.grading.service import _LazyRetriever
    from interviewer.settings import Settings

    settings = Settings(
        data_dir=tmp_path / "data", models_dir=MODELS, allow_remote=False, embedding="fake"
    )
    service = _service(make_grader(FakeChatModel()), retriever=_LazyRetriever(settings))
    grade = service.grade(question, STRONG)
    assert "no_evidence" in grade.flags
    assert "knowledge base is empty" in grade.diagnostics
    assert "interviewer ingest" in grade.diagnostics
    assert "none was relevant" not in grade.message  # it was not searched


@pytest.mark.chroma_server
def test_service_finds_evidence_again_once_a_rebuilt_chroma_server_is_ingested(question, tmp_path):
    """A Chroma server whose data was lost and rebuilt (a fresh `chroma run`, then `interviewer
    ingest`, as docs/deploy.md says) holds a new collection: a running app kept searching the
    old one and graded every answer without reference material until it was restarted."""
    from interviewer.grading.service import _LazyRetriever
    from interviewer.knowledge.chroma_server import free_port, run_chroma_server
    from interviewer.knowledge.index import open_index
    from interviewer.settings import Settings

    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "failure-modes.md").write_text(
        "# Failure modes\n\n## Mode collapse\n\nMode collapse: the generator produces a small "
        "set of outputs regardless of the noise input.\n"
    )
    port = free_port()
    settings = Settings(
        data_dir=tmp_path / "data",
        models_dir=MODELS,
        knowledge_dir=knowledge,
        allow_remote=False,
        embedding="fake",
        chroma_host="127.0.0.1",
        chroma_port=port,
    )
    service = _service(make_grader(FakeChatModel()), retriever=_LazyRetriever(settings))
    with run_chroma_server(tmp_path / "first", port=port):
        open_index(settings).ingest_paths([knowledge], prune=True)
        before = service.grade(question, STRONG)
    with run_chroma_server(tmp_path / "rebuilt", port=port):
        open_index(settings).ingest_paths([knowledge], prune=True)
        after = service.grade(question, WEAK)

    assert [c.document for c in before.sources] == ["failure-modes.md"]
    assert "no_evidence" not in after.flags, after.diagnostics
    assert [c.document for c in after.sources] == ["failure-modes.md"]
