"""LLM faults through the fake OpenAI-compatible server and the real ``ChatOpenAI`` client.

Every fault either heals within the budget (a real grade) or ends, after at most 4 requests
counted at the server, in a ``pending`` grade with the reason: shown honestly to the candidate
and finished later by ``interviewer regrade --pending``. Never a made-up score.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from interviewer.bank import load_default_bank
from interviewer.chat import build_chat_model
from interviewer.chat.fake import FakeFault
from interviewer.chat.server import FakeOpenAIServer, ServerFault
from interviewer.cli import app
from interviewer.grading.judge import LLMGrader
from interviewer.grading.service import GradingService
from interviewer.session import Interview, SessionConfig
from interviewer.settings import Settings
from interviewer.store import Repository, open_database

from .conftest import MODELS, STRONG

runner = CliRunner()

# Each fault, injected on every request: at the HTTP level (server) or in the reply (model).
SERVER_FAULTS = {
    "timeout": ServerFault(kind="delay", seconds=1.0),
    "429-retry-after": ServerFault(kind="429", retry_after=0.05),
    "500": ServerFault(kind="500"),
    "truncated-body": ServerFault(kind="malformed_body"),
    "empty-reply": ServerFault(kind="empty_reply"),
}
MODEL_FAULTS = {
    "malformed-json": "malformed_json",
    "truncated-json": "truncated_json",
    "missing-fields": "missing_fields",
    "prose": "prose",
    "empty": "empty",
}


class _Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _service(settings: Settings, sleeps: _Sleeps) -> GradingService:
    grader = LLMGrader(
        chat_model=build_chat_model(settings.model_copy(update={"llm_timeout": 0.3})),
        prompts_dir=settings.prompts_dir,
        models_dir=MODELS,
        model_name="fake-grader",
        backoff_s=0.25,
        sleep=sleeps,
    )
    return GradingService(
        grader=grader, retriever=None, prompts_dir=settings.prompts_dir, models_dir=MODELS
    )


def _inject(server: FakeOpenAIServer, name: str, times: int) -> None:
    if name in SERVER_FAULTS:
        server.push_fault(*[SERVER_FAULTS[name]] * times)
    else:
        server.model.push(*[FakeFault(kind=MODEL_FAULTS[name])] * times)  # type: ignore[arg-type]


ALL_FAULTS = [*SERVER_FAULTS, *MODEL_FAULTS]


@pytest.mark.parametrize("fault", ALL_FAULTS)
def test_llm_persistent_fault_gives_pending_with_reason_after_four_requests(
    llm: FakeOpenAIServer, llm_settings: Settings, fault: str
) -> None:
    sleeps = _Sleeps()
    question = load_default_bank(llm_settings).get("q04")
    _inject(llm, fault, 6)  # more than the budget: the grader must stop by itself

    grade = _service(llm_settings, sleeps).grade(question, STRONG)

    # Two timeouts in a row end it: at the default 60 s, four kept an answer waiting 4 minutes.
    requests = 2 if fault == "timeout" else 4
    assert len(llm.requests) == requests
    assert grade.status == "pending" and grade.overall is None
    assert all(c.score is None for c in grade.criteria) and grade.key_points == []
    assert "pending" in grade.flags and grade.grader.attempts == requests
    assert "no score was made up" in grade.message.lower()
    # Why, for the operator; the candidate's message names no server or setting.
    assert ("after 4 attempts" in grade.diagnostics) or ("failed" in grade.diagnostics)
    assert "INTERVIEWER_" not in grade.message
    if fault == "429-retry-after":
        assert sleeps == [0.05, 0.05, 0.05]  # the server's retry-after is honoured
    elif fault == "timeout":
        assert sleeps == [0.25]
        assert "INTERVIEWER_LLM_TIMEOUT" in grade.diagnostics, grade.diagnostics
    else:
        assert sleeps == [0.25, 0.5, 1.0]  # exponential backoff between the 4 attempts


@pytest.mark.parametrize("fault", ALL_FAULTS)
def test_llm_transient_fault_heals_on_the_next_attempt(
    llm: FakeOpenAIServer, llm_settings: Settings, fault: str
) -> None:
    question = load_default_bank(llm_settings).get("q04")
    _inject(llm, fault, 1)
    grade = _service(llm_settings, _Sleeps()).grade(question, STRONG)
    assert len(llm.requests) == 2
    assert grade.status == "graded" and grade.overall is not None and grade.grader.attempts == 2


def test_llm_out_of_range_scores_are_clamped_never_stored_as_given(
    llm: FakeOpenAIServer, llm_settings: Settings
) -> None:
    question = load_default_bank(llm_settings).get("q04")
    llm.model.push(FakeFault(kind="out_of_range"))
    grade = _service(llm_settings, _Sleeps()).grade(question, STRONG)
    assert grade.overall is not None and 0 <= grade.overall <= 5
    assert all(c.score is None or 0 <= c.score <= 5 for c in grade.criteria)


def test_llm_quotes_not_in_the_answer_do_not_count_as_coverage(
    llm: FakeOpenAIServer, llm_settings: Settings
) -> None:
    question = load_default_bank(llm_settings).get("q04")
    llm.model.push(FakeFault(kind="bad_quotes"))
    grade = _service(llm_settings, _Sleeps()).grade(question, STRONG)
    assert len(llm.requests) == 1
    assert [v.verdict for v in grade.key_points] == ["missed"] * len(question.key_points)
    assert all(not v.evidence for v in grade.key_points)
    coverage = next(c for c in grade.criteria if c.criterion == "coverage")
    assert coverage.score == 0


def test_llm_pending_grade_is_told_to_the_candidate_and_stored_without_a_score(
    llm: FakeOpenAIServer, llm_settings: Settings
) -> None:
    bank = load_default_bank(llm_settings)
    repo = Repository(open_database(llm_settings))
    interview = Interview.create(
        repo,
        bank,
        _service(llm_settings, _Sleeps()),
        SessionConfig(question_ids=["q04", "q01"], follow_ups=False),
    )
    interview.start()
    llm.push_fault(*[ServerFault(kind="500")] * 4)
    replies = interview.submit(STRONG)

    feedback = next(r for r in replies if r.kind == "feedback")
    assert "could not be graded" in feedback.text and "nothing is lost" in feedback.text
    assert "500" in feedback.text  # the reason, in words the candidate can pass on
    assert "Score:" not in feedback.text
    assert replies[-1].kind == "question"  # the interview goes on
    [turn] = [t for t in repo.turns(interview.session_id) if t.answer]
    assert turn.answer == STRONG
    [stored] = repo.session_grades(interview.session_id).values()
    assert stored.status == "pending" and stored.overall is None
    repo.engine.dispose()


def test_llm_cli_interview_pending_then_regrade_pending_completes_it(
    llm_env: FakeOpenAIServer,
) -> None:
    llm_env.push_fault(*[ServerFault(kind="500")] * 4)
    run = runner.invoke(
        app,
        ["interview", "--questions", "q04", "-n", "1", "--no-follow-ups"],
        input=STRONG + "\n",
    )
    assert run.exit_code == 0, run.output
    assert "could not be graded" in run.stdout and "no score was made up" in run.stdout.lower()
    assert "Score:" not in run.stdout
    assert len(llm_env.requests) == 4

    llm_env.requests.clear()
    done = runner.invoke(app, ["regrade", "--pending"])
    assert done.exit_code == 0, done.output
    assert "Regraded 1 of 1 pending answer; 0 still pending." in done.stdout
    assert len(llm_env.requests) == 1
    repo = Repository(open_database(Settings()))
    [grade] = repo.final_grades()
    assert grade.status == "graded" and grade.overall is not None and grade.overall > 0
    repo.engine.dispose()


def test_llm_cli_regrade_while_the_server_is_still_down_keeps_it_pending(
    llm_env: FakeOpenAIServer,
) -> None:
    llm_env.push_fault(*[ServerFault(kind="429", retry_after=0)] * 8)
    run = runner.invoke(
        app,
        ["interview", "--questions", "q04", "-n", "1", "--no-follow-ups"],
        input=STRONG + " It is a common failure.\n",
    )
    assert run.exit_code == 0, run.output
    still = runner.invoke(app, ["regrade", "--pending"])
    assert still.exit_code == 3  # left pending, as grade says it; 1 is the database down
    assert "Regraded 0 of 1" in still.stdout and "429" in still.stderr
    assert len(llm_env.requests) == 8  # 4 per answer per run, not more


GAN_ANSWER = (
    "A GAN is a generative model that learns to produce new samples resembling its training "
    "data. It consists of two neural networks, a generator and a discriminator, trained "
    "against each other: the discriminator classifies samples as real or generated."
)


def test_llm_app_says_saved_not_graded_then_regrade_fills_in_the_report(
    running_app, llm: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import json

    from gradio_client import Client

    from .conftest import LLM_KEY

    browser = Client(running_app.url, verbose=False)
    started = browser.predict(
        "Pat", [], 2, "any", "practice", False, False, None, [], api_name="/start"
    )
    session_id = started[-1]
    llm.push_fault(*[ServerFault(kind="500")] * 4)
    outputs = browser.predict(GAN_ANSWER, [], [session_id], api_name="/answer")

    chat = json.dumps(outputs[0], ensure_ascii=False)
    assert "could not be graded right now" in chat and "nothing is lost" in chat
    assert "**Score" not in chat and "Question 2 of 2" in chat
    assert len(llm.requests) == 4
    before = json.dumps(browser.predict(session_id=session_id, known=[], api_name="/show_1"))
    assert "1 pending" in before or "pending" in before.lower()

    llm.requests.clear()
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(running_app.data_dir))
    monkeypatch.setenv("INTERVIEWER_GRADER", "llm")
    monkeypatch.setenv("INTERVIEWER_LLM_BASE_URL", llm.url)
    monkeypatch.setenv("INTERVIEWER_LLM_API_KEY", LLM_KEY)
    monkeypatch.setenv("INTERVIEWER_LLM_MODEL", "fake-grader")
    done = runner.invoke(app, ["regrade", "--pending", "--session", session_id])
    assert done.exit_code == 0, done.output
    assert "Regraded 1 of 1" in done.stdout and len(llm.requests) == 1
    after = browser.predict(session_id=session_id, known=[], api_name="/show_1")
    assert "1 graded" in after[0]


def test_llm_server_that_is_not_there_leaves_the_next_answers_pending_at_once(
    llm_settings: Settings,
) -> None:
    """A batch against a stopped server spent every line's retries (~7 minutes for 300 lines)
    to report what the first line showed. After a refused connection, answers within
    UNREACHABLE_PAUSE_S are pending at once; then the server is tried again."""
    import socket

    from interviewer.grading.judge import UNREACHABLE_PAUSE_S

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = llm_settings.model_copy(update={"llm_base_url": f"http://127.0.0.1:{port}/v1"})
    now = [1000.0]
    sleeps = _Sleeps()
    grader = LLMGrader(
        chat_model=build_chat_model(settings),
        prompts_dir=settings.prompts_dir,
        models_dir=MODELS,
        model_name="fake-grader",
        endpoint=settings.llm_base_url or "",
        backoff_s=0.25,
        sleep=sleeps,
        clock=lambda: now[0],
    )
    service = GradingService(
        grader=grader, retriever=None, prompts_dir=settings.prompts_dir, models_dir=MODELS
    )
    question = load_default_bank(settings).get("q04")

    first = service.grade(question, STRONG)
    assert first.status == "pending" and first.grader.attempts == 4 and len(sleeps) == 3
    # Nothing answered: it read "The LLM gave no valid grade after 4 attempts (last problem:
    # OpenAIConnectionError: Connection error.). Check the model and ...".
    assert first.diagnostics.startswith(
        f"No LLM server answered at http://127.0.0.1:{port}/v1 (4 attempts; "
    ), first.diagnostics
    assert "Start it or correct INTERVIEWER_LLM_BASE_URL" in first.diagnostics
    assert "Check the model" not in first.diagnostics
    now[0] += 5
    second = service.grade(question, STRONG + " Also seen in practice.")
    assert second.status == "pending" and second.overall is None
    assert second.grader.attempts == 0 and len(sleeps) == 3  # no request, no wait
    assert "could not be reached a moment ago" in second.diagnostics
    assert "tried again in 25 s" in second.diagnostics
    assert "no score was made up" in second.message.lower()
    now[0] += UNREACHABLE_PAUSE_S
    third = service.grade(question, STRONG + " A third answer.")
    assert third.status == "pending" and third.grader.attempts == 4  # tried again
