"""Heterogeneous quadratics: L_f, L_max, Ringleader's L, ζ², (ζ², ρ) verified numerically."""

import numpy as np
import pytest

from ratecheck.problems import make_problem
from ratecheck.problems.heterogeneous import HeterogeneousQuadratic
from ratecheck.testing import check_fast_oracle
from test_problems_common import assert_spec_error, fd_hessian, mc_variance


@pytest.fixture(scope="module")
def distinct():
    return HeterogeneousQuadratic(n=5, d=4, L=2.0, mu=0.2, sigma2=0.3, seed=3)


@pytest.fixture(scope="module")
def shared():
    return HeterogeneousQuadratic(n=5, d=4, L=2.0, mu=0.2, curvature="shared", seed=3)


def mean_grad(p, x):
    return np.mean([p.grad_part(i, x) for i in range(p.n_parts)], axis=0)


def test_f_is_the_average_of_the_parts(distinct):
    p = distinct
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.standard_normal(p.d) * 3
        assert p.f(x) == pytest.approx(np.mean([p.f_part(i, x) for i in range(p.n_parts)]), rel=1e-12)
        np.testing.assert_allclose(p.grad(x), mean_grad(p, x), rtol=1e-12, atol=1e-13)


def test_minimiser_and_smoothness_constants(distinct):
    p = distinct
    c = p.constants
    assert np.linalg.norm(mean_grad(p, p.x_star)) < 1e-13
    assert p.f(p.x_star) == pytest.approx(c["f_star"].value, rel=1e-14)
    ev = np.linalg.eigvalsh(fd_hessian(lambda x: mean_grad(p, x), np.zeros(p.d), h=1.0))
    assert ev[-1] == pytest.approx(c["L"].value, rel=1e-12)
    assert ev[0] == pytest.approx(c["mu"].value, rel=1e-12)
    lmax = max(np.linalg.eigvalsh(fd_hessian(lambda x: p.grad_part(i, x), np.zeros(p.d), h=1.0))[-1]
               for i in range(p.n_parts))
    assert lmax == pytest.approx(c["L_max"].value, rel=1e-12) and lmax == 2.0
    assert p.f(p.x0) - p.f(p.x_star) == pytest.approx(c["Delta"].value, rel=1e-12)
    assert np.linalg.norm(p.x0 - p.x_star) == pytest.approx(c["D"].value, rel=1e-12)
    assert c["L"].value <= c["L_rl"].value <= c["L_rl_cs"].value <= c["L_max"].value


def test_ringleader_L_holds_and_is_attained(distinct):
    p = distinct
    Lrl = p.constants["L_rl"].value
    rng = np.random.default_rng(1)
    worst = 0.0
    for _ in range(2000):
        x = rng.standard_normal(p.d)
        ys = x + rng.standard_normal((p.n_parts, p.d)) * 10.0 ** rng.uniform(-2, 1)
        lhs = np.sum((p.grad(x) - np.mean([p.grad_part(i, ys[i]) for i in range(p.n_parts)], axis=0)) ** 2)
        rhs = np.mean(np.sum((x - ys) ** 2, axis=1))
        worst = max(worst, lhs / rhs)
    assert worst <= Lrl**2 * (1 + 1e-12)
    # the maximiser: u_i = A_i e_j for the coordinate j maximising (1/n)Σ a_ij²
    j = int(np.argmax(np.mean(p.A**2, axis=0)))
    x = np.zeros(p.d)
    ys = np.array([x - p.A[i, j] * np.eye(p.d)[j] for i in range(p.n_parts)])
    lhs = np.sum((p.grad(x) - np.mean([p.grad_part(i, ys[i]) for i in range(p.n_parts)], axis=0)) ** 2)
    assert lhs / np.mean(np.sum((x - ys) ** 2, axis=1)) == pytest.approx(Lrl**2, rel=1e-12)


def test_zeta2_exact_for_shared_curvature_and_absent_otherwise(shared, distinct):
    rng = np.random.default_rng(2)
    z2 = shared.constants["zeta2"].value
    for _ in range(20):
        x = rng.standard_normal(shared.d) * 10
        het = np.mean([np.sum((shared.grad_part(i, x) - shared.grad(x)) ** 2) for i in range(shared.n_parts)])
        assert het == pytest.approx(z2, rel=1e-10)
    assert "bounded-heterogeneity" in shared.properties
    assert "zeta2" not in distinct.constants and "bounded-heterogeneity" not in distinct.properties
    het = [np.mean([np.sum((distinct.grad_part(i, t * np.ones(4)) - distinct.grad(t * np.ones(4))) ** 2)
                    for i in range(5)]) for t in (1e1, 1e3)]
    assert het[1] > 1e3 * het[0]  # unbounded: grows like ‖x‖²


