"""One report notebook run: its task, its result, and promotion of its outputs only on success.

Each run goes to a build folder of its own; only a run that succeeded is promoted into
``reports/<persona>/`` (each file with ``os.replace``), so a failed or killed run never replaces a
good report with a broken one. Tasks and results are plain data: they pickle to a worker process
or a cluster.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cjm_research.exceptions import ReportRunError
from cjm_research.iorw import atomic_path
from cjm_research.model import REPORT_FORMATS
from cjm_research.resources import notebooks_dir
from cjm_research.run.kernels import execute

FORMATS = REPORT_FORMATS
CROSS_PERSONA = "cross-persona"  # the comparison report's file stem in the reports folder
# SKIPPED: not built because an input it needs (its persona note) is bad; named in skipped_files.
OK, FAILED, UNCHANGED, SKIPPED = "ok", "failed", "unchanged", "skipped"


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
    redact: bool = True  # pseudonyms and redacted quotes in the reports (privacy)
    log_dir: str = ""  # where a failed run's notebook goes (the working folder, not reports/)


@dataclass
class RunResult:
    """What became of one run: a persona's report, the coding log or the comparison."""

    persona_id: str  # the persona, or "coding.ipynb" / "cross-persona"
    status: str  # OK, FAILED, UNCHANGED or SKIPPED
    seconds: float
    outputs: list[str] = field(default_factory=list)
    error: str = ""  # one line: why it failed, or why it was skipped
    log: str = ""
    failure: ReportRunError | None = None  # a failed run's error: report, cell, ename, evalue


def failed_run(name: str, exc: BaseException, seconds: float = 0.0, log: str = "") -> RunResult:
    """The result of ``name``'s run that raised ``exc``, with the error it carries."""
    failure = ReportRunError.from_exception(name, exc)
    return RunResult(name, FAILED, seconds, error=str(failure), log=log, failure=failure)


@dataclass
class BatchResult:
    """The whole run: the segments table written and every persona's result."""

    segments_path: Path
    results: list[RunResult]
    skipped_files: list[str] = field(default_factory=list)  # files, or a row (Problem.skipped)
    coding_log: RunResult | None = None  # None when the coding notebook was up to date
    cross_persona: RunResult | None = None  # None with fewer than two personas
    # What the run warned of the researchers' codes, said again by a re-run with nothing to do
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every persona's report (and the coding log, if run) is built and current."""
        runs = [*self.results, *([self.coding_log] if self.coding_log else [])]
        runs += [self.cross_persona] if self.cross_persona else []
        return all(r.status in (OK, UNCHANGED, SKIPPED) for r in runs)


@dataclass(frozen=True)
class CodingLogTask:
    """The coding notebook run (``reports/coding.ipynb``), the audit trail of a coding run."""

    study_dir: str
    coder: str
    segments_path: str
    output: str
    redact: bool = True
    timeout: int = 600


def run_coding_log(task: CodingLogTask) -> RunResult:
    """Execute the coding notebook into ``task.output``; replaced only when it succeeds."""
    started = time.perf_counter()
    try:
        with atomic_path(task.output) as tmp:
            executed = tmp.with_suffix(".ipynb")
            try:
                execute(
                    notebooks_dir() / "coding.ipynb",
                    executed,
                    {
                        "study_dir": task.study_dir,
                        "coder": task.coder,
                        "segments_path": task.segments_path,
                        "redact": task.redact,
                    },
                    task.timeout,
                )
                strip_paths(executed, task.study_dir, Path(task.output).parent)
                os.replace(executed, tmp)
            finally:
                executed.unlink(missing_ok=True)
    except Exception as exc:
        return failed_run(Path(task.output).name, exc, time.perf_counter() - started)
    return RunResult(Path(task.output).name, OK, time.perf_counter() - started, [task.output])


def run_persona(task: PersonaTask) -> RunResult:
    """Build one persona's report in a scratch folder; promote the outputs only on success."""
    return run_notebook(
        "journey_report.ipynb",
        task.persona_id,
        {
            "study_dir": task.study_dir,
            "persona_id": task.persona_id,
            "segments_path": task.segments_path,
            "previous_dir": task.out_dir,
            "redact": task.redact,
        },
        Path(task.out_dir),
        formats=task.formats,
        title=f"Journey: {task.persona_name}",
        timeout=task.timeout,
        failed_log=Path(task.log_dir or task.out_dir) / f"{task.persona_id}.failed.ipynb",
    )


