"""Store faults: Chroma unreachable, SQLite locked by another writer, PostgreSQL down.

Grading goes on without evidence and says so; an answer that cannot be saved is refused with
a clear message, the engine stays as it was, and sending it again once the database is back
saves it.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

from interviewer.bank import load_default_bank
from interviewer.errors import StoreError
from interviewer.grading.service import build_grading_service
from interviewer.session import Interview, SessionConfig, render_feedback
from interviewer.settings import Settings
from interviewer.store import Repository, create_db_engine, db, open_database

from .conftest import STRONG

runner = CliRunner()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


class _Offline:
    """A stand-in grader (the store is under test, not grading)."""

    def __init__(self, settings: Settings) -> None:
        self._service = build_grading_service(settings, "offline")
        self._service._retriever = None  # noqa: SLF001 - no knowledge index to build here

    def grade(self, question, answer, *, transcript_confidence=None):  # type: ignore[no-untyped-def]
        return self._service.grade(question, answer, transcript_confidence=transcript_confidence)


@pytest.mark.parametrize("kind", ["offline", "llm"])
def test_store_chroma_unreachable_grades_without_evidence_and_says_so(
    settings: Settings, llm_settings: Settings, kind: str
) -> None:
    base = llm_settings if kind == "llm" else settings
    down = base.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": _closed_port()})
    question = load_default_bank(down).get("q04")

    grade = build_grading_service(down, kind).grade(question, STRONG)  # type: ignore[arg-type]

    assert grade.status == "graded" and grade.overall is not None
    assert "no_evidence" in grade.flags and grade.sources == []
    assert "Graded without reference material" in grade.message
    # The store's error names servers and commands: for the operator, not the candidate.
    assert "retrieval failed" in grade.diagnostics and "retrieval failed" not in grade.message
    assert "Chroma" not in grade.message
    assert "Graded without reference material" in render_feedback(grade)
    assert "Why: Graded without reference material: retrieval failed" in render_feedback(grade)


def _locked(path: str) -> sqlite3.Connection:
    """Another connection holding the write lock (an open write transaction)."""
    holder = sqlite3.connect(path, isolation_level=None, timeout=0, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_store_sqlite_locked_refuses_the_answer_clearly_then_saves_it_on_retry(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)  # fail in 0.2 s instead of 10 s
    repo = Repository(open_database(settings))
    bank = load_default_bank(settings)
    interview = Interview.create(
        repo, bank, _Offline(settings), SessionConfig(question_ids=["q04", "q01"])
    )
    interview.start()
    holder = _locked(str(settings.data_dir / "interviewer.db"))
    try:
        with pytest.raises(StoreError) as info:
            interview.submit(STRONG)
    finally:
        holder.rollback()
        holder.close()
    message = str(info.value)
    assert "unavailable or locked" in message and "Nothing typed was lost" in message
    assert "try again" in message
    assert "while saving the answer" in info.value.public
    assert interview.state == "asking" and interview.current_turn.answer is None  # type: ignore[union-attr]
    # A Hint that cannot be saved is not called an answer.
    holder = _locked(str(settings.data_dir / "interviewer.db"))
    try:
        with pytest.raises(StoreError) as info:
            interview.submit("hint")
    finally:
        holder.rollback()
        holder.close()
    assert "while saving the interview" in info.value.public

    replies = interview.submit(STRONG)  # the same answer, sent again
    assert replies[0].kind in ("feedback", "follow_up")
    reopened = Repository(create_db_engine(settings.effective_database_url))
    assert [t.answer for t in reopened.turns(interview.session_id)][0] == STRONG
    assert len(reopened.session_grades(interview.session_id)) == 1
    reopened.engine.dispose()
    repo.engine.dispose()


def test_store_sqlite_locked_while_grading_keeps_the_answer_and_resumes(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer is saved, then the lock arrives before the grade is: nothing is lost."""
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    repo = Repository(open_database(settings))
    bank = load_default_bank(settings)
    path = str(settings.data_dir / "interviewer.db")
    holders: list[sqlite3.Connection] = []
    offline = _Offline(settings)

    class LockingGrader:
        def grade(self, question, answer, *, transcript_confidence=None):  # type: ignore[no-untyped-def]
            grade = offline.grade(question, answer)
            holders.append(_locked(path))  # another writer grabs the database mid-grade
            return grade

    interview = Interview.create(
        repo, bank, LockingGrader(), SessionConfig(question_ids=["q04"], follow_ups=False)
    )
    interview.start()
    with pytest.raises(StoreError, match="unavailable or locked"):
        interview.submit(STRONG)
    holders[0].rollback()
    holders[0].close()
    assert [t.answer for t in repo.turns(interview.session_id)] == [STRONG]

    resumed = Interview.load(repo, bank, _Offline(settings), interview.session_id)
    replies = resumed.resume()
    assert any(r.kind == "feedback" for r in replies) and resumed.finished
    [grade] = repo.session_grades(interview.session_id).values()
    assert grade.status == "graded"
    repo.engine.dispose()


