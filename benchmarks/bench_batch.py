"""Batch report generation, measured against baselines in the same run (machines are noisy).

Prints, from one run:
0. where a persona's seconds go: the in-process parts of its report (loading the coded table and
   the study, figures, HTML sections, Word) beside the whole notebook run on a warm kernel (the
   papermill overhead is the difference), the kernel reset between notebooks, the HTML export
   and the cross-persona report;
1. coding throughput per coder (segments/s, each coder given the same time budget);
2. 12 personas: ``cjm reports --jobs 2`` against the naive loop a user would write (``cjm code``,
   then per persona the ``papermill`` CLI and ``jupyter nbconvert --to html --no-input``, one after
   the other), as a ratio;
3. a no-change re-run and a one-transcript-changed re-run as fractions of the full run, and which
   personas the latter rebuilt;
4. the curve at 100, 300 and 1,000 interviews (40 personas, default settings: redaction on):
   seconds, of which coding, seconds per interview, the marginal seconds per added interview, and
   peak memory of the whole process tree (cjm, workers, kernels).

Studies come from ``benchmarks/generate.py``. ``CJM_BENCH_SIZES=100,300`` shortens the curve.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

from cjm_research.coding import coders, get_coder
from cjm_research.resources import notebooks_dir
from cjm_research.study import load_study

BIN = Path(sys.executable).parent
CODER_BUDGET = 8.0  # seconds of coding per coder
SIZES = [int(n) for n in os.environ.get("CJM_BENCH_SIZES", "100,300,1000").split(",")]
PARTS = os.environ.get("CJM_BENCH_PARTS", "profile,coders,twelve,curve").split(",")


def run(args: list[str], check: bool = True, **kwargs) -> tuple[float, float, str]:
    """Run a command; return (seconds, peak MB (PSS) of its process tree, output).

    Raises when it fails and ``check``; otherwise the output tells what failed.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs
    )
    peak = [0.0]
    done = threading.Event()

    def watch() -> None:
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                # PSS counts a page shared by forked workers once, unlike a sum of RSS.
                pss = sum(p.memory_full_info().pss for p in tree if p.is_running())
                peak[0] = max(peak[0], pss / 2**20)
            except psutil.Error:
                pass
            done.wait(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    done.set()
    watcher.join()
    seconds = time.perf_counter() - started
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} exited {proc.returncode}:\n{err[-3000:]}")
    return seconds, peak[0], out + err


def reports(study: Path, *extra: str, check: bool = True) -> tuple[float, float, str]:
    """``cjm reports --jobs 2 --coder rules`` on ``study``."""
    cmd = [BIN / "cjm", "reports", "--study", study, "--jobs", "2", "--coder", "rules", *extra]
    return run([str(c) for c in cmd], check=check)


def statuses(output: str) -> dict[str, str]:
    """Persona → status from the summary table ``cjm reports`` prints."""
    return dict(re.findall(r"^(persona-\d+)\s+(\w+)\s", output, flags=re.MULTILINE))


def bench_profile(root: Path) -> None:
    from cjm_research import segments as segments_table
    from cjm_research.report import compare as rc
    from cjm_research.report import persona as report
    from cjm_research.report.render import html
    from cjm_research.run import kernels
    from cjm_research.run.batch import code_study

    study_dir = generate(root / "profile", 36, 12)
    personas = [f"persona-{j:02d}" for j in range(12)]
    seg = segments_table.write(code_study(load_study(study_dir), "rules").segments,
                               root / "profile-segments.parquet")  # fmt: skip
    out = root / "profile-out"
    out.mkdir()
    seconds: dict[str, float] = {}

    def timed(name: str, fn, *args, **kwargs):
        started = time.perf_counter()
        value = fn(*args, **kwargs)
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
        return value

    for pid in personas:
        ctx = timed("load coded table + study", report.load_context, str(study_dir), pid,
                    str(seg), "", True)  # fmt: skip
        figures = timed("figures (4 PNG)", report.make_figures, ctx, out)

        def sections(ctx=ctx, figures=figures) -> None:
            for part in (report.title_html, report.summary_html, report.changes_html,
                         report.profile_html, report.priorities_html, report.insights_html,
                         report.methodology_html):  # fmt: skip
                part(ctx)
            for number, key in enumerate(figures, 1):
                report.persona_figure(ctx, figures, key, number)
            for stage in ctx.journey.stages:
                report.stage_html(ctx, stage)

        timed("HTML sections", sections)
        timed("Word report", report.write_docx, ctx, figures, out / f"{pid}.docx")
    kernel = kernels.WarmKernel()
    started = time.perf_counter()
    kernel.start()
    start = time.perf_counter() - started
    for pid in personas:
        executed = out / f"{pid}.ipynb"
        params = {"study_dir": str(study_dir), "persona_id": pid, "segments_path": str(seg),
                  "output_dir": str(out), "previous_dir": "", "redact": True}  # fmt: skip
        timed("notebook run (warm kernel)", kernel.run,
              notebooks_dir() / "journey_report.ipynb", executed, params, 600)  # fmt: skip
        timed("HTML export", html.export_html, executed, out / f"{pid}.html", title=pid)
    # A notebook run resets the kernel first (inside its time above); timed alone here, as one
    # more reset on a kernel that has run every persona.
    started = time.perf_counter()
    kernel._silent(kernels._RESET)
    reset = time.perf_counter() - started
    kernel.close()
    ctx = timed("cross-persona: load", rc.load_compare_context, str(study_dir), str(seg), "")
    timed("cross-persona: figures", rc.make_figures, ctx, out)
    n = len(personas)
    inside = sum(v for k, v in seconds.items() if not k.startswith(("notebook", "kernel", "HTML e",
                                                                        "cross")))  # fmt: skip
    print(
        f"where one persona's seconds go (12 personas, 36 interviews; kernel start {start:.1f} s)"
    )
    for name, value in seconds.items():
        each = value if name.startswith("cross") else value / n
        print(f"  {name:<30}{each:>7.3f} s" + ("" if name.startswith("cross") else " per persona"))
    print(f"  {'kernel reset (included above)':<30}{reset:>7.3f} s")
    notebook = seconds["notebook run (warm kernel)"] / n
    print(f"  papermill overhead {notebook - inside / n:.3f} s per persona "
          f"({(notebook - inside / n) / notebook:.0%} of the notebook run)")  # fmt: skip


