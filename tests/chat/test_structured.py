from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import RunnableLambda
from pydantic import BaseModel

from interviewer.chat.structured import (
    StructuredReplyError,
    ask_structured,
    json_body,
    response_format,
)


class _Point(BaseModel):
    x: int


class _HTTPError(Exception):
    def __init__(self, status_code: int, retry_after: str | None = None) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code
        headers = {"retry-after": retry_after} if retry_after else {}
        self.response = type("Response", (), {"headers": headers})()


class _Script:
    """Plays replies (strings) and raises errors (exceptions) in order; records each prompt."""

    def __init__(self, *steps: str | Exception) -> None:
        self.steps = list(steps)
        self.prompts: list[list[BaseMessage]] = []

    def __call__(self, messages: list[BaseMessage]) -> AIMessage:
        self.prompts.append(list(messages))
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        return AIMessage(content=step)


def _parse(text: str) -> _Point:
    try:
        return _Point.model_validate_json(json_body(text))
    except ValueError as exc:
        raise ValueError(f"bad point: {exc}") from exc


def _ask(script: _Script, sleeps: list[float], attempts: int = 4):  # type: ignore[no-untyped-def]
    return ask_structured(
        RunnableLambda(script),
        [HumanMessage(content="give me a point")],
        _parse,
        retry_prompt=lambda problem: f"fix: {problem}",
        max_attempts=attempts,
        backoff_s=0.5,
        sleep=sleeps.append,
    )


def test_structured_first_valid_reply_is_returned_without_waiting():
    sleeps: list[float] = []
    reply = _ask(_Script('```json\n{"x": 3}\n```'), sleeps)
    assert reply.value == _Point(x=3) and reply.attempts == 1 and sleeps == []


def test_structured_bad_reply_goes_back_to_the_model_with_the_problem():
    script = _Script("not json", '{"x": 1}')
    sleeps: list[float] = []
    reply = _ask(script, sleeps)
    assert reply.value.x == 1 and reply.attempts == 2
    retry = script.prompts[1]
    assert retry[1].content == "not json"
    assert str(retry[2].content).startswith("fix: bad point")
    assert sleeps == [0.5]


def test_structured_transport_errors_back_off_and_honour_retry_after():
    script = _Script(_HTTPError(500), _HTTPError(429, retry_after="3"), '{"x": 2}')
    sleeps: list[float] = []
    assert _ask(script, sleeps).attempts == 3
    assert sleeps == [0.5, 3.0]


def test_structured_budget_spent_raises_with_attempts_and_last_reply():
    sleeps: list[float] = []
    with pytest.raises(StructuredReplyError) as caught:
        _ask(_Script("a", "b", "c"), sleeps, attempts=3)
    error = caught.value
    assert (error.attempts, error.last_reply, error.gave_up_early) == (3, "c", False)
    assert "bad point" in error.problem
    assert sleeps == [0.5, 1.0]  # no wait after the last attempt


def test_structured_unfixable_transport_error_stops_at_once():
    script = _Script(_HTTPError(401), '{"x": 1}')
    with pytest.raises(StructuredReplyError) as caught:
        _ask(script, [])
    assert caught.value.gave_up_early and caught.value.attempts == 1
    assert "INTERVIEWER_LLM_API_KEY" in caught.value.problem


def test_structured_empty_reply_is_a_problem_not_a_crash():
    with pytest.raises(ValueError, match="empty"):
        json_body("  ")


def test_structured_response_format_per_setting():
    assert response_format("none", _Point, "point") == {}
    assert response_format("json_mode", _Point, "point") == {
        "response_format": {"type": "json_object"}
    }
    schema = response_format("json_schema", _Point, "point")["response_format"]
    assert json.loads(json.dumps(schema))["json_schema"]["schema"]["required"] == ["x"]
