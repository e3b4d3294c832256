"""The gradient-table methods, IA²SGD and Ringleader ASGD: hand-computed event sequences,
reductions, direct re-implementations, compiled = numpy replay, conformance.

Setting as in test_algorithms_catalog.py: fixed τ, every worker starts at t = 0, ties go
to the lowest worker index, a delay counts the updates since the worker got its point
(recorded when the gradient joins the table).
"""

import heapq

import numpy as np
import pytest
from numba import njit

from ratecheck.algorithms import ALGORITHMS
from ratecheck.algorithms.base import Algorithm
from ratecheck.algorithms.ia2sgd import IA2SGD
from ratecheck.algorithms.ringleader import Ringleader
from ratecheck.asynchrony import make_model
from ratecheck.engine.clock import current_sample
from ratecheck.engine.noise import noise_key, normals
from ratecheck.engine.ops import STEP, TGRAD, TSCALE, TSWAP, TSYNC, emit_step, emit_tgrad, emit_tscale, emit_tswap
from ratecheck.engine.run import simulate
from ratecheck.engine.status import ITER
from ratecheck.problems import make_problem
from ratecheck.testing import check_algorithm, op_stream

HETERO = {"family": "heterogeneous-quadratic", "n": 3, "d": 3, "L": 2.0, "mu": 0.5, "sigma2": 0.2, "seed": 4}


def model(tau):
    return make_model({"model": "fixed", "profile": "list", "tau": list(tau), "order": "given"})


def events(method, iterations, tau=(1.0, 2.0, 3.0)):
    """The table ops in order: ("g", worker, k, row, c, delay), ("s", row, a),
    ("w", r, s), ("sync",) and ("step", t, c)."""
    s = op_stream(ALGORITHMS.get(method)({"gamma": 1.0}), model(tau), None, 0, iterations)
    out = []
    for i in range(s.kind.size):
        if s.kind[i] == TGRAD:
            out.append(("g", int(s.w[i]), int(s.k[i]), int(s.n[i]), float(s.c[i]), int(s.delay[i])))
        elif s.kind[i] == TSCALE:
            out.append(("s", int(s.w[i]), float(s.c[i])))
        elif s.kind[i] == TSWAP:
            out.append(("w", int(s.w[i]), int(s.n[i])))
        elif s.kind[i] == TSYNC:
            out.append(("sync",))
        elif s.kind[i] == STEP:
            out.append(("step", float(s.t[i]), float(s.c[i])))
    return out


def fold(w, k, row, b, delay):
    """The ops that add the (b+1)-th gradient to the running mean in ``row``."""
    return ([("s", row, b / (b + 1))] if b else []) + [("g", w, k, row, 1 / (b + 1), delay)]


def step(t, n=3):
    return [("step", t, 1 / n)]


def clear(*rows):
    return [("s", r, 0.0) for r in rows]


SYNC = [("sync",)]


# --- the table ops themselves ----------------------------------------------------------------
@njit(_nrt=False, inline="always")
def _scripted_arrival(c, ops, prog, st, prm, t, w):
    """One gradient g = ∇f(x⁰) (worker 0, t = 1) moved around a 2-worker table (rows 0, 1
    summed; 2, 3 scratch) with the running sum's every case: a scratch row, a swap in
    and out of the summed rows, a scale, a swap inside them."""
    emit_tgrad(ops, w, c.k[w], current_sample(c, w), 2.0, 0, 2)  # T2 = 2g
    emit_step(ops, 1.0, t, 1)  # rows 0, 1 empty: x¹ = x⁰
    emit_tswap(ops, 0, 2)  # T0 = 2g
    emit_step(ops, 0.5, t, 1)  # x² = x⁰ − γg
    emit_tscale(ops, 0, 1.5)  # T0 = 3g
    emit_tswap(ops, 3, 0)  # T0 = 0, T3 = 3g
    emit_step(ops, 1.0, t, 1)  # x³ = x²
    emit_tswap(ops, 3, 1)  # T1 = 3g
    emit_tswap(ops, 0, 1)  # T0 = 3g, T1 = 0: the sum is unchanged
    emit_step(ops, 1.0 / 3.0, t, 1)  # x⁴ = x⁰ − 2γg
    prog[ITER] = 4  # the horizon (max_iter = 4): no second event


