"""Random compute times: closed-form means, truncation, common random numbers, arrivals."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from ratecheck.asynchrony import make_model
from ratecheck.asynchrony.random_times import FAMILIES, noise_mean, survival
from ratecheck.errors import SpecError

SHAPES = {"half-normal": None, "exponential": None, "gamma": 2.5, "lognormal": 0.7, "pareto": 3.5}
SCIPY = {  # the same laws in scipy.stats, scale s = 2
    "half-normal": stats.halfnorm(scale=2.0),
    "exponential": stats.expon(scale=2.0),
    "gamma": stats.gamma(2.5, scale=2.0),
    "lognormal": stats.lognorm(0.7, scale=2.0),
    "pareto": stats.lomax(3.5, scale=2.0),
}


def model(family, **kw):
    spec = {"model": "random", "family": family, **kw}
    if SHAPES[family] is not None:
        spec.setdefault("shape", SHAPES[family])
    return make_model(spec)


@pytest.mark.parametrize("family", FAMILIES)
def test_laws_match_scipy(family):
    law = SCIPY[family]
    x = np.array([0.1, 1.0, 3.0, 10.0])
    np.testing.assert_allclose(survival(family, x, 2.0, SHAPES[family]), law.sf(x), rtol=1e-12)
    assert noise_mean(family, 2.0, SHAPES[family]) == pytest.approx(law.mean(), rel=1e-12)
    # truncated mean E[X | X ≤ c] against quadrature of x·pdf
    c = 3.0
    num, _ = integrate.quad(lambda t: t * law.pdf(t), 0, c)
    assert noise_mean(family, 2.0, SHAPES[family], cap=c) == pytest.approx(num / law.cdf(c), rel=1e-9)


@pytest.mark.parametrize("family", FAMILIES)
def test_draws_follow_the_law(family):
    m = model(family, n=2, base=[1.0, 0.5], noise=2.0)
    x = m.work(1, np.random.default_rng(3), np.zeros(20000, np.int64)) - 0.5
    assert x.min() > 0
    assert stats.kstest(x, SCIPY[family].cdf).pvalue > 1e-4
    assert m.mean_times()[1] == pytest.approx(0.5 + SCIPY[family].mean(), rel=1e-12)


def test_pareto_heavy_tail_mean_is_infinite():
    assert model("pareto", n=1, shape=1.0).mean_times()[0] == math.inf
    st = model("pareto", n=2, shape=0.8, base=[1, 2]).statistics()
    assert st["basis"] == "mean_times" and st["tau_max"] == math.inf


def test_ringmaster_convention_variance_i():
    # τ_i = i + |η_i|, η_i ~ N(0, i) with i the variance: E|η_i|² = i
    m = model("half-normal", n=4, base="linear", noise="sqrt")
    np.testing.assert_allclose(m.base, [1, 2, 3, 4])
    eta = m.work(3, np.random.default_rng(0), np.zeros(200000, np.int64)) - 4
    assert np.mean(eta**2) == pytest.approx(4, rel=0.02)
    np.testing.assert_allclose(m.mean_times(), np.arange(1, 5) + np.sqrt(np.arange(1, 5)) * math.sqrt(2 / math.pi))


def test_ata_times():
    # X_i = β(i+1) + Exp(mean β(i+1)), i = 0..n−1, β = 29: mean 58(i+1)
    m = model("exponential", n=3, base="linear", noise="linear", base_scale=29, noise_scale=29)
    np.testing.assert_allclose(m.mean_times(), [58, 116, 174])


@pytest.mark.parametrize("family", FAMILIES)
def test_common_random_numbers_regardless_of_chunking(family):
    m = model(family, n=3, base="linear", noise="sqrt")
    one = m.work(2, np.random.default_rng(11), np.zeros(10, np.int64))
    g = np.random.default_rng(11)
    two = np.concatenate([m.work(2, g, np.zeros(5, np.int64)), m.work(2, g, np.zeros(5, np.int64))])
    np.testing.assert_array_equal(one, two)


def test_truncated_model_is_fixed_computation():
    m = model("exponential", n=3, base="linear", bound=[2.0, 2.5, 5.0])
    assert "fixed-computation" in m.properties and "random-computation" in m.properties
    np.testing.assert_array_equal(m.tau_bounds(), [2.0, 2.5, 5.0])
    x = m.work(1, np.random.default_rng(0), np.zeros(50000, np.int64))
    assert x.max() <= 2.5 and x.min() > 2.0
    assert x.mean() == pytest.approx(m.mean_times()[1], abs=5 * x.std() / math.sqrt(x.size))
    assert m.statistics()["basis"] == "tau_bounds"
    assert "fixed-computation" not in model("exponential", n=3).properties


def test_shuffled_order_permutes_workers_jointly():
    a = model("gamma", n=6, base="linear", noise="quadratic", order="shuffled", shuffle_seed=4)
    # noise s_i = i² travels with base b_i = i
    np.testing.assert_array_equal(a.scale, a.base**2)
    assert a.base.tolist() != sorted(a.base.tolist())


def test_arrival_rates_match_mean_times():
    from ratecheck.engine.schedule import arrivals

    m = model("exponential", n=3, base="linear", noise=[1.0, 2.0, 0.5])
    times, workers = arrivals(m, 30000, seed=5)
    rate = np.bincount(workers, minlength=3) / times[-1]
    # renewal process: N(T)/T → 1/E[time]; relative sd ≈ cv/√N ≤ 1/√N here
    counts = np.bincount(workers, minlength=3)
    np.testing.assert_allclose(rate, 1 / m.mean_times(), rtol=5 / math.sqrt(counts.min()))


@pytest.mark.parametrize("spec, field", [
    ({"family": "gamma", "n": 2}, "asynchrony.shape"),
    ({"family": "exponential", "n": 2, "shape": 2.0}, "asynchrony.shape"),
    ({"family": "weibull", "n": 2}, "asynchrony.family"),
    ({"family": "exponential", "n": 2, "base": [1, -1]}, "asynchrony.base[1]"),
    ({"family": "exponential", "n": 2, "noise": 0}, "asynchrony.noise"),
    ({"family": "exponential", "base": [1, 2], "noise": [1, 2, 3]}, "asynchrony.n"),
    ({"family": "exponential", "base": "linear"}, "asynchrony.n"),
    ({"family": "exponential", "n": 2, "base": "linear", "bound": 2.0}, "asynchrony.bound"),
    ({"family": "exponential", "n": 2, "bound": [1.0, -1.0]}, "asynchrony.bound[1]"),
])
def test_bad_input_names_the_field(spec, field):
    with pytest.raises(SpecError) as err:
        make_model({"model": "random", **spec})
    assert err.value.field == field
