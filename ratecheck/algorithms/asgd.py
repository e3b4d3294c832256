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

from ..engine.loop import apply_now, reassign
from ..engine.status import ITER
from . import ALGORITHMS
from .base import Algorithm


@njit(cache=True, _nrt=False, inline="always")
def asgd_arrival(c, ops, prog, st, prm, t, w):
    """Apply the arriving gradient at once; the worker restarts at the new point."""
    apply_now(c, ops, prog, w, t, 1.0, prog[ITER] - st.disp[w])
    reassign(c, ops, prog, st.disp, w, t)


@ALGORITHMS.register("asgd")
class ASGD(Algorithm):
    theorem = "asgd"
    on_arrival = staticmethod(asgd_arrival)
