"""Per-turn app overhead, transcription speed, and start-up time of the web app.

Prints JSON (``run() -> dict``):

- ``turn``: interview turns sent to an app running in this process the way its page sends
  them (event ``accept`` then event ``answer``, each a ``queue/join`` POST and its event
  stream, over one kept-alive loopback connection), graded by the LLM grader talking to the
  fake OpenAI-compatible server (its own process), which answers at once. ``overhead_ms``:
  wall time per turn minus the grade call (target p95 <= 50 ms). ``server_cpu_ms``: the app
  process's CPU per turn minus the client and the grade call (independent of other load);
  ``handler_cpu_ms`` is its part inside the two handlers. The JSON carries these definitions.
- ``stt``: seconds of transcription per second of audio for Whisper base and tiny.en on an
  espeak-ng recording (model load reported separately).
- ``startup``: seconds from starting ``python app.py`` to the first page served
  (target <= 6 s), on a fresh data directory and again on an existing one.

Run: ``.venv/bin/python bench/turn.py [startup] [turn] [stt]`` (all three by default).
Loopback only; nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer.processes import stop_process  # noqa: E402 - after the path is set

SESSIONS = 8
QUESTIONS = 5
STARTUP_RUNS = 3
SPOKEN = (
    "A generative adversarial network has two parts. The generator maps random noise to "
    "samples, and the discriminator tells real samples from generated ones. They are trained "
    "against each other in a minimax game until the generator's samples look real."
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 2)

    return {"n": len(ordered), "p50": pct(0.5), "p95": pct(0.95), "max": round(ordered[-1], 2)}


class _TimedGrader:
    """Wraps the grading service and records how long each ``grade`` call takes.

    ``cpu_seconds`` is the whole process's CPU during the call: the LLM client does part of
    its work in threads of its own. Turns are sent one at a time, so nothing else runs then.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seconds: list[float] = []
        self.cpu_seconds: list[float] = []
        self.thread_cpu_seconds: list[float] = []
        self._lock = threading.Lock()

    def grade(
        self, question: Any, answer: str, *, transcript_confidence: float | None = None, **more: Any
    ) -> Any:
        start, cpu, thread_cpu = time.perf_counter(), time.process_time(), time.thread_time()
        try:
            return self.inner.grade(
                question, answer, transcript_confidence=transcript_confidence, **more
            )
        finally:
            with self._lock:
                self.seconds.append(time.perf_counter() - start)
                self.cpu_seconds.append(time.process_time() - cpu)
                self.thread_cpu_seconds.append(time.thread_time() - thread_cpu)


def _time_handlers(demo: Any, names: tuple[str, ...]) -> tuple[list[float], list[float]]:
    """Wrap the named event handlers so each call's wall and CPU time are recorded."""
    seconds: list[float] = []
    cpu_seconds: list[float] = []
    for block_fn in demo.fns.values():
        if block_fn.api_name not in names:
            continue
        inner = block_fn.fn

        def timed(*args: Any, _inner: Any = inner, **kwargs: Any) -> Any:
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return _inner(*args, **kwargs)
            finally:
                seconds.append(time.perf_counter() - start)
                cpu_seconds.append(time.thread_time() - cpu)

        block_fn.fn = timed
    return seconds, cpu_seconds


class _BrowserClient:
    """Calls the app's events the way its page does: one kept-alive HTTP connection, and per
    event ``POST /gradio_api/queue/join`` then the ``queue/data`` event stream until the event
    completes. (``gradio_client`` opens a new connection and TLS context for every call, which
    cost more than the app itself and is not what a candidate's browser does.)"""

    def __init__(self, url: str) -> None:
        import httpx

        self._http = httpx.Client(base_url=url, timeout=60)
        config = self._http.get("/config").json()
        self._fn = {
            dep["api_name"]: index
            for index, dep in enumerate(config["dependencies"])
            if dep.get("api_name")
        }
        self._session = uuid.uuid4().hex[:12]
        self.bytes_received = 0

    def call(self, api_name: str, *data: Any) -> list[Any]:
        """Run one event and return its output values."""
        body = {
            "data": list(data),
            "event_data": None,
            "fn_index": self._fn[api_name],
            "trigger_id": None,
            "session_hash": self._session,
        }
        self._http.post("/gradio_api/queue/join", json=body).raise_for_status()
        with self._http.stream(
            "GET", "/gradio_api/queue/data", params={"session_hash": self._session}
        ) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                self.bytes_received += len(line)
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    if not message.get("success"):
                        raise RuntimeError(f"{api_name} failed: {message.get('output')}")
                    return list(message["output"]["data"])
        raise RuntimeError(f"{api_name}: the event stream ended before the event completed")

    def close(self) -> None:
        self._http.close()


