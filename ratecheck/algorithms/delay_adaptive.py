"""Delay-adaptive asynchronous SGD.

Vanilla ASGD (every arriving gradient is applied at once and its worker restarts at
the new point) with a stepsize that shrinks with the delay:

    x^{k+1} = x^k − γ_k ∇f(x^{k−δ^k}; ξ),    γ_k = γ · n / max(n, δ^k),

n the number of workers. Mishchenko, Bach, Even, Woodworth (NeurIPS 2022),
"Asynchronous SGD Beats Minibatch SGD Under Arbitrary Delays", arXiv:2206.07638 — the
rule ``lr·M/max(M, delay)`` with M = n of the authors' experiment code (theory note
delayed-and-momentum.md §3; the theorem's exact constant is [R]). Koloskova, Stich,
Jaggi (2022) rule (11) is of the same form with threshold τ_C. While every delay is
< n this is vanilla ASGD, bit for bit.
"""

from __future__ import annotations

from numba import njit

from ..engine.clock import current_sample, peek_time, pop, start
from ..engine.ops import emit_assign, emit_bcast, emit_grad, emit_step
from . import ALGORITHMS
from .base import COMPUTED, DONE, INIT, ITER, NEED_WORK, OPS_FULL, Algorithm


@njit(cache=True)
def delay_adaptive_kernel(c, ops, prog, st, prm, lim, cap):
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
        delay = prog[ITER] - disp[w]
        coef = 1.0 if delay <= n else n / delay
        emit_grad(ops, w, c.k[w], current_sample(c, w), coef, delay)
        prog[ITER] += 1
        emit_step(ops, 1.0, t, prog[COMPUTED])
        emit_assign(ops, w)
        disp[w] = prog[ITER]
        start(c, w, t)


@ALGORITHMS.register("delay-adaptive-asgd")
class DelayAdaptiveASGD(Algorithm):
    theorem = "delay-adaptive-asgd"
    kernel = staticmethod(delay_adaptive_kernel)

    def ops_per_event(self, n):
        return 3
