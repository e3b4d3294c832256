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

from ..engine.clock import pop
from . import ALGORITHMS
from ._kernel import apply_now, pause, reassign, start_all
from .base import COMPUTED, INIT, ITER, Algorithm


@njit(cache=True, _nrt=False)
def asgd_kernel(c, ops, prog, st, prm, lim, cap):
    disp = st[0]
    n = disp.shape[0]
    if prog[INIT] == 0:
        start_all(c, ops, prog, n)
    while True:
        status = pause(c, ops, prog, lim, cap, 3)
        if status >= 0:
            return status
        t, w = pop(c)
        prog[COMPUTED] += 1
        apply_now(c, ops, prog, w, t, 1.0, prog[ITER] - disp[w])
        reassign(c, ops, prog, disp, w, t)


@ALGORITHMS.register("asgd")
class ASGD(Algorithm):
    theorem = "asgd"
    kernel = staticmethod(asgd_kernel)

    def ops_per_event(self, n):
        return 3
