"""Observed complexity: how long each seed took to bring the bounded statistic to ε.

The measures of "how long" and where a run stores them:

==============  ===================  ==================  =========================
measure         column of ``hits``   ``final`` key       checkpoint column
==============  ===================  ==================  =========================
``iterations``  0                    ``iteration``       ``iteration``
``time``        1 (virtual seconds)  ``time``            ``time``
``computed``    2 (gradients)        ``computed``        ``computed``
``worker_time`` 3 (worker seconds)   ``worker_time``     —
==============  ===================  ==================  =========================

Worker time is ∫_0^t (number of busy workers): what a run costs in compute, stopped
and discarded computations included (ATA, Maranjyan et al. 2025, "total worker time").

A run is *censored* when it never reached the target: it ended first (hit is NaN; the
true value exceeds ``final[measure]``, its censoring value), it ``diverged`` (censored
at +∞: it never gets there), or it errored (censoring value NaN: nothing is known).
The hits of a diverged or errored run are not trusted (DESIGN.md). Censored seeds are never dropped: summaries treat
them as ``+inf``, which is exact for the median as long as fewer than half are
censored and conservative otherwise; the mean is then only a lower bound.

**Which average.** The trace's running statistics at iteration k are over
x_0, …, x_k, e.g. ``avg_grad_sq`` A_k = (1/(k+1)) Σ_{j≤k} ‖∇f(x_j)‖² (a card's
``statistic_range = "0..K"``). A card with ``"0..K-1"`` bounds
S_K = (1/K) Σ_{k<K} ‖∇f(x_k)‖² = A_{K−1} (e.g. Rennala SGD, Tyurin & Richtárik 2023,
Thm 4), so its first K with S_K ≤ ε is the trace's first hit plus one (``shift = 1``).
Its time (or gradient count) is that of iteration K, read from the checkpoints when K
is a checkpoint iteration (always for K ≤ 21, the dense start of the grid); otherwise
the hit's own value is kept, which is early by less than one iteration's duration.
At a checkpoint k ≥ 1 the card's average itself is exact:
S_k = ((k+1) A_k − ‖∇f(x_k)‖²)/k (:func:`value_at`).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from ..engine.trace import RunResult
from . import stats

#: measure → (hits column, ``final``/checkpoint key, unit for people).
MEASURES = {
    "iterations": (0, "iteration", "iterations"),
    "time": (1, "time", "virtual seconds"),
    "computed": (2, "computed", "gradients computed"),
    "worker_time": (3, "worker_time", "worker seconds"),
}


def point_key(point: dict) -> str:
    """The key of a sweep point in ``predictions``: ``json.dumps(point, sort_keys=True)``."""
    return json.dumps(point, sort_keys=True)


#: Statistics that average (or minimise) over the iterates so far: a card's
#: ``statistic_range`` says over which.
RUNNING = ("avg_grad_sq", "min_grad_sq", "fgap_avg")


def shifted_hit(run: RunResult, statistic: str, target: float, measure: str, shift: int) -> float:
    """The first hit in ``measure``, one iteration later for a ``"0..K-1"`` card (module doc)."""
    hit = run.hit(statistic, target)
    if not shift or math.isnan(hit[0]):
        return hit[MEASURES[measure][0]]
    k = hit[0] + shift
    if measure == "iterations":
        return k
    key = MEASURES[measure][1]
    grid = np.asarray(run.checkpoints.get("iteration", ()), dtype=float)
    j = np.flatnonzero(grid == k)
    return float(run.checkpoints[key][j[0]]) if j.size and key in run.checkpoints else hit[MEASURES[measure][0]]


def seed_values(runs: list[RunResult], statistic: str, target: float, measure: str, shift: int = 0):
    """Per-seed (seeds, values, censored, statuses) of the first ``statistic ≤ target``.

    Seeds come sorted. ``values`` holds the hit where there is one and the censoring
    value ``final[measure]`` (NaN when unknown) where the seed is censored. ``shift = 1``
    counts for a card whose average runs over k = 0..K−1 (module docstring).
    """
    _, key, _ = MEASURES[measure]
    runs = sorted(runs, key=lambda r: (r.meta.get("seed") is None, r.meta.get("seed")))
    seeds, values, censored, statuses = [], [], [], []
    for r in runs:
        hit = shifted_hit(r, statistic, target, measure, shift) if r.status == "ok" and statistic in r.hits else math.nan
        cens = math.isnan(hit)
        seeds.append(r.meta.get("seed"))
        statuses.append(r.status)
        censored.append(cens)
        if not cens:
            values.append(hit)
        elif r.status == "diverged":  # it never reaches ε: censored at +∞
            values.append(math.inf)
        elif r.status == "error":  # nothing is known
            values.append(math.nan)
        else:  # ended first: the true value exceeds where it ended
            values.append(float(r.final.get(key, math.nan)))
    return seeds, np.asarray(values, dtype=float), np.asarray(censored, dtype=bool), statuses


def as_upper_open(values: np.ndarray, censored: np.ndarray) -> np.ndarray:
    """Values with the censored seeds at ``+inf`` (what summaries and tests use)."""
    return np.where(censored, np.inf, values)


def observed_complexity(
    runs: list[RunResult],
    statistic: str,
    target: float,
    measure: str,
    *,
    level: float = 0.95,
    rng: np.random.Generator | None = None,
    shift: int = 0,
) -> dict[str, Any]:
    """Per-seed complexity to ``target`` with censoring flags and bootstrap summaries.

    Parameters
    ----------
    runs : the seeds of one algorithm at one sweep point.
    statistic : a name of :data:`ratecheck.engine.trace.STATISTICS`.
    target : ε (must be one of the runs' ``targets``).
    measure : ``"iterations"``, ``"time"`` or ``"computed"``.
    level : two-sided confidence level of the intervals.
    rng : generator of the bootstrap (default: seeded with 0, so results repeat).
    shift : 1 for a card whose average runs over k = 0..K−1 (module docstring).

    Returns
    -------
    dict with ``seeds``, ``values`` (hit or censoring value), ``censored``,
    ``statuses``, ``n``, ``n_censored``, ``median`` ``{value, ci, coverage}`` (censored =
    +inf; the exact order-statistic interval of :func:`~.stats.median_interval`),
    ``mean`` ``{value, ci, lower_bound}`` (with censoring: the mean of the known
    values, a lower bound, and no interval), ``unit``.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {sorted(MEASURES)}, got {measure!r}")
    rng = np.random.default_rng(0) if rng is None else rng
    seeds, values, censored, statuses = seed_values(runs, statistic, target, measure, shift)
    n = values.size
    open_values = as_upper_open(values, censored)
    out: dict[str, Any] = {
        "statistic": statistic,
        "target": float(target),
        "measure": measure,
        "unit": MEASURES[measure][2],
        "seeds": seeds,
        "values": values.tolist(),
        "censored": censored.tolist(),
        "statuses": statuses,
        "n": n,
        "n_censored": int(censored.sum()),
    }
    if n == 0:
        out["median"] = {"value": math.nan, "ci": [math.nan, math.nan]}
        out["mean"] = {"value": math.nan, "ci": None, "lower_bound": False}
        return out
    lo, hi, cover = stats.median_interval(open_values, level)
    out["median"] = {"value": float(stats.median(open_values)), "ci": [lo, hi], "coverage": cover}
    if censored.any():
        known = np.where(censored, 0.0, values)  # censored seeds at 0: a lower bound of the mean
        out["mean"] = {"value": float(known.mean()), "ci": None, "lower_bound": True}
    else:
        mboot = stats.bootstrap(values, np.mean, rng)
        out["mean"] = {"value": float(values.mean()), "ci": list(stats.percentile_interval(mboot, level)), "lower_bound": False}
    return out


def value_at(run: RunResult, statistic: str, measure: str, at: float, shift: int = 0) -> tuple[float, float, str]:
    """The statistic at the first checkpoint whose ``measure`` is ≥ ``at``.

    With ``shift = 1`` (a ``"0..K-1"`` card) ``avg_grad_sq`` at checkpoint k ≥ 1 is the
    card's S_k = ((k+1) A_k − ‖∇f(x_k)‖²)/k; the other running statistics at k are
    the card's at K = k + 1, also past the bound.

    Returns ``(value, checkpoint measure, state)`` with ``state``:

    * ``"ok"``: the value is known;
    * ``"failed"``: the run diverged or errored: value ``+inf``, it counts against a
      bound (a diverged iterate makes every later statistic infinite);
    * ``"short"``: the run ended before ``at``: value unknown (NaN), only known ≥ 0.
    """
    key = MEASURES[measure][1]
    grid = np.asarray(run.checkpoints.get(key, ()), dtype=float)
    curve = np.asarray(run.checkpoints.get(statistic, ()), dtype=float)
    if run.status != "ok" or grid.size == 0 or curve.size != grid.size:
        return math.inf, math.nan, "failed"
    j = int(np.searchsorted(grid, at, side="left"))
    if j >= grid.size:
        return math.nan, math.nan, "short"
    if not math.isfinite(curve[j]):
        return math.inf, float(grid[j]), "failed"
    value = float(curve[j])
    k = float(run.checkpoints["iteration"][j]) if "iteration" in run.checkpoints else 0.0
    if shift and statistic == "avg_grad_sq" and k >= 1 and "grad_sq" in run.checkpoints:
        value = max(0.0, ((k + 1) * value - float(run.checkpoints["grad_sq"][j])) / k)
    return value, float(grid[j]), "ok"
