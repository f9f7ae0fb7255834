"""Batch report generation: code once, then one papermill run per persona, in parallel.

Each persona's notebook runs in its own build folder; only a run that succeeded is promoted into
``reports/<persona>/`` (each file with ``os.replace``), so a failed or killed run never replaces a
good report with a broken one. A failure is reported with its cause while the others finish.
An interrupt (Ctrl-C, SIGTERM) stops the workers, then records the runs that finished as built
and the others as interrupted, for the next run to build.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import pandas as pd

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
from cjm_research.exceptions import CJMInputError, ReportsInterrupted
from cjm_research.insights import record_citations
from cjm_research.iorw import writable_folder
from cjm_research.model import PARTICIPANT
from cjm_research.run import manifest as mf
from cjm_research.run.codecache import code_with_cache
from cjm_research.run.executors import make_executor
from cjm_research.run.index import kept_files, write_index
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
    run_coding_log,
    run_cross_persona,
    run_persona,
)
from cjm_research.run.scheduling import StreamFeed, finished, run_tasks
from cjm_research.study import ERROR, Problem, Study, work_dir

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
    persona_ids(study, personas)  # an unknown persona is refused before any worker starts
    # and a reports folder nobody may write, before the study is coded and the reports built
    writable_folder(out_dir, "reports folder", "make it writable, or write elsewhere: --out DIR")
    ledger = _Ledger()
    build = partial(
        _build_reports, study, Path(out_dir), ledger=ledger, personas=personas, formats=formats,
        jobs=jobs, coder=coder, redact=redact, force=force, timeout=timeout, progress=progress,
        work=work,
    )  # fmt: skip
    try:
        if executor is not None:
            return build(executor)
        # The workers start now, so their kernels boot while the study is coded below.
        with make_executor(executor_kind, max(1, jobs), scheduler) as pool:
            pool.submit(int)
            return build(pool)
    except KeyboardInterrupt:
        if executor is None:  # the pool's workers are gone: their scratch must not stay
            for scratch in [*Path(out_dir).glob("*/.build-*"), *Path(out_dir).glob(".build-*")]:
                shutil.rmtree(scratch, ignore_errors=True)
            for temp in Path(out_dir).glob(".coding.ipynb.*"):  # the coding log's (atomic_path)
                temp.unlink(missing_ok=True)
        if ledger.recorded is None:  # stopped before the batch began
            raise
        # Recorded only now that the pool's workers are stopped: no run can finish after this.
        raise _record_stop(ledger) from None


@dataclass
class _Ledger:
    """What a batch has decided and started so far: what an interrupt records (``_record_stop``)."""

    recorded: mf.Manifest | None = None  # the last build, whatever this run rebuilds
    work: Path = Path()
    out_dir: Path = Path()
    env: dict[str, str] = field(default_factory=dict)
    selected: list[str] = field(default_factory=list)
    decided: dict[str, bool] = field(default_factory=dict)  # persona → to build (decided once)
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)  # each decided one's
    runs: dict[str, Future] = field(default_factory=dict)  # every run started, by name
    coding_key: str = ""
    force: bool = False
    study: Study | None = None
    coded: pd.DataFrame | None = None  # the coded table, once coding is done
    streamed: dict[str, pd.DataFrame] = field(default_factory=dict)  # a persona's final rows


def _record_stop(ledger: _Ledger) -> ReportsInterrupted:
    """The manifest after an interrupt: the runs that finished as built (or failed), the personas
    still to build marked interrupted (built by the next run), the others as they were; then
    ``index.html`` as the reports folder now is.

    A forced run stopped before it had looked at every persona (while coding) leaves them all
    to build, and its coding log and comparison too: the next plain run finishes the ``--force``.
    """
    recorded, done = ledger.recorded or mf.Manifest(), finished(ledger.runs)
    wanted = [pid for pid in ledger.selected if ledger.decided.get(pid, True)]
    entries = dict(recorded.personas)
    for pid in (pid for pid in wanted if pid in ledger.decided or ledger.force):
        result, inputs = done.get(pid), ledger.inputs.get(pid, {})
        entries[pid] = (
            mf.built_entry(result, inputs, ledger.env, ledger.out_dir)
            if result is not None
            else mf.interrupted_entry(entries.get(pid), inputs)
        )
    built = [pid for pid in wanted if pid in done and done[pid].status == OK]
    cross = CROSS_PERSONA in done and done[CROSS_PERSONA].status == OK
    stale = bool(built or ledger.force or CROSS_PERSONA in ledger.runs or recorded.pending)
    stale = stale and len(ledger.selected) > 1 and not cross
    logged = "coding.ipynb" in done and done["coding.ipynb"].status == OK
    mf.write_manifest(ledger.work, replace(
        recorded, out=str(ledger.out_dir), personas=entries,
        coding_key=ledger.coding_key if logged else "" if ledger.force else recorded.coding_key,
        pending=[CROSS_PERSONA] if stale else [],
    ))  # fmt: skip
    if ledger.study is not None:  # marked as the manifest has them: the next run builds those
        stopped = [p for p in wanted if p not in done and p in entries]
        stopped = [p for p in stopped if entries[p].status == mf.INTERRUPTED]
        _index_after_stop(ledger, ledger.study, done, stopped, stale)
    return ReportsInterrupted(len(built), len(wanted))


def _index_after_stop(
    ledger: _Ledger,
    study: Study,
    done: dict[str, RunResult],
    stopped: list[str],
    cross_stale: bool,
) -> None:
    """``index.html`` after an interrupt: the reports it finished linked, the others as they
    are on disk, marked ``interrupted`` (a persona built for the first time is linked at once,
    not after the next run)."""
    out = ledger.out_dir
    results = [done[pid] for pid in ledger.selected if pid in done]
    results += [
        RunResult(pid, mf.INTERRUPTED, 0.0, kept_files(safe_child(out, pid), pid))
        for pid in stopped
    ]
    cross = done.get(CROSS_PERSONA)
    if cross is None and len(ledger.selected) > 1 and (files := kept_files(out, CROSS_PERSONA)):
        cross = RunResult(CROSS_PERSONA, mf.INTERRUPTED if cross_stale else UNCHANGED, 0.0, files)
    write_index(out, study, _coded_so_far(ledger), results, cross)


def _coded_so_far(ledger: _Ledger) -> pd.DataFrame:
    """The coded table as far as coding got: the whole of it, else the personas whose rows were
    final and, for the others, the last run's table (the index counts their turns)."""
    if ledger.coded is not None:
        return ledger.coded
    last = ledger.work / "segments.parquet"
    frames = list(ledger.streamed.values())
    if last.is_file():
        table = segments_table.read(last)
        frames.append(table[~table["persona_id"].isin(list(ledger.streamed))])
    return pd.concat(frames, ignore_index=True) if frames else segments_table.frame([])


