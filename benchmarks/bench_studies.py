"""Studies of random shape through `cjm reports` (the property test of tests/test_real_studies.py,
run with many more examples than `make test` does): every valid persona gets its reports, every
bad file is named, nothing is written outside reports/ and STUDY/.cjm.

Prints how many studies were tried and how long one took on average (no baseline: this is a
robustness run, not a speed benchmark). ``CJM_STUDY_EXAMPLES`` sets the count (default 40).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    examples = int(os.environ.get("CJM_STUDY_EXAMPLES", "40"))
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_real_studies.py", "-k", "any_study"],
        cwd=ROOT,
        env={**os.environ, "CJM_STUDY_EXAMPLES": str(examples)},
        capture_output=True,
        text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:])
    print(f"{examples} random studies through cjm reports: {seconds / examples:.1f} s per study")
    if run.returncode:
        print(run.stdout[-4000:])
        raise RuntimeError("a random study broke cjm reports (see above)")


if __name__ == "__main__":
    main()
