"""Executors: a real Dask cluster (a scheduler and two worker processes on 127.0.0.1, as a user
starts them) builds the same reports as the local pool, byte for byte."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cjm_research.cli import main
from cjm_research.resources import example_study_dir
from study_runs import interrupt_after_first_report, processes_marked

#: What must come out identical: the reports a stakeholder reads (executed notebooks carry run
#: times, so they are compared by their outputs only).
COMPARED = ("*.docx", "*.html", "*.png")


@contextlib.contextmanager
def dask_cluster(folder: Path) -> Iterator[str]:
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1; the scheduler address."""
    bin_dir = Path(sys.executable).parent
    dask = str(bin_dir / "dask")
    info = folder / "scheduler.json"
    common = ["--no-dashboard"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = [dask, "scheduler", "--host", "127.0.0.1", "--port", "0"]
    procs = [
        subprocess.Popen(
            [*scheduler, "--scheduler-file", str(info), *common], **quiet, start_new_session=True
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        for _ in range(2):
            worker = [dask, "worker", "--scheduler-file", str(info), "--nworkers", "1"]
            procs.append(
                subprocess.Popen(
                    [*worker, "--nthreads", "1", "--host", "127.0.0.1", *common],
                    **quiet,
                    start_new_session=True,
                )
            )
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _run(args: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(args)
    return status, err.getvalue()


def _outputs(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for pattern in COMPARED
        for p in out.rglob(pattern)
        if "preview" not in p.parts
    }


@pytest.mark.slow
def test_a_real_dask_cluster_builds_the_same_reports_as_the_local_pool(tmp_path):
    pytest.importorskip("distributed")
    study = tmp_path / "study"
    shutil.copytree(example_study_dir(), study, ignore=shutil.ignore_patterns(".cjm", "reports"))
    base = ["reports", "--study", str(study), "--coder", "rules", "--jobs", "2"]
    status, said = _run([*base, "--out", str(tmp_path / "local")])
    assert status == 0, said
    with dask_cluster(tmp_path) as address:
        status, said = _run(
            [*base, "--out", str(tmp_path / "cluster"), "--executor", "dask",
             "--scheduler", address]
        )  # fmt: skip
    assert status == 0, said
    local, cluster = _outputs(tmp_path / "local"), _outputs(tmp_path / "cluster")
    assert len(local) >= 10 and set(local) == set(cluster)
    different = sorted(name for name in local if local[name] != cluster[name])
    assert different == []


def test_ctrl_c_on_a_dask_run_says_one_line_and_leaves_no_process(study_dir):
    """Ctrl-C during `--executor dask` printed a CancelledError traceback per Dask worker (they
    share the terminal's process group); now it ends as the local pool's does: one line, 130."""
    import re
    import uuid

    pytest.importorskip("distributed")
    mark = uuid.uuid4().hex
    cjm = [sys.executable, "-m", "cjm_research.cli", "reports", "--study", str(study_dir)]
    cjm += ["--coder", "rules", "--format", "docx", "--jobs", "2", "--executor", "dask"]
    code, rest = interrupt_after_first_report(cjm, mark)
    assert code == 130
    message = re.fullmatch(r"Interrupted: (\d) of 3 reports built; [^\n]*\n", rest)
    assert message, rest
    assert processes_marked(mark) == [], "no Dask worker or kernel outlives an interrupted run"
    page = (study_dir / "reports" / "index.html").read_text(encoding="utf-8")
    # A report a Dask worker was promoting when Ctrl-C came may land after the count (whole: the
    # promotion is uninterrupted); the index then links it as "Not rebuilt", never as built.
    unfinished = page.count("Not built yet: the last run") + page.count("Not rebuilt: the last run")
    assert unfinished == 3 - int(message[1])


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_pool_worker_leaves_no_socket_folder_behind():
    # A worker killed by a signal never closes its kernel; its socket folder stayed in /tmp.
    from concurrent.futures.process import BrokenProcessPool

    from cjm_research.run.executors import make_executor
    from cjm_research.run.kernels import IPC_PREFIX

    mine = f"{IPC_PREFIX}{os.getpid()}-*"
    with make_executor("local", 1) as pool:
        with pytest.raises(BrokenProcessPool):
            pool.submit(_die).result(timeout=120)
        # The worker started its kernel (prestart) before it was killed: its folder is there.
        assert list(Path(tempfile.gettempdir()).glob(mine))
    assert not list(Path(tempfile.gettempdir()).glob(mine))


def test_a_dead_owners_socket_folders_are_swept_when_a_pool_starts():
    # A cjm killed with SIGKILL cannot sweep its workers' folders; the next pool does.
    from cjm_research.run.executors import make_executor
    from cjm_research.run.kernels import IPC_PREFIX

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    dead = [Path(tempfile.mkdtemp(prefix=f"{IPC_PREFIX}{gone}{s}-")) for s in ("", "s")]
    alive = [Path(tempfile.mkdtemp(prefix=f"{IPC_PREFIX}{os.getppid()}{s}-")) for s in ("", "s")]
    try:
        with make_executor("local", 1):
            pass
        assert not any(folder.exists() for folder in dead)
        assert all(folder.exists() for folder in alive)
    finally:
        for folder in dead + alive:
            shutil.rmtree(folder, ignore_errors=True)


def test_the_command_line_offers_every_registered_executor():
    from cjm_research.model import EXECUTORS
    from cjm_research.run.executors import executors

    assert executors() == sorted(EXECUTORS)


def test_a_registered_executor_is_made_by_name_and_a_scheduler_needs_one_that_takes_it(
    monkeypatch,
):
    from concurrent.futures import ThreadPoolExecutor

    from cjm_research.exceptions import CJMInputError
    from cjm_research.run import executors

    monkeypatch.setattr(executors, "_EXECUTORS", dict(executors._EXECUTORS))
    made = []

    @contextlib.contextmanager
    def threads(workers: int, scheduler: str = ""):
        made.append(workers)
        with ThreadPoolExecutor(workers) as pool:
            yield pool

    executors.register_executor("threads", threads)
    with executors.make_executor("threads", 3) as pool:
        assert pool.submit(sum, [1, 2]).result() == 3
    assert made == [3]
    with pytest.raises(CJMInputError, match="--scheduler needs --executor dask"):
        executors.make_executor("local", 1, "tcp://127.0.0.1:8786").__enter__()
    with pytest.raises(CJMInputError, match="unknown executor 'ray'"):
        executors.make_executor("ray", 1).__enter__()