class _FakeLLMProcess:
    """The fake OpenAI-compatible server in its own process, so its CPU is not the app's."""

    _SCRIPT = (
        "import sys\n"
        "from interviewer.chat.server import FakeOpenAIServer\n"
        "with FakeOpenAIServer(api_key='bench-key') as server:\n"
        "    print(server.url, flush=True)\n"
        "    sys.stdin.read()\n"
    )

    def __enter__(self) -> str:
        self._process = subprocess.Popen(
            [sys.executable, "-c", self._SCRIPT],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        return self._process.stdout.readline().strip()

    def __exit__(self, *exc: object) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def bench_turns(data_dir: Path) -> dict[str, Any]:
    """Drive SESSIONS x QUESTIONS turns through the app's HTTP API; return overhead figures."""
    from interviewer.grading.service import build_grading_service
    from interviewer.settings import Settings
    from interviewer.ui.app import build_app, launch_kwargs
    from interviewer.ui.services import build_services

    with _FakeLLMProcess() as llm_url:
        settings = Settings(
            data_dir=data_dir,
            grader="llm",
            llm_base_url=llm_url,
            llm_model="fake-grader",
            llm_api_key="bench-key",
            allow_remote=True,  # the LLM is on 127.0.0.1
        )
        services = build_services(settings)
        timed = _TimedGrader(build_grading_service(settings))
        services.grader = timed
        demo = build_app(settings, services)
        handler_s, handler_cpu = _time_handlers(demo, ("accept", "answer"))
        port = _free_port()
        kwargs = {k: v for k, v in launch_kwargs().items() if k in ("show_error", "max_file_size")}
        demo.launch(
            server_name="127.0.0.1",
            server_port=port,
            prevent_thread_lock=True,
            quiet=True,
            **kwargs,
        )
        try:
            client = _BrowserClient(f"http://127.0.0.1:{port}")
            bank = services.bank
            figures: dict[str, list[float]] = {
                key: []
                for key in (
                    "overhead",
                    "accept",
                    "answer",
                    "total",
                    "grader",
                    "server_cpu",
                    "handler_cpu",
                    "bytes",
                )
            }
            for session in range(SESSIONS + 1):  # the first session warms up and is not counted
                out = client.call(
                    "start", f"bench {session}", [], QUESTIONS, "any", "practice",
                    False, False, 0, [],
                )  # fmt: skip
                session_id, chat, known = out[0], out[1], out[6]
                for index in range(QUESTIONS):
                    question = bank.questions[index]
                    # Distinct per session, so the grade cache never answers for the grader.
                    answer = f"{' '.join(question.key_points[: 1 + index % 3])} ({session})"
                    graded_before, handled_before = len(timed.seconds), len(handler_s)
                    received_before = client.bytes_received
                    cpu_start, client_cpu_start = time.process_time(), time.thread_time()
                    start = time.perf_counter()
                    chat = client.call("accept", answer, session_id, chat)[0]
                    accepted = time.perf_counter()
                    out = client.call("answer", answer, session_id, chat, None, known)
                    done = time.perf_counter()
                    client_cpu = time.thread_time() - client_cpu_start
                    process_cpu = time.process_time() - cpu_start
                    chat, known = out[1], out[6]
                    grade_s = sum(timed.seconds[graded_before:])
                    grade_cpu = sum(timed.cpu_seconds[graded_before:])
                    grade_thread_cpu = sum(timed.thread_cpu_seconds[graded_before:])
                    if session == 0:
                        continue
                    figures["overhead"].append((done - start - grade_s) * 1000)
                    figures["accept"].append((accepted - start) * 1000)
                    figures["answer"].append((done - accepted - grade_s) * 1000)
                    figures["total"].append((done - start) * 1000)
                    figures["grader"].append(grade_s * 1000)
                    figures["server_cpu"].append((process_cpu - client_cpu - grade_cpu) * 1000)
                    figures["handler_cpu"].append(
                        (sum(handler_cpu[handled_before:]) - grade_thread_cpu) * 1000
                    )
                    figures["bytes"].append(client.bytes_received - received_before)
            client.close()
            return {
                "sessions": SESSIONS,
                "turns": len(figures["overhead"]),
                "overhead_ms": _percentiles(figures["overhead"]),
                "server_cpu_ms": _percentiles(figures["server_cpu"]),
                "handler_cpu_ms": _percentiles(figures["handler_cpu"]),
                "accept_call_ms": _percentiles(figures["accept"]),
                "answer_call_minus_grader_ms": _percentiles(figures["answer"]),
                "turn_total_ms": _percentiles(figures["total"]),
                "grader_call_ms": _percentiles(figures["grader"]),
                "bytes_received_per_turn": _percentiles(figures["bytes"]),
                "target_overhead_p95_ms": 50,
                "definitions": {
                    "turn": "the candidate sends an answer: event accept (echo it, show the "
                    "grading indicator), then event answer (save it, grade it, save the grade, "
                    "show the feedback card and the next question), each a queue/join POST "
                    "plus its event stream, as the page sends them, over one kept-alive "
                    "loopback connection",
                    "overhead_ms": "wall time from sending accept to receiving the completed "
                    "answer event, minus the wall time of the grading service's grade call "
                    "(retrieval + LLM round trip + guards). Excludes the browser's rendering.",
                    "server_cpu_ms": "CPU time the app process used per turn (HTTP, queue, "
                    "Gradio pre/postprocessing, handlers, database), minus the bench client's "
                    "own thread and the grade call's CPU; independent of other load",
                    "handler_cpu_ms": "the part of server_cpu_ms spent inside the two event "
                    "handlers (engine, database writes, rendering)",
                },
                "note": "LLM grader against the fake OpenAI-compatible server in its own "
                "process, answering at once; answers are distinct per session so the grade "
                "cache never answers; knowledge index empty (retrieval is inside the grader "
                "call either way)",
            }
        finally:
            with contextlib.redirect_stdout(sys.stderr):  # Gradio prints; stdout is the JSON
                demo.close()


def bench_stt(folder: Path) -> dict[str, Any]:
    """Transcription seconds per second of audio, per Whisper size."""
    from interviewer.settings import PROJECT_ROOT
    from interviewer.speech import WhisperTranscriber

    wav = folder / "spoken.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(wav), SPOKEN], check=True)
    result: dict[str, Any] = {}
    for size in ("base", "tiny.en"):
        transcriber = WhisperTranscriber(PROJECT_ROOT / "models", size)  # type: ignore[arg-type]
        start = time.perf_counter()
        transcriber.load()
        load_s = time.perf_counter() - start
        runs = []
        duration = 0.0
        for _ in range(3):
            start = time.perf_counter()
            transcript = transcriber.transcribe(wav)
            runs.append(time.perf_counter() - start)
            duration = transcript.duration_s
        best = statistics.median(runs)
        result[size] = {
            "audio_s": duration,
            "transcribe_s_median": round(best, 3),
            "seconds_per_audio_second": round(best / duration, 3),
            "load_s": round(load_s, 2),
            "confidence": transcript.confidence,
        }
    return result


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _first_page(data_dir: Path) -> tuple[float, float]:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INTERVIEWER_")},
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "INTERVIEWER_DATA_DIR": str(data_dir),
        "INTERVIEWER_GRADER": "offline",
    }
    import httpx

    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        env=env,
        cwd=data_dir.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - start < 120:
            if process.poll() is not None:
                raise RuntimeError("the app exited during start-up")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                    return time.perf_counter() - start, _cpu_seconds(process.pid)
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the app did not serve a page within 120 s")
    finally:
        stop_process(process, timeout_s=20)


