"""Warm kernels: reused across notebooks, yet each notebook starts from an empty namespace."""

import json
import math
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cjm_research.exceptions import NotebookTimeout
from cjm_research.run.kernels import WarmKernel, check_parameters


def _notebook(path, *cells):
    nb = new_notebook(cells=[new_code_cell("value = 0"), *(new_code_cell(c) for c in cells)])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def _stdout(path):
    nb = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


@pytest.fixture
def kernel():
    warm = WarmKernel(preload="")  # the package's imports are not what is tested here
    yield warm
    warm.close()


def test_a_kernel_is_reused_and_nothing_leaks_between_notebooks(tmp_path, kernel):
    sets = _notebook(
        tmp_path / "sets.ipynb",
        "import os, matplotlib.pyplot as plt\nleak = value\nplt.figure()\nprint(os.getpid())",
    )
    reads = _notebook(
        tmp_path / "reads.ipynb",
        "import os, json, matplotlib.pyplot as plt\n"
        "print(json.dumps({'pid': os.getpid(), 'leak': 'leak' in globals(),"
        " 'figures': len(plt.get_fignums()), 'value': value}))",
    )
    kernel.run(sets, tmp_path / "out1.ipynb", {"value": 41}, timeout=60)
    kernel.run(reads, tmp_path / "out2.ipynb", {"value": 7}, timeout=60)
    first_pid = int(_stdout(tmp_path / "out1.ipynb"))
    second = json.loads(_stdout(tmp_path / "out2.ipynb"))
    assert second == {"pid": first_pid, "leak": False, "figures": 0, "value": 7}
    # The second notebook's cells count from 1 again: a new session, not a continuation.
    counts = [c.execution_count for c in nbformat.read(tmp_path / "out2.ipynb", 4).cells]
    assert counts[0] == 1


def test_running_notebooks_leaves_no_client_threads_or_sockets_behind(tmp_path, kernel):
    # nbclient keeps its client open on a kernel it does not own: each notebook used to leave
    # three channel threads and 14 sockets in the worker (10-25 MB per persona at scale).
    notebook = _notebook(tmp_path / "nb.ipynb", "print(value)")
    kernel.run(notebook, tmp_path / "out0.ipynb", {"value": 0}, timeout=60)
    me = psutil.Process()
    threads, files = threading.active_count(), me.num_fds()
    for n in range(1, 4):
        kernel.run(notebook, tmp_path / f"out{n}.ipynb", {"value": n}, timeout=60)
    assert _stdout(tmp_path / "out3.ipynb").strip() == "3"
    # Less than one notebook's worth (3 threads, 14 sockets) over three: other tests' daemon
    # threads and files may come and go meanwhile.
    assert threading.active_count() - threads < 3 and me.num_fds() - files < 14


def test_a_closed_kernel_leaves_no_socket_folder_behind(tmp_path):
    # One folder of IPC sockets per kernel start, never removed, filled /tmp run after run.
    warm = WarmKernel(preload="")
    warm.start()
    folder = Path(warm.km.ip).parent
    assert folder.is_dir() and folder.name.startswith("cjm-kernel-")
    warm.close()
    assert not folder.exists()


def test_a_notebook_over_its_time_limit_is_killed_and_the_next_gets_a_new_kernel(tmp_path, kernel):
    slow = _notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(60)")
    pid = _notebook(tmp_path / "pid.ipynb", "import os\nprint(os.getpid())")
    kernel.run(pid, tmp_path / "before.ipynb", {}, timeout=60)
    started = time.monotonic()
    with pytest.raises(NotebookTimeout, match="timed out after 2 s"):
        kernel.run(slow, tmp_path / "slow-out.ipynb", {}, timeout=2)
    assert time.monotonic() - started < 30
    assert kernel.km is None
    kernel.run(pid, tmp_path / "after.ipynb", {}, timeout=60)
    assert _stdout(tmp_path / "after.ipynb") != _stdout(tmp_path / "before.ipynb")


def test_a_failing_notebook_raises_and_discards_its_kernel(tmp_path, kernel):
    from papermill.exceptions import PapermillExecutionError

    bad = _notebook(tmp_path / "bad.ipynb", "raise KeyError('no such persona')")
    with pytest.raises(PapermillExecutionError, match="no such persona"):
        kernel.run(bad, tmp_path / "bad-out.ipynb", {}, timeout=60)
    assert kernel.km is None


def test_parameters_are_checked_before_anything_runs(tmp_path, kernel):
    with pytest.raises(ValueError):
        kernel.run(tmp_path / "never.ipynb", tmp_path / "o.ipynb", {"x": ("", '"')}, timeout=5)
    assert kernel.km is None
    assert check_parameters({"ok": 1}) == {"ok": 1}


def _inherited() -> tuple[bool, int]:
    from cjm_research.run import kernels

    return getattr(kernels._local, "kernel", None) is not None, len(kernels._all)


def test_a_forked_worker_does_not_inherit_the_parents_kernels():
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from cjm_research.run import kernels

    parent = kernels.warm_kernel()  # not started: only the bookkeeping matters here
    try:
        fork = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(1, mp_context=fork) as pool:
            assert pool.submit(_inherited).result(timeout=60) == (False, 0)
        assert kernels.warm_kernel() is parent, "the parent keeps its own"
    finally:
        kernels._all.remove(parent)
        del kernels._local.kernel


def test_parameters_must_be_json_primitives_with_identifier_names():
    ok = {"study_dir": "/x", "jobs": 2, "ratio": 0.5, "flag": True, "none": None}
    assert check_parameters(ok) == ok
    for bad in ({"a\nimport os": "x"}, {"1x": 1}, {"x": ("", '"')}, {"x": [1]},
                {"x": math.nan}, {"x": Path("/p")}):  # fmt: skip
        with pytest.raises(ValueError):
            check_parameters(bad)


def test_a_pool_worker_skips_the_iri_grammar_and_still_validates_notebooks():
    # prestart marks rfc3987_syntax missing (0.8 s of import for a format notebooks never use);
    # nbformat must still load and validate as before.
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from cjm_research.run import kernels\n"
        "kernels.prestart()\n"
        "import nbformat\n"
        "nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')]))\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'))\n"
        "kernels.close_all()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in ("None", "absent")
