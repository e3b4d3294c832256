"""The quadratic family: constants verified numerically, fast oracle, seeds, bad input."""

import math
import re

import numpy as np
import pytest

from ratecheck.problems import PROBLEMS, make_problem
from ratecheck.problems.quadratic import Quadratic
from ratecheck.testing import check_fast_oracle, lipschitz_ratios
from test_problems_common import assert_spec_error, fd_hessian, mc_variance

VARIANTS = [
    dict(d=6, mu=0.1, sigma2=0.5),
    dict(d=6, mu=0.01, spectrum="geometric", L=2.0),
    dict(d=7, L=3.0, mu=0.5, spectrum="two-level", sigma2=2.0, noise="scalar", dense=True, seed=4),
    dict(d=5, eigenvalues=[0.0, 0.3, 2.0, 1.0, 0.3], sigma2=1.0, dense=True, x_star=[1, -2, 3, 0, 0.5], D=3.0),
]


def build(**kw):
    return make_problem({"family": "quadratic", **kw})


@pytest.mark.parametrize("kw", VARIANTS)
def test_L_and_mu_match_finite_difference_hessian(kw):
    p = build(**kw)
    rng = np.random.default_rng(1)
    H = fd_hessian(p.grad, rng.standard_normal(p.d))
    ev = np.linalg.eigvalsh(H)
    assert ev[-1] == pytest.approx(p.constants["L"].value, rel=1e-8)
    assert ev[0] == pytest.approx(p.constants["mu"].value, abs=1e-8)
    ratios = lipschitz_ratios(p.grad, p.d, rng)
    assert ratios.max() <= p.constants["L"].value * (1 + 1e-12)
    # the top eigen-direction (from the finite-difference Hessian) attains L
    v = np.linalg.eigh(H)[1][:, -1]
    x = rng.standard_normal(p.d)
    assert np.linalg.norm(p.grad(x + v) - p.grad(x)) == pytest.approx(p.constants["L"].value, rel=1e-8)


@pytest.mark.parametrize("kw", VARIANTS)
def test_minimiser_delta_and_distance(kw):
    p = build(**kw)
    c = p.constants
    assert p.f(p.x_star) == c["f_star"].value == p.f_star
    assert np.all(p.grad(p.x_star) == 0)
    assert p.f(p.x0) - c["f_star"].value == pytest.approx(c["Delta"].value, rel=1e-12)
    assert np.linalg.norm(p.x0 - p.x_star) == pytest.approx(c["D"].value, rel=1e-14)
    # f is ≥ f* at random points (convexity with ∇f(x*) = 0)
    rng = np.random.default_rng(2)
    assert all(p.f(rng.standard_normal(p.d) * 3) >= p.f_star for _ in range(50))
    assert all(v.provenance == "exact" for v in c.values.values())


@pytest.mark.parametrize("noise", ["gaussian", "scalar"])
def test_variance_is_sigma2_and_noise_unbiased(noise):
    p = build(d=8, mu=0.2, sigma2=1.7, noise=noise, dense=True)
    assert p.noise_dim == (8 if noise == "gaussian" else 1)
    rng = np.random.default_rng(3)
    x = rng.standard_normal(8) * 5
    m, se, bias, bias_se = mc_variance(p, x, 20000, rng)
    assert abs(m - 1.7) < 4 * se
    assert np.all(np.abs(bias) < 4.5 * bias_se)
    if noise == "scalar":  # one scalar on all coordinates: every deviation is a multiple of 1
        z = np.array([0.7])
        dev = p.stochastic_grad(x, 0, -1, z) - p.grad(x)
        np.testing.assert_allclose(dev, math.sqrt(1.7 / 8) * 0.7, rtol=1e-12)


def test_no_noise_consumes_no_normals():
    p = build(d=3, sigma2=0.0)
    assert p.noise_dim == 0
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(p.stochastic_grad(x, 0, -1, np.zeros(0)), p.grad(x))


@pytest.mark.parametrize("kw", VARIANTS + [dict(d=4, sigma2=0.0), dict(d=4, sigma2=0.3, noise="scalar")])
def test_fast_oracle_matches_numpy(kw):
    check_fast_oracle(build(**kw), np.random.default_rng(5))


