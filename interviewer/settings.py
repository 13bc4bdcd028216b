"""Settings: one object, read from ``INTERVIEWER_*`` environment variables and a ``.env`` file.

Built at the edge (CLI, app) and passed down; nothing reads ``os.environ`` at import time.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "PROJECT_ROOT",
    "Settings",
    "file_problem",
    "folder_setting",
    "settings_problem",
    "unknown_settings",
]

# The repository root: knowledge/ and prompts/ live beside the package (editable install).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Effective configuration of interviewer."""

    model_config = SettingsConfigDict(
        env_prefix="INTERVIEWER_", env_file=".env", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(default=Path("data"), description="Chroma store and SQLite database.")
    models_dir: Path = Field(
        default=PROJECT_ROOT / "models",
        description="Offline model files, filled by `make install` (`interviewer assets install`).",
    )
    knowledge_dir: Path = Field(default=PROJECT_ROOT / "knowledge")
    prompts_dir: Path = Field(default=PROJECT_ROOT / "prompts")

    # Knowledge base
    embedding: Literal["minilm", "openai", "fake"] = "minilm"
    openai_embedding_model: str = "text-embedding-3-small"
    chunk_tokens: int = Field(default=200, ge=32, le=240)
    chunk_overlap: int = Field(default=30, ge=0, le=120)
    chroma_host: str | None = None
    chroma_port: int = 8000
    retrieval_k: int = Field(default=4, ge=1, le=20)

    # Storage
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is SQLite in the data directory."
    )

    # Grading
    grader: Literal["auto", "offline", "llm"] = Field(
        default="auto", description="auto = llm when an API key or base URL is set, else offline."
    )
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("INTERVIEWER_LLM_API_KEY", "OPENAI_API_KEY", "llm_api_key"),
    )
    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = Field(default=60.0, gt=0)
    llm_max_attempts: int = Field(default=4, ge=1, le=4)
    on_llm_failure: Literal["pending", "fallback"] = "pending"
    regrade_interval: float = Field(
        default=60.0,
        ge=0,
        description="Seconds between the web app's passes over pending grades (0: off; "
        "`interviewer regrade --pending` still works).",
    )
    llm_response_format: Literal["json_schema", "tool_calling", "json_mode", "none"] = Field(
        default="json_schema",
        description="tool_calling for servers with tools but no JSON-schema output; json_mode "
        "for servers with neither (older Ollama/llama.cpp).",
    )
    evidence_tokens: int = Field(default=550, ge=0, le=3000)
    allow_remote: bool = Field(
        default=True, description="Tests set this off so no network model is ever called."
    )

    # Speech
    stt: Literal["base", "tiny.en", "openai"] = "base"
    tts: Literal["browser", "piper"] = "browser"

    # Access
    admin_password: SecretStr | None = None
    admin_auth_file: Path | None = Field(
        default=None, description="Named team logins (`interviewer team add NAME` writes it)."
    )

    @property
    def chroma_path(self) -> Path:
        """Folder of the embedded Chroma store."""
        return self.data_dir / "chroma"

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'interviewer.db').resolve()}"

    @property
    def effective_grader(self) -> Literal["offline", "llm"]:
        """The grader to use when none is chosen explicitly."""
        if self.grader != "auto":
            return self.grader
        return "llm" if (self.llm_api_key or self.llm_base_url) else "offline"

    @field_validator("llm_base_url")
    @classmethod
    def _with_scheme(cls, value: str | None) -> str | None:
        # "127.0.0.1:11434/v1" was accepted, and each grade then spent its four attempts on a
        # bare "Connection error" before it was left pending.
        if (
            value is not None
            and value.strip()
            and not value.strip().startswith(("http://", "https://"))
        ):
            raise ValueError("must start with http:// or https://, e.g. http://127.0.0.1:11434/v1")
        return value.strip() if value else value

    @field_validator("chroma_host")
    @classmethod
    def _host_alone(cls, value: str | None) -> str | None:
        # "10.0.0.5:8000" failed at the first search as "Invalid port: '8000:8000'", and the
        # remedy offered `chroma run --host 10.0.0.5:8000`. A URL, "http://host:port", is
        # Chroma's own form and works; its port, when it has none, is INTERVIEWER_CHROMA_PORT.
        text = (value or "").strip()
        if "://" in text:
            url = urlsplit(text)
            if url.scheme not in ("http", "https") or not url.hostname:
                raise ValueError(
                    "must be a host (10.0.0.5) or an http:// or https:// URL (http://10.0.0.5:8000)"
                )
            try:
                url.port  # noqa: B018 - raises on a port that is not a number
            except ValueError as exc:
                raise ValueError(f"has a bad port ({exc}): write http://HOST:PORT") from exc
            return text
        host, colon, port = text.rpartition(":")
        if colon and host and ":" not in host and "/" not in host and port.isdigit():
            raise ValueError(
                f"holds a port: set INTERVIEWER_CHROMA_HOST={host} and "
                f"INTERVIEWER_CHROMA_PORT={port}"
            )
        return value

    @property
    def chroma_url(self) -> str | None:
        """The Chroma server's base URL with its port, or None for the embedded store.

        A host, or a URL without a port, gets ``chroma_port``: Chroma's client gave a URL
        without one the scheme's port, so ``http://10.0.0.5`` was looked for on port 80 while
        ``chroma run`` listens on 8000.
        """
        text = (self.chroma_host or "").strip()
        if not text:
            return None
        if "://" not in text:
            text = f"http://[{text}]" if ":" in text else f"http://{text}"  # IPv6 in brackets
        url = urlsplit(text)
        if url.port is None:
            url = url._replace(netloc=f"{url.netloc}:{self.chroma_port}")
        return urlunsplit(url).rstrip("/")

    def masked(self) -> dict[str, object]:
        """Settings as a dict with secrets masked, for `interviewer config`."""
        out: dict[str, object] = {}
        for key, value in self.model_dump().items():
            if isinstance(value, SecretStr):
                out[key] = "********" if value.get_secret_value() else ""
            elif isinstance(value, Path):
                out[key] = str(value)
            else:
                out[key] = value
        out["effective_database_url"] = _mask_url(self.effective_database_url)
        out["effective_grader"] = self.effective_grader
        if self.database_url:
            out["database_url"] = _mask_url(self.database_url)
        return out


