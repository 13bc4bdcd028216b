"""Security: unguessable ids, no access by changing an id, team pages locked, upload limits,
no secrets in the browser, logs, reports or error messages.

The app runs as a real process (``python app.py``) with a known fake LLM key and team
password, graded by the LLM grader on the fake server, and is driven with ``gradio_client``
and raw HTTP: the same API the browser uses.
"""

from __future__ import annotations

import json
import math
import secrets
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError, ValidationError
from pydantic import SecretStr
from typer.testing import CliRunner
from ui.conftest import AppServer

from interviewer.bank import load_default_bank
from interviewer.cli import app as cli
from interviewer.errors import StoreError
from interviewer.grading.service import build_grading_service
from interviewer.settings import Settings
from interviewer.store import Repository, open_database

from .conftest import LLM_KEY, STRONG, TEAM_PASSWORD

runner = CliRunner()


@pytest.fixture(scope="module")
def ada_session(client: Client) -> str:
    """A session of candidate Ada with one graded answer; its id."""
    result = client.predict(
        "Ada Lovelace", [], 2, "any", "practice", False, False, None, [], api_name="/start"
    )
    session_id = result[-1]  # the id shown above the chat
    client.predict(STRONG, [], [session_id], api_name="/answer")
    return str(session_id)


# --- ids ---------------------------------------------------------------------------------


def test_security_session_ids_are_random_128_bit_tokens(settings: Settings) -> None:
    repo = Repository(open_database(settings))
    ids = [repo.create_session(config={}, question_ids=["q01"]).id for _ in range(300)]
    repo.engine.dispose()
    assert len(set(ids)) == len(ids)
    alphabet = set("".join(ids))
    assert alphabet <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert min(len(i) for i in ids) >= 22  # 22 base64url characters = 128 bits
    assert len(ids[0]) * math.log2(64) >= 128
    # No shared prefix or counter: consecutive ids differ from the first character on.
    assert len({i[:4] for i in ids}) > 250


@pytest.mark.parametrize(
    "altered",
    ["flip-last", "random", "../../etc/passwd", "' OR '1'='1", "1", "%2e%2e%2f", "<script>"],
)
def test_security_altered_session_id_opens_nothing(
    client: Client, ada_session: str, altered: str
) -> None:
    if altered == "flip-last":
        altered = ada_session[:-1] + ("A" if ada_session[-1] != "A" else "B")
    elif altered == "random":
        altered = secrets.token_urlsafe(16)
    # Resume refuses through its validator (a ValidationError for an API client).
    with pytest.raises(ValidationError) as refused:
        client.predict(session_id=altered, ids=[], api_name="/resume")
    message = str(refused.value)
    assert "Ada" not in message and "Traceback" not in message
    shaped = all(c.isascii() and (c.isalnum() or c in "-_") for c in altered)
    assert ("No interview with the id" if shaped else "not a valid session id") in message
    # History says so in its feedback area; the Report tab refuses through its validator.
    shown, _ = client.predict(session_id=altered, ids=[], api_name="/show")
    with pytest.raises(ValidationError) as info:
        client.predict(session_id=altered, known=[], api_name="/show_1")
    for message in (shown, str(info.value)):
        assert "Ada" not in message and "Traceback" not in message
    unknown = "No interview session with that id"
    assert (unknown if shaped else "not a valid session id") in shown
    assert unknown in str(info.value)


def test_security_session_lists_show_only_the_ids_a_browser_holds(
    client: Client, ada_session: str
) -> None:
    other = Client(client.src, verbose=False)  # another browser
    table, _ = other.predict([], api_name="/refresh_1")
    assert ada_session not in json.dumps(table)
    mine, _ = client.predict([ada_session], api_name="/refresh_1")
    assert any(ada_session in str(row) and "Ada" in str(row) for row in mine["data"])


# --- team pages ------------------------------------------------------------------------------


TEAM_CALLS = [
    ("/approve", ("q01",)),
    ("/load", ("q01",)),
    ("/save", ("q01", "Hacked?", "gan", 1, "a\nb", "x", "")),
    ("/add", ()),
    ("/run", (None, 1, False)),
    ("/ingest", ([],)),
    ("/preview", (None, "gan")),
]


@pytest.mark.parametrize(("api_name", "args"), TEAM_CALLS, ids=[c[0] for c in TEAM_CALLS])
def test_security_team_endpoints_refuse_without_sign_in(
    client: Client, api_name: str, args: tuple[object, ...]
) -> None:
    with pytest.raises(AppError, match="Sign in with the team password"):
        client.predict(*args, api_name=api_name)