@pytest.mark.parametrize("which", ["distinct", "shared"])
def test_zeta_rho_bound_holds_and_is_tight(which, request):
    p = request.getfixturevalue(which)
    z2, rho = p.constants["zeta2_rho"].value, p.constants["rho"].value
    rng = np.random.default_rng(3)
    for _ in range(500):
        x = p.x_star + rng.standard_normal(p.d) * 10.0 ** rng.uniform(-2, 2)
        g2 = np.sum(p.grad(x) ** 2)
        assert max(np.sum(p.grad_part(i, x) ** 2) for i in range(p.n_parts)) <= z2 + rho**2 * g2 + 1e-10
    # equality at g_j = m_ij v_ij/(ρ² − m_ij²) for the maximising worker i
    m = p.A / p.abar
    v = np.array([p.grad_part(i, p.x_star) for i in range(p.n_parts)])
    i = int(np.argmax(np.sum(v**2 * rho**2 / (rho**2 - m**2), axis=1)))
    g = m[i] * v[i] / (rho**2 - m[i] ** 2)
    x = p.x_star + g / p.abar
    assert np.sum(p.grad_part(i, x) ** 2) == pytest.approx(z2 + rho**2 * np.sum(p.grad(x) ** 2), rel=1e-10)


def test_user_rho_must_exceed_the_curvature_ratio(shared):
    assert_spec_error(lambda: HeterogeneousQuadratic(n=5, d=4, L=2.0, mu=0.2, curvature="shared", rho=1.0), "rho")
    p = HeterogeneousQuadratic(n=5, d=4, L=2.0, mu=0.2, curvature="shared", seed=3, rho=3.0)
    assert p.constants["rho"].value == 3.0
    assert p.constants["zeta2_rho"].value < shared.constants["zeta2_rho"].value  # larger ρ, smaller ζ²


def test_weighted_minimizer(distinct):
    p = distinct
    np.testing.assert_allclose(p.weighted_minimizer(np.ones(5)), p.x_star, rtol=1e-14)
    w = np.array([5.0, 1.0, 0.5, 0.1, 2.0])
    xw = p.weighted_minimizer(w)
    assert np.linalg.norm(sum(w[i] * p.grad_part(i, xw) for i in range(5))) < 1e-12
    np.testing.assert_allclose(p.weighted_minimizer(np.eye(5)[2]), p.centers[2], rtol=1e-14)
    assert_spec_error(lambda: p.weighted_minimizer([1, -1, 1, 1, 1]), "w")
    assert_spec_error(lambda: p.weighted_minimizer([1, 1]), "w")


def test_flat_coordinates_take_x0():
    p = HeterogeneousQuadratic(n=2, d=2, eigenvalues=[[1.0, 0.0], [2.0, 0.0]], centers=[[1, 5], [4, -5]], x0=[0, 7])
    np.testing.assert_allclose(p.x_star, [3.0, 7.0])  # (1·1 + 2·4)/3 = 3
    assert p.constants["mu"].value == 0 and "strongly-convex" not in p.properties
    assert p.constants["f_star"].value == pytest.approx(0.5 * (1 * 4 + 2 * 1) / 2)


def test_per_worker_oracle_variance_and_fast_oracle(distinct):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(4)
    for part in (0, 4):
        m, se, bias, bias_se = mc_variance(distinct, x, 8000, rng, part=part)
        assert abs(m - 0.3) < 4 * se and np.all(np.abs(bias) < 4.5 * bias_se)
    check_fast_oracle(distinct, rng)
    check_fast_oracle(HeterogeneousQuadratic(n=3, d=2, sigma2=0.0), rng)


def test_seed_gives_bit_identical_instances(distinct):
    again = HeterogeneousQuadratic(n=5, d=4, L=2.0, mu=0.2, sigma2=0.3, seed=3)
    other = HeterogeneousQuadratic(n=5, d=4, L=2.0, mu=0.2, sigma2=0.3, seed=4)
    assert np.array_equal(again.A, distinct.A) and np.array_equal(again.centers, distinct.centers)
    assert again.constants.as_dict() == distinct.constants.as_dict()
    assert not np.array_equal(other.centers, distinct.centers)


@pytest.mark.parametrize("kw,name", [
    (dict(n=0, d=3), "n"), (dict(n=2, d=3, mu=2.0), "mu"), (dict(n=2, d=3, curvature="same"), "curvature"),
    (dict(n=2, d=2, eigenvalues=[[1, 2]]), "eigenvalues"), (dict(n=2, d=2, eigenvalues=[[1, -2], [1, 1]]), "eigenvalues"),
    (dict(n=2, d=2, eigenvalues=[[1, 2], [1, 1]], L=2.0), "L"), (dict(n=2, d=2, centers=[[1, 2, 3], [1, 1, 1]]), "centers"),
    (dict(n=2, d=2, spread=-1.0), "spread"), (dict(n=2, d=2, sigma2=-1.0), "sigma2"), (dict(n=2, d=2, seed=1.5), "seed"),
])
def test_bad_input_names_the_parameter(kw, name):
    assert_spec_error(lambda: make_problem({"family": "heterogeneous-quadratic", **kw}), name)