def _mask_url(url: str) -> str:
    """Hide the password part of a database URL."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is shown as-is minus nothing secret
        return url.split("@")[-1]


def settings_problem(exc: ValidationError) -> str:
    """An invalid environment variable or .env entry, named as the user wrote it (one line)."""
    problems = []
    for err in exc.errors():
        name = "INTERVIEWER_" + "_".join(str(part) for part in err["loc"]).upper()
        problems.append(f"{name}={err.get('input')!r}: {err['msg']}")
    return (
        f"Invalid setting {'; '.join(problems)}. Fix it in the environment or in .env "
        "(see README, Configuration)."
    )


def unknown_settings() -> list[str]:
    """INTERVIEWER_* variables of the environment and of ``.env`` that are not settings, each
    with the closest setting's name: a misspelt one ("INTERVIEWER_GRADR=llm") was silently
    ignored, and in ``.env`` even after the environment's were named."""
    known = {f"INTERVIEWER_{name.upper()}" for name in Settings.model_fields}
    where = {k: "" for k in os.environ} | {k: " in .env" for k in _dotenv_names()}
    unknown = sorted(k for k in where if k.startswith("INTERVIEWER_") and k not in known)
    hints = []
    for name in unknown:
        if name.startswith("INTERVIEWER_TEST_"):  # read by the test suite, not the app
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"{name}{where[name]}"
        hints.append(f"{hint} (did you mean {close[0]}?)" if close else hint)
    return hints


def _dotenv_names() -> list[str]:
    """The names set in the ``.env`` file the settings read (the working directory's)."""
    from dotenv import dotenv_values

    env_file = Path(str(Settings.model_config.get("env_file") or ".env"))
    return [k for k in dotenv_values(env_file) if k] if env_file.is_file() else []


def folder_setting(path: str | Path, settings: Settings | None = None) -> str | None:
    """``INTERVIEWER_X_DIR=value`` for the folder setting ``path`` lies in, or None.

    An error about a file under the data or models folder ("cannot use /srv/x/interviewer.db")
    did not say which setting had put it there.
    """
    try:
        settings = settings or Settings()
    except ValidationError:
        return None  # the settings' own error is reported elsewhere
    target = Path(path).expanduser().absolute()
    for name in ("data_dir", "models_dir", "knowledge_dir", "prompts_dir"):
        folder = Path(getattr(settings, name)).expanduser().absolute()
        if target == folder or folder in target.parents:
            return f"INTERVIEWER_{name.upper()}={getattr(settings, name)}"
    return None


def file_problem(exc: OSError) -> str:
    """A file or folder that cannot be used, in one line, naming the setting to check when the
    path lies in a configured folder (the CLI and ``app.py`` both say it this way)."""
    setting = folder_setting(exc.filename) if exc.filename else None
    fix = f"Check {setting}." if setting else "Check the path."
    return f"cannot use {exc.filename or 'a file'}: {exc.strerror or exc}. {fix}"
