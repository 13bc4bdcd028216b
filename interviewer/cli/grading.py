"""`interviewer grade`: grade one answer, or a JSONL batch in parallel."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Literal

import typer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from interviewer.bank import Bank, Question, adhoc_question, load_bank
from interviewer.cli import app, emit_json, friendly
from interviewer.errors import BankError, InputError
from interviewer.grading.base import Grade
from interviewer.settings import Settings

__all__ = ["BatchLine", "grade"]


class BatchLine(BaseModel):
    """One input line of ``grade --batch`` (other fields, e.g. a human ``score``, are ignored)."""

    model_config = ConfigDict(extra="ignore")

    id: str | int
    question: str = Field(min_length=1, description="A bank id or the question's text")
    answer: str
    reference_answer: str | None = None
    key_points: list[str] | None = None


def _bank(settings: Settings) -> Bank | None:
    path = settings.knowledge_dir / "questions.yaml"
    return load_bank(path) if path.exists() else None


def resolve_question(
    bank: Bank | None, question: str, reference: str | None, key_points: list[str] | None
) -> Question:
    """A bank question by id, else a free-text question built from its reference/key points.

    Raises:
        InputError: Neither a bank id nor a question with a reference answer or key points.
    """
    if bank is not None and not (reference or key_points):
        try:
            return bank.get(question)
        except BankError:
            pass
    if reference or key_points:
        return adhoc_question(question, reference or "", key_points)
    raise InputError(
        f"{question!r} is not a question id in the bank; for a free-text question also give "
        "a reference answer (--reference, or reference_answer / key_points in a batch line)."
    )


def _print_grade(grade: Grade) -> None:
    score = "pending" if grade.overall is None else f"{grade.overall:.1f} / 5"
    typer.echo(
        f"Overall: {score}   ({grade.grader.kind} grader"
        + (f", {grade.grader.model})" if grade.grader.model else ")")
    )
    for c in grade.criteria:
        value = "not assessed" if c.score is None else f"{c.score:.1f}"
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
        typer.echo("Read: " + "; ".join(s.label() for s in grade.sources))
    if grade.flags:
        typer.echo(f"Flags: {', '.join(grade.flags)}")
    if grade.message:
        typer.echo(f"Note: {grade.message}")


@app.command()
@friendly
def grade(
    question: Annotated[
        str | None, typer.Option("--question", "-q", help="Bank id (e.g. q04) or question text.")
    ] = None,
    answer: Annotated[
        str | None, typer.Option("--answer", "-a", help="The answer to grade.")
    ] = None,
    reference: Annotated[
        str | None, typer.Option("--reference", help="Reference answer for a free-text question.")
    ] = None,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch", help="JSONL: id, question, answer[, reference_answer, key_points]."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write the batch's grades.")
    ] = None,
    grader: Annotated[
        str | None, typer.Option("--grader", help="offline or llm (default: from settings).")
    ] = None,
    output_format: Annotated[
        Literal["text", "json"], typer.Option("--format", help="text or json.")
    ] = "text",
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=16, help="Parallel LLM requests in a batch.")
    ] = 4,
) -> None:
    """Grade one answer, or every line of a JSONL batch."""
    from interviewer.grading import build_grading_service

    if grader not in (None, "offline", "llm"):
        raise InputError(f"--grader must be offline or llm, not {grader!r}.")
    settings = Settings()
    if batch is not None:
        if out is None:
            raise InputError("--batch needs --out FILE.jsonl for the grades.")
        service = build_grading_service(settings, grader)  # type: ignore[arg-type]
        _grade_batch(
            service, _bank(settings), batch, out, workers if service.grader.name == "llm" else 1
        )
        return
    if question is None or answer is None:
        raise InputError("Give --question and --answer (or --batch IN.jsonl --out OUT.jsonl).")
    target = resolve_question(_bank(settings), question, reference, None)
    result = build_grading_service(settings, grader).grade(target, answer)  # type: ignore[arg-type]
    if output_format == "json":
        emit_json(result.model_dump(mode="json"))
    else:
        _print_grade(result)


def _read_batch(
    path: Path, bank: Bank | None
) -> tuple[list[tuple[str | int, Question, str]], list[str]]:
    """Valid lines (id, question, answer) and one message per bad line."""
    try:
        # Split on "\n" only: splitlines() also breaks inside JSON strings holding U+2028 etc.
        lines = path.read_text(encoding="utf-8").split("\n")
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}). "
            "Save it as UTF-8 and run the batch again."
        ) from exc
    items: list[tuple[str | int, Question, str]] = []
    problems: list[str] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            line = BatchLine.model_validate_json(raw)
            items.append(
                (
                    line.id,
                    resolve_question(bank, line.question, line.reference_answer, line.key_points),
                    line.answer,
                )
            )
        except ValidationError as exc:
            err = exc.errors()[0]
            problems.append(
                f"line {number}: {'.'.join(map(str, err['loc'])) or 'line'}: {err['msg']}"
            )
        except (InputError, BankError) as exc:
            problems.append(f"line {number}: {exc}")
    return items, problems


def _grade_batch(service: object, bank: Bank | None, path: Path, out: Path, workers: int) -> None:
    from rich.progress import Progress

    from interviewer.grading.service import GradingService

    assert isinstance(service, GradingService)
    items, problems = _read_batch(path, bank)
    for problem in problems:
        typer.echo(f"Skipped {problem}", err=True)
    results: list[Grade | None] = [None] * len(items)
    with Progress(transient=True) as progress, ThreadPoolExecutor(max_workers=workers) as pool:
        task = progress.add_task("Grading", total=len(items))
        futures = {pool.submit(service.grade, q, a): i for i, (_, q, a) in enumerate(items)}
        for future, index in futures.items():
            results[index] = future.result()
            progress.advance(task)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for (item_id, _, _), result in zip(items, results, strict=True):
            assert result is not None
            row = {"id": item_id, "score": result.overall, "grade": result.model_dump(mode="json")}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    pending = sum(1 for r in results if r is not None and r.overall is None)
    typer.echo(f"Graded {len(items)} answers into {out} ({pending} pending).", err=True)
    if problems:
        raise InputError(
            f"{len(problems)} line(s) of {path} could not be graded (listed above); "
            f"the rest are in {out}."
        )


def _check_llm(settings: Settings) -> str:
    """Doctor check: the configured LLM endpoint answers ``/models`` with our key."""
    import httpx

    from interviewer.chat import FAKE_MODEL, build_chat_model

    if settings.effective_grader != "llm":
        return "not used (offline grader; set INTERVIEWER_LLM_BASE_URL or a key to use one)"
    if settings.llm_model == FAKE_MODEL:
        return "deterministic fake model (no network)"
    build_chat_model(settings)  # refuses remote endpoints unless allowed, checks the key
    base = (settings.llm_base_url or "https://api.openai.com/v1").rstrip("/")
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    response = httpx.get(f"{base}/models", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    response.raise_for_status()
    names = [m.get("id", "?") for m in response.json().get("data", [])]
    found = "listed" if settings.llm_model in names else "NOT listed by the server"
    return f"{base} answers; model {settings.llm_model} {found}"


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
