"""Stepsize schedules: γ_k = γ · s(k), evaluated inside the compiled replay.

k is the server iteration: the update x_k → x_{k+1} (k = 0, 1, …, the number of updates
before it) uses γ_k. The family is the product of three factors,

    s(k) = w(k) · (1 + k/k₀)^(−p) · m(k),

* warm-up over W iterations: w(k) = min(1, (k + 1)/W) (W = 0: none);
* polynomial decay: p = 0 constant, p = ½ the c/√(k+1) and p = 1 the c/(k+1) of the
  classical SGD analyses (k₀ = 1; Robbins & Monro 1951), any p ≥ 0;
* piecewise constant: m(k) = factors[j] for the last milestone j with k ≥ milestones[j]
  (1 before the first): step decay, with warm-up the schedule of Goyal et al. (2017,
  arXiv:1706.02677).

The constant schedule is s ≡ 1.0 exactly, so its results are bit for bit those of a run
without one. Where γ multiplies more than the gradient, γ_k does too: the heavy-ball
momentum's increment −γ_k G, μ²'s primal step w ← w − γ_k d, and both of ormo's γ terms
(:mod:`.recursion`); on the delay-sequence path (:mod:`.delayed`) an adversary compares
the candidates x_k − γ_k g.

:class:`Schedule` is the small named record the replay reads (:func:`record`, from a
``schedule`` table that :mod:`ratecheck.stepsize` validated), :func:`factor` evaluates s(k).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._jit import njit

Schedule = namedtuple("Schedule", "decay k0 warmup milestones factors")
Schedule.__doc__ = ("s(k) (module docstring): decay p ≥ 0, k₀ > 0, warm-up W ≥ 0 iterations, milestones "
                    "(int64, strictly increasing, ≥ 1) with their factors (float64, > 0).")

def record(decay: float = 0.0, k0: float = 1.0, warmup: int = 0, milestones=(), factors=()) -> Schedule:
    """The :class:`Schedule` of a validated table (:class:`ratecheck.stepsize.StepsizeSchedule`)."""
    return Schedule(float(decay), float(k0), int(warmup), np.asarray(milestones, np.int64).reshape(-1),
                    np.asarray(factors, np.float64).reshape(-1))


@njit(cache=True, _nrt=False, inline="always")
def factor(sc, k):
    """s(k) of the schedule ``sc`` at server iteration k ≥ 0 (1.0 exactly when constant)."""
    s = 1.0
    if k < sc.warmup:
        s = (k + 1.0) / sc.warmup
    if sc.decay != 0.0:
        s *= (1.0 + k / sc.k0) ** (-sc.decay)
    ms = sc.milestones
    j = 0
    while j < ms.shape[0] and k >= ms[j]:
        j += 1
    if j > 0:
        s *= sc.factors[j - 1]
    return s
