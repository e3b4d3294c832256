"""OrMo: ordered momentum for asynchronous SGD (RECONSTRUCTED where marked).

Shi, Yang, Li, "Ordered Momentum for Asynchronous SGD", NeurIPS 2024, arXiv:2407.19234.

What was read (the paper's algorithm box and theorems were *not* reachable here; see the
``ormo`` card): the abstract (momentum is incorporated into ASGD "by organizing the
gradients in order based on their iteration indexes"; convergence for non-convex
problems with constant and delay-adaptive learning rates, without dependence on the
maximum delay); Figure 1's caption, as quoted by an AI-generated summary (GitHub
deep-diver/neurips2024, posters/U2Mx0hSRwA) (synchronous SGD with momentum over K workers written
one arriving gradient at a time: u_10 = β²(η g of iteration 0, four of them) + β(η g of
iteration 1) + β⁰(the η g of iteration 2 that arrived), so the momentum decays once per K
gradients and each gradient carries β to the power of its iteration's age); Appendix
C.3.2 of v2 (ite(k, t), "the iteration index of the latest parameter sent to worker k
before iteration t", and the current delay t − ite(k, t)); Lemma 5's case split on
whether the iteration count is divisible by K; Table 4's ablation "OrMo (vanilla SGD
step)" (same summary), so OrMo's parameter step for a late gradient is not the plain η g.

The rule, reconstructed from those pieces (n = K workers, vanilla ASGD's schedule: each
arriving gradient is one update and its worker restarts at the new point; t = 1, 2, …
counts updates; [reconstructed] a parameter handed out after u updates has iteration
index u and belongs to period ⌊u/K⌋, the t-th update runs in period ⌊(t − 1)/K⌋):

* synchronous momentum one gradient at a time [reconstructed from Figure 1: the
  momentum as written there, the parameter moved at every arrival as in ASGD, so that
  at the end of each period it equals synchronous momentum's] — at the first update of every period
  (t > 1, K | t − 1) the momentum fires, x ← x − β u, u ← β u; a gradient g of the
  current period then enters as u ← u + η g, x ← x − η g (with K = 1 this is SGD with
  heavy-ball momentum u_{t+1} = β u_t + η g_t, x_{t+1} = x_t − u_{t+1});
* ordering [reconstructed] — a gradient whose parameter belongs to a period m ≥ 1
  periods back enters the momentum as it would have at its own period,
  u ← u + β^m η g, and the parameter receives at once the steps it missed,
  x ← x − η (1 + β + … + β^m) g = x − η (1 − β^{m+1})/(1 − β) g; every gradient thus
  moves x by η/(1 − β) in total, whatever its delay.

Recursion rule ``ormo`` (:mod:`ratecheck.engine.recursion`): the kernel sends β^m as
the STEP weight. ``ormo-da-asgd`` (:mod:`.ormo_da`) adds the delay-adaptive
learning rate. β = 0 is vanilla ASGD bit for bit; one worker is SGD with heavy-ball
momentum (``polyak-momentum-asgd`` with n = 1), to rounding.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from ..engine.clock import current_sample
from ..engine.loop import reassign
from ..engine.ops import emit_grad, emit_step
from ..engine.status import COMPUTED, ITER
from . import ALGORITHMS
from .base import Algorithm, Fraction

BETA = Fraction(doc="momentum β ∈ [0, 1)", excluded=(1.0,))
OrMoParams = namedtuple("OrMoParams", "beta adaptive")


@njit(cache=True, _nrt=False, inline="always")
def ormo_arrival(c, ops, prog, st, prm, t, w):
    """Vanilla ASGD's schedule; STEP weight β^m (m: periods of n updates the gradient is
    late); GRAD weight n/max(n, δ) when ``prm.adaptive`` (OrMo-DA), else 1."""
    disp = st.disp
    n = disp.shape[0]
    delay = prog[ITER] - disp[w]
    late = prog[ITER] // n - disp[w] // n
    coef = n / delay if prm.adaptive and delay > n else 1.0
    emit_grad(ops, w, c.k[w], current_sample(c, w), coef, delay)
    prog[ITER] += 1
    emit_step(ops, prm.beta**late, t, prog[COMPUTED])
    reassign(c, ops, prog, disp, w, t)


@ALGORITHMS.register("ormo-asgd")
class OrMoASGD(Algorithm):
    parameters = {"beta": BETA}
    example = {"beta": 0.5}
    theorem = "ormo"
    on_arrival = staticmethod(ormo_arrival)
    update = "ormo"
    #: OrMo-DA's delay-adaptive learning rate (:mod:`.ormo_da`)
    adaptive = False

    def kernel_params(self):
        return OrMoParams(self.params["beta"], self.adaptive)

    def update_params(self):
        return np.array([self.params["beta"]], np.float64)
