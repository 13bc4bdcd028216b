from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from interviewer.bank import Question
from interviewer.chat import build_chat_model
from interviewer.chat.server import FakeOpenAIServer, ServerFault
from interviewer.errors import GradingError
from interviewer.grading.base import GradeRequest
from interviewer.grading.judge import LLMGrader
from interviewer.settings import PROJECT_ROOT

ANSWER = (
    "Mode collapse is when the generator produces a small set of outputs whatever the noise. "
    "It happens because the generator exploits a weakness of the discriminator."
)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(models_dir=PROJECT_ROOT / "models") as srv:
        yield srv


def _grader_for(
    server: FakeOpenAIServer,
    settings,
    *,
    model_name: str = "m",
    key: str = "test-key",
    settings_update: dict[str, object] | None = None,
    **kwargs: object,
) -> LLMGrader:
    """An LLM grader whose real ChatOpenAI client talks to ``server``, with no backoff."""
    update = {"llm_base_url": server.url, "llm_api_key": SecretStr(key), **(settings_update or {})}
    return LLMGrader(
        chat_model=build_chat_model(settings.model_copy(update=update)),
        prompts_dir=settings.prompts_dir,
        models_dir=settings.models_dir,
        model_name=model_name,
        backoff_s=0,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def grader(server, settings) -> LLMGrader:
    server.requests.clear()
    return _grader_for(
        server, settings, model_name="fake-grader", settings_update={"llm_model": "fake-grader"}
    )


@pytest.fixture
def question() -> Question:
    return Question(
        id="q04",
        text="What is mode collapse?",
        topic="gans",
        difficulty=1,
        key_points=[
            "The generator produces a small set of outputs regardless of the noise input",
            "It happens when the generator exploits a weakness of the discriminator",
        ],
    )


def test_server_grades_through_real_chatopenai_client(server, grader, question):
    grade = grader.grade(GradeRequest(question=question, answer=ANSWER))
    assert grade.overall is not None and grade.overall >= 4
    assert len(server.requests) == 1
    request = server.requests[0]
    assert request["headers"]["authorization"] == "Bearer test-key"
    assert request["body"]["temperature"] == 0
    assert request["body"]["response_format"]["type"] == "json_schema"
    assert grade.grader.prompt_tokens > 300  # usage reported by the server


@pytest.mark.parametrize(
    "fault",
    [
        ServerFault(kind="429", retry_after=0),
        ServerFault(kind="500"),
        ServerFault(kind="malformed_body"),
        ServerFault(kind="empty_reply"),
    ],
    ids=["429", "500", "malformed-body", "empty-reply"],
)
def test_server_fault_is_retried_within_budget(server, grader, question, fault):
    server.push_fault(fault)
    grade = grader.grade(GradeRequest(question=question, answer=ANSWER))
    assert grade.grader.attempts == 2
    assert len(server.requests) == 2


def test_server_persistent_failure_gives_grading_error_after_four_requests(
    server, grader, question
):
    server.push_fault(*[ServerFault(kind="500")] * 4)
    with pytest.raises(GradingError) as info:
        grader.grade(GradeRequest(question=question, answer=ANSWER))
    assert info.value.attempts == 4
    assert len(server.requests) == 4


def test_server_timeout_counts_as_an_attempt(server, settings, question):
    server.requests.clear()
    grader = _grader_for(server, settings, settings_update={"llm_timeout": 0.3})
    server.push_fault(ServerFault(kind="delay", seconds=1.0))
    grade = grader.grade(GradeRequest(question=question, answer=ANSWER))
    assert grade.grader.attempts == 2


def test_server_rejects_a_wrong_key_without_retrying(server, settings, question):
    server.requests.clear()
    grader = _grader_for(server, settings, key="wrong")
    with pytest.raises(GradingError, match="INTERVIEWER_LLM_API_KEY"):
        grader.grade(GradeRequest(question=question, answer=ANSWER))
    assert len(server.requests) == 1


def test_server_lists_models_with_auth(server):
    ok = httpx.get(f"{server.url}/models", headers={"Authorization": "Bearer test-key"})
    assert ok.status_code == 200 and ok.json()["data"][0]["id"] == "fake-grader"
    assert httpx.get(f"{server.url}/models").status_code == 401


def test_server_json_mode_for_servers_without_json_schema(server, settings, question):
    server.requests.clear()
    grader = _grader_for(server, settings, structured="json_mode")
    assert grader.grade(GradeRequest(question=question, answer=ANSWER)).overall is not None
    assert server.requests[0]["body"]["response_format"] == {"type": "json_object"}


@pytest.fixture
def schemaless_server() -> Iterator[FakeOpenAIServer]:
    """A server with JSON mode but no JSON-schema output (older Ollama, llama.cpp)."""
    with FakeOpenAIServer(models_dir=PROJECT_ROOT / "models", json_schema=False) as srv:
        yield srv


def test_server_without_json_schema_is_asked_for_json_mode_from_then_on(
    schemaless_server, settings, question, caplog
):
    grader = _grader_for(schemaless_server, settings)
    first = grader.grade(GradeRequest(question=question, answer=ANSWER))
    assert "INTERVIEWER_LLM_RESPONSE_FORMAT=json_mode" in caplog.text
    second = grader.grade(GradeRequest(question=question, answer=ANSWER + " It is common."))
    formats = [r["body"]["response_format"]["type"] for r in schemaless_server.requests]
    assert formats == ["json_schema", "json_object", "json_object"]
    assert first.overall is not None and first.grader.attempts == 2
    assert second.overall is not None and second.grader.attempts == 1


def test_server_without_json_schema_and_no_attempt_left_names_the_setting(
    schemaless_server, settings, question
):
    grader = _grader_for(schemaless_server, settings, max_attempts=1)
    with pytest.raises(GradingError, match="INTERVIEWER_LLM_RESPONSE_FORMAT") as info:
        grader.grade(GradeRequest(question=question, answer=ANSWER))
    assert info.value.attempts == 1 and len(schemaless_server.requests) == 1


def test_server_reports_prompt_tokens_with_message_framing(server, grader, question):
    from interviewer.grading.judge import build_grading_messages
    from interviewer.knowledge.tokens import count_tokens

    grade = grader.grade(GradeRequest(question=question, answer=ANSWER))
    messages = build_grading_messages(
        GradeRequest(question=question, answer=ANSWER),
        prompts_dir=PROJECT_ROOT / "prompts",
        models_dir=PROJECT_ROOT / "models",
        evidence_tokens=550,
    )
    content = sum(count_tokens(str(m.content), PROJECT_ROOT / "models") for m in messages)
    # OpenAI bills 3 tokens per message and 3 to prime the reply on top of the contents.
    assert grade.grader.prompt_tokens == content + 3 * len(messages) + 3


def test_server_tool_calling_carries_the_grade_as_the_function_arguments(
    server, settings, question
):
    """For servers with tools but no JSON-schema output: one forced call of ``grade``."""
    from interviewer.chat.fake import FakeFault

    server.requests.clear()
    grader = _grader_for(server, settings, structured="tool_calling")
    strong = grader.grade(GradeRequest(question=question, answer=ANSWER))
    weak = grader.grade(GradeRequest(question=question, answer="Mode collapse is bad for GANs."))
    assert strong.overall is not None and weak.overall is not None
    assert strong.overall > weak.overall
    body = server.requests[0]["body"]
    assert "response_format" not in body
    assert body["tools"][0]["function"]["name"] == "grade"
    assert "key_points" in body["tools"][0]["function"]["parameters"]["properties"]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "grade"}}
    # A malformed call is fed back and retried, as a malformed JSON reply is.
    server.requests.clear()
    server.model.push(FakeFault(kind="malformed_json"))
    retried = grader.grade(GradeRequest(question=question, answer=ANSWER + " Retry."))
    assert retried.overall is not None and retried.grader.attempts == 2
    assert len(server.requests) == 2