def test_store_postgres_down_is_a_clear_error_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"postgresql+psycopg://interviewer:s3cr3t-pw@127.0.0.1:{_closed_port()}/interviewer"
    with pytest.raises(StoreError) as info:
        open_database(Settings(database_url=url))
    message = str(info.value)
    assert "database is unavailable" in message and "INTERVIEWER_DATABASE_URL" in message
    assert "s3cr3t-pw" not in message and "Traceback" not in message

    monkeypatch.setenv("INTERVIEWER_DATABASE_URL", url)
    for command in (["sessions", "list"], ["regrade", "--pending"]):
        result = runner.invoke(app_cli(), command)
        assert result.exit_code == 1, command
        assert "unavailable" in result.stderr and "s3cr3t-pw" not in result.output


def app_cli():  # type: ignore[no-untyped-def]
    from interviewer.cli import app

    return app


def test_store_postgres_answer_survives_a_lost_connection(
    settings: Settings, postgres_schema_url: str
) -> None:
    """A PostgreSQL session: the pool drops every connection; the next submit still saves."""
    pg = settings.model_copy(update={"database_url": postgres_schema_url})
    repo = Repository(open_database(pg))
    interview = Interview.create(
        repo, load_default_bank(pg), _Offline(settings), SessionConfig(question_ids=["q04", "q01"])
    )
    interview.start()
    repo.engine.dispose()  # as after a database restart: pool_pre_ping reconnects
    interview.submit(STRONG)
    assert [t.answer for t in repo.turns(interview.session_id)][0] == STRONG
    repo.engine.dispose()


