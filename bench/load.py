"""Load benchmark: concurrent interview sessions through the web app's own HTTP API.

Starts, all on 127.0.0.1:

- the fake OpenAI-compatible LLM server (:class:`interviewer.chat.server.FakeOpenAIServer`) in
  its own process, answering every chat request after ``--delay`` seconds (default 1 s, a
  realistic hosted-LLM latency);
- the app (``python app.py``) as a subprocess with its own data directory and the LLM grader
  pointed at that server; it ingests the knowledge base on start, as a fresh install does;
- for the ``postgres-chroma`` backend also a PostgreSQL database (the Debian cluster started by
  ``scripts/postgres.sh``, a throw-away database dropped afterwards) and a Chroma server
  (``chroma run``), so the app runs the way ``docs/deploy.md`` describes for scale-out.

Then ``--sessions`` threads (one ``gradio_client.Client`` each, i.e. one browser tab each) start
an interview and answer ``--answers`` questions back to back, alternating strong answers (the
question's key points) and weak ones. A turn is what the browser does when the candidate
presses Enter: ``/accept`` then ``/answer``; its latency is from the first request to the
feedback. Afterwards the app is stopped and the database is read through the
:class:`~interviewer.store.Repository`: ``lost`` counts answers the app acknowledged that are
not stored, ``ungraded`` stored answers without a grade.

Prints JSON (``run() -> dict``): ``sessions``, ``turns``, ``errors``, ``lost``, ``p50_ms``,
``p95_ms``, ``p99_ms``, ``peak_rss_mb`` of the app during the load, ``wall_s`` and more.

Run: ``.venv/bin/python bench/load.py [--sessions 50 --answers 5 --delay 1.0
--backend sqlite|postgres-chroma|both]``. Loopback only; bounded by ``--timeout`` seconds per
backend.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer.processes import stop_process  # noqa: E402 - after the path is set

Backend = Literal["sqlite", "postgres-chroma"]
API_KEY = "bench-load-key"
WEAK_ANSWER = "I am not sure. I think it has something to do with neural networks and training."
READY_MARK = "Grading service ready."
CONNECT_TIMEOUT_S = 120  # a client fetches the app's config; slow while 50 connect at once
START_TIMEOUT_S = 300  # app start plus knowledge ingestion on a busy 2-core machine


# --- small helpers -----------------------------------------------------------------------------


def _percentile(ordered: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an already sorted list (None when empty)."""
    if not ordered:
        return None
    rank = max(1, min(len(ordered), round(q * len(ordered) + 0.5)))
    return round(ordered[rank - 1], 1)


def _rss_mb(pid: int, key: str = "VmRSS") -> float | None:
    """Resident memory of a process from /proc (``VmHWM`` is its lifetime peak)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
    return round(int(match.group(1)) / 1024, 1) if match else None


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds used so far by a process (from /proc; 0.0 when unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_http(url: str, deadline: float, process: subprocess.Popen[bytes] | None = None) -> None:
    import httpx

    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with code {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in time")


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEWER_")}
    env.update(
        GRADIO_ANALYTICS_ENABLED="False",
        HF_HUB_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        PYTHONUNBUFFERED="1",
    )
    return env


# --- the services the app talks to --------------------------------------------------------------


def _serve_llm(delay: float) -> None:
    """Child-process mode: run the fake LLM server until stdin closes; print the request count."""
    from interviewer.chat.server import FakeOpenAIServer

    with FakeOpenAIServer(api_key=API_KEY, delay=delay) as server:
        print(server.url, flush=True)
        sys.stdin.read()  # the parent closes our stdin to stop us
        print(json.dumps({"requests": len(server.requests)}), flush=True)


@contextmanager
def _fake_llm(delay: float) -> Iterator[dict[str, Any]]:
    """The fake LLM in its own process, so its latency does not depend on the load generator."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-llm", "--delay", str(delay)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=_clean_env(),
        text=True,
    )
    assert process.stdin and process.stdout
    info: dict[str, Any] = {"url": process.stdout.readline().strip()}
    try:
        if not info["url"].startswith("http://127.0.0.1:"):
            raise RuntimeError("the fake LLM server did not start")
        yield info
    finally:
        process.stdin.close()  # tells the server to report and stop
        try:
            process.wait(timeout=20)
            info.update(json.loads(process.stdout.read().strip().splitlines()[-1]))
        except (subprocess.TimeoutExpired, ValueError, IndexError):
            stop_process(process, timeout_s=20)