def test_security_wrong_team_password_lists_no_sessions(client: Client, ada_session: str) -> None:
    for api_name in ("/sign_in", "/sign_in_2"):  # Report tab, Calibration tab
        outputs = client.predict("guess", api_name=api_name)
        assert "Wrong password" in json.dumps(outputs)
        assert ada_session not in json.dumps(outputs)


def test_security_team_state_cannot_be_forged_over_http(
    running_app: AppServer, ada_session: str
) -> None:
    """Posting ``True`` into the sign-in state's slot is ignored: State lives on the server."""
    config = httpx.get(f"{running_app.url}/config").json()
    [dep] = [d for d in config["dependencies"] if d.get("api_name") == "approve"]
    session_hash = secrets.token_hex(8)
    joined = httpx.post(
        f"{running_app.url}/gradio_api/queue/join",
        json={
            "data": ["q01", True],
            "fn_index": dep["id"],
            "session_hash": session_hash,
            "event_data": None,
            "trigger_id": None,
        },
    )
    assert joined.status_code == 200, joined.text
    events = ""
    with httpx.stream(
        "GET",
        f"{running_app.url}/gradio_api/queue/data",
        params={"session_hash": session_hash},
        timeout=30,
    ) as stream:
        for line in stream.iter_lines():
            events += line + "\n"
            if "process_completed" in line:
                break
    assert "Sign in with the team password" in events
    assert '"success": true' not in events.replace('"success":true', '"success": true')


# --- uploads -----------------------------------------------------------------------------------


def test_security_uploads_over_the_size_limit_are_refused(
    running_app: AppServer, tmp_path: Path
) -> None:
    from interviewer.ui.app import launch_kwargs

    limit_mb = int(launch_kwargs()["max_file_size"].removesuffix("mb"))
    big = tmp_path / "scores.csv"
    with big.open("wb") as handle:
        handle.truncate((limit_mb + 1) * 1024 * 1024)  # over the app's limit
    with big.open("rb") as handle:
        response = httpx.post(
            f"{running_app.url}/gradio_api/upload",
            files={"files": ("scores.csv", handle, "text/csv")},
            timeout=60,
        )
    assert response.status_code == 413
    assert "maximum allowed size" in response.text


def test_security_upload_name_cannot_traverse_out_of_the_upload_folder(
    running_app: AppServer,
) -> None:
    response = httpx.post(
        f"{running_app.url}/gradio_api/upload",
        files={"files": ("../../../../tmp/evil.csv", b"answer,rater,score\n", "text/csv")},
        timeout=30,
    )
    assert response.status_code == 200
    [stored] = response.json()
    assert ".." not in Path(stored).parts
    assert Path(stored).name == "evil.csv" and not Path("/tmp/evil.csv").exists()
    escaped = httpx.get(f"{running_app.url}/gradio_api/file=/etc/passwd")
    assert escaped.status_code in (403, 404)


# --- secrets -------------------------------------------------------------------------------


def test_security_llm_key_and_team_password_never_reach_the_browser(
    running_app: AppServer, client: Client, ada_session: str
) -> None:
    pages = [
        httpx.get(running_app.url + path, timeout=30).text
        for path in ("/", "/config", "/gradio_api/info", f"/?session={ada_session}")
    ]
    resumed = client.predict(session_id=ada_session, ids=[], api_name="/resume")
    report = client.predict(session_id=ada_session, known=[], api_name="/show_1")
    assert "Ada" in json.dumps(report)  # the report really was rendered
    payloads = [*pages, json.dumps(resumed, default=str), json.dumps(report, default=str)]
    for text in payloads:
        assert LLM_KEY not in text and TEAM_PASSWORD not in text
        assert LLM_KEY[-8:] not in text  # not even a tail of it


def test_security_app_log_holds_no_secret(
    running_app: AppServer, client: Client, ada_session: str
) -> None:
    client.predict("wrong " + TEAM_PASSWORD[:4], api_name="/sign_in_2")
    log = running_app.log.read_text(errors="replace")
    assert "Running on" in log  # the log is really the app's
    assert LLM_KEY not in log and TEAM_PASSWORD not in log


