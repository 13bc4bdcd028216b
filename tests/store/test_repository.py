"""The repository on SQLite and PostgreSQL: sessions, turns, grades and the queries on them."""

from __future__ import annotations

import pytest

from interviewer.errors import SessionError, StoreError
from interviewer.grading.base import Grade, GraderInfo
from interviewer.store import Repository, TurnRecord, create_db_engine, upgrade

from .conftest import Clock


def _turn(session_id: str, position: int, clock: Clock, **update: object) -> TurnRecord:
    values: dict[str, object] = {
        "session_id": session_id,
        "position": position,
        "question_id": f"q{position + 1}",
        "question_version": "v1",
        "question_text": f"Question {position + 1}?",
        "started_at": clock(),
    }
    values.update(update)
    return TurnRecord.model_validate(values)


def _grade(question_id: str, overall: float | None, status: str = "graded") -> Grade:
    return Grade(
        question_id=question_id,
        question_version="v1",
        status=status,  # type: ignore[arg-type]
        overall=overall,
        grader=GraderInfo(kind="llm", model="gpt-test", prompt_version="abc123"),
    )


def test_repository_session_round_trip_with_candidate(store: Repository) -> None:
    created = store.create_session(
        config={"mode": "exam", "topics": ["gan"]}, question_ids=["q2", "q1"], candidate="  Ada  L "
    )
    loaded = store.get_session(created.id)
    assert loaded.candidate == "Ada L"
    assert loaded.config == {"mode": "exam", "topics": ["gan"]}
    assert loaded.question_ids == ["q2", "q1"]
    assert loaded.state == "greeting"
    assert loaded.created_at.tzinfo is not None


def test_repository_session_ids_are_unguessable(store: Repository) -> None:
    ids = {store.create_session(config={}, question_ids=["q1"]).id for _ in range(5)}
    assert len(ids) == 5
    assert all(len(i) >= 20 for i in ids)


