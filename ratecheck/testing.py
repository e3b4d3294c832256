"""Conformance suites: :func:`check_algorithm` for algorithms and :func:`check_problem`
for problem families (:mod:`ratecheck.problems.conformance`).

Run any registered (or user-written) algorithm through the properties every schedule
kernel must have.

:func:`check_algorithm` simulates the algorithm on a small quadratic under a fixed
model with sorted and with shuffled τ and asserts:

* **determinism** — the same seed gives a bit-identical op stream and trajectory;
* **no gradient used twice** — each computation (w, k) appears in at most one GRAD or
  TGRAD op (a table method reuses the *table row*, never the computation), and only
  computations that were started (k ≤ the clock's last index of w);
* **delays reported correctly** — each GRAD's (TGRAD's) delay equals the number of
  STEPs since worker w's point was handed out (its last ASSIGN, or the last BCAST if
  later), recomputed from the op stream;
* **accounting** — computed = applied + discarded + buffered, where buffered is what
  the algorithm reports through an optional ``buffered(state)`` method (0 without);
  STEP times and ``computed`` stamps never decrease;
* **label-permutation invariance** (``permutation_invariant=True``) — on a noiseless
  homogeneous quadratic, permuting the worker labels of a fixed model with distinct,
  tie-free τ gives the same update times, the same delay histogram and the same
  trajectory (to rounding: the order of a sum may change).

Failures raise ``AssertionError`` naming the property.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from .algorithms.asgd import ASGD
from .asynchrony import make_model
from .engine.ops import ASSIGN, BCAST, GRAD, STEP, TSCALE, TSWAP, TSYNC, is_gradient
from .engine.run import simulate
from .engine.schedule import ScheduleDriver
from .engine.status import COMPUTED, DISCARDED
from .problems import make_problem
from .problems.conformance import check_fast_oracle, check_problem, lipschitz_ratios  # noqa: F401 (public)

#: τ with pairwise irrational ratios: no two finish events coincide in short runs
TIE_FREE_TAU = (1.0, np.sqrt(2.0), np.sqrt(3.0), np.sqrt(5.0))
QUADRATIC = {"family": "quadratic", "d": 3, "L": 1.0, "mu": 0.1, "sigma2": 0.1}


@dataclass
class OpStream:
    """All ops of one run, concatenated over chunks, plus the driver at the end."""

    kind: np.ndarray
    w: np.ndarray
    k: np.ndarray
    c: np.ndarray
    t: np.ndarray
    n: np.ndarray
    delay: np.ndarray
    driver: ScheduleDriver


def op_stream(algorithm, model, problem, seed: int, max_iter: float) -> OpStream:
    """Run the schedule kernel alone and collect its op stream."""
    drv = ScheduleDriver(algorithm, model, problem, seed)
    parts = {f: [] for f in ("kind", "w", "k", "c", "t", "n", "delay")}
    for ops in drv.chunks(max_iter, np.inf):
        m = int(ops.size[0])
        for f in parts:
            parts[f].append(getattr(ops, f)[:m].copy())
    return OpStream(**{f: np.concatenate(v) for f, v in parts.items()}, driver=drv)


def _model(tau, order="given"):
    return make_model({"model": "fixed", "profile": "list", "tau": [float(v) for v in tau], "order": order})


def check_stream(s: OpStream, algorithm) -> None:
    """The per-stream properties: no reuse, delays, accounting, monotone stamps."""
    g = is_gradient(s.kind)
    pairs = list(zip(s.w[g].tolist(), s.k[g].tolist()))
    dup = [p for p, c in Counter(pairs).items() if c > 1]
    assert not dup, f"gradient applied twice: (worker, k) = {dup[:3]}"
    last_k = s.driver.clock.k
    assert all(0 <= k <= last_k[w] for w, k in pairs), "GRAD refers to a computation that was never started"

    steps, bcast_at, bstamp, stamp = 0, 0, 0, 0
    n = s.driver.n
    assigned_at = np.zeros(n, np.int64)
    astamp = np.zeros(n, np.int64)
    for i in range(s.kind.size):
        op = s.kind[i]
        if op == STEP:
            steps += 1
        elif op == BCAST:
            stamp += 1
            bstamp, bcast_at = stamp, steps
        elif op == ASSIGN:
            stamp += 1
            astamp[s.w[i]], assigned_at[s.w[i]] = stamp, steps
        elif op not in (TSCALE, TSWAP, TSYNC):
            w = s.w[i]
            expect = steps - (assigned_at[w] if astamp[w] > bstamp else bcast_at)
            assert s.delay[i] == expect, f"op {i}: worker {w} reports delay {s.delay[i]}, the op stream gives {expect}"

    st = s.kind == STEP
    assert np.all(np.diff(s.t[st]) >= 0), "STEP times decrease"
    assert np.all(np.diff(s.n[st]) >= 0), "STEP `computed` stamps decrease"
    prog = s.driver.prog
    buffered = int(algorithm.buffered(s.driver.state)) if hasattr(algorithm, "buffered") else 0
    applied = int(g.sum())
    assert prog[COMPUTED] == applied + prog[DISCARDED] + buffered, (
        f"accounting: computed {prog[COMPUTED]} != applied {applied} + discarded {prog[DISCARDED]} + buffered {buffered}")


def _trajectory(res):
    return np.column_stack([res.checkpoints[f] for f in ("iteration", "time", "computed", "fgap", "dist_sq")])


def check_algorithm(cls, params: dict | None = None, *, iterations: int = 300, seed: int = 11,
                    permutation_invariant: bool = True) -> None:
    """Run ``cls(params)`` (a :class:`~ratecheck.algorithms.base.Algorithm` subclass)
    through the conformance properties listed in the module docstring."""
    params = {"gamma": 0.5, **(params or {})}
    problem = make_problem(QUADRATIC)
    for order in ("sorted", "shuffled"):
        model = _model((1.0, 1.5, 2.0, 3.5), order)
        a = op_stream(cls(params), model, problem, seed, iterations)
        b = op_stream(cls(params), model, problem, seed, iterations)
        for f in ("kind", "w", "k", "c", "t", "n", "delay"):
            assert np.array_equal(getattr(a, f), getattr(b, f)), f"op stream not deterministic ({f}, order={order})"
        check_stream(a, cls(params))
        assert int((a.kind == STEP).sum()) == iterations, f"ran {int((a.kind == STEP).sum())} of {iterations} iterations"
        (r1,), (r2,) = (simulate(problem, model, cls(params), [params["gamma"]], seed, max_iter=iterations) for _ in range(2))
        assert np.array_equal(_trajectory(r1), _trajectory(r2), equal_nan=True), f"trajectory not deterministic (order={order})"

    if permutation_invariant:
        quiet = make_problem({**QUADRATIC, "sigma2": 0.0})
        tau = np.array(TIE_FREE_TAU)
        perm = np.array([2, 0, 3, 1])
        runs = []
        for t in (tau, tau[perm]):
            model = _model(t)
            s = op_stream(cls(params), model, quiet, seed, iterations)
            (r,) = simulate(quiet, model, cls(params), [params["gamma"]], seed, max_iter=iterations)
            runs.append((s, r))
        (s1, r1), (s2, r2) = runs
        np.testing.assert_array_equal(s1.t[s1.kind == STEP], s2.t[s2.kind == STEP], err_msg="permutation: update times differ")
        np.testing.assert_array_equal(np.sort(s1.delay[is_gradient(s1.kind)]), np.sort(s2.delay[is_gradient(s2.kind)]),
                                      err_msg="permutation: delays differ")
        np.testing.assert_allclose(_trajectory(r1), _trajectory(r2), rtol=1e-9, atol=1e-300,
                                   err_msg="permutation: trajectories differ")


def arrivals(model, n_events: int, seed: int, problem=None):
    """Arrival times and workers of ``n_events`` gradients when every worker is always
    busy and nothing is stopped (vanilla ASGD's schedule)."""
    drv = ScheduleDriver(ASGD({"gamma": 1.0}), model, problem, seed)
    times, workers = [], []
    for ops in drv.chunks(n_events, np.inf):
        m = ops.size[0]
        kind = ops.kind[:m]
        times.append(ops.t[:m][kind == STEP].copy())
        workers.append(ops.w[:m][kind == GRAD].copy())
    return np.concatenate(times)[:n_events], np.concatenate(workers)[:n_events]
