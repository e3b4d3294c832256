"""Ringmaster ASGD: asynchronous SGD with a delay threshold R.

Maranjyan, Tyurin, Richtárik (ICML 2025), "Ringmaster ASGD: The First Asynchronous
SGD with Optimal Time Complexity", arXiv:2501.16168.

With calculation stops (``stops = 1``, the paper's Algorithm 1 as on the IMPA poster):
after every update, each computation whose delay has reached R is stopped and its
worker restarts at the current point, so every applied gradient has δ^k < R and

    x^{k+1} = x^k − γ ∇f(x^{k−δ^k}; ξ).

Without stops (``stops = 0``): an arriving gradient is applied if δ^k < R, otherwise
discarded and its worker is sent the current point. R = 1 is sequential SGD on the
fastest available worker; R ≥ every possible delay is vanilla ASGD.
Theorem 1 prescribes γ = min{1/(2RL), ε/(4Lσ²)} and Theorem 2 R = max{1, ⌈σ²/ε⌉}
(card ``ringmaster-asgd``).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from ..engine.clock import cancel
from ..engine.loop import apply_now, reassign, start_workers
from ..engine.status import DISCARDED, ITER
from . import ALGORITHMS
from .base import Algorithm, Param

#: dispatch iterations and the FIFO below (prev/next links, ends = [head, tail])
Queue = namedtuple("Queue", "disp prev nxt ends")
RingmasterParams = namedtuple("RingmasterParams", "R stops")

# FIFO of workers ordered by dispatch iteration (a doubly linked list): the head
# holds the oldest point, so the computations to stop are always at the head.


@njit(cache=True, _nrt=False)
def _unlink(prev, nxt, ends, w):
    p, q = prev[w], nxt[w]
    if p >= 0:
        nxt[p] = q
    else:
        ends[0] = q
    if q >= 0:
        prev[q] = p
    else:
        ends[1] = p
    prev[w] = -1
    nxt[w] = -1


@njit(cache=True, _nrt=False)
def _append(prev, nxt, ends, w):
    tail = ends[1]
    prev[w] = tail
    nxt[w] = -1
    if tail >= 0:
        nxt[tail] = w
    else:
        ends[0] = w
    ends[1] = w


@njit(cache=True, _nrt=False, inline="always")
def ringmaster_start(c, ops, prog, st, prm):
    """Every worker starts at x⁰ and joins the FIFO in label order."""
    n = st.disp.shape[0]
    start_workers(c, n)
    for w in range(n):
        _append(st.prev, st.nxt, st.ends, w)


@njit(cache=True, _nrt=False, inline="always")
def ringmaster_arrival(c, ops, prog, st, prm, t, w):
    """Apply the gradient if δ < R (else discard it) and restart the worker at the current
    point; with stops, then restart every computation whose delay reached R."""
    disp, prev, nxt, ends = st.disp, st.prev, st.nxt, st.ends
    R = prm.R
    delay = prog[ITER] - disp[w]
    _unlink(prev, nxt, ends, w)
    if delay < R:
        apply_now(c, ops, prog, w, t, 1.0, delay)
    else:
        prog[DISCARDED] += 1
    reassign(c, ops, prog, disp, w, t)
    _append(prev, nxt, ends, w)
    if prm.stops:
        # stop every computation whose delay reached R; restart it at x^k
        h = ends[0]
        while h >= 0 and prog[ITER] - disp[h] >= R:
            _unlink(prev, nxt, ends, h)
            cancel(c, h, t)
            reassign(c, ops, prog, disp, h, t)
            _append(prev, nxt, ends, h)
            h = ends[0]


@ALGORITHMS.register("ringmaster-asgd")
class Ringmaster(Algorithm):
    parameters = {
        "R": Param("int", 1, "delay threshold R ≥ 1"),
        "stops": Param("int", 0, "1: stop stale computations (Alg. 1); 0: discard on arrival", default=1),
    }
    example = {"R": 3}
    theorem = "ringmaster-asgd"
    on_start = staticmethod(ringmaster_start)
    on_arrival = staticmethod(ringmaster_arrival)

    def state(self, n):
        return Queue(np.zeros(n, np.int64), np.full(n, -1, np.int64), np.full(n, -1, np.int64), np.full(2, -1, np.int64))

    def kernel_params(self):
        return RingmasterParams(self.params["R"], bool(self.params["stops"]))

    def ops_per_event(self, n):
        return n + 3
