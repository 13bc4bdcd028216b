"""Terminal mode: ``interviewer interview``, ``interviewer sessions list``, ``interviewer regrade``.

The interview runs the same engine as the web app. Answers are read from stdin one line at a
time (commands ``hint``, ``skip``, ``repeat``, ``end`` as the whole line), so it can be scripted:
``printf 'my answer\\nskip\\n' | interviewer interview --questions q01,q04``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

from interviewer.cli import FormatOption, app, bank_id, emit_json, fill_knowledge_base, friendly
from interviewer.cli.doctor import CHECKS
from interviewer.errors import InputError
from interviewer.settings import Settings
from interviewer.text import counted

if TYPE_CHECKING:  # pragma: no cover - typing only
    from interviewer.bank import Bank
    from interviewer.session import AnswerGrader, Interview, Reply
    from interviewer.store import Repository

sessions_app = typer.Typer(help="Stored interview sessions.", no_args_is_help=True)
app.add_typer(sessions_app, name="sessions")


class ModeChoice(StrEnum):
    """Interview mode."""

    practice = "practice"
    exam = "exam"


class GraderChoice(StrEnum):
    """Grader kind."""

    offline = "offline"
    llm = "llm"


class OrderChoice(StrEnum):
    """Question order."""

    bank = "bank"
    shuffled = "shuffled"


@app.command()
@friendly
def interview(
    questions: Annotated[
        str | None, typer.Option("--questions", help="Comma-separated question ids, e.g. q01,q04.")
    ] = None,
    mode: Annotated[ModeChoice, typer.Option("--mode")] = ModeChoice.practice,
    grader: Annotated[
        GraderChoice | None,
        typer.Option("--grader", help="Default: from settings (llm when a key or URL is set)."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Candidate name.")] = None,
    resume: Annotated[str | None, typer.Option("--resume", help="Session id to continue.")] = None,
    topics: Annotated[str | None, typer.Option("--topics", help="Comma-separated topics.")] = None,
    count: Annotated[
        int, typer.Option("--count", "-n", min=1, max=100, help="Number of questions.")
    ] = 5,
    difficulty: Annotated[int | None, typer.Option("--difficulty", min=1, max=3)] = None,
    order: Annotated[OrderChoice, typer.Option("--order")] = OrderChoice.bank,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for --order shuffled.")] = None,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=1, help="Seconds per answer (overruns are flagged)."),
    ] = None,
    follow_ups: Annotated[bool, typer.Option("--follow-ups/--no-follow-ups")] = True,
) -> None:
    """Run an interview in the terminal, reading one answer per line from stdin."""
    from interviewer.session import Interview, SessionConfig

    settings = Settings()
    bank = _load_bank(settings)
    repo = _repository(settings)
    if resume:
        stored = repo.get_session(resume.strip())
        kind = stored.config.get("grader")
        answer_grader = _grader(settings, str(kind) if kind else None)
        session = Interview.load(repo, bank, answer_grader, stored.id)
        # The greeting again, as the web chat opens with it: a resume in a new terminal said
        # only "Welcome back", not the mode, time limit and commands the candidate is under.
        # Before the start resuming greets anyway; a finished interview only shows its summary.
        greet = session.state not in ("greeting", "finished")
        replies = [*([session.greeting()] if greet else []), *session.resume()]
    else:
        config = SessionConfig(
            candidate=name,
            question_ids=[bank_id(bank, q) for q in _listed(questions, "--questions")],
            topics=_listed(topics, "--topics"),
            num_questions=count,
            difficulty=difficulty,
            order=order.value,
            seed=seed,
            mode=mode.value,
            follow_ups=follow_ups,
            time_limit_s=time_limit,
            grader=grader.value if grader else None,
        )
        answer_grader = _grader(settings, config.grader)
        session = Interview.create(repo, bank, answer_grader, config)
        replies = session.start()
    _run(session, replies, typer.get_binary_stream("stdin"))


@sessions_app.command("list")
@friendly
def sessions_list(
    candidate: Annotated[
        str | None,
        typer.Option("--candidate", help="Only candidates whose name contains this (any case)."),
    ] = None,
    output: FormatOption = "text",
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
) -> None:
    """List stored sessions, newest first."""
    listings = _repository(Settings()).list_sessions(limit=10_000 if candidate else limit)
    if candidate:
        # A search, not the exact name: "grace" found nothing for "Grace Web".
        wanted = " ".join(candidate.split()).casefold()
        listings = [s for s in listings if wanted in (s.session.candidate or "").casefold()]
        listings = listings[:limit]
    if output == "json":
        emit_json(
            [
                {
                    "id": item.session.id,
                    "candidate": item.session.candidate,
                    "state": item.session.state,
                    "mode": item.session.config.get("mode"),
                    "created_at": item.session.created_at.isoformat(),
                    "finished_at": (
                        item.session.finished_at.isoformat() if item.session.finished_at else None
                    ),
                    "questions": item.questions,
                    "answered": item.answered,
                    "graded": item.graded,
                    "pending": item.pending,
                    "mean_overall": item.mean_overall,
                }
                for item in listings
            ]
        )
        return
    if not listings:
        typer.echo(
            f"No session of candidate {candidate!r}; `interviewer sessions list` lists all."
            if candidate
            else "No sessions stored yet. Start one with `interviewer interview`."
        )
        return
    for item in listings:
        score = f"{item.mean_overall:.1f}/5" if item.mean_overall is not None else "-"
        typer.echo(
            # UTC, as the reports and History say: without a zone it read as local time.
            f"{item.session.id}  {item.session.created_at:%Y-%m-%d %H:%M} UTC  "
            f"{item.session.candidate or '(anonymous)'}  {item.session.state}  "
            f"{item.answered}/{item.questions} answered  mean {score}"
            + (f"  {item.pending} pending" if item.pending else "")
        )


@app.command()
@friendly
def regrade(
    pending: Annotated[
        bool,
        typer.Option("--pending", help="Grade every answer whose grade is pending or missing."),
    ] = False,
    session: Annotated[
        str | None,
        typer.Option("--session", help="Only this session's pending or missing grades."),
    ] = None,
    grader: Annotated[GraderChoice | None, typer.Option("--grader")] = None,
) -> None:
    """Finish grades that could not be computed (LLM down, process killed): every session's
    with --pending, one session's with --session ID."""
    from interviewer.session import regrade_pending

    # `--session ID` alone asked for that session's regrade and did nothing ("pass --pending").
    if not pending and session is None:
        raise InputError(
            "Say which grades to finish: `interviewer regrade --pending` for every session, "
            "`interviewer regrade --session ID` for one (`interviewer sessions list` shows ids)."
        )
    settings = Settings()
    repository = _repository(settings)
    if session is not None:
        repository.get_session(session)  # an unknown id is an error, not "0 of 0 regraded"
    report = regrade_pending(
        repository,
        _load_bank(settings),
        _grader(settings, grader.value if grader else None),
        session_id=session,
    )
    typer.echo(
        f"Regraded {report.completed} of {counted(report.found, 'pending answer')}; "
        f"{report.still_pending} still pending."
    )
    for reason in report.failed:
        typer.echo(f"  {reason}", err=True)
    if report.still_pending:
        # 3, as `grade` leaves an answer pending: with 1, shared with "the database is down", a
        # timer told to accept "still pending" also hid a database outage.
        raise typer.Exit(3)


