"""Minibatch SGD: every worker computes one gradient at x^k; the server waits for all n.

    x^{k+1} = x^k − γ (1/n) Σ_{i=1}^{n} ∇f_i(x^k; ξ_i)

Each step takes max_i τ_i in the fixed computation model (the time complexity
τ_n (LΔ/ε + σ²LΔ/(nε²)) of Tyurin & Richtárik 2023, restated in fixed-computation.md §2.5).
Workers that finish early wait idle.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..engine.clock import start
from ..engine.ops import emit_bcast, emit_step
from ..engine.status import COMPUTED, ITER
from . import ALGORITHMS
from .base import Algorithm
from .rennala import Batch, collect


@njit(cache=True, _nrt=False, inline="always")
def minibatch_arrival(c, ops, prog, st, prm, t, w):
    """Collect the gradient; the n-th of the step makes the update and restarts every worker."""
    n = c.k.shape[0]
    if collect(c, ops, st, w, n):
        prog[ITER] += 1
        emit_step(ops, 1.0 / n, t, prog[COMPUTED])
        emit_bcast(ops)
        for v in range(n):
            start(c, v, t)


@ALGORITHMS.register("minibatch-sgd")
class MinibatchSGD(Algorithm):
    theorem = "minibatch-sgd"
    on_arrival = staticmethod(minibatch_arrival)

    def state(self, n):
        return Batch(np.zeros(1, np.int64))
