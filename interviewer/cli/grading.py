"""`interviewer grade`: grade one answer, or a JSONL batch in parallel."""

from __future__ import annotations

import json
import os
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NamedTuple, TextIO

import typer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from interviewer.bank import Bank, Question, load_bank, resolve_question
from interviewer.cli import (
    FormatOption,
    app,
    bank_id,
    emit_json,
    fill_knowledge_base,
    friendly,
    same_file,
)
from interviewer.cli.doctor import CheckFailed
from interviewer.errors import (
    BankError,
    ConfigError,
    InputError,
    InterviewerError,
    validation_message,
)
from interviewer.grading.base import Grade
from interviewer.grading.rubric import one_decimal
from interviewer.settings import Settings
from interviewer.text import counted
from interviewer.textfile import decode_text, json_object, refuse_csv

if TYPE_CHECKING:
    from interviewer.grading.service import GradingService

__all__ = ["BatchLine", "grade"]


class BatchLine(BaseModel):
    """One input line of ``grade --batch`` (other fields, e.g. a human ``score``, are ignored)."""

    model_config = ConfigDict(extra="ignore")

    id: str | int
    question: str = Field(min_length=1, description="A bank id or the question's text")
    answer: str
    reference_answer: str | None = None
    key_points: list[str] | None = None
    alternative_answers: list[str] | None = Field(
        default=None, description="Other accepted answers (see Question.alternative_answers)"
    )


class _Item(NamedTuple):
    """One gradable line of a batch file."""

    number: int
    id: str | int
    question: Question
    answer: str


# A script must not read "the LLM was down" as success; 1 is bad input, 130 an interruption.
PENDING_EXIT = 3


def _bank(settings: Settings) -> Bank | None:
    path = settings.knowledge_dir / "questions.yaml"
    return load_bank(path) if path.exists() else None


def _print_grade(grade: Grade) -> None:
    score = "pending" if grade.overall is None else f"{grade.overall:.1f} / 5"
    typer.echo(
        f"Overall: {score}   ({grade.grader.kind} grader"
        + (f", {grade.grader.model})" if grade.grader.model else ")")
    )
    for c in grade.criteria:
        value = "not assessed" if c.score is None else f"{one_decimal(c.score):.1f}"
        typer.echo(f"  {c.criterion:<14} {value:<13} {c.rationale}")
    for v in grade.key_points:
        quote = f' — "{v.evidence}"' if v.evidence else ""
        typer.echo(f"  [{v.verdict:^7}] {v.key_point}{quote}")
    for error in grade.factual_errors:
        typer.echo(f"  error: {error}")
    if grade.feedback:
        typer.echo(f"Feedback: {grade.feedback}")
    if grade.follow_up:
        typer.echo(f"Follow-up: {grade.follow_up}")
    if grade.sources:
        # Labelled as in `interviewer interview`: "Read:" came twice, once inside the offline
        # grader's feedback (its shortened headings) and again here, with a different list.
        typer.echo("Sources: " + "; ".join(s.label() for s in grade.sources))
    if grade.flags:
        typer.echo(f"Flags: {', '.join(grade.flags)}")
    if grade.message:
        typer.echo(f"Note: {grade.message}")
    if grade.diagnostics:
        typer.echo(f"Why: {grade.diagnostics}")


