"""Worked examples in PEPit's style: each function runs a card's method on a small
instance and returns ``(observed, theoretical)``.

As PEPit's ``wc_gradient_descent(L, gamma, n)`` returns the worst case it computes next to
the theorem's value, each example here returns the median over three seeds of the
simulated complexity to ε (``measure``: ``"iterations"`` or virtual ``"time"``) next to
the card's bound on it, both on the instance :func:`ratecheck.theory.explain.explain`
builds (a diagonal quadratic, d = 10, L = 1, μ = 0.1, σ² = 1, with fixed compute times
τ_i = √i of n = 8 workers; ``**sets`` changes any of them or a card input, as
``ratecheck explain --set``). For an upper bound with explicit constants, ``observed ≤
theoretical`` is what the theorem says (tests/test_examples.py checks it).

>>> observed, theoretical = ringmaster_asgd(eps=0.2)    # doctest: +SKIP
"""

from __future__ import annotations

from .errors import SpecError

#: The bundled bound whose example each function runs.
CARDS = {"ringmaster_asgd": "ringmaster-asgd", "rennala_sgd": "rennala-sgd"}


def observed_and_bound(card_id: str, measure: str = "iterations", seed: int = 0, **sets: float) -> tuple[float, float]:
    """``(median observed complexity, the card's bound)`` of card ``card_id`` on the
    explain instance (module docstring); a run that never reached ε counts as +∞."""
    from .theory.explain import explain

    ex = explain(card_id, sets, seed=seed)
    if ex.live is None:
        raise SpecError("example", f"card {card_id!r} has no live example: {ex.no_live}")
    if measure not in ("iterations", "time"):
        raise SpecError("measure", f"must be 'iterations' or 'time', got {measure!r}")
    return float(ex.live[measure]["median"]), float(ex.live[measure]["bound"])


def ringmaster_asgd(eps: float = 0.1, n: int = 8, measure: str = "iterations", seed: int = 0) -> tuple[float, float]:
    """Ringmaster ASGD (Maranjyan, Tyurin, Richtárik, ICML 2025, arXiv:2501.16168, Thm 1)
    with the card's R = max(1, ⌈σ²/ε⌉) and γ = min(1/(2RL), ε/(4Lσ²)): the
    average of ‖∇f(x_k)‖² over k ≤ K falls below ε within K = ⌈8RLΔ/ε + 16σ²LΔ/ε²⌉
    iterations (and the matching time bound, Thm 4)."""
    return observed_and_bound(CARDS["ringmaster_asgd"], measure, seed, eps=eps, n=n)


def rennala_sgd(eps: float = 0.1, n: int = 8, measure: str = "iterations", seed: int = 0) -> tuple[float, float]:
    """Rennala SGD (Tyurin, Richtárik, NeurIPS 2023, arXiv:2305.12387; the bound of
    Fragile SGD without communication, arXiv:2405.16218, Thm 4) with the card's batch
    S = max(⌈σ²/ε⌉, 1) and γ = 1/(2L): the average of ‖∇f(x_k)‖² falls below ε within
    K = ⌈16LΔ/ε⌉ iterations."""
    return observed_and_bound(CARDS["rennala_sgd"], measure, seed, eps=eps, n=n)