class Scripted(Algorithm):
    registry_name = "scripted-table"
    on_arrival = staticmethod(_scripted_arrival)

    def table_rows(self, n):
        return 2 * n

    def ops_per_event(self, n):
        return 16


@pytest.mark.parametrize("python", [False, True])
def test_table_ops_by_hand(python):
    problem = make_problem({"family": "quadratic", "d": 3, "L": 1.0, "mu": 0.1, "sigma2": 0.0})
    gamma = 0.4
    (res,) = simulate(problem, model((1.0, 1.5)), Scripted({"gamma": gamma}), [gamma], 0, max_iter=4,
                      force_python=python)
    x0 = problem.x0
    g = problem.grad(x0)
    xs = [x0, x0, x0 - gamma * g, x0 - gamma * g, x0 - 2 * gamma * g]
    np.testing.assert_array_equal(res.checkpoints["iteration"], np.arange(5))
    np.testing.assert_allclose(res.checkpoints["fgap"], [problem.f(x) - problem.f_star for x in xs], rtol=1e-13)
    assert res.final["applied"] == 1


# --- hand-computed event sequences, τ = (1, 2, 3) ----------------------------------------
def test_ringleader_hand_trace():
    """Three rounds by hand. Round 1 collects w0 (k0, k1, k2), w1 (k0), w2 (k0), all at x⁰;
    w2 completes the collect phase at t = 3 (update 1, x¹ to w2); w0's k3 (handed out at
    t = 3 before update 1: delay 1) and w1's k1 (delay 2) give updates 2 and 3 at t = 4.
    Round 2: w0 k4 (at x², delay 1), w0 k5, w1 k2 (at x³), w2 k1 (at x¹, delay 2) → update
    4 at t = 6; w0 k6 (delay 1) → update 5 at t = 7; at t = 8 w0 k7 (already updated)
    goes to the next table (row 3), then w1 k3 (delay 2) → update 6; the swap 0 ↔ 3.
    Round 3 starts with w0's mean holding k7: k8 and k9 join it, w2 k2 (delay 2), w1 k4
    → update 7 at t = 10; w0 k10 → update 8 at t = 11; at t = 12 w0 k11 and w1 k5 go
    to the next table, w2 k3 (its 2nd entry, delay 2) → update 9, swaps 0 ↔ 3, 1 ↔ 4.
    Every round ends with the table sum recomputed."""
    expected = (
        fold(0, 0, 0, 0, 0) + fold(0, 1, 0, 1, 0) + fold(1, 0, 1, 0, 0) + fold(0, 2, 0, 2, 0) + fold(2, 0, 2, 0, 0)
        + step(3.0) + fold(0, 3, 0, 3, 1) + step(4.0) + fold(1, 1, 1, 1, 2) + step(4.0)
        + clear(0, 1, 2) + SYNC
        + fold(0, 4, 0, 0, 1) + fold(0, 5, 0, 1, 0) + fold(1, 2, 1, 0, 0) + fold(2, 1, 2, 0, 2) + step(6.0)
        + fold(0, 6, 0, 2, 1) + step(7.0) + fold(0, 7, 3, 0, 0) + fold(1, 3, 1, 1, 2) + step(8.0)
        + [("w", 0, 3)] + clear(3, 1, 2) + SYNC
        + fold(0, 8, 0, 1, 1) + fold(2, 2, 2, 0, 2) + fold(0, 9, 0, 2, 0) + fold(1, 4, 1, 0, 0) + step(10.0)
        + fold(0, 10, 0, 3, 1) + step(11.0) + fold(0, 11, 3, 0, 0) + fold(1, 5, 4, 0, 1) + fold(2, 3, 2, 1, 2)
        + step(12.0) + [("w", 0, 3)] + clear(3) + [("w", 1, 4)] + clear(4) + clear(2) + SYNC
    )
    got = events("ringleader-asgd", 9)
    assert got == expected  # the weights are the same doubles: 1/(b+1), b/(b+1), 1/n


