"""Data-dependent compute times: time = base_w + scale · sample_cost[part, ξ]."""

import math

import numpy as np
import pytest

from ratecheck.asynchrony import make_model
from ratecheck.errors import SpecError
from ratecheck.problems.base import Problem


class FiniteSum(Problem):
    """A stub finite sum: only what the compute model reads (sizes and costs)."""

    def __init__(self, costs, n_parts=1):
        self.sample_cost = np.asarray(costs, dtype=float)
        self.n_parts = n_parts
        self.n_samples = self.sample_cost.shape[1]
        self.d = 1


def model(**kw):
    return make_model({"model": "data-dependent", **kw})


def test_time_is_base_plus_scaled_cost():
    p = FiniteSum([[1.0, 2.0, 3.0, 10.0]])
    m = model(n=2, base=[0.5, 1.0], scale=2.0)
    s = np.array([3, 0, 2, 2, 1])
    np.testing.assert_array_equal(m.work(1, None, s, p), 1.0 + 2.0 * np.array([10, 1, 3, 3, 2]))
    # a deterministic function of the samples: chunking cannot change it
    np.testing.assert_array_equal(np.concatenate([m.work(0, None, s[:2], p), m.work(0, None, s[2:], p)]),
                                  m.work(0, None, s, p))


def test_heterogeneous_problem_uses_the_workers_part():
    p = FiniteSum([[1.0, 2.0], [5.0, 7.0]], n_parts=2)
    m = model(n=2, scale=1.0, base=0.0)
    np.testing.assert_array_equal(m.work(0, None, np.array([1, 0]), p), [2.0, 1.0])
    np.testing.assert_array_equal(m.work(1, None, np.array([1, 0]), p), [7.0, 5.0])
    np.testing.assert_allclose(m.mean_times_for(p), [1.5, 6.0])


def test_properties_declare_the_dependence():
    m = model(n=3, base="linear")
    assert "data-dependent-delays" in m.properties
    assert "times-independent-of-samples" not in m.properties
    assert m.random is False and m.kind == "duration"
    np.testing.assert_array_equal(m.base, [1, 2, 3])


def test_arrival_rates_follow_the_mean_cost():
    from ratecheck.testing import arrivals

    p = FiniteSum([[1.0, 2.0, 3.0, 10.0]])
    m = model(n=2, base=[0.0, 4.0], scale=1.0)
    times, workers = arrivals(m, 20000, seed=1, problem=p)
    counts = np.bincount(workers, minlength=2)
    mean = m.mean_times_for(p)
    np.testing.assert_allclose(mean, [4.0, 8.0])
    # inter-arrival times are i.i.d. (cost of a uniform sample): cv < 1 here
    np.testing.assert_allclose(counts / times[-1], 1 / mean, rtol=5 / math.sqrt(counts.min()))


def test_common_random_numbers_across_algorithms():
    """Two algorithms, same seed → the same sample, hence the same time, for computation k of worker w."""
    from ratecheck.algorithms import ALGORITHMS
    from ratecheck.engine.ops import GRAD, STEP
    from ratecheck.engine.schedule import ScheduleDriver

    p = FiniteSum([[1.0, 2.0, 3.0, 10.0, 0.5]])
    m = model(n=3, base=[0.0, 1.0, 2.0], scale=1.0)

    def run(method, params, seed):
        drv = ScheduleDriver(ALGORITHMS.get(method)({"gamma": 1.0, **params}), m, p, seed)
        grads = {}  # (w, k) → (sample, time of the update that applied it)
        for ops in drv.chunks(3000, np.inf):
            n = ops.size[0]
            g, st = np.flatnonzero(ops.kind[:n] == GRAD), np.flatnonzero(ops.kind[:n] == STEP)
            for i, j in zip(g, st):
                grads[int(ops.w[i]), int(ops.k[i])] = (int(ops.s[i]), float(ops.t[j]))
        return grads

    a = run("asgd", {}, 2)
    b = run("delay-filtered-sgd", {"threshold": 1}, 2)  # drops stale gradients: applies others
    common = set(a) & set(b)
    assert len(common) > 1000 and set(a) != set(b)
    # same samples; and, as both restart a worker on every arrival, the same finish times
    assert all(a[key] == b[key] for key in common)
    c = run("asgd", {}, 3)
    assert [a[0, k][0] for k in range(50)] != [c[0, k][0] for k in range(50)]
    # ASGD restarts a worker at once: computation k of w ends at Σ_{j≤k} (b_w + cost[ξ_j])
    for w in range(3):
        ks = sorted(k for ww, k in a if ww == w)
        assert ks == list(range(len(ks)))
        times = m.base[w] + p.sample_cost[0, [a[w, k][0] for k in ks]]
        np.testing.assert_allclose([a[w, k][1] for k in ks], np.cumsum(times), rtol=1e-12)


def test_needs_sample_costs():
    m = model(n=1)
    with pytest.raises(SpecError, match="sample_cost"):
        m.work(0, None, np.array([0]), None)
    p = FiniteSum([[1.0, 2.0]])
    p.sample_cost = None
    with pytest.raises(SpecError, match="sample_cost"):
        m.work(0, None, np.array([0]), p)
    with pytest.raises(SpecError, match="sample indices"):
        m.work(0, None, np.array([-1]), FiniteSum([[1.0, 2.0]]))


@pytest.mark.parametrize("spec, field", [
    ({}, "asynchrony.n"),
    ({"n": 2, "scale": 0}, "asynchrony.scale"),
    ({"n": 2, "base": [1.0]}, "asynchrony.base"),
    ({"base": [1.0, -2.0]}, "asynchrony.base[1]"),
    ({"base": []}, "asynchrony.base"),
    ({"n": 2, "noise": 1.0}, "asynchrony.noise"),
])
def test_bad_input_names_the_field(spec, field):
    with pytest.raises(SpecError) as err:
        model(**spec)
    assert err.value.field == field