def bench_coders(root: Path) -> None:
    study = load_study(generate(root / "coders", 60, 6))
    print(f"{'coder':<12}{'segments/s':>12}{'interviews':>12}")
    for name in coders():
        try:
            coder = get_coder(name, study.codebook)
        except Exception as exc:  # an optional coder whose extra is not installed
            print(f"{name:<12}{'n/a':>12}  ({type(exc).__name__}: {exc})")
            continue
        coder(study.transcripts[0])  # warm-up: models and lexicons load on first use
        started, segments, count = time.perf_counter(), 0, 0
        for transcript in study.transcripts[1:]:
            segments += sum(1 for row in coder(transcript) if row["role"] == "participant")
            count += 1
            if time.perf_counter() - started > CODER_BUDGET:
                break
        rate = segments / (time.perf_counter() - started)
        print(f"{name:<12}{rate:>12,.0f}{count:>12}")


def naive_loop(study: Path, out: Path, personas: list[str]) -> float:
    """What a user would write: code once, then papermill and nbconvert per persona."""
    started = time.perf_counter()
    segments = out / "segments.parquet"
    run(
        [
            str(BIN / "cjm"),
            "code",
            "--study",
            str(study),
            "--coder",
            "rules",
            "--out",
            str(segments),
        ]
    )
    for pid in personas:
        folder = out / pid
        folder.mkdir(parents=True)
        executed = folder / f"{pid}.ipynb"
        params = {"study_dir": study, "persona_id": pid, "segments_path": segments}
        params["output_dir"] = folder
        flags = [x for k, v in params.items() for x in ("-p", k, str(v))]
        notebook = notebooks_dir() / "journey_report.ipynb"
        run([str(BIN / "papermill"), str(notebook), str(executed), *flags, "--no-progress-bar"])
        run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)])
    return time.perf_counter() - started


def bench_twelve(root: Path) -> None:
    study = generate(root / "twelve", 36, 12)
    personas = [f"persona-{j:02d}" for j in range(12)]
    naive = naive_loop(study, root / "naive", personas)
    full, peak, _ = reports(study, "--force")
    print(
        f"12 personas, 36 interviews: naive loop {naive:.1f} s, cjm reports --jobs 2 {full:.1f} s"
    )
    print(f"  speed-up x{naive / full:.2f} (target >= 5), peak memory {peak:,.0f} MB")
    again, _, output = reports(study)
    print(f"  no-change re-run {again:.2f} s = {again / full:.1%} of the full run (target <= 2 %)")
    startup = min(run([str(BIN / "cjm"), "--help"])[0] for _ in range(5))
    print(f"  cjm --help {startup:.2f} s (best of 5; target <= 0.3 s)")
    transcript = study / "persona-05" / "i0005.txt"
    transcript.write_text(
        transcript.read_text() + "\nMaya: Anything else?\n\nBo: The app kept logging me out.\n"
    )
    changed, _, output = reports(study)
    rebuilt = sorted(p for p, s in statuses(output).items() if s != "unchanged")
    print(
        f"  one transcript changed: {changed:.1f} s = {changed / full:.1%} of the full run, "
        f"rebuilt {', '.join(rebuilt) or 'nothing'} (expected persona-05 only)"
    )


def bench_curve(root: Path) -> None:
    # Default settings (redaction on), as a researcher runs it. Linear means each added interview
    # costs the same: the marginal s/interview between sizes stays flat (s/interview itself falls,
    # since 40 personas' reports cost the same at any size).
    print("cjm reports --jobs 2 --coder rules (default settings: redaction on), 40 personas:")
    print(
        f"{'interviews':>10}{'seconds':>9}{'coding':>8}{'s/interview':>13}"
        f"{'marginal':>10}{'peak MB':>9}"
    )
    previous: tuple[int, float] | None = None
    for size in SIZES:
        study = generate(root / f"curve-{size}", size, 40)
        seconds, peak, output = reports(study, "--force", check=False)
        timings = json.loads((study / ".cjm" / "manifest.json").read_text())["seconds"]
        failed = re.findall(r"^(\S+)\s+failed\s+[\d.]+\s", output, flags=re.MULTILINE)
        marginal = f"{(seconds - previous[1]) / (size - previous[0]):.3f}" if previous else "-"
        print(
            f"{size:>10}{seconds:>9.1f}{timings['coding']:>8.1f}"
            f"{seconds / size:>13.3f}{marginal:>10}{peak:>9,.0f}"
            + (f"  FAILED: {', '.join(failed)}" if failed else ""),
            flush=True,
        )
        previous = (size, seconds)
    print("targets: 1,000 interviews / 40 personas within 150 s, peak under 2,048 MB")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cjm-bench-") as tmp:
        root = Path(tmp)
        for part in PARTS:
            {"profile": bench_profile, "coders": bench_coders, "twelve": bench_twelve,
             "curve": bench_curve}[part](root)  # fmt: skip
            print()


if __name__ == "__main__":
    main()
