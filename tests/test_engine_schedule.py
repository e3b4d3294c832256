"""The schedule semantics against traces computed by hand (DESIGN.md, exact semantics).

n = 3 workers, fixed τ = (1, 2, 3), all start at t = 0; ties go to the lowest worker
index; a delay counts the updates since the worker's point was handed out.
"""

import numpy as np
import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.engine.ops import GRAD, STEP
from ratecheck.engine.schedule import ScheduleDriver


def trace(method, params, tau=(1.0, 2.0, 3.0), iterations=11, max_time=np.inf):
    model = make_model({"model": "fixed", "profile": "list", "tau": list(tau)})
    drv = ScheduleDriver(ALGORITHMS.get(method)({"gamma": 1.0, **params}), model, None, seed=0)
    rows = []
    for ops in drv.chunks(iterations, max_time):
        m = ops.size[0]
        pending = None
        for i in range(m):
            if ops.kind[i] == GRAD:
                pending = (int(ops.w[i]), int(ops.delay[i]))
            elif ops.kind[i] == STEP and pending is not None:
                rows.append((float(ops.t[i]), *pending))
                pending = None
    return rows, drv


def test_asgd_hand_trace():
    rows, drv = trace("asgd", {})
    # (time, worker, delay) of every update, computed by hand in the module docstring setting
    assert rows == [(1, 0, 0), (2, 0, 0), (2, 1, 2), (3, 0, 1), (3, 2, 4), (4, 0, 1), (4, 1, 3),
                    (5, 0, 1), (6, 0, 0), (6, 1, 2), (6, 2, 5)]
    assert drv.prog[1] == 11  # computed = applied for ASGD


def test_ringmaster_with_stops_R3_hand_trace():
    rows, drv = trace("ringmaster-asgd", {"R": 3, "stops": 1}, iterations=9)
    assert rows == [(1, 0, 0), (2, 0, 0), (2, 1, 2), (3, 0, 1), (4, 0, 0), (4, 1, 2), (5, 0, 1),
                    (6, 0, 0), (6, 1, 2)]
    # worker 2 is stopped at t = 2, 4 and 6 before it ever finishes
    assert drv.clock.k[2] == 3


def test_ringmaster_R2_discard_variant_hand_trace():
    rows, drv = trace("ringmaster-asgd", {"R": 2, "stops": 0}, max_time=6.0, iterations=100)
    # only worker 0 is ever applied; worker 1 is discarded at t = 2, 4, 6 and worker 2 at t = 3, 6
    assert rows == [(t, 0, 0) for t in (1, 2, 3, 4, 5, 6)]
    assert drv.prog[3] == 5  # discarded
    assert drv.prog[1] == 11  # computed = applied + discarded


def test_ringmaster_R2_with_stops_never_applies_delay_2():
    rows, drv = trace("ringmaster-asgd", {"R": 2, "stops": 1}, max_time=6.0, iterations=100)
    assert rows == [(t, 0, 0) for t in (1, 2, 3, 4, 5, 6)]
    assert drv.prog[3] == 0  # stopped computations are neither computed nor discarded
    assert drv.prog[1] == 6


def test_rennala_and_minibatch_hand_trace():
    rows, _ = trace("rennala-sgd", {"S": 2}, iterations=3)
    # S = 2: w0 at 1 and w0 at 2 (tie with w1, lower index first) → step at 2; all restart
    assert rows == [(2, 0, 0), (4, 0, 0), (6, 0, 0)]
    rows, _ = trace("minibatch-sgd", {}, iterations=3)
    assert [r[0] for r in rows] == [3, 6, 9]


@pytest.mark.parametrize("method,params", [("asgd", {}), ("ringmaster-asgd", {"R": 3}), ("rennala-sgd", {"S": 4})])
def test_scaling_every_tau_scales_every_time(method, params):
    tau = np.sqrt(np.arange(1, 8))
    rows1, _ = trace(method, params, tau=tau, iterations=200)
    rows2, _ = trace(method, params, tau=2.5 * tau, iterations=200)
    assert [r[1:] for r in rows1] == [r[1:] for r in rows2]
    np.testing.assert_allclose([2.5 * r[0] for r in rows1], [r[0] for r in rows2], rtol=1e-12)


def test_random_times_common_random_numbers():
    """Two algorithms, same seed → identical k-th compute time of every worker."""
    from ratecheck.engine import rng

    model = make_model({"model": "fixed", "profile": "list", "tau": [1.0, 2.0, 3.0]})
    s1, s2 = rng.WorkerStreams(7), rng.WorkerStreams(7)
    a = s1.gen(rng.NOISE, 2).standard_normal(5)
    s1.gen(rng.NOISE, 0).standard_normal(3)  # other workers' draws do not shift worker 2's stream
    b = s2.gen(rng.NOISE, 2).standard_normal(5)
    np.testing.assert_array_equal(a, b)
    assert model.n == 3


def test_concurrency_is_the_mean_number_of_busy_workers():
    """τ = (1, 2, 3): ASGD keeps all 3 workers busy (concurrency 3); minibatch SGD's round
    lasts 3 s and holds 1 + 2 + 3 = 6 worker-seconds (concurrency 2)."""
    from ratecheck.engine.run import simulate
    from ratecheck.problems import make_problem

    p = make_problem({"family": "quadratic", "d": 2, "L": 1.0, "mu": 0.5})
    m = make_model({"model": "fixed", "tau": [1.0, 2.0, 3.0]})
    (a,) = simulate(p, m, ALGORITHMS.get("asgd")({"gamma": 0.1}), [0.1], 0, max_iter=60)
    (b,) = simulate(p, m, ALGORITHMS.get("minibatch-sgd")({"gamma": 0.1}), [0.1], 0, max_iter=20)
    assert a.final["concurrency"] == pytest.approx(3.0, rel=1e-12)
    assert b.final["time"] == 60.0 and b.final["concurrency"] == pytest.approx(2.0, rel=1e-12)
