"""Batch report generation: code once, then one papermill run per persona, in parallel.

Each persona's notebook runs in its own build folder; only a run that succeeded is promoted into
``reports/<persona>/`` (each file with ``os.replace``), so a failed or killed run never replaces a
good report with a broken one. A failure is reported with its cause while the others finish.
"""

from __future__ import annotations

import logging
import shutil
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from cjm_research import privacy
from cjm_research import segments as segments_table
from cjm_research.analysis import participant_segments
from cjm_research.audit import expected_stage_accuracy
from cjm_research.coding import code_with_review, get_coder
from cjm_research.coding.human import (
    apply_human_codes,
    is_human,
    latest_human_codes,
    outside_problems,
    placement_problems,
    read_human_codes,
)
from cjm_research.exceptions import CJMInputError
from cjm_research.model import PARTICIPANT
from cjm_research.run import manifest as mf
from cjm_research.run.codecache import code_with_cache
from cjm_research.run.executors import make_executor
from cjm_research.run.index import write_index
from cjm_research.run.manifest import build_environment
from cjm_research.run.notebooks import (
    CROSS_PERSONA,
    FORMATS,
    OK,
    SKIPPED,
    UNCHANGED,
    BatchResult,
    CodingLogTask,
    PersonaTask,
    RunResult,
    failed_run,
    run_coding_log,
    run_cross_persona,
    run_persona,
)
from cjm_research.study import Problem, Study, work_dir

log = logging.getLogger(__name__)


def safe_child(root: Path, name: str) -> Path:
    """``root/name``, refusing names that would escape ``root`` (``..``, separators, drives)."""
    candidate = (root / name).resolve()
    if candidate.parent != root.resolve() or name in ("", ".", ".."):
        raise CJMInputError(
            f"{name!r} cannot be used as a folder name inside {root}",
            hint="use letters, digits, '-' and '_' only in persona ids",
        )
    return candidate


@dataclass
class Coded:
    """A coding run: the merged table (human over machine), the machine layer, orphaned codes."""

    segments: pd.DataFrame
    machine: pd.DataFrame
    orphans: pd.DataFrame
    #: what it warned of the researchers' codes (codes the codebook lacks, codes placed nowhere)
    warnings: list[str] = field(default_factory=list)


def code_study(
    study: Study,
    coder: str = "auto",
    *,
    progress: Callable[[str], None] | None = None,
    cache: Path | None = None,
    ready: Callable[[str, pd.DataFrame], None] | None = None,
) -> Coded:
    """Code every loaded transcript with ``coder``, then lay the researchers' codes over it.

    With ``cache`` (a parquet file), interviews coded before with the same transcript, codebook
    and coder are taken from it and only the others are coded (``codecache.py``). ``ready``
    (persona id, rows) is called as each persona's rows are final, while the others are still
    coded; only in a study without human codes (with them, the coder learns from the whole
    study's reviewed turns, so no row is final before every interview is coded).

    Raises :class:`CJMInputError` when the study's own ``codebook.yaml`` is invalid: coding it
    with the default codebook instead would give reports that look complete and are not its.
    """
    for problem in study.errors:
        if problem.path == study.root / "codebook.yaml":
            raise CJMInputError(
                f"{problem.message}; nothing is coded with another codebook",
                problem.path,
                problem.line,
                problem.hint or "fix codebook.yaml (cjm validate lists every problem)",
            )
    machine_coder = get_coder(coder, study.codebook, cache_dir=cache.parent if cache else None)
    if progress is not None:
        progress(f"coding with the {machine_coder.name} coder")
    human = read_human_codes(study.root)
    warned: list[str] = []

    def warn(problems: list[Problem]) -> None:
        for problem in problems:
            warned.append(problem.display(study.root))
            if progress is not None:
                progress(f"warning: {warned[-1]}")

    if len(human):
        warn(outside_problems(latest_human_codes(human), study.codebook, study.root))
    machine, coded = code_with_cache(
        study.transcripts,
        machine_coder,
        study.codebook,
        cache,
        say=progress,
        ready=ready if human.empty else None,
    )
    if progress is not None and cache is not None:
        progress(f"coded {coded} interviews, {len(study.transcripts) - coded} from the cache")
    valences = study.codebook.valences
    merged, orphans = apply_human_codes(machine, human, valences)
    # learning from a dimension no researcher coded would take the machine's code for theirs
    taught, _ = apply_human_codes(machine, human, valences, machine_fills=False)
    reviewed = taught[(taught["role"] == PARTICIPANT) & taught["coder"].map(is_human)]
    learned = code_with_review(study.transcripts, machine_coder, reviewed)
    if learned is not None:
        if progress is not None:
            progress(f"learned from {len(reviewed)} reviewed turns of this study")
        machine = learned
        merged, orphans = apply_human_codes(machine, human, valences)
    if (
        progress is not None
        and (expected := expected_stage_accuracy(merged, study.codebook)) is not None
    ):
        n, share = expected
        progress(
            f"the machine expects about {share:.0%} of its {n} stage decisions to be right "
            "(its calibrated confidence; cjm review export --next shows those it doubts most)"
        )
    if len(human):  # codes moved with a renamed file's words, or placed nowhere
        warn(placement_problems(human, machine, study.root))
    return Coded(merged, machine, orphans, warned)