@contextmanager
def _postgres() -> Iterator[str]:
    """A fresh PostgreSQL database on the local cluster, dropped afterwards."""
    import psycopg

    url = subprocess.run(
        ["bash", str(ROOT / "scripts" / "postgres.sh")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    name = f"interviewer_bench_load_{os.getpid()}"
    admin = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class _App:
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    startup_s: float
    ready_s: float
    ready_rss_mb: float | None = None
    samples: list[float] = field(default_factory=list)


@contextmanager
def _app(folder: Path, llm_url: str, extra_env: dict[str, str]) -> Iterator[_App]:
    """Start ``python app.py``; yield once it serves pages and its grading service is ready."""
    from interviewer.knowledge.chroma_server import free_port

    port = free_port()
    env = _clean_env()
    env.update(
        GRADIO_SERVER_NAME="127.0.0.1",
        GRADIO_SERVER_PORT=str(port),
        INTERVIEWER_DATA_DIR=str(folder / "data"),
        INTERVIEWER_GRADER="llm",
        INTERVIEWER_LLM_BASE_URL=llm_url,
        INTERVIEWER_LLM_API_KEY=API_KEY,
        INTERVIEWER_LLM_MODEL="fake-grader",
        INTERVIEWER_ALLOW_REMOTE="true",  # the LLM server is on 127.0.0.1
        **extra_env,
    )
    log_path = folder / "app.log"
    log = log_path.open("wb")
    start = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        env=env,
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_http(url + "/", start + START_TIMEOUT_S, process)
        startup_s = time.monotonic() - start
        while READY_MARK not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() - start > START_TIMEOUT_S:
                raise RuntimeError(f"the app's grading service did not get ready; see {log_path}")
            time.sleep(0.2)
        ready_s = round(time.monotonic() - start, 2)
        yield _App(process, url, log_path, round(startup_s, 2), ready_s, _rss_mb(process.pid))
    finally:
        stop_process(process, timeout_s=20)
        log.close()


# --- the load -----------------------------------------------------------------------------------


@dataclass
class _SessionResult:
    session_id: str | None = None
    acknowledged: int = 0  # answers the app confirmed (answer box cleared, next step shown)
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _answers(bank: Any, count: int, session: int) -> list[str]:
    """Alternate strong answers (key points of the asked question) and weak ones.

    Each session's wording differs a little, so no answer is served from the grading
    service's cache: every turn reaches the LLM, as with real candidates.
    """
    out = []
    for index in range(count):
        question = bank.questions[index]
        if (index + session) % 2 == 0:
            text = ". ".join(question.key_points) + "."
        else:
            text = WEAK_ANSWER
        out.append(f"{text} (Answer {index + 1} of candidate {session}.)")
    return out


def _session(
    client: Any, name: str, answers: list[str], deadline: float, start_gate: threading.Barrier
) -> _SessionResult:
    result = _SessionResult()
    try:
        start_gate.wait(timeout=max(1.0, deadline - time.monotonic()))
    except threading.BrokenBarrierError:
        result.errors.append("start: clients were not ready in time")
        return result

    def call(*args: Any, api_name: str) -> Any:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("benchmark deadline reached")
        return client.submit(*args, api_name=api_name).result(timeout=remaining)

    try:
        out = call(
            name,
            [],
            len(answers),
            "any",
            "practice",
            False,  # follow-ups off: every answer moves on to the next bank question
            False,
            0,
            [],
            api_name="/start",
        )
    except Exception as exc:  # noqa: BLE001 - counted, the other sessions go on
        result.errors.append(f"start: {type(exc).__name__}: {exc}"[:300])
        return result
    chat, ids, result.session_id = out[0], out[5], out[7]
    for answer in answers:
        began = time.perf_counter()
        try:
            chat = call(answer, chat, api_name="/accept")[0]
            out = call(answer, chat, ids, api_name="/answer")
        except Exception as exc:  # noqa: BLE001 - counted, the session stops here
            result.errors.append(f"answer: {type(exc).__name__}: {exc}"[:300])
            return result
        result.latencies_ms.append((time.perf_counter() - began) * 1000)
        chat, ids, box = out[0], out[5], out[8]
        if isinstance(box, dict):  # a component update: {"value": ..., "interactive": ...}
            box = box.get("value")
        if box:  # the app kept the answer in the box: it was not saved (a warning was shown)
            result.errors.append("answer: the app kept the answer in the box (not saved)")
            return result
        result.acknowledged += 1
    return result


def _client(url: str) -> Any:
    """One browser tab's worth of API client (no analytics: nothing leaves the machine)."""
    from gradio_client import Client

    return Client(
        url, verbose=False, analytics_enabled=False, httpx_kwargs={"timeout": CONNECT_TIMEOUT_S}
    )


def _drive(app: _App, sessions: int, answers: int, timeout_s: float) -> dict[str, Any]:
    from concurrent.futures import ThreadPoolExecutor

    from interviewer.bank import load_default_bank
    from interviewer.settings import Settings

    bank = load_default_bank(Settings())  # the app's bank: same questions, same order
    deadline = time.monotonic() + timeout_s
    started: list[float] = []  # clock and CPU counters when every client is connected

    def go() -> None:
        started.extend([time.monotonic(), _cpu_s(app.process.pid), _cpu_s(os.getpid())])

    gate = threading.Barrier(sessions, action=go, timeout=timeout_s)
    stop_sampling = threading.Event()

    def sample() -> None:
        while not stop_sampling.is_set():
            rss = _rss_mb(app.process.pid)
            if rss is not None:
                app.samples.append(rss)
            stop_sampling.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)

    def one(index: int) -> _SessionResult:
        try:
            client = _client(app.url)
        except Exception as exc:  # noqa: BLE001 - counted; the others must not wait for it
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait()
            return _SessionResult(errors=[f"connect: {type(exc).__name__}: {exc}"[:300]])
        # One candidate per session, as in real use (see the report on same-name starts).
        name = f"Load Candidate {index:03d}"
        return _session(client, name, _answers(bank, answers, index), deadline, gate)

    # One untimed turn first: the app's first grade loads what its warm-up does not (see
    # ``warm_up_turn_ms``); the figures below are for an app that has served one answer.
    warm = _session(
        _client(app.url),
        "Load Warm-up",
        _answers(bank, 1, 0),
        deadline,
        threading.Barrier(1),
    )
    if warm.errors:
        raise RuntimeError(f"the warm-up turn failed: {warm.errors[0]}")
    # The clock starts when every client has connected (gate), like 50 open browser tabs.
    sampler.start()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        futures = [pool.submit(one, i) for i in range(sessions)]
        results: list[_SessionResult] = []
        for future in futures:
            try:
                results.append(future.result(timeout=max(1.0, deadline - time.monotonic() + 30)))
            except Exception as exc:  # noqa: BLE001 - a client that never connected
                results.append(_SessionResult(errors=[f"client: {type(exc).__name__}: {exc}"]))
        began, app_cpu, own_cpu = started or [time.monotonic(), 0.0, 0.0]
        wall = time.monotonic() - began
        app_cpu, own_cpu = _cpu_s(app.process.pid) - app_cpu, _cpu_s(os.getpid()) - own_cpu
    stop_sampling.set()
    sampler.join()
    return {
        "results": results,
        "wall_s": wall,
        "warm_up_turn_ms": round(warm.latencies_ms[0], 1),
        "app_cpu_s": round(app_cpu, 1),
        "load_generator_cpu_s": round(own_cpu, 1),
    }


def _check_store(settings: Any, results: list[Any]) -> dict[str, int]:
    """Count by session what the database holds for the answers the app acknowledged."""
    from interviewer.store import Repository, open_database

    engine = open_database(settings)
    try:
        repo = Repository(engine)
        lost = ungraded = pending = stored = graded = 0
        for result in results:
            if result.session_id is None:
                continue
            answered = [t for t in repo.turns(result.session_id) if t.answer is not None]
            grades = repo.session_grades(result.session_id)
            stored += len(answered)
            lost += max(0, result.acknowledged - len(answered))
            for turn in answered:
                record = grades.get(turn.id) if turn.id is not None else None
                if record is None:
                    ungraded += 1
                elif record.status == "pending":
                    pending += 1
                else:
                    graded += 1
        return {
            "stored_answers": stored,
            "graded": graded,
            "lost": lost,
            "ungraded": ungraded,
            "pending_grades": pending,
        }
    finally:
        engine.dispose()


def run_backend(
    backend: Backend, *, sessions: int, answers: int, delay: float, timeout_s: float
) -> dict[str, Any]:
    """Run the load against one storage backend and return its figures."""
    from interviewer.settings import Settings

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix=f"bench-load-{backend}-") as tmp:
        folder = Path(tmp)
        with _fake_llm(delay) as llm, _services(backend, folder) as extra_env:
            with _app(folder, llm["url"], extra_env) as app:
                driven = _drive(app, sessions, answers, timeout_s)
                lifetime_peak = _rss_mb(app.process.pid, "VmHWM")
            log_tail = _log_problems(app.log)
            settings = Settings(
                data_dir=folder / "data", database_url=extra_env.get("INTERVIEWER_DATABASE_URL")
            )
            stored = _check_store(settings, driven["results"])
        results = driven["results"]
        latencies = sorted(ms for r in results for ms in r.latencies_ms)
        errors = [e for r in results for e in r.errors]
        return {
            "backend": backend,
            "sessions": sessions,
            "answers_per_session": answers,
            "turns": len(latencies),
            "errors": len(errors),
            "error_samples": sorted(set(errors))[:5],
            "lost": stored["lost"],  # acknowledged by the app, missing from the database
            "acknowledged_answers": sum(r.acknowledged for r in results),
            "not_acknowledged": sessions * answers - sum(r.acknowledged for r in results),
            **stored,
            "p50_ms": _percentile(latencies, 0.50),
            "p95_ms": _percentile(latencies, 0.95),
            "p99_ms": _percentile(latencies, 0.99),
            "max_ms": round(latencies[-1], 1) if latencies else None,
            "turns_per_s": round(len(latencies) / driven["wall_s"], 2),
            "wall_s": round(driven["wall_s"], 1),
            "warm_up_turn_ms": driven["warm_up_turn_ms"],
            # Where the CPU went while the sessions ran (the app is one Python process).
            "app_cpu_s": driven["app_cpu_s"],
            "app_cpu_ms_per_turn": round(1000 * driven["app_cpu_s"] / max(1, len(latencies)), 1),
            "load_generator_cpu_s": driven["load_generator_cpu_s"],
            "llm_delay_s": delay,
            "llm_requests": llm.get("requests"),
            "peak_rss_mb": max(app.samples) if app.samples else None,
            "peak_rss_mb_lifetime": lifetime_peak,
            "rss_mb_when_ready": app.ready_rss_mb,
            "app_startup_s": app.startup_s,
            "app_ready_s": app.ready_s,
            "app_log_problems": log_tail,
            "load_average_1m": {
                "before": round(load_before[0], 2),
                "after": round(os.getloadavg()[0], 2),
            },
        }


