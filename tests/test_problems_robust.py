"""Robust regression: certified L and σ², f bounds, non-convexity."""

import math

import numpy as np
import pytest

from ratecheck.problems import make_problem
from ratecheck.problems.robust import RobustRegression
from ratecheck.testing import check_fast_oracle, lipschitz_ratios
from test_problems_common import assert_spec_error, fd_hessian, mc_variance


def rho(loss, r, c):
    u = (r / c) ** 2
    return 0.5 * c**2 * (np.log1p(u) if loss == "cauchy" else u / (1 + u))


@pytest.mark.parametrize("loss,lo", [("cauchy", -1 / 8), ("geman-mcclure", -1 / 4)])
def test_loss_derivative_ranges_on_a_grid(loss, lo):
    c = 1.7
    r = np.linspace(-30, 30, 600001)
    h = 1e-3
    d1 = (rho(loss, r + h, c) - rho(loss, r - h, c)) / (2 * h)
    d2 = (rho(loss, r + h, c) - 2 * rho(loss, r, c) + rho(loss, r - h, c)) / h**2
    assert d2.max() == pytest.approx(1.0, abs=1e-5)
    assert d2.min() == pytest.approx(lo, abs=1e-5)
    expected = c / 2 if loss == "cauchy" else 9 * c / (16 * math.sqrt(3))
    assert np.abs(d1).max() == pytest.approx(expected, rel=1e-6)


@pytest.fixture(scope="module", params=["cauchy", "geman-mcclure"])
def prob(request):
    return RobustRegression(m=120, d=5, loss=request.param, c=0.8, seed=4)


def test_L_certified_and_attained_without_noise(prob):
    rng = np.random.default_rng(0)
    assert lipschitz_ratios(prob.grad, prob.d, rng, scale=2.0).max() <= prob.constants["L"].value
    clean = RobustRegression(m=120, d=5, loss=prob.loss, c=0.8, noise=0.0, outliers=0.0, seed=4)
    v = np.linalg.svd(clean.A)[2][0]
    h = 1e-6
    ratio = np.linalg.norm(clean.grad(clean.x_true + h * v) - clean.grad(clean.x_true - h * v)) / (2 * h)
    assert ratio == pytest.approx(clean.constants["L"].value, rel=1e-6)
    assert clean.f(clean.x_true) == 0 and clean.constants["f_star"].provenance == "exact"
    np.testing.assert_array_equal(clean.x_star, clean.x_true)


def test_nonconvex_somewhere(prob):
    # at the outlier-fitting minimiser's neighbourhood some sample sits in the concave part
    rng = np.random.default_rng(1)
    mins = [np.linalg.eigvalsh(fd_hessian(prob.grad, prob.x_true + rng.standard_normal(prob.d) * 3))[0]
            for _ in range(40)]
    assert min(mins) < 0
    assert "nonconvex" in prob.properties and "convex" not in prob.properties


def test_function_bounds(prob):
    c = prob.constants
    rng = np.random.default_rng(2)
    assert all(prob.f(rng.standard_normal(prob.d) * 5) >= c["f_star"].value for _ in range(100))
    assert c["f_local"].value >= prob.f(prob.x_local)
    assert np.linalg.norm(prob.grad(prob.x_local)) < 1e-8
    assert c["Delta"].value >= prob.f(prob.x0) - c["f_star"].value
    assert prob.x_star is None


def test_variance_bound_over_the_whole_space(prob):
    s2 = prob.constants["sigma2"].value
    rng = np.random.default_rng(3)

    def exact(x):
        g = np.array([prob.stochastic_grad(x, 0, i, None) for i in range(prob.n_samples)])
        return float(np.mean(np.sum((g - prob.grad(x)) ** 2, axis=1)))

    assert max(exact(prob.x_true + rng.standard_normal(prob.d) * sc) for sc in (0.1, 1, 3, 30) for _ in range(5)) <= s2
    x = rng.standard_normal(prob.d)
    m, se, bias, bias_se = mc_variance(prob, x, 6000, rng)
    assert abs(m - exact(x)) < 4 * se
    assert np.all(np.abs(bias) < 4.5 * bias_se + 1e-15)


def test_fast_oracle_and_seeds(prob):
    check_fast_oracle(prob, np.random.default_rng(4))
    again = RobustRegression(m=120, d=5, loss=prob.loss, c=0.8, seed=4)
    assert np.array_equal(again.A, prob.A) and np.array_equal(again.b, prob.b)
    assert again.constants.as_dict() == prob.constants.as_dict()


@pytest.mark.parametrize("kw,name", [(dict(loss="huber"), "loss"), (dict(c=0.0), "c"), (dict(outliers=1.5), "outliers"),
                                     (dict(outliers=-0.1), "outliers"), (dict(noise=float("inf")), "noise"),
                                     (dict(m=0), "m"), (dict(outlier_scale=-1.0), "outlier_scale")])
def test_bad_input_names_the_parameter(kw, name):
    assert_spec_error(lambda: make_problem({"family": "robust-regression", **kw}), name)


def test_sample_costs():
    p = RobustRegression(m=60, d=4, seed=3)
    assert np.all(p.sample_cost == 1.0)
    g = RobustRegression(m=60, d=4, seed=3, cost="gradient")
    w = np.linalg.norm([g.stochastic_grad(g.x_local, 0, i, None) for i in range(60)], axis=1)  # ‖∇f_i(x̂)‖
    np.testing.assert_allclose(g.sample_cost[0], w / w.mean(), rtol=1e-10)
    assert g.parameters()["cost"] == "gradient" and "cost" not in p.parameters()
    assert_spec_error(lambda: make_problem({"family": "robust-regression", "cost": "slow"}), "cost")