@app.command()
@friendly
def grade(
    question: Annotated[
        str | None,
        typer.Option(
            "--question",
            "-q",
            help="Bank id (e.g. q04) or a bank question's text (case, spacing and punctuation "
            "may differ); other text needs --reference or --key-point.",
        ),
    ] = None,
    answer: Annotated[
        str | None,
        typer.Option("--answer", "-a", help="The answer to grade ('-' reads it from stdin)."),
    ] = None,
    reference: Annotated[
        str | None, typer.Option("--reference", help="Reference answer for a free-text question.")
    ] = None,
    key_point: Annotated[
        list[str] | None,
        typer.Option(
            "--key-point", help="A key point of a free-text question (repeat for each, up to 8)."
        ),
    ] = None,
    alternative: Annotated[
        list[str] | None,
        typer.Option(
            "--alternative",
            help="Another accepted answer (repeat for each, up to 16): the answer is graded "
            "against whichever accepted answer it matches best.",
        ),
    ] = None,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            help="JSONL: id, question, answer[, reference_answer, key_points, "
            "alternative_answers].",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write the batch's grades.")
    ] = None,
    grader: Annotated[
        str | None,
        typer.Option(
            "--grader", help="offline or llm (default: from settings).", metavar="<offline|llm>"
        ),
    ] = None,
    output_format: FormatOption = "text",
    force: Annotated[
        bool, typer.Option("--force", help="Replace the grades already in --out.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=16,
            help="Answers graded at once in a batch (offline: at most one per CPU core).",
        ),
    ] = 4,
) -> None:
    """Grade one answer, or every line of a JSONL batch.

    Exit status: 0 when every answer was graded, 1 for bad input (a bad batch line: the rest
    are graded), 3 when an answer is left pending (the LLM gave no valid grade: score null).
    """
    from interviewer.grading import build_grading_service

    if grader not in (None, "offline", "llm"):
        raise InputError(f"--grader must be offline or llm, not {grader!r}.")
    settings = Settings()
    if batch is not None:
        if any((question, answer, reference, key_point, alternative)) or output_format != "text":
            raise InputError(
                "--batch grades every line of its file and writes JSON Lines: leave out "
                "--question, --answer, --reference, --key-point, --alternative and --format."
            )
        _run_batch(settings, batch, out, grader, workers, force=force)
        return
    if question is None or answer is None:
        raise InputError("Give --question and --answer (or --batch IN.jsonl --out OUT.jsonl).")
    if answer == "-":  # a long answer is easier to pipe than to quote
        answer = _stdin_text()
    from interviewer.session import too_long  # not at import: it loads the store for every command

    if length := too_long(answer):
        raise InputError(f"The answer is {length}. Shorten it and grade it again.")
    bank = _bank(settings)
    target = resolve_question(bank, bank_id(bank, question), reference, key_point, alternative)
    service = build_grading_service(settings, grader)  # type: ignore[arg-type]
    fill_knowledge_base(settings)
    result = service.grade(target, answer)
    if output_format == "json":
        emit_json(result.model_dump(mode="json"))
    else:
        _print_grade(result)
    if result.overall is None:
        # The grade's own note says "re-grade it later", which in an interview means
        # `interviewer regrade`; a one-off grade is not stored anywhere to re-grade.
        typer.echo(
            "Nothing was stored: once the cause above is fixed, run this command again, or add "
            "--grader offline to grade without the LLM.",
            err=True,
        )
        raise typer.Exit(PENDING_EXIT)


def _stdin_text() -> str:
    """The answer piped on standard input (``--answer -``), decoded as UTF-8, without the
    whitespace around it: a file or ``echo`` ends in a newline, which the length check counted
    (105,001 characters where the interview, which trims an answer, said 104,999)."""
    raw = sys.stdin.buffer.read()
    try:
        return raw.decode("utf-8-sig").strip()
    except UnicodeDecodeError as exc:
        raise InputError(
            f"The answer on standard input is not UTF-8 text (byte {raw[exc.start]:#04x} at "
            f"offset {exc.start}): save it as UTF-8 and pipe it again."
        ) from exc


