"""Terminal mode: `interviewer interview` scripted through stdin, `sessions list`, `regrade`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from interviewer.bank import Question
from interviewer.cli import app
from interviewer.cli import interview as interview_cli
from interviewer.grading.base import Grade, GraderInfo, KeyPointVerdict
from interviewer.settings import Settings
from interviewer.store import Repository, open_database

runner = CliRunner()


class KeywordGrader:
    """Covers a key point when the answer contains its first word."""

    def grade(
        self,
        question: Question,
        answer: str,
        *,
        transcript_confidence: float | None = None,
        hints: Sequence[str] = (),
    ) -> Grade:
        verdicts = [
            KeyPointVerdict(
                key_point=kp,
                verdict="covered" if kp.split()[0].lower() in answer.lower() else "missed",
            )
            for kp in question.key_points
        ]
        covered = sum(v.verdict == "covered" for v in verdicts)
        return Grade(
            question_id=question.id,
            overall=5 * covered / len(verdicts),
            key_points=verdicts,
            feedback="keyword feedback",
            grader=GraderInfo(kind="keyword"),
        )


class PendingGrader:
    def grade(
        self, question: Question, answer: str, *, transcript_confidence: float | None = None
    ) -> Grade:
        return Grade(
            question_id=question.id,
            status="pending",
            message="LLM unreachable",
            grader=GraderInfo(kind="llm"),
        )


@pytest.fixture
def knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A three-question bank in its own knowledge folder."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    questions = [
        {
            "id": f"q0{i}",
            "text": f"Explain concept number {i}.",
            "topic": "gan",
            "difficulty": 1,
            "key_points": [f"alpha{i} first point", f"beta{i} second point"],
        }
        for i in (1, 2, 3)
    ]
    (folder / "questions.yaml").write_text(yaml.safe_dump({"questions": questions}))
    monkeypatch.setenv("INTERVIEWER_KNOWLEDGE_DIR", str(folder))
    return folder


@pytest.fixture
def keyword_grader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interview_cli, "_grader", lambda settings, kind: KeywordGrader())


def _repo() -> Repository:
    return Repository(open_database(Settings()))


def _session_id(output: str) -> str:
    last = output.strip().splitlines()[-1]
    assert last.startswith("session: ")
    return last.removeprefix("session: ")


def _one_llm_graded_answer(monkeypatch: pytest.MonkeyPatch) -> Result:
    """One question, answered with both key points, graded by the fake LLM."""
    monkeypatch.setenv("INTERVIEWER_LLM_MODEL", "fake")
    return runner.invoke(
        app,
        ["interview", "--grader", "llm", "-n", "1", "--no-follow-ups"],
        input="alpha1 first point holds because beta1 second point follows.\n",
    )


def test_interview_cli_scripted_practice_run(knowledge: Path, keyword_grader: None) -> None:
    script = "alpha1 beta1 both\nhint\nalpha2 only\nbeta2 now\nskip\n"
    result = runner.invoke(app, ["interview", "--name", "Ada"], input=script)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "[Question 1 of 3] Explain concept number 1." in out
    assert "Score: 5.0/5" in out
    assert "Hint:" in out and "Follow-up:" in out
    assert "=== Summary ===" in out and "skipped" in out
    session_id = _session_id(out)
    turns = _repo().turns(session_id)
    assert [t.answer for t in turns] == ["alpha1 beta1 both", "alpha2 only", None]
    assert turns[1].follow_up_answer == "beta2 now" and turns[1].hints


def test_interview_cli_selected_questions_exam_mode(knowledge: Path, keyword_grader: None) -> None:
    result = runner.invoke(
        app, ["interview", "--questions", "q03,q01", "--mode", "exam"], input="alpha3\nalpha1\n"
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("concept number 3") < out.index("concept number 1")
    assert "Follow-up:" not in out
    # Each of the feedback blocks printed at the end names its question.
    first, second = "--- Feedback: Question 1 of 2 ---", "--- Feedback: Question 2 of 2 ---"
    assert out.count("--- Feedback") == 2 and first in out and second in out
    assert out.index("Answer saved") < out.index(first) < out.index(second)


def test_interview_cli_finds_ids_typed_in_another_case(
    knowledge: Path, keyword_grader: None
) -> None:
    result = runner.invoke(app, ["interview", "--questions", "Q03", "--mode", "exam"], input="x\n")
    assert result.exit_code == 0, result.output
    assert "[Question 1 of 1] Explain concept number 3." in result.stdout


def test_interview_cli_input_ends_early_then_resume(knowledge: Path, keyword_grader: None) -> None:
    first = runner.invoke(app, ["interview", "--no-follow-ups"], input="alpha1\n")
    assert first.exit_code == 0, first.output
    session_id = _session_id(first.stdout)
    assert f"--resume {session_id}" in first.stdout
    second = runner.invoke(app, ["interview", "--resume", session_id], input="alpha2 beta2\nend\n")
    assert second.exit_code == 0, second.output
    assert "Welcome back" in second.stdout and "[Question 2 of 3]" in second.stdout
    assert _session_id(second.stdout) == session_id
    assert [t.answer for t in _repo().turns(session_id)] == ["alpha1", "alpha2 beta2", None]


def test_interview_cli_resume_restates_the_rules_of_the_interview(
    knowledge: Path, keyword_grader: None
) -> None:
    """Resumed in a new terminal, an exam said only "Welcome back": not that it was an exam,
    nor the time limit per answer, nor the commands, as the web chat's greeting does."""
    args = ["interview", "--mode", "exam", "--time-limit", "45", "--count", "2"]
    first = runner.invoke(app, args, input="alpha1\n")
    assert first.exit_code == 0, first.output
    session_id = _session_id(first.stdout)
    second = runner.invoke(app, ["interview", "--resume", session_id], input="end\n")
    assert second.exit_code == 0, second.output
    out = second.stdout
    assert out.count("This is an exam") == 1 and "45 seconds per answer" in out
    assert "`hint`" in out and "`end`" in out
    assert out.index("This is an exam") < out.index("Welcome back") < out.index("[Question 2")


