"""History tab: attempts at one question compared over time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import gradio as gr

from interviewer.grading.base import Grade, GraderInfo
from interviewer.session import Interview, SessionConfig
from interviewer.settings import Settings
from interviewer.store.repository import GradeRecord, SessionRecord, TurnRecord
from interviewer.ui.panels import history
from interviewer.ui.panels.history import attempts_rows
from interviewer.ui.services import LazyGrader, build_services

T0 = datetime(2026, 11, 27, 1, 11, tzinfo=UTC)


def _attempt(session: str, turn_id: int, seconds: int, overall: float):  # type: ignore[no-untyped-def]
    turn = TurnRecord(
        id=turn_id,
        session_id=session,
        position=0,
        question_id="q01",
        question_version="v1",
        question_text="What are GANs?",
        answer="An answer.",
        started_at=T0,
        answered_at=T0 + timedelta(seconds=seconds),
    )
    grade = GradeRecord(
        id=turn_id,
        turn_id=turn_id,
        session_id=session,
        question_id="q01",
        question_version="v1",
        stage="answer",
        status="graded",
        overall=overall,
        grader_kind="offline",
        grader_model="m",
        prompt_version="p",
        created_at=T0,
        grade=Grade(
            question_id="q01",
            question_version="v1",
            overall=overall,
            grader=GraderInfo(kind="offline", model="m", prompt_version="p"),
        ),
    )
    return turn, grade


class _Repository:
    def __init__(self, attempts, running_exams=()) -> None:  # type: ignore[no-untyped-def]
        self.attempts = attempts
        self.running_exams = set(running_exams)

    def find_session(self, session_id: str) -> SimpleNamespace:
        running = session_id in self.running_exams
        return SimpleNamespace(
            config={"mode": "exam" if running else "practice"},
            state="in_progress" if running else "finished",
            finished_at=None,
        )

    def turns(self, session_id: str) -> list[TurnRecord]:
        return [t for t, _ in self.attempts if t.session_id == session_id]

    def session_grades(self, session_id: str) -> dict[int, GradeRecord]:
        return {g.turn_id: g for t, g in self.attempts if t.session_id == session_id and g}


def test_attempts_trend_runs_from_the_oldest_to_the_newest_attempt() -> None:
    """Three attempts in the same minute, the newest scoring 1.7: the line said "From 1.7 to
    4.6 (up)" and the rows of that minute were listed newest first."""
    attempts = [_attempt("s1", 1, 5, 4.6), _attempt("s2", 2, 20, 3.0), _attempt("s3", 3, 40, 1.7)]
    services = SimpleNamespace(repository=_Repository(attempts))
    known = ["s3", "s2", "s1"]  # this browser lists its newest session first
    rows, trend = attempts_rows(services, known, "q01")  # type: ignore[arg-type]
    assert [r[1] for r in rows] == ["s1", "s2", "s3"]
    assert [r[2] for r in rows] == ["4.6", "3.0", "1.7"]
    assert trend == "From **4.6** to **1.7** over 3 attempts (down)."


def test_attempts_in_the_same_minute_are_told_apart_by_their_time() -> None:
    """Two attempts at q01 answered 15 s apart both read "2026-11-27 01:11": the time goes to
    the second then, and stays to the minute when the minutes differ."""
    same_minute = [_attempt("s1", 1, 5, 4.6), _attempt("s2", 2, 20, 3.0)]
    services = SimpleNamespace(repository=_Repository(same_minute))
    rows, _ = attempts_rows(services, ["s2", "s1"], "q01")  # type: ignore[arg-type]
    assert [r[0] for r in rows] == ["2026-11-27 01:11:05", "2026-11-27 01:11:20"]
    apart = [_attempt("s1", 1, 5, 4.6), _attempt("s3", 3, 300, 3.0)]
    services = SimpleNamespace(repository=_Repository(apart))
    rows, _ = attempts_rows(services, ["s3", "s1"], "q01")  # type: ignore[arg-type]
    assert [r[0] for r in rows] == ["2026-11-27 01:11", "2026-11-27 01:16"]


