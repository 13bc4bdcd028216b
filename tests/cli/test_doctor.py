"""`interviewer doctor` and `interviewer config`: every component checked, remedies given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer.cli import app

runner = CliRunner()


def _checks(result_stdout: str) -> dict[str, dict[str, object]]:
    return {row["check"]: row for row in json.loads(result_stdout)}


def test_doctor_checks_every_component_of_a_fresh_install() -> None:
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0, result.output
    checks = _checks(result.stdout)
    expected = {
        "model files",
        "tokenizer",
        "offline grader",
        "vector store",
        "database",
        "llm endpoint",
    }
    assert expected <= set(checks)
    assert all(row["ok"] for row in checks.values())
    assert "SHA-256" in str(checks["model files"]["detail"])
    assert "MiniLM word pieces, 'hello world' = 4" in str(checks["tokenizer"]["detail"])
    assert "use-multilingual-3-int8 (512 dims)" in str(checks["offline grader"]["detail"])
    assert "empty" in str(checks["vector store"]["detail"])  # a fresh data dir: filled on use


def test_doctor_without_model_files_fails_and_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVIEWER_MODELS_DIR", str(tmp_path / "no-models"))
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1
    checks = _checks(result.stdout)
    for name in ("model files", "tokenizer", "offline grader", "vector store"):
        assert checks[name]["ok"] is False
        assert "make install" in f"{checks[name]['detail']} {checks[name]['fix']}"
    assert checks["database"]["ok"] is True  # one broken part does not hide the others


def test_doctor_table_marks_failures_with_a_fix_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    monkeypatch.setenv("INTERVIEWER_DATABASE_URL", "postgresql+psycopg://app:pw@127.0.0.1:1/x")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "[FAIL] database" in result.stdout
    assert "fix: check INTERVIEWER_DATABASE_URL" in result.stdout
    assert "[ok  ] model files" in result.stdout


def test_config_prints_the_effective_settings_as_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVIEWER_CHROMA_HOST", "chroma.internal")
    (tmp_path / ".env").write_text("INTERVIEWER_LLM_API_KEY=sk-from-dotenv-4242\n")
    result = runner.invoke(app, ["config"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["chroma_host"] == "chroma.internal"
    assert shown["data_dir"] == str(tmp_path / "data")
    assert shown["llm_api_key"] == "********"
    assert shown["effective_grader"] == "llm"  # a key was configured
    assert "sk-from-dotenv" not in result.stdout


def test_doctor_llm_check_names_the_real_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    """It passed a model the server does not have ("[ok] ... model nope NOT listed") and gave
    the HTTP library's text for a wrong key or a stopped server."""
    from interviewer.chat.server import FakeOpenAIServer

    def llm_check(**env: str) -> dict[str, object]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = runner.invoke(app, ["doctor", "--json"])
        return _checks(result.stdout)["llm endpoint"]

    with FakeOpenAIServer() as server:
        base = {"INTERVIEWER_LLM_BASE_URL": server.url, "INTERVIEWER_LLM_API_KEY": "test-key"}
        ok = llm_check(**base, INTERVIEWER_LLM_MODEL="fake-grader")
        assert ok["ok"] is True and "model fake-grader listed" in str(ok["detail"])
        missing = llm_check(**base, INTERVIEWER_LLM_MODEL="nope")
        assert missing["ok"] is False
        assert "has no model 'nope'; it lists fake-grader" in str(missing["detail"])
        wrong_key = llm_check(INTERVIEWER_LLM_API_KEY="wrong", INTERVIEWER_LLM_MODEL="x")
        assert wrong_key["ok"] is False and "refused the key (HTTP 401)" in str(wrong_key["detail"])
        # With no key set it also said "refused the key": there was none to refuse.
        no_key = llm_check(INTERVIEWER_LLM_API_KEY="")
        assert no_key["ok"] is False and "refused" not in str(no_key["detail"])
        assert "asks for an API key (HTTP 401) and none is set: set INTERVIEWER_LLM_API_KEY" in str(
            no_key["detail"]
        )
        url = server.url
    stopped = llm_check(INTERVIEWER_LLM_BASE_URL=url, INTERVIEWER_LLM_API_KEY="test-key")
    assert stopped["ok"] is False
    assert f"nothing answers at {url}" in str(stopped["detail"])


