"""Card numbers against hand computation (plain arithmetic, never the card's own code)."""

import math

import numpy as np
import pytest
import sympy as sp

from ratecheck.theory import load_card
from ratecheck.theory import language as lang

L, DELTA, SIGMA2, EPS = 1.0, 442.77, 0.1729, 0.01  # RM-Q constants, fixed-computation.md §10


def t_homog(tau, L, Delta, sigma2, eps):
    """min_m H_m (LΔ/ε + σ²LΔ/(mε²)), tau sorted, by plain loops."""
    best, s = math.inf, 0.0
    for m, t in enumerate(sorted(tau), start=1):
        s += 1.0 / t
        best = min(best, (m / s) * (L * Delta / eps + sigma2 * L * Delta / (m * eps**2)))
    return best


def test_ringmaster_rmq_numbers_match_theory_note():
    """§10: R = 18, γ = 0.01446, K = 18,624,678, t(R) = 19.09, T ≈ 1.98e7, T_homog ≈ 4.11e5."""
    n = 6174
    tau = [float(i) for i in range(1, n + 1)]
    ev = load_card("ringmaster-asgd").evaluate({"L": L, "Delta": DELTA, "sigma2": SIGMA2, "eps": EPS}, tau)
    R = max(1, math.ceil(SIGMA2 / EPS))
    assert R == 18 and ev.parameters["R"] == R
    assert ev.parameters["gamma"] == pytest.approx(min(1 / (2 * R * L), EPS / (4 * L * SIGMA2)), rel=1e-15)
    assert ev.parameters["gamma"] == pytest.approx(0.01446, abs=5e-6)
    K = math.ceil(8 * R * L * DELTA / EPS + 16 * SIGMA2 * L * DELTA / EPS**2)
    assert K == 18_624_678 and ev.bounds["iterations"] == K
    # Lemma 1 for τ_i = i: 2 min_m H_m (1 + R/m) = 2 min_m (m + R)/h_m, h_m the harmonic number
    h, block = 0.0, math.inf
    for m in range(1, n + 1):
        h += 1.0 / m
        block = min(block, 2 * (m + R) / h)
    assert ev.bounds["block_time"] == pytest.approx(block, rel=1e-12)
    assert round(block, 2) == 19.09
    assert ev.bounds["time"] == pytest.approx(math.ceil(K / R) * block, rel=1e-12)
    assert ev.bounds["time"] == pytest.approx(1.98e7, rel=0.01)
    lb = load_card("lower-bound-homogeneous").evaluate({"L": L, "Delta": DELTA, "sigma2": SIGMA2, "eps": EPS}, tau)
    assert lb.bounds["time"] == pytest.approx(t_homog(tau, L, DELTA, SIGMA2, EPS), rel=1e-12)
    assert lb.bounds["time"] == pytest.approx(4.11e5, rel=0.005)
    assert ev.bounds["time"] / lb.bounds["time"] == pytest.approx(48, rel=0.01)  # "ratio ≈ 48"
    het = load_card("lower-bound-heterogeneous").evaluate({"L": L, "Delta": DELTA, "sigma2": SIGMA2, "eps": EPS}, tau)
    assert het.bounds["time"] == pytest.approx(2.74e8, rel=0.005)


def test_t_homog_linear_n10_and_m_star():
    tau = list(range(1, 11))
    vals = {"L": 2.0, "Delta": 3.0, "sigma2": 0.5, "eps": 0.05}
    ev = load_card("lower-bound-homogeneous").evaluate(vals, np.array(tau[::-1], dtype=float))  # any order
    want = t_homog(tau, 2.0, 3.0, 0.5, 0.05)
    assert ev.bounds["time"] == pytest.approx(want, rel=1e-13)
    # m* by hand: the m attaining the minimum
    terms = [(m / sum(1 / t for t in tau[:m])) * (6 / 0.05 + 0.5 * 6 / (m * 0.05**2)) for m in range(1, 11)]
    assert ev.parameters["m_star"] == 1 + terms.index(min(terms))
    # with τ_i = i, n = 10: ASGD (m = n) and minibatch (τ_max) by hand
    h10 = 10 / sum(1 / t for t in tau)
    asgd = load_card("asgd").evaluate(vals, tau).bounds["time"]
    assert asgd == pytest.approx(h10 * (6 / 0.05 + 3 / (10 * 0.05**2)), rel=1e-13)
    mb = load_card("minibatch-sgd").evaluate(vals, tau).bounds["time"]
    assert mb == pytest.approx(10 * (6 / 0.05 + 3 / (10 * 0.05**2)), rel=1e-13)
    assert want <= asgd <= mb