def _criterion_score(schema: dict) -> dict:
    """The score's schema inside a grade schema, its ``$ref`` followed."""
    items = schema["properties"]["criteria"]["items"]
    name = items["$ref"].rsplit("/", 1)[-1]
    return schema["$defs"][name]["properties"]["score"]


@pytest.mark.parametrize("structured", ["json_schema", "tool_calling"])
def test_server_is_sent_the_rubric_levels_of_a_criterion_score(
    server, settings, question, structured
):
    """The schema said only "number": a server that enforces it (vLLM, llama.cpp grammars,
    OpenAI) could not keep the model within 0-5, and a 9 was clamped to 5 afterwards."""
    server.requests.clear()
    grader = _grader_for(server, settings, structured=structured)
    grader.grade(GradeRequest(question=question, answer=ANSWER))
    body = server.requests[0]["body"]
    schema = (
        body["response_format"]["json_schema"]["schema"]
        if structured == "json_schema"
        else body["tools"][0]["function"]["parameters"]
    )
    score = _criterion_score(schema)
    assert score["type"] == "integer"
    assert (score["minimum"], score["maximum"]) == (0, 5)
    assert score["enum"] == [0, 1, 2, 3, 4, 5]


def test_server_without_tools_is_asked_for_json_mode_from_then_on(settings, question, caplog):
    with FakeOpenAIServer(models_dir=PROJECT_ROOT / "models", tools=False) as srv:
        grader = _grader_for(srv, settings, structured="tool_calling")
        first = grader.grade(GradeRequest(question=question, answer=ANSWER))
        second = grader.grade(GradeRequest(question=question, answer=ANSWER + " It is common."))
        sent = [("tools" in r["body"], r["body"].get("response_format")) for r in srv.requests]
    assert sent == [
        (True, None),
        (False, {"type": "json_object"}),
        (False, {"type": "json_object"}),
    ]
    assert "refused tool calling" in caplog.text
    assert first.overall is not None and first.grader.attempts == 2
    assert second.overall is not None and second.grader.attempts == 1
