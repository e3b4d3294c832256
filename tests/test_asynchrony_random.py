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


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("bound", [None, [2.0, 3.5, 4.0]])
def test_arrival_rates_match_mean_times(family, bound):
    from ratecheck.testing import arrivals

    m = model(family, n=3, base="linear", noise=[1.0, 2.0, 0.5], bound=bound)
    times, workers = arrivals(m, 20000, seed=5)
    counts = np.bincount(workers, minlength=3)
    # renewal process: N(T)/T → 1/E[time], relative sd ≈ cv/√N (cv of one compute time)
    x = np.stack([m.work(w, np.random.default_rng(9), np.zeros(20000, np.int64)) for w in range(3)])
    cv = x.std(axis=1) / x.mean(axis=1)
    rel = np.abs(counts / times[-1] * m.mean_times() - 1)
    assert np.all(rel < 5 * cv / np.sqrt(counts)), (rel, 5 * cv / np.sqrt(counts))


class Recorder:
    """Wraps a compute model and keeps every draw it hands to the engine, per worker."""

    def __init__(self, inner):
        self.inner = inner
        self.draws = [[] for _ in range(inner.n)]

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def work(self, worker, gen, samples, problem=None):
        out = self.inner.work(worker, gen, samples, problem)
        self.draws[worker].append(out)
        return out

    def per_worker(self):
        return [np.concatenate(d) for d in self.draws]


def recorded_run(method, params, spec, seed, iterations):
    from ratecheck.algorithms import ALGORITHMS
    from ratecheck.engine.ops import GRAD, STEP
    from ratecheck.engine.schedule import ScheduleDriver

    m = Recorder(make_model(spec))
    drv = ScheduleDriver(ALGORITHMS.get(method)({"gamma": 1.0, **params}), m, None, seed)
    arrivals = []  # (time, worker, k) of the applied gradients
    for ops in drv.chunks(iterations, np.inf):
        k = ops.size[0]
        g, st = np.flatnonzero(ops.kind[:k] == GRAD), np.flatnonzero(ops.kind[:k] == STEP)
        arrivals += list(zip(ops.t[st].tolist(), ops.w[g].tolist(), ops.k[g].tolist()))
    return m.per_worker(), arrivals, drv


@pytest.mark.parametrize("family", ["half-normal", "pareto"])
def test_common_random_numbers_across_algorithms(family):
    """Two algorithms, same seed → the k-th compute time of every worker is the same."""
    spec = {"model": "random", "family": family, "n": 4, "base": "linear", "noise": "sqrt",
            **({"shape": SHAPES[family]} if SHAPES[family] else {})}
    a, arr, _ = recorded_run("asgd", {}, spec, 3, 2000)
    # Ringmaster with stops cancels stale computations: another schedule, the same draws
    b, arr_b, _ = recorded_run("ringmaster-asgd", {"R": 2, "stops": 1}, spec, 3, 2000)
    assert [w for _, w, _ in arr_b] != [w for _, w, _ in arr]  # the two schedules really differ
    for w in range(4):
        k = min(a[w].size, b[w].size)
        assert k >= 64
        np.testing.assert_array_equal(a[w][:k], b[w][:k])
    c, _, _ = recorded_run("asgd", {}, spec, 4, 2000)
    assert not np.array_equal(a[0][:64], c[0][:64])  # another seed, other draws
    # and the engine uses draw k for computation k: ASGD's worker w finishes its k-th
    # gradient at Σ_{j≤k} draw_j (it restarts at once)
    for w in range(4):
        mine = [(t, k) for t, ww, k in arr if ww == w]
        assert [k for _, k in mine] == list(range(len(mine)))
        np.testing.assert_allclose([t for t, _ in mine], np.cumsum(a[w][: len(mine)]), rtol=1e-12)


@pytest.mark.parametrize("spec, field", [
    ({"family": "gamma", "n": 2}, "asynchrony.shape"),
    ({"family": "exponential", "base": []}, "asynchrony.base"),
    ({"family": "exponential", "n": 2, "noise": []}, "asynchrony.noise"),
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