def _read_batch(path: Path, bank: Bank | None) -> tuple[list[_Item], list[str]]:
    """Valid lines and one message per bad line (each with its line number)."""
    from interviewer.session import too_long

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"Cannot read {path}: {exc.strerror}. Give --batch a JSON Lines file."
        ) from exc
    text = decode_text(data, path, again="run the batch again")
    refuse_csv(text, path, ("id", "question", "answer"))
    # Split on "\n" only: splitlines() also breaks inside JSON strings holding U+2028 etc.
    lines = text.split("\n")
    items: list[_Item] = []
    problems: list[str] = []
    first_line_of: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            line = BatchLine.model_validate(json_object(raw))
            if length := too_long(line.answer):
                problems.append(f"line {number}: the answer is {length}; shorten it")
                continue
            question = resolve_question(
                bank,
                bank_id(bank, line.question),
                line.reference_answer,
                line.key_points,
                line.alternative_answers,
                given_in="batch",
            )
        except ValidationError as exc:
            problems.append(f"line {number}: {validation_message(exc)}")
            continue
        except (InputError, BankError) as exc:
            problems.append(f"line {number}: {exc}")
            continue
        seen = first_line_of.setdefault(str(line.id), number)
        if seen != number:
            # Both are graded (nothing is dropped), but rows joined by id would collide.
            typer.echo(
                f"Warning: line {number}: id {line.id!r} repeats line {seen}'s; both are graded.",
                err=True,
            )
        items.append(_Item(number, line.id, question, line.answer))
    return items, problems


def _run_batch(
    settings: Settings,
    batch: Path,
    out: Path | None,
    grader: str | None,
    workers: int,
    *,
    force: bool,
) -> None:
    """``grade --batch``: everything that can fail is checked before ``--out`` is opened, so
    a bad batch, a missing API key or a bad setting never empties an earlier output."""
    from interviewer.grading import build_grading_service

    if out is None:
        raise InputError("--batch needs --out FILE.jsonl for the grades.")
    if same_file(out, batch):
        raise InputError(f"--out {out} is the input file: write the grades to another file.")
    if out.is_file() and out.stat().st_size > 0 and not force:
        # Earlier grades (another batch, another grader) were replaced without a word.
        raise InputError(
            f"{out} already holds grades: pass --force to replace them, or choose another --out."
        )
    items, problems = _read_batch(batch, _bank(settings))
    if not items:
        _echo_skipped(problems)
        raise InputError(
            f"No line of {batch} can be graded: fix the lines above."
            if problems
            else f"{batch} has no answers: give one JSON object per line (id, question, answer)."
        )
    service = build_grading_service(settings, grader)  # type: ignore[arg-type]
    fill_knowledge_base(settings)
    # The offline grader's model runs on one core per answer (embeddings.py): more threads than
    # cores only queue (120 bank answers on 2 cores: 11 s alone, 8.7 s with 2). LLM requests
    # wait on the network, so they take every worker.
    cores = os.cpu_count() or 1
    parallel = workers if service.grader.name == "llm" else min(workers, cores)
    with _open_out(out) as handle:
        _grade_batch(service, (batch, out, handle), items, problems, parallel)


