"""Where persona runs execute: local worker processes or a Dask cluster, both as an ``Executor``.

The batch runner only ever calls ``submit`` and waits on futures, so anything implementing
``concurrent.futures.Executor`` works. A small registry names them for ``--executor``: a factory
``(workers, scheduler) -> context manager yielding an Executor`` (shut down when it exits).
``local`` is a process pool whose workers start their warm kernel as soon as they exist; ``dask``
is ``distributed.Client(address).get_executor()`` — a running cluster's scheduler, or a
``LocalCluster`` started for the run when no address is given.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from multiprocessing import resource_tracker

from cjm_research.exceptions import CJMInputError
from cjm_research.run.kernels import (
    end_worker,
    prestart,
    sweep_orphaned_socket_folders,
    sweep_socket_folders,
)

ExecutorFactory = Callable[[int, str], AbstractContextManager[Executor]]
_EXECUTORS: dict[str, ExecutorFactory] = {}
_SCHEDULED: set[str] = set()  # executors that take a ``scheduler`` address


def register_executor(name: str, factory: ExecutorFactory, *, scheduler: bool = False) -> None:
    """Make an executor available by ``name`` (``cjm reports --executor NAME`` offers the names in
    ``model.EXECUTORS``). ``factory(workers, scheduler)`` is a context manager yielding the
    ``Executor`` and shutting it down on exit; ``scheduler``: it takes a scheduler address."""
    _EXECUTORS[name] = factory
    if scheduler:
        _SCHEDULED.add(name)


def executors() -> list[str]:
    """Names of the registered executors."""
    return sorted(_EXECUTORS)


def local_executor(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers each start a warm kernel at once (``kernels.prestart``),
    their socket folders marked as this process's."""
    return ProcessPoolExecutor(
        max_workers=max(1, workers), initializer=prestart, initargs=(str(os.getpid()),)
    )


@contextmanager
def dask_executor(workers: int, scheduler: str = "") -> Iterator[Executor]:
    """An executor on the Dask scheduler at ``scheduler``, or on a new local cluster.

    Workers must see the study and the reports folder at the same paths as this machine (a shared
    filesystem): tasks carry paths, and each worker writes its persona's reports in place.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise CJMInputError(
            "--executor dask needs the dask extra",
            hint="pip install 'cjm-research[dask]' (dask[distributed])",
        ) from None
    if scheduler:
        with Client(scheduler) as client:
            yield client.get_executor()
        return
    # One thread per worker process: a persona run is CPU bound and holds one kernel.
    with _sigint_held():  # the cluster's processes and threads are started blind to Ctrl-C
        cluster = LocalCluster(
            n_workers=max(1, workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        )
    with cluster, Client(cluster) as client:
        try:
            yield client.get_executor()
        except KeyboardInterrupt:
            # Interrupted means now, as on the local pool: the reports being built stop with
            # their kernels (closing the cluster would let them run on, then orphan the kernels).
            with contextlib.suppress(Exception):
                client.run(end_worker, wait=False)
            raise


@contextmanager
def _sigint_held() -> Iterator[None]:
    """SIGINT blocked in this thread while the block runs, then delivered if it came.

    What starts meanwhile inherits the blocked signal for good: the cluster's event loop thread
    and, from it, the Dask worker processes (which Ctrl-C in a terminal would reach too, each
    printing a ``CancelledError`` traceback). Ctrl-C then reaches only ``cjm``, which closes the
    cluster, as the local executor's workers ignore it.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    # Started later (by the first worker process), multiprocessing's resource tracker would
    # unblock SIGINT in the thread that starts it: the cluster's, which starts the workers.
    resource_tracker.ensure_running()
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextmanager
def local_pool(workers: int, scheduler: str = "") -> Iterator[Executor]:
    """The ``local`` executor: a :func:`local_executor` pool, its workers' kernel socket folders
    swept when it shuts down (and a killed run's before it starts). ``scheduler`` is unused."""
    sweep_orphaned_socket_folders()
    pool = local_executor(workers)
    try:
        yield pool
    except KeyboardInterrupt:
        stop_workers(pool)  # not after the reports they are building: interrupted means now
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        sweep_socket_folders(str(os.getpid()))


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """End ``pool``'s workers now and wait until they are gone; each kills its kernel first
    (``kernels.stop_worker``). A report a worker was building keeps its previous version."""
    # ProcessPoolExecutor has no public way to do this before Python 3.14 (terminate_workers).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=30)


register_executor("local", local_pool)
register_executor("dask", dask_executor, scheduler=True)


@contextmanager
def make_executor(kind: str, workers: int, scheduler: str = "") -> Iterator[Executor]:
    """The registered executor ``kind`` (``local``, ``dask``) with ``workers`` workers; shut down
    after."""
    try:
        factory = _EXECUTORS[kind]
    except KeyError:
        raise CJMInputError(
            f"unknown executor {kind!r}", hint=f"choose {' or '.join(_EXECUTORS)}"
        ) from None
    if scheduler and kind not in _SCHEDULED:
        needs = " or ".join(f"--executor {name}" for name in sorted(_SCHEDULED))
        raise CJMInputError(f"--scheduler needs {needs}", hint=f"add {needs}")
    with factory(workers, scheduler) as executor:
        yield executor
