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

from ..engine.loop import apply_now, reassign
from ..engine.status import ITER
from . import ALGORITHMS
from .base import Algorithm


@njit(cache=True, _nrt=False, inline="always")
def delay_adaptive_arrival(c, ops, prog, st, prm, t, w):
    """Apply the arriving gradient weighted n / max(n, δ); the worker restarts at the new point."""
    n = st.disp.shape[0]
    delay = prog[ITER] - st.disp[w]
    coef = 1.0 if delay <= n else n / delay
    apply_now(c, ops, prog, w, t, coef, delay)
    reassign(c, ops, prog, st.disp, w, t)


@ALGORITHMS.register("delay-adaptive-asgd")
class DelayAdaptiveASGD(Algorithm):
    theorem = "delay-adaptive-asgd"
    on_arrival = staticmethod(delay_adaptive_arrival)
