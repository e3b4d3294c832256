"""Vanilla asynchronous SGD.

Every arriving gradient is applied at once and its worker restarts at the new point:

    x^{k+1} = x^k − γ ∇f(x^{k−δ^k}; ξ),

where δ^k is the number of updates since the worker received its point.
Koloskova, Stich, Jaggi (2022), "Sharper Convergence Guarantees for Asynchronous SGD
for Distributed and Federated Learning", Alg. 1; Mishchenko, Bach, Even, Woodworth
(2022), "Asynchronous SGD Beats Minibatch SGD Under Arbitrary Delays".
"""

from __future__ import annotations

from numba import njit

from ..engine.clock import current_sample, peek_time, pop, start
from ..engine.ops import emit_assign, emit_bcast, emit_grad, emit_step
from . import ALGORITHMS
from .base import COMPUTED, DONE, INIT, ITER, NEED_WORK, OPS_FULL, Algorithm


@njit(cache=True)
def asgd_kernel(c, ops, prog, st, prm, lim, cap):
    disp = st[0]
    n = disp.shape[0]
    if prog[INIT] == 0:
        emit_bcast(ops)
        for w in range(n):
            start(c, w, 0.0)
        prog[INIT] = 1
    while True:
        if prog[ITER] >= lim[0] or peek_time(c) > lim[1]:
            return DONE
        if ops.size[0] + 3 > cap:
            return OPS_FULL
        if c.low[0]:
            return NEED_WORK
        t, w = pop(c)
        prog[COMPUTED] += 1
        emit_grad(ops, w, c.k[w], current_sample(c, w), 1.0, prog[ITER] - disp[w])
        prog[ITER] += 1
        emit_step(ops, 1.0, t, prog[COMPUTED])
        emit_assign(ops, w)
        disp[w] = prog[ITER]
        start(c, w, t)


@ALGORITHMS.register("asgd")
class ASGD(Algorithm):
    theorem = "asgd"
    kernel = staticmethod(asgd_kernel)

    def ops_per_event(self, n):
        return 3