def _build_reports(
    study: Study,
    out_dir: Path,
    executor: Executor,
    *,
    ledger: _Ledger,
    personas: Sequence[str],
    formats: Sequence[str],
    jobs: int,
    coder: str,
    redact: bool,
    force: bool,
    timeout: int,
    progress: Callable[[str], None] | None,
    work: Path | None,
) -> BatchResult:
    """``run_reports`` on ``executor``, noting in ``ledger`` what it decides and starts."""
    selected = persona_ids(study, personas)
    started = time.perf_counter()
    say = progress or (lambda message: log.info(message))
    out_dir = Path(out_dir).resolve()
    work = Path(work or work_dir(study.root)).resolve()
    logs = work / "logs"
    blocked = blocked_personas(study)
    env = build_environment(coder, formats, redact)
    recorded = mf.load_manifest(work, out_dir)
    previous = mf.Manifest() if force else recorded
    skipped = [
        RunResult(
            pid,
            SKIPPED,
            0.0,
            [str(out_dir / p) for p in recorded.personas[pid].outputs if (out_dir / p).is_file()]
            if pid in recorded.personas
            else [],
            error=blocked[pid],
        )
        for pid in selected
        if pid in blocked
    ]
    selected = [pid for pid in selected if pid not in blocked]
    files = mf.study_files(study.root)
    ledger.recorded, ledger.work, ledger.out_dir, ledger.env = recorded, work, out_dir, env
    ledger.selected, ledger.force, ledger.study = selected, force, study

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
    feed = StreamFeed(executor, max(1, jobs), run_persona, ledger.runs)
    decided = ledger.decided  # a started run rewrites its report: decided once

    def to_build(pid: str, inputs: dict[str, str]) -> bool:
        if pid not in decided:
            ledger.inputs[pid] = inputs
            decided[pid] = not previous.entry_ok(pid, mf.persona_key(inputs, env), out_dir)
            entry = previous.personas.get(pid)
            if decided[pid] and entry is not None and entry.status == mf.INTERRUPTED:
                say(f"{pid}: its last build was interrupted; building it again")
            elif decided[pid]:
                for name in previous.changed_outputs(pid, out_dir):
                    say(f"{pid}: {name} changed since it was built (edited or overwritten); "
                        "rebuilding")  # fmt: skip
        return decided[pid]

    def ready(pid: str, rows: pd.DataFrame) -> None:
        if pid not in selected or not to_build(pid, mf.persona_inputs(study, rows, files, pid)):
            return
        ledger.streamed[pid] = rows
        folder = safe_child(work / "stream", pid)
        folder.mkdir(parents=True, exist_ok=True)
        feed.offer(task(pid, segments_table.write(rows, folder / "segments.parquet")))

    coded = code_study(study, coder, progress=say, cache=study_cache(study.root), ready=ready)
    segments = ledger.coded = coded.segments
    segments_path = segments_table.write(segments, work / "segments.parquet")
    segments_table.write(coded.machine, work / "segments.machine.parquet")
    say(f"wrote {segments_path} ({len(participant_segments(segments))} participant segments)")
    cited = record_citations(study.root, study.codebook, segments)
    for problem in cited:  # insights quoting turns whose words moved, or left out; or no file
        say(f"{problem.severity}: {problem.display(study.root)}")
    unread = [p for p in cited if p.severity == ERROR]
    # Nobody asked to hide them, but a researcher about to share the reports should know.
    leaks = [*privacy.unlisted_names(study), *privacy.persona_name_problems(study)]
    named = [p.display(study.root) for p in (leaks if redact else [])]
    for line in named:
        say(line)
    for pid in selected:
        persona = study.personas.get(pid)
        if persona is not None and persona.unread:
            say(f"{pid}: its notes were not read ({persona.unread}); its report is built with a "
                "caution in their place")  # fmt: skip
    coding_seconds = time.perf_counter() - started

    keys = {pid: mf.persona_inputs(study, segments, files, pid) for pid in selected}
    stale = [pid for pid in selected if to_build(pid, keys[pid])]
    coding_key = ledger.coding_key = mf.sha_json([files, env, mf.table_sha(segments)])
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
    if compare and (stale or personas or force or CROSS_PERSONA in previous.pending):
        first[CROSS_PERSONA] = partial(
            run_cross_persona, study.root, segments_path, out_dir, selected,
            formats=formats, timeout=timeout, log_dir=logs,
        )  # fmt: skip
    if coding_log is not None:
        last["coding.ipynb"] = partial(run_coding_log, coding_log)
    results, done = run_tasks(tasks, first, last, executor, say, run_persona, streamed, ledger.runs)
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
        skipped_files=sorted({p.skipped() for p in [*study.errors, *unread] if p.path}),
        coding_log=log_result,
        cross_persona=cross,
    )
    entries = dict(recorded.personas)  # a forced run of some personas keeps the others'
    for result in results:
        if result.status not in (UNCHANGED, SKIPPED):
            pid = result.persona_id
            entries[pid] = mf.built_entry(result, keys[pid], env, out_dir)
    coding_ok = log_result is None or log_result.status == OK
    manifest = mf.Manifest(
        files=files,
        environment=env,
        coding_key=coding_key if coding_ok else "",
        known=[pid for pid in persona_ids(study) if pid not in blocked],
        out=str(out_dir),
        personas=entries,
    )
    mf.write_build(
        work,
        study,
        batch,
        manifest,
        {"coding": coding_seconds, "total": time.perf_counter() - started},
        [*coded.warnings, *(p.display(study.root) for p in cited), *named],
    )
    return batch


def blocked_personas(study: Study) -> dict[str, str]:
    """Personas whose note failed to load and kept no persona (``Persona.unread``: one did), by the
    note's file name, with the problem to show: not built, the earlier reports stay."""
    kept = {p.path for p in study.personas.values()}
    return {
        problem.path.stem: problem.display(study.root)
        for problem in study.errors
        if problem.path is not None
        and problem.path.parent.name == "personas"
        and problem.path.suffix == ".md"
        and problem.path not in kept
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