def test_an_exam_still_running_shows_no_score_among_the_attempts() -> None:
    """Mid-exam, History's attempts showed the exam's answer as "Score 3.1 · 1 of 6"."""
    attempts = [_attempt("s1", 1, 5, 4.6), _attempt("exam", 2, 20, 3.1)]
    services = SimpleNamespace(repository=_Repository(attempts, running_exams=["exam"]))
    rows, trend = attempts_rows(services, ["exam", "s1"], "q01")  # type: ignore[arg-type]
    assert rows[1][1:4] == ["exam", "after the exam", ""]
    assert "3.1" not in str(rows) and trend == ""  # one score to compare: no trend


def test_a_pasted_text_that_cannot_be_a_session_id_is_told_without_a_database_error(
    settings: Settings,
) -> None:
    """The History tab's id box, and a damaged id in the browser's list: a NUL reached the
    database (a failure on PostgreSQL) and a 5,000-character paste was echoed."""
    services = build_services(settings)
    with gr.Blocks() as demo:
        panel = history.render()
        history.wire(panel, services, gr.BrowserState([]))
    handlers = {f.fn.__name__: f.fn for f in demo.fns.values() if f.fn is not None}
    interview = Interview.create(
        services.repository, services.bank, LazyGrader(services), SessionConfig(num_questions=1)
    )
    interview.start()
    for pasted in ("a\x00b", "x" * 5000):
        notice, known = handlers["show"](pasted, [interview.session_id])
        assert "not a valid session id" in notice and "xxxxx" not in notice
        assert known == gr.skip()  # the browser's list is left as it was
    rows, _ = handlers["refresh"](["a\x00b", interview.session_id])
    assert [row[1] for row in rows] == [interview.session_id]


def test_session_feedback_shows_the_question_on_screen_at_the_end_as_not_answered() -> None:
    """The chat's summary and the report list it as not answered; History showed no card."""
    answered, grade = _attempt("s1", 1, 5, 4.6)
    on_screen = answered.model_copy(
        update={"id": 2, "position": 1, "question_text": "What is mode collapse?", "answer": None}
    )

    class Ended(_Repository):
        def get_session(self, session_id: str) -> SessionRecord:
            return SessionRecord(
                id=session_id, state="finished", created_at=T0, updated_at=T0, finished_at=T0
            )

    services = SimpleNamespace(repository=Ended([(answered, grade), (on_screen, None)]))
    html = history.session_feedback_html(services, "s1")  # type: ignore[arg-type]
    assert "Question 2 · What is mode collapse?" in html
    assert "Not answered: the interview ended before an answer was sent." in html


def test_session_feedback_says_the_first_answer_was_rejected_and_the_question_asked_again(
    tmp_path: Path,
) -> None:
    """The guards rejected a copy of the question and asked it again: the report said "The
    first answer was not graded (...)", History's card showed only the retry's grade."""
    from reports.stored import asked_again

    session = asked_again(
        tmp_path,
        "Alan",
        "What are Generative Adversarial Networks (GANs)?",
        "I am not sure, something about training.",
    )
    services = SimpleNamespace(repository=session.repository)
    html = history.session_feedback_html(services, session.session_id)  # type: ignore[arg-type]
    assert "The first answer was not graded (The answer repeats the question" in html
    assert "the follow-up answer was graded on its own." in html


