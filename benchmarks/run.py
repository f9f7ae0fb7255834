"""`make bench`: run every ``benchmarks/bench_*.py`` (or the ones named) and print their reports.

Each benchmark prints ratios against a baseline it measures in the same run, because these
machines are noisy: compare ratios, not seconds. Usage: ``python benchmarks/run.py [coding ...]``.
"""

from __future__ import annotations

import runpy
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    """Run the selected benchmarks in name order; return 1 if any raised."""
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    failed = 0
    for script in scripts:
        print(f"\n=== {script.stem.removeprefix('bench_')} ===", flush=True)
        started = time.perf_counter()
        try:
            runpy.run_path(str(script), run_name="__main__")
        except Exception as exc:  # report and go on: one broken benchmark must not hide the rest
            failed = 1
            print(f"FAILED: {type(exc).__name__}: {exc}")
        print(f"({time.perf_counter() - started:.1f} s)", flush=True)
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