@contextmanager
def _services(backend: Backend, folder: Path) -> Iterator[dict[str, str]]:
    """Environment for the app: nothing for SQLite; a database URL and Chroma server otherwise."""
    if backend == "sqlite":
        yield {}
        return
    from interviewer.knowledge.chroma_server import run_chroma_server

    chroma = run_chroma_server(
        folder / "chroma-server", log=folder / "chroma.log", env=_clean_env()
    )
    with _postgres() as url, chroma as server:
        yield {
            "INTERVIEWER_DATABASE_URL": url,
            "INTERVIEWER_CHROMA_HOST": server.host,
            "INTERVIEWER_CHROMA_PORT": str(server.port),
        }


def _log_problems(log: Path) -> dict[str, Any]:
    """Warnings and errors the app logged during the run (count and a few distinct lines)."""
    lines = log.read_text(errors="replace").splitlines()
    problems = [line for line in lines if " WARNING " in line or " ERROR " in line]
    # The last line of each traceback names the exception.
    raised = [line for line in lines if re.match(r"^[A-Za-z_.]+(Error|Exception)\b", line)]
    distinct = sorted({re.sub(r"^\S+ \S+ ", "", line)[:240] for line in problems + raised})
    return {"warnings_errors": len(problems), "exceptions": len(raised), "samples": distinct[:8]}