def test_repository_session_ids_never_read_as_a_command_option(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # token_urlsafe starts with "-" one time in 64: `interviewer report -abc` is an option.
    from interviewer.store import repository

    draws = iter(["-starts-with-a-dash-xyz", "Kq3-usable-id-abcdefgh"])
    monkeypatch.setattr(repository.secrets, "token_urlsafe", lambda n: next(draws))
    assert repository.new_session_id() == "Kq3-usable-id-abcdefgh"


def test_repository_new_session_ids_do_not_start_with_a_dash() -> None:
    from interviewer.store.repository import new_session_id

    assert all(not new_session_id().startswith("-") for _ in range(1000))


def test_repository_unknown_session_raises_session_error(store: Repository) -> None:
    with pytest.raises(SessionError, match="sessions list"):
        store.get_session("../../etc/passwd")
    assert store.find_session("nope") is None


@pytest.mark.parametrize("session_id", ["a\x00b", "x" * 5000, "id with spaces", "ü", ""])
def test_repository_a_text_that_cannot_be_a_session_id_is_no_session(
    store: Repository, session_id: str
) -> None:
    """A damaged id from the History tab's box or the browser's list: PostgreSQL failed on a
    NUL, told as a database failure."""
    assert store.find_session(session_id) is None
    with pytest.raises(SessionError, match="No interview session with that id"):
        store.get_session(session_id)


def test_repository_turn_insert_update_and_session_state(store: Repository, clock: Clock) -> None:
    session = store.create_session(config={}, question_ids=["q1", "q2"])
    turn = store.save_turn(_turn(session.id, 0, clock), state="asking", current_index=0)
    assert turn.id is not None
    clock.advance(42)
    answer = "ملخص ✨ '; DROP TABLE turns; -- <script>alert(1)</script>"
    updated = store.save_turn(
        turn.model_copy(
            update={
                "answer": answer,
                "answered_at": clock(),
                "seconds_taken": 42.0,
                "status": "answered",
                "hints": ["alpha point"],
            }
        ),
        state="grading",
    )
    assert updated.id == turn.id
    [stored] = store.turns(session.id)
    assert stored.answer == answer
    assert stored.hints == ["alpha point"]
    assert stored.answered_at == clock()
    assert store.get_session(session.id).state == "grading"


def test_repository_latest_grade_and_history(store: Repository, clock: Clock) -> None:
    session = store.create_session(config={}, question_ids=["q1"])
    turn = store.save_turn(_turn(session.id, 0, clock, answer="a", status="answered"))
    store.save_grade(turn, _grade("q1", None, "pending"))
    store.save_grade(turn, _grade("q1", 3.5))
    assert turn.id is not None
    latest = store.latest_grade(turn.id)
    assert latest is not None and latest.overall == 3.5 and latest.grader_model == "gpt-test"
    assert [g.status for g in store.grade_history(turn.id)] == ["pending", "graded"]
    assert store.session_grades(session.id)[turn.id].overall == 3.5


def test_repository_pending_turns_missing_pending_and_stale(
    store: Repository, clock: Clock
) -> None:
    session = store.create_session(config={}, question_ids=[f"q{i}" for i in range(1, 8)])
    missing = store.save_turn(_turn(session.id, 0, clock, answer="a", status="answered"))
    pending = store.save_turn(_turn(session.id, 1, clock, answer="b", status="done"))
    store.save_grade(pending, _grade("q2", None, "pending"))
    stale = store.save_turn(
        _turn(
            session.id,
            2,
            clock,
            answer="c",
            follow_up_question="more?",
            follow_up_answer="d",
            status="follow_up_answered",
        )
    )
    store.save_grade(stale.model_copy(update={"follow_up_answer": None}), _grade("q3", 2.0))
    done = store.save_turn(_turn(session.id, 3, clock, answer="e", status="done"))
    store.save_grade(done, _grade("q4", 4.0))
    store.save_turn(_turn(session.id, 4, clock, status="skipped"))
    # A pending grade since replaced by a real one is done.
    regraded = store.save_turn(_turn(session.id, 5, clock, answer="f", status="done"))
    store.save_grade(regraded, _grade("q6", None, "pending"))
    store.save_grade(regraded, _grade("q6", 3.0))
    # An open follow-up: the first answer's grade stands until the follow-up is answered.
    asked = store.save_turn(
        _turn(session.id, 6, clock, answer="g", follow_up_question="more?", status="follow_up")
    )
    store.save_grade(asked, _grade("q7", 2.5))
    assert [t.id for t in store.pending_turns()] == [missing.id, pending.id, stale.id]
    assert len(store.pending_turns(session.id)) == 3
    assert store.pending_turns("another-session") == []


def test_repository_final_grades_and_attempts_per_question(store: Repository, clock: Clock) -> None:
    for name, score in (("ada", 2.0), ("ada", 4.0), ("bob", 3.0)):
        session = store.create_session(config={}, question_ids=["q1"], candidate=name)
        clock.advance(60)
        turn = store.save_turn(
            _turn(
                session.id, 0, clock, answer=f"{name} {score}", answered_at=clock(), status="done"
            )
        )
        store.save_grade(turn, _grade("q1", score - 1))
        store.save_grade(turn, _grade("q1", score))
    assert sorted(g.overall or 0 for g in store.final_grades("q1")) == [2.0, 3.0, 4.0]
    assert store.final_grades("q9") == []
    attempts = store.question_attempts("q1", candidate="ada")
    assert [g.overall for _, g in attempts if g] == [2.0, 4.0]
    assert [t.answer for t, _ in attempts] == ["ada 2.0", "ada 4.0"]


def test_repository_list_sessions_by_candidate_with_figures(
    store: Repository, clock: Clock
) -> None:
    first = store.create_session(config={}, question_ids=["q1", "q2"], candidate="ada")
    clock.advance(10)
    store.create_session(config={}, question_ids=["q1"], candidate="bob")
    clock.advance(10)
    second = store.create_session(config={}, question_ids=["q1"], candidate="ada")
    turn = store.save_turn(_turn(first.id, 0, clock, answer="x", status="done"))
    store.save_grade(turn, _grade("q1", 3.0))
    store.save_turn(_turn(first.id, 1, clock, answer="y", status="answered"))
    listings = store.list_sessions(candidate="ada")
    assert [entry.session.id for entry in listings] == [second.id, first.id]
    figures = listings[1]
    assert (figures.questions, figures.answered, figures.graded, figures.mean_overall) == (
        2,
        2,
        1,
        3.0,
    )
    assert [c.name for c in store.list_candidates()] == ["ada", "bob"]
    assert len(store.list_sessions()) == 3


def test_repository_unreachable_database_raises_store_error_without_password() -> None:
    engine = create_db_engine("postgresql+psycopg://user:s3cret-pw@127.0.0.1:1/nowhere")
    with pytest.raises(StoreError) as info:
        upgrade(engine)
    assert "s3cret-pw" not in str(info.value)
    assert "INTERVIEWER_DATABASE_URL" in str(info.value)


def test_repository_malformed_url_raises_store_error() -> None:
    with pytest.raises(StoreError, match="valid database URL"):
        create_db_engine("not a url")


def test_repository_failed_step_stores_nothing(store: Repository, clock: Clock) -> None:
    session = store.create_session(config={}, question_ids=["q1", "q2"])
    turn = store.save_turn(_turn(session.id, 0, clock, answer="a", status="answered"))
    closed = turn.model_copy(update={"status": "done"})
    duplicate = _turn(session.id, 0, clock)  # same position: violates the unique constraint
    with pytest.raises(StoreError, match="Reload the session"):
        store.save_step(session.id, turns=[closed, duplicate], grade=(turn, _grade("q1", 4.0)))
    assert turn.id is not None and store.latest_grade(turn.id) is None
    assert [t.status for t in store.turns(session.id)] == ["answered"]


def test_store_exports_its_public_api() -> None:
    import interviewer.store as package
    from interviewer.store import repository

    assert set(repository.__all__) <= set(package.__all__)
    assert all(hasattr(package, name) for name in package.__all__)


def test_repository_unsent_transcript_is_kept_until_taken_once(store: Repository) -> None:
    """A transcript finished for a page that reloaded meanwhile waits for the reloaded page."""
    sid = store.create_session(config={}, question_ids=["q1", "q2"]).id
    assert store.unsent_transcript(sid) is None
    recording = store.begin_transcript(sid, "asking:0")
    running = store.unsent_transcript(sid)
    assert running is not None
    assert (running.position, running.transcript) == ("asking:0", None)
    assert store.finish_transcript(sid, recording, {"text": "Mode collapse.", "confidence": 0.9})
    done = store.unsent_transcript(sid)
    assert done is not None
    assert done.transcript == {"text": "Mode collapse.", "confidence": 0.9}
    assert not store.drop_transcript(sid, "another-recording")  # a newer one is not touched
    assert store.drop_transcript(sid, recording)
    assert not store.drop_transcript(sid, recording)  # of two pages, one gets it
    assert store.unsent_transcript(sid) is None


def test_repository_unsent_transcript_of_a_sent_answer_is_not_stored(store: Repository) -> None:
    """Sent while its recording was still being transcribed: the late text is not kept."""
    sid = store.create_session(config={}, question_ids=["q1"]).id
    first = store.begin_transcript(sid, "asking:0")
    store.drop_transcript(sid)  # the answer was sent
    assert not store.finish_transcript(sid, first, {"text": "Late."})
    assert store.unsent_transcript(sid) is None
    # A newer recording replaces an older one, whose late text is not kept either.
    older = store.begin_transcript(sid, "asking:0")
    newer = store.begin_transcript(sid, "asking:0")
    assert not store.finish_transcript(sid, older, {"text": "Older."})
    assert store.finish_transcript(sid, newer, {"text": "Newer."})
    kept = store.unsent_transcript(sid)
    assert kept is not None
    assert kept.transcript == {"text": "Newer."}
