"""Ordered momentum for data-dependent delays, non-convex (RECONSTRUCTED from fragments).

Dahan, Reshef, Goldstein, Levy (2026), "Bringing Order to Asynchronous SGD: Towards
Optimality under Data-Dependent Delays with Momentum", arXiv:2605.02043. Only the
abstract and appendix fragments were available (seed 001, fragments [13]–[17]; theory
notes momentum-data-dependent.md, delayed-and-momentum.md §1). Each step and what it
rests on:

* exponential momentum with parameter β, x_{t+1} = x_t − γ m_t — fragment [14]: the
  momentum bias obeys (1/T) Σ‖b_t‖² ≤ (β/8T) Σ_t Σ_{k≤t} (1 − β)^{2(t−k)} ‖∇f(x_k)‖²,
  i.e. m_t weighs the gradient of iteration k by β(1 − β)^{t−k};
* every gradient enters the momentum at its *designated iteration* — fragment [13]:
  the virtual momentum m̂_t (Eq. (10)) "in which all updates are applied exactly at
  their designated iterations", "in the spirit of Mishchenko et al. [2022], Shi et al.
  [2024]" (OrMo, arXiv:2407.19234). [reconstructed] The real momentum is m̂_t without
  the gradients still in flight: a gradient computed at the point of iteration k and
  arriving at update t (delay δ = t − k) enters as if it had entered at k,

      m_t = (1 − β) m_{t−1} + β (1 − β)^{δ_t} g_t,    x_{t+1} = x_t − γ m_t,   m_0 = 0,

  on vanilla ASGD's schedule (every gradient kept, its worker restarts at the new
  point; the paper's baselines drop or down-weight late gradients, fragment [17]).
  [reconstructed] The parameter is not given the steps the late gradient missed (OrMo
  does that, :mod:`.ormo`): fragment [14]'s bound is on the real momentum error
  m_t − ∇f(x_t), which "differs from" the virtual one "only through delays". A
  gradient therefore moves x by γ(1 − β)^δ in total: with a constant β, late
  gradients are discounted; the analysis' β is not known [NF] (a β that shrinks with
  the horizon removes the discount).

Recursion rule ``ema-momentum`` with GRAD weight (1 − β)^δ. With one worker (δ = 0)
this is SGD with exponential momentum, which is heavy-ball momentum with stepsize γβ
and momentum 1 − β (``polyak-momentum-asgd``, the paper's baseline Eq. (6)). The
learning rate and β are constants, as in fragment [14]; the paper's "robust
learning-rate schedules" were not found [NF].
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from ..engine.loop import apply_now, reassign
from ..engine.status import ITER
from . import ALGORITHMS
from .base import Algorithm, Fraction

Momentum = namedtuple("Momentum", "beta")


@njit(cache=True, _nrt=False, inline="always")
def ordered_momentum_arrival(c, ops, prog, st, prm, t, w):
    """Vanilla ASGD's schedule; each gradient weighted (1 − β)^δ."""
    delay = prog[ITER] - st.disp[w]
    apply_now(c, ops, prog, w, t, (1.0 - prm.beta) ** delay, delay)
    reassign(c, ops, prog, st.disp, w, t)


@ALGORITHMS.register("ordered-momentum-asgd")
class OrderedMomentumASGD(Algorithm):
    parameters = {
        "beta": Fraction(doc="momentum weight β ∈ (0, 1) of the newest gradient", excluded=(0.0, 1.0)),
    }
    example = {"beta": 0.5}
    theorem = "ordered-momentum-dd"
    on_arrival = staticmethod(ordered_momentum_arrival)
    update = "ema-momentum"

    def kernel_params(self):
        return Momentum(self.params["beta"])

    def update_params(self):
        return np.array([self.params["beta"]], np.float64)
