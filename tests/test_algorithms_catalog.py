"""Hand-computed event sequences and reductions for the catalog methods.

Setting as in test_engine_schedule.py: fixed τ, every worker starts at t = 0, ties go
to the lowest worker index, a delay counts the updates since the worker got its point.
"""

import math

import numpy as np
import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.engine.ops import GRAD, STEP
from ratecheck.engine.run import simulate
from ratecheck.errors import SpecError
from ratecheck.problems import make_problem
from ratecheck.testing import op_stream


def model(tau):
    return make_model({"model": "fixed", "profile": "list", "tau": list(tau), "order": "given"})


def stream(method, params, tau=(1.0, 2.0, 3.0), iterations=100, problem=None):
    return op_stream(ALGORITHMS.get(method)({"gamma": 1.0, **params}), model(tau), problem, 0, iterations)


def updates(s):
    """(time, worker, delay, coefficient) of each update of a one-gradient-per-step method."""
    g, st = np.flatnonzero(s.kind == GRAD), np.flatnonzero(s.kind == STEP)
    assert g.size == st.size
    return [(float(s.t[j]), int(s.w[i]), int(s.delay[i]), float(s.c[i])) for i, j in zip(g, st)]


def trajectory(method, params, tau, iterations=60, sigma2=0.5):
    problem = make_problem({"family": "quadratic", "d": 4, "L": 1.0, "mu": 0.2, "sigma2": sigma2})
    (r,) = simulate(problem, model(tau), ALGORITHMS.get(method)({"gamma": 0.3, **params}), [0.3], 5, max_iter=iterations)
    return np.column_stack([r.checkpoints[f] for f in ("time", "fgap", "dist_sq")])


# --- delay-adaptive ASGD ---------------------------------------------------------------
def test_delay_adaptive_hand_trace():
    rows = updates(stream("delay-adaptive-asgd", {}, iterations=11))
    # ASGD's schedule (test_engine_schedule); n = 3, so γ_k/γ = 3/max(3, δ): 3/4 and 3/5
    assert [r[:3] for r in rows] == [(1, 0, 0), (2, 0, 0), (2, 1, 2), (3, 0, 1), (3, 2, 4), (4, 0, 1), (4, 1, 3),
                                     (5, 0, 1), (6, 0, 0), (6, 1, 2), (6, 2, 5)]
    assert [r[3] for r in rows] == [1, 1, 1, 1, 0.75, 1, 1, 1, 1, 1, 0.6]


def test_delay_adaptive_is_asgd_while_delays_below_n():
    tau = (0.7, 0.7, 0.7, 0.7)  # all delays ≤ 3 < n = 4
    np.testing.assert_array_equal(trajectory("delay-adaptive-asgd", {}, tau), trajectory("asgd", {}, tau))
    tau = (1.0, 2.0, 3.0)  # delays 4, 5 > n occur: the trajectories must differ
    assert not np.array_equal(trajectory("delay-adaptive-asgd", {}, tau), trajectory("asgd", {}, tau))


# --- delay-filtered SGD ------------------------------------------------------------------
def test_delay_filtered_hand_trace():
    s = op_stream(ALGORITHMS.get("delay-filtered-sgd")({"gamma": 1.0, "threshold": 2}), model((1.0, 2.0, 3.0)), None, 0, 100)
    rows = [r[:3] for r in updates(s) if r[0] <= 6]
    # worker 2 arrives with δ = 4 at t = 3 and δ = 5 at t = 6: both dropped
    assert rows == [(1, 0, 0), (2, 0, 0), (2, 1, 2), (3, 0, 1), (4, 0, 0), (4, 1, 2), (5, 0, 1), (6, 0, 0), (6, 1, 2)]
    s6 = op_stream(ALGORITHMS.get("delay-filtered-sgd")({"gamma": 1.0, "threshold": 2}), model((1.0, 2.0, 3.0)), None, 0, 9)
    # after 9 updates (t = 6, worker 1) worker 2's tied arrival at t = 6 is not yet processed
    assert s6.driver.prog[3] == 1 and s6.driver.prog[1] == 10


def test_delay_filtered_equals_ringmaster_without_stops():
    tau = (1.0, 1.3, 2.2, 3.1, 5.0)
    for T in (0, 2, 4):
        a = stream("delay-filtered-sgd", {"threshold": T}, tau, 300)
        b = stream("ringmaster-asgd", {"R": T + 1, "stops": 0}, tau, 300)
        for f in ("kind", "w", "k", "delay", "t"):
            np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
        assert a.driver.prog[3] == b.driver.prog[3] > 0


