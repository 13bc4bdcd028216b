"""Run every benchmark script in bench/ and write bench/results.json (one object per script).

Each script exposes ``run() -> dict``; a script that fails is recorded with its error so one
broken benchmark does not hide the others' figures. ``summary`` gathers the headline figures
(the README table) from the per-script objects, and ``machine`` says where they were taken,
including the load average, since other work on the machine slows every figure.

Run: ``make bench`` (or ``.venv/bin/python bench/run_all.py [--full] [script ...]``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# Order matters only for readability of the results file. Not run here: fit_offline.py (fits
# and writes the offline grader's parameters; a tool, not a benchmark) and eval_grader.py
# (grades every labelled test answer; run it on its own, see docs/grading.md).
SCRIPTS = ["ingest", "retrieval", "grade", "turn", "load"]
# By default a script runs with its own (quick) defaults; --full passes a script's FULL_RUN
# keyword arguments (larger samples) instead. A quick run records them under "quick".


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _machine() -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gb": _memory_gb(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _get(results: dict[str, Any], *path: str) -> Any:
    """``results[a][b][c]`` or None when any step is missing."""
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _summary(results: dict[str, Any]) -> dict[str, Any]:
    """The headline figures, picked from the per-script objects (None when a script failed)."""
    return {
        "ingest_chunks_per_s": _get(results, "ingest", "chunks_per_second"),
        "ingest_speedup_vs_chroma_default": _get(
            results, "ingest", "speedup_vs_chroma_default_chunks"
        ),
        "ingest_speedup_vs_chroma_default_cpu_time": _get(
            results, "ingest", "chroma_default_chunks", "speedup_cpu_time"
        ),
        "ingest_speedup_vs_chroma_default_short_sentences": _get(
            results, "ingest", "speedup_vs_chroma_default_sentences"
        ),
        "ingest_speedup_vs_chroma_default_short_sentences_cpu_time": _get(
            results, "ingest", "chroma_default_sentences", "speedup_cpu_time"
        ),
        "retrieval_real_p50_ms": _get(
            results, "retrieval", "real_store", "retrieve_end_to_end", "p50_ms"
        ),
        "retrieval_real_p95_ms": _get(
            results, "retrieval", "real_store", "retrieve_end_to_end", "p95_ms"
        ),
        "retrieval_100k_p50_ms": _get(
            results, "retrieval", "synthetic_100k", "retrieve_end_to_end", "p50_ms"
        ),
        "retrieval_100k_p95_ms": _get(
            results, "retrieval", "synthetic_100k", "retrieve_end_to_end", "p95_ms"
        ),
        "retrieval_100k_recall_at_k": _get(results, "retrieval", "synthetic_100k", "recall_at_k"),
        "retrieval_100k_fill_cached": _get(
            results, "retrieval", "synthetic_100k", "fill", "cached"
        ),
        "offline_grade_p50_ms": _get(results, "grade", "offline_grade_ms", "p50"),
        "offline_grade_p95_ms": _get(results, "grade", "offline_grade_ms", "p95"),
        "turn_server_cpu_p95_ms": _get(results, "turn", "turn", "server_cpu_ms", "p95"),
        "turn_overhead_p95_ms": _get(results, "turn", "turn", "overhead_ms", "p95"),
        "startup_median_s": _get(results, "turn", "startup", "median_s"),
        "startup_fresh_median_s": _get(results, "turn", "startup", "fresh_median_s"),
        "load_sqlite": {
            k: _get(results, "load", "sqlite", k)
            for k in ("sessions", "turns", "errors", "lost", "p50_ms", "p95_ms", "p99_ms")
        },
        "load_postgres_chroma": {
            k: _get(results, "load", "postgres_chroma", k)
            for k in ("sessions", "turns", "errors", "lost", "p50_ms", "p95_ms", "p99_ms")
        },
        "bench_seconds": sum(
            v for k, v in results.get("seconds", {}).items() if k != "total" and v is not None
        ),
        "load_peak_rss_mb": {
            "sqlite": _get(results, "load", "sqlite", "peak_rss_mb"),
            "postgres_chroma": _get(results, "load", "postgres_chroma", "peak_rss_mb"),
        },
    }


def _load(name: str):  # noqa: ANN202 - returns a module
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs: dataclasses look their module up in sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _run(module: Any, full: bool) -> dict[str, Any]:
    """The script's figures: with its FULL_RUN arguments under --full, its defaults otherwise."""
    larger: dict[str, Any] | None = getattr(module, "FULL_RUN", None)
    if full and larger:
        return module.run(**larger)  # type: ignore[no-any-return]
    out: dict[str, Any] = module.run()
    if larger:
        out["quick"] = {"full_run": larger, "note": "bench/run_all.py --full runs these"}
    return out


def main() -> int:
    args = sys.argv[1:]
    full = "--full" in args
    chosen = [a for a in args if not a.startswith("--")] or SCRIPTS
    out = HERE / "results.json"
    results: dict[str, Any] = {"machine": _machine(), "seconds": {}}
    if chosen != SCRIPTS and out.exists():
        # Re-running some scripts updates their entries and keeps the others' figures.
        previous = json.loads(out.read_text())
        results = {**previous, "seconds": previous.get("seconds", {})}
        results.setdefault("reruns", []).append({"scripts": chosen, **_machine()})
    began = time.perf_counter()
    for name in chosen:
        if not (HERE / f"{name}.py").exists():
            results[name] = {"error": "script missing"}
            continue
        start = time.perf_counter()
        print(f"bench {name} ...", file=sys.stderr, flush=True)
        try:
            results[name] = _run(_load(name), full)
        except Exception as exc:  # noqa: BLE001 - record and continue with the others
            traceback.print_exc()
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        elapsed = time.perf_counter() - start
        results["seconds"][name] = round(elapsed, 1)
        print(f"bench {name}: {elapsed:.1f} s", file=sys.stderr, flush=True)
    if chosen == SCRIPTS:
        results["seconds"]["total"] = round(time.perf_counter() - began, 1)
        results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    elif results.get("reruns"):
        results["reruns"][-1]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["summary"] = _summary(results)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