# --- helpers ----------------------------------------------------------------------------------


def _run(session: Interview, replies: list[Reply], stdin: BinaryIO) -> None:
    """Print replies and feed stdin lines to the engine until the interview ends or input does.

    Lines are decoded one by one: a byte that is not UTF-8 costs that character (shown as
    "\ufffd", with a warning), not the answer, and not the lines before it.
    """
    interactive = stdin.isatty()
    _print(replies)
    while not session.finished:
        if interactive:
            typer.echo("> ", nl=False)
        raw = stdin.readline()
        line = raw.decode("utf-8", errors="replace")
        if "\ufffd" in line and b"\xef\xbf\xbd" not in raw:
            typer.echo(
                "Warning: that answer is not all UTF-8 text; the bytes that are not were "
                "recorded as \ufffd.",
                err=True,
            )
        if not line:
            typer.echo(
                "Input ended before the interview did; everything so far is saved. Continue "
                f"with `interviewer interview --resume {session.session_id}`."
            )
            break
        _print(_submit(session, line.rstrip("\r\n")))
    typer.echo(f"session: {session.session_id}")


# Waits between attempts while the database is locked or down; the line is kept meanwhile.
STORE_RETRY_WAITS = (1.0, 2.0, 4.0)


def _submit(session: Interview, text: str) -> list[Reply]:
    """Submit a line, retrying while the database is unavailable (the engine is unchanged
    by a failed write, so sending the same line again is safe)."""
    import time

    from interviewer.errors import StoreError

    for wait in (*STORE_RETRY_WAITS, None):
        try:
            return session.submit(text)
        except StoreError as exc:
            if wait is None:
                resume = f"`interviewer interview --resume {session.session_id}`"
                if session.state == "grading":  # the answer was stored before grading began
                    raise StoreError(
                        f"{exc} Your answer is saved; {resume} finishes its grade."
                    ) from exc
                raise StoreError(
                    f"{exc} Your last line was not saved; continue with {resume} and send it "
                    f"again:\n{text}"
                ) from exc
            typer.echo(f"{exc} Retrying in {wait:g} s.", err=True)
            time.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


