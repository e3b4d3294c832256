"""Rennala SGD: asynchronous minibatch collection of S gradients at one point.

Tyurin & Richtárik (NeurIPS 2023), "Optimal Time Complexities of Parallel Stochastic
Optimization Methods Under a Fixed Computation Model", arXiv:2305.12387 (Alg. 1 in the
weighted form restated by Tyurin, "Bridging the gap…", with w_i = n/Σ_j B_j):

    x^{k+1} = x^k − γ (1/S) Σ_{j=1}^{S} ∇f(x^k; ξ_j),

where the S gradients are the first S to finish among all workers computing at x^k.
After the step every worker is stopped and restarts at x^{k+1} (as in the authors'
simulator), so no gradient from an old point is ever applied.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..engine.clock import cancel, current_sample, pop, start
from ..engine.ops import emit_bcast, emit_grad, emit_step
from . import ALGORITHMS
from ._kernel import pause, start_all
from .base import COMPUTED, INIT, ITER, Algorithm, Param


@njit(cache=True, _nrt=False)
def rennala_kernel(c, ops, prog, st, prm, lim, cap):
    count = st[0]
    n = c.k.shape[0]
    S = int(prm[0])
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
        if count[0] == S:
            count[0] = 0
            prog[ITER] += 1
            emit_step(ops, 1.0 / S, t, prog[COMPUTED])
            emit_bcast(ops)
            for v in range(n):
                cancel(c, v, t)
                start(c, v, t)
        else:
            start(c, w, t)


@ALGORITHMS.register("rennala-sgd")
class Rennala(Algorithm):
    parameters = {
        "gamma": Algorithm.parameters["gamma"],
        "S": Param("int", 1, "batch size S ≥ 1 (gradients collected per step)"),
    }
    theorem = "rennala-sgd"
    kernel = staticmethod(rennala_kernel)

    def state(self, n):
        return (np.zeros(1, np.int64),)

    def kernel_params(self):
        return np.array([self.params["S"]], np.float64)

    def ops_per_event(self, n):
        return 3
