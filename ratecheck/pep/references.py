"""Known tight worst cases of undelayed gradient descent, the PEP's reference values.

* **Drori & Teboulle 2014** (Math. Program. 145:451–482, Thm 3.1; arXiv 1206.3209),
  L-smooth convex f, ``x_{k+1} = x_k − γ∇f(x_k)`` with 0 < γ ≤ 1/L::

      f(x_N) − f* ≤ L‖x_0 − x*‖² / (4NLγ + 2),

  attained by a Huber-type function (tight). Also the value PEPit's
  ``wc_gradient_descent`` compares with (theory notes §8, [V-code]).
* **Distance contraction**, L-smooth μ-strongly convex f, 0 < γ < 2/L: the gradient step
  is ρ-Lipschitz with ``ρ = max(|1 − γμ|, |1 − γL|)`` (for C² f, ``I − γ∇²f`` has its
  spectrum in [1 − γL, 1 − γμ]; integrate along the segment; C¹ f by density), and it
  fixes x*, so ``‖x_N − x*‖² ≤ ρ^{2N} ‖x_0 − x*‖²``; ``f(x) = (λ/2)‖x − x*‖²`` with
  λ ∈ {μ, L} attains it (tight). At γ = 1/L: ``(1 − μ/L)^{2N}``.
"""

from __future__ import annotations

from .methods import DelayedGD


def drori_teboulle(N: int, L: float, gamma: float, D: float) -> float:
    """Tight worst case of f(x_N) − f* for GD on L-smooth convex f, ‖x_0 − x*‖ ≤ D, γ ≤ 1/L."""
    if not 0 < gamma * L <= 1:
        raise ValueError("Drori–Teboulle's bound is stated for 0 < γ ≤ 1/L")
    return L * D * D / (4 * N * L * gamma + 2)


def gd_distance(N: int, L: float, mu: float, gamma: float, D: float) -> float:
    """Tight worst case of ‖x_N − x*‖² for GD on L-smooth μ-strongly convex f, 0 < γ < 2/L."""
    if not 0 < gamma * L < 2:
        raise ValueError("the contraction factor is < 1 only for 0 < γ < 2/L")
    rho = max(abs(1 - gamma * mu), abs(1 - gamma * L))
    return rho ** (2 * N) * D * D


def reference(method: DelayedGD, L: float, mu: float, criterion: str, initial: str, D: float | None):
    """``(value, citation)`` of the known tight worst case that applies to this setting, or ``None``.

    Applies only to undelayed GD (every effective delay 0, constant stepsize) with the
    initial condition ‖x_0 − x*‖ ≤ D.
    """
    if initial != "dist" or any(method.effective_delays) or len(set(method.stepsizes)) != 1:
        return None
    gamma = method.stepsizes[0]
    if criterion == "fgap" and mu == 0 and 0 < gamma * L <= 1:
        return drori_teboulle(method.N, L, gamma, D), "Drori & Teboulle 2014, Thm 3.1 (tight)"
    if criterion == "dist" and 0 < gamma * L < 2:
        return gd_distance(method.N, L, mu, gamma, D), "GD contraction max(|1−γμ|,|1−γL|)^{2N} (tight on quadratics)"
    return None
