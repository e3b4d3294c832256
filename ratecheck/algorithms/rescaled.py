"""Rescaled asynchronous SGD: ASGD with per-worker stepsizes scaled by compute time.

Mahran, Maranjyan, Richtárik (2026), "Rescaled Asynchronous SGD: Optimal Distributed
Optimization under Data and System Heterogeneity", arXiv:2605.13434 (theory note
fixed-computation.md §6, tag [P]; proofs/notes/card-audit.md §4). Vanilla ASGD applies
worker i's gradients at rate 1/τ_i and so drifts to the minimiser of Σ_i w_i f_i with
w_i ∝ γ_i/τ_i; the abstract's fix rescales the stepsizes "in proportion to their
computation times, so that each worker contributes the same aggregate learning rate":

    x^{k+1} = x^k − γ (τ̂_{i_k} / M_r(τ̂))^p ∇f_{i_k}(y_{k,i_k}; ξ),

then worker i_k restarts at x^{k+1} (the poster's Algorithm, §6.2). The limit weights
are w_i ∝ τ_i^{p−1} (card ``asgd-heterogeneous-limit``): equal, the global objective,
exactly when p = 1.

**The normalisation is not in the sources** (the poster's exponent is −1, the abstract
says "in proportion"; no normalising constant was found, card ``rescaled-asgd``
``not_found``), so it is a parameter, with the readings the sources allow:

* ``exponent`` p — 1 (default: proportional, what the equal-rate argument needs),
  −1 (the poster's τ_{i_k}^{-1} read literally: a stronger bias, w_i ∝ τ_i^{-2}),
  0 (vanilla ASGD);
* ``mean`` r — the reference time M_r is the power mean of order r of the τ̂ observed so
  far, ((1/m) Σ_j τ̂_j^r)^{1/r}: +inf (default) the largest, so that no step exceeds γ
  (with p = 1: γ τ̂_i/τ̂_max); −1 the harmonic mean τ̂_H (with p = 1: γ τ̂_i/τ̂_H, the
  same total step mass per unit time as vanilla ASGD, Σ_i (1/τ_i)·γτ_i/τ_H = γ Σ_i 1/τ_i,
  but the slowest worker's step is τ_n/τ_H times γ — 163.5 at τ_i = i², n = 100);
  −inf the smallest (with p = −1: γ τ̂_min/τ̂_i, no step above γ); 0 the geometric mean.

τ̂_i is the mean observed duration of worker i's finished computations (finish time minus
start time, the arriving one included), an online estimate since the kernel does not see
the model; in the fixed model it is τ_i from the first arrival on. With equal τ every
reading is vanilla ASGD.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit

from ..engine.loop import apply_now, reassign
from ..engine.status import ITER
from ..errors import SpecError
from . import ALGORITHMS
from .base import Algorithm, Param

#: dispatch iterations; per worker, the summed durations and the number of finished computations
Durations = namedtuple("Durations", "disp total count")
RescaledParams = namedtuple("RescaledParams", "exponent mean")


@njit(cache=True, _nrt=False)
def power_mean(total, count, r):
    """M_r of the mean durations total[v]/count[v] of the workers with count[v] > 0."""
    acc, m = 0.0, 0
    lo, hi = math.inf, 0.0
    for v in range(total.shape[0]):
        if count[v] > 0:
            t = total[v] / count[v]
            lo, hi, m = min(lo, t), max(hi, t), m + 1
            acc += math.log(t) if r == 0.0 else t**r
    if r == math.inf:
        return hi
    if r == -math.inf:
        return lo
    if r == 0.0:
        return math.exp(acc / m)
    return (acc / m) ** (1.0 / r)


@njit(cache=True, _nrt=False, inline="always")
def rescaled_arrival(c, ops, prog, st, prm, t, w):
    """Record the computation's duration, apply the gradient weighted (τ̂_w / M_r)^p and
    restart the worker at the new point."""
    total, count = st.total, st.count
    total[w] += t - c.start[w]
    count[w] += 1
    coef = ((total[w] / count[w]) / power_mean(total, count, prm.mean)) ** prm.exponent
    apply_now(c, ops, prog, w, t, coef, prog[ITER] - st.disp[w])
    reassign(c, ops, prog, st.disp, w, t)


class ExtendedReal(Param):
    """A real number, ±inf allowed (an order of a power mean)."""

    def validate(self, field: str, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise SpecError(field, f"must be a number (inf and -inf allowed), got {value!r}")
        return float(value)


@ALGORITHMS.register("rescaled-asgd")
class RescaledASGD(Algorithm):
    theorem = "rescaled-asgd"
    on_arrival = staticmethod(rescaled_arrival)
    parameters = {
        "exponent": Param("float", -math.inf, "p of γ_i = γ (τ̂_i/M_r)^p: 1 proportional (default), -1 the poster's "
                                               "literal exponent, 0 vanilla ASGD", 1.0),
        "mean": ExtendedReal("float", -math.inf, "order r of the power mean M_r of the τ̂: inf the largest "
                                                 "(default), -1 the harmonic mean, -inf the smallest", math.inf),
    }

    def kernel_params(self):
        return RescaledParams(float(self.params["exponent"]), float(self.params["mean"]))

    def state(self, n):
        return Durations(np.zeros(n, np.int64), np.zeros(n, np.float64), np.zeros(n, np.int64))
