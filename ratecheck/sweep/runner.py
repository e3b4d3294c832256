"""Run a list of tasks through a backend, reusing and filling the results store.

A :class:`Task` is ``(key, fragment)``; ``execute(fragment) -> RunResult`` is a
picklable top-level function (e.g. ``ratecheck.execute.run_fragment``) whose result
depends on the fragment only, so every backend gives bit-identical results.

Semantics of :func:`run_tasks`:

* a stored ``ok`` or ``diverged`` run is reused; ``force`` recomputes and overwrites;
  ``no_cache`` neither reads nor writes the store;
* each finished run is written by the parent process (the one writer), in its own
  transaction, as soon as it finishes, so a sweep killed at any moment — SIGKILL
  included — and restarted computes only the runs not yet stored;
* an exception inside ``execute`` becomes ``RunResult(status="error", reason=<one
  line>)`` that keeps the run's seed, method, parameters and labels, is recorded,
  never reused, and the sweep goes on;
* Ctrl-C cancels the pending runs, stops the workers, keeps everything stored and
  returns a :class:`SweepOutcome` with ``interrupted=True`` (a run finishing while it
  is being stored is stored first: SIGINT and SIGTERM wait for the transaction);
* with a store, every run is claimed (a lease in the store) before it starts, and a
  run another sweep is computing is waited for, not recomputed (:mod:`.queue`); the
  local pool is fed as workers free up (at most two runs per worker in flight), so
  concurrent sweeps split the work;
* the pending runs are started round-robin over their ``method`` (:func:`_interleaved`),
  so that on a cold cache the workers compile different methods' kernels at once; with
  ``warm`` (a picklable ``warm(fragment)``, e.g. :func:`ratecheck.execute.compile_schedule`)
  the local pool runs it, after the first unit, for the first fragment of every other
  method (:func:`_warm_jobs`): the second worker compiles the other methods' kernels
  while the first compiles what every run shares (the replay), instead of compiling
  it too;
* with a :class:`Batching`, pending runs with one batch key are a *unit*, computed by one
  call in one worker (e.g. a stepsize grid on one schedule) and still claimed, stored,
  reused and counted one by one; an exception in that call makes every run of the unit
  an ``error``. :attr:`SweepOutcome.simulated` counts the trajectories computed.

Backends (:mod:`.backends`; benchopt's joblib/dask split, software-anchors.md §2, in
``concurrent.futures`` / ``distributed`` terms; what runs in their workers: :mod:`.work`):

``serial``      in this process, in order;
``local``       a ``ProcessPoolExecutor`` (forkserver context where the platform has it,
                else spawn) with ``workers`` processes, default ``os.cpu_count()``;
``dask``        an existing Dask scheduler at ``scheduler`` (``tcp://host:port``), e.g.
                the one of a dask-jobqueue ``SLURMCluster`` (see :mod:`.options`);
``dask-local``  a ``distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                processes=True)`` started and stopped around the sweep.

With the process backends ``execute`` must be importable in the workers (defined at
module level, and scripts need the ``if __name__ == "__main__":`` guard).
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

from tqdm import tqdm

from ..engine.trace import RunResult
from ..errors import SpecError
from .backends import RUNNERS
from .database import LEASE_S
from .keys import run_key
from .queue import WorkQueue
from .store import ResultStore, roundtrip
from .work import Execute, call_unit, error_result, identity

BACKENDS = ("serial", "local", "dask", "dask-local")



class Batching(NamedTuple):
    """Runs computed together: fragments with one ``key(fragment)`` are computed by one
    ``run(fragments) -> results`` call (picklable top-level functions, each result exactly
    what ``execute`` gives its fragment alone), and ``trajectory(fragment)`` tells which
    of them are one simulated trajectory (e.g. :mod:`ratecheck.execute`)."""

    key: Callable[[Mapping[str, Any]], Any]
    run: Callable[[list[dict[str, Any]]], list[RunResult]]
    trajectory: Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Task:
    """One run to do: its key and the fragment that determines it."""

    key: str
    fragment: Mapping[str, Any]

    @classmethod
    def of(cls, fragment: Mapping[str, Any]) -> "Task":
        """The task of a fragment, keyed by :func:`~ratecheck.sweep.keys.run_key`."""
        return cls(run_key(fragment), fragment)


@dataclass
class SweepOutcome:
    """What a sweep produced: every available result, keyed by run key, in task order."""

    results: dict[str, RunResult] = field(default_factory=dict)
    total: int = 0
    simulated: int = 0
    computed: int = 0
    reused: int = 0
    failed: int = 0
    diverged: int = 0
    corrupted: int = 0
    interrupted: bool = False
    seconds: float = 0.0

    def then(self, other: "SweepOutcome") -> "SweepOutcome":
        """This sweep followed by ``other``: their results and counts together."""
        both = SweepOutcome(results={**self.results, **other.results}, interrupted=self.interrupted or other.interrupted)
        for name in ("total", "simulated", "computed", "reused", "failed", "diverged", "corrupted", "seconds"):
            setattr(both, name, getattr(self, name) + getattr(other, name))
        return both

    def summary(self) -> str:
        """One line: ``S simulated for N runs, M reused, K failed`` (S trajectories
        simulated for the N runs computed) and what else happened."""
        line = f"{self.simulated} simulated for {self.computed} runs, {self.reused} reused, {self.failed} failed"
        extra = []
        if self.diverged:
            extra.append(f"{self.diverged} of the computed diverged")
        if self.corrupted:
            extra.append(f"{self.corrupted} corrupt cache entries discarded and recomputed")
        if self.interrupted:
            extra.append(f"interrupted: {self.total - len(self.results)} of {self.total} runs not done")
        return line + "".join(f"; {e}" for e in extra) + f" ({self.seconds:.1f} s)"


# --- the sweep -------------------------------------------------------------------------
def check_options(
    backend: str, workers: int | None, scheduler: str | None, force: bool, no_cache: bool
) -> int:
    """Validate a backend choice (SpecError naming the CLI option); return the worker count."""
    if backend not in BACKENDS:
        raise SpecError("--backend", f"must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if workers is not None:
        if backend in ("serial", "dask"):
            raise SpecError("--workers", f"does not apply to --backend {backend}"
                            + (" (the cluster decides)" if backend == "dask" else ""))
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise SpecError("--workers", f"must be a positive integer, got {workers!r}")
    if backend == "dask" and not scheduler:
        raise SpecError("--scheduler", "--backend dask needs a scheduler address, e.g. tcp://host:8786")
    if backend != "dask" and scheduler:
        raise SpecError("--scheduler", "only applies to --backend dask")
    if force and no_cache:
        raise SpecError("--force", "--force (recompute and overwrite) excludes --no-cache")
    return workers or os.cpu_count() or 1


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM held back (main thread) until the block ends: a finished run
    being stored is stored whole before Ctrl-C stops the sweep."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _unique(tasks: Iterable[Task | tuple[str, Mapping[str, Any]]]) -> list[Task]:
    seen: dict[str, Task] = {}
    for t in tasks:
        task = t if isinstance(t, Task) else Task(*t)
        seen.setdefault(task.key, task)
    return list(seen.values())


def _units(tasks: list[Task], batch: Batching | None) -> list[list[Task]]:
    """The tasks grouped by ``batch.key`` (first-seen order), each alone without a batching."""
    if batch is None:
        return [[t] for t in tasks]
    units: dict[Any, list[Task]] = {}
    for t in tasks:
        units.setdefault(batch.key(t.fragment), []).append(t)
    return list(units.values())


def _interleaved(units: list[list[Task]]) -> list[list[Task]]:
    """The units in round-robin order over their ``fragment["method"]`` (first-seen order
    of the methods; the order within a method is kept)."""
    groups: dict[Any, list[list[Task]]] = {}
    for u in units:
        groups.setdefault(u[0].fragment.get("method"), []).append(u)
    queues = list(groups.values())
    return [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]


def _warm_jobs(units: list[list[Task]], warm: Callable[[dict[str, Any]], None]) -> list[Callable[[], None]]:
    """``warm`` of the first fragment of each method after the first unit's, in the order the
    units start (:func:`_interleaved`)."""
    firsts: dict[Any, Mapping[str, Any]] = {}
    for u in units:
        firsts.setdefault(u[0].fragment.get("method"), u[0].fragment)
    return [partial(warm, dict(f)) for f in list(firsts.values())[1:]]


def run_tasks(
    tasks: Iterable[Task | tuple[str, Mapping[str, Any]]],
    execute: Execute,
    store: ResultStore | None,
    *,
    backend: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    no_cache: bool = False,
    progress: bool = True,
    lease_s: float = LEASE_S,
    batch: Batching | None = None,
    warm: Callable[[dict[str, Any]], None] | None = None,
) -> SweepOutcome:
    """Run every task not already stored; return all results (module docstring).

    Tasks with the same key are run once. ``store=None`` behaves as ``no_cache``.
    ``lease_s``: how long a claimed run stays another sweep's without renewal.
    ``batch``: which runs are computed together (:class:`Batching`; None: each alone).
    ``warm``: what the local pool's second worker may compile first (module docstring).
    """
    n_workers = check_options(backend, workers, scheduler, force, no_cache)
    tasks = _unique(tasks)
    work = partial(call_unit, execute=execute, run=batch.run if batch is not None else None)
    if backend != "serial":
        try:
            pickle.dumps(work)
        except Exception as exc:
            raise TypeError(f"execute must be a picklable top-level function for "
                            f"--backend {backend} ({exc})") from None
    use_store = store is not None and not no_cache
    corrupt_before = len(store.corrupted) if store is not None else 0
    out = SweepOutcome(total=len(tasks))
    start = time.perf_counter()

    def keep(task: Task, result: RunResult, elapsed: float) -> RunResult:
        if result.status == "error":  # keep the failed run's label, point, seed, parameters
            result.meta = {**identity(task.fragment), **result.meta}
        try:
            if use_store:
                return store.put(task.key, task.fragment, result, elapsed)
            return roundtrip(result)
        except (TypeError, ValueError) as exc:  # execute returned something unstorable
            return keep(task, error_result(exc), elapsed)

    def reused(task: Task, result: RunResult) -> None:  # stored meanwhile by another sweep
        done[task.key] = result
        out.reused += 1
        bar.update(1)

    done: dict[str, RunResult] = {}
    bar = heartbeat = None
    try:
        todo = []
        for task in tasks:
            hit = store.cached(task.key) if use_store and not force else None
            if hit is None:
                todo.append(task)
            else:
                done[task.key] = hit
        out.reused = len(done)
        todo = _interleaved(_units(todo, batch))
        bar = tqdm(total=len(tasks), initial=out.reused, disable=not progress, unit="run",
                   desc="sweep", dynamic_ncols=True)
        queue = WorkQueue(todo, store if use_store else None, force=force, lease_s=lease_s, on_reuse=reused)
        if use_store and todo:
            heartbeat = store.heartbeat(queue.owner, lease_s)
        runner = RUNNERS[backend if todo else "serial"]  # nothing to do: start no pool
        if backend == "local" and todo and warm is not None and n_workers > 1:
            runner = partial(runner, warm=_warm_jobs(todo, warm))
        with closing(runner(queue, work, n_workers, scheduler)) as finished:
            for unit, results, elapsed in finished:
                with _signals_deferred():  # stored and counted whole, or not at all
                    for task, result in zip(unit, results):
                        result = keep(task, result, elapsed / len(unit))
                        done[task.key] = result
                        out.computed += 1
                        out.failed += result.status == "error"
                        out.diverged += result.status == "diverged"
                    out.simulated += len(unit) if batch is None else len({batch.trajectory(t.fragment) for t in unit})
                bar.set_postfix(failed=out.failed, refresh=False)
                bar.update(len(unit))
    except KeyboardInterrupt:
        out.interrupted = True
    finally:
        if heartbeat is not None:
            heartbeat.stop()  # and release the leases of abandoned runs
        if bar is not None:
            bar.close()
    out.results = {t.key: done[t.key] for t in tasks if t.key in done}
    out.corrupted = (len(store.corrupted) if store is not None else 0) - corrupt_before
    out.seconds = time.perf_counter() - start
    return out
