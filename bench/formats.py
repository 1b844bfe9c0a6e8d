"""Credential-format benchmarks: one command, one core, one JSON object per line.

    .venv/bin/python bench/formats.py [name-filter]

Runs every ``bench/formats_*.py`` module; each exposes ``run(emit)`` and calls ``emit`` with
``{"bench": NAME, "ops_per_s": N, "p50_us": ..., "p99_us": ...}``. Modules can use
:func:`measure` from here to produce that record.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
Emit = Callable[[dict[str, Any]], None]


def measure(
    name: str, fn: Callable[[], object], *, seconds: float = 1.0, warmup: int = 200
) -> dict[str, Any]:
    """Time ``fn`` repeatedly for about ``seconds``; per-call samples give p50/p99."""
    for _ in range(warmup):
        fn()
    samples: list[int] = []
    clock = time.perf_counter_ns
    deadline = clock() + int(seconds * 1e9)
    start = clock()
    while True:
        t0 = clock()
        fn()
        t1 = clock()
        samples.append(t1 - t0)
        if t1 >= deadline:
            break
    total = clock() - start
    samples.sort()
    return {
        "bench": name,
        "ops_per_s": round(len(samples) / (total / 1e9)),
        "p50_us": round(statistics.median(samples) / 1000, 1),
        "p99_us": round(samples[int(len(samples) * 0.99) - 1] / 1000, 1),
        "n": len(samples),
    }


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


def main(argv: list[str]) -> int:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # one core, so numbers compare across machines and runs
    sys.path.insert(0, str(HERE))
    wanted = argv[1] if len(argv) > 1 else ""
    failures = 0
    for path in sorted(HERE.glob("formats_*.py")):
        if wanted and wanted not in path.stem:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            module.run(_emit)
        except Exception as exc:  # one broken module must not hide the others' numbers
            failures += 1
            _emit({"bench": path.stem, "error": f"{type(exc).__name__}: {exc}"})
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
