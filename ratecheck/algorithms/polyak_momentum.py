"""Polyak (heavy-ball) momentum asynchronous SGD.

Vanilla ASGD's schedule (every arriving gradient is applied at once and its worker
restarts at the new point) with the heavy-ball update on each arriving stale gradient:

    x^{k+1} = x^k − γ ∇f(x^{k−δ^k}; ξ) + β (x^k − x^{k−1}),    x^{−1} = x^0,

δ^k the number of updates since the worker received its point (recursion rule
``heavy-ball``): the momentum takes the gradients in *arrival* order. Polyak (1964),
"Some methods of speeding up the convergence of iteration methods"; the baseline
"Momentum (Equation (6), Polyak [1964])" of Dahan, Reshef, Goldstein, Levy
(arXiv:2605.02043, 2026, fragment [17]; theory note momentum-data-dependent.md). The
exponential form m_t = (1 − β')m_{t−1} + β'g_t, x_{t+1} = x_t − γ'm_t in arrival order
is this method with γ = γ'β', β = 1 − β'. Their proposed method orders the momentum by
the gradients' iterations instead (``ordered-momentum-asgd``). β = 0 is vanilla ASGD,
bit for bit. No theorem card: the baseline carries no rate of its own here.
"""

from __future__ import annotations

import numpy as np

from . import ALGORITHMS
from .asgd import asgd_arrival
from .base import Algorithm, Fraction


@ALGORITHMS.register("polyak-momentum-asgd")
class PolyakMomentumASGD(Algorithm):
    parameters = {
        "beta": Fraction(doc="momentum β ∈ [0, 1)", excluded=(1.0,)),
    }
    example = {"beta": 0.5}
    on_arrival = staticmethod(asgd_arrival)
    update = "heavy-ball"

    def update_params(self):
        return np.array([self.params["beta"]], np.float64)
