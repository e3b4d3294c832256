"""Delay-filtered SGD: asynchronous SGD that drops gradients that are too stale.

An arriving gradient with delay δ^k ≤ ``threshold`` is applied,

    x^{k+1} = x^k − γ ∇f(x^{k−δ^k}; ξ),

one with δ^k > ``threshold`` is discarded; either way its worker restarts at the
current point. This is the "filter stale gradients" baseline of the delay literature
(theory note delayed-and-momentum.md §6b: Attia, Gaash, Koren 2024, arXiv:2408.07503,
filter by a delay quantile; Koloskova, Stich, Jaggi 2022, rule (11) with γ_t = 0).

Relation to Ringmaster ASGD (``ringmaster-asgd``): Ringmaster applies δ < R, so
delay-filtered SGD with ``threshold`` = T is exactly Ringmaster *without calculation
stops* (``stops = 0``) with R = T + 1. ``threshold`` = 0 applies only fresh gradients;
a threshold above every possible delay is vanilla ASGD.
"""

from __future__ import annotations

from collections import namedtuple

from numba import njit

from ..engine.loop import apply_now, reassign
from ..engine.status import DISCARDED, ITER
from . import ALGORITHMS
from .base import Algorithm, Param

FilterParams = namedtuple("FilterParams", "threshold")


@njit(cache=True, _nrt=False, inline="always")
def delay_filtered_arrival(c, ops, prog, st, prm, t, w):
    """Apply the arriving gradient if δ ≤ threshold, else discard it; the worker restarts
    at the current point."""
    delay = prog[ITER] - st.disp[w]
    if delay <= prm.threshold:
        apply_now(c, ops, prog, w, t, 1.0, delay)
    else:
        prog[DISCARDED] += 1
    reassign(c, ops, prog, st.disp, w, t)


@ALGORITHMS.register("delay-filtered-sgd")
class DelayFilteredSGD(Algorithm):
    parameters = {
        "threshold": Param("int", 0, "largest delay applied (δ > threshold is dropped), ≥ 0"),
    }
    example = {"threshold": 2}
    on_arrival = staticmethod(delay_filtered_arrival)

    def kernel_params(self):
        return FilterParams(self.params["threshold"])
