"""ATA's guarantee checked on the trace's round times (card ``ata``; card-audit.md §6).

Maranjyan, Saad, Richtárik, Orabona (ICML 2025): C_K ≤ (1 + 4η ln B)·C*_K + O(ln K), with
ℓ(a, μ) = max_i a_i μ_i ≤ E[C(a)] ≤ (1 + 4η ln B)·ℓ(a, μ) (theory note fixed-computation.md
§5.3). Rounds are sequential and end at their B-th arrival, so the simulator's time at
iteration K is Σ_{k≤K} C(a^k), and its mean over seeds estimates C_K. The instance is the
one of ``problems/ata-allocation.toml``: X_i = i + Exp(mean i), n = 17, B = 23, for which
‖X_i − μ_i‖_ψ1 = 1.5313·i and η = max_i α_i/μ_i = 1.5313/2 = 0.7657.
"""

import math

import numpy as np
import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.engine.run import simulate
from ratecheck.problems import make_problem
from ratecheck.theory import load_card

N, B, K, SEEDS = 17, 23, 400, 12
ETA, ALPHA = 1.5313 / 2, 1.5313 * N


def best_proxy(mu, B):
    """min_{Σa = B} max_i a_i μ_i: the B-th smallest of the values u·μ_i, u ≥ 1."""
    return float(np.sort(np.outer(np.arange(1, B + 1), mu).ravel())[B - 1])


@pytest.fixture(scope="module")
def rounds():
    model = make_model({"model": "random", "n": N, "family": "exponential", "base": "linear", "noise": "linear",
                        "order": "shuffled", "shuffle_seed": 1})
    problem = make_problem({"family": "quadratic", "d": 2, "L": 1.0, "mu": 1.0, "sigma2": 0.0})
    out = {}
    for name, params, k in (("ata", {"alpha": ALPHA}, K), ("fta", {}, K), ("uta", {}, K), ("ata", {"alpha": ALPHA}, K // 2)):
        alg = ALGORITHMS.get(name)({"gamma": 0.1, "B": B, **params})
        times = [simulate(problem, model, alg, [0.1], seed, max_iter=k)[0].final["time"] for seed in range(SEEDS)]
        out[name if k == K else f"{name}/2"] = float(np.mean(times))
    return out, model.mean_times()


def test_best_proxy_by_hand():
    # μ = (2, 4): values 2, 4, 4, 6, 8, 8, …; B = 3 → a = (2, 1), max(2·2, 1·4) = 4
    assert best_proxy(np.array([2.0, 4.0]), 3) == 4.0
    assert best_proxy(np.array([2.0, 4.0]), 1) == 2.0


def test_round_times_obey_the_proxy_bounds(rounds):
    """Every allocation a: ℓ(a, μ) ≤ E[C(a)], so C_K/K ≥ ℓ* for every rule; FTA's fixed
    allocation a* of the proxy has E[C(a*)] ≤ proxy_gap·ℓ* (the card's explicit bound)."""
    C, mu = rounds
    ell = best_proxy(mu, B)
    gap = load_card("ata").evaluate({"eta": ETA, "B": B}).bounds["proxy_gap"]
    assert gap == pytest.approx(1 + 4 * ETA * math.log(B), rel=1e-12)  # 10.60
    for name in ("ata", "fta", "uta"):
        assert C[name] / K >= ell, name
    assert C["fta"] / K <= gap * ell


def test_ata_total_time_within_the_theorem(rounds):
    """C*_K ≤ C_K(FTA) (a* is the best fixed allocation), so the theorem implies
    C_K(ATA) ≤ (1 + 4η ln B)·C_K(FTA) + O(ln K); at K = 400 the O(ln K) term is dropped.
    Uniform allocation (UTA) is a fixed allocation too, so it bounds C*_K as well."""
    C, _ = rounds
    card = load_card("ata")
    bound = card.evaluate({"eta": ETA, "B": B, "C_star_K": C["fta"]}).bounds["total_time"]
    assert C["ata"] <= bound
    assert C["ata"] <= card.evaluate({"eta": ETA, "B": B, "C_star_K": C["uta"]}).bounds["total_time"]
    # and ATA learns: cheaper than uniform allocation, and its later rounds cheaper than its first
    assert C["ata"] < C["uta"]
    assert (C["ata"] - C["ata/2"]) / (K - K // 2) < C["ata/2"] / (K // 2)
