"""Resource guards: work that cannot fit in memory, or would not end, is refused first.

Before a problem, an asynchrony model, a τ profile, a simulation or a PEP is built,
its memory is estimated from its sizes, and before a sweep starts each run's number of
events is estimated from its horizon. Over the limits, the command stops with exit
code 2 and one line naming the field and the estimate, instead of a ``MemoryError``,
the kernel's OOM killer, or a run that goes on for years.

Estimates (main arrays only, measured on the engine; temporaries come on top, hence
the budget of half the memory):

=====================  ========================================================
problem                :data:`COORDINATE_BYTES` per coordinate (x0, x*, spectrum,
                       oracle buffers); a ``dense`` one 24 d² (Q, A and a product)
asynchrony model       :data:`WORKER_BYTES` per worker (times, clock, schedule)
τ profile (cards)      :data:`TAU_BYTES` per worker (sorted τ, rates, H(m), …)
one simulated run      8 d (2n + 20) bytes (an iterate per worker and the
                       gradient tables) plus the model's per-worker state
a local sweep          one run per pool worker at once
PEP                    the interior-point solver's dense block of the Gram
                       matrix: 8 (g(g+1)/2)² bytes for a g × g Gram matrix
events of a run        its horizon: the iterations, or, with a time horizon
                       only, time × Σ_i 1/τ_i (the workers' total rate)
=====================  ========================================================

The memory budget is half of this machine's memory (:func:`memory_budget`, the
cgroup limit where one is set); the event ceiling is ``--max-events``
(:data:`MAX_EVENTS` by default, about 10 hours of one core at 3 M events/s).
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from .errors import SpecError

COORDINATE_BYTES = 128
WORKER_BYTES = 640
TAU_BYTES = 64
#: Default ceiling on the events (server updates) of one run (``--max-events``).
MAX_EVENTS = 1e11
#: Share of the machine's memory a command may plan to use.
MEMORY_SHARE = 0.5


def machine_memory() -> float:
    """Bytes of memory this process may use: physical memory, or the cgroup limit if lower."""
    try:
        total = float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # no sysconf (Windows): assume 16 GiB
        total = 16.0 * 2**30
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, float(text))
    return total


def memory_budget() -> float:
    """What one command may plan to allocate: :data:`MEMORY_SHARE` of :func:`machine_memory`."""
    return MEMORY_SHARE * machine_memory()


def _bytes(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} bytes"


def count(v) -> str:
    """A size as typed, shortened when huge (``1e+300``, not 301 digits)."""
    return f"{v:.3g}" if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) >= 1e15 else str(v)


def check_memory(field: str, nbytes: float, what: str) -> None:
    """Refuse ``what`` (e.g. "a problem with d = 1e8") if it needs more than the budget."""
    budget = memory_budget()
    if not nbytes <= budget:
        raise SpecError(field, f"{what} needs about {_bytes(nbytes)} of memory, more than the "
                               f"{_bytes(budget)} this command may use (half of this machine's {_bytes(machine_memory())})")


def check_events(field: str, events: float, ceiling: float, what: str) -> None:
    """Refuse a run whose horizon means more than ``ceiling`` events."""
    if not events <= ceiling:
        raise SpecError(field, f"{what} runs to about {events:.3g} events, over the ceiling of {ceiling:.3g} "
                               "(lower the horizon or raise ε; or raise --max-events)")


def max_events_option(text: str) -> float:
    """The value of ``--max-events``: a number ≥ 1."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not v >= 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text!r}")
    return v


def check_pool(run_bytes: list[float], runs: int, sweep: dict) -> None:
    """Refuse a local sweep (``sweep``: the ``run_tasks`` options) whose concurrent runs,
    one per pool worker, cannot fit together; ``run_bytes``: each instance's run memory."""
    backend = sweep.get("backend", "local")
    workers = min(sweep.get("workers") or os.cpu_count() or 1, runs)
    if backend in ("local", "dask-local") and workers > 1:
        check_memory("--workers", workers * max(run_bytes),
                     f"{workers} runs at once (one per worker of --backend {backend})")


def problem_bytes(spec: dict) -> float:
    """Memory of a problem with ``d`` coordinates (0 when the spec has no integer ``d``)."""
    d = _size(spec.get("d"))
    return 24.0 * d * d if spec.get("dense") is True else COORDINATE_BYTES * d


def simulation_bytes(d: int, n: int) -> float:
    """Memory of one simulated run with ``n`` workers on ``d`` coordinates."""
    return 8.0 * d * (2.0 * n + 20.0) + WORKER_BYTES * n


def pep_bytes(gram_dim: int) -> float:
    """Memory of the PEP's semidefinite program over a ``gram_dim`` × ``gram_dim`` Gram matrix."""
    m = gram_dim * (gram_dim + 1) / 2.0
    return 8.0 * m * m


def horizon_events(iterations: float, time: float, model) -> float | None:
    """Events of a run stopped at ``iterations`` or ``time``, whichever comes first
    (None when only a time is set and the model has no compute times to rate it)."""
    stats = model.statistics() if hasattr(model, "statistics") else {}
    rate = stats["n"] / stats["H"][-1] if stats.get("H") else math.nan  # Σ_i 1/τ_i = n / H_n
    events = min(iterations, time * rate) if math.isfinite(time * rate) else iterations
    return events if math.isfinite(events) else None


def _size(value) -> float:
    """An integer size as a float (0 for anything else: the validators report it)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return 0.0
    return float(value) if float(value).is_integer() and value > 0 else 0.0


def check_problem(spec: dict, field: str = "problem") -> None:
    """Refuse a problem spec whose arrays cannot fit (before it is built)."""
    check_memory(f"{field}.d", problem_bytes(spec), f"a problem with d = {count(spec.get('d'))}")


def check_workers(spec: dict, field: str = "asynchrony") -> None:
    """Refuse an asynchrony spec whose per-worker state cannot fit (before it is built)."""
    n = _size(spec.get("n"))
    check_memory(f"{field}.n", WORKER_BYTES * n, f"an asynchrony model with n = {count(spec.get('n'))} workers")