def test_interview_cli_answer_with_a_byte_that_is_not_utf8_is_kept(
    knowledge: Path, keyword_grader: None
) -> None:
    run = runner.invoke(app, ["interview", "--no-follow-ups"], input=b"alpha1\nalpha2 \xff\n")
    assert run.exit_code == 0 and "Traceback" not in run.output
    assert "not all UTF-8" in run.stderr
    answers = [t.answer for t in _repo().turns(_session_id(run.stdout))]
    assert answers[:2] == ["alpha1", "alpha2 \ufffd"]  # nothing lost but the one bad byte


def test_interview_cli_unknown_question_or_session_is_a_clear_error(
    knowledge: Path, keyword_grader: None
) -> None:
    result = runner.invoke(app, ["interview", "--questions", "q99"], input="")
    assert result.exit_code == 1
    assert "No question with id 'q99'" in result.stderr and "Traceback" not in result.output
    result = runner.invoke(app, ["interview", "--resume", "no-such-id"], input="")
    assert result.exit_code == 1 and "sessions list" in result.stderr


def test_sessions_list_json_and_candidate_filter(knowledge: Path, keyword_grader: None) -> None:
    runner.invoke(app, ["interview", "--name", "Ada", "-n", "1"], input="alpha1 beta1\n")
    runner.invoke(app, ["interview", "--name", "Bob", "-n", "2"], input="end\n")
    result = runner.invoke(app, ["sessions", "list", "--format", "json", "--candidate", "Ada"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert (row["candidate"], row["state"], row["answered"], row["mean_overall"]) == (
        "Ada",
        "finished",
        1,
        5.0,
    )
    text = runner.invoke(app, ["sessions", "list"]).stdout
    assert "Ada" in text and "Bob" in text
    # Part of the name, in any case: "grace" found nothing for "Grace Web".
    for part in ("ada", "  AD "):
        found = runner.invoke(app, ["sessions", "list", "--format", "json", "--candidate", part])
        assert [r["candidate"] for r in json.loads(found.stdout)] == ["Ada"], part
    nobody = runner.invoke(app, ["sessions", "list", "--candidate", "Nobody"]).stdout
    assert "No session of candidate 'Nobody'" in nobody and "stored yet" not in nobody


def test_sessions_are_listed_with_their_time_zone(knowledge: Path, keyword_grader: None) -> None:
    """`sessions list` (and the Report tab's list) said "2026-11-28 02:28", read as local time,
    where the report of the same session says "02:28 UTC"."""
    from types import SimpleNamespace

    from interviewer.ui.panels.report import session_choices

    run = runner.invoke(app, ["interview", "--name", "Ada", "-n", "1"], input="alpha1 beta1\n")
    session = _repo().get_session(_session_id(run.stdout))
    when = f"{session.created_at:%Y-%m-%d %H:%M} UTC"
    listed = runner.invoke(app, ["sessions", "list"]).stdout
    assert f"{session.id}  {when}  Ada" in listed, listed
    [(label, _)] = session_choices(SimpleNamespace(repository=_repo()), [session.id])
    assert label.startswith(f"{when} · Ada"), label


def test_regrade_pending_completes_pending_grades(
    knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(interview_cli, "_grader", lambda settings, kind: PendingGrader())
    run = runner.invoke(app, ["interview", "-n", "2"], input="alpha1 beta1\nalpha2\n")
    assert "could not be graded" in run.stdout
    unknown = runner.invoke(app, ["regrade", "--pending", "--session", "nosuch"])
    assert unknown.exit_code == 1 and "No interview session with that id" in unknown.output
    still_down = runner.invoke(app, ["regrade", "--pending"])
    # 3: still pending (as `grade` says it), apart from 1, what the command cannot use.
    assert still_down.exit_code == 3 and "Regraded 0 of 2" in still_down.stdout
    monkeypatch.setattr(interview_cli, "_grader", lambda settings, kind: KeywordGrader())
    result = runner.invoke(app, ["regrade", "--pending"])
    assert result.exit_code == 0, result.output
    assert "Regraded 2 of 2 pending answers; 0 still pending." in result.stdout
    assert sorted(g.overall or 0 for g in _repo().final_grades()) == [2.5, 5.0]
    assert "Regraded 0 of 0" in runner.invoke(app, ["regrade", "--pending"]).stdout


def test_regrade_session_alone_finishes_that_sessions_pending_grades(
    knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `regrade --session ID` did nothing: "Nothing to do: pass --pending ...", exit status 2.
    monkeypatch.setattr(interview_cli, "_grader", lambda settings, kind: PendingGrader())
    run = runner.invoke(app, ["interview", "-n", "1"], input="alpha1 beta1\n")
    monkeypatch.setattr(interview_cli, "_grader", lambda settings, kind: KeywordGrader())
    result = runner.invoke(app, ["regrade", "--session", _session_id(run.stdout)])
    assert result.exit_code == 0, result.output
    assert "Regraded 1 of 1 pending answer; 0 still pending." in result.stdout
    neither = runner.invoke(app, ["regrade"])
    assert neither.exit_code == 1
    assert "`interviewer regrade --session ID` for one" in neither.stderr


@pytest.mark.parametrize("option", ["--questions", "--topics"])
def test_interview_refuses_an_empty_question_or_topic_list(knowledge: Path, option: str) -> None:
    # `--questions ""` (an unset shell variable) was taken as no choice: any 5 questions.
    result = runner.invoke(app, ["interview", option, " , "], input="x\n")
    assert result.exit_code == 1
    assert f"{option} is empty: give " in result.stderr and "Q1" not in result.stdout
    assert _repo().list_sessions() == []


def test_interview_cli_with_grading_service_and_fake_llm(
    knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _one_llm_graded_answer(monkeypatch)
    assert result.exit_code == 0, result.output
    assert "Score:" in result.stdout
    grade = next(iter(_repo().session_grades(_session_id(result.stdout)).values()))
    assert grade.status == "graded" and grade.grader_kind == "llm"


def test_interview_cli_unreachable_database_is_a_clear_error(
    knowledge: Path, keyword_grader: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVIEWER_DATABASE_URL", "postgresql+psycopg://u:hunter2@127.0.0.1:1/x")
    result = runner.invoke(app, ["interview"], input="an answer\n")
    assert result.exit_code == 1
    assert (
        "database is unavailable" in result.stderr and "INTERVIEWER_DATABASE_URL" in result.stderr
    )
    assert "hunter2" not in result.output and "Traceback" not in result.output


def test_interview_cli_fills_an_empty_knowledge_base_on_first_use(
    knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # About the question asked ("Explain concept number 1."): a chunk scoring under the
    # relevance floor (this text about generators did, 0.37) is not cited.
    (knowledge / "notes.md").write_text(
        "# Concept number 1\n\nConcept number 1 explained: the alpha1 first point holds, and "
        "the beta1 second point follows from it.\n"
    )
    result = _one_llm_graded_answer(monkeypatch)
    assert result.exit_code == 0, result.output
    assert "Filling the knowledge base" in result.stderr
    grade = next(iter(_repo().session_grades(_session_id(result.stdout)).values())).grade
    assert {s.document for s in grade.sources} == {"notes.md"}
    assert "without reference material" not in result.output
