"""The statistics of the iterates as they are computed: running values, exact first
hits, checkpoint rows, and where a member diverged.

One home for the bookkeeping of every engine path: the replay of an op stream
(:mod:`.replay`, B members at once) and the delay-sequence loop (:mod:`.delayed`, one
member) call the same compiled functions, the numpy replay calls them from Python.
For x_k (k = ``it``) with f = f(x_k), ‖∇f(x_k)‖² and ‖x_k − x*‖² (:data:`~.trace.STATISTICS`):

* :func:`note` keeps Σ_{j≤k} ‖∇f(x_j)‖² and min_{j≤k} ‖∇f(x_j)‖² and writes the
  statistics of member b into ``LV[b]`` (``fgap_avg``, which needs f(x̄_k), is the
  caller's);
* :func:`hits` records, for each tracked statistic and each target ε (descending), the
  first k at which it is ≤ ε: (iteration, time, gradients computed);
* :func:`checkpoint` writes a row of :data:`~.trace.CHECKPOINT_FIELDS` when k is the
  next iteration of the geometric grid (:func:`due`);
* :func:`diverge` records where and why a member diverged (:mod:`.divergence`).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from .._jit import njit

from .trace import CHECKPOINT_FIELDS, STATISTICS

N_STATS = len(STATISTICS)
FGAP_AVG = STATISTICS.index("fgap_avg")

Tally = namedtuple("Tally", "LV sumgsq mingsq targets track H hp grid CK ckpt")
Tally.__doc__ = ("Statistics of B members: current values LV (B, statistics), Σ and min of ‖∇f‖² (B), the "
                 "targets ε (descending) and which statistics get hits (track, statistics), hits H (B, statistics, "
                 "targets, 3) with the next target of each hp (B, statistics), the checkpoint grid, its rows "
                 "CK (B, grid, fields) and the next row ckpt (1).")

Diverged = namedtuple("Diverged", "cause iteration time computed fgap gsq dsq")
Diverged.__doc__ = ("Where each of B members diverged: the cause code of :mod:`.divergence` (0: it did not), "
                    "the iteration, virtual time and gradients computed there, and f − f*, ‖∇f‖², ‖x − x*‖² there.")


def new_tally(B: int, targets: np.ndarray, grid: np.ndarray, track=None) -> Tally:
    """A tally for B members; ``track`` (one flag per statistic) defaults to all."""
    T, S = targets.size, N_STATS
    track = np.ones(S, np.int64) if track is None else np.asarray(track, np.int64)
    return Tally(np.full((B, S), np.nan), np.zeros(B), np.full(B, np.inf), targets, track,
                 np.full((B, S, T, 3), np.nan), np.zeros((B, S), np.int64), grid,
                 np.full((B, grid.size, len(CHECKPOINT_FIELDS)), np.nan), np.zeros(1, np.int64))


def new_diverged(B: int) -> Diverged:
    return Diverged(np.zeros(B, np.int64), np.zeros(B, np.int64), np.full(B, np.nan), np.zeros(B, np.int64),
                    np.full(B, np.nan), np.full(B, np.nan), np.full(B, np.nan))


@njit(cache=True, _nrt=False, inline="always")
def note(tl, b, it, f, gsq, dsq, f_star):
    """The statistics of member b at x_k, k = it, except ``fgap_avg``."""
    tl.sumgsq[b] += gsq
    if gsq < tl.mingsq[b]:
        tl.mingsq[b] = gsq
    LV = tl.LV
    LV[b, 0] = gsq
    LV[b, 1] = tl.sumgsq[b] / (it + 1)
    LV[b, 2] = tl.mingsq[b]
    LV[b, 3] = f - f_star
    LV[b, 5] = dsq


@njit(cache=True, _nrt=False, inline="always")
def hits(tl, b, it, t, computed):
    """First hits of the targets by the tracked statistics of member b at x_k, k = it."""
    T = tl.targets.shape[0]
    hp, H = tl.hp, tl.H
    for s in range(N_STATS):
        if tl.track[s] != 0:
            v = tl.LV[b, s]
            while hp[b, s] < T and v <= tl.targets[hp[b, s]]:
                H[b, s, hp[b, s], 0] = it
                H[b, s, hp[b, s], 1] = t
                H[b, s, hp[b, s], 2] = computed
                hp[b, s] += 1


@njit(cache=True, _nrt=False, inline="always")
def reached(tl, b, stat):
    """Whether member b has hit every target with statistic ``stat`` (−1: never)."""
    return stat >= 0 and tl.hp[b, stat] >= tl.targets.shape[0]


@njit(cache=True, _nrt=False, inline="always")
def due(tl, it):
    """Whether iteration ``it`` is the next checkpoint of the grid."""
    ci = tl.ckpt[0]
    return ci < tl.grid.shape[0] and it == tl.grid[ci]


@njit(cache=True, _nrt=False)  # rare: kept out of the loops' code (compiles faster, runs no slower)
def checkpoint(tl, b, event, it, t, computed, applied, max_delay):
    """Member b's row of the current checkpoint (the caller moves ``ckpt`` on)."""
    row = tl.CK[b, tl.ckpt[0]]
    for j, v in enumerate((float(event), float(it), float(t), float(computed), float(applied), float(max_delay))):
        row[j] = v
    for s in range(N_STATS):
        row[6 + s] = tl.LV[b, s]


@njit(cache=True, _nrt=False)  # rare: kept out of the loops' code (compiles faster, runs no slower)
def diverge(dv, b, code, fgap, gsq, dsq, it, t, computed):
    """Record that member b diverged at iteration ``it`` (cause ``code``, values there)."""
    dv.cause[b], dv.iteration[b], dv.computed[b] = code, it, computed
    dv.time[b], dv.fgap[b], dv.gsq[b], dv.dsq[b] = t, fgap, gsq, dsq
