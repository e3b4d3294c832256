"""Ordered corrected momentum with anytime averaging, convex (RECONSTRUCTED from fragments).

Dahan, Reshef, Goldstein, Levy (2026), "Bringing Order to Asynchronous SGD: Towards
Optimality under Data-Dependent Delays with Momentum", arXiv:2605.02043, convex
analysis (seed 001, fragments [15], [16]; theory note momentum-data-dependent.md). Each
step and what it rests on (t = 1, 2, … counts updates, α_t = t, α_{1:t} = Σ_{τ≤t} α_τ):

* anytime averaging — fragment [15]: α_{1:t+1}(f(x_{t+1}) − f(x)) = α_{1:t}(f(x_t) − f(x))
  + α_{1:t}(f(x_{t+1}) − f(x_t)) + α_{t+1}(f(x_{t+1}) − f(x)) and the linear terms
  α_τ⟨∇f(x_τ), w_τ − x⟩: workers query x_{t+1} = (α_{1:t} x_t + α_{t+1} w_{t+1})/α_{1:t+1},
  the α-weighted average of the primal iterates w;
* α-weighted corrected momentum — fragment [16]: q_t = Σ_k s_k with
  Σ_{k≤t} s̄_k = α_t ∇f(x_t) (s̄_k the mean of s_k). [reconstructed] The μ²-SGD / STORM
  increment s_k = α_k g(x_k; ξ_k) − α_{k−1} g(x_{k−1}; ξ_k), both gradients with the
  same sample at the two query points the worker read (Dahan & Levy, ICLR 2025,
  arXiv:2304.04172; α_0 = 0, so the n first increments, all at x_1, carry no
  correction). The weights α_t = t and the step w_{t+1} = w_t − γ q_t/α_t with a
  constant γ are μ²-SGD's [reconstructed; the paper's schedule was not found];
* delayed increments at their designated iterations — fragment [16]'s error
  ε_t = q_t − α_t∇f(x_t) = Σ_{i∈I(t)} (s₁⁽ⁱ⁾ − s̄₁) + Σ_{k∉T(t)∪{1}} (s_k − s̄_k)
  + Σ_{k∈T(t)} (s̄₁ − s̄_k): q_t sums the increments that have *arrived*, each with the
  weights α_k, α_{k−1} of its own iteration k (the iteration of the point the worker
  read), T(t) those still in flight and I(t) the arrived first increments (on ASGD's
  schedule |I(t)| = |T(t)| + 1, which is what the formula needs). [reconstructed]

So the update on the arrival of the increment of iteration k (its delay δ = t − k) is

    q_t = q_{t−1} + k g(x_k; ξ) − (k − 1) g(x_{k−1}; ξ),   d_t = q_t/t,
    w_{t+1} = w_t − γ d_t,   x_{t+1} = (α_{1:t−1} x_t + α_t w_{t+1})/α_{1:t}

(the recursion's ``mu2`` rule with STEP weight k/t; the point indices follow
:mod:`.mu2sgd`). μ²-SGD (``mu2-sgd``, the paper's baseline Eq. (14)) weighs the same
arriving increment with α_t, α_{t−1} instead; with one worker (k = t) the two are
equal bit for bit. The model charges one compute time per computation (the second
gradient, on the same sample, is not charged).
"""

from __future__ import annotations

from numba import njit

from ..engine.clock import current_sample
from ..engine.loop import reassign
from ..engine.ops import emit_grad, emit_step
from ..engine.status import COMPUTED, ITER
from . import ALGORITHMS
from .base import Algorithm


@njit(cache=True, _nrt=False, inline="always")
def ordered_mu2_arrival(c, ops, prog, st, prm, t, w):
    """Vanilla ASGD's schedule; STEP weight k/t = (t − δ)/t, the designated iteration's
    weight α_k over the current α_t."""
    disp = st.disp
    emit_grad(ops, w, c.k[w], current_sample(c, w), 1.0, prog[ITER] - disp[w])
    prog[ITER] += 1
    emit_step(ops, (disp[w] + 1.0) / prog[ITER], t, prog[COMPUTED])
    reassign(c, ops, prog, disp, w, t)


@ALGORITHMS.register("ordered-mu2-asgd")
class OrderedMu2ASGD(Algorithm):
    theorem = "ordered-mu2-dd"
    on_arrival = staticmethod(ordered_mu2_arrival)
    update = "mu2"