def _open_out(out: Path) -> TextIO:
    """The output file, opened once the batch is ready to be graded."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return out.open("w", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot write {out}: {exc.strerror}.") from exc


def _in_order(
    service: GradingService, items: list[_Item], pool: ThreadPoolExecutor, *, window: int
) -> Iterator[tuple[_Item, Future[Grade]]]:
    """Each item with its grade's future, in input order, at most ``window`` items ahead.

    The window bounds memory on a large batch (a grade is only held until written). The same
    answer to the same question in flight twice is graded once; once finished, the grade
    cache answers its later copies.
    """
    ahead: deque[tuple[_Item, Future[Grade]]] = deque()
    inflight: dict[tuple[str, str], tuple[Future[Grade], int]] = {}
    upcoming = iter(items)

    def key(item: _Item) -> tuple[str, str]:
        return item.question.version, item.answer

    def fill() -> None:
        while len(ahead) < window and (item := next(upcoming, None)) is not None:
            future, users = inflight.get(key(item)) or (
                pool.submit(service.grade, item.question, item.answer),
                0,
            )
            inflight[key(item)] = (future, users + 1)
            ahead.append((item, future))

    fill()
    while ahead:
        item, future = ahead.popleft()
        shared, users = inflight.pop(key(item))
        if users > 1:
            inflight[key(item)] = (shared, users - 1)
        yield item, future
        fill()


# Bad lines listed one by one, up to this many: a 50 MB file of broken lines printed 86,000.
_SKIPPED_SHOWN = 50


def _echo_skipped(problems: list[str]) -> None:
    """The lines not graded, with why: the first :data:`_SKIPPED_SHOWN`, then how many more."""
    for problem in problems[:_SKIPPED_SHOWN]:
        typer.echo(f"Skipped {problem}", err=True)
    if len(problems) > _SKIPPED_SHOWN:
        more = len(problems) - _SKIPPED_SHOWN
        typer.echo(
            f"Skipped {counted(more, 'more line')} (only the first {_SKIPPED_SHOWN} are listed).",
            err=True,
        )


def _grade_batch(
    service: GradingService,
    files: tuple[Path, Path, TextIO],
    items: list[_Item],
    problems: list[str],
    workers: int,
) -> None:
    """Grade ``items`` and write one row per answer, in input order, as soon as it is ready.

    ``files``: the input path, the output path and the open output file.

    Rows are flushed one by one, so an interrupted batch keeps every grade already made. A
    line whose grading fails (e.g. the store is unreachable) is reported with its number and
    the others go on.
    """
    from rich.progress import Progress

    path, out, handle = files
    _echo_skipped(problems)
    total = len(items) + len(problems)  # every answer line of the input, bad ones included
    written = pending = fallback = 0
    # A terminal gets a live bar; a log (not a terminal) a line every tenth of the batch.
    live = sys.stderr.isatty()
    step = max(1, len(items) // 10)
    with (
        Progress(transient=True, disable=not live) as progress,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        task = progress.add_task("Grading", total=len(items))
        try:
            ordered = _in_order(service, items, pool, window=4 * workers + 4)
            for done, (item, future) in enumerate(ordered, start=1):
                try:
                    result = future.result()
                except InterviewerError as exc:
                    problems.append(f"line {item.number}: {exc}")
                    typer.echo(f"Failed line {item.number}: {exc}", err=True)
                else:
                    row = {
                        "id": item.id,
                        "score": result.overall,
                        "grade": result.model_dump(mode="json"),
                    }
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                    handle.flush()
                    written += 1
                    pending += result.overall is None
                    fallback += "fallback" in result.flags
                progress.advance(task)
                if not live and (done % step == 0 or done == len(items)):
                    typer.echo(f"Graded {done}/{len(items)}", err=True)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            typer.echo(
                f"Interrupted: {written} of {len(items)} grades are in {out}; run the batch "
                "again with --force to finish (grades already made come from the cache).",
                err=True,
            )
            raise typer.Exit(130) from None
    # Offline grades among the LLM's were told only by a flag inside each row's JSON; they are
    # not cached, so a re-run asks the LLM for them.
    notes = [
        f"; {fallback} of them by the offline grader because the LLM failed (flag fallback), "
        "run the batch again with --force to grade them with the LLM"
    ] * bool(fallback)
    notes += [
        f"; {pending} pending (score null: the LLM gave no valid grade), run the batch again "
        "later with --force to grade them"
    ] * bool(pending)
    # "Graded 5 of 5" over a 10-line input hid the 5 lines it skipped.
    notes += [
        f"; {counted(len(problems), 'line')} of {path} not graded (listed above): fix them and "
        "run the batch again with --force (grades already made come from the cache)"
    ] * bool(problems)
    typer.echo(
        f"Graded {written - pending} of {counted(total, 'answer')} in {out}{''.join(notes)}.",
        err=True,
    )
    if problems:
        # The summary says it: a second "Error: 4 lines ... could not be graded" repeated it.
        raise typer.Exit(1)
    if pending:
        raise typer.Exit(PENDING_EXIT)


def _check_llm(settings: Settings) -> str:
    """Doctor check: the configured LLM endpoint lists the configured model, asked with our key.

    Only ``/models`` is called: a check run on every deploy must not spend tokens. Each failure
    carries its own fix (see :class:`interviewer.cli.doctor.CheckFailed`).
    """
    from interviewer.chat import FAKE_MODEL

    if settings.effective_grader != "llm":
        return "not used (offline grader; set INTERVIEWER_LLM_BASE_URL or a key to use one)"
    if settings.llm_model == FAKE_MODEL:
        return "deterministic fake model (no network)"
    _check_client(settings)
    base = (settings.llm_base_url or "https://api.openai.com/v1").rstrip("/")
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    return _model_listed(settings.llm_model, _listed_models(base, key), base)


# llama.cpp's server, run with one model, lists that model (its file name or --alias) as owned
# by "llamacpp" and answers whatever model name a request gives: a name unlike the file's is
# no fault there. Run with several (router mode) it lists each and routes by name.
_SERVES_ANY_NAME = "llamacpp"


def _check_client(settings: Settings) -> None:
    """The client can be built: a remote endpoint is allowed, and has a key."""
    from interviewer.chat import build_chat_model, is_local_url

    try:
        build_chat_model(settings)
    except ConfigError as exc:
        if not is_local_url(settings.llm_base_url) and not settings.allow_remote:
            fix = (
                "set INTERVIEWER_ALLOW_REMOTE=true to send answers to that server, or point "
                "INTERVIEWER_LLM_BASE_URL at one on this machine"
            )
        else:
            fix = "set INTERVIEWER_LLM_API_KEY (or OPENAI_API_KEY) to the server's key"
        raise CheckFailed(str(exc), fix=f"{fix}; or set INTERVIEWER_GRADER=offline") from None


def _listed_models(base: str, key: str) -> dict[str, str]:
    """The model names ``{base}/models`` lists, each with its owner; a failure says what was
    seen and what to do.

    The HTTP library's own text ("Client error '401 Unauthorized' for url ...", and a link on a
    second line) named no setting.
    """
    import httpx

    try:
        response = httpx.get(
            f"{base}/models", headers={"Authorization": f"Bearer {key or 'not-needed'}"}, timeout=10
        )
    except httpx.ConnectError:
        raise _unreachable(base) from None
    except httpx.TimeoutException:
        raise CheckFailed(
            f"{base} did not answer within 10 s",
            fix=f"see whether the LLM server at {base} is hung or overloaded (its log), and that "
            "no firewall drops the connection",
        ) from None
    except httpx.HTTPError as exc:
        raise CheckFailed(
            f"{base}/models failed: {exc}",
            fix="set INTERVIEWER_LLM_BASE_URL to the server's OpenAI-compatible URL, e.g. "
            "http://127.0.0.1:11434/v1",
        ) from None
    _check_status(response.status_code, base, key)
    try:
        return {str(m["id"]): str(m.get("owned_by", "")) for m in response.json()["data"]}
    except (ValueError, KeyError, TypeError):
        raise CheckFailed(
            f"{base}/models answered, but not with a list of models: is it an OpenAI-compatible "
            "API?",
            fix="set INTERVIEWER_LLM_BASE_URL to the server's OpenAI-compatible base URL (it "
            "usually ends in /v1)",
        ) from None


def _unreachable(base: str) -> CheckFailed:
    """Nothing answered: an unknown host is a wrong URL, a refused connection a stopped server
    (or a wrong port)."""
    import socket
    from urllib.parse import urlparse

    host = urlparse(base).hostname or ""
    try:
        socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return CheckFailed(
            f"the host {host!r} of {base} is not known",
            fix=f"correct the host in INTERVIEWER_LLM_BASE_URL (now {base})",
        )
    return CheckFailed(
        f"nothing answers at {base}: is the LLM server running?",
        fix=f"start the LLM server so that it listens at {base} (e.g. `ollama serve`, or `vllm "
        "serve MODEL --port PORT`), or set INTERVIEWER_LLM_BASE_URL to the URL of the one that "
        "runs; INTERVIEWER_GRADER=offline grades without it",
    )


def _check_status(code: int, base: str, key: str) -> None:
    """Refuse an HTTP error from ``/models`` with the setting that fixes it."""
    if code in (401, 403) and not key:
        # "refused the key" with none set sent the operator to look for a key they never gave.
        raise CheckFailed(
            f"{base} asks for an API key (HTTP {code}) and none is set: set "
            "INTERVIEWER_LLM_API_KEY",
            fix=f"set INTERVIEWER_LLM_API_KEY to the key the server at {base} expects (vLLM: "
            "its --api-key)",
        )
    if code in (401, 403):
        raise CheckFailed(
            f"{base} refused the key (HTTP {code})",
            fix=f"set INTERVIEWER_LLM_API_KEY to a key that {base} accepts: the one set now "
            "(INTERVIEWER_LLM_API_KEY, or OPENAI_API_KEY while that is unset) is refused",
        )
    if code == 404:
        fix = (
            f"set INTERVIEWER_LLM_BASE_URL={base}/v1"
            if not base.endswith("/v1")
            else f"check the host and port in INTERVIEWER_LLM_BASE_URL: what answers at {base} "
            "is not an OpenAI-compatible API"
        )
        raise CheckFailed(
            f"{base}/models was not found (HTTP 404): OpenAI-compatible base URLs usually end "
            "in /v1",
            fix=fix,
        )
    if code >= 400:
        raise CheckFailed(
            f"{base}/models answered HTTP {code}",
            fix=f"see the LLM server's log for why it answers {code}",
        )


def _model_listed(model: str, owners: dict[str, str], base: str) -> str:
    """Whether ``model`` is among the names the server lists; a failure names the close ones.

    Every grade would fail on a model the server does not have: a deploy check must not pass it.
    """
    names = list(owners)
    if not names:
        return f"{base} answers but lists no models, so model {model} is first tried by a grade"
    if model in names:
        return f"{base} answers; model {model} listed"
    if len(names) == 1 and owners[names[0]] == _SERVES_ANY_NAME:
        return (
            f"{base} answers; it is llama.cpp serving one model ({names[0]}), which answers "
            f"requests for {model} too"
        )
    if f"{model}:latest" in names:
        # Ollama reads a name without a tag as the :latest one, and lists it so.
        return f"{base} answers; model {model} listed (as {model}:latest)"
    close = _close_models(model, names)
    ordered = list(dict.fromkeys([*close, *names]))
    listed = ", ".join(ordered[:8]) + (" …" if len(ordered) > 8 else "")
    mean = f"; did you mean {' or '.join(close[:3])}? It lists " if close else "; it lists "
    raise CheckFailed(
        f"{base} answers, but it has no model {model!r}{mean}{listed}",
        fix=f"set INTERVIEWER_LLM_MODEL to a name {base} lists ({listed}), or load {model!r} "
        "on the server",
    )


def _close_models(model: str, names: list[str]) -> list[str]:
    """Listed names like ``model``: the same name with another tag or folder ("llama3" and
    "llama3:8b", "Qwen2.5-7B" and "Qwen/Qwen2.5-7B"), then near spellings."""
    import difflib

    def bare(name: str) -> str:
        return name.rsplit("/", 1)[-1].split(":", 1)[0].casefold()

    same = [n for n in names if bare(n) == bare(model)]
    folded = {n.casefold(): n for n in names}
    near = difflib.get_close_matches(model.casefold(), list(folded), n=3, cutoff=0.75)
    return list(dict.fromkeys([*same, *(folded[n] for n in near)]))


def _register_doctor_check() -> None:
    from interviewer.cli.doctor import CHECKS

    CHECKS.append(
        (
            "llm endpoint",
            _check_llm,
            "check INTERVIEWER_LLM_BASE_URL, INTERVIEWER_LLM_API_KEY and INTERVIEWER_LLM_MODEL, "
            "or set INTERVIEWER_GRADER=offline",
        )
    )


_register_doctor_check()
