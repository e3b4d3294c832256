"""Minibatch SGD: every worker computes one gradient at x^k; the server waits for all n.

    x^{k+1} = x^k − γ (1/n) Σ_{i=1}^{n} ∇f_i(x^k; ξ_i)

Each step takes max_i τ_i in the fixed computation model (the time complexity
τ_n (LΔ/ε + σ²LΔ/(nε²)) of Tyurin & Richtárik 2023, restated in fixed-computation.md §2.5).
Workers that finish early wait idle.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..engine.clock import current_sample, pop, start
from ..engine.ops import emit_bcast, emit_grad, emit_step
from . import ALGORITHMS
from ._kernel import pause, start_all
from .base import COMPUTED, INIT, ITER, Algorithm


@njit(cache=True, _nrt=False)
def minibatch_kernel(c, ops, prog, st, prm, lim, cap):
    count = st[0]
    n = c.k.shape[0]
    if prog[INIT] == 0:
        start_all(c, ops, prog, n)
    while True:
        status = pause(c, ops, prog, lim, cap, 3)
        if status >= 0:
            return status
        t, w = pop(c)
        prog[COMPUTED] += 1
        emit_grad(ops, w, c.k[w], current_sample(c, w), 1.0, 0)
        count[0] += 1
        if count[0] == n:
            count[0] = 0
            prog[ITER] += 1
            emit_step(ops, 1.0 / n, t, prog[COMPUTED])
            emit_bcast(ops)
            for v in range(n):
                start(c, v, t)


@ALGORITHMS.register("minibatch-sgd")
class MinibatchSGD(Algorithm):
    theorem = "minibatch-sgd"
    kernel = staticmethod(minibatch_kernel)

    def state(self, n):
        return (np.zeros(1, np.int64),)

    def ops_per_event(self, n):
        return 3
