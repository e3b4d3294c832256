"""Logistic regression: certified L, f*, x*, σ² and σ²(x*) checked independently of the code."""

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import expit

from ratecheck.problems import make_problem
from ratecheck.problems.logistic import Logistic
from ratecheck.testing import check_fast_oracle, lipschitz_ratios
from test_problems_common import assert_spec_error, mc_variance


@pytest.fixture(scope="module")
def plain():
    return Logistic(m=150, d=8, lam=0.0, seed=1)


@pytest.fixture(scope="module")
def ridge():
    return Logistic(m=120, d=6, lam=0.05, cost="gradient", seed=2)


def exact_variance(p, x):
    """E_ξ‖∇f_ξ(x) − ∇f(x)‖² by enumerating the m samples."""
    g = np.array([p.stochastic_grad(x, 0, i, None) for i in range(p.n_samples)])
    return float(np.mean(np.sum((g - p.grad(x)) ** 2, axis=1))), g


@pytest.mark.parametrize("which", ["plain", "ridge"])
def test_L_bounds_gradient_differences_and_is_attained_near_zero(which, request):
    p = request.getfixturevalue(which)
    L = p.constants["L"].value
    rng = np.random.default_rng(0)
    assert lipschitz_ratios(p.grad, p.d, rng, scale=1.0).max() <= L
    v = np.linalg.svd(p.A)[2][0]  # top right singular vector: ∇²f(0) v = L v
    h = 1e-5
    assert np.linalg.norm(p.grad(h * v) - p.grad(-h * v)) / (2 * h) >= L * (1 - 1e-6)


@pytest.mark.parametrize("which", ["plain", "ridge"])
def test_f_star_is_a_certified_lower_bound_within_solver_accuracy(which, request):
    p = request.getfixturevalue(which)
    f_lo = p.constants["f_star"].value
    assert 0 <= p.f(p.x_star) - f_lo < 1e-11
    assert np.linalg.norm(p.grad(p.x_star)) < 1e-12
    # an independent solver from random starts cannot go below the certified lower bound
    rng = np.random.default_rng(5)
    for _ in range(3):
        res = minimize(p.f, rng.standard_normal(p.d) * 3, jac=p.grad, method="BFGS", options={"gtol": 1e-10})
        assert res.fun >= f_lo
        assert res.fun - f_lo < 1e-9
        assert np.linalg.norm(res.x - p.x_star) < 1e-6
    assert p.certificate["gap_cvxpy"] < 1e-4 and p.certificate["gap_lbfgs"] < 1e-6
    assert p.constants["Delta"].value >= p.f(p.x0) - p.f(p.x_star)
    assert p.constants["Delta"].value - (p.f(p.x0) - p.f(p.x_star)) < 1e-10
    assert p.constants["D"].value >= np.linalg.norm(p.x0 - p.x_star)
    assert all(p.constants[k].provenance == "certified" for k in ("L", "f_star", "Delta", "D", "sigma2", "sigma2_star"))


def test_mu_is_lambda(ridge):
    assert ridge.constants["mu"].value == 0.05 and "strongly-convex" in ridge.properties
    rng = np.random.default_rng(6)
    for scale in (0.1, 10.0, 1000.0):
        x = rng.standard_normal(ridge.d) * scale
        t = ridge.A @ x
        H = (ridge.A.T * (expit(t) * expit(-t))) @ ridge.A / ridge.n_samples + 0.05 * np.eye(ridge.d)
        assert np.linalg.eigvalsh(H)[0] >= 0.05 * (1 - 1e-12)
    # far away along a direction the data curvature vanishes: λ_min(∇²f) → λ
    x = 1e4 * np.ones(ridge.d)
    t = ridge.A @ x
    H = (ridge.A.T * (expit(t) * expit(-t))) @ ridge.A / ridge.n_samples
    assert np.linalg.eigvalsh(H)[-1] < 1e-3


@pytest.mark.parametrize("which", ["plain", "ridge"])
def test_variance_bounds(which, request):
    p = request.getfixturevalue(which)
    s2 = p.constants["sigma2"].value
    rng = np.random.default_rng(7)
    worst = max(exact_variance(p, rng.standard_normal(p.d) * sc)[0] for sc in (0.1, 1, 10, 100) for _ in range(5))
    assert worst <= s2
    v_star, _ = exact_variance(p, p.x_star)
    s2_star = p.constants["sigma2_star"].value
    assert v_star <= s2_star < v_star + 1e-8
    # Monte Carlo through draw_samples matches the enumerated variance within its CI
    x = rng.standard_normal(p.d)
    v_exact, _ = exact_variance(p, x)
    m, se, bias, bias_se = mc_variance(p, x, 6000, rng)
    assert abs(m - v_exact) < 4 * se
    assert np.all(np.abs(bias) < 4.5 * bias_se + 1e-15)


def test_sample_costs(plain, ridge):
    assert plain.sample_cost.shape == (1, plain.n_samples) and np.all(plain.sample_cost == 1.0)
    c = ridge.sample_cost[0]
    assert c.mean() == pytest.approx(1.0) and np.all(c > 0)
    _, g = exact_variance(ridge, ridge.x_star)
    gn = np.linalg.norm(g - ridge.constants["mu"].value * ridge.x_star, axis=1)  # ‖∇ℓ_i(x*)‖
    np.testing.assert_allclose(c, gn / gn.mean(), rtol=1e-10)
    q = Logistic(m=50, d=3, lam=0.1, cost="norm")
    np.testing.assert_allclose(q.sample_cost[0], np.linalg.norm(q.A, axis=1) / np.linalg.norm(q.A, axis=1).mean())
    # rare costly samples: the 4% (6 of 120) with the largest ‖∇ℓ_i(x*)‖ cost 25× the rest, mean 1
    r = Logistic(m=120, d=6, lam=0.05, cost="rare", rare=0.05, rare_ratio=25.0, seed=2).sample_cost[0]
    assert r.mean() == pytest.approx(1.0) and sorted(set(np.round(r / r.min(), 12))) == [1.0, 25.0]
    np.testing.assert_array_equal(np.flatnonzero(r > r.min()), np.sort(np.argsort(-c)[:6]))


def test_fast_oracle_matches_numpy(plain, ridge):
    check_fast_oracle(plain, np.random.default_rng(8))
    check_fast_oracle(ridge, np.random.default_rng(9))


def test_seed_gives_bit_identical_instances(ridge):
    again = Logistic(m=120, d=6, lam=0.05, cost="gradient", seed=2)
    assert np.array_equal(again.A, ridge.A) and np.array_equal(again.y, ridge.y)
    assert np.array_equal(again.x_star, ridge.x_star)
    assert again.constants.as_dict() == ridge.constants.as_dict()
    assert not np.array_equal(Logistic(m=120, d=6, lam=0.05, seed=3).A, ridge.A)


@pytest.mark.parametrize("kw,name", [
    (dict(m=0), "m"), (dict(d=2.5), "d"), (dict(lam=-0.1), "lam"), (dict(lam=float("nan")), "lam"),
    (dict(cost="random"), "cost"), (dict(signal=-1.0), "signal"), (dict(x0=[1, 2]), "x0"),
    (dict(rare=1.0), "rare"), (dict(rare_ratio=0.5), "rare_ratio"),
    (dict(m=30, d=10, signal=100.0), "lam"),  # separable data and λ = 0: no minimiser
])
def test_bad_input_names_the_parameter(kw, name):
    assert_spec_error(lambda: make_problem({"family": "logistic", **kw}), name)
