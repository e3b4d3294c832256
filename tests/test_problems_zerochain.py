"""The zero-chain function: the derived sup constants, scaling, chain property and Bernoulli oracle."""

import math

import numpy as np
import pytest

from ratecheck.problems import make_problem
from ratecheck.problems import zerochain as zc
from ratecheck.testing import check_fast_oracle, lipschitz_ratios
from test_problems_common import assert_spec_error


def psi(z):
    u = 2 * z - 1
    return np.where(u > 0.02, np.exp(1 - 1 / np.where(u > 0.02, u, 1) ** 2), 0.0)


def test_closed_form_suprema_on_a_grid():
    z = np.linspace(0.5, 40, 2_000_001)
    h = 1e-4
    d1 = (psi(z + h) - psi(z - h)) / (2 * h)
    d2 = (psi(z + h) - 2 * psi(z) + psi(z - h)) / h**2
    assert d1.max() == pytest.approx(zc.DPSI_MAX, rel=1e-6)
    assert np.abs(d2).max() == pytest.approx(zc.D2PSI_MAX, rel=1e-5)
    assert psi(z).max() < math.e
    assert zc.ELL_T == pytest.approx(151.26, abs=0.01) and zc.ELL_T <= 152  # the papers' ℓ₁ = 152 [R]
    assert zc.G_INF == pytest.approx(22.90, abs=0.01) and zc.G_INF <= 23  # the papers' 23 [R]
    assert (zc.delta_T(101) - zc.delta_T(1)) / 100 <= 12  # the papers' 12T [R]


@pytest.fixture(scope="module")
def prob():
    return zc.ZeroChain(d=8, L=2.0, Delta=3.0, sigma2=0.4)


def test_gradient_matches_finite_differences_of_f(prob):
    rng = np.random.default_rng(0)
    for _ in range(10):
        x = rng.standard_normal(prob.d) * prob.lam * 1.5
        h = 1e-6 * prob.lam
        fd = np.array([(prob.f(x + h * e) - prob.f(x - h * e)) / (2 * h) for e in np.eye(prob.d)])
        np.testing.assert_allclose(prob.grad(x), fd, rtol=1e-5, atol=1e-9)


def test_L_certified_and_nearly_attained(prob):
    L = prob.constants["L"].value
    rng = np.random.default_rng(1)
    assert lipschitz_ratios(prob.grad, prob.d, rng, scale=prob.lam).max() <= L
    # near the maximiser of |Ψ''|·Φ: x_1/λ at s = (9+√33)/4, x_2 → +∞ (H_11 ≈ |Ψ''|max·√(2πe))
    z_star = 0.5 * (1 + 1 / math.sqrt(zc._S2))
    x = np.zeros(prob.d)
    x[0], x[1] = z_star * prob.lam, 30 * prob.lam
    h = 1e-6 * prob.lam
    e = np.eye(prob.d)[0]
    ratio = np.linalg.norm(prob.grad(x + h * e) - prob.grad(x - h * e)) / (2 * h)
    assert L / 1.2 < ratio <= L


def test_delta_and_infimum(prob):
    c = prob.constants
    assert prob.f(np.zeros(prob.d)) - c["f_star"].value == pytest.approx(3.0, rel=1e-12)
    assert c["Delta"].value == pytest.approx(3.0, rel=1e-12)
    far = 1e4 * prob.lam * np.ones(prob.d)  # Ψ(1e4) = e·exp(−1/(2e4 − 1)²): relative gap ≈ 2.5e-9
    assert 0 < prob.f(far) - c["f_star"].value < 1e-8 * abs(c["f_star"].value)
    rng = np.random.default_rng(2)
    assert all(prob.f(rng.standard_normal(prob.d) * 5 * prob.lam) > c["f_star"].value for _ in range(200))


def test_zero_chain_gradient_descent_needs_the_whole_chain(prob):
    # GD from 0 (zero-respecting) reveals at most one coordinate per step, and the gradient
    # norm stays above the [R] floor Lλ/ℓ_T until the last coordinate is reached.
    x = np.zeros(prob.d)
    gamma = 1 / prob.constants["L"].value
    for k in range(prob.d):
        g = prob.grad(x)
        assert np.all(g[k + 1:] == 0)
        assert np.linalg.norm(g) > prob.grad_floor
        x = x - gamma * g
        assert np.all(x[k + 1:] == 0)


def test_bernoulli_oracle_is_unbiased_with_certified_variance(prob):
    rng = np.random.default_rng(3)
    x = np.zeros(prob.d)
    x[:3] = [1.2 * prob.lam, -0.9 * prob.lam, 0.6 * prob.lam]
    k = prob.progress(x)
    assert k == 3
    g = prob.grad(x)
    z = rng.standard_normal((40000, 1))
    fo = prob.fast_oracle()  # agrees with stochastic_grad (check_fast_oracle below)
    gs = np.empty((len(z), prob.d))
    for i, zi in enumerate(z):
        fo.stoch_grad(fo.data, x, np.int64(0), np.int64(-1), zi, gs[i])
    np.testing.assert_allclose(gs[:50], [prob.stochastic_grad(x, 0, -1, zi) for zi in z[:50]], rtol=1e-12, atol=1e-15)
    g_fast = np.empty(prob.d)
    fo.value_grad(fo.data, x, g_fast)
    dev = gs - g_fast
    assert np.all(dev[:, np.arange(prob.d) != k] == 0)  # only coordinate prog + 1 is noisy
    exact_var = g[k] ** 2 * (1 - prob.p) / prob.p
    sq = np.sum(dev**2, axis=1)
    assert abs(sq.mean() - exact_var) < 4 * sq.std() / math.sqrt(len(sq))
    assert abs(dev[:, k].mean()) < 4.5 * dev[:, k].std() / math.sqrt(len(sq))
    assert exact_var <= prob.constants["sigma2"].value
    check_fast_oracle(prob, rng)
    assert zc.ZeroChain(d=4).noise_dim == 0


@pytest.mark.parametrize("kw,name", [(dict(d=0), "d"), (dict(d=4, L=0.0), "L"), (dict(d=4, Delta=-1.0), "Delta"),
                                     (dict(d=4, sigma2=float("nan")), "sigma2")])
def test_bad_input_names_the_parameter(kw, name):
    assert_spec_error(lambda: make_problem({"family": "zero-chain", **kw}), name)