def test_delay_filtered_rejects_negative_threshold():
    with pytest.raises(SpecError, match="threshold"):
        ALGORITHMS.get("delay-filtered-sgd")({"gamma": 1.0, "threshold": -1})


# --- naive optimal ASGD --------------------------------------------------------------------
def test_naive_optimal_hand_trace():
    s = stream("naive-optimal-asgd", {"m": 2}, iterations=9)
    assert [r[:3] for r in updates(s)] == [(1, 0, 0), (2, 0, 0), (2, 1, 2), (3, 0, 1), (4, 0, 0), (4, 1, 2),
                                           (5, 0, 1), (6, 0, 0), (6, 1, 2)]
    assert s.driver.clock.k[2] == -1  # worker 2 never started a computation
    assert s.driver.clock.busy[0] == 6 + 6  # only workers 0 and 1 were ever busy, 6 s each


def test_naive_optimal_with_all_workers_is_asgd():
    tau = (1.0, 1.7, 2.3)
    np.testing.assert_array_equal(trajectory("naive-optimal-asgd", {"m": 3}, tau), trajectory("asgd", {}, tau))


def test_naive_optimal_m_larger_than_n_is_a_spec_error():
    with pytest.raises(SpecError, match="params.m"):
        stream("naive-optimal-asgd", {"m": 4})


# --- Malenia SGD -------------------------------------------------------------------------------
def malenia_steps(s):
    """Per step: (time, computed, [(worker, k, coef) of its GRADs], step coef)."""
    out, grads = [], []
    for i in range(s.kind.size):
        if s.kind[i] == GRAD:
            grads.append((int(s.w[i]), int(s.k[i]), float(s.c[i])))
            assert s.delay[i] == 0
        elif s.kind[i] == STEP:
            out.append((float(s.t[i]), int(s.n[i]), grads, float(s.c[i])))
            grads = []
    return out


def test_malenia_hand_trace_S3():
    steps = malenia_steps(stream("malenia-sgd", {"S": 3}, iterations=3))
    # t = 3: B = (3, 1, 1), Σ 1/B_i = 7/3 ≤ n²/S = 3 → step; coefficients 1/B_i, step 1/n
    t, computed, grads, c = steps[0]
    assert (t, computed, c) == (3.0, 5, 1 / 3)
    assert grads == [(0, 0, 1 / 3), (0, 1, 1 / 3), (1, 0, 1.0), (0, 2, 1 / 3), (2, 0, 1.0)]
    # everyone restarts at t = 3 (worker 1's computation from t = 2 is stopped) → again at 6, 9
    assert [s[0] for s in steps] == [3.0, 6.0, 9.0]
    assert [s[1] for s in steps] == [5, 10, 15]
    assert steps[1][2][2] == (1, 2, 1.0)  # worker 1's k = 1 was cancelled, k = 2 is used


def test_malenia_hand_trace_S6_stops_on_the_boundary():
    s = stream("malenia-sgd", {"S": 6}, iterations=1)
    (t, computed, grads, c), = malenia_steps(s)
    # Σ 1/B_i: 7/3 (t=3), 7/4 (t=4), 17/10 (t=5), 5/3 (t=6, w0), 3/2 = n²/S (t=6, w1): stop,
    # before worker 2's tied arrival at t = 6 is processed
    assert (t, computed, c) == (6.0, 10, 1 / 3)
    assert [w for w, _, _ in grads] == [0, 0, 1, 0, 2, 0, 1, 0, 0, 1]
    assert {w: cf for w, _, cf in grads} == {0: 1 / 6, 1: 1 / 3, 2: 1.0}
    # worker 2's computation k = 1 (started at t = 3) was stopped at t = 6; it restarted with k = 2
    assert s.driver.clock.k[2] == 2
    assert s.driver.clock.busy[0] == 18.0  # every worker was busy all 6 s


