"""Worker timelines: which worker computes what, and when, in the first events of one seed.

The engine's schedule driver (:class:`ratecheck.engine.schedule.ScheduleDriver`) is run
alone (no iterate, no noise), one arrival time at a time: its horizon in time is set to
the next finish time on the clock, so each call processes the arrivals at that time and
returns. Between calls the clock tells each worker's computation index ``k``, its start
time and whether it is busy; the op stream tells which computation was used (``GRAD`` /
``TGRAD`` w k, with its delay) and when the update came (the ``STEP`` that follows).
A computation ends in one of five ways:

* **applied** — it arrived and its gradient entered an update (delay: server updates
  between its hand-out and that update, :mod:`ratecheck.engine.ops`);
* **buffered** — it arrived and its gradient waits for an update after the window (a batch);
* **discarded** — it arrived (its finish time was reached) and the method dropped it;
* **stopped** — the worker was handed a new point before it finished (Ringmaster's stops);
* **running** — still in flight when the window ends.

Two workers finishing at the same time are both counted as arrived at that time; a
worker stopped at the very time its computation would have finished counts as arrived
(the clock cannot tell them apart between calls, and a schedule with exact ties is the
only case). :func:`fragment_timeline` is what a check report draws
(:func:`ratecheck.report.figures.timeline_figure`).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from .engine.ops import GRAD, STEP, TGRAD
from .engine.schedule import ScheduleDriver

COLUMNS = ("worker", "k", "start", "end", "outcome", "delay", "applied_at")


def worker_timeline(algorithm, model, problem=None, seed: int = 0, events: int = 40) -> pd.DataFrame:
    """The computations of the first ``events`` arrivals (and those started meanwhile) of
    ``algorithm`` on ``model`` (and ``problem``, which may set the work: data-dependent
    models), seed ``seed``: one row per computation with :data:`COLUMNS` (``delay`` and
    ``applied_at`` are −1 and NaN unless applied), sorted by worker and start."""
    drv = ScheduleDriver(algorithm, model, problem, seed)
    c, n = drv.clock, drv.n
    # the computation each worker has open: its k (−1: none), start and finish time
    open_k, open_start, open_end = np.full(n, -1, dtype=np.int64), np.zeros(n), np.zeros(n)
    rows, used, pending = [], {}, []
    arrivals, t, last = 0, 0.0, 0.0
    while arrivals < events and math.isfinite(t):
        last = t
        ops = [_copy(chunk) for chunk in drv.chunks(math.inf, t)]
        _used(ops, used, pending)
        k, pos = np.asarray(c.k[:n]), np.asarray(c.pos[:n])
        busy = pos >= 0
        ended = (open_k >= 0) & ((open_k != k) | ~busy)
        for w in np.flatnonzero(ended):  # only the workers whose computation changed
            arrived = bool(open_end[w] <= t)
            arrivals += arrived
            rows.append((int(w), int(open_k[w]), float(open_start[w]), float(open_end[w]) if arrived else t,
                         "arrived" if arrived else "stopped"))
        open_k[ended] = -1
        new = busy & (open_k < 0)
        open_k[new], open_start[new], open_end[new] = k[new], np.asarray(c.start[:n])[new], np.asarray(c.heap_t)[pos[new]]
        t = float(c.heap_t[0]) if c.size[0] > 0 else math.inf
    waiting = {(w, k) for w, k, _ in pending}
    rows += [(int(w), int(open_k[w]), float(open_start[w]), last, "running") for w in np.flatnonzero(open_k >= 0)
             if open_start[w] < last]
    out = []
    for w, k, s, e, what in rows:
        delay, at = used.get((w, k), (-1, math.nan))
        outcome = what if what != "arrived" else ("applied" if delay >= 0 else "buffered" if (w, k) in waiting else "discarded")
        out.append((w, k, s, e, outcome, delay if outcome == "applied" else -1, at if outcome == "applied" else math.nan))
    return pd.DataFrame(out, columns=list(COLUMNS)).sort_values(["worker", "start"], ignore_index=True)


def _copy(ops) -> dict:
    m = int(ops.size[0])
    return {f: np.array(getattr(ops, f)[:m]) for f in ("kind", "w", "k", "t", "delay")}


def _used(chunks: list[dict], used: dict, pending: list) -> None:
    """Record (worker, k) → (delay, time of the update that applied it) from op chunks;
    ``pending`` keeps the gradients used since the last update (a batch spans arrivals)."""
    for ch in chunks:
        for kind, w, k, t, d in zip(ch["kind"], ch["w"], ch["k"], ch["t"], ch["delay"]):
            if kind in (GRAD, TGRAD):
                pending.append((int(w), int(k), int(d)))
            elif kind == STEP:
                for w_, k_, d_ in pending:
                    used.setdefault((w_, k_), (d_, float(t)))
                pending.clear()


#: Most workers a report's timeline draws (one row each).
MAX_ROWS = 24


def shown_workers(df: pd.DataFrame, rows: int = MAX_ROWS) -> list[int]:
    """The workers a chart of ``df`` (:func:`worker_timeline`) has room for: those with a
    computation that ended in the window (arrived or stopped), then those only running,
    each group by worker index, at most ``rows``."""
    ended = sorted(set(df.loc[df["outcome"] != "running", "worker"].tolist()))
    running = sorted(set(df["worker"].tolist()) - set(ended))
    return (ended + running)[:rows]


def fragment_timeline(fragment: dict, events: int = 40) -> dict | None:
    """The timeline of a check's fragment (:func:`ratecheck.execute.run_fragment`'s input)
    as a JSON-able dict for the report: ``label``, ``method``, ``seed``, ``point``,
    ``events``, ``workers`` (n), ``shown`` (:func:`shown_workers`: with thousands of
    workers, a chart of every one would be unreadable) and ``computations`` (columns of
    :func:`worker_timeline`, of the shown workers). None for a delay-sequence model, which
    has no clock."""
    from .algorithms import ALGORITHMS
    from .asynchrony.base import DelayModel
    from .execute import _build

    problem = _build("problem", json.dumps(fragment["problem"], sort_keys=True))
    model = _build("asynchrony", json.dumps(fragment["asynchrony"], sort_keys=True))
    if isinstance(model, DelayModel):
        return None
    algorithm = ALGORITHMS.get(fragment["method"])(dict(fragment["params"]))
    seed = int(fragment["seed"])
    df = worker_timeline(algorithm, model, problem, seed, events)
    shown = shown_workers(df)
    df = df[df["worker"].isin(shown)]
    meta = fragment.get("meta") or {}
    return {"label": meta.get("algorithm", fragment["method"]), "method": fragment["method"], "seed": seed,
            "point": meta.get("point", {}), "events": events, "workers": int(model.n), "shown": len(shown),
            "computations": {c: df[c].tolist() for c in COLUMNS}}
