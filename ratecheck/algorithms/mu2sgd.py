"""μ²-SGD, run asynchronously: corrected (STORM) momentum plus anytime averaging.

The baseline "μ²-SGD (Dahan and Levy [2025], Equation (14))" of Dahan, Reshef,
Goldstein, Levy (arXiv:2605.02043, 2026, fragment [17]).

Dahan & Levy, "Do Stochastic, Feel Noiseless: Stable Stochastic Optimization via a
Double Momentum Mechanism", ICLR 2025, arXiv:2304.04172 (update as in the authors' code,
theory note delayed-and-momentum.md §7c). At the t-th update (t = 1, 2, …)

    d_t     = g(x_t; ξ_t) + (1 − β_t)(d_{t−1} − g(x_{t−1}; ξ_t)),   β_t = 1/t,
    w_{t+1} = w_t − γ d_t,
    x_{t+1} = (α_t w_{t+1} + α_{1:t−1} x_t) / α_{1:t},             α_t = t,

with the same sample ξ_t (and the same noise draw) at both points, w_1 = x_1 = the start
point, which also stands in for x_0 (at t = 1 the correction has weight 1 − β_1 = 0);
recursion rule ``mu2`` with STEP weight 1. Asynchronously, vanilla ASGD's
schedule: a worker evaluates both gradients at the points it read, the query point x_k
it was handed and the query point x_{k−1} before it, and the server applies the
result on arrival with the weights of the *arrival* iteration t (α_t, α_{t−1} in the
α-weighted form q_t = α_t d_t = q_{t−1} + α_t g − α_{t−1} g′); ``ordered-mu2-asgd``
uses the weights of the iteration the worker read instead. The
model charges one compute time per computation (the second evaluation, on the same
sample, is not charged). The card (``mu2-sgd``) is for the synchronous method.
"""

from __future__ import annotations

from . import ALGORITHMS
from .asgd import asgd_arrival
from .base import Algorithm


@ALGORITHMS.register("mu2-sgd")
class Mu2SGD(Algorithm):
    theorem = "mu2-sgd"
    on_arrival = staticmethod(asgd_arrival)
    update = "mu2"
