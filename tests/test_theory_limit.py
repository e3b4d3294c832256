"""Where ASGD with stepsizes γ_i ∝ τ_i^p settles (card ``asgd-heterogeneous-limit``), and
the readings of Rescaled ASGD's normalisation under strongly unequal times.

Instance: n = 100 workers with τ_i = i² (the slowest 10⁴ times slower than the fastest),
f_i(x) = ½(x − c_i)² with c_1 = −1, c_2 = 1 and c_i = 0 otherwise, so x* = 0; noiseless,
x0 = 2. The card predicts the limit as the minimiser of Σ_i w_i f_i, w_i = τ_i^{p−1}
(card-audit.md §4.2): vanilla ASGD (p = 0) → Σ c_i/i² / Σ 1/i² ≈ −0.459, Rescaled ASGD
(p = 1) → x* = 0, the poster's exponent read literally (p = −1) → Σ c_i/i⁴ / Σ 1/i⁴ ≈ −0.866.
"""

import math

import numpy as np
import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.engine.run import simulate
from ratecheck.problems import make_problem
from ratecheck.theory import load_card

N = 100
CENTERS = [[-1.0], [1.0]] + [[0.0]] * (N - 2)
PROBLEM = {"family": "heterogeneous-quadratic", "n": N, "d": 1, "eigenvalues": [[1.0]] * N, "centers": CENTERS,
           "sigma2": 0.0, "x0": 2.0}
MODEL = {"model": "fixed", "n": N, "profile": "quadratic"}
HORIZON = 1.0e5


def predicted(problem, tau, p):
    """The card's limit: the weighted minimiser with w_i = the card's weight at τ_i."""
    card = load_card("asgd-heterogeneous-limit")
    w = [card.evaluate({"tau_i": float(t), "exponent": p}).bounds["weight"] for t in tau]
    return float(problem.weighted_minimizer(w)[0])


def run(method, params, gamma):
    problem, model = make_problem(PROBLEM), make_model(MODEL)
    (r,) = simulate(problem, model, ALGORITHMS.get(method)({"gamma": gamma, **params}), [gamma], 0,
                    max_time=HORIZON)
    return r, problem, model


def test_card_weights_by_hand():
    card = load_card("asgd-heterogeneous-limit")
    w = lambda tau, p: card.evaluate({"tau_i": tau, "exponent": p}).bounds["weight"]  # noqa: E731
    assert w(4.0, 0) == 0.25 and w(4.0, 1) == 1.0 and w(4.0, -1) == 1 / 16
    assert card.evaluate({"tau_i": 4.0}).parameters["exponent"] == 1  # Rescaled ASGD's reading


def test_limit_points_by_hand():
    problem, model = make_problem(PROBLEM), make_model(MODEL)
    i = np.arange(1, N + 1.0)
    np.testing.assert_array_equal(model.tau_bounds(), i**2)
    assert predicted(problem, i**2, 0) == pytest.approx((-1 + 1 / 4) / np.sum(1 / i**2), rel=1e-12)  # -0.4559
    assert predicted(problem, i**2, 1) == pytest.approx(0.0, abs=1e-15)
    assert predicted(problem, i**2, -1) == pytest.approx((-1 + 1 / 16) / np.sum(1 / i**4), rel=1e-12)  # -0.8657


@pytest.mark.parametrize("method,params,p,gamma", [
    ("asgd", {}, 0, 0.002),                                         # vanilla: the frequency-weighted point
    ("rescaled-asgd", {}, 1, 0.05),                                 # default γ τ̂_i/τ̂_max: x*
    ("rescaled-asgd", {"exponent": -1.0, "mean": -math.inf}, -1, 0.002),  # the poster's exponent
])
def test_each_reading_settles_where_the_card_says(method, params, p, gamma):
    """The final iterate lies within 0.05 of the card's point; the three points are at
    least 0.4 apart, so each run is told apart from the others' predictions. The run is
    stable: its distance to x* never exceeds the start's."""
    r, problem, model = run(method, params, gamma)
    x = math.sqrt(r.checkpoints["dist_sq"][-1])  # |x − x*| with x* = 0
    points = {q: predicted(problem, model.tau_bounds(), q) for q in (0, 1, -1)}
    assert abs(x - abs(points[p])) < 0.05
    assert all(abs(abs(points[p]) - abs(points[q])) > 0.4 for q in points if q != p)
    assert np.nanmax(r.checkpoints["dist_sq"]) <= r.checkpoints["dist_sq"][0]


def test_harmonic_normalisation_is_unstable_where_the_default_is_not():
    """γ τ̂_i/τ̂_H gives the slowest worker τ_n/τ_H = 163.5 times γ: at γ = 0.05 its steps
    of 8.2 on stale points blow the iterate up, where the default (max) normalisation at
    the same γ settles at x* (previous test)."""
    tau = np.arange(1, N + 1.0) ** 2
    assert tau[-1] * np.mean(1 / tau) == pytest.approx(163.5, abs=0.05)
    r, _, _ = run("rescaled-asgd", {"mean": -1.0}, 0.05)
    assert r.status == "diverged" or np.nanmax(r.checkpoints["dist_sq"]) > 1e6
