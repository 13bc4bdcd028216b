"""Ask a chat model for a reply that parses into a typed result, with bounded retries.

One loop for every caller that needs structured output (the LLM grader, the question
drafter): at most ``max_attempts`` requests in all, counting transport errors (timeouts, 429,
5xx) and unusable replies alike, since :func:`interviewer.chat.build_chat_model` switches the
client library's own retries off. An unusable reply goes back to the model with the problem
attached; the wait between attempts doubles from ``backoff_s`` (capped at 8 s) and a 429's
``retry-after`` is honoured. Hand-written: tenacity would do the backoff, but the error must be
fed back into the next prompt.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel

from interviewer.errors import InterviewerError

__all__ = [
    "MAX_ATTEMPTS",
    "MAX_WAIT_S",
    "ResponseFormat",
    "StructuredReply",
    "StructuredReplyError",
    "ask_structured",
    "bind_structured",
    "check_attempts",
    "json_body",
    "response_format",
    "text_of",
]

T = TypeVar("T")
ResponseFormat = Literal["json_schema", "tool_calling", "json_mode", "none"]
MAX_WAIT_S = 8.0
# Timeouts in a row after which a request is not tried again (see structured_call).
TIMEOUTS_IN_A_ROW = 2
MAX_ATTEMPTS = 4  # requests per answer in all, the client library's own retries included
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class StructuredReply(Generic[T]):
    """A reply that parsed.

    Attributes:
        value: What ``parse`` returned.
        raw: The reply's text.
        attempts: Requests made, this one included.
        prompt_tokens: As reported by the server (0 when it reports none).
        completion_tokens: As reported by the server (0 when it reports none).
    """

    value: T
    raw: str
    attempts: int
    prompt_tokens: int = 0
    completion_tokens: int = 0


class StructuredReplyError(InterviewerError):
    """No usable reply within the attempt budget; callers translate it into their own error.

    Attributes:
        problem: The last problem (a described transport error or a parse error).
        attempts: Requests made.
        last_reply: The last raw reply, if any.
        gave_up_early: A transport error that retrying cannot fix (401, 404, 400...) ended
            the loop before the budget was spent.
        status_code: The HTTP status of that transport error, when it had one.
        unreachable: The last attempt found no server at all (connection refused, unknown
            host): not a slow or failing server, which another attempt may find healed.
    """

    def __init__(
        self,
        problem: str,
        *,
        attempts: int,
        last_reply: str,
        gave_up_early: bool,
        status_code: int | None = None,
        unreachable: bool = False,
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.attempts = attempts
        self.last_reply = last_reply
        self.gave_up_early = gave_up_early
        self.status_code = status_code
        self.unreachable = unreachable


def ask_structured(
    model: Runnable[LanguageModelInput, BaseMessage],
    messages: Sequence[BaseMessage],
    parse: Callable[[str], T],
    *,
    retry_prompt: Callable[[str], str],
    max_attempts: int,
    backoff_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> StructuredReply[T]:
    """Call ``model`` until ``parse`` accepts a reply, at most ``max_attempts`` times.

    Args:
        model: A chat model, possibly bound to a response format (:func:`response_format`).
        messages: The prompt.
        parse: Turns a reply's text into the result; raises ``ValueError`` with a message
            the model can act on.
        retry_prompt: The follow-up message content asking to fix the given problem.
        max_attempts: Requests in all, transport errors included.
        backoff_s: First wait between attempts, doubled each time (capped at 8 s).
        sleep: Injected for tests.

    Raises:
        StructuredReplyError: No usable reply within the budget, or a transport error that
            retrying cannot fix.
    """
    conversation = list(messages)
    last_raw = ""
    problem = ""
    unreachable = False
    timeouts = 0  # in a row
    for attempt in range(1, max_attempts + 1):
        try:
            message = model.invoke(conversation)
        except Exception as exc:  # noqa: BLE001 - any client/transport error is retried, then translated
            problem = _describe_failure(exc)
            unreachable = _unreachable(exc)
            timeouts = timeouts + 1 if _timed_out(exc) else 0
            # A server that let the whole timeout pass twice is hung or too slow for it: two
            # more attempts kept an answer waiting 4 minutes (at the default 60 s) for nothing.
            if not _retryable(exc) or timeouts >= TIMEOUTS_IN_A_ROW:
                raise StructuredReplyError(
                    problem,
                    attempts=attempt,
                    last_reply=last_raw,
                    gave_up_early=True,
                    status_code=_status_code(exc),
                ) from exc
            _wait(attempt, max_attempts, backoff_s, sleep, _retry_after(exc))
            continue
        last_raw = text_of(message)
        unreachable = False
        try:
            value = parse(last_raw)
        except ValueError as exc:
            problem = str(exc)
            # The error goes back to the model so the next attempt can fix it.
            conversation = [
                *messages,
                AIMessage(content=last_raw or "(empty)"),
                HumanMessage(content=retry_prompt(problem)),
            ]
            _wait(attempt, max_attempts, backoff_s, sleep, None)
            continue
        prompt_tokens, completion_tokens = _usage(message)
        return StructuredReply(value, last_raw, attempt, prompt_tokens, completion_tokens)
    raise StructuredReplyError(
        problem,
        attempts=max_attempts,
        last_reply=last_raw,
        gave_up_early=False,
        unreachable=unreachable,
    )


def response_format(
    structured: ResponseFormat, schema: type[BaseModel], name: str
) -> dict[str, object]:
    """Keyword arguments for ``chat_model.bind`` that ask for JSON output.

    ``json_schema`` asks the server to enforce ``schema``; ``tool_calling`` asks for a call of
    one function whose parameters are ``schema`` (servers with tools but no JSON-schema output);
    ``json_mode`` only for a JSON object (older Ollama / llama.cpp servers); ``none`` relies on
    the prompt (no arguments).
    """
    if structured == "none":
        return {}
    if structured == "json_mode":
        return {"response_format": {"type": "json_object"}}
    if structured == "tool_calling":
        function = {
            "name": name,
            "description": "Return the result, as the instructions describe it.",
            "parameters": schema.model_json_schema(),
        }
        return {
            "tools": [{"type": "function", "function": function}],
            "tool_choice": {"type": "function", "function": {"name": name}},
        }
    return {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema.model_json_schema(), "strict": False},
        }
    }


def bind_structured(
    chat_model: Runnable[LanguageModelInput, BaseMessage],
    structured: ResponseFormat,
    schema: type[BaseModel],
    name: str,
) -> Runnable[LanguageModelInput, BaseMessage]:
    """``chat_model`` bound to ask for JSON output (see :func:`response_format`)."""
    binding = response_format(structured, schema, name)
    return chat_model.bind(**binding) if binding else chat_model


def check_attempts(max_attempts: int) -> None:
    """Refuse a retry budget outside 1..MAX_ATTEMPTS.

    Raises:
        ValueError: ``max_attempts`` is out of range.
    """
    if not 1 <= max_attempts <= MAX_ATTEMPTS:
        raise ValueError(f"max_attempts must be between 1 and {MAX_ATTEMPTS}")


def json_body(text: str) -> str:
    """The JSON text of a reply: bare, or inside a Markdown code fence.

    Raises:
        ValueError: The reply is empty.
    """
    body = text.strip()
    fenced = _FENCE.search(body)
    if fenced:
        body = fenced.group(1).strip()
    if not body:
        raise ValueError("the reply was empty")
    return body


def text_of(message: BaseMessage) -> str:
    """A message's text, joining the text parts of multi-part content; for a tool call (see
    :func:`response_format`), the call's arguments as the server sent them."""
    content = message.content
    if isinstance(content, str):
        text = content
    else:
        text = "".join(
            part if isinstance(part, str) else str(part.get("text", "")) for part in content
        )
    return text if text.strip() else _tool_arguments(message) or text


