"""Notebook execution with papermill on warm kernels: one kernel per worker, reused per notebook.

Starting a kernel and importing pandas, matplotlib and this package costs more than drawing a
persona's report: kernel start-up, not the work, dominates a batch. So each worker thread keeps one
kernel on IPC sockets and runs notebook after notebook on it. Before every notebook the kernel's
user namespace is reset (``%reset`` with a new session) and open figures are closed: imported
modules stay warm, variables and figures do not leak. Module-level state is shared, which is safe
because a kernel lives for one batch, whose inputs do not change. A failed, timed-out or killed run
discards its kernel; the next notebook gets a new one.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import gc
import logging
import math
import multiprocessing.util
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from cjm_research.exceptions import CJMInputError, KernelStartError, NotebookTimeout

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: Each kernel's IPC sockets live in a temporary folder of this prefix, removed when it closes;
#: a pool worker's also carry its pool owner's id (``prestart``), so that the owner can sweep the
#: folders of workers killed before they could close their kernel (``sweep_socket_folders``).
IPC_PREFIX = "cjm-kernel-"
_owner = ""  # a pool worker's "<owner>-" part of the prefix (its pool owner's pid)
#: What a new kernel imports before its first notebook (overlaps with coding in the parent). The
#: imported modules are then frozen out of the garbage collector's view: every reset collects
#: garbage, and walking the tens of thousands of objects of pandas and matplotlib each time costs
#: more than the rest of the reset.
PRELOAD = "import cjm_research.report.persona\nimport gc\ngc.collect()\ngc.freeze()"

# Runs before each notebook. The reset comes last so the helper names go too; modules stay imported.
_RESET = """\
import sys as _cjm_sys
if "matplotlib.pyplot" in _cjm_sys.modules:
    _cjm_sys.modules["matplotlib.pyplot"].close("all")
get_ipython().reset(new_session=True)
try:  # hand the freed heap back to the system (glibc): the last report's table is garbage now
    import ctypes as _cjm_ctypes
    _cjm_ctypes.CDLL(None).malloc_trim(0)
    del _cjm_ctypes
except (AttributeError, OSError):
    pass
