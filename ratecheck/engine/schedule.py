"""Drive an algorithm's compiled schedule kernel (:mod:`.loop`), chunk by chunk.

The driver owns the clock's work tables: it draws the work and the sample index of
each worker's computations from that worker's own streams (:mod:`.rng`) in blocks,
refilling between events when the kernel reports ``NEED_WORK``, and hands out the op
stream in chunks of at most :data:`CHUNK` ops, so memory stays bounded whatever the
horizon (the recursion draws each computation's noise as it replays it).
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import SpecError
from . import rng
from .clock import DURATION, RATE, new_clock
from .loop import kernel_for
from .ops import new_ops
from .status import DONE, N_PROGRESS, NEED_WORK, OVERFLOW

#: ops per chunk (about 7 MB of op buffer)
CHUNK = 1 << 17


def _checked(work, count: int, who: str = "") -> np.ndarray:
    """``work`` as float64 of length ``count``, every entry finite and > 0 (else SpecError)."""
    work = np.asarray(work, dtype=np.float64)
    if work.shape != (count,) or not np.all(np.isfinite(work) & (work > 0)):
        bad = work[~(np.isfinite(work) & (work > 0))][:1] if work.ndim == 1 else work
        raise SpecError("asynchrony", f"{who}compute work must be finite and > 0, got {bad}")
    return work


def checking() -> bool:
    """Whether drivers run the checked build of the kernels (``RATECHECK_CHECK_KERNELS`` set
    and not 0, as in the tests): bounds checks, and each event's ops against the room."""
    return os.environ.get("RATECHECK_CHECK_KERNELS", "0") not in ("", "0")


class ScheduleDriver:
    """Generates the op stream of one (algorithm, model, problem, seed); ``checked``
    (default :func:`checking`) runs the checked build of the kernel (:mod:`.loop`)."""

    def __init__(self, algorithm, model, problem, seed: int, streams: rng.WorkerStreams | None = None,
                 checked: bool | None = None):
        self.algorithm = algorithm
        self.kernel = kernel_for(algorithm, checking() if checked is None else checked)
        self.model = model
        self.problem = problem
        self.streams = streams or rng.WorkerStreams(seed)
        n = model.n
        self.n = n
        self.parts = np.arange(n, dtype=np.int64) if problem is not None and problem.n_parts > 1 else np.zeros(n, np.int64)
        if problem is not None and problem.n_parts not in (1, n):
            raise SpecError("asynchrony.n", f"the problem has {problem.n_parts} parts (one per worker) but the model has n = {n} workers")
        # draws kept per worker: wide enough that refills (Python) are rare, ≤ 2²² in all;
        # constant tables (a refill only moves ``base``) ≤ 2¹⁷, so that they stay in cache
        constant = None if problem is not None and problem.n_samples > 0 else model.constant_work()
        self.width = int(np.clip((1 << (22 if constant is None else 17)) // n, 32, 4096))
        if model.kind == "rate":
            breaks, rates, period = model.rate_table()
            self.clock = new_clock(n, self.width, RATE, breaks, rates, period)
        else:
            self.clock = new_clock(n, self.width, DURATION)
        per_event = algorithm.ops_per_event(n)
        cap = max(4 * per_event, CHUNK)
        self.capacity = cap
        self.headroom = per_event
        self.ops = new_ops(cap)
        self.prog = np.zeros(N_PROGRESS, np.int64)
        self.state = algorithm.state_for(model)
        self.prm = algorithm.kernel_params()
        self.constant = self._constant_tables(constant)
        self._fill(np.arange(n))

    # --- work tables ----------------------------------------------------------------
    def _draw(self, w: int, count: int):
        p = self.problem
        if p is not None and p.n_samples > 0:
            samples = p.draw_samples(self.streams.gen(rng.SAMPLE, w), int(self.parts[w]), count)
        else:
            samples = np.full(count, -1, np.int64)
        gen = self.streams.gen(rng.WORK, w) if self.model.random else None
        return _checked(self.model.work(w, gen, samples, p), count, f"worker {w}: "), samples

    def _constant_tables(self, work) -> bool:
        """Fill every table at once when each worker's work is one constant (``work``, the
        fixed model's; None otherwise) and no sample is drawn: the tables never change, a
        refill only moves ``base``."""
        if work is None:
            return False
        self.clock.work[:] = _checked(work, self.n)[:, None]
        self.clock.sample[:] = -1
        return True

    def _fill(self, workers):
        """Refill the given workers' tables, keeping the computation in flight."""
        c = self.clock
        if self.constant:
            c.base[workers] = np.maximum(c.k[workers], 0)
            c.low[0] = 0
            return
        for w in workers:
            w = int(w)
            keep_from = max(int(c.k[w]), 0)
            shift = keep_from - int(c.base[w])
            kept = self.width - shift if c.k[w] >= 0 else 0
            if c.k[w] >= 0:
                c.work[w, :kept] = c.work[w, shift:]
                c.sample[w, :kept] = c.sample[w, shift:]
            c.base[w] = keep_from
            work, samples = self._draw(w, self.width - kept)
            c.work[w, kept:] = work
            c.sample[w, kept:] = samples
        c.low[0] = 0

    def _refill_low(self):
        c = self.clock
        used = c.k - c.base
        self._fill(np.flatnonzero(used + 1 >= self.width // 2))

    # --- op stream ------------------------------------------------------------------
    def chunks(self, max_iter: float, max_time: float):
        """Yield the op buffer repeatedly until the horizon; the caller consumes
        ``ops.size[0]`` ops before asking for the next chunk."""
        lim = np.array([max_iter, max_time], np.float64)
        while True:
            self.ops.size[0] = 0
            while True:
                status = self.kernel(self.clock, self.ops, self.prog, self.state, self.prm, lim, self.capacity,
                                     self.headroom)
                if status == NEED_WORK:
                    self._refill_low()
                    continue
                if status == OVERFLOW:
                    raise RuntimeError(f"{self.algorithm.registry_name}: an event emitted more ops than its "
                                       f"ops_per_event(n = {self.n}) = {self.headroom}")
                break
            yield self.ops
            if status == DONE:
                return

