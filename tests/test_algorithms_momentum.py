"""Arrival-order momentum methods (Polyak ASGD, μ²-SGD; the baselines Eq. (6) and (14)
of Dahan et al. 2026): each update rule against a direct numpy transcription of the
paper's update on a hand-set delay pattern, reductions to vanilla ASGD, both replay
paths, conformance. The ordered methods are in test_algorithms_ordered.py.

Setting as in test_algorithms_catalog.py: fixed τ = (1, 2, 3), every worker starts at
t = 0, ties go to the lowest worker index. Vanilla ASGD's schedule then repeats with
period 6 s; (worker, delay) of the updates, worked out by hand:
"""

import numpy as np
import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.engine.noise import noise_key, normals
from ratecheck.engine.ops import GRAD
from ratecheck.engine.run import simulate
from ratecheck.errors import SpecError
from ratecheck.problems import make_problem
from ratecheck.testing import check_algorithm, op_stream

#: t ∈ (0, 6]: the first period (worker 1 and 2 start from x⁰)
FIRST = [(0, 0), (0, 0), (1, 2), (0, 1), (2, 4), (0, 1), (1, 3), (0, 1), (0, 0), (1, 2), (2, 5)]
#: t ∈ (6k, 6k + 6], k ≥ 1: after t = 6 worker 0 holds x^9, worker 1 x^10, worker 2 x^11
STEADY = [(0, 2), (0, 0), (1, 3), (0, 1), (2, 4), (0, 1), (1, 3), (0, 1), (0, 0), (1, 2), (2, 5)]
PATTERN = FIRST + 2 * STEADY
K = len(PATTERN)
SEED, GAMMA, BETA = 4, 0.3, 0.4

METHODS = {
    "polyak-momentum-asgd": {"beta": BETA},
    "mu2-sgd": {},
}


@pytest.fixture(scope="module")
def quad():
    return make_problem({"family": "quadratic", "d": 4, "L": 1.0, "mu": 0.2, "spectrum": "linear", "sigma2": 0.5})


def model(tau=(1.0, 2.0, 3.0)):
    return make_model({"model": "fixed", "profile": "list", "tau": list(tau), "order": "given"})


def run(problem, method, params, iterations=K, gammas=(GAMMA,), **kw):
    alg = ALGORITHMS.get(method)({"gamma": gammas[0], **params})
    return simulate(problem, model(), alg, list(gammas), SEED, max_iter=iterations, **kw)


def anytime(ws):
    """x_t = Σ_{τ≤t} τ w_τ / Σ_{τ≤t} τ (Anytime-SGD, α_τ = τ)."""
    a = np.arange(1, len(ws) + 1, dtype=float)
    return (a[:, None] * np.asarray(ws)).sum(axis=0) / a.sum()


def reference(problem, method, beta=BETA, gamma=GAMMA):
    """The paper's update, transcribed directly, on the hand-set pattern; returns x_0..x_K."""
    key = noise_key(SEED)
    noise = {w: normals(key, np.full(K, w), np.arange(K), problem.noise_dim) for w in range(3)}
    used = {0: 0, 1: 0, 2: 0}
    xs, ws = [problem.x0.copy()], []
    w_, d = problem.x0.copy(), np.zeros(problem.d)
    for t, (w, delay) in enumerate(PATTERN, start=1):
        r = t - 1 - delay  # the worker computes at x^r
        z = noise[w][used[w]]
        used[w] += 1
        g = problem.stochastic_grad(xs[r], 0, -1, z)
        x = xs[-1]
        if method == "polyak-momentum-asgd":  # x^{k+1} = x^k − γ g + β(x^k − x^{k−1})
            new = x - gamma * g + beta * (x - xs[max(len(xs) - 2, 0)])
        else:  # μ²-SGD: d_t = g(x_t; ξ) + (1 − 1/t)(d_{t−1} − g(x_{t−1}; ξ)), same ξ and noise
            g_prev = problem.stochastic_grad(xs[max(r - 1, 0)], 0, -1, z)
            d = g + (1 - 1 / t) * (d - g_prev)
            w_ = w_ - gamma * d
            ws.append(w_)
            new = anytime(ws)
        xs.append(new)
    return xs