def test_malenia_local_batch_cap():
    s = stream("malenia-sgd", {"S": 2, "max_local_batch": 3}, tau=(1.0, 10.0), iterations=1)
    (t, computed, grads, c), = malenia_steps(s)
    # worker 0 delivers 3 gradients by t = 3 and idles; worker 1 arrives at t = 10
    assert (t, computed) == (10.0, 4)
    assert grads == [(0, 0, 1 / 3), (0, 1, 1 / 3), (0, 2, 1 / 3), (1, 0, 1.0)]
    with pytest.raises(SpecError, match="max_local_batch"):
        stream("malenia-sgd", {"S": 7, "max_local_batch": 3}, tau=(1.0, 10.0))


@pytest.mark.parametrize("S", [2, 4])
def test_malenia_equal_tau_is_minibatch_sgd(S):
    tau = (0.9, 0.9, 0.9, 0.9)
    a, b = stream("malenia-sgd", {"S": S}, tau, 20), stream("minibatch-sgd", {}, tau, 20)
    # the same ops except for k: in Malenia a worker that has delivered starts another
    # gradient at x^k, stopped when the last worker arrives, so it skips one draw per step
    for f in ("kind", "w", "c", "t", "n", "delay"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert a.k.max() > b.k.max()
    np.testing.assert_array_equal(trajectory("malenia-sgd", {"S": S}, tau, sigma2=0.0),
                                  trajectory("minibatch-sgd", {}, tau, sigma2=0.0))


def test_malenia_uses_each_workers_local_mean_on_heterogeneous_data():
    """On the heterogeneous quadratic the noiseless Malenia step is x − γ (1/n) Σ ∇f_i(x):
    full gradient descent on f, whatever the B_i."""
    problem = make_problem({"family": "heterogeneous-quadratic", "n": 3, "d": 3, "sigma2": 0.0})
    (r,) = simulate(problem, model((1.0, 2.0, 3.0)), ALGORITHMS.get("malenia-sgd")({"gamma": 0.2, "S": 6}), [0.2], 0,
                    max_iter=5, force_python=True)
    x = np.asarray(problem.x0, float)
    for _ in range(5):
        x = x - 0.2 * problem.grad(x)
    assert r.checkpoints["fgap"][-1] == pytest.approx(problem.f(x) - problem.f_star, rel=1e-10)


# --- Rescaled ASGD -----------------------------------------------------------------------------
@pytest.mark.parametrize("params,expect", [
    # default (τ̂_w / τ̂_max): {1}: 1; {1,2}: 1/2 for w0, 1 for w1; {1,2,4}: 1 for w2, 1/4 for w0
    ({}, [1, 1, 1, 0.5, 0.5, 1, 1, 0.25]),
    # τ̂_w / τ̂_H: {1,2}: H = 4/3 → 3/2 for w1, 3/4 for w0; {1,2,4}: H = 12/7 → 7/3, 7/12
    ({"mean": -1.0}, [1, 1, 1.5, 0.75, 0.75, 1.5, 7 / 3, 7 / 12]),
    # the poster's exponent, τ̂_min / τ̂_w: 1/2 for w1, 1/4 for w2, 1 for w0
    ({"exponent": -1.0, "mean": -math.inf}, [1, 1, 0.5, 1, 1, 0.5, 0.25, 1]),
    ({"exponent": 0.0}, [1] * 8),  # vanilla ASGD
])
def test_rescaled_hand_trace(params, expect):
    rows = updates(stream("rescaled-asgd", params, tau=(1.0, 2.0, 4.0), iterations=8))
    assert [r[:2] for r in rows] == [(1, 0), (2, 0), (2, 1), (3, 0), (4, 0), (4, 1), (4, 2), (5, 0)]
    assert [r[3] for r in rows] == pytest.approx(expect, rel=1e-15)
    assert [r[2] for r in rows] == [0, 0, 2, 1, 0, 2, 6, 2]


@pytest.mark.parametrize("params,field", [({"exponent": math.inf}, "exponent"), ({"mean": math.nan}, "mean"),
                                          ({"mean": "max"}, "mean")])
def test_rescaled_rejects_bad_readings(params, field):
    with pytest.raises(SpecError, match=f"params.{field}"):
        ALGORITHMS.get("rescaled-asgd")({"gamma": 0.1, **params})


def test_rescaled_equal_tau_is_asgd():
    np.testing.assert_array_equal(trajectory("rescaled-asgd", {}, (1.0,) * 4), trajectory("asgd", {}, (1.0,) * 4))
    np.testing.assert_allclose(trajectory("rescaled-asgd", {}, (0.3,) * 4), trajectory("asgd", {}, (0.3,) * 4),
                               rtol=1e-12)
    assert not np.allclose(trajectory("rescaled-asgd", {}, (1.0, 2.0, 4.0)), trajectory("asgd", {}, (1.0, 2.0, 4.0)))


# --- re-entry: op-buffer boundaries and work-table refills --------------------------------
@pytest.mark.parametrize("method,params", [("malenia-sgd", {"S": 6}), ("delay-adaptive-asgd", {}),
                                           ("delay-filtered-sgd", {"threshold": 1}), ("rescaled-asgd", {}),
                                           ("naive-optimal-asgd", {"m": 2})])
def test_small_op_buffer_gives_the_same_stream(method, params):
    """A kernel that returns OPS_FULL mid-step (Malenia's flush of 10 GRADs into 8 slots)
    must resume exactly where it stopped."""
    from ratecheck.engine.schedule import ScheduleDriver

    alg = ALGORITHMS.get(method)({"gamma": 1.0, **params})
    full = stream(method, params, iterations=40)
    drv = ScheduleDriver(alg, model((1.0, 2.0, 3.0)), None, 0)
    drv.capacity = 8
    kinds, ks, cs = [], [], []
    for ops in drv.chunks(40, np.inf):
        m = ops.size[0]
        assert m <= 8
        kinds.append(ops.kind[:m].copy())
        ks.append(ops.k[:m].copy())
        cs.append(ops.c[:m].copy())
    np.testing.assert_array_equal(np.concatenate(kinds), full.kind)
    np.testing.assert_array_equal(np.concatenate(ks), full.k)
    np.testing.assert_array_equal(np.concatenate(cs), full.c)


def test_malenia_long_run_across_table_refills():
    from ratecheck.testing import check_stream

    alg = ALGORITHMS.get("malenia-sgd")({"gamma": 1.0, "S": 6})
    s = op_stream(alg, model((1.0, 2.0, 3.0)), None, 0, 2000)  # worker 0: 12 000 draws, tables of 4096
    check_stream(s, alg)
    assert s.driver.clock.k[0] > 2 * 4096
    np.testing.assert_array_equal(s.t[s.kind == STEP], 6.0 * np.arange(1, 2001))
    assert alg.buffered(s.driver.state) == 0 and s.driver.prog[1] == 10 * 2000


def test_malenia_reports_gradients_buffered_at_the_horizon():
    from ratecheck.engine.schedule import ScheduleDriver

    alg = ALGORITHMS.get("malenia-sgd")({"gamma": 1.0, "S": 6})
    drv = ScheduleDriver(alg, model((1.0, 2.0, 3.0)), None, 0)
    for ops in drv.chunks(np.inf, 4.0):
        assert not np.any(ops.kind[: ops.size[0]] == GRAD)
    # arrivals by t = 4: w0 ×4, w1 ×2, w2 ×1; Σ 1/B_i = 7/4 > 3/2, so no step yet
    assert drv.prog[1] == 7 and alg.buffered(drv.state) == 7


def test_rescaled_removes_the_frequency_bias_on_heterogeneous_data():
    """Theory note fixed-computation.md §6.1: ASGD drifts to the minimiser of Σ w_i f_i with
    w_i ∝ 1/τ_i; Rescaled ASGD to that of f = (1/n) Σ f_i. With A_i = diag(λ) shared, the
    former is Σ w_i c_i (noiseless, small γ: both to within an O(γ) residual)."""
    problem = make_problem({"family": "heterogeneous-quadratic", "n": 3, "d": 2, "curvature": "shared",
                            "sigma2": 0.0, "spread": 2.0})
    tau = np.array([1.0, 2.0, 4.0])
    w = (1 / tau) / (1 / tau).sum()
    bias = float((((w[:, None] * problem.centers).sum(0) - problem.x_star) ** 2).sum())
    final = {}
    for name in ("asgd", "rescaled-asgd"):
        (r,) = simulate(problem, model(tau), ALGORITHMS.get(name)({"gamma": 0.05}), [0.05], 0, max_iter=3000,
                        force_python=True)
        final[name] = r.checkpoints["dist_sq"][-1]
    assert final["asgd"] == pytest.approx(bias, rel=0.1)
    assert final["rescaled-asgd"] < 0.01 * bias
