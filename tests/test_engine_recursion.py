"""The recursion: reductions from the papers, the compiled kernel against plain numpy,
divergence handling and bit-identical reruns."""

import numpy as np
import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.engine.noise import noise_key, normals
from ratecheck.engine.run import simulate
from ratecheck.problems import make_problem


@pytest.fixture(scope="module")
def quad():
    return make_problem({"family": "quadratic", "d": 5, "L": 2.0, "mu": 0.2, "spectrum": "linear", "sigma2": 0.3})


def sqrt_model(n=6):
    return make_model({"model": "fixed", "n": n, "profile": "sqrt"})


def test_ringmaster_R1_is_sequential_sgd(quad):
    """R = 1 (Maranjyan et al. 2025, "Hero SGD"): every update uses ∇f at the current
    point, computed by the fastest worker (worker 0) with its noise draws k = 0, 1, …"""
    gamma, K = 0.2, 60
    (res,) = simulate(quad, sqrt_model(), ALGORITHMS.get("ringmaster-asgd")({"gamma": gamma, "R": 1}), [gamma], 3,
                      max_iter=K, targets=[1e-9])
    z = normals(noise_key(3), np.zeros(K, np.int64), np.arange(K), quad.noise_dim)
    x = quad.x0.copy()
    fgap = [quad.f(x) - quad.f_star]
    for k in range(K):
        x = x - gamma * quad.stochastic_grad(x, 0, -1, z[k])
        fgap.append(quad.f(x) - quad.f_star)
    its = res.checkpoints["iteration"].astype(int)
    np.testing.assert_allclose(res.checkpoints["fgap"], np.asarray(fgap)[its], rtol=1e-12)
    assert res.checkpoints["time"][-1] == K  # τ_1 = 1 per step
    assert res.tau_max == 0


def test_ringmaster_large_R_is_asgd(quad):
    a = simulate(quad, sqrt_model(), ALGORITHMS.get("asgd")({"gamma": 0.1}), [0.1], 5, max_iter=500)[0]
    r = simulate(quad, sqrt_model(), ALGORITHMS.get("ringmaster-asgd")({"gamma": 0.1, "R": 10**6}), [0.1], 5, max_iter=500)[0]
    for f in ("fgap", "grad_sq", "time", "computed"):
        np.testing.assert_array_equal(a.checkpoints[f], r.checkpoints[f])
    np.testing.assert_array_equal(a.delay_counts, r.delay_counts)


@pytest.mark.parametrize("method,params", [("asgd", {}), ("ringmaster-asgd", {"R": 2}), ("ringmaster-asgd", {"R": 3, "stops": 0}),
                                           ("rennala-sgd", {"S": 3}), ("minibatch-sgd", {})])
def test_compiled_kernel_equals_numpy_replay(quad, method, params):
    alg = ALGORITHMS.get(method)({"gamma": 0.1, **params})
    kw = dict(max_iter=300, targets=[1.0, 0.1, 0.01], track_avg=True)
    fast = simulate(quad, sqrt_model(), alg, [0.1, 0.05], 11, **kw)
    slow = simulate(quad, sqrt_model(), alg, [0.1, 0.05], 11, force_python=True, **kw)
    for a, b in zip(fast, slow):
        for f in a.checkpoints:
            np.testing.assert_allclose(a.checkpoints[f], b.checkpoints[f], rtol=1e-12, equal_nan=True)
        for s in a.hits:
            np.testing.assert_array_equal(a.hits[s], b.hits[s])


def test_batch_members_equal_single_runs(quad):
    alg = ALGORITHMS.get("asgd")({"gamma": 0.1})
    both = simulate(quad, sqrt_model(), alg, [0.1, 0.03], 2, max_iter=200)
    one = simulate(quad, sqrt_model(), alg, [0.03], 2, max_iter=200)[0]
    np.testing.assert_array_equal(both[1].checkpoints["fgap"], one.checkpoints["fgap"])


def test_hits_are_exact_first_crossings(quad):
    res = simulate(quad, sqrt_model(), ALGORITHMS.get("asgd")({"gamma": 0.1}), [0.1], 0, max_iter=400,
                   targets=[0.5, 0.05], worker_time=True)[0]
    it, t, comp, wt = res.hit("fgap", 0.5)
    assert wt == pytest.approx(6 * t, rel=1e-12)  # ASGD keeps all 6 workers busy from t = 0
    dense = simulate(quad, sqrt_model(), ALGORITHMS.get("asgd")({"gamma": 0.1}), [0.1], 0, max_iter=int(it))[0]
    prev = simulate(quad, sqrt_model(), ALGORITHMS.get("asgd")({"gamma": 0.1}), [0.1], 0, max_iter=int(it) - 1)[0]
    assert dense.checkpoints["fgap"][-1] <= 0.5 < prev.checkpoints["fgap"][-1]
    assert dense.final["time"] == t


