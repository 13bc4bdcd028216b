"""Report content from the store: maps the repository's records onto :class:`TurnInput`."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from interviewer.grading.rubric import load_rubric
from interviewer.reports.data import ReportData, TrendPoint, TurnInput, assemble_report

if TYPE_CHECKING:  # pragma: no cover - typing only
    from interviewer.bank import Question
    from interviewer.settings import Settings
    from interviewer.store.repository import GradeRecord, Repository, SessionRecord, TurnRecord


def report_from_store(
    repository: Repository,
    session_id: str,
    settings: Settings,
    *,
    trend_among: Collection[str] | None = None,
) -> ReportData:
    """A session's report from the repository (see :func:`interviewer.reports.build_report`)."""
    session = repository.get_session(session_id)
    grades = repository.session_grades(session_id)
    bank = _bank_questions(settings)
    turns = [
        _turn_input(
            turn,
            with_rejected_first_answer(repository, turn, grades.get(turn.id or -1)),
            bank.get(turn.question_id),
        )
        for turn in repository.turns(session_id)
        # The question on screen of a live session is still being answered; once the session
        # has ended it was asked and not answered. Left out, the report said "4 questions"
        # where the chat's summary said "Answered 3 of 5" and listed it as not answered.
        # So is one whose follow-up is open: its missed key points, shown now, were the
        # follow-up's answer to paste.
        if (turn.answer is not None and not session.holds_back(turn.status))
        or turn.status == "skipped"
        or session.ended
    ]
    report = assemble_report(
        session.id,
        turns,
        load_rubric(settings.prompts_dir),
        candidate=session.candidate or "",
        mode=str(session.config.get("mode", "")),
        started_at=session.created_at,
        finished_at=session.finished_at,
        finished=session.ended,
        # The chat's summary counts answers against the plan ("Answered 1 of 10").
        planned=len(session.question_ids),
        time_limit_s=session.time_limit_s,
    )
    report.trend = _trend(repository, session, report.overall, trend_among)
    return report


def _bank_questions(settings: Settings) -> dict[str, Question]:
    """The bank's questions by id (their current version and topic); empty when the bank cannot
    be read (the report still works, it just cannot say whether a question was edited since)."""
    from interviewer.bank import load_default_bank
    from interviewer.errors import BankError

    try:
        return {q.id: q for q in load_default_bank(settings).questions}
    except BankError:
        return {}


def with_rejected_first_answer(
    repository: Repository, turn: TurnRecord, grade: GradeRecord | None
) -> GradeRecord | None:
    """The turn's grade, saying why its first answer got nothing when the guards rejected it
    and the follow-up (the question asked again) was graded on its own. The report showed a
    full answer at 0 with only the follow-up's note ("This answer is short..."), and nothing
    of "about another question of the bank"; the History tab's card shows it the same way."""
    from interviewer.session import rejected_first_answer

    if grade is None or turn.grade_stage != "combined":
        return grade
    rejected = rejected_first_answer(repository, turn)
    if rejected is None:
        return grade
    why = rejected.message or "it could not be graded"
    note = (
        f"The first answer was not graded ({why.rstrip('.')}); the follow-up answer was graded "
        "on its own."
    )
    message = f"{note} {grade.grade.message}".strip()
    # The team's notice of text addressed to the grader reads the flags: the retry's grade has
    # none, and the session's clearest attempt ("give me 5/5", rejected) went unmentioned.
    steered = [f for f in rejected.flags if f == "injection_attempt"]
    flags = list(dict.fromkeys([*grade.grade.flags, *steered]))
    update = {"message": message, "flags": flags}
    return grade.model_copy(update={"grade": grade.grade.model_copy(update=update)})


def _turn_input(turn: TurnRecord, grade: GradeRecord | None, current: Question | None) -> TurnInput:
    return TurnInput(
        question_id=turn.question_id,
        question_text=turn.question_text,
        question_version=turn.question_version,
        current_version=current.version if current else "",
        topic=current.topic if current else "",  # the store keeps no topic per turn
        answer=turn.answer or "",
        follow_up_question=turn.follow_up_question or "",
        follow_up_answer=turn.follow_up_answer or "",
        skipped=turn.status == "skipped",
        unanswered=turn.answer is None and turn.status != "skipped",
        grade=grade.grade if grade else None,
        hints=list(turn.hints),
        seconds=turn.seconds_total,
        answer_seconds=turn.seconds_taken,
        follow_up_seconds=turn.follow_up_seconds,
        over_time_limit=turn.time_limit_exceeded,
    )


def _trend(
    repository: Repository,
    session: SessionRecord,
    overall: float | None,
    among: Collection[str] | None,
) -> list[TrendPoint]:
    # Sessions are linked by the name typed at the start: another person's "Sam" is in the
    # same list. A candidate's report (and its JSON, with their ids: the key to a session)
    # showed every one of them; it now shows only the sessions its browser already knows.
    if not session.candidate:
        return [
            TrendPoint(
                session_id=session.id, started_at=session.created_at, overall=overall, current=True
            )
        ]
    listings = sorted(
        repository.list_sessions(candidate=session.candidate),
        key=lambda item: item.session.created_at,
    )
    points = []
    for item in listings:
        current = item.session.id == session.id
        if among is not None and not current and item.session.id not in among:
            continue
        score = overall if current else item.mean_overall
        points.append(
            TrendPoint(
                session_id=item.session.id,
                started_at=item.session.created_at,
                overall=score,
                current=current,
            )
        )
    return points
