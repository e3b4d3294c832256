"""The worst-case tridiagonal quadratic: closed forms against linear algebra and the theory note."""

import math

import numpy as np
import pytest

from ratecheck.problems import make_problem
from ratecheck.problems.tridiagonal import Tridiagonal
from ratecheck.testing import check_fast_oracle, lipschitz_ratios
from test_problems_common import assert_spec_error, fd_hessian, mc_variance


def test_ringmaster_instance_matches_theory_note():
    # fixed-computation.md §3.7 (d = 1729, s = 1, noise 0.01): λ_max ≈ 0.99999917, λ_min ≈ 8.2e-7,
    # f(x0) = 442.645, f* = −0.12493, Δ ≈ 442.77, ‖x0 − x*‖² ≈ 2388.3, σ² = 0.1729.
    p = make_problem({"family": "tridiagonal", "d": 1729})
    c = p.constants
    assert c["L"].value == pytest.approx(0.99999917, abs=1e-8)  # the note truncates 0.9999991756
    assert c["mu"].value == pytest.approx(8.2e-7, rel=0.01)
    assert p.f(p.x0) == pytest.approx(442.645, abs=5e-4)
    assert c["f_star"].value == pytest.approx(-0.12493, abs=5e-6)
    assert c["Delta"].value == pytest.approx(442.77, abs=5e-3)
    assert c["D"].value ** 2 == pytest.approx(2388.3, abs=0.05)
    assert c["sigma2"].value == pytest.approx(0.1729, rel=1e-12)
    assert p.noise_dim == 1


@pytest.mark.parametrize("d,s", [(1, 1.0), (2, 3.0), (37, 0.5)])
def test_closed_forms_against_dense_linear_algebra(d, s):
    p = Tridiagonal(d, scale=s, noise_std=0.0)
    A = fd_hessian(p.grad, np.zeros(d), h=1.0)  # exact for a quadratic (central differences)
    np.testing.assert_allclose(A, p.hessian(), atol=1e-14)
    ev = np.linalg.eigvalsh(A)
    assert ev[-1] == pytest.approx(p.constants["L"].value, rel=1e-12)
    assert ev[0] == pytest.approx(p.constants["mu"].value, rel=1e-9, abs=1e-15)
    b = -p.grad(np.zeros(d))  # ∇f(0) = −b
    np.testing.assert_allclose(b, -(s / 4) * np.eye(d)[0], atol=0)
    x_star = np.linalg.solve(A, b)
    np.testing.assert_allclose(p.x_star, x_star, rtol=1e-10, atol=1e-12)
    assert p.f(x_star) == pytest.approx(p.f_star, rel=1e-10)
    assert np.linalg.norm(p.grad(p.x_star)) < 1e-14 * s * d
    assert p.f(p.x0) - p.f_star == pytest.approx(p.constants["Delta"].value, rel=1e-12)
    assert np.linalg.norm(p.x0 - x_star) == pytest.approx(p.constants["D"].value, rel=1e-10)
    np.testing.assert_allclose(p.x0, math.sqrt(d) * np.eye(d)[0])
    assert lipschitz_ratios(p.grad, d, np.random.default_rng(0)).max() <= p.constants["L"].value * (1 + 1e-12)


@pytest.mark.parametrize("noise", ["scalar", "gaussian"])
def test_noise_variance_is_d_nu_squared(noise):
    p = Tridiagonal(12, noise_std=0.3, noise=noise)
    assert p.constants["sigma2"].value == pytest.approx(12 * 0.09)
    rng = np.random.default_rng(4)
    m, se, bias, bias_se = mc_variance(p, rng.standard_normal(12), 20000, rng)
    assert abs(m - 12 * 0.09) < 4 * se
    assert np.all(np.abs(bias) < 4.5 * bias_se)


@pytest.mark.parametrize("kw", [dict(d=9), dict(d=9, noise="gaussian", noise_std=0.2), dict(d=9, noise_std=0.0),
                                dict(d=1)])
def test_fast_oracle_matches_numpy(kw):
    check_fast_oracle(Tridiagonal(**kw), np.random.default_rng(7))


@pytest.mark.parametrize("kw,name", [(dict(d=0), "d"), (dict(d=4, scale=0.0), "scale"),
                                     (dict(d=4, noise_std=-0.1), "noise_std"), (dict(d=4, noise="none"), "noise"),
                                     (dict(d=4, x0=[1, 2]), "x0"), (dict(d=4, noise_std=float("nan")), "noise_std")])
def test_bad_input_names_the_parameter(kw, name):
    assert_spec_error(lambda: make_problem({"family": "tridiagonal", **kw}), name)