def run(
    *,
    sessions: int = 50,
    answers: int = 5,
    delay: float = 1.0,
    backend: Literal["sqlite", "postgres-chroma", "both"] = "both",
    timeout_s: float = 600.0,
) -> dict[str, Any]:
    """Run the load test; SQLite figures at top level, PostgreSQL + Chroma under its own key."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    kwargs = {"sessions": sessions, "answers": answers, "delay": delay, "timeout_s": timeout_s}
    out: dict[str, Any] = {"cpus": os.cpu_count()}
    if backend in ("sqlite", "both"):
        try:
            out["sqlite"] = run_backend("sqlite", **kwargs)
        except Exception as exc:  # noqa: BLE001 - keep the other backend's figures
            out["sqlite"] = {"error": f"{type(exc).__name__}: {exc}"}
        out.update({k: v for k, v in out["sqlite"].items() if k != "backend"})
    if backend in ("postgres-chroma", "both"):
        try:
            out["postgres_chroma"] = run_backend("postgres-chroma", **kwargs)
        except Exception as exc:  # noqa: BLE001 - keep the other backend's figures
            out["postgres_chroma"] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def main() -> None:
    """Command line: parse options, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--answers", type=int, default=5)
    parser.add_argument("--delay", type=float, default=1.0, help="fake LLM reply delay, seconds")
    parser.add_argument("--backend", choices=["sqlite", "postgres-chroma", "both"], default="both")
    parser.add_argument("--timeout", type=float, default=600.0, help="per backend, seconds")
    parser.add_argument("--serve-llm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_llm:
        _serve_llm(args.delay)
        return
    if not 1 <= args.sessions <= 200 or not 1 <= args.answers <= 10:
        parser.error("--sessions must be 1..200 and --answers 1..10")
    result = run(
        sessions=args.sessions,
        answers=args.answers,
        delay=args.delay,
        backend=args.backend,
        timeout_s=args.timeout,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