def trajectory(res):
    return np.column_stack([res.checkpoints[f] for f in ("iteration", "time", "fgap", "dist_sq")])


def test_asgd_schedule_is_the_hand_pattern():
    for method, params in METHODS.items():
        s = op_stream(ALGORITHMS.get(method)({"gamma": 1.0, **params}), model(), None, 0, K)
        g = s.kind == GRAD
        assert list(zip(s.w[g].tolist(), s.delay[g].tolist())) == PATTERN, method


@pytest.mark.parametrize("method", list(METHODS))
def test_rule_matches_direct_numpy_update(quad, method):
    (res,) = run(quad, method, METHODS[method])
    xs = reference(quad, method)
    its = res.checkpoints["iteration"].astype(int)
    assert its[-1] == K
    fgap = np.array([quad.f(x) - quad.f_star for x in xs])
    dist = np.array([np.sum((x - quad.x_star) ** 2) for x in xs])
    np.testing.assert_allclose(res.checkpoints["fgap"], fgap[its], rtol=1e-12)
    np.testing.assert_allclose(res.checkpoints["dist_sq"], dist[its], rtol=1e-12)
    # the rule matters: the trajectory is not vanilla ASGD's
    (plain,) = run(quad, "asgd", {})
    assert not np.allclose(res.checkpoints["fgap"], plain.checkpoints["fgap"])


def test_heavy_ball_beta_zero_is_asgd_bit_for_bit(quad):
    (a,) = run(quad, "polyak-momentum-asgd", {"beta": 0.0}, iterations=300)
    (b,) = run(quad, "asgd", {}, iterations=300)
    np.testing.assert_array_equal(trajectory(a), trajectory(b))


@pytest.mark.parametrize("method", list(METHODS))
def test_compiled_kernel_equals_numpy_replay(quad, method):
    kw = dict(iterations=200, gammas=(0.3, 0.05), targets=[0.1, 0.01], track_avg=True)
    fast = run(quad, method, METHODS[method], **kw)
    slow = run(quad, method, METHODS[method], force_python=True, **kw)
    for a, b in zip(fast, slow):
        for f in a.checkpoints:
            np.testing.assert_allclose(a.checkpoints[f], b.checkpoints[f], rtol=1e-12, equal_nan=True)
        for s in a.hits:
            np.testing.assert_array_equal(a.hits[s], b.hits[s])


@pytest.mark.slow  # builds a certified logistic problem and compiles its replay kernel (~10 s)
def test_mu2_uses_the_same_sample_at_both_points():
    """Logistic regression: the noise is the sample ξ itself. Both replay paths (the numpy
    one calls problem.stochastic_grad with the op's sample at both points) agree."""
    logi = make_problem({"family": "logistic", "m": 40, "d": 3, "lam": 0.1})
    fast = run(logi, "mu2-sgd", {}, iterations=150, gammas=(0.5,))
    slow = run(logi, "mu2-sgd", {}, iterations=150, gammas=(0.5,), force_python=True)
    np.testing.assert_allclose(fast[0].checkpoints["fgap"], slow[0].checkpoints["fgap"], rtol=1e-12)


@pytest.mark.parametrize("method", list(METHODS))
def test_conformance(method):
    check_algorithm(ALGORITHMS.get(method), METHODS[method])


@pytest.mark.parametrize("method,beta", [("polyak-momentum-asgd", 1.0), ("polyak-momentum-asgd", -0.1),
                                         ("polyak-momentum-asgd", float("nan")), ("polyak-momentum-asgd", "0.5")])
def test_bad_beta_is_a_spec_error(method, beta):
    with pytest.raises(SpecError, match="params.beta"):
        ALGORITHMS.get(method)({"gamma": 0.1, "beta": beta})


def test_missing_beta_is_a_spec_error():
    with pytest.raises(SpecError, match="params.beta"):
        ALGORITHMS.get("polyak-momentum-asgd")({"gamma": 0.1})
    with pytest.raises(SpecError, match="params.beta"):
        ALGORITHMS.get("mu2-sgd")({"gamma": 0.1, "beta": 0.5})  # β_t = 1/t is fixed by the method

