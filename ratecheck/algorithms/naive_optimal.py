"""Naive Optimal ASGD: vanilla asynchronous SGD on the m fastest workers only.

    x^{k+1} = x^k − γ ∇f(x^{k−δ^k}; ξ),   gradients from workers 1, …, m only;

workers m+1, …, n never compute. In the fixed computation model with
τ_1 ≤ … ≤ τ_n, ASGD on the m fastest workers has time complexity
O(H_m (LΔ/ε + σ²LΔ/(mε²))), H_m the harmonic mean of τ_1…τ_m (theory note
fixed-computation.md §2.5 applied to m workers), so m* = argmin_m of T_homog gives the
optimal time up to a constant; m* comes from the card (the minimiser of T_homog), not
from this module. Maranjyan, Tyurin, Richtárik (ICML 2025), arXiv:2501.16168, where it
is the "Naive Optimal ASGD" baseline.

The m workers used are those with the **lowest labels** 0, …, m − 1. They are the m
fastest under the papers' convention τ_1 ≤ … ≤ τ_n (``order = "sorted"``, the fixed
model's default); under another order they are simply the first m labels.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from ..engine.loop import start_workers
from ..errors import SpecError
from . import ALGORITHMS
from .asgd import asgd_arrival
from .base import Algorithm, Dispatch, Param

Workers = namedtuple("Workers", "m")


@njit(cache=True, _nrt=False, inline="always")
def naive_optimal_start(c, ops, prog, st, prm):
    """Only workers 0, …, m−1 ever compute."""
    start_workers(c, prm.m)


@ALGORITHMS.register("naive-optimal-asgd")
class NaiveOptimalASGD(Algorithm):
    parameters = {
        "m": Param("int", 1, "number of workers used (the m fastest, labels 0…m−1), 1 ≤ m ≤ n"),
    }
    example = {"m": 3}
    permutation_invariant = False  # selects workers by label
    theorem = "naive-optimal-asgd"
    on_start = staticmethod(naive_optimal_start)
    on_arrival = staticmethod(asgd_arrival)

    def state(self, n):
        if self.params["m"] > n:
            raise SpecError("algorithm.params.m", f"must be ≤ n = {n} workers, got {self.params['m']}")
        return Dispatch(np.zeros(n, np.int64))

    def kernel_params(self):
        return Workers(self.params["m"])