def study_cache(root: Path | str) -> Path:
    """``STUDY/.cjm/cache/coded.parquet``: the interviews the machine coded, shared by every
    command (``cjm code`` after ``cjm reports``, or the other way round, codes nothing again)."""
    return work_dir(root) / "cache" / "coded.parquet"


def explore_study(study: Study, coder: str = "auto", *, redact: bool = True) -> Coded:
    """The study's coded turns for exploring in a notebook (``notebooks/explore.ipynb``, and
    ``notebooks/coding.ipynb`` run by hand without a coded table).

    Coded as ``cjm reports`` codes it, from its cache in ``STUDY/.cjm/`` (seconds after a
    ``cjm reports`` run), with the researchers' codes laid over the machine's; pseudonymised and
    redacted as the reports are unless ``redact`` is false. Writes no report.
    """
    coded = code_study(study, coder, cache=study_cache(study.root))
    if not redact:
        return coded
    key = privacy.study_key(study, coded.segments)
    return replace(
        coded,
        segments=privacy.redact_segments(coded.segments, key),
        machine=privacy.redact_segments(coded.machine, key),
    )


def run_reports(
    study: Study,
    out_dir: Path,
    *,
    personas: Sequence[str] = (),
    formats: Sequence[str] = FORMATS,
    jobs: int = 1,
    coder: str = "auto",
    redact: bool = True,
    executor: Executor | None = None,
    executor_kind: str = "local",
    scheduler: str = "",
    force: bool = False,
    timeout: int = 600,
    progress: Callable[[str], None] | None = None,
    work: Path | None = None,
) -> BatchResult:
    """Code the study (cached per interview), then build the reports whose inputs changed.

    Every (or each named) persona is rebuilt when its inputs differ from the manifest's, its
    outputs are missing or were edited, or ``force``; the others are reported ``unchanged``.
    ``out_dir`` ends up holding only reports (and ``index.html``); a failed run never replaces
    a good report.

    Parameters
    ----------
    study : Study
        The loaded study (``load_study``).
    out_dir : Path
        The reports folder: ``<persona>/<persona>.docx|.html|.ipynb``, ``cross-persona.*``,
        ``coding.ipynb`` and ``index.html``.
    personas : sequence of str
        Persona ids to build; empty builds every persona with interviews.
    formats : sequence of str
        ``docx`` and/or ``html``.
    jobs : int
        Workers in the local pool or Dask cluster.
    coder : str
        A registered coder name (``auto``: semantic when installed, else rules).
    redact : bool
        Pseudonyms and redacted quotes in the reports (the default; see ``privacy``).
    executor : concurrent.futures.Executor, optional
        Run the notebooks here instead of a pool made from ``executor_kind``.
    executor_kind : str
        ``local`` (processes on this machine) or ``dask``.
    scheduler : str
        The Dask scheduler address, with ``executor_kind="dask"`` (empty: a local cluster).
    force : bool
        Rebuild every selected report even when nothing changed.
    timeout : int
        Seconds one notebook may run before its kernel is killed and the run fails.
    progress : callable, optional
        Called with one line per step (coding, each persona, the summary); default: logging.
    work : Path, optional
        The working folder for the coded tables, the coding cache, the manifest and the logs of
        failed runs (default ``STUDY/.cjm``).

    Returns
    -------
    BatchResult
        The segments table written and every run's result (``.ok`` when all succeeded).
    """
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise CJMInputError(
            f"unknown report format(s) {', '.join(unknown)}", hint="--format docx,html"
        )
    selected = persona_ids(study, personas)
    if executor is None:
        # The workers start now, so their kernels boot while the study is coded below.
        try:
            with make_executor(executor_kind, max(1, jobs), scheduler) as pool:
                pool.submit(int)
                return run_reports(
                    study, out_dir, personas=personas, formats=formats, jobs=jobs, coder=coder,
                    redact=redact, executor=pool, force=force, timeout=timeout,
                    progress=progress, work=work,
                )  # fmt: skip
        except KeyboardInterrupt:
            # The workers are gone now; the scratch folders of the reports they were building
            # must not stay in the folder a researcher shares.
            for scratch in Path(out_dir).glob("*/.build-*"):
                shutil.rmtree(scratch, ignore_errors=True)
            raise
    started = time.perf_counter()
    say = progress or (lambda message: log.info(message))
    out_dir = Path(out_dir).resolve()
    work = Path(work or work_dir(study.root)).resolve()
    logs = work / "logs"
    blocked = blocked_personas(study)
    env = build_environment(coder, formats, redact)
    previous = mf.Manifest() if force else mf.load_manifest(work, out_dir)
    last_built = mf.load_manifest(work, out_dir).personas if force else previous.personas
    skipped = [
        RunResult(
            pid,
            SKIPPED,
            0.0,
            [str(out_dir / p) for p in last_built[pid].outputs if (out_dir / p).is_file()]
            if pid in last_built
            else [],
            error=blocked[pid],
        )
        for pid in selected
        if pid in blocked
    ]
    selected = [pid for pid in selected if pid not in blocked]
    files = mf.study_files(study.root)

    def task(pid: str, segments_path: Path) -> PersonaTask:
        return PersonaTask(
            persona_id=pid,
            persona_name=study.personas[pid].name if pid in study.personas else pid,
            study_dir=str(study.root),
            segments_path=str(segments_path),
            out_dir=str(safe_child(out_dir, pid)),
            formats=tuple(formats),
            timeout=timeout,
            redact=redact,
            log_dir=str(logs),
        )

    # Streaming: a persona whose interviews are all coded starts its report on a free worker
    # while the others are coded, from its own rows (STUDY/.cjm/stream/<persona>/).
    feed = StreamFeed(executor, max(1, jobs))
    decided: dict[str, bool] = {}  # persona → to build; decided once (a started run rewrites)

    def to_build(pid: str, inputs: dict[str, str]) -> bool:
        if pid not in decided:
            decided[pid] = not previous.entry_ok(pid, mf.persona_key(inputs, env), out_dir)
            for name in previous.changed_outputs(pid, out_dir) if decided[pid] else ():
                say(f"{pid}: {name} changed since it was built (edited or overwritten); rebuilding")
        return decided[pid]

    def ready(pid: str, rows: pd.DataFrame) -> None:
        if pid not in selected or not to_build(pid, persona_inputs(study, rows, files, pid)):
            return
        folder = safe_child(work / "stream", pid)
        folder.mkdir(parents=True, exist_ok=True)
        feed.offer(task(pid, segments_table.write(rows, folder / "segments.parquet")))

    coded = code_study(study, coder, progress=say, cache=study_cache(study.root), ready=ready)
    segments = coded.segments
    segments_path = segments_table.write(segments, work / "segments.parquet")
    segments_table.write(coded.machine, work / "segments.machine.parquet")
    say(f"wrote {segments_path} ({len(participant_segments(segments))} participant segments)")
    # Nobody asked to hide them, but a researcher about to share the reports should know.
    named = [p.display(study.root) for p in (privacy.unlisted_names(study) if redact else [])]
    for line in named:
        say(line)
    coding_seconds = time.perf_counter() - started

    keys = {pid: persona_inputs(study, segments, files, pid) for pid in selected}
    stale = [pid for pid in selected if to_build(pid, keys[pid])]
    coding_key = mf.sha_json([files, env, _table_sha(segments)])
    coding_log = None
    if previous.coding_key != coding_key or not (out_dir / "coding.ipynb").is_file():
        coding_log = CodingLogTask(
            str(study.root), coder, str(segments_path), str(out_dir / "coding.ipynb"), redact
        )
    streamed, waiting = feed.close()
    say(
        f"{len(stale)} of {len(selected)} personas to build, {len(selected) - len(stale)} unchanged"
        + (f" ({len(streamed)} started while coding)" if streamed else "")
    )
    offered = {t.persona_id for t in [*streamed.values(), *waiting]}
    tasks = waiting + [task(pid, segments_path) for pid in stale if pid not in offered]
    # The comparison and the coding log run on the same workers as the personas, longest first so
    # that no worker idles at the end: the comparison (the longest run) before the personas, the
    # coding log (0.3 s on a warm worker at 12 personas, a persona ~2 s) after them.
    first: dict[str, Callable[[], RunResult]] = {}
    last: dict[str, Callable[[], RunResult]] = {}
    compare = len(selected) >= 2
    if compare and (stale or personas or force):
        first[CROSS_PERSONA] = partial(
            run_cross_persona, study.root, segments_path, out_dir, selected,
            formats=formats, timeout=timeout, log_dir=logs,
        )  # fmt: skip
    if coding_log is not None:
        last["coding.ipynb"] = partial(run_coding_log, coding_log)
    results, done = _run_tasks(tasks, first, last, executor, say, streamed)
    log_result = done.get("coding.ipynb")
    results += [
        RunResult(pid, UNCHANGED, 0.0, [str(out_dir / p) for p in previous.personas[pid].outputs])
        for pid in selected
        if pid not in stale
    ]
    results += skipped
    results.sort(key=lambda r: r.persona_id)
    cross = done.get(CROSS_PERSONA)
    if compare and cross is None:  # nothing changed for it: kept, or built here if missing
        cross = run_cross_persona(
            study.root, segments_path, out_dir, selected, formats=formats, timeout=timeout,
            rebuild=False, log_dir=logs,
        )  # fmt: skip
    write_index(out_dir, study, segments, results, cross)
    batch = BatchResult(
        segments_path=segments_path,
        results=results,
        skipped_files=sorted({str(p.path) for p in study.errors if p.path}),
        coding_log=log_result,
        cross_persona=cross,
    )
    entries = dict(previous.personas)
    for result in results:
        if result.status not in (UNCHANGED, SKIPPED):
            pid = result.persona_id
            entries[pid] = mf.PersonaEntry(
                key=mf.persona_key(keys[pid], env) if result.status == OK else "",
                status=result.status,
                seconds=round(result.seconds, 2),
                outputs=mf.relative_outputs(result.outputs, out_dir),
                hashes={
                    name: mf.file_sha(out_dir / name)
                    for name in mf.relative_outputs(result.outputs, out_dir)
                }
                if result.status == OK
                else {},
                inputs=keys[pid],
                error=result.error,
                log=result.log,
            )
    coding_ok = log_result is None or log_result.status == OK
    manifest = mf.Manifest(
        files=files,
        environment=env,
        coding_key=coding_key if coding_ok else "",
        known=[pid for pid in persona_ids(study) if pid not in blocked],
        out=str(out_dir),
        personas=entries,
    )
    write_manifest(
        work,
        study,
        batch,
        manifest,
        {"coding": coding_seconds, "total": time.perf_counter() - started},
        [*coded.warnings, *named],
    )
    return batch