def test_doctor_llm_check_names_the_close_models_when_the_model_is_not_served(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ollama lists tagged names: "llama3" failed with the whole list and a fix line naming
    every LLM setting; and the check asks /models only, spending no tokens."""
    from interviewer.chat.server import FakeOpenAIServer

    with FakeOpenAIServer(listed=["mistral:7b", "llama3:8b", "llama3:70b"]) as server:
        monkeypatch.setenv("INTERVIEWER_LLM_BASE_URL", server.url)
        monkeypatch.setenv("INTERVIEWER_LLM_API_KEY", "test-key")
        monkeypatch.setenv("INTERVIEWER_LLM_MODEL", "llama3")
        result = runner.invoke(app, ["doctor"])
        assert server.requests == []  # no chat request: no tokens spent
    assert result.exit_code == 1
    assert (
        f"[FAIL] llm endpoint: {server.url} answers, but it has no model 'llama3'; did you mean "
        "llama3:8b or llama3:70b? It lists llama3:8b, llama3:70b, mistral:7b" in result.stdout
    )
    assert (
        f"fix: set INTERVIEWER_LLM_MODEL to a name {server.url} lists (llama3:8b, llama3:70b, "
        "mistral:7b), or load 'llama3' on the server" in result.stdout
    )


def test_doctor_llm_check_passes_a_name_ollama_completes_with_latest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ollama serves "llama3" as "llama3:latest", the name it lists: doctor failed it."""
    from interviewer.chat.server import FakeOpenAIServer

    with FakeOpenAIServer(listed=["llama3:latest"]) as server:
        monkeypatch.setenv("INTERVIEWER_LLM_BASE_URL", server.url)
        monkeypatch.setenv("INTERVIEWER_LLM_API_KEY", "test-key")
        monkeypatch.setenv("INTERVIEWER_LLM_MODEL", "llama3")
        check = _checks(runner.invoke(app, ["doctor", "--json"]).stdout)["llm endpoint"]
    assert check["ok"] is True
    assert check["detail"] == f"{server.url} answers; model llama3 listed (as llama3:latest)"


def test_doctor_llm_check_passes_any_name_for_llama_cpp_serving_one_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """llama.cpp's server lists its one model by file name and answers any name asked for:
    doctor failed a set-up that grades fine. Serving several, it routes by name, so a name it
    does not list still fails."""
    from interviewer.chat.server import FakeOpenAIServer

    monkeypatch.setenv("INTERVIEWER_LLM_API_KEY", "test-key")
    monkeypatch.setenv("INTERVIEWER_LLM_MODEL", "qwen")
    with FakeOpenAIServer(listed=["qwen2.5-7b-instruct-q4_k_m.gguf"], owned_by="llamacpp") as one:
        monkeypatch.setenv("INTERVIEWER_LLM_BASE_URL", one.url)
        check = _checks(runner.invoke(app, ["doctor", "--json"]).stdout)["llm endpoint"]
    assert check["ok"] is True
    assert check["detail"] == (
        f"{one.url} answers; it is llama.cpp serving one model "
        "(qwen2.5-7b-instruct-q4_k_m.gguf), which answers requests for qwen too"
    )
    with FakeOpenAIServer(listed=["mistral.gguf", "phi.gguf"], owned_by="llamacpp") as router:
        monkeypatch.setenv("INTERVIEWER_LLM_BASE_URL", router.url)
        check = _checks(runner.invoke(app, ["doctor", "--json"]).stdout)["llm endpoint"]
    assert check["ok"] is False
    assert "has no model 'qwen'" in str(check["detail"])


def test_doctor_llm_fix_line_fits_the_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every failure got one fix line naming INTERVIEWER_LLM_BASE_URL, _API_KEY and _MODEL at
    once, whatever had failed."""
    from interviewer.chat.server import FakeOpenAIServer

    def fix(**env: str) -> str:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        check = _checks(runner.invoke(app, ["doctor", "--json"]).stdout)["llm endpoint"]
        assert check["ok"] is False
        return str(check["fix"])

    with FakeOpenAIServer() as server:
        url = server.url
        root = url.removesuffix("/v1")
        monkeypatch.setenv("INTERVIEWER_LLM_MODEL", "fake-grader")
        no_key = fix(INTERVIEWER_LLM_BASE_URL=url, INTERVIEWER_LLM_API_KEY="")
        assert no_key == (
            f"set INTERVIEWER_LLM_API_KEY to the key the server at {url} expects (vLLM: its "
            "--api-key)"
        )
        wrong_key = fix(INTERVIEWER_LLM_API_KEY="wrong")
        assert wrong_key.startswith(f"set INTERVIEWER_LLM_API_KEY to a key that {url} accepts")
        no_v1 = fix(INTERVIEWER_LLM_BASE_URL=root, INTERVIEWER_LLM_API_KEY="test-key")
        assert no_v1 == f"set INTERVIEWER_LLM_BASE_URL={root}/v1"
        missing = fix(INTERVIEWER_LLM_BASE_URL=url, INTERVIEWER_LLM_MODEL="nope")
        assert missing.startswith(f"set INTERVIEWER_LLM_MODEL to a name {url} lists (fake-grader)")
        assert server.requests == []
    stopped = fix(INTERVIEWER_LLM_MODEL="fake-grader")
    assert stopped.startswith(f"start the LLM server so that it listens at {url} (e.g. `ollama")
    assert "or set INTERVIEWER_LLM_BASE_URL to the URL of the one that runs" in stopped
    for seen in (no_key, wrong_key, no_v1, stopped):
        assert "INTERVIEWER_LLM_MODEL" not in seen, seen


def test_doctor_names_a_misspelt_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """INTERVIEWER_GRADR=llm was silently ignored: the grader stayed offline."""
    monkeypatch.setenv("INTERVIEWER_GRADR", "llm")
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1
    check = _checks(result.stdout)["settings"]
    assert check["ok"] is False
    assert "INTERVIEWER_GRADR (did you mean INTERVIEWER_GRADER?)" in str(check["detail"])
    shown = runner.invoke(app, ["config"])
    assert shown.exit_code == 0
    assert "Warning: INTERVIEWER_GRADR (did you mean INTERVIEWER_GRADER?) is not a setting" in (
        shown.stderr
    )


def test_doctor_reports_an_invalid_setting_and_still_checks_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An invalid value stopped doctor before its first check, and --json printed no JSON."""
    monkeypatch.setenv("INTERVIEWER_GRADER", "ofline")
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1
    checks = _checks(result.stdout)
    assert checks["settings"]["ok"] is False
    assert "INTERVIEWER_GRADER='ofline'" in str(checks["settings"]["detail"])
    assert checks["database"]["ok"] is True  # the other checks ran with the default grader
    assert checks["llm endpoint"]["ok"] is True


def test_doctor_names_a_misspelt_setting_in_dot_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In .env a misspelt name was silently ignored, and doctor said every variable was known."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("INTERVIEWER_CHROMA_PROT=8000\n", encoding="utf-8")
    result = runner.invoke(app, ["doctor", "--json"])
    detail = str(_checks(result.stdout)["settings"]["detail"])
    assert "INTERVIEWER_CHROMA_PROT in .env (did you mean INTERVIEWER_CHROMA_PORT?)" in detail


def test_a_missing_question_bank_names_its_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVIEWER_KNOWLEDGE_DIR", str(tmp_path / "nowhere"))
    result = runner.invoke(app, ["questions", "list"])
    assert result.exit_code == 1
    assert "Question bank not found" in result.output
    assert "check INTERVIEWER_KNOWLEDGE_DIR" in result.output


def test_doctor_checks_the_team_auth_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing auth file was found only when someone tried to sign in."""
    from interviewer.access import add_login

    auth = tmp_path / "team.auth"
    monkeypatch.setenv("INTERVIEWER_ADMIN_AUTH_FILE", str(auth))
    missing = _checks(runner.invoke(app, ["doctor", "--json"]).stdout)["team sign-in"]
    assert missing["ok"] is False and "does not exist" in str(missing["detail"])
    add_login(auth, "alice", "a long enough password")
    ok = _checks(runner.invoke(app, ["doctor", "--json"]).stdout)["team sign-in"]
    assert ok["ok"] is True and "1 personal login in" in str(ok["detail"])
    auth.chmod(0o644)
    shared = _checks(runner.invoke(app, ["doctor", "--json"]).stdout)["team sign-in"]
    assert shared["ok"] is False and "chmod 600" in str(shared["detail"])


def test_doctor_says_which_scale_grades_and_when_a_team_scale_is_stale() -> None:
    """A team scale fitted under other measures (after an update of the grader) kept grading
    with thresholds chosen for other readings, and nothing said so."""
    from interviewer.grading.scale import FittedOn, Scale, TeamScale, write_team_scale
    from interviewer.grading.similarity import measures_version
    from interviewer.settings import Settings

    data = Settings().data_dir
    checks = _checks(runner.invoke(app, ["doctor", "--json"]).stdout)
    assert checks["offline grader's scale"]["detail"] == "the shipped scale"
    scale = Scale(partly_threshold=0.3, covered_threshold=0.6, depth_low=0.5, depth_high=0.8)
    team = TeamScale(
        scale=scale,
        shipped=scale,
        fitted_at="2026-11-27 12:00 UTC",
        fitted_on=FittedOn(file="ours.csv", sha256="0" * 16, answers=40, questions=5, raters=2),
        grader=measures_version(),
        method="test",
    )
    write_team_scale(data, team)
    result = runner.invoke(app, ["doctor", "--json"])
    check = _checks(result.stdout)["offline grader's scale"]
    assert check["ok"] and "fitted 2026-11-27 12:00 UTC on ours.csv" in str(check["detail"])
    write_team_scale(data, team.model_copy(update={"grader": "offline-1+measures-0123456789"}))
    result = runner.invoke(app, ["doctor", "--json"])
    check = _checks(result.stdout)["offline grader's scale"]
    assert result.exit_code == 1 and not check["ok"]
    assert "fitted under offline-1+measures-0123456789" in str(check["detail"])
    assert "--fit" in str(check["detail"]) and "--reset-fit" in str(check["fix"])
