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


@pytest.fixture
def grader(server, settings) -> LLMGrader:
    server.requests.clear()
    chat = build_chat_model(
        settings.model_copy(
            update={
                "llm_base_url": server.url,
                "llm_api_key": SecretStr("test-key"),
                "llm_model": "fake-grader",
            }
        )
    )
    return LLMGrader(
        chat_model=chat,
        prompts_dir=settings.prompts_dir,
        models_dir=settings.models_dir,
        model_name="fake-grader",
        backoff_s=0,
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
    chat = build_chat_model(
        settings.model_copy(
            update={
                "llm_base_url": server.url,
                "llm_api_key": SecretStr("test-key"),
                "llm_timeout": 0.3,
            }
        )
    )
    grader = LLMGrader(
        chat_model=chat,
        prompts_dir=settings.prompts_dir,
        models_dir=settings.models_dir,
        model_name="m",
        backoff_s=0,
    )
    server.push_fault(ServerFault(kind="delay", seconds=1.0))
    grade = grader.grade(GradeRequest(question=question, answer=ANSWER))
    assert grade.grader.attempts == 2


def test_server_rejects_a_wrong_key_without_retrying(server, settings, question):
    server.requests.clear()
    chat = build_chat_model(
        settings.model_copy(update={"llm_base_url": server.url, "llm_api_key": SecretStr("wrong")})
    )
    grader = LLMGrader(
        chat_model=chat,
        prompts_dir=settings.prompts_dir,
        models_dir=settings.models_dir,
        model_name="m",
        backoff_s=0,
    )
    with pytest.raises(GradingError, match="INTERVIEWER_LLM_API_KEY"):
        grader.grade(GradeRequest(question=question, answer=ANSWER))
    assert len(server.requests) == 1


def test_server_lists_models_with_auth(server):
    ok = httpx.get(f"{server.url}/models", headers={"Authorization": "Bearer test-key"})
    assert ok.status_code == 200 and ok.json()["data"][0]["id"] == "fake-grader"
    assert httpx.get(f"{server.url}/models").status_code == 401


def test_server_json_mode_for_servers_without_json_schema(server, settings, question):
    server.requests.clear()
    chat = build_chat_model(
        settings.model_copy(
            update={"llm_base_url": server.url, "llm_api_key": SecretStr("test-key")}
        )
    )
    grader = LLMGrader(
        chat_model=chat,
        prompts_dir=settings.prompts_dir,
        models_dir=settings.models_dir,
        model_name="m",
        backoff_s=0,
        structured="json_mode",
    )
    assert grader.grade(GradeRequest(question=question, answer=ANSWER)).overall is not None
    assert server.requests[0]["body"]["response_format"] == {"type": "json_object"}
