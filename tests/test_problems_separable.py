"""The separable non-convex family: exact L, μ, f* checked numerically."""

import numpy as np
import pytest

from ratecheck.problems import make_problem
from ratecheck.problems.separable import SeparableNonconvex
from ratecheck.testing import check_fast_oracle, lipschitz_ratios
from test_problems_common import assert_spec_error, fd_hessian, mc_variance


def phi2(t):
    return (2 - 6 * t**2) / (1 + t**2) ** 3


def test_curvature_range_of_phi_on_a_grid():
    # the derivation in the module docstring: φ'' ∈ [−1/2, 2], extremes at 0 and ±1
    t = np.linspace(-20, 20, 400001)
    h = 1e-4
    phi = lambda s: s**2 / (1 + s**2)
    fd = (phi(t + h) - 2 * phi(t) + phi(t - h)) / h**2
    np.testing.assert_allclose(fd, phi2(t), atol=1e-5)
    assert phi2(t).max() == pytest.approx(2.0, abs=1e-12)
    assert phi2(t).min() == pytest.approx(-0.5, abs=1e-9)


@pytest.mark.parametrize("a,b", [(1.0, 0.0), (3.0, 0.4), (1.0, 0.5), (2.0, 5.0)])
def test_L_exact_and_attained(a, b):
    p = SeparableNonconvex(d=5, a=a, b=b)
    L = p.constants["L"].value
    assert L == 2 * a + b
    rng = np.random.default_rng(0)
    assert lipschitz_ratios(p.grad, 5, rng, scale=2.0).max() <= L * (1 + 1e-12)
    x, y = np.zeros(5), 1e-4 * np.eye(5)[2]
    assert np.linalg.norm(p.grad(x) - p.grad(y)) / 1e-4 == pytest.approx(L, rel=1e-7)


def test_nonconvex_or_convex_as_declared():
    p = SeparableNonconvex(d=3, a=2.0, b=0.5)  # b < a/2
    assert "nonconvex" in p.properties and "convex" not in p.properties and "mu" not in p.constants
    H = fd_hessian(p.grad, np.ones(3))
    assert np.linalg.eigvalsh(H)[0] == pytest.approx(2.0 * -0.5 + 0.5, abs=1e-8)  # negative curvature at |t| = 1
    q = SeparableNonconvex(d=3, a=2.0, b=1.5)  # b > a/2: μ = b − a/2
    assert {"convex", "strongly-convex"} <= q.properties and "nonconvex" not in q.properties
    mu = q.constants["mu"].value
    assert mu == pytest.approx(0.5)
    assert np.linalg.eigvalsh(fd_hessian(q.grad, np.array([1.0, -1.0, 1.0])))[0] == pytest.approx(mu, abs=1e-8)
    pts = np.random.default_rng(1).standard_normal((200, 3)) * 3
    assert min(np.linalg.eigvalsh(fd_hessian(q.grad, x))[0] for x in pts[:30]) >= mu - 1e-7


def test_minimum_delta_and_distance():
    p = SeparableNonconvex(d=4, a=1.5, b=0.1, x0=[2, -1, 0.5, 3])
    assert p.f(p.x_star) == 0 == p.constants["f_star"].value
    assert np.all(p.grad(p.x_star) == 0)
    rng = np.random.default_rng(2)
    assert all(p.f(rng.standard_normal(4) * 5) > 0 for _ in range(100))
    assert p.constants["Delta"].value == pytest.approx(p.f(p.x0))
    assert p.constants["D"].value == pytest.approx(np.linalg.norm(p.x0))


def test_variance_and_fast_oracle():
    p = SeparableNonconvex(d=6, a=1.0, sigma2=0.8)
    rng = np.random.default_rng(3)
    m, se, bias, bias_se = mc_variance(p, rng.standard_normal(6), 20000, rng)
    assert abs(m - 0.8) < 4 * se
    assert np.all(np.abs(bias) < 4.5 * bias_se)
    check_fast_oracle(p, rng)
    check_fast_oracle(SeparableNonconvex(d=6, b=0.3), rng)


@pytest.mark.parametrize("kw,name", [(dict(d=3, a=0.0), "a"), (dict(d=3, b=-1.0), "b"), (dict(d=0), "d"),
                                     (dict(d=3, sigma2=float("nan")), "sigma2"), (dict(d=3, x0=[1, 2]), "x0")])
def test_bad_input_names_the_parameter(kw, name):
    assert_spec_error(lambda: make_problem({"family": "separable-nonconvex", **kw}), name)