@pytest.fixture
def cli_offline(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """The CLI grades offline without a knowledge index, waits 0.2 s for locks and retries fast."""
    from interviewer.cli import interview as interview_cli

    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(interview_cli, "STORE_RETRY_WAITS", (0.5, 0.5, 0.5))
    monkeypatch.setattr(interview_cli, "_grader", lambda s, kind: _Offline(settings))


@contextmanager
def _locked_from_first_answer(path: str, release_after: float | None) -> Iterator[None]:
    """Another writer takes the lock when the first line is submitted (after the session
    started) and, when ``release_after`` is given, lets it go that many seconds later."""
    from interviewer.session import Interview as Engine

    original = Engine.submit
    holders: list[sqlite3.Connection] = []
    timers: list[threading.Timer] = []

    def submit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not holders:
            holders.append(_locked(path))
            if release_after is not None:
                timers.append(threading.Timer(release_after, _release, [holders[0]]))
                timers[0].start()
        return original(self, *args, **kwargs)

    Engine.submit = submit  # type: ignore[method-assign]
    try:
        yield
    finally:
        Engine.submit = original  # type: ignore[method-assign]
        for timer in timers:
            timer.join()
        if release_after is None:
            for holder in holders:
                _release(holder)


def _release(holder: sqlite3.Connection) -> None:
    holder.rollback()
    holder.close()


def test_store_cli_waits_out_a_locked_database_and_saves_the_answer(
    cli_offline: None, settings: Settings
) -> None:
    with _locked_from_first_answer(str(settings.data_dir / "interviewer.db"), release_after=0.8):
        result = runner.invoke(
            app_cli(),
            ["interview", "--questions", "q04", "-n", "1", "--no-follow-ups"],
            input=STRONG + "\n",
        )
    assert result.exit_code == 0, result.output
    assert "unavailable or locked" in result.stderr and "Retrying" in result.stderr
    assert "Score:" in result.stdout
    repo = Repository(open_database(settings))
    [listing] = repo.list_sessions()
    assert [t.answer for t in repo.turns(listing.session.id)] == [STRONG]
    repo.engine.dispose()


def test_store_cli_gives_the_unsaved_answer_back_when_the_database_stays_locked(
    cli_offline: None, settings: Settings
) -> None:
    with _locked_from_first_answer(str(settings.data_dir / "interviewer.db"), release_after=None):
        result = runner.invoke(
            app_cli(),
            ["interview", "--questions", "q04", "-n", "1", "--no-follow-ups"],
            input=STRONG + "\n",
        )
    assert result.exit_code == 1
    assert "Your last line was not saved" in result.stderr and STRONG in result.stderr
    assert "interviewer interview --resume" in result.stderr and "Traceback" not in result.output
    repo = Repository(open_database(settings))
    [listing] = repo.list_sessions()
    assert all(t.answer is None for t in repo.turns(listing.session.id))
    resumed = runner.invoke(app_cli(), ["interview", "--resume", listing.session.id], input=STRONG)
    assert resumed.exit_code == 0 and "Score:" in resumed.stdout
    repo.engine.dispose()


class _Proxy:
    """A TCP forwarder to PostgreSQL that can be cut (every connection dropped, new ones
    refused) and restored on the same port: a database outage in the middle of a session."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._up = threading.Event()
        self._up.set()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._up.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self._target)
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self._up.clear()
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._sockets.clear()

    def restore(self) -> None:
        self._up.set()

    def close(self) -> None:
        self.cut()
        self._listener.close()


def test_store_postgres_outage_mid_session_keeps_the_answer_for_the_retry(
    settings: Settings, postgres_schema_url: str
) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(postgres_schema_url)
    proxy = _Proxy(url.host or "127.0.0.1", url.port or 5432)
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    pg = settings.model_copy(update={"database_url": proxied})
    repo = Repository(open_database(pg))
    try:
        interview = Interview.create(
            repo,
            load_default_bank(pg),
            _Offline(settings),
            SessionConfig(question_ids=["q04", "q01"], follow_ups=False),
        )
        interview.start()
        proxy.cut()
        with pytest.raises(StoreError) as info:
            interview.submit(STRONG)
        message = str(info.value)
        assert "unavailable" in message and "Nothing typed was lost" in message
        assert f":{url.password}@" not in message and proxied not in message
        assert interview.state == "asking"

        proxy.restore()
        replies = interview.submit(STRONG)  # the candidate sends the same answer again
        assert replies[0].kind == "feedback" and replies[-1].kind == "question"
        assert [t.answer for t in repo.turns(interview.session_id)][0] == STRONG
    finally:
        repo.engine.dispose()
        proxy.close()


def test_store_cli_interview_with_chroma_down_grades_and_says_there_was_no_evidence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTERVIEWER_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("INTERVIEWER_CHROMA_PORT", str(_closed_port()))
    result = runner.invoke(
        app_cli(),
        ["interview", "--grader", "offline", "--questions", "q04", "-n", "1", "--no-follow-ups"],
        input=STRONG + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Score:" in result.stdout
    assert "Why: Graded without reference material: retrieval failed" in result.stdout
    assert "Traceback" not in result.output


def test_store_postgres_wrong_password_or_database_says_so(postgres_url: str) -> None:
    """A refused login said "unavailable or locked ... try again in a moment": waiting never
    fixes a wrong password or database name (real PostgreSQL)."""
    from sqlalchemy.engine import make_url

    real = make_url(postgres_url)
    wrong_password = real.set(password="not-the-password-9")
    wrong_database = real.set(database="no_such_database_9")
    for url, words in ((wrong_password, "password"), (wrong_database, "no_such_database_9")):
        rendered = url.render_as_string(hide_password=False)
        with pytest.raises(StoreError) as info:
            open_database(Settings(database_url=rendered))
        message = str(info.value)
        assert "refused the login" in message and "INTERVIEWER_DATABASE_URL" in message
        assert words in message and "try again in a moment" not in message
        assert "not-the-password-9" not in message


def test_store_postgres_user_without_create_right_is_told_to_own_the_database(
    postgres_url: str,
) -> None:
    """A database created without OWNER (PostgreSQL 15: its public schema takes no tables from
    other users) failed with "Run `interviewer doctor`; if the schema is out of date, restarting
    the app migrates it": doctor said the same, and no restart helps (real PostgreSQL)."""
    import secrets

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"t_{secrets.token_hex(6)}"
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD 'pw-{name}'"))
        conn.execute(text(f"CREATE SCHEMA {name}"))  # owned by the admin: no CREATE for the role
        conn.execute(text(f"GRANT USAGE ON SCHEMA {name} TO {name}"))
    url = make_url(postgres_url).set(
        username=name, password=f"pw-{name}", query={"options": f"-csearch_path={name}"}
    )
    try:
        with pytest.raises(StoreError) as info:
            open_database(Settings(database_url=url.render_as_string(hide_password=False)))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
            conn.execute(text(f"DROP ROLE {name}"))
        admin.dispose()
    message = str(info.value)
    assert "permission denied for schema" in message
    assert "OWNER TO" in message and "docs/deploy.md" in message
    assert "restarting the app migrates it" not in message
    assert "tell whoever runs it" in info.value.public  # the candidate gets no SQL


def test_store_locked_in_the_app_keeps_the_answer_and_tells_the_log(running_app, client) -> None:  # type: ignore[no-untyped-def]
    """With the database down the candidate was told, but the server's log said nothing: the
    operator had no trace of the outage."""
    started = client.predict(
        "Locked Out", [], 1, "any", "practice", False, False, None, [], api_name="/start"
    )
    session_id = str(started[-1])
    holder = _locked(str(running_app.data_dir / "interviewer.db"))
    try:
        outputs = client.predict(STRONG, [], [session_id], api_name="/answer")
        # Hint with the database down: told on the grading line, as the answer is. Raised, it
        # put "Error" badges over the status, the chat and the buttons, and blanked the chat.
        hinted = client.predict([], [session_id], api_name="/hint")
    finally:
        _release(holder)
    assert "Score" not in str(outputs[0])  # not graded: it was not stored
    for replied in (outputs, hinted):
        [told] = [o for o in replied if isinstance(o, str) and 'class="problem"' in o]
        assert "The database is unavailable while" in told and "Nothing typed was lost" in told
        # The candidate is not told the operator's side (settings, commands, the server).
        assert "INTERVIEWER_DATABASE_URL" not in told and "doctor" not in told
    assert "Hint:" not in str(hinted)
    log = running_app.log.read_text(encoding="utf-8")  # type: ignore[union-attr]
    assert "Answer not stored" in log and "unavailable or locked" in log
    assert "INTERVIEWER_DATABASE_URL" in log
    graded = client.predict(STRONG, [], [session_id], api_name="/answer")  # sent again
    assert "Score" in str(graded[0])
