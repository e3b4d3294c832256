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

import numpy as np
from numba import njit

from ..engine.clock import pop
from ..errors import SpecError
from . import ALGORITHMS
from ._kernel import apply_now, pause, reassign, start_all
from .base import COMPUTED, INIT, ITER, Algorithm, Param


@njit(cache=True, _nrt=False)
def naive_optimal_kernel(c, ops, prog, st, prm, lim, cap):
    disp = st[0]
    m = int(prm[0])
    if prog[INIT] == 0:
        start_all(c, ops, prog, m)
    while True:
        status = pause(c, ops, prog, lim, cap, 3)
        if status >= 0:
            return status
        t, w = pop(c)
        prog[COMPUTED] += 1
        apply_now(c, ops, prog, w, t, 1.0, prog[ITER] - disp[w])
        reassign(c, ops, prog, disp, w, t)


@ALGORITHMS.register("naive-optimal-asgd")
class NaiveOptimalASGD(Algorithm):
    parameters = {
        "gamma": Algorithm.parameters["gamma"],
        "m": Param("int", 1, "number of workers used (the m fastest, labels 0…m−1), 1 ≤ m ≤ n"),
    }
    theorem = "naive-optimal-asgd"
    kernel = staticmethod(naive_optimal_kernel)

    def state(self, n):
        if self.params["m"] > n:
            raise SpecError("algorithm.params.m", f"must be ≤ n = {n} workers, got {self.params['m']}")
        return (np.zeros(n, np.int64),)

    def kernel_params(self):
        return np.array([self.params["m"]], np.float64)

    def ops_per_event(self, n):
        return 3
