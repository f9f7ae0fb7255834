"""Where persona runs execute: local worker processes or a Dask cluster, both as an ``Executor``.

The batch runner only ever calls ``submit`` and waits on futures, so anything implementing
``concurrent.futures.Executor`` works. ``local`` is a process pool whose workers start their warm
kernel as soon as they exist; ``dask`` is
``distributed.Client(address).get_executor()`` — a running cluster's scheduler, or a
``LocalCluster`` started for the run when no address is given.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

from cjm_research.exceptions import CJMInputError
from cjm_research.model import EXECUTORS
from cjm_research.run.kernels import (
    prestart,
    sweep_orphaned_socket_folders,
    sweep_socket_folders,
)


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
    with (
        LocalCluster(
            n_workers=max(1, workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client.get_executor()


@contextmanager
def make_executor(kind: str, workers: int, scheduler: str = "") -> Iterator[Executor]:
    """The executor ``kind`` (``local`` or ``dask``) with ``workers`` workers; shut down after."""
    if kind not in EXECUTORS:
        raise CJMInputError(f"unknown executor {kind!r}", hint=f"choose {' or '.join(EXECUTORS)}")
    if scheduler and kind != "dask":
        raise CJMInputError("--scheduler needs --executor dask", hint="add --executor dask")
    if kind == "dask":
        with dask_executor(workers, scheduler) as executor:
            yield executor
        return
    sweep_orphaned_socket_folders()
    pool = local_executor(workers)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        sweep_socket_folders(str(os.getpid()))
