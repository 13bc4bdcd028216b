"""Settings: INTERVIEWER_* variables, a .env file, one data directory, models kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from interviewer.settings import PROJECT_ROOT, Settings


def test_settings_read_a_dotenv_file_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The autouse fixture runs every test in tmp_path: the .env there is the one read.
    (tmp_path / ".env").write_text(
        "INTERVIEWER_CHUNK_TOKENS=150\nINTERVIEWER_LLM_MODEL=llama3.1:8b\nOPENAI_API_KEY=sk-dotenv\n"
    )
    settings = Settings()
    assert settings.chunk_tokens == 150
    assert settings.llm_model == "llama3.1:8b"
    assert settings.llm_api_key == SecretStr("sk-dotenv")


def test_settings_environment_overrides_the_dotenv_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("INTERVIEWER_LLM_MODEL=from-dotenv\n")
    monkeypatch.setenv("INTERVIEWER_LLM_MODEL", "from-env")
    assert Settings().llm_model == "from-env"


def test_settings_unprefixed_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_MODEL", "not-ours")
    assert Settings().llm_model == "gpt-4o-mini"


def test_settings_data_dir_defaults_to_data_and_holds_store_and_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("INTERVIEWER_DATA_DIR")
    settings = Settings()
    assert settings.data_dir == Path("data")
    assert settings.chroma_path == Path("data") / "chroma"
    assert settings.effective_database_url.endswith("/data/interviewer.db")


def test_settings_fresh_data_dir_keeps_the_installed_model_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INTERVIEWER_MODELS_DIR")
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(tmp_path / "brand-new"))
    settings = Settings()
    assert settings.models_dir == PROJECT_ROOT / "models"
    assert not settings.models_dir.is_relative_to(settings.data_dir)
    assert (settings.models_dir / "minilm" / "model.onnx").is_file()


def test_settings_invalid_value_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVIEWER_CHUNK_TOKENS", "5000")  # more than MiniLM can see
    with pytest.raises(ValueError, match="chunk_tokens"):
        Settings()


def test_settings_masked_hides_keys_and_database_passwords() -> None:
    settings = Settings(
        llm_api_key=SecretStr("sk-secret-123"),
        admin_password=SecretStr("hunter2"),
        database_url="postgresql+psycopg://app:pw-77@db.example/interviewer",
    )
    shown = settings.masked()
    assert shown["llm_api_key"] == "********"
    assert shown["admin_password"] == "********"
    assert "pw-77" not in str(shown)
    assert "db.example" in str(shown["database_url"])


@pytest.mark.parametrize("url", ["127.0.0.1:11434/v1", "localhost:8000"])
def test_settings_llm_base_url_needs_a_scheme(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Without http:// each grade spent four attempts on a bare "Connection error"."""
    from pydantic import ValidationError

    from interviewer.settings import settings_problem

    monkeypatch.setenv("INTERVIEWER_LLM_BASE_URL", url)
    with pytest.raises(ValidationError) as info:
        Settings()
    problem = settings_problem(info.value)
    assert problem.startswith(f"Invalid setting INTERVIEWER_LLM_BASE_URL='{url}'")
    assert "must start with http:// or https://" in problem
    monkeypatch.setenv("INTERVIEWER_LLM_BASE_URL", f" http://{url} ")
    assert Settings().llm_base_url == f"http://{url}"


def test_settings_chroma_host_with_a_port_says_where_the_port_goes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A host with its port, 10.0.0.5:8000, failed at the first search as "Invalid port:
    '8000:8000'", and the remedy offered `chroma run --host 10.0.0.5:8000`, no address either."""
    from pydantic import ValidationError

    from interviewer.settings import settings_problem

    monkeypatch.setenv("INTERVIEWER_CHROMA_HOST", "10.0.0.5:8001")
    with pytest.raises(ValidationError) as info:
        Settings()
    problem = settings_problem(info.value)
    assert problem.startswith("Invalid setting INTERVIEWER_CHROMA_HOST='10.0.0.5:8001'")
    assert "INTERVIEWER_CHROMA_HOST=10.0.0.5 and INTERVIEWER_CHROMA_PORT=8001" in problem
    for host in ("10.0.0.5", "chroma.internal", "http://10.0.0.5:8001"):  # URLs keep working
        monkeypatch.setenv("INTERVIEWER_CHROMA_HOST", host)
        assert Settings().chroma_host == host


def test_settings_chroma_url_without_a_port_uses_chroma_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """INTERVIEWER_CHROMA_HOST=http://10.0.0.5 was looked for on port 80 (the scheme's), while
    `chroma run` listens on 8000: a URL without a port now takes INTERVIEWER_CHROMA_PORT."""
    expected = {
        None: None,
        "10.0.0.5": "http://10.0.0.5:8000",
        "http://10.0.0.5": "http://10.0.0.5:8000",
        "https://chroma.example.com/": "https://chroma.example.com:8000",
        "https://chroma.example.com:443": "https://chroma.example.com:443",
        "http://10.0.0.5:8001/chroma": "http://10.0.0.5:8001/chroma",
    }
    for host, url in expected.items():
        assert Settings(chroma_host=host).chroma_url == url
    assert Settings(chroma_host="http://10.0.0.5", chroma_port=9000).chroma_url == (
        "http://10.0.0.5:9000"
    )


def test_settings_chroma_host_with_another_scheme_says_what_to_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """tcp://10.0.0.5 was accepted and failed at the first search with Chroma's own words."""
    from pydantic import ValidationError

    from interviewer.settings import settings_problem

    monkeypatch.setenv("INTERVIEWER_CHROMA_HOST", "tcp://10.0.0.5")
    with pytest.raises(ValidationError) as info:
        Settings()
    assert "an http:// or https:// URL (http://10.0.0.5:8000)" in settings_problem(info.value)


def test_the_web_app_names_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    """`make run` with a bad INTERVIEWER_* value printed a pydantic traceback."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "INTERVIEWER_GRADER": "foo", "INTERVIEWER_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "app.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("Error: Invalid setting INTERVIEWER_GRADER='foo'")
