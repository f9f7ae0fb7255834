"""run.scheduling: persona runs started while the study is coded, and which runs finished."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from cjm_research.run.notebooks import PersonaTask
from cjm_research.run.scheduling import StreamFeed


def test_the_stream_feed_starts_no_more_runs_than_workers_and_hands_back_the_rest():
    release, ran = threading.Event(), []

    def run_persona(task):
        release.wait(10)
        ran.append(task.persona_id)

    tasks = [PersonaTask(f"p{n}", f"p{n}", "s", "t", "o") for n in range(4)]
    submitted = {}
    with ThreadPoolExecutor(4) as pool:
        feed = StreamFeed(pool, 2, run_persona, submitted)
        for task in tasks[:3]:
            feed.offer(task)
        assert len(feed.started) == 2 and [t.persona_id for t in feed.waiting] == ["p2"]
        release.set()  # a run ends: the waiting task takes its worker
        for _ in range(500):
            if len(ran) == 3:
                break
            time.sleep(0.01)
        started, waiting = feed.close()
        feed.offer(tasks[3])  # after coding: kept for the batch to submit, not started
        assert sorted(t.persona_id for t in started.values()) == ["p0", "p1", "p2"]
        assert waiting == [] and len(feed.started) == 3
        assert sorted(submitted) == ["p0", "p1", "p2"]


def test_a_stopped_pool_starts_nothing_more_and_only_runs_that_ended_count_as_finished():
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from cjm_research.run.notebooks import RunResult
    from cjm_research.run.scheduling import finished

    pool = ThreadPoolExecutor(1)
    pool.shutdown()  # as an interrupted batch's pool is, while coding still offers runs
    feed = StreamFeed(pool, 1, lambda task: None, {})
    feed.offer(PersonaTask("p0", "p0", "s", "t", "o"))
    assert feed.closed and not feed.started
    built, lost, cancelled, running = Future(), Future(), Future(), Future()
    built.set_result(RunResult("a", "ok", 1.0))
    lost.set_exception(BrokenProcessPool("a worker was stopped"))
    cancelled.cancel()
    runs = {"a": built, "b": lost, "c": cancelled, "d": running}
    assert finished(runs) == {"a": built.result()}
