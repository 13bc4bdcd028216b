"""Run every benchmark script in bench/ and write bench/results.json (one object per script).

Each script exposes ``run() -> dict``; a script that fails is recorded with its error so one
broken benchmark does not hide the others' figures.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Order matters only for readability of the results file.
SCRIPTS = ["ingest", "retrieval", "grade", "turn", "load"]


def _machine() -> dict[str, object]:
    import os

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def _load(name: str):  # noqa: ANN202 - returns a module
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    results: dict[str, object] = {"machine": _machine()}
    for name in SCRIPTS:
        if not (HERE / f"{name}.py").exists():
            results[name] = {"error": "script missing"}
            continue
        start = time.perf_counter()
        print(f"bench {name} ...", file=sys.stderr, flush=True)
        try:
            results[name] = _load(name).run()
        except Exception as exc:  # noqa: BLE001 - record and continue with the others
            traceback.print_exc()
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"bench {name}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    out = HERE / "results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