def _print(replies: list[Reply]) -> None:
    for reply in replies:
        typer.echo(_render(reply))


def _render(reply: Reply) -> str:
    if reply.kind == "question":
        label = reply.progress.label if reply.progress else "Question"
        return f"\n[{label}] {reply.text}"
    if reply.kind == "follow_up":
        return f"Follow-up: {reply.text}"
    if reply.kind == "feedback":
        label = f": {reply.progress.label}" if reply.progress else ""
        return f"--- Feedback{label} ---\n{reply.text}"
    if reply.kind == "summary":
        return f"\n=== Summary ===\n{reply.text}"
    return reply.text


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _listed(value: str | None, option: str) -> list[str]:
    """The comma-separated values of ``option``; given empty (``--questions ""``, an unset
    shell variable) it is refused, where it was taken as no choice and drew any questions."""
    parts = _split(value)
    if value is not None and not parts:
        what = "question ids (q01,q04)" if option == "--questions" else "topics"
        raise InputError(
            f"{option} is empty: give {what} separated by commas (`interviewer questions "
            f"list` shows them), or leave {option} out to draw from the whole bank."
        )
    return parts


def _load_bank(settings: Settings) -> Bank:
    from interviewer.bank import load_default_bank

    return load_default_bank(settings)


def _repository(settings: Settings) -> Repository:
    from interviewer.store import Repository, open_database

    return Repository(open_database(settings))


def _grader(settings: Settings, kind: str | None) -> AnswerGrader:
    from interviewer.grading.service import build_grading_service

    fill_knowledge_base(settings)
    chosen = kind if kind in ("offline", "llm") else None
    return build_grading_service(settings, chosen)  # type: ignore[arg-type]


def _check_database(settings: Settings) -> str:
    sessions = len(_repository(settings).list_sessions(limit=10_000))
    url = settings.masked()["effective_database_url"]
    return f"{url} migrated to head, {counted(sessions, 'session')}"


CHECKS.append(
    (
        "database",
        _check_database,
        "check INTERVIEWER_DATABASE_URL; for PostgreSQL make sure the server is running",
    )
)
