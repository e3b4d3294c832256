"""The momentum method for data-dependent delays (RECONSTRUCTED: paper not read).

Dahan, Reshef, Goldstein, Levy (2026), "Bringing Order to Asynchronous SGD: Towards
Optimality under Data-Dependent Delays with Momentum", arXiv:2605.02043. Only the
abstract and appendix fragments were available (theory notes momentum-data-dependent.md,
delayed-and-momentum.md §1.3); the rules below are read off those fragments, status
**reconstructed**. Every arriving gradient is kept (none is dropped or down-weighted,
which is what removes the bias of filtering under data-dependent delays) and its worker
restarts at the new point (vanilla ASGD's schedule); g_t = ∇f(x_{t−δ_t}; ξ_t) is the
t-th arriving, possibly stale, gradient.

* ``momentum-dd-asgd`` (non-convex analysis): exponential momentum over the delayed
  gradients, m_0 = 0,

      m_t = (1 − β) m_{t−1} + β g_t,    x_{t+1} = x_t − γ m_t       (rule ``ema-momentum``).

  β = 1 is vanilla ASGD, bit for bit.
* ``momentum-dd-anytime-asgd`` (convex analysis): the same momentum drives a primal
  iterate w, and workers query the anytime average x (Anytime-SGD, weights α_t = t):

      w_{t+1} = w_t − γ m_t,    x_{t+1} = Σ_{τ≤t} α_τ w_{τ+1} / α_{1:t}   (rule ``anytime-ema``),

  with w_0 = x_0; the statistics are evaluated at the query point x, the point the
  convex card bounds.
"""

from __future__ import annotations

import numpy as np

from . import ALGORITHMS
from .asgd import asgd_kernel
from .base import Algorithm, Fraction

BETA = Fraction(doc="momentum weight β ∈ (0, 1] of the newest gradient", excluded=(0.0,))


@ALGORITHMS.register("momentum-dd-asgd")
class MomentumDDASGD(Algorithm):
    parameters = {"gamma": Algorithm.parameters["gamma"], "beta": BETA}
    theorem = "momentum-data-dependent"
    kernel = staticmethod(asgd_kernel)
    update = "ema-momentum"

    def update_params(self):
        return np.array([self.params["beta"]], np.float64)

    def ops_per_event(self, n):
        return 3


@ALGORITHMS.register("momentum-dd-anytime-asgd")
class MomentumDDAnytimeASGD(MomentumDDASGD):
    theorem = "momentum-data-dependent-convex"
    update = "anytime-ema"
