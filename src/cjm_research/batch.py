"""Batch report generation: code once, then one papermill run per persona, in parallel.

Each persona's notebook runs in its own build folder; only a run that succeeded is promoted into
``reports/<persona>/`` (each file with ``os.replace``), so a failed or killed run never replaces a
good report with a broken one. A failure is reported with its cause while the others finish.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from .analysis import participant_segments
from .coding import code_transcripts, get_coder
from .coding.human import apply_human_codes, read_human_codes
from .iorw import atomic_path, write_text
from .model import CJMInputError, Transcript
from .render import html
from .resources import notebooks_dir
from .study import Study

log = logging.getLogger(__name__)

FORMATS = ("docx", "html")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class PersonaTask:
    """One persona's report run; plain data so it pickles to a worker process or a cluster."""

    persona_id: str
    persona_name: str
    study_dir: str
    segments_path: str
    out_dir: str
    formats: tuple[str, ...] = FORMATS
    timeout: int = 600


@dataclass
class PersonaResult:
    """What became of one persona's run."""

    persona_id: str
    status: str  # "ok" or "failed"
    seconds: float
    outputs: list[str] = field(default_factory=list)
    error: str = ""
    log: str = ""


@dataclass
class BatchResult:
    """The whole run: the segments table written and every persona's result."""

    segments_path: Path
    results: list[PersonaResult]
    skipped_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every persona's report was built."""
        return all(r.status == "ok" for r in self.results)


def check_parameters(parameters: dict[str, object]) -> dict[str, object]:
    """Refuse anything but identifier names and JSON primitives (RESEARCH.md: papermill injection).

    papermill stringifies non-JSON values without escaping, so a crafted value could run code in
    the kernel; a name with a newline becomes code. Finite numbers, strings, booleans and None pass.
    """
    for name, value in parameters.items():
        if not isinstance(name, str) or not _IDENTIFIER.match(name):
            raise ValueError(f"notebook parameter name {name!r} is not an identifier")
        if value is not None and type(value) not in (str, int, float, bool):
            raise ValueError(
                f"notebook parameter {name} must be a JSON primitive, not {type(value)}"
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"notebook parameter {name} must be finite")
    return parameters


def _kernel_manager_class() -> type:
    # Kernels on IPC sockets: parallel starts cannot collide on TCP ports (papermill #511).
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            # Without a connection file jupyter_client names every IPC socket "kernel-ipc-N" in
            # the working directory, so parallel kernels would share sockets; give each its own.
            return os.path.join(tempfile.mkdtemp(prefix="cjm-kernel-"), "kernel-ipc")

    return IPCKernelManager


def execute(notebook: Path, output: Path, parameters: dict[str, object], timeout: int) -> None:
    """Execute ``notebook`` into ``output`` with validated parameters, no lingering kernel."""
    import papermill

    papermill.execute_notebook(
        str(notebook),
        str(output),
        parameters=check_parameters(parameters),
        kernel_name="python3",
        progress_bar=False,
        execution_timeout=timeout,
        shutdown_kernel="immediate",
        kernel_manager_class=_kernel_manager_class(),
    )


def run_persona(task: PersonaTask) -> PersonaResult:
    """Build one persona's report in a scratch folder; promote the outputs only on success."""
    started = time.perf_counter()
    out_dir = Path(task.out_dir)
    build = out_dir / f".build-{os.getpid()}"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    executed = build / f"{task.persona_id}.ipynb"
    try:
        execute(
            notebooks_dir() / "journey_report.ipynb",
            executed,
            {
                "study_dir": task.study_dir,
                "persona_id": task.persona_id,
                "segments_path": task.segments_path,
                "output_dir": str(build),
            },
            task.timeout,
        )
        if "html" in task.formats:
            html.export_html(
                executed, build / f"{task.persona_id}.html", title=f"Journey: {task.persona_name}"
            )
        outputs = _promote(build, out_dir, task)
    except Exception as exc:  # one persona's failure must not stop the batch
        failed_log = out_dir / "failed.ipynb"
        if executed.exists():
            os.replace(executed, failed_log)
        return PersonaResult(
            persona_id=task.persona_id,
            status="failed",
            seconds=time.perf_counter() - started,
            error=_cause(exc),
            log=str(failed_log) if failed_log.exists() else "",
        )
    finally:
        shutil.rmtree(build, ignore_errors=True)
    (out_dir / "failed.ipynb").unlink(missing_ok=True)
    return PersonaResult(task.persona_id, "ok", time.perf_counter() - started, outputs)