def persona_inputs(
    study: Study, segments: pd.DataFrame, files: dict[str, str], persona_id: str
) -> dict[str, str]:
    """What one persona's report is drawn from, as ``{name: sha}``.

    Its rows of the coded table stand for its transcripts, the coder and the human codes (a human
    code on another persona's segment does not touch it); its note and every top-level study
    file (participants.csv, codebook.yaml, insights.yaml, reference.docx …) count as they are.
    """
    rows = segments[segments["persona_id"] == persona_id]
    inputs = {"segments": _table_sha(rows)}
    transcripts = study.transcripts_for(persona_id)
    for transcript in transcripts:
        rel = transcript.path.relative_to(study.root).as_posix()
        inputs[rel] = files.get(rel, "")
    note = study.personas.get(persona_id)
    if note is not None and note.path is not None:
        rel = Path(note.path).resolve().relative_to(study.root.resolve()).as_posix()
        inputs[rel] = files.get(rel, "")
    inputs.update({rel: sha for rel, sha in files.items() if "/" not in rel})
    return inputs


def _table_sha(table: pd.DataFrame) -> str:
    hashed = pd.util.hash_pandas_object(table.reset_index(drop=True), index=True)
    return mf.sha_bytes(hashed.to_numpy().tobytes() + ",".join(table.columns).encode())


