"""Optimal parameters: numeric scan against brute force, symbolic stationary points by hand."""

import math

import pytest
import sympy as sp

from ratecheck.theory import load_card
from ratecheck.theory.optimal import optimize

V = {"L": 1.0, "Delta": 10.0, "sigma2": 2.0, "eps": 0.05}


def ringmaster_time(R, tau, L, Delta, sigma2, eps):
    """⌈K/R⌉ · 2 min_m H_m(1 + R/m), K = ⌈8RLΔ/ε + 16σ²LΔ/ε²⌉, by plain loops."""
    K = math.ceil(8 * R * L * Delta / eps + 16 * sigma2 * L * Delta / eps**2)
    s, block = 0.0, math.inf
    for m, t in enumerate(tau, start=1):
        s += 1 / t
        block = min(block, 2 * (m / s) * (1 + R / m))
    return math.ceil(K / R) * block


def test_ringmaster_R_scan_matches_brute_force():
    tau = [math.sqrt(i) for i in range(1, 51)]
    res = optimize(load_card("ringmaster-asgd"), "R", V, tau)
    times = {R: ringmaster_time(R, tau, **V) for R in range(1, 161)}  # the scan covers 1..max(64, 4·40)
    best = min(times, key=times.get)
    assert res.card_value == max(1, math.ceil(2.0 / 0.05)) == 40
    assert res.card_objective == pytest.approx(times[40], rel=1e-12)
    assert res.best_objective == pytest.approx(times[best], rel=1e-12)
    assert res.best_value == best
    assert res.ratio >= 1.0


def test_ringmaster_R_symbolic_stationary_point():
    """d/dR [(8RLΔ/ε + 16σ²LΔ/ε²)/R · 2H(1 + R/m)] = 0 at R² = 2mσ²/ε."""
    res = optimize(load_card("ringmaster-asgd"), "R", V, None)
    assert res.best_value is None  # no τ: the time bound is not evaluated
    R, m, s2, e = sp.symbols("R m sigma2 eps", positive=True)
    (root,) = res.symbolic["stationary"]
    assert sp.simplify(sp.sympify(root, locals={"m": m, "sigma2": s2, "eps": e}) - sp.sqrt(2 * m * s2 / e)) == 0


def test_rennala_S_is_monotone_and_bounded_by_condition():
    tau = [1.0, 2.0, 3.0]
    res = optimize(load_card("rennala-sgd"), "S", V, tau)
    assert "increasing" in res.symbolic["conclusion"] and "S >= sigma2/eps" in res.symbolic["conclusion"]
    assert res.best_value == 40  # smallest S with S ≥ σ²/ε = 40


def test_naive_optimal_m_scans_all_workers():
    tau = [1.0, 1.0, 1.0, 50.0, 60.0]
    res = optimize(load_card("naive-optimal-asgd"), "m", V, tau)
    terms = [(m / sum(1 / t for t in tau[:m])) * (1 * 10 / 0.05 + 2 * 10 / (m * 0.05**2)) for m in range(1, 6)]
    assert res.scanned == 5
    assert res.best_value == 1 + terms.index(min(terms)) == res.card_value


def test_gamma_does_not_affect_ringmaster_time():
    res = optimize(load_card("ringmaster-asgd"), "gamma", V, [1.0, 2.0])
    assert "does not depend" in res.symbolic["conclusion"]
    assert res.best_value == res.card_value
