"""Task allocation (ATA, ATA-Empirical, GTA, UTA, FTA): hand-computed rounds, the
reduction "ATA with known means = FTA", worker-time accounting and conformance.

Fixed τ, every round starts at the previous round's last arrival, ties go to the
lowest worker index (events) and to the worker with fewer tasks, then the lowest label
(allocation). Numbers in comments are worked out by hand from the formulas of
fixed-computation.md §5.2.
"""

import math

import numpy as np
import pytest
from scipy import integrate, optimize

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.engine.ops import GRAD, STEP
from ratecheck.engine.run import simulate
from ratecheck.errors import SpecError
from ratecheck.problems import make_problem
from ratecheck.testing import check_algorithm, op_stream

TAU = (1.0, 2.0, 3.0, 5.0)


def model(tau=TAU):
    return make_model({"model": "fixed", "profile": "list", "tau": list(tau), "order": "given"})


def rounds(method, params, tau=TAU, iterations=3):
    """Per round: (allocation a^k as a tuple, time of the step)."""
    s = op_stream(ALGORITHMS.get(method)({"gamma": 1.0, **params}), model(tau), None, 0, iterations)
    out, a = [], np.zeros(len(tau), int)
    for i in range(s.kind.size):
        if s.kind[i] == GRAD:
            a[s.w[i]] += 1
        elif s.kind[i] == STEP:
            out.append((tuple(int(v) for v in a), float(s.t[i])))
            a[:] = 0
    return out, s


def test_fta_hand_trace():
    # greedy on u·τ_j: 1(w0) 2(w0) 2(w1) 3(w0) 3(w2) 4(w0) 4(w1) → the six smallest give
    # a* = (3, 2, 1, 0) (ties to fewer tasks), round time max(3, 4, 3) = 4; worker 3 idles
    r, s = rounds("fta", {"B": 6})
    assert r == [((3, 2, 1, 0), 4.0), ((3, 2, 1, 0), 8.0), ((3, 2, 1, 0), 12.0)]
    assert s.driver.clock.busy[0] == 3 * (3 + 4 + 3)
    assert np.all(s.c[s.kind == STEP] == 1 / 6)


def test_uta_hand_trace():
    # B = 6 dealt in label order from where the last round stopped: (2,2,1,1), (1,1,2,2), …
    r, s = rounds("uta", {"B": 6})
    assert r == [((2, 2, 1, 1), 5.0), ((1, 1, 2, 2), 15.0), ((2, 2, 1, 1), 20.0)]
    assert s.driver.clock.busy[0] == (2 + 4 + 3 + 5) + (1 + 2 + 6 + 10) + (2 + 4 + 3 + 5)


def test_gta_hand_trace_and_wasted_work():
    # arrivals t=1 w0, 2 w0, 2 w1, 3 w0, 3 w2, 4 w0 → step at 4; w1, w2, w3 are stopped
    # (w3 has run 4 s for nothing); every worker is busy all the time: W(t) = n·t
    r, s = rounds("gta", {"B": 6})
    assert r == [((4, 1, 1, 0), 4.0), ((4, 1, 1, 0), 8.0), ((4, 1, 1, 0), 12.0)]
    assert s.driver.clock.busy[0] == 4 * 12.0
    rennala, _ = rounds("rennala-sgd", {"S": 6})
    assert r == rennala


def test_ata_hand_trace():
    # round 1: nobody sampled → one task each, the 2 left to the lowest labels: (2,2,1,1), 5 s.
    # round 2 (k = 2, ln 8 = 2.0794, α = 0.1): K = (2,2,1,1), μ̂ = τ;
    #   conf(K=2) = 0.2(√1.0397 + 1.0397) = 0.4119, conf(K=1) = 0.2(√2.0794 + 2.0794) = 0.7043
    #   s = (0.588, 1.588, 2.296, 4.296); six smallest u·s_j: .588 1.176 1.588 1.764 2.296 2.352
    #   → (4,1,1,0), 4 s.  Round 3 (ln 18): s = (0.765, 1.611, 2.471, 4.082) → (4,1,1,0) again.
    r, _ = rounds("ata", {"B": 6, "alpha": 0.1})
    assert r == [((2, 2, 1, 1), 5.0), ((4, 1, 1, 0), 9.0), ((4, 1, 1, 0), 13.0)]
    # a wide confidence term (α = 1) puts every score at 0: the balanced allocation stays
    r, _ = rounds("ata", {"B": 6, "alpha": 1.0})
    assert [a for a, _ in r] == [(2, 2, 1, 1)] * 3


def test_ata_empirical_hand_trace():
    # round 2 (η = 0.1): factor 1 − 0.2(√(L/K) + L/K) = 0.5881 (K = 2), 0.2957 (K = 1)
    #   s = (0.588, 1.176, 0.887, 1.479); greedy: w0, w2, w1 (tie with w0 at 1.176: fewer
    #   tasks), w0, w3, w0 → (3,1,1,1), round time max(3, 2, 3, 5) = 5
    r, _ = rounds("ata-empirical", {"B": 6, "eta": 0.1})
    assert r[:2] == [((2, 2, 1, 1), 5.0), ((3, 1, 1, 1), 10.0)]