def blocked_personas(study: Study) -> dict[str, str]:
    """Personas whose note failed to load, by the note's file name, with the problem to show.

    Their reports are not built (a report without its persona's profile would mislead) and the
    earlier ones stay; every other persona is built as usual.
    """
    return {
        problem.path.stem: problem.display(study.root)
        for problem in study.errors
        if problem.path is not None
        and problem.path.parent.name == "personas"
        and problem.path.suffix == ".md"
    }


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


class StreamFeed:
    """Persona runs started while the study is coded, no more at a time than there are workers.

    The others wait here rather than in the executor's queue, so that once coding ends the
    comparison (the longest run, which needs the whole table) goes ahead of them: queued behind
    them, it ran last while the other workers idled.
    """

    def __init__(self, executor: Executor, slots: int) -> None:
        self.executor, self.slots = executor, slots
        self.started: dict[Future, PersonaTask] = {}
        self.waiting: list[PersonaTask] = []
        self.running, self.closed = 0, False
        self.lock = threading.Lock()

    def offer(self, task: PersonaTask) -> None:
        """Start ``task`` now if a worker is free, else keep it for when one is."""
        with self.lock:
            self.waiting.append(task)
        self._fill()

    def close(self) -> tuple[dict[Future, PersonaTask], list[PersonaTask]]:
        """Stop starting runs; the runs started and the tasks still waiting."""
        with self.lock:
            self.closed = True
            waiting, self.waiting = self.waiting, []
            return dict(self.started), waiting

    def _fill(self) -> None:
        while True:
            with self.lock:
                if self.closed or not self.waiting or self.running >= self.slots:
                    return
                task = self.waiting.pop(0)
                self.running += 1
                future = self.executor.submit(run_persona, task)
                self.started[future] = task
            # Outside the lock: a run already finished calls back at once, on this thread.
            future.add_done_callback(self._finished)

    def _finished(self, future: Future) -> None:
        with self.lock:
            self.running -= 1
        self._fill()


