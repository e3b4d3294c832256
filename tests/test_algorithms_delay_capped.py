"""Delay-capped ASGD (a demonstration method): a hand-computed trace, its two reductions.

Setting: f(x) = ½ (x − 1)² (d = 1, L = μ = 1, σ² = 0, x⁰ = 0), so with e = x − 1 the
gradient at a point is its e; γ = 1/2, C = 3/2, two workers with τ = (1, 3), ties to the
lower label. By hand (each line: time, worker, delay δ, weight min(1, C/δ), the point
read, the new e):

    t=1  w0  δ=0  1    e⁰ = −1       e¹ = −1 + ½        = −1/2
    t=2  w0  δ=0  1    e¹            e² = −1/2 + 1/4     = −1/4
    t=3  w0  δ=0  1    e²            e³ = −1/4 + 1/8     = −1/8
    t=3  w1  δ=3  1/2  e⁰            e⁴ = −1/8 + ¼       = 1/8
    t=4  w0  δ=1  1    e³            e⁵ = 1/8 + 1/16     = 3/16
    t=5  w0  δ=0  1    e⁵            e⁶ = 3/16 − 3/32    = 3/32
    t=6  w0  δ=0  1    e⁶            e⁷ = 3/32 − 3/64    = 3/64
    t=6  w1  δ=3  1/2  e⁴            e⁸ = 3/64 − 1/32    = 1/64

(w1's second computation reads x⁴, handed out after the update at t = 3.) Every number is
dyadic, so the replay reproduces them exactly.
"""

import numpy as np
import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.engine.ops import GRAD, STEP
from ratecheck.engine.run import simulate
from ratecheck.problems import make_problem
from ratecheck.testing import op_stream

E = [-1, -1 / 2, -1 / 4, -1 / 8, 1 / 8, 3 / 16, 3 / 32, 3 / 64, 1 / 64]


def model(tau):
    return make_model({"model": "fixed", "profile": "list", "tau": list(tau), "order": "given"})


def test_hand_trace_ops():
    s = op_stream(ALGORITHMS.get("delay-capped-asgd")({"gamma": 0.5, "C": 1.5}), model((1.0, 3.0)), None, 0, 8)
    g = s.kind == GRAD
    assert s.w[g].tolist() == [0, 0, 0, 1, 0, 0, 0, 1]
    assert s.delay[g].tolist() == [0, 0, 0, 3, 1, 0, 0, 3]
    assert s.c[g].tolist() == [1, 1, 1, 0.5, 1, 1, 1, 0.5]
    assert s.t[s.kind == STEP].tolist() == [1, 2, 3, 3, 4, 5, 6, 6]


@pytest.mark.parametrize("python", [False, True])
def test_hand_trace_iterates(python):
    problem = make_problem({"family": "quadratic", "d": 1, "L": 1.0, "mu": 1.0, "sigma2": 0.0})
    alg = ALGORITHMS.get("delay-capped-asgd")({"gamma": 0.5, "C": 1.5})
    (res,) = simulate(problem, model((1.0, 3.0)), alg, [0.5], 0, max_iter=8, force_python=python)
    it = res.checkpoints["iteration"].astype(int)
    np.testing.assert_array_equal(res.checkpoints["fgap"], [0.5 * E[k] ** 2 for k in it])
    assert it[-1] == 8


def test_cap_n_is_delay_adaptive_and_a_large_cap_is_asgd():
    tau = (1.0, 1.7, 2.9, 4.3)
    capped = op_stream(ALGORITHMS.get("delay-capped-asgd")({"gamma": 1.0, "C": 4.0}), model(tau), None, 0, 300)
    adaptive = op_stream(ALGORITHMS.get("delay-adaptive-asgd")({"gamma": 1.0}), model(tau), None, 0, 300)
    assert (capped.c < 1).any()
    for f in ("kind", "w", "k", "c", "t", "delay"):
        np.testing.assert_array_equal(getattr(capped, f), getattr(adaptive, f))
    large = op_stream(ALGORITHMS.get("delay-capped-asgd")({"gamma": 1.0, "C": 1e9}), model(tau), None, 0, 300)
    asgd = op_stream(ALGORITHMS.get("asgd")({"gamma": 1.0}), model(tau), None, 0, 300)
    for f in ("kind", "w", "k", "c", "t", "delay"):
        np.testing.assert_array_equal(getattr(large, f), getattr(asgd, f))


def test_cap_below_one_names_the_field():
    from ratecheck.errors import SpecError

    with pytest.raises(SpecError, match="algorithm.params.C"):
        ALGORITHMS.get("delay-capped-asgd")({"gamma": 0.5, "C": 0.5})