def test_divergence_is_recorded_not_raised(quad):
    """γ far above 2/L: the iterate overflows; the run is `diverged` with its iteration,
    the other stepsize of the batch goes on."""
    res = simulate(quad, sqrt_model(), ALGORITHMS.get("asgd")({"gamma": 1.0}), [50.0, 0.1], 0, max_iter=5000)
    assert res[0].status == "diverged" and "iteration" in res[0].reason
    assert res[1].status == "ok" and res[1].final["iteration"] == 5000
    assert np.isfinite(res[1].checkpoints["fgap"][-1])


@pytest.mark.parametrize("force_python", [False, True])
def test_a_finite_blow_up_is_diverged_at_the_iteration_computed_by_hand(force_python):
    """Quadratic d = 2, L = μ = 1 (f = ½‖x − x*‖²), σ² = 0, one worker, γ = 3: x_k − x* =
    (−2)^k (x₀ − x*), so f(x_k) − f* = 4^k (f(x₀) − f*). The run is diverged at the first k
    with 4^k Δ₀ > 10⁶·max(1, Δ₀) (engine/divergence.py), long before it overflows, and
    nothing past the cap reaches the checkpoints (the figures never stretch to 1e180)."""
    from ratecheck.engine.divergence import BLOWUP_DECADES

    p = make_problem({"family": "quadratic", "d": 2, "L": 1.0, "mu": 1.0, "sigma2": 0.0})
    one = make_model({"model": "fixed", "n": 1, "profile": "equal"})
    (res,) = simulate(p, one, ALGORITHMS.get("asgd")({"gamma": 3.0}), [3.0], 0, max_iter=300, force_python=force_python)
    d0 = p.f(p.x0) - p.f_star
    cap = 10.0**BLOWUP_DECADES * max(1.0, d0)
    k = next(k for k in range(300) if 4.0**k * d0 > cap)
    assert res.status == "diverged"
    where = res.final["diverged"]
    assert where["iteration"] == k and where["cause"] == "f − f*" and where["computed"] == k
    assert where["value"] == pytest.approx(4.0**k * d0) and where["time"] == pytest.approx(k)
    assert f"at iteration {k}," in res.reason and "exceeded 10^6" in res.reason
    fgap = res.checkpoints["fgap"]
    assert np.nanmax(fgap) <= cap and np.isnan(fgap[-1])


def test_same_seed_bit_identical(quad):
    alg = ALGORITHMS.get("ringmaster-asgd")({"gamma": 0.1, "R": 2})
    a = simulate(quad, sqrt_model(), alg, [0.1], 9, max_iter=300)[0]
    b = simulate(quad, sqrt_model(), alg, [0.1], 9, max_iter=300)[0]
    import json
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())  # NaN-safe, bit for bit
    c = simulate(quad, sqrt_model(), alg, [0.1], 10, max_iter=300)[0]
    assert a.checkpoints["fgap"][-1] != c.checkpoints["fgap"][-1]


@pytest.mark.parametrize("method,params", [("asgd", {}), ("ringmaster-asgd", {"R": 2, "stops": 0}), ("rennala-sgd", {"S": 3})])
def test_a_run_stopped_at_its_target_reports_the_state_of_its_last_update(quad, method, params):
    """With stop_statistic the replay stops mid-chunk while the schedule ran ahead; the
    final time, gradients computed and discarded, worker time and concurrency must be
    those of the last update, as in a run whose horizon is that update."""
    alg = ALGORITHMS.get(method)({"gamma": 0.1, **params})
    (stopped,) = simulate(quad, sqrt_model(), alg, [0.1], 4, max_iter=10**6, targets=[0.5, 0.05], stop_statistic="fgap")
    k = stopped.final["iteration"]
    assert 0 < k < 10**6
    (horizon,) = simulate(quad, sqrt_model(), alg, [0.1], 4, max_iter=k)
    for key in ("iteration", "time", "computed", "discarded", "applied", "worker_time", "concurrency"):
        assert stopped.final[key] == horizon.final[key], key
