"""Chat models: :func:`build_chat_model` for the configured OpenAI-compatible endpoint.

``INTERVIEWER_LLM_MODEL=fake`` selects the deterministic :class:`FakeChatModel` (no network).
Remote endpoints are refused unless ``allow_remote`` is set (tests switch it off).
"""

from __future__ import annotations

from urllib.parse import urlparse

from langchain_core.language_models import BaseChatModel

from interviewer.chat.fake import FakeChatModel, FakeFault
from interviewer.errors import ConfigError
from interviewer.settings import Settings

__all__ = ["FAKE_MODEL", "FakeChatModel", "FakeFault", "build_chat_model", "is_local_url"]

FAKE_MODEL = "fake"
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


def is_local_url(url: str | None) -> bool:
    """Whether an endpoint runs on this machine (no base URL means api.openai.com)."""
    return bool(url) and (urlparse(url).hostname or "") in _LOCAL_HOSTS


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model the LLM grader talks to.

    The client's own retries are off (``max_retries=0``): the grader's loop counts every
    request against its budget of at most ``llm_max_attempts`` per answer.

    Raises:
        ConfigError: A remote model while ``allow_remote`` is off, or a remote one without key.
    """
    if settings.llm_model == FAKE_MODEL:
        return FakeChatModel()
    local = is_local_url(settings.llm_base_url)
    if not local and not settings.allow_remote:
        raise ConfigError(
            f"Remote LLM endpoint {settings.llm_base_url or 'api.openai.com'} refused because "
            "INTERVIEWER_ALLOW_REMOTE is false; set INTERVIEWER_ALLOW_REMOTE=true, point "
            "INTERVIEWER_LLM_BASE_URL at a local server, or grade offline (--grader offline, or "
            "INTERVIEWER_GRADER=offline)."
        )
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    if not key and not local:
        raise ConfigError(
            "The LLM grader needs an API key: set INTERVIEWER_LLM_API_KEY (or OPENAI_API_KEY), "
            "or set INTERVIEWER_LLM_BASE_URL to a local server, or grade offline (--grader "
            "offline, or INTERVIEWER_GRADER=offline)."
        )
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    return ChatOpenAI(
        model=settings.llm_model,
        base_url=settings.llm_base_url,
        api_key=SecretStr(key or "not-needed"),  # local servers ignore it; the client needs one
        temperature=0,
        timeout=settings.llm_timeout,
        max_retries=0,
    )