def test_ia2sgd_hand_trace():
    """Warm-up: w0's k0 and k1 are replaced by k2 before w2 completes the table at t = 3
    (update 1); from then every arrival replaces its worker's row and updates with c = 1/3:
    w0 k3 (delay 1) and w1 k1 (delay 2) at t = 4, w0 k4 (delay 1) at t = 5, at t = 6 w0 k5
    (delay 0), w1 k2 (delay 2), w2 k1 (handed out after update 1: delay 5). The table sum
    is recomputed after updates 3 and 6."""
    def put(w, k, delay, filled=True):
        return clear(w) * filled + [("g", w, k, w, 1.0, delay)]

    expected = (put(0, 0, 0, False) + put(0, 1, 0) + put(1, 0, 0, False) + put(0, 2, 0) + put(2, 0, 0, False)
                + step(3.0) + put(0, 3, 1) + step(4.0) + put(1, 1, 2) + step(4.0) + SYNC + put(0, 4, 1) + step(5.0)
                + put(0, 5, 0) + step(6.0) + put(1, 2, 2) + step(6.0) + SYNC + put(2, 1, 5) + step(6.0))
    got = events("ia2sgd", 7)
    assert got == expected  # the weights are the same doubles: 1/(b+1), b/(b+1), 1/n


# --- direct re-implementations (no op stream) ---------------------------------------------
def reference(method, problem, tau, gamma, seed, K):
    """f(x_k) − f* for k = 0..K from an event loop written from the papers' description:
    IA²SGD keeps the latest gradient of each worker, Ringleader the sums G_i and counts b_i
    of the table and of the next table (fixed τ, ties to the lower index)."""
    n, d = len(tau), problem.d
    key = noise_key(seed)
    x = problem.x0.copy()
    point = [x.copy() for _ in range(n)]
    comp = [0] * n
    heap = [(tau[w], w) for w in range(n)]
    heapq.heapify(heap)
    latest = [None] * n
    G, b, Gn, bn = np.zeros((n, d)), np.zeros(n), np.zeros((n, d)), np.zeros(n)
    collect, needs = True, np.zeros(n, bool)
    out = [problem.f(x) - problem.f_star]
    while len(out) <= K:
        t, w = heapq.heappop(heap)
        z = normals(key, np.array([w]), np.array([comp[w]]), problem.noise_dim)[0]
        g = problem.stochastic_grad(point[w], w, -1, z)
        update = False
        if method == "ia2sgd":
            latest[w] = g
            if all(v is not None for v in latest):
                x = x - gamma * np.mean(latest, axis=0)
                update = True
        elif collect or needs[w]:
            G[w] += g
            b[w] += 1
            if collect and np.all(b > 0):
                collect, needs = False, np.arange(n) != w
                update = True
            elif not collect:
                needs[w] = False
                update = True
            if update:
                x = x - gamma * np.mean(G / b[:, None], axis=0)
        else:
            Gn[w] += g
            bn[w] += 1
        if update:
            out.append(problem.f(x) - problem.f_star)
        comp[w] += 1
        point[w] = x.copy()
        heapq.heappush(heap, (t + tau[w], w))
        if method != "ia2sgd" and not collect and not needs.any():
            G, b, Gn, bn = Gn, bn, np.zeros((n, d)), np.zeros(n)
            collect = True
    return np.asarray(out)


@pytest.mark.parametrize("method", ["ia2sgd", "ringleader-asgd"])
def test_equals_direct_implementation(method):
    problem = make_problem(HETERO)
    tau, gamma, K = (1.0, 1.7, 2.9), 0.3, 150
    (res,) = simulate(problem, model(tau), ALGORITHMS.get(method)({"gamma": gamma}), [gamma], 7, max_iter=K)
    ref = reference(method, problem, tau, gamma, 7, K)
    its = res.checkpoints["iteration"].astype(int)
    assert its[-1] == K
    np.testing.assert_allclose(res.checkpoints["fgap"], ref[its], rtol=1e-12)


