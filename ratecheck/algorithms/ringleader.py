"""Ringleader ASGD: rounds of n updates on a table of per-worker gradient means.

Maranjyan & Richtárik (ICLR 2026), "Ringleader ASGD: The First Asynchronous SGD with
Optimal Time Complexity under Data Heterogeneity", arXiv:2509.22860 (poster algorithm
box; theory note fixed-computation.md §4.2, details [S], simulator ``RingleaderASGD``
[C]). The server keeps, per worker i, the mean G_i/b_i of its b_i table gradients, and
every update is

    x^{k+1} = x^k − γ (1/n) Σ_i G_i/b_i.

A round has two phases:

* **collect** — arriving gradients join their worker's mean, no update, the worker
  goes on at the current point, until every worker has at least one entry;
* **update** — exactly n updates, one per worker: the arrival that completes the
  collect phase makes the first; then a worker not yet updated this round folds its
  gradient into its mean, the server updates and sends it x^{k+1}; a worker already
  updated puts its gradient into a *next* table (its own running mean) and goes on at
  the current point.

After the n-th update the next table becomes the table (workers without a next entry
start the collect phase empty). No computation is stopped or discarded; the delays
stay ≤ 2n − 2 ([S], card ``ringleader-asgd``). With n = 1 every round is one arrival
and one update: sequential SGD.

Op stream (:mod:`ratecheck.engine.ops`): worker w's mean is table row w, its next
mean row n + w. Folding the (b+1)-th gradient into a mean is TSCALE b/(b+1) (b ≥ 1)
then TGRAD with c = 1/(b+1); every update is STEP with c = 1/n (G = (1/n) Σ_{r<n} T_r).
End of round: TSWAP w ↔ n + w and TSCALE n + w 0 for each w with a next entry,
TSCALE w 0 for the others, then TSYNC (the table sum afresh). A gradient's delay is
recorded when it joins the table; the delay δ_i^k of the card is that of the oldest
table gradient an update reads, larger (tests/test_algorithms_tables.py replays it).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from ..engine.clock import current_sample
from ..engine.loop import reassign
from ..engine.ops import emit_step, emit_tgrad, emit_tscale, emit_tswap, emit_tsync
from ..engine.status import COMPUTED, ITER
from . import ALGORITHMS
from .base import Algorithm

#: dispatch iterations; per worker, the entries of its mean (cur) and next mean (nxt),
#: whether it still has to update this round; the scalars sc (indices below)
Rounds = namedtuple("Rounds", "disp cur nxt needs sc")
# scalar state: phase (0 collect, 1 update), workers with an entry, updates left in the round
PHASE, ARRIVED, REMAINING = range(3)


@njit(cache=True, _nrt=False)
def _fold(c, ops, w, row, b, delay):
    """Add worker w's arrived gradient as the (b+1)-th term of the mean in ``row``."""
    if b > 0:
        emit_tscale(ops, row, b / (b + 1.0))
    emit_tgrad(ops, w, c.k[w], current_sample(c, w), 1.0 / (b + 1.0), delay, row)


@njit(cache=True, _nrt=False, inline="always")
def ringleader_arrival(c, ops, prog, st, prm, t, w):
    """Fold the gradient into worker w's mean (collect phase, or w's update of the round:
    then the server updates) or into its next mean; w goes on at the current point; after
    the round's n-th update the next table becomes the table."""
    disp, cur, nxt, needs, sc = st.disp, st.cur, st.nxt, st.needs, st.sc
    n = disp.shape[0]
    delay = prog[ITER] - disp[w]
    step = False
    if sc[PHASE] == 0:
        _fold(c, ops, w, w, cur[w], delay)
        if cur[w] == 0:
            sc[ARRIVED] += 1
        cur[w] += 1
        if sc[ARRIVED] == n:
            sc[PHASE] = 1
            for v in range(n):
                needs[v] = 1
            needs[w] = 0
            sc[REMAINING] = n - 1
            step = True
    elif needs[w]:
        _fold(c, ops, w, w, cur[w], delay)
        cur[w] += 1
        needs[w] = 0
        sc[REMAINING] -= 1
        step = True
    else:
        _fold(c, ops, w, n + w, nxt[w], delay)
        nxt[w] += 1
    if step:
        prog[ITER] += 1
        emit_step(ops, 1.0 / n, t, prog[COMPUTED])
    reassign(c, ops, prog, disp, w, t)
    if sc[PHASE] == 1 and sc[REMAINING] == 0:  # end of round: next table → table
        arrived = 0
        for v in range(n):
            if nxt[v] > 0:
                emit_tswap(ops, v, n + v)
                emit_tscale(ops, n + v, 0.0)
                arrived += 1
            else:
                emit_tscale(ops, v, 0.0)
            cur[v] = nxt[v]
            nxt[v] = 0
        emit_tsync(ops)
        sc[ARRIVED] = arrived
        sc[PHASE] = 0


@ALGORITHMS.register("ringleader-asgd")
class Ringleader(Algorithm):
    theorem = "ringleader-asgd"
    on_arrival = staticmethod(ringleader_arrival)

    def state(self, n):
        return Rounds(np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64),
                      np.zeros(3, np.int64))

    def table_rows(self, n):
        return 2 * n

    def ops_per_event(self, n):
        return 2 * n + 5