def test_rennala_explicit_bound_by_hand():
    tau = [1.0, 2.0, 4.0, 8.0]
    ev = load_card("rennala-sgd").evaluate({"L": 2.0, "Delta": 5.0, "sigma2": 3.0, "eps": 0.1}, tau)
    S = max(math.ceil(3.0 / 0.1), 1)
    K = math.ceil(16 * 2.0 * 5.0 / 0.1)
    step = min(2 * (m / sum(1 / t for t in tau[:m])) * (1 + S / m) for m in range(1, 5))
    assert ev.parameters == {"S": S, "gamma": 0.25}
    assert ev.bounds["iterations"] == K == 1600
    assert ev.bounds["time"] == pytest.approx(K * step, rel=1e-13)


def test_malenia_and_ringleader_by_hand():
    tau = [1.0, 3.0]
    v = {"L": 1.0, "L_rl": 1.5, "Delta": 2.0, "sigma2": 4.0, "eps": 0.5}
    mal = load_card("malenia-sgd").evaluate(v, tau)
    S = max(math.ceil(4.0 / 0.5), 2)
    assert mal.parameters["S"] == S == 8
    assert mal.bounds["time_per_iteration"] == pytest.approx(2 * (3.0 + 2.0 * S / 2))
    rl = load_card("ringleader-asgd").evaluate(v, tau)
    B = max(1.0, 3.0 / (2 * 2.0))  # τ_n/(2τ_avg) = 0.75 < 1: a harmonic mean of batches ≥ 1 is ≥ 1 (issue 21)
    assert rl.parameters["B"] == B == 1.0
    assert rl.parameters["gamma"] == pytest.approx(min(1 / (8 * 2 * 1.5), 0.5 * B / (10 * 1.5 * 4.0)))
    assert rl.bounds["delay"] == 2
    assert rl.bounds["time"] == pytest.approx((1.5 * 2.0 / 0.5) * (3.0 + 2.0 * 4.0 / (2 * 0.5)))


def test_fill_is_the_kth_event_time():
    """Fill(k, c): the k-th smallest of {c τ_i j}, listed by brute force."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        tau = np.sort(rng.uniform(0.1, 5.0, rng.integers(1, 6)))
        k, c = int(rng.integers(1, 30)), float(rng.choice([1.0, 4.0]))
        events = sorted(c * t * j for t in tau for j in range(1, k + 1))
        ts = lang.TauStats(tau)
        assert ts.fill(k, c) == pytest.approx(events[k - 1], rel=1e-12)
    assert lang.TauStats([1.0, 2.0, 3.0]).fill(5, 4) == 12.0


def test_universal_card_uses_fill():
    ev = load_card("ringmaster-asgd-universal").evaluate({"L": 1.0, "Delta": 1.0, "sigma2": 0.4, "eps": 0.1},
                                                         [1.0, 2.0, 3.0])
    assert ev.parameters["R"] == 4
    # workers finish a gradient every 4τ_i: events 4, 8, 8, 12, 12, 12, ... the 4th is at 12
    assert ev.bounds["block_time"] == 12.0


def test_ceiling_is_exact_on_decimal_inputs():
    """0.07/0.01 = 7.000000000000001 in floating point; ⌈0.07/0.01⌉ = 7."""
    assert math.ceil(0.07 / 0.01) == 8
    ev = load_card("ringmaster-asgd").evaluate({"L": 1.0, "Delta": 1.0, "sigma2": 0.07, "eps": 0.01})
    assert ev.parameters["R"] == 7
    ev = load_card("rennala-sgd").evaluate({"L": 1.0, "Delta": 1.0, "sigma2": 0.33, "eps": 0.03})
    assert ev.parameters["S"] == 11


def test_symbolic_expansion_for_concrete_tau():
    c = load_card("lower-bound-homogeneous")
    t1, t2 = sp.symbols("t1 t2", positive=True)
    e = lang.expand_tau(c.bounds["time"].expr, [t1, t2])
    assert isinstance(e, sp.Min) and e.has(t1) and e.has(t2)
    syms = {name: c.symbols[name].sym for name in ("L", "Delta", "sigma2", "eps")}
    exact = lang.expand_tau(c.bounds["time"].expr, [1, 2]).subs(
        {syms["L"]: 1, syms["Delta"]: 1, syms["sigma2"]: 1, syms["eps"]: sp.Rational(1, 2)})
    # m = 1: 1·(2 + 4) = 6; m = 2: (4/3)(2 + 2) = 16/3
    assert exact == sp.Rational(16, 3)
