"""Synthetic runs with a known complexity, shared by the verdict and report tests.

A seed's statistic follows s(k) = c / max(k, 1), so its first hit of ε is exactly
K = max(1, ⌈c/ε⌉); time and gradients are k·dt and k·g. The tests below check that
the generator says what it claims.
"""

import math

import numpy as np
import pytest

from ratecheck.engine.trace import STATISTICS, RunResult


def geometric_grid(horizon: int, ratio: float = 1.1) -> np.ndarray:
    g = np.unique(np.round(ratio ** np.arange(0, math.log(horizon) / math.log(ratio) + 1)).astype(np.int64))
    return np.unique(np.append(np.concatenate([[0], g[g < horizon]]), horizon))


def make_run(label, seed, point, c, *, horizon=10**6, dt=1.0, g=1.0, statistic="avg_grad_sq",
             targets=None, status="ok", theorem="thm", params=None, delays=(5, 3, 1)):
    """A RunResult whose ``statistic`` is c/max(k,1) (other statistics: 2c/max(k,1))."""
    targets = np.asarray(sorted(targets if targets is not None else [point["eps"]]), dtype=float)
    k = geometric_grid(horizon).astype(float)
    curve = c / np.maximum(k, 1.0)
    cps = {"event": k * g, "iteration": k, "time": k * dt, "computed": k * g, "applied": k, "max_delay": np.full(k.size, len(delays) - 1.0)}
    for s in STATISTICS:
        cps[s] = curve if s == statistic else 2 * curve
    hits = {}
    for s in STATISTICS:
        scale = c if s == statistic else 2 * c
        h = np.full((targets.size, 3), np.nan)
        for j, eps in enumerate(targets):
            K = max(1, math.ceil(scale / eps - 1e-12))
            if K <= horizon:
                h[j] = (K, K * dt, K * g)
        hits[s] = h
    final = {"iteration": float(horizon), "time": horizon * dt, "computed": horizon * g, "applied": float(horizon),
             "discarded": 0.0, "events": horizon * g, "worker_time": horizon * dt}
    if status != "ok":
        hits = {s: np.full((targets.size, 3), np.nan) for s in STATISTICS}
    return RunResult(
        meta={"algorithm": label, "method": "asgd", "params": dict(params or {"gamma": 0.1}), "seed": seed,
              "point": dict(point), "theorem": theorem, "statistic": statistic, "path": "general"},
        status=status, reason="" if status == "ok" else f"synthetic {status}",
        checkpoints=cps, targets=targets, hits=hits, delay_counts=np.asarray(delays, dtype=np.int64), final=final,
    )


def prediction(theorem, iterations, *, time=None, hidden=False, missing=(), parameters=None):
    bounds = {"iterations": float(iterations), "time": float(time if time is not None else iterations)}
    kind = "hidden" if hidden else "explicit"
    return {"theorem": theorem, "parameters": dict(parameters or {}), "bounds": bounds,
            "missing": list(missing), "constants": {"iterations": kind, "time": kind}}


def test_hits_are_the_exact_first_crossing():
    r = make_run("a", 0, {"eps": 0.01}, c=12.345, dt=0.5, g=2.0)
    K = math.ceil(12.345 / 0.01)
    assert r.hit("avg_grad_sq", 0.01)[:3] == (K, K * 0.5, K * 2.0)  # (worker time is not synthesised)
    # the curve is above ε before K and at or below it at K
    assert 12.345 / (K - 1) > 0.01 >= 12.345 / K


def test_censored_run_has_nan_hits():
    r = make_run("a", 0, {"eps": 0.01}, c=1e5, horizon=1000)
    assert all(math.isnan(v) for v in r.hit("avg_grad_sq", 0.01))
    with pytest.raises(KeyError):
        r.hit("avg_grad_sq", 0.02)


def test_grid_is_increasing_and_ends_at_horizon():
    g = geometric_grid(12345)
    assert g[0] == 0 and g[-1] == 12345 and np.all(np.diff(g) > 0)
