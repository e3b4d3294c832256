"""The sweep's backends (:mod:`.runner`): each takes units from the queue, has them
computed and yields each finished unit with its results, as runs complete."""

from __future__ import annotations

import logging
import math
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from multiprocessing import get_all_start_methods, get_context
from typing import TYPE_CHECKING, Any

from ..engine.trace import RunResult
from ..errors import SpecError
from .queue import WorkQueue
from .work import Work, error_result, worker_init

if TYPE_CHECKING:
    from .runner import Task

#: What a backend yields per finished unit: its tasks, their results, seconds it took.
Finished = tuple[list["Task"], list[RunResult], float]


def _fragments(unit: list["Task"]) -> list[Mapping[str, Any]]:
    return [t.fragment for t in unit]


def _serial(queue: WorkQueue, work: Work, workers: int, scheduler: str | None) -> Iterator[Finished]:
    while not queue.empty:
        unit = queue.take()
        if unit is None:
            queue.wait()
            continue
        yield unit, *work(_fragments(unit))


def _future_result(fut: Any, n: int) -> tuple[list[RunResult], float]:
    try:
        return fut.result()
    except Exception as exc:  # the worker died (BrokenProcessPool, KilledWorker, …)
        return [error_result(exc) for _ in range(n)], math.nan


def _local(queue: WorkQueue, work: Work, workers: int, scheduler: str | None,
           warm: list[Callable[[], None]] = ()) -> Iterator[Finished]:
    """``warm``: calls the pool runs right after the first unit, before the others (their
    results and errors are nothing to the sweep: :func:`.runner._warm_jobs`)."""
    method = "forkserver" if "forkserver" in get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(workers, mp_context=get_context(method), initializer=worker_init,
                              initargs=(os.getpid(),))
    finished = False
    running: dict[Future, list[Task]] = {}
    try:
        while True:
            while len(running) < 2 * workers and (unit := queue.take()) is not None:
                running[pool.submit(work, _fragments(unit))] = unit
                for job in warm:
                    pool.submit(job)
                warm = ()
            if not running:
                if queue.empty:
                    break
                queue.wait()
                continue
            done, _ = wait(running, timeout=queue.poll_s, return_when=FIRST_COMPLETED)
            for fut in done:
                unit = running.pop(fut)
                yield unit, *_future_result(fut, len(unit))
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:  # interrupted: drop pending runs, stop the running ones now
            procs = list((pool._processes or {}).values())  # no public API before 3.14
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.join(5)


@contextmanager
def _ignoring_ctrl_c() -> Iterator[None]:
    """SIGINT ignored while worker processes start, so they inherit it: Ctrl-C in a
    terminal reaches the whole process group, and only the sweep should handle it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


@contextmanager
def _no_half_started_cluster() -> Iterator[None]:
    """A local cluster interrupted while it starts (Ctrl-C, SIGTERM) is left to the
    process's exit, not to distributed's exit hook, which would try to close it and fail
    with a traceback (its workers never reached a state it knows how to close)."""
    from distributed.deploy.spec import SpecCluster

    before = set(SpecCluster._instances)
    try:
        yield
    except BaseException:
        for half in set(SpecCluster._instances) - before:
            half.shutdown_on_close = False
        raise


def _dask(queue: WorkQueue, work: Work, workers: int, scheduler: str | None) -> Iterator[Finished]:
    from distributed import Client, LocalCluster, wait as dask_wait

    cluster = None
    if scheduler is None:
        # dashboard_address ":0": its HTTP server (always started) takes a free port,
        # not 8787, which another cluster on this machine may hold. Its scheduler and
        # workers log only what is critical: a run that fails is reported by the sweep
        # (its error is stored with the run), and stopping the cluster on Ctrl-C, or its
        # workers' heartbeat errors once a killed check's scheduler is gone, is expected
        with _ignoring_ctrl_c(), _no_half_started_cluster():
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                silence_logs=logging.CRITICAL,
            )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise SpecError("--scheduler", f"cannot connect to {scheduler} ({exc})") from None
    running: dict[Any, list[Task]] = {}
    try:
        while True:
            # no cap on what is in flight: an adaptive cluster scales on its queue
            while (unit := queue.take()) is not None:
                running[client.submit(work, _fragments(unit), pure=False)] = unit
            if not running:
                if queue.empty:
                    break
                queue.wait()
                continue
            try:
                dask_wait(list(running), timeout=queue.poll_s, return_when="FIRST_COMPLETED")
            except TimeoutError:
                pass
            for fut in [f for f in running if f.done()]:
                unit = running.pop(fut)
                done = _future_result(fut, len(unit))
                fut.release()
                yield unit, *done
    finally:
        if running and cluster is None:  # a shared cluster: free it of abandoned runs
            client.cancel(list(running))   # (our own LocalCluster just stops, quietly)
        client.close()
        if cluster is not None:
            cluster.close()


RUNNERS = {"serial": _serial, "local": _local, "dask": _dask, "dask-local": _dask}