def bench_startup(folder: Path) -> dict[str, Any]:
    """Seconds from process start to first page, on fresh and on existing data directories.

    One uncounted run first loads the code into the OS file cache (otherwise whichever case
    runs first pays for the cold disk); then fresh and existing runs alternate.
    """
    existing = folder / "startup-data"
    _first_page(existing)
    fresh: list[tuple[float, float]] = []
    again: list[tuple[float, float]] = []
    for run_index in range(STARTUP_RUNS):
        fresh.append(_first_page(folder / f"startup-fresh-{run_index}"))
        again.append(_first_page(existing))
    walls = [wall for wall, _ in fresh + again]
    return {
        "fresh_data_dir_s": [round(wall, 2) for wall, _ in fresh],
        "existing_data_dir_s": [round(wall, 2) for wall, _ in again],
        "fresh_median_s": round(statistics.median(wall for wall, _ in fresh), 2),
        "existing_median_s": round(statistics.median(wall for wall, _ in again), 2),
        "median_s": round(statistics.median(walls), 2),
        # CPU time the app used until its first page: what start-up costs on an idle machine.
        "cpu_s_to_first_page": {
            "fresh": [round(cpu, 2) for _, cpu in fresh],
            "existing": [round(cpu, 2) for _, cpu in again],
        },
        "target_s": 6,
    }


PARTS = ("startup", "turn", "stt")


def run(parts: tuple[str, ...] = PARTS) -> dict[str, Any]:
    """Run the given parts (all by default) and return the figures."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    with tempfile.TemporaryDirectory(prefix="bench-turn-") as tmp:
        folder = Path(tmp)
        load_before = os.getloadavg()[0]
        result: dict[str, Any] = {}
        if "startup" in parts:
            result["startup"] = bench_startup(folder)
        if "turn" in parts:
            result["turn"] = bench_turns(folder / "turn-data")
        if "stt" in parts:
            result["stt"] = bench_stt(folder)
        result["cpus"] = os.cpu_count()
        # Context for the figures: other work on the machine slows every one of them.
        result["load_average_1m"] = {
            "before": round(load_before, 2),
            "after": round(os.getloadavg()[0], 2),
        }
        return result


if __name__ == "__main__":
    chosen = tuple(arg for arg in sys.argv[1:] if arg in PARTS) or PARTS
    print(json.dumps(run(chosen), indent=2))