def test_diagonal_fast_oracle_is_linear_in_d():
    # O(d): a 10⁶-dimensional diagonal quadratic evaluates in about a millisecond (a
    # dense matvec would need 8 TB).
    p = build(d=1_000_000, mu=0.1, sigma2=1.0)
    fo = p.fast_oracle()
    out = np.empty(p.d)
    z = np.random.default_rng(0).standard_normal(p.d)
    fo.stoch_grad(fo.data, p.x0, np.int64(0), np.int64(-1), z, out)
    np.testing.assert_allclose(out, p.stochastic_grad(p.x0, 0, -1, z), rtol=1e-12)


def test_spectra_hand_computed():
    np.testing.assert_allclose(build(d=5, mu=0.2).eigenvalues, [0.2, 0.4, 0.6, 0.8, 1.0], rtol=1e-15)
    np.testing.assert_allclose(Quadratic(d=3, L=1.0, mu=0.01, spectrum="geometric").eigenvalues, [0.01, 0.1, 1.0], rtol=1e-14)
    np.testing.assert_array_equal(Quadratic(d=5, L=2.0, mu=0.5, spectrum="two-level").eigenvalues, [0.5, 0.5, 2, 2, 2])
    p = Quadratic(d=4, D=2.0)
    np.testing.assert_allclose(p.x0, np.ones(4) - 1.0)  # x* = 1, x0 = x* − D·1/√d
    assert p.constants["Delta"].value == pytest.approx(0.5 * np.sum(p.eigenvalues * 1.0))
    q = Quadratic(d=2)  # defaults: L = 1, μ = 0, x* = 1, x0 = 0
    assert q.f(q.x0) == pytest.approx(0.5 * (0 + 1))
    assert "strongly-convex" not in q.properties and "convex" in q.properties
    assert "strongly-convex" in Quadratic(d=2, mu=0.5).properties
    np.testing.assert_array_equal(Quadratic(d=1, L=2.0, mu=2.0).eigenvalues, [2.0])


def test_seed_gives_bit_identical_instances():
    a = build(d=6, mu=0.1, dense=True, seed=11)
    b = build(d=6, mu=0.1, dense=True, seed=11)
    c = build(d=6, mu=0.1, dense=True, seed=12)
    assert np.array_equal(a.A, b.A) and a.constants.as_dict() == b.constants.as_dict()
    assert not np.array_equal(a.A, c.A)
    np.testing.assert_allclose(a.A, a.A.T, rtol=0, atol=0)


def test_registered_and_describes_itself():
    assert PROBLEMS.get("quadratic") is Quadratic
    desc = build(d=3, sigma2=0.2).describe()
    assert desc["family"] == "quadratic" and desc["parameters"]["sigma2"] == 0.2
    assert set(desc["constants"]) == {"L", "mu", "sigma2", "Delta", "D", "f_star"}


@pytest.mark.parametrize("kw,name", [
    (dict(d=3, L=0.0), "L"), (dict(d=3, L=-1.0), "L"), (dict(d=3, mu=-0.1), "mu"),
    (dict(d=3, L=1.0, mu=2.0), "mu"), (dict(d=0), "d"), (dict(d=-2), "d"), (dict(d=2.5), "d"),
    (dict(d=3, sigma2=float("nan")), "sigma2"), (dict(d=3, sigma2=-1.0), "sigma2"),
    (dict(d=3, spectrum="cubic"), "spectrum"), (dict(d=3, spectrum="geometric"), "mu"),
    (dict(d=3, noise="laplace"), "noise"), (dict(d=3, x0=[0, 0, 0], D=1.0), "D"), (dict(d=3, x0=[0, 0]), "x0"),
    (dict(d=3, eigenvalues=[1, -1, 2]), "eigenvalues"), (dict(d=3, eigenvalues=[1, 2, 3], L=2.0), "L"),
    (dict(d=3, eigenvalues=[1, 2, 3], spectrum="linear"), "spectrum"), (dict(d=1, mu=0.5), "mu"),
    (dict(d=3, dense="yes"), "dense"), (dict(d=3, seed=-1), "seed"), (dict(d=3, f_star=float("inf")), "f_star"),
    (dict(d=3, gamma=1.0), "gamma"),
])
def test_bad_input_names_the_parameter(kw, name):
    err = assert_spec_error(lambda: make_problem({"family": "quadratic", **kw}), name)
    assert re.match(rf"problem\.{name}(\[\d+\])?: ", str(err)), str(err)
