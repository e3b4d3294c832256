"""Huber regression: exact L (attained at x_true), μ = 0, the certified σ², f bounds."""

import numpy as np
import pytest

from ratecheck.problems import make_problem
from ratecheck.problems.huber import HuberRegression
from ratecheck.testing import check_problem
from test_problems_common import assert_spec_error, fd_hessian


@pytest.fixture(scope="module")
def prob():
    return HuberRegression(m=80, d=4, delta=1.0, noise=0.1, seed=3)


def test_passes_the_problem_conformance_suite(prob):
    check_problem(prob, np.random.default_rng(0))


def test_L_is_attained_at_x_true_so_it_is_exact(prob):
    H = fd_hessian(prob.grad, prob.x_true, h=1e-7)  # every residual is inside (−δ, δ) there
    np.testing.assert_allclose(H, prob.A.T @ prob.A / prob.n_samples, rtol=1e-6, atol=1e-8)
    assert np.linalg.eigvalsh(H)[-1] == pytest.approx(prob.constants["L"].value, rel=1e-6)
    assert prob.constants["L"].provenance == "exact"


def test_L_is_only_certified_when_no_point_makes_every_residual_quadratic():
    p = HuberRegression(m=80, d=4, delta=1e-3, noise=1.0, seed=3)
    assert p.constants["L"].provenance == "certified"


def test_mu_is_zero_far_away(prob):
    v = np.ones(prob.d) / 2
    x = prob.x_true + 1e4 * v
    curvature = (prob.grad(x + v) - prob.grad(x)) @ v / (v @ v)
    assert prob.constants["mu"].value == 0 and curvature == pytest.approx(0, abs=1e-12)


def test_sigma2_bounds_the_exact_variance_everywhere(prob):
    rng = np.random.default_rng(1)

    def variance(x):
        g = np.array([prob.stochastic_grad(x, 0, j, None) for j in range(prob.n_samples)])
        return float(np.mean(np.sum((g - prob.grad(x)) ** 2, axis=1)))

    worst = max(variance(prob.x_true + s * rng.standard_normal(prob.d)) for s in (0.01, 1, 10, 1e3) for _ in range(5))
    assert worst <= prob.constants["sigma2"].value


def test_without_noise_f_star_is_exact_and_x_star_is_x_true():
    p = HuberRegression(m=40, d=3, noise=0.0, seed=2)
    assert p.f(p.x_true) == pytest.approx(0, abs=1e-28)
    assert p.constants["f_star"].provenance == "exact"
    np.testing.assert_array_equal(p.x_star, p.x_true)


@pytest.mark.parametrize("kw,name", [(dict(delta=0.0), "delta"), (dict(noise=-1.0), "noise"), (dict(m=0), "m"),
                                     (dict(d=2.5), "d"), (dict(x0=[1, 2]), "x0")])
def test_bad_input_names_the_parameter(kw, name):
    assert_spec_error(lambda: make_problem({"family": "huber", **kw}), name)