def _promote(build: Path, out_dir: Path, task: PersonaTask) -> list[str]:
    keep = [f"{task.persona_id}.ipynb", *(f"{task.persona_id}.{f}" for f in task.formats)]
    keep += [p.name for p in build.glob("*.png")]
    outputs = []
    for name in keep:
        if (build / name).exists():
            os.replace(build / name, out_dir / name)
            outputs.append(str(out_dir / name))
    return outputs


def _cause(exc: Exception) -> str:
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    return "".join(traceback.format_exception_only(exc)).strip()


def safe_child(root: Path, name: str) -> Path:
    """``root/name``, refusing names that would escape ``root`` (``..``, separators, drives)."""
    candidate = (root / name).resolve()
    if candidate.parent != root.resolve() or name in ("", ".", ".."):
        raise ValueError(f"{name!r} cannot be used as a folder name inside {root}")
    return candidate


def write_segments(segments: pd.DataFrame, path: Path) -> Path:
    """Write the coded table atomically, as parquet, CSV or XLSX by suffix."""
    with atomic_path(path) as tmp:
        if path.suffix == ".parquet":
            segments.to_parquet(tmp, index=False)
        elif path.suffix == ".csv":
            segments.to_csv(tmp, index=False)
        elif path.suffix == ".xlsx":
            segments.to_excel(tmp, index=False)
        else:
            raise ValueError(f"unsupported table format {path.suffix!r}: use .parquet, .csv, .xlsx")
    return path


@dataclass
class Coded:
    """A coding run: the merged table (human over machine), the machine layer, orphaned codes."""

    segments: pd.DataFrame
    machine: pd.DataFrame
    orphans: pd.DataFrame


def code_study(
    study: Study, coder: str = "auto", *, progress: Callable[[str], None] | None = None
) -> Coded:
    """Code every loaded transcript with ``coder``, then lay the researchers' codes over it."""
    machine_coder = get_coder(coder, study.codebook)

    def step(transcript: Transcript, rows: int) -> None:
        if progress is not None:
            progress(f"coded {transcript.interview_id}: {rows} turns")

    machine = code_transcripts(study.transcripts, machine_coder, progress=step)
    valences = {c.id: c.valence or 0.0 for c in study.codebook.emotions}
    merged, orphans = apply_human_codes(machine, read_human_codes(study.root), valences)
    if progress is not None and len(orphans):
        progress(
            f"{len(orphans)} human codes refer to segments that no longer exist "
            f"(kept in {study.root / 'coding'}): {', '.join(orphans['segment_id'][:5])}"
        )
    return Coded(merged, machine, orphans)


def run_reports(
    study: Study,
    out_dir: Path,
    *,
    personas: Sequence[str] = (),
    formats: Sequence[str] = FORMATS,
    jobs: int = 1,
    coder: str = "auto",
    executor: Executor | None = None,
    progress: Callable[[str], None] | None = None,
) -> BatchResult:
    """Code the study once, then build every (or the named) persona's report.

    Runs on ``executor`` when given (any ``concurrent.futures.Executor``), else on a local
    process pool of ``jobs`` workers.
    """
    say = progress or (lambda message: log.info(message))
    out_dir = Path(out_dir).resolve()
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(unknown)}: choose from docx, html")
    selected = persona_ids(study, personas)
    coded = code_study(study, coder, progress=say)
    segments = coded.segments
    segments_path = write_segments(segments, out_dir / "segments.parquet")
    write_segments(coded.machine, out_dir / "segments.machine.parquet")
    say(f"wrote {segments_path} ({len(participant_segments(segments))} participant segments)")

    coding_log = out_dir / "coding.ipynb"
    with atomic_path(coding_log) as tmp:
        execute(
            notebooks_dir() / "coding.ipynb",
            tmp.with_suffix(".ipynb"),
            {"study_dir": str(study.root), "coder": coder, "segments_path": str(segments_path)},
            600,
        )
        os.replace(tmp.with_suffix(".ipynb"), tmp)
    say(f"wrote {coding_log}")

    tasks = [
        PersonaTask(
            persona_id=pid,
            persona_name=study.personas[pid].name if pid in study.personas else pid,
            study_dir=str(study.root),
            segments_path=str(segments_path),
            out_dir=str(safe_child(out_dir, pid)),
            formats=tuple(formats),
        )
        for pid in selected
    ]
    results = _run_tasks(tasks, jobs, executor, say)
    write_index(out_dir, study, segments, results)
    return BatchResult(
        segments_path=segments_path,
        results=results,
        skipped_files=sorted({str(p.path) for p in study.errors if p.path}),
    )