def run_notebook(
    notebook: str,
    stem: str,
    parameters: dict[str, object],
    out_dir: Path,
    *,
    formats: Sequence[str] = FORMATS,
    title: str = "",
    timeout: int = 600,
    failed_log: Path | None = None,
) -> RunResult:
    """Run a report notebook into a scratch folder of ``out_dir``; promote only on success.

    The notebook gets ``parameters`` plus ``output_dir`` (the scratch folder) and leaves its
    figures and ``<stem>.docx`` there; ``<stem>.ipynb`` and ``<stem>.html`` are added here. A
    failed run leaves its executed notebook as ``failed_log`` (default ``<stem>.failed.ipynb``
    in ``out_dir``) and every earlier report in place; it is kept out of ``reports/`` by the batch,
    since a traceback may quote unredacted data.
    """
    failed = failed_log or out_dir / f"{stem}.failed.ipynb"
    started = time.perf_counter()
    # A killed run leaves its build folder behind; only one task per folder runs at a time.
    for stale in out_dir.glob(".build-*"):
        shutil.rmtree(stale, ignore_errors=True)
    build = out_dir / f".build-{os.getpid()}-{threading.get_ident()}"
    build.mkdir(parents=True)
    executed = build / f"{stem}.ipynb"
    try:
        execute(
            notebooks_dir() / notebook,
            executed,
            {**parameters, "output_dir": str(build)},
            timeout,
        )
        strip_paths(executed, str(parameters.get("study_dir", "")), out_dir)
        if "html" in formats:
            from cjm_research.report.render import html  # pandas and nbconvert: only to export

            html.export_html(executed, build / f"{stem}.html", title=title)
        with _uninterrupted():  # a stopped worker promotes all of a report or none of it
            outputs = _promote(build, out_dir, stem, formats)
    except Exception as exc:  # one report's failure must not stop the batch
        if executed.exists():
            failed.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(executed, failed)
        log = str(failed) if failed.exists() else ""
        return failed_run(stem, exc, time.perf_counter() - started, log)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    failed.unlink(missing_ok=True)
    return RunResult(stem, OK, time.perf_counter() - started, outputs)


def strip_paths(notebook: Path, study_dir: str, out_dir: Path) -> None:
    """The executed notebook without the absolute paths papermill records (its parameters and
    ``metadata.papermill``): they name the researcher's folders (``/Users/sarah.jones/acme-study``)
    and the notebook goes into the shareable ``reports/``."""
    places: dict[str, str] = {}
    for path, label in (
        (Path.home(), "~"),
        (notebooks_dir(), "notebooks"),
        (Path(study_dir) if study_dir else None, "STUDY"),
        (out_dir, "."),
    ):
        if path is None:
            continue
        for form in {str(path), str(path.resolve())}:
            if Path(form).is_absolute() and len(form) > 1:
                places[form] = label
    text = notebook.read_text(encoding="utf-8")
    for form in sorted(places, key=len, reverse=True):
        for escaped in {json.dumps(form)[1:-1], json.dumps(form, ensure_ascii=False)[1:-1]}:
            text = text.replace(escaped, places[form])
    notebook.write_text(text, encoding="utf-8")


def run_cross_persona(
    study_dir: Path,
    segments_path: Path,
    out_dir: Path,
    personas: Sequence[str],
    *,
    formats: Sequence[str] = FORMATS,
    timeout: int = 600,
    rebuild: bool = True,
    log_dir: Path | None = None,
) -> RunResult:
    """``reports/cross-persona.*``: every persona's journey compared; kept when not ``rebuild``."""
    current = [out_dir / f"{CROSS_PERSONA}.{suffix}" for suffix in ("ipynb", *formats)]
    if not rebuild and all(p.is_file() for p in current):
        current += sorted(out_dir.glob(f"{CROSS_PERSONA}-*.png"))
        return RunResult(CROSS_PERSONA, UNCHANGED, 0.0, [str(p) for p in current])
    return run_notebook(
        "cross_persona.ipynb",
        CROSS_PERSONA,
        {
            "study_dir": str(study_dir),
            "segments_path": str(segments_path),
            "personas": ";".join(personas),
        },
        out_dir,
        formats=formats,
        title="Cross-persona comparison",
        timeout=timeout,
        failed_log=Path(log_dir or out_dir) / f"{CROSS_PERSONA}.failed.ipynb",
    )


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """SIGINT and SIGTERM held back on this thread until the block ends (POSIX)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _promote(build: Path, out_dir: Path, stem: str, formats: Sequence[str]) -> list[str]:
    keep = [f"{stem}.ipynb", *(f"{stem}.{f}" for f in formats)]
    keep += [p.name for p in build.glob("*.png")] + [p.name for p in build.glob("*.snapshot.json")]
    outputs = []
    for name in keep:
        if (build / name).exists():
            os.replace(build / name, out_dir / name)
            outputs.append(str(out_dir / name))
    # A format not built this run goes: last run's HTML beside this run's Word report could say
    # other things, and the index no longer links it.
    for stale in set(REPORT_FORMATS) - set(formats):
        (out_dir / f"{stem}.{stale}").unlink(missing_ok=True)
    return outputs