def _tool_arguments(message: BaseMessage) -> str:
    """The arguments of the message's first tool call as JSON text ('' without one). One that
    LangChain could not parse is passed on as written, so the parser names its problem."""
    if not isinstance(message, AIMessage):
        return ""
    if message.tool_calls:
        return json.dumps(message.tool_calls[0]["args"])
    for call in message.invalid_tool_calls:
        if call.get("args"):
            return str(call["args"])
    return ""


def _wait(
    attempt: int,
    max_attempts: int,
    backoff_s: float,
    sleep: Callable[[float], None],
    retry_after: float | None,
) -> None:
    if attempt >= max_attempts:
        return
    delay = retry_after if retry_after is not None else backoff_s * 2 ** (attempt - 1)
    if delay > 0:
        sleep(min(delay, MAX_WAIT_S))


def _usage(message: BaseMessage) -> tuple[int, int]:
    meta = getattr(message, "usage_metadata", None) or {}
    return int(meta.get("input_tokens", 0) or 0), int(meta.get("output_tokens", 0) or 0)


def _status_code(exc: Exception) -> int | None:
    code = getattr(exc, "status_code", None)
    return code if isinstance(code, int) else None


def _timed_out(exc: Exception) -> bool:
    import httpx
    import openai

    return isinstance(exc, openai.APITimeoutError | httpx.TimeoutException)


def _unreachable(exc: Exception) -> bool:
    """No server answered at all (a timeout is a server that may yet answer)."""
    import httpx
    import openai

    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return False
    return isinstance(exc, openai.APIConnectionError | httpx.ConnectError)


def _retryable(exc: Exception) -> bool:
    """Timeouts, connection errors, 408/409/429 and 5xx are worth another attempt."""
    code = _status_code(exc)
    if code is not None:
        return code in (408, 409, 429) or code >= 500
    return True


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        return float(headers.get("retry-after", ""))
    except ValueError:
        return None


def _describe_failure(exc: Exception) -> str:
    code = _status_code(exc)
    hint = ""
    if code in (401, 403):
        hint = " (check INTERVIEWER_LLM_API_KEY)"
    elif code in (400, 422):
        hint = (
            " (if the server lacks JSON-schema output or tool calling, set "
            "INTERVIEWER_LLM_RESPONSE_FORMAT=json_mode or none)"
        )
    elif code == 404:
        hint = " (check INTERVIEWER_LLM_MODEL and INTERVIEWER_LLM_BASE_URL)"
    elif _timed_out(exc):
        hint = " (a slow local model may need a longer INTERVIEWER_LLM_TIMEOUT)"
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}{f' {code}' if code else ''}: {text}{hint}"