def _run_tasks(
    tasks: list[PersonaTask],
    first: dict[str, Callable[[], RunResult]],
    last: dict[str, Callable[[], RunResult]],
    executor: Executor,
    say: Callable[[str], None],
    started: dict[Future, PersonaTask] | None = None,
) -> tuple[list[RunResult], dict[str, RunResult]]:
    """Persona runs, with the side runs (comparison, coding log) ``first`` and ``last``, and
    the persona runs ``started`` already (while the study was coded)."""
    started = started or {}
    if not tasks and not first and not last and not started:
        return [], {}
    results: list[RunResult] = []
    side_futures = {name: executor.submit(run) for name, run in first.items()}
    # A live bar on a terminal; tqdm disables itself elsewhere and the log lines remain.
    total = len(tasks) + len(started)
    bar = tqdm(total=total, unit="persona", desc="reports", disable=None, file=sys.stderr)
    try:
        futures = started | {executor.submit(run_persona, task): task for task in tasks}
        side_futures |= {name: executor.submit(run) for name, run in last.items()}
        for done, future in enumerate(as_completed(futures), 1):
            task = futures[future]
            result = _result(future, task.persona_id)
            results.append(result)
            detail = f" — {result.error}" if result.error else ""
            bar.update()
            if bar.disable:
                say(
                    f"[{done}/{total}] {task.persona_id}: {result.status} "
                    f"({result.seconds:.1f} s){detail}"
                )
            elif result.error:
                bar.write(f"{task.persona_id}: {result.status}{detail}", file=sys.stderr)
    finally:
        bar.close()
    side_results = {name: _result(future, name) for name, future in side_futures.items()}
    for name, result in side_results.items():
        detail = f" — {result.error}" if result.error else ""
        say(f"{name}: {result.status} ({result.seconds:.1f} s){detail}")
    return results, side_results


def _result(future: Future, name: str) -> RunResult:
    try:
        return future.result()
    except Exception as exc:  # a worker that died (killed, out of memory) or a lost cluster
        return failed_run(name, exc)


def write_manifest(
    work: Path,
    study: Study,
    batch: BatchResult,
    manifest: mf.Manifest,
    seconds: dict[str, float],
    warnings: Sequence[str] = (),
) -> Path:
    """``work/manifest.json``: what was built from what, with versions and timings, and the
    ``warnings`` the run gave, which a re-run with nothing to build says again."""
    manifest.extra = {
        "study": str(study.root),
        "codebook": {"name": study.codebook.name, "version": study.codebook.version},
        "inputs": sorted(str(t.path.relative_to(study.root)) for t in study.transcripts),
        "skipped": batch.skipped_files,
        # the same files give the same warnings: a re-run with nothing to build says them again
        "warnings": list(warnings),
        "seconds": {name: round(value, 2) for name, value in seconds.items()},
    }
    return mf.write_manifest(work, manifest)
