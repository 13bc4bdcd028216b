"""A small OpenAI-compatible HTTP server backed by :class:`FakeChatModel`, for tests and benches.

Runs uvicorn in a background thread on 127.0.0.1 and a free port. Faults are queued and
consumed one per request (HTTP 429 with ``retry-after``, 500, a delay, malformed JSON body,
an empty reply), so the real ``ChatOpenAI`` client path is exercised end to end.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from interviewer.chat.fake import FakeChatModel

__all__ = ["FakeOpenAIServer", "ServerFault"]


class ServerFault(BaseModel):
    """One injected fault, consumed by the next chat request."""

    kind: Literal["429", "500", "delay", "malformed_body", "empty_reply"]
    retry_after: float = 0.0
    seconds: float = 0.0


class FakeOpenAIServer:
    """OpenAI-compatible ``/v1/chat/completions`` and ``/v1/models`` on 127.0.0.1.

    Args:
        model: The fake model answering requests (a fresh function-driven one by default).
        api_key: The bearer token every request must carry.
        delay: Seconds added to every chat request (load benchmarks).
        models_dir: When given, reported usage is counted with tiktoken, message framing
            included, as OpenAI counts it.
        json_schema: Whether ``response_format`` ``json_schema`` is supported; when False such
            a request gets HTTP 400, as from a server with JSON mode only (older Ollama,
            llama.cpp).
        tools: Whether tool calling is supported; when True a request naming a function in
            ``tool_choice`` gets the model's reply as that function's arguments, when False
            a request with ``tools`` gets HTTP 400.
        listed: The names ``/v1/models`` lists (default: ``model_name`` alone), e.g. an
            Ollama's tagged names.
        owned_by: The owner ``/v1/models`` gives each name ("llamacpp" as llama.cpp's server).

    Use as a context manager; ``url`` is the ``base_url`` for clients, ``requests`` records
    every chat request (headers and JSON body).
    """

    def __init__(
        self,
        model: FakeChatModel | None = None,
        *,
        api_key: str = "test-key",
        delay: float = 0.0,
        models_dir: Path | None = None,
        model_name: str = "fake-grader",
        json_schema: bool = True,
        tools: bool = True,
        listed: Sequence[str] | None = None,
        owned_by: str = "fake",
    ) -> None:
        self.model = model or FakeChatModel()
        self.listed = list(listed) if listed is not None else [model_name]
        self.owned_by = owned_by
        self.json_schema = json_schema
        self.tools = tools
        self.api_key = api_key
        self.delay = delay
        self.model_name = model_name
        self.requests: list[dict[str, Any]] = []
        self._models_dir = models_dir
        self._faults: list[ServerFault] = []
        self._in_flight = 0  # chat requests being handled, abandoned ones included
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """Base URL for OpenAI clients, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until no chat request is being handled.

        A client that timed out leaves its request sleeping here; when it wakes it would take
        the next scripted model reply. Tests that reuse one server wait for that first.
        """
        deadline = time.monotonic() + timeout
        while self._in_flight and time.monotonic() < deadline:
            time.sleep(0.02)

    def push_fault(self, *faults: ServerFault) -> None:
        """Queue faults; each is consumed by one chat request."""
        with self._lock:
            self._faults.extend(faults)

    def start(self) -> FakeOpenAIServer:
        """Start serving in a background thread; returns once the port accepts requests."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        # loop="auto" picks uvloop when installed: with the plain asyncio loop each request
        # took ~44 ms here, with uvloop ~1 ms (measured with httpx against /v1/models).
        config = uvicorn.Config(
            self._app(), log_level="warning", access_log=False, lifespan="off", loop="auto"
        )
        server = self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: server.run(sockets=[sock]),
            daemon=True,
            name="fake-openai-server",
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake OpenAI server did not start within 10 s")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop the server and wait for its thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _next_fault(self) -> ServerFault | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def _authorized(self, request: Request) -> bool:
        return request.headers.get("authorization", "") == f"Bearer {self.api_key}"

    def _app(self) -> FastAPI:
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

        @app.get("/v1/models")
        async def models(request: Request) -> Response:
            if not self._authorized(request):
                return _error(401, "invalid_api_key", "Incorrect API key provided.")
            return JSONResponse(
                {
                    "object": "list",
                    "data": [
                        {"id": name, "object": "model", "owned_by": self.owned_by}
                        for name in self.listed
                    ],
                }
            )

        @app.post("/v1/chat/completions")
        async def chat(request: Request) -> Response:
            with self._lock:
                self._in_flight += 1
            try:
                return await _chat(request)
            finally:
                with self._lock:
                    self._in_flight -= 1

        async def _chat(request: Request) -> Response:
            body = await request.json()
            with self._lock:
                self.requests.append({"headers": dict(request.headers), "body": body})
            if not self._authorized(request):
                return _error(401, "invalid_api_key", "Incorrect API key provided.")
            if body.get("stream"):
                return _error(
                    400, "invalid_request_error", "Streaming is not supported by the fake server."
                )
            response_format = body.get("response_format") or {}
            if not self.json_schema and response_format.get("type") == "json_schema":
                return _error(
                    400,
                    "invalid_request_error",
                    "Invalid parameter: 'response_format' of type 'json_schema' is not supported.",
                )
            if not self.tools and body.get("tools"):
                return _error(
                    400, "invalid_request_error", "Invalid parameter: 'tools' is not supported."
                )
            fault = self._next_fault()
            delay = self.delay + (fault.seconds if fault and fault.kind == "delay" else 0.0)
            if delay:
                await asyncio.sleep(delay)
            if fault and fault.kind == "429":
                return _error(
                    429,
                    "rate_limit_exceeded",
                    "Rate limit reached.",
                    {"retry-after": f"{fault.retry_after:g}"},
                )
            if fault and fault.kind == "500":
                return _error(500, "server_error", "The server had an error.")
            if fault and fault.kind == "malformed_body":
                return PlainTextResponse(
                    '{"id": "chatcmpl-broken", "choices": [', media_type="application/json"
                )
            messages = [_to_message(m) for m in body.get("messages", [])]
            if fault and fault.kind == "empty_reply":
                text = ""
            else:
                reply = await asyncio.to_thread(self.model.invoke, messages)
                text = str(reply.content)
            return JSONResponse(self._completion(body, messages, text))

        return app

    def _completion(
        self, body: dict[str, Any], messages: list[BaseMessage], text: str
    ) -> dict[str, Any]:
        prompt_tokens = completion_tokens = 0
        if self._models_dir is not None:
            from interviewer.grading.judge import prompt_tokens as count_prompt
            from interviewer.knowledge.tokens import count_tokens

            prompt_tokens = count_prompt([str(m.content) for m in messages], self._models_dir)
            completion_tokens = count_tokens(text, self._models_dir)
        message: dict[str, Any] = {"role": "assistant", "content": text}
        finish = "stop"
        function = ((body.get("tool_choice") or {}) if body.get("tools") else {}).get("function")
        if isinstance(function, dict) and function.get("name"):
            # As OpenAI answers a forced function call: no content, the reply as its arguments.
            call = {"name": function["name"], "arguments": text}
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": f"call_{uuid.uuid4().hex[:12]}", "type": "function", "function": call}
                ],
            }
            finish = "tool_calls"
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.model_name),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


def _to_message(raw: dict[str, Any]) -> BaseMessage:
    content = raw.get("content") or ""
    if isinstance(content, list):
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    role = raw.get("role")
    if role in ("system", "developer"):
        return SystemMessage(content=content)
    if role == "assistant":
        return AIMessage(content=content)
    return HumanMessage(content=content)


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": code, "code": code}},
        status_code=status,
        headers=headers,
    )
