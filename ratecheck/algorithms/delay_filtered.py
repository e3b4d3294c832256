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

import numpy as np
from numba import njit

from ..engine.clock import pop
from . import ALGORITHMS
from ._kernel import apply_now, pause, reassign, start_all
from .base import COMPUTED, DISCARDED, INIT, ITER, Algorithm, Param


@njit(cache=True, _nrt=False)
def delay_filtered_kernel(c, ops, prog, st, prm, lim, cap):
    disp = st[0]
    n = disp.shape[0]
    threshold = int(prm[0])
    if prog[INIT] == 0:
        start_all(c, ops, prog, n)
    while True:
        status = pause(c, ops, prog, lim, cap, 3)
        if status >= 0:
            return status
        t, w = pop(c)
        prog[COMPUTED] += 1
        delay = prog[ITER] - disp[w]
        if delay <= threshold:
            apply_now(c, ops, prog, w, t, 1.0, delay)
        else:
            prog[DISCARDED] += 1
        reassign(c, ops, prog, disp, w, t)


@ALGORITHMS.register("delay-filtered-sgd")
class DelayFilteredSGD(Algorithm):
    parameters = {
        "gamma": Algorithm.parameters["gamma"],
        "threshold": Param("int", 0, "largest delay applied (δ > threshold is dropped), ≥ 0"),
    }
    kernel = staticmethod(delay_filtered_kernel)

    def kernel_params(self):
        return np.array([self.params["threshold"]], np.float64)

    def ops_per_event(self, n):
        return 3
