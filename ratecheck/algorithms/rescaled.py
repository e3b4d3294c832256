"""Rescaled asynchronous SGD: ASGD with per-worker stepsizes proportional to compute time.

Mahran, Maranjyan, Richtárik (2026), "Rescaled Asynchronous SGD: Optimal Distributed
Optimization under Data and System Heterogeneity", arXiv:2605.13434 (theory note
fixed-computation.md §6, tag [P]). Vanilla ASGD applies worker i's gradients at rate
1/τ_i and so minimises the frequency-weighted Σ_i w_i f_i, w_i ∝ 1/τ_i; rescaling
worker i's stepsize ∝ τ_i gives every worker the same aggregate rate:

    x^{k+1} = x^k − γ (τ̂_{i_k} / τ̂_H) ∇f_{i_k}(y_{k,i_k}; ξ),

then worker i_k restarts at x^{k+1} (the poster's Algorithm, §6.2).

**What is not verified.** The poster writes γ_k ∝ τ_{i_k}^{-1}; the abstract says "in
proportion to computation times" (we follow the abstract, §6.1 [D]); the paper's
normalising constant was not found (§6.1). The choices below are ours:

* τ̂_i is the mean observed duration of worker i's finished computations (finish time
  minus start time, including the one arriving), an online estimate since the kernel
  does not see the model; in the fixed model it is τ_i from the first arrival on;
* τ̂_H = ( (1/m) Σ_{i observed} 1/τ̂_i )^{-1}, the harmonic mean over the m workers
  observed so far. With it the total step mass per unit time, Σ_i (1/τ_i)·γτ_i/τ_H =
  γ Σ_i 1/τ_i, equals vanilla ASGD's; with equal τ the method is vanilla ASGD (up to
  rounding of τ̂_H).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..engine.clock import pop
from . import ALGORITHMS
from ._kernel import apply_now, pause, reassign, start_all
from .base import COMPUTED, INIT, ITER, Algorithm


@njit(cache=True, _nrt=False)
def rescaled_kernel(c, ops, prog, st, prm, lim, cap):
    disp, total, count = st
    n = disp.shape[0]
    if prog[INIT] == 0:
        start_all(c, ops, prog, n)
    while True:
        status = pause(c, ops, prog, lim, cap, 3)
        if status >= 0:
            return status
        t, w = pop(c)
        prog[COMPUTED] += 1
        total[w] += t - c.start[w]
        count[w] += 1
        inv, m = 0.0, 0
        for v in range(n):
            if count[v] > 0:
                inv += count[v] / total[v]
                m += 1
        coef = (total[w] / count[w]) * inv / m
        apply_now(c, ops, prog, w, t, coef, prog[ITER] - disp[w])
        reassign(c, ops, prog, disp, w, t)


@ALGORITHMS.register("rescaled-asgd")
class RescaledASGD(Algorithm):
    theorem = "rescaled-asgd"
    kernel = staticmethod(rescaled_kernel)

    def state(self, n):
        return (np.zeros(n, np.int64), np.zeros(n, np.float64), np.zeros(n, np.int64))

    def ops_per_event(self, n):
        return 3