def test_ringleader_one_worker_is_sgd():
    """n = 1: every round is one arrival and one update, x^{k+1} = x^k − γ ∇f(x^k; ξ_k)
    (fixed-computation.md §4.2), step for step, bit for bit the one-worker ASGD run."""
    problem = make_problem({"family": "quadratic", "d": 5, "L": 2.0, "mu": 0.2, "spectrum": "linear", "sigma2": 0.3})
    gamma, K = 0.2, 60
    one = make_model({"model": "fixed", "profile": "list", "tau": [1.5]})
    (res,) = simulate(problem, one, Ringleader({"gamma": gamma}), [gamma], 3, max_iter=K)
    z = normals(noise_key(3), np.zeros(K, np.int64), np.arange(K), problem.noise_dim)
    x = problem.x0.copy()
    fgap = [problem.f(x) - problem.f_star]
    for k in range(K):
        x = x - gamma * problem.stochastic_grad(x, 0, -1, z[k])
        fgap.append(problem.f(x) - problem.f_star)
    its = res.checkpoints["iteration"].astype(int)
    np.testing.assert_allclose(res.checkpoints["fgap"], np.asarray(fgap)[its], rtol=1e-12)
    assert res.checkpoints["time"][-1] == 1.5 * K
    (asgd,) = simulate(problem, one, ALGORITHMS.get("asgd")({"gamma": gamma}), [gamma], 3, max_iter=K)
    for f in ("fgap", "grad_sq", "time", "computed"):
        np.testing.assert_array_equal(res.checkpoints[f], asgd.checkpoints[f])


def staleness(s, n):
    """Largest δ_i^k over the updates: k minus the iteration of the point of the oldest
    gradient in the table rows < n, replayed from the op stream (a TGRAD's point is
    iteration (updates so far) − delay; TSCALE 0 empties a row, TSWAP swaps two)."""
    rows, k, worst = {r: [] for r in range(2 * n)}, 0, 0
    for i in range(s.kind.size):
        if s.kind[i] == TGRAD:
            rows[int(s.n[i])].append(k - int(s.delay[i]))
        elif s.kind[i] == TSCALE and s.c[i] == 0.0:
            rows[int(s.w[i])] = []
        elif s.kind[i] == TSWAP:
            r, q = int(s.w[i]), int(s.n[i])
            rows[r], rows[q] = rows[q], rows[r]
        elif s.kind[i] == STEP:
            worst = max(worst, k - min(min(rows[r]) for r in range(n)))
            k += 1
    return worst


@pytest.mark.parametrize("tau", [(1.0, 2.0, 3.0, 4.0, 5.0), (1.0, 1.0, 1.0, 1.0, 10.0), (1.0, 3.3, 3.4, 7.1, 9.2)])
def test_ringleader_card_bounds_on_delays_and_round_time(tau):
    """The card's [S] bounds (fixed-computation.md §4.2–4.3), n = 5: the delays δ_i^k of the
    gradients every update reads are ≤ 2n − 2, and attained (8) on these profiles (the delay
    an op records, at table entry, is smaller); every round of n updates (from the previous
    round's last update, or t = 0) takes ≤ 2τ_n."""
    s = op_stream(Ringleader({"gamma": 1.0}), model(tau), None, 0, 2000)
    assert staleness(s, 5) == 2 * 5 - 2
    assert s.delay[s.kind == TGRAD].max() < 2 * 5 - 2
    ends = np.concatenate([[0.0], s.t[s.kind == STEP]])[::5]
    assert ends.size == 401 and np.diff(ends).max() <= 2 * max(tau)


@pytest.mark.parametrize("method", ["ia2sgd", "ringleader-asgd"])
def test_compiled_kernel_equals_numpy_replay(method):
    problem = make_problem(HETERO)
    alg = ALGORITHMS.get(method)({"gamma": 0.2})
    kw = dict(max_iter=200, targets=[1.0, 0.1, 0.01], track_avg=True)
    m = make_model({"model": "fixed", "n": 3, "profile": "sqrt"})
    fast = simulate(problem, m, alg, [0.2, 0.1], 11, **kw)
    slow = simulate(problem, m, alg, [0.2, 0.1], 11, force_python=True, **kw)
    for a, b in zip(fast, slow):
        assert a.final["iteration"] == b.final["iteration"] == 200
        for f in a.checkpoints:
            np.testing.assert_allclose(a.checkpoints[f], b.checkpoints[f], rtol=1e-12, equal_nan=True)
        for s in a.hits:
            np.testing.assert_array_equal(a.hits[s], b.hits[s])


@pytest.mark.parametrize("cls", [IA2SGD, Ringleader])
def test_conformance(cls):
    check_algorithm(cls, {"gamma": 0.3}, iterations=200)


def test_no_table_for_other_methods():
    """The table is allocated only for methods that declare rows."""
    assert ALGORITHMS.get("asgd")({"gamma": 1.0}).table_rows(7) == 0
    assert IA2SGD({"gamma": 1.0}).table_rows(7) == 7
    assert Ringleader({"gamma": 1.0}).table_rows(7) == 14