"""


def check_parameters(parameters: dict[str, object]) -> dict[str, object]:
    """Refuse anything but identifier names and JSON primitives (papermill injects them as code).

    papermill stringifies non-JSON values without escaping, so a crafted value could run code in
    the kernel; a name with a newline becomes code. Finite numbers, strings, booleans and None pass.
    """
    for name, value in parameters.items():
        if not isinstance(name, str) or not _IDENTIFIER.match(name):
            raise CJMInputError(
                f"notebook parameter name {name!r} is not an identifier",
                hint="use a Python name such as 'persona_id'",
            )
        if value is not None and type(value) not in (str, int, float, bool):
            raise CJMInputError(
                f"notebook parameter {name} must be a JSON primitive, not {type(value)}",
                hint="pass a string, a number, a boolean or None",
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise CJMInputError(
                f"notebook parameter {name} must be finite", hint="pass a finite number"
            )
    return parameters


def kernel_manager_class() -> type:
    """An ``AsyncKernelManager`` on IPC sockets of its own (papermill #511: TCP port races), whose
    clients are ready as soon as the kernel answers."""
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class ReadyClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout: float | None = None) -> None:
            """Return once the kernel is heard on the shell and IOPub channels.

            What the stock method makes sure of, without its fixed 0.2 s wait for IOPub to fall
            silent (paid twice per notebook: our reset and papermill's client): a kernel_info
            request is answered on shell and publishes its busy/idle status on IOPub, so one
            IOPub message proves the subscription is live; until one arrives, ask again.
            """
            timeout = timeout or 60
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                self.kernel_info()
                await self.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
                try:
                    await self.get_iopub_msg(timeout=0.05)
                    return
                except Empty:
                    continue
            raise KernelStartError(f"the kernel did not answer within {timeout:.0f} s")

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            # Without a connection file jupyter_client names every IPC socket "kernel-ipc-N" in
            # the working directory, so parallel kernels would share sockets; give each its own.
            # Outside a pool the kernel's own process is its owner ("<pid>s-": never swept by a
            # pool of the same process, only once that process is gone).
            owner = _owner or f"{os.getpid()}s-"
            return os.path.join(tempfile.mkdtemp(prefix=IPC_PREFIX + owner), "kernel-ipc")

        @default("client_factory")
        def _default_client_factory(self) -> type:
            return ReadyClient

    return IPCKernelManager


class WarmKernel:
    """One kernel, started on first use and reused for every notebook run on this thread."""

    def __init__(self, preload: str = PRELOAD) -> None:
        self.km: object | None = None
        self.starting: object | None = None  # the kernel being started, for `stop_worker`
        self.runs = 0
        self.preload = preload

    def start(self) -> None:
        """Start the kernel (if not running) and run ``self.preload`` in it."""
        if self.km is not None:
            return
        from jupyter_core.utils import run_sync

        km = self.starting = kernel_manager_class()(kernel_name="python3")
        try:
            run_sync(km.start_kernel)()
        finally:
            self.starting = None
        self.km = km
        if self.preload:
            self._silent(f"{self.preload}\n{_RESET}")

    def run(
        self, notebook: Path, output: Path, parameters: dict[str, object], timeout: int
    ) -> None:
        """Execute ``notebook`` into ``output`` in a fresh namespace; killed after ``timeout`` s."""
        import papermill

        check_parameters(parameters)
        if self.km is not None and self.runs:
            try:
                self._silent(_RESET)
            except Exception:  # a kernel that died between runs: start a new one
                self.close()
        if self.km is None:
            self.start()
        self.runs += 1
        # The limit covers the notebook, not the kernel start (that has its own 60 s limit).
        expired = threading.Event()
        watchdog = threading.Timer(timeout, self._expire, args=(expired,))
        watchdog.daemon = True
        watchdog.start()
        stopped_at: list[int] = []

        def keep(nb: object, exc: BaseException) -> None:
            # A run stopped outside a cell (killed at its time limit, a dead kernel) saved
            # nothing: keep it as far as it ran, marked where it stopped, for the failure log.
            why = f"the notebook ran past its time limit of {timeout} s here; its kernel was killed"
            stopped_at.extend(keep_stopped(nb, output, why if expired.is_set() else str(exc)))

        try:
            papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=parameters,
                engine_name=_engine(),
                kernel_name="python3",
                progress_bar=False,
                execution_timeout=timeout,
                km=self.km,
                # The output is written once at the end: papermill's saves after every cell (a
                # progress view for a long notebook) rewrite every embedded figure each time.
                request_save_on_cell_execute=False,
                on_stop=keep,
            )
        except Exception as exc:
            self.close()
            if expired.is_set():
                raise NotebookTimeout(
                    f"timed out after {timeout} s (kernel killed)",
                    stopped_at[0] if stopped_at else None,
                ) from exc
            raise
        finally:
            watchdog.cancel()
            watchdog.join()

    def close(self) -> None:
        """Kill the kernel now: a graceful shutdown waits seconds for nothing we need."""
        km, self.km, self.runs = self.km, None, 0
        if km is None:
            return
        from jupyter_core.utils import run_sync

        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # already dead or half started: make sure the process is gone
            self._kill(km)
        _remove_socket_folder(km)

    def _silent(self, code: str) -> None:
        from jupyter_core.utils import run_sync

        reply = run_sync(self._execute_silently)(code)
        if reply["content"]["status"] != "ok":
            self.close()
            content = reply["content"]
            raise KernelStartError(f"kernel set-up failed: {content['ename']}: {content['evalue']}")

    async def _execute_silently(self, code: str) -> dict:
        client = self.km.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            return await client.execute_interactive(
                code, silent=True, store_history=False, timeout=120, output_hook=lambda msg: None
            )
        finally:
            client.stop_channels()

    def _expire(self, expired: threading.Event) -> None:
        expired.set()
        if self.km is not None:
            self._kill(self.km)

    @staticmethod
    def _kill(km: object) -> None:
        provisioner = getattr(km, "provisioner", None)
        pid = getattr(provisioner, "pgid", None) or getattr(provisioner, "pid", None)
        if pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


def _remove_socket_folder(km: object) -> None:
    # The kernel's folder of IPC sockets (``_default_ip``): one per kernel start, which filled
    # /tmp with empty folders run after run.
    folder = os.path.dirname(str(getattr(km, "ip", "")))
    if os.path.basename(folder).startswith(IPC_PREFIX):
        shutil.rmtree(folder, ignore_errors=True)


@functools.cache
def _engine() -> str:
    """papermill's nbclient engine, closing its kernel client after each notebook.

    On a kernel it does not own, nbclient leaves its client open: three channel threads and 14
    sockets per notebook stayed in the worker, which grew by 10–25 MB per persona (one 40-persona
    batch of 1,000 interviews peaked at 2.0 GB). Registered with papermill on first use.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    class WarmKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
            cls, nb_man: object, kernel_name: str, **kwargs: object
        ) -> object:
            # NBClientEngine's own argument handling, keeping hold of the client to close it.
            on_stop = kwargs.pop("on_stop", None)
            timeout = kwargs.pop("execution_timeout", None)
            startup = kwargs.pop("start_timeout", 60)
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = PapermillNotebookClient(
                nb_man,
                **merge_kwargs(
                    kwargs,
                    timeout=timeout,
                    startup_timeout=startup,
                    kernel_name=kernel_name,
                    log=logging.getLogger("papermill"),
                ),
            )
            try:
                return client.execute()
            except Exception as exc:  # a failing cell is no exception here: papermill saves it
                if callable(on_stop):
                    on_stop(nb_man.nb, exc)
                raise
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(WARM_ENGINE, WarmKernelEngine)
    return WARM_ENGINE


def keep_stopped(nb: object, output: Path, why: str) -> list[int]:
    """Write ``nb``, a run stopped before its end, to ``output`` with ``why`` as the error of the
    cell it stopped in (the last one started); that cell's index, if any."""
    import nbformat

    started = [
        index
        for index, cell in enumerate(nb.cells)
        if cell.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    for index in started[-1:]:
        cell = nb.cells[index]
        cell.metadata.papermill.update(status="failed", exception=True)
        cell.setdefault("outputs", []).append(
            nbformat.v4.new_output("error", ename="Stopped", evalue=why, traceback=[why])
        )
        nb.metadata.setdefault("papermill", {})["exception"] = True
    nbformat.write(nb, str(output))
    return started[-1:]


WARM_ENGINE = "cjm-warm-kernel"
_local = threading.local()
_all: list[WarmKernel] = []
_lock = threading.Lock()


def _forget_after_fork() -> None:
    # A forked pool worker inherits this process's kernels, but their sockets and event loop
    # belong to the parent: driving them spins the worker forever, and closing them at exit
    # would kill the parent's kernels. The worker starts its own.
    global _local, _all, _lock
    _local, _all, _lock = threading.local(), [], threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


def warm_kernel() -> WarmKernel:
    """This thread's warm kernel (created on first call; closed when the process exits)."""
    kernel = getattr(_local, "kernel", None)
    if kernel is None:
        kernel = _local.kernel = WarmKernel()
        with _lock:
            if not _all:
                # atexit covers the main process, Finalize a multiprocessing worker (which skips
                # atexit); a SIGKILLed worker's kernel exits by itself (ipykernel polls its parent).
                atexit.register(close_all)
                multiprocessing.util.Finalize(None, close_all, exitpriority=10)
            _all.append(kernel)
    return kernel


def close_all() -> None:
    """Shut down every warm kernel of this process."""
    with _lock:
        kernels = list(_all)
    for kernel in kernels:
        kernel.close()


def sweep_socket_folders(owner: str) -> None:
    """Remove the IPC socket folders of ``owner``'s pool workers (``prestart(owner)``) that are
    still there: a worker killed by a signal never closed its kernel."""
    for folder in Path(tempfile.gettempdir()).glob(f"{IPC_PREFIX}{owner}-*"):
        shutil.rmtree(folder, ignore_errors=True)


def sweep_orphaned_socket_folders() -> None:
    """Remove the IPC socket folders of owners that are no longer running: a ``cjm`` killed
    outright (SIGKILL, a closed terminal) could not remove its kernels' folders itself."""
    for folder in Path(tempfile.gettempdir()).glob(f"{IPC_PREFIX}*-*"):
        owner = folder.name[len(IPC_PREFIX) :].partition("-")[0].removesuffix("s")
        if owner.isdigit() and not _running(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or no pid at all: leave its folder alone
    return True


def prestart(owner: str = "") -> None:
    """Pool initializer: start this worker's kernel and its imports before the first task;
    ``owner`` (the pool owner's id) marks the kernel's socket folder for ``sweep_socket_folders``.

    A worker forked from the batch inherits the parent's objects (the loaded and coded study);
    freezing them out of the garbage collector keeps it from walking them, which would copy every
    page they sit on into the worker (hundreds of megabytes per worker at 1,000 interviews).
    """
    gc.freeze()
    # jsonschema (under nbformat, under papermill) imports rfc3987_syntax when it is installed (the
    # lab extra brings it, through jupyter-events) and builds an IRI grammar at import: 0.8 s of
    # CPU in every worker, for a string format no notebook schema uses. Marked missing here, so
    # jsonschema skips it as when it is not installed; only this worker process is affected.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    # Ctrl-C reaches every process of the terminal's process group: the pool's owner alone
    # decides what it stops (a KeyboardInterrupt here printed a traceback per worker).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The owner ends its workers with SIGTERM (a worker forked from `cjm` inherited its handler,
    # which raises KeyboardInterrupt): end at once, and the kernel with it.
    signal.signal(signal.SIGTERM, stop_worker)
    _exit_with_parent()
    global _owner
    _owner = f"{owner}-" if owner else ""
    warm_kernel().start()


def stop_worker(signum: int, frame: object) -> None:
    """SIGTERM in a pool worker: kill its kernels (each in a session of its own, which would
    outlive the worker) and remove their socket folders, then end the worker at once."""
    kill_kernels()
    os._exit(128 + signum)


async def end_worker() -> None:
    """End this Dask worker at once with its kernels, as ``stop_worker`` ends a pool worker
    (an interrupted batch's, run there by ``Client.run(end_worker, wait=False)``)."""
    await asyncio.sleep(0.05)  # Client.run's reply goes out first: the scheduler logs no error
    kill_kernels()
    os._exit(128 + signal.SIGTERM)


def kill_kernels() -> None:
    """Kill this process's kernels now and remove their socket folders."""
    for kernel in list(_all):  # no lock: the interrupted thread may hold it
        for km in (kernel.km, kernel.starting):
            if km is not None:
                WarmKernel._kill(km)
                _remove_socket_folder(km)


def _exit_with_parent() -> None:
    """End this worker (and its kernel) when the process that started it is gone: a killed
    `cjm reports` must not leave workers and kernels running for ever."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        close_all()
        os._exit(1)

    threading.Thread(target=watch, name="cjm-parent-watch", daemon=True).start()


def execute(notebook: Path, output: Path, parameters: dict[str, object], timeout: int) -> None:
    """Execute ``notebook`` into ``output`` on this thread's warm kernel."""
    warm_kernel().run(notebook, output, parameters, timeout)