def test_session_feedback_waits_for_an_open_follow_up(settings: Settings) -> None:
    """History's card of a question whose follow-up was still open listed the missed key point
    the follow-up asks about, word for word: the follow-up's answer, one tab away. The report
    leaves that question out until it is done, as it does the question on screen."""
    from interviewer.reports import build_report

    services = build_services(settings.model_copy(update={"grader": "offline"}))
    interview = Interview.create(
        services.repository,
        services.bank,
        LazyGrader(services),
        SessionConfig(num_questions=2, grader="offline"),
    )
    interview.start()
    (asked,) = interview.submit("A GAN has a generator that makes fake images.")
    assert asked.kind == "follow_up" and "GAN is a generative" in asked.text
    point = "A GAN is a generative model that learns to produce new samples"
    html = history.session_feedback_html(services, interview.session_id)
    assert point not in html
    assert "comes after your answer to its follow-up, or press Skip in the Interview tab" in html
    report = build_report(services.repository, interview.session_id, settings)
    assert report.questions == []

    interview.submit("skip")  # the first answer's grade stands, and is shown
    assert point in history.session_feedback_html(services, interview.session_id)
    (question,) = build_report(services.repository, interview.session_id, settings).questions
    assert any(v.key_point.startswith(point) for v in question.missed)


def test_history_table_says_how_many_answers_wait_for_a_grade(settings: Settings) -> None:
    """With the LLM server down, a finished interview's row read "2 of 2" answered and "–" for
    its mean, as if nothing had been sent; once one was graded, nothing said the other was
    still waiting."""
    from interviewer.errors import GradingError

    class Down:
        def grade(self, question, answer, **kwargs):  # type: ignore[no-untyped-def]
            raise GradingError("No LLM server answered at http://127.0.0.1:9/v1.", attempts=4)

    services = build_services(settings)
    with gr.Blocks() as demo:
        panel = history.render()
        history.wire(panel, services, gr.BrowserState([]))
    handlers = {f.fn.__name__: f.fn for f in demo.fns.values() if f.fn is not None}
    config = SessionConfig(num_questions=2, follow_ups=False)
    interview = Interview.create(services.repository, services.bank, Down(), config)
    interview.start()
    interview.submit("A generator and a discriminator are trained against each other.")
    interview.submit("The discriminator outputs the probability that its input is real.")
    rows, _ = handlers["refresh"]([interview.session_id])
    assert rows[0][4:] == ["2 of 2", "2 pending"]

    turn = services.repository.turns(interview.session_id)[0]
    graded = Grade(question_id=turn.question_id, overall=3.0, grader=GraderInfo(kind="offline"))
    services.repository.save_grade(turn, graded)
    rows, _ = handlers["refresh"]([interview.session_id])
    assert rows[0][5] == "3.0 (1 pending)"


def test_history_table_leaves_out_a_score_whose_follow_up_is_open(settings: Settings) -> None:
    """With a follow-up on screen, History's row read "2.0" for the session: the first answer's
    grade, which its card and the report hold back until the follow-up is answered."""
    from interviewer.grading.base import KeyPointVerdict

    class Missing:
        def grade(self, question, answer, **kwargs):  # type: ignore[no-untyped-def]
            missed = [KeyPointVerdict(key_point=k, verdict="missed") for k in question.key_points]
            return Grade(
                question_id=question.id,
                overall=2.0,
                key_points=missed,
                grader=GraderInfo(kind="offline"),
            )

    services = build_services(settings)
    config = SessionConfig(question_ids=["q01", "q04"], follow_ups=True)
    interview = Interview.create(services.repository, services.bank, Missing(), config)
    interview.start()
    (asked,) = interview.submit("A GAN has two networks that compete.")
    assert asked.kind == "follow_up"
    (row,) = history.known_session_rows(services, [interview.session_id])
    assert row[4:] == ["1 of 2", "–"], row
    # `sessions list` (the team's list) agrees: it had the held-back score as the mean.
    assert [s.mean_overall for s in services.repository.list_sessions()] == [None]
    interview.submit("skip")  # the first answer's grade stands, and is shown
    (row,) = history.known_session_rows(services, [interview.session_id])
    assert row[5] == "2.0", row
    assert [s.mean_overall for s in services.repository.list_sessions()] == [2.0]