def test_security_config_and_doctor_mask_keys_and_database_passwords(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTERVIEWER_LLM_API_KEY", LLM_KEY)
    monkeypatch.setenv("INTERVIEWER_ADMIN_PASSWORD", TEAM_PASSWORD)
    monkeypatch.setenv(
        "INTERVIEWER_DATABASE_URL", "postgresql+psycopg://app:db-pw-91xq@127.0.0.1:1/interviewer"
    )
    shown = runner.invoke(cli, ["config"])
    assert shown.exit_code == 0
    doctor = runner.invoke(cli, ["doctor"])
    for result in (shown, doctor):
        assert LLM_KEY not in result.output and TEAM_PASSWORD not in result.output
        assert "db-pw-91xq" not in result.output
    assert json.loads(shown.stdout)["llm_api_key"] == "********"


def test_security_store_and_grading_errors_name_no_secret(llm_settings: Settings) -> None:
    url = "postgresql+psycopg://app:db-pw-91xq@127.0.0.1:1/interviewer"
    with pytest.raises(StoreError) as info:
        open_database(Settings(database_url=url))
    assert "db-pw-91xq" not in str(info.value)
    assert "db-pw-91xq" not in str(info.value.__cause__)  # what a logged traceback would show

    wrong = llm_settings.model_copy(update={"llm_api_key": SecretStr("sk-wrong-key-5551234")})
    question = load_default_bank(wrong).get("q04")
    grade = build_grading_service(wrong, "llm").grade(question, STRONG)
    assert grade.status == "pending" and "INTERVIEWER_LLM_API_KEY" in grade.diagnostics
    assert "sk-wrong-key-5551234" not in grade.model_dump_json()


def test_security_reports_hold_no_secret(
    running_app: AppServer, client: Client, ada_session: str
) -> None:
    outputs = client.predict(session_id=ada_session, known=[], api_name="/show_1")
    paths = [o["value"] for o in outputs if isinstance(o, dict) and o.get("value")]
    # Download every report file as the browser does (the Report tab's buttons).
    files = {
        Path(path).suffix: httpx.get(f"{running_app.url}/gradio_api/file={path}", timeout=30)
        for path in paths
    }
    assert set(files) >= {".pdf", ".html", ".md", ".json"}
    assert all(response.status_code == 200 for response in files.values())
    assert "Ada" in files[".md"].text  # really this session's report
    for text in [json.dumps(outputs), *(r.text for s, r in files.items() if s != ".pdf")]:
        assert LLM_KEY not in text and TEAM_PASSWORD not in text
    assert LLM_KEY.encode() not in files[".pdf"].content


def test_security_report_of_a_same_named_candidate_holds_no_other_session_id(
    running_app: AppServer, client: Client, ada_session: str
) -> None:
    """Sessions are linked by the typed name: the JSON report of another "Ada Lovelace", in
    another browser, listed Ada's session id (the key to her session) in its trend."""
    other = Client(client.src, verbose=False)  # another browser, the same name typed
    started = other.predict(
        "Ada Lovelace", [], 1, "any", "practice", False, False, None, [], api_name="/start"
    )
    mine = str(started[-1])
    other.predict(STRONG, [], [mine], api_name="/answer")
    outputs = other.predict(session_id=mine, known=[mine], api_name="/show_1")
    [path] = [o["value"] for o in outputs if isinstance(o, dict) and ".json" in str(o.get("value"))]
    report = httpx.get(f"{running_app.url}/gradio_api/file={path}", timeout=30).json()
    assert [point["session_id"] for point in report["trend"]] == [mine]
    assert ada_session not in json.dumps(outputs) + json.dumps(report)


def test_an_exam_in_progress_shows_no_grades_to_the_candidate(client: Client) -> None:
    """The Report button showed an exam's scores and missed key points before it ended."""
    result = client.predict(
        "Exam Taker", [], 2, "any", "exam", False, False, None, [], api_name="/start"
    )
    session_id = str(result[-1])
    client.predict(STRONG, [], [session_id], api_name="/answer")  # one of two answered
    # History says so in its feedback area (raised, it was a red "Error" toast), the Report
    # tab refuses through its validator.
    shown = client.predict(session_id=session_id, ids=[], api_name="/show")
    assert "This exam is still in progress" in shown[0] and "/ 5" not in shown[0]
    with pytest.raises(ValidationError, match="This exam is still in progress") as info:
        client.predict(session_id=session_id, known=[], api_name="/show_1")
    assert "/ 5" not in str(info.value)
    # Nor does History's list give the exam's mean score ("Mean of graded 1.2" showed).
    table, _ = client.predict(ids=[session_id], api_name="/refresh")
    assert table["data"][0][-1] == "after the exam", table
    client.predict(STRONG, [], [session_id], api_name="/answer")  # the exam ends
    report = client.predict(session_id=session_id, known=[], api_name="/show_1")
    assert "Exam Taker" in json.dumps(report)
