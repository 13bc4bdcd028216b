"""Per-turn app overhead, transcription speed, and start-up time of the web app.

Prints JSON (``run() -> dict``):

- ``turn``: interview turns driven through the app's own HTTP API (``gradio_client``, the
  calls the browser makes: ``/accept`` then ``/answer``) against an app running in this
  process, graded by the LLM grader talking to the fake OpenAI-compatible server, which answers
  at once. ``server_overhead_ms`` is the time inside the app's two event handlers minus the
  time inside the grading service's ``grade`` call (retrieval + LLM): database writes, engine,
  rendering. Target p95 <= 50 ms. ``server_overhead_cpu_ms`` is the CPU time of the same
  work (independent of other load on the machine). ``overhead_ms`` is the client's wall
  time per turn minus the grade call, so it adds Gradio's HTTP/queue round trips and
  gradio_client's own cost.
- ``stt``: seconds of transcription per second of audio for Whisper base and tiny.en on an
  espeak-ng recording (model load reported separately).
- ``startup``: seconds from starting ``python app.py`` to the first page served
  (target <= 6 s), on a fresh data directory and again on an existing one.

Run: ``.venv/bin/python bench/turn.py``. Loopback only; nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
    """Wraps the grading service and records how long each ``grade`` call takes."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seconds: list[float] = []
        self.cpu_seconds: list[float] = []
        self._lock = threading.Lock()

    def grade(
        self, question: Any, answer: str, *, transcript_confidence: float | None = None
    ) -> Any:
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return self.inner.grade(question, answer, transcript_confidence=transcript_confidence)
        finally:
            with self._lock:
                self.seconds.append(time.perf_counter() - start)
                self.cpu_seconds.append(time.thread_time() - cpu)


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


def bench_turns(data_dir: Path) -> dict[str, Any]:
    """Drive SESSIONS x QUESTIONS turns through the app's HTTP API; return overhead figures."""
    from gradio_client import Client

    from interviewer.chat.server import FakeOpenAIServer
    from interviewer.grading.service import build_grading_service
    from interviewer.settings import Settings
    from interviewer.ui.app import build_app, launch_kwargs
    from interviewer.ui.services import build_services

    with FakeOpenAIServer(api_key="bench-key") as llm:
        settings = Settings(
            data_dir=data_dir,
            grader="llm",
            llm_base_url=llm.url,
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
            client = Client(f"http://127.0.0.1:{port}", verbose=False)
            bank = services.bank
            totals: list[float] = []
            overheads: list[float] = []
            graders: list[float] = []
            accepts: list[float] = []
            server_side: list[float] = []
            server_cpu: list[float] = []
            for session in range(SESSIONS + 1):  # the first session warms up and is not counted
                out = client.predict(
                    name=f"bench {session}",
                    topics=[],
                    num=QUESTIONS,
                    difficulty="any",
                    mode="practice",
                    follow_ups=False,
                    shuffle=False,
                    time_limit=0,
                    ids=[],
                    api_name="/start",
                )
                chat, ids = out[0], out[5]
                for index in range(QUESTIONS):
                    question = bank.questions[index]
                    answer = " ".join(question.key_points[: 1 + index % 3])
                    before = len(timed.seconds)
                    handled = len(handler_s)
                    start = time.perf_counter()
                    chat = client.predict(answer, chat, api_name="/accept")[0]
                    accepted = time.perf_counter() - start
                    out = client.predict(answer, chat, ids, api_name="/answer")
                    elapsed = time.perf_counter() - start
                    chat, ids = out[0], out[5]
                    graded = sum(timed.seconds[before:])
                    in_handlers = sum(handler_s[handled:])
                    cpu = sum(handler_cpu[handled:]) - sum(timed.cpu_seconds[before:])
                    if session > 0:
                        server_cpu.append(cpu * 1000)
                        server_side.append((in_handlers - graded) * 1000)
                        totals.append(elapsed * 1000)
                        graders.append(graded * 1000)
                        overheads.append((elapsed - graded) * 1000)
                        accepts.append(accepted * 1000)
            return {
                "sessions": SESSIONS,
                "turns": len(totals),
                "overhead_ms": _percentiles(overheads),
                "server_overhead_ms": _percentiles(server_side),
                "server_overhead_cpu_ms": _percentiles(server_cpu),
                "turn_total_ms": _percentiles(totals),
                "grader_call_ms": _percentiles(graders),
                "accept_call_ms": _percentiles(accepts),
                "target_overhead_p95_ms": 50,
                "note": "fake LLM answers at once; knowledge index empty (retrieval is inside "
                "the grader call either way)",
            }
        finally:
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
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def bench_startup(folder: Path) -> dict[str, Any]:
    """Seconds from process start to first page: fresh data directory, then existing ones."""
    data_dir = folder / "startup-data"
    measured = [_first_page(data_dir) for _ in range(STARTUP_RUNS)]
    runs = [wall for wall, _ in measured]
    return {
        "fresh_data_dir_s": round(runs[0], 2),
        "existing_data_dir_s": [round(r, 2) for r in runs[1:]],
        "median_s": round(statistics.median(runs), 2),
        # CPU time the app used until its first page: what start-up costs on an idle machine.
        "cpu_s_to_first_page": [round(cpu, 2) for _, cpu in measured],
        "target_s": 6,
    }


def run() -> dict[str, Any]:
    """Run every part and return the figures."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    with tempfile.TemporaryDirectory(prefix="bench-turn-") as tmp:
        folder = Path(tmp)
        load_before = os.getloadavg()[0]
        return {
            "startup": bench_startup(folder),
            "turn": bench_turns(folder / "turn-data"),
            "stt": bench_stt(folder),
            "cpus": os.cpu_count(),
            # Context for the figures: other work on the machine slows every one of them.
            "load_average_1m": {
                "before": round(load_before, 2),
                "after": round(os.getloadavg()[0], 2),
            },
        }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
