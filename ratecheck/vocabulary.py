"""The controlled vocabulary of assumptions shared by problems, asynchrony models and cards.

A theorem card lists the assumptions it needs; a problem and an asynchrony model
each declare the properties they satisfy. The card applies exactly when every
assumption it lists is declared by the problem or the model
(:func:`missing_assumptions`); otherwise its verdict is ``not-applicable``.
"""

from __future__ import annotations

#: Properties a problem may declare.
PROBLEM_PROPERTIES = {
    "smooth": "∇f is L-Lipschitz (L given as a constant)",
    "lower-bounded": "f ≥ f* > −∞ with Δ = f(x0) − f* known",
    "convex": "f is convex",
    "strongly-convex": "f is μ-strongly convex with μ > 0",
    "nonconvex": "f is not assumed convex (declared by families that are genuinely non-convex)",
    "bounded-variance": "E‖g(x;ξ) − ∇f(x)‖² ≤ σ² for all x (the whole space)",
    "bounded-variance-region": "the variance bound σ² holds on a stated region only",
    "unbiased": "E g(x;ξ) = ∇f(x)",
    "homogeneous": "every worker samples from the same distribution",
    "heterogeneous": "f = (1/n) Σ f_i, worker i samples ∇f_i",
    "bounded-heterogeneity": "(1/n) Σ‖∇f_i(x) − ∇f(x)‖² ≤ ζ² for all x",
    "heterogeneity-zeta-rho": "‖∇f_i(x)‖² ≤ ζ² + ρ²‖∇f(x)‖² (Rescaled ASGD)",
    "ringleader-smooth": "‖∇f(x) − (1/n)Σ∇f_i(y_i)‖² ≤ (L²/n)Σ‖x − y_i‖² (Ringleader Assumption 2)",
    "finite-sum": "f is an average of per-sample losses; ξ is a sample index",
    "quadratic": "f is a quadratic",
}

#: Properties an asynchrony model may declare.
MODEL_PROPERTIES = {
    "fixed-computation": "worker i needs at most τ_i seconds per gradient (Mishchenko et al. 2022)",
    "random-computation": "compute times are random, independent of the samples",
    "universal-computation": "worker i finishes ⌊∫ v_i⌋ gradients (Tyurin 2025)",
    "times-independent-of-samples": "compute times are independent of the stochastic gradients",
    "data-dependent-delays": "the compute time depends on the sample drawn",
    "delay-sequence": "delays are given directly as a sequence δ_k",
    "bounded-delay": "every delay is at most τ_max",
    "adversarial-delay": "delays are chosen by an adversary within a bound",
    "worker-induced-delays": "delays arise from n workers served by a server (Koloskova et al. 2022)",
}

VOCABULARY = {**PROBLEM_PROPERTIES, **MODEL_PROPERTIES}


def unknown_terms(terms) -> list[str]:
    """Terms that are not in the controlled vocabulary."""
    return [t for t in terms if t not in VOCABULARY]


def missing_assumptions(required, declared) -> list[str]:
    """The required assumptions not covered by the declared properties."""
    declared = set(declared)
    return [a for a in required if a not in declared]
