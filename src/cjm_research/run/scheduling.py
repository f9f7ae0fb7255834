"""The runs of one batch on its executor, and which of them finished.

Persona runs start while the study is coded (``StreamFeed``), the rest once it is
(``run_tasks``), with the side runs (the comparison, the coding log) first and last. An
interrupted batch asks which runs finished (``finished``) once its workers are stopped: those are
recorded as built, the others are built by the next run.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, as_completed

from tqdm import tqdm

from cjm_research.run.notebooks import PersonaTask, RunResult, failed_run

RunPersona = Callable[[PersonaTask], RunResult]


class StreamFeed:
    """Persona runs started while the study is coded, no more at a time than there are workers.

    The others wait here rather than in the executor's queue, so that once coding ends the
    comparison (the longest run, which needs the whole table) goes ahead of them: queued behind
    them, it ran last while the other workers idled.
    """

    def __init__(
        self, executor: Executor, slots: int, run: RunPersona, submitted: dict[str, Future]
    ) -> None:
        self.executor, self.slots, self.run = executor, slots, run
        self.submitted = submitted  # every run started, by persona, for an interrupted batch
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
                try:
                    future = self.executor.submit(self.run, task := self.waiting[0])
                except RuntimeError:  # the pool is shut down or broken (interrupted): stop here
                    self.closed = True
                    return
                del self.waiting[0]
                self.running += 1
                self.started[future], self.submitted[task.persona_id] = task, future
            # Outside the lock: a run already finished calls back at once, on this thread.
            future.add_done_callback(self._finished)

    def _finished(self, future: Future) -> None:
        with self.lock:
            self.running -= 1
        self._fill()


def run_tasks(
    tasks: list[PersonaTask],
    first: dict[str, Callable[[], RunResult]],
    last: dict[str, Callable[[], RunResult]],
    executor: Executor,
    say: Callable[[str], None],
    run: RunPersona,
    started: dict[Future, PersonaTask],
    submitted: dict[str, Future],
) -> tuple[list[RunResult], dict[str, RunResult]]:
    """Persona runs (``run`` of each task), with the side runs (comparison, coding log)
    ``first`` and ``last``, and the persona runs ``started`` already (while the study was
    coded); every run submitted here goes in ``submitted`` (name → future) as it starts."""
    if not tasks and not first and not last and not started:
        return [], {}
    results: list[RunResult] = []
    sides = {name: executor.submit(side) for name, side in first.items()}
    submitted |= sides
    # A live bar on a terminal; tqdm disables itself elsewhere and the log lines remain.
    total = len(tasks) + len(started)
    bar = tqdm(total=total, unit="persona", desc="reports", disable=None, file=sys.stderr)
    try:
        futures = dict(started)
        for task in tasks:
            futures[future := executor.submit(run, task)] = task
            submitted[task.persona_id] = future
        for name, side in last.items():
            sides[name] = submitted[name] = executor.submit(side)
        for done, future in enumerate(as_completed(futures), 1):
            task = futures[future]
            result = result_of(future, task.persona_id)
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
    side_results = {name: result_of(future, name) for name, future in sides.items()}
    for name, result in side_results.items():
        detail = f" — {result.error}" if result.error else ""
        say(f"{name}: {result.status} ({result.seconds:.1f} s){detail}")
    return results, side_results


def result_of(future: Future, name: str) -> RunResult:
    """What ``future``'s run named ``name`` gave, or its failure."""
    try:
        return future.result()
    except Exception as exc:  # a worker that died (killed, out of memory) or a lost cluster
        return failed_run(name, exc)


def finished(futures: dict[str, Future]) -> dict[str, RunResult]:
    """The runs among ``futures`` that ran to their end, built or failed: not those cancelled or
    lost with a stopped worker."""
    return {
        name: future.result()
        for name, future in futures.items()
        if future.done() and not future.cancelled() and future.exception() is None
    }