def test_ata_with_known_means_is_fta():
    """With deterministic times (α = η = 0 is the exact sub-exponential norm) one sample
    gives μ̂_i = μ_i, so from round 2 on ATA and ATA-Empirical allocate exactly as FTA."""
    tau = (1.0, 1.7, 2.3, 4.1, 6.2)
    fta, _ = rounds("fta", {"B": 7}, tau, 40)
    for method, p in (("ata", {"alpha": 0.0}), ("ata-empirical", {"eta": 0.0})):
        r, _ = rounds(method, {"B": 7, **p}, tau, 41)
        assert [a for a, _ in r[1:]] == [a for a, _ in fta]
        np.testing.assert_allclose(np.diff([t for _, t in r]), np.diff([0.0] + [t for _, t in fta]), rtol=1e-12)
    assert fta[0][0] == (4, 2, 1, 0, 0)  # the seven smallest u·τ_j: 1 1.7 2 2.3 3 3.4 4


def test_worker_time_at_each_hit():
    """hits[..., 3] is ∫_0^t (busy workers) at the hit's step: 10 s per FTA round, n·t for GTA."""
    problem = make_problem({"family": "quadratic", "d": 3, "L": 1.0, "mu": 0.1, "sigma2": 0.0})
    targets = [0.3, 0.1, 0.03, 0.01]
    for method, per_round in (("fta", 10.0), ("gta", 16.0)):
        (r,) = simulate(problem, model(), ALGORITHMS.get(method)({"gamma": 0.5, "B": 6}), [0.5], 0,
                        max_iter=200, targets=targets, worker_time=True)
        h = r.hits["fgap"]
        assert np.all(np.isfinite(h[:, 0])) and np.all(h[:, 0] > 0)
        np.testing.assert_array_equal(h[:, 3], per_round * h[:, 0])
        assert r.final["worker_time"] == per_round * r.final["iteration"]


def test_worker_time_counts_work_in_flight():
    """ASGD never stops a worker: at its k-th update W(t) = Σ_i min(t, ·) over all starts."""
    problem = make_problem({"family": "quadratic", "d": 3, "L": 1.0, "mu": 0.1, "sigma2": 0.0})
    (r,) = simulate(problem, model((1.0, 2.0, 3.0)), ALGORITHMS.get("asgd")({"gamma": 0.5}), [0.5], 0,
                    max_iter=50, targets=[0.5, 0.2, 0.05], worker_time=True)
    h = r.hits["fgap"]
    np.testing.assert_array_equal(h[:, 3], 3 * h[:, 1])  # three workers busy at every instant
    (plain,) = simulate(problem, model((1.0, 2.0, 3.0)), ALGORITHMS.get("asgd")({"gamma": 0.5}), [0.5], 0,
                        max_iter=50, targets=[0.5, 0.2, 0.05])
    assert np.all(np.isnan(plain.hits["fgap"][:, 3]))  # only recorded on request


def test_psi1_norm_of_the_exponential_noise():
    """α for X = b + Exp(mean s): ‖Exp(s) − s‖_ψ1 = c·s with E exp(|E − 1|/c) = 2, c ≈ 1.5313
    (closed form e^{1/c}(1 − e^{−1−1/c})/(1 + 1/c) + e^{−1}/(1 − 1/c)); the value the
    check problems/ata-allocation.toml uses."""
    def moment(c):
        f = lambda x: math.exp(abs(x - 1) / c - x)
        return integrate.quad(f, 0, 1)[0] + integrate.quad(f, 1, np.inf)[0]

    c = optimize.brentq(lambda c: moment(c) - 2, 1.01, 10)
    closed = math.exp(1 / c) * (1 - math.exp(-1 - 1 / c)) / (1 + 1 / c) + math.exp(-1) / (1 - 1 / c)
    assert abs(closed - 2) < 1e-9 and abs(c - 1.5313) < 1e-4


def test_fta_takes_means_from_the_model():
    m = make_model({"model": "random", "n": 3, "family": "exponential", "base": "linear", "noise": "linear"})
    st = ALGORITHMS.get("fta")({"gamma": 1.0, "B": 3}).state_for(m)
    np.testing.assert_array_equal(st.mu, [2.0, 4.0, 6.0])  # b_i + s_i = 2i


@pytest.mark.parametrize("method,params,field", [
    ("ata", {"B": 0, "alpha": 1.0}, "B"),
    ("ata", {"B": 2, "alpha": -1.0}, "alpha"),
    ("ata", {"B": 2}, "alpha"),
    ("ata-empirical", {"B": 2, "eta": float("nan")}, "eta"),
    ("uta", {}, "B"),
    ("gta", {"B": 1.5}, "B"),
])
def test_bad_parameters_name_the_field(method, params, field):
    with pytest.raises(SpecError, match=f"algorithm.params.{field}"):
        ALGORITHMS.get(method)({"gamma": 1.0, **params})


@pytest.mark.parametrize("method,params", [
    ("ata", {"B": 6, "alpha": 0.3}),
    ("ata-empirical", {"B": 3, "eta": 0.2}),
    ("uta", {"B": 7}),
    ("fta", {"B": 9}),
])
def test_label_dependent_settings_conform(method, params):
    # ties between zero scores and B ∤ n make these settings depend on the labels
    check_algorithm(ALGORITHMS.get(method), params, iterations=120, permutation_invariant=False)
