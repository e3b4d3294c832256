"""RunResult.x_final: the iterate a run ends at, on every engine path, and through the store.

The hand traces: on f = ½‖x − x*‖² (quadratic, L = μ = 1, σ² = 0) with one worker, every
path runs x_{k+1} = x_k − γ ∇f(x_k) = x* + (1 − γ)^{k+1}(x₀ − x*)."""

import json
import zlib

import numpy as np
import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.engine.delayed import run_delayed
from ratecheck.engine.run import simulate
from ratecheck.problems import make_problem
from ratecheck.sweep.codec import decode, encode
from ratecheck.sweep.store import roundtrip


@pytest.fixture(scope="module")
def ball():
    return make_problem({"family": "quadratic", "d": 3, "L": 1.0, "mu": 1.0, "sigma2": 0.0})


def by_hand(p, gamma, K):
    x = np.asarray(p.x0, np.float64).copy()
    for _ in range(K):
        x = x - gamma * p.grad(x)
    return x


def one_worker():
    return make_model({"model": "fixed", "n": 1, "profile": "equal"})


@pytest.mark.parametrize("force_python", [False, True])
def test_replay_ends_at_the_hand_computed_iterate(ball, force_python):
    res = simulate(ball, one_worker(), ALGORITHMS.get("asgd")({"gamma": 0.3}), [0.3, 0.7], 0, max_iter=40,
                   force_python=force_python)
    for r, g in zip(res, (0.3, 0.7)):
        assert r.final["iteration"] == 40 and r.x_final.shape == (3,)
        np.testing.assert_allclose(r.x_final, by_hand(ball, g, 40), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("force_python", [False, True])
def test_a_diverged_member_keeps_the_iterate_it_diverged_at(ball, force_python):
    """γ = 3: x_k − x* = (−2)^k (x₀ − x*); the member is diverged at some k and its x_final
    is x_k, while the other member of the batch runs on to its horizon."""
    res = simulate(ball, one_worker(), ALGORITHMS.get("asgd")({"gamma": 3.0}), [3.0, 0.5], 0, max_iter=300,
                   force_python=force_python)
    k = res[0].final["diverged"]["iteration"]
    assert res[0].status == "diverged" and 0 < k < 300
    np.testing.assert_allclose(res[0].x_final, by_hand(ball, 3.0, k), rtol=1e-12)
    np.testing.assert_allclose(res[1].x_final, by_hand(ball, 0.5, 300), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("force_python", [False, True])
def test_a_member_stopped_at_its_target_ends_at_the_iterate_that_hit_it(ball, force_python):
    """With a stop statistic a member's run ends at the update where it hit its last
    target, however long the others of the batch run on."""
    res = simulate(ball, one_worker(), ALGORITHMS.get("asgd")({"gamma": 0.3}), [0.3, 0.002], 0, max_iter=500,
                   targets=[1e-3], stop_statistic="fgap", force_python=force_python)
    k = res[0].final["iteration"]
    assert 0 < k < res[1].final["iteration"] == 500
    np.testing.assert_allclose(res[0].x_final, by_hand(ball, 0.3, k), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("force_python", [False, True])
def test_delay_sequence_ends_at_the_hand_computed_iterate(ball, force_python):
    model = make_model({"model": "constant", "tau": 0})
    r = run_delayed(ball, model, 0.4, 0, 25, force_python=force_python)
    np.testing.assert_allclose(r.x_final, by_hand(ball, 0.4, 25), rtol=1e-12, atol=1e-15)
    d = run_delayed(ball, model, 3.0, 0, 300, force_python=force_python)
    assert d.status == "diverged"
    np.testing.assert_allclose(d.x_final, by_hand(ball, 3.0, d.final["iteration"]), rtol=1e-12)


def test_x_final_round_trips_through_the_store_and_old_entries_decode_empty(ball):
    (r,) = simulate(ball, one_worker(), ALGORITHMS.get("asgd")({"gamma": 0.3}), [0.3], 0, max_iter=10)
    back = roundtrip(r)
    assert back.x_final.dtype == np.float64 and np.array_equal(back.x_final, r.x_final)
    old = r.to_dict()
    del old["x_final"]
    raw = json.dumps(old).encode()
    import hashlib

    stored = decode(zlib.compress(raw), hashlib.sha256(raw).hexdigest())
    assert stored.x_final.shape == (0,) and stored.x_final.dtype == np.float64
    payload, checksum = encode(stored)
    assert decode(payload, checksum).x_final.shape == (0,)