def persona_ids(study: Study, wanted: Sequence[str] = ()) -> list[str]:
    """Personas with at least one loaded interview; ``wanted`` must all be among them."""
    known = sorted({t.persona_id for t in study.transcripts} - {""})
    missing = sorted(set(wanted) - set(known))
    if missing:
        raise CJMInputError(
            f"no interviews for persona(s) {', '.join(missing)}",
            study.root,
            hint=f"known personas: {', '.join(known) or 'none'}",
        )
    return sorted(set(wanted)) if wanted else known


def _run_tasks(
    tasks: list[PersonaTask], jobs: int, executor: Executor | None, say: Callable[[str], None]
) -> list[PersonaResult]:
    own = executor is None
    pool = executor or ProcessPoolExecutor(max_workers=max(1, min(jobs, len(tasks) or 1)))
    results: list[PersonaResult] = []
    # A live bar on a terminal; tqdm disables itself elsewhere and the log lines remain.
    bar = tqdm(total=len(tasks), unit="persona", desc="reports", disable=None, file=sys.stderr)
    try:
        futures = {pool.submit(run_persona, task): task for task in tasks}
        for done, future in enumerate(as_completed(futures), 1):
            task = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # a worker that died (killed, out of memory)
                result = PersonaResult(task.persona_id, "failed", 0.0, error=_cause(exc))
            results.append(result)
            detail = f" — {result.error}" if result.error else ""
            bar.update()
            say(
                f"[{done}/{len(tasks)}] {task.persona_id}: {result.status} "
                f"({result.seconds:.1f} s){detail}"
            )
    finally:
        bar.close()
        if own:
            pool.shutdown(wait=True)
    return sorted(results, key=lambda r: r.persona_id)


def write_index(
    out_dir: Path, study: Study, segments: pd.DataFrame, results: list[PersonaResult]
) -> Path:
    """``reports/index.html``: every persona's reports with counts and the small journey map."""
    rows = participant_segments(segments)
    entries = []
    for result in results:
        pid = result.persona_id
        mine = rows[rows["persona_id"] == pid]
        entries.append(
            html.IndexEntry(
                persona_id=pid,
                name=study.personas[pid].name if pid in study.personas else pid,
                interviews=mine["interview_id"].nunique(),
                participants=mine["participant_id"].nunique(),
                segments=len(mine),
                status=result.status,
                error=result.error,
                files=[Path(p).relative_to(out_dir).as_posix() for p in result.outputs],
            )
        )
    return write_text(out_dir / "index.html", html.index_page(study.root.name, entries))


def write_manifest(out_dir: Path, study: Study, batch: BatchResult, seconds: float) -> Path:
    """``reports/manifest.json``: what was built from what, with versions and timings."""
    from importlib.metadata import version

    manifest = {
        "study": str(study.root),
        "codebook": {"name": study.codebook.name, "version": study.codebook.version},
        "inputs": sorted(str(t.path.relative_to(study.root)) for t in study.transcripts),
        "skipped": batch.skipped_files,
        "packages": {
            name: version(name)
            for name in ("cjm-research", "papermill", "nbconvert", "python-docx", "pandas")
        },
        "python": sys.version.split()[0],
        "seconds": round(seconds, 2),
        "personas": [asdict(r) for r in batch.results],
    }
    return write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2) + "\n")
