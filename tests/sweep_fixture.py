"""A deterministic stand-in for the engine, for the sweep tests and benchmark.

``execute(fragment)`` runs SGD x_{k+1} = x_k − γ (a ⊙ x_k + σ ξ_k) on
f(x) = ½ Σ_i a_i x_i² (f* = 0, x* = 0), a and ξ drawn from ``default_rng(seed)``, each
step costing an exponential(1) virtual time, and returns a RunResult on the checkpoint
grid 0, 1, 2, 4, … , K. Fragment fields:

``seed``, ``params.gamma``   required
``iterations`` (K, 64)  ``dim`` (8)  ``sigma`` (0.01)  ``targets`` ([1e-1, 1e-2, 1e-3])
``sleep``        seconds to sleep first (kill tests)
``fail``         raise ValueError (a failing run)
``interrupt``    raise KeyboardInterrupt (Ctrl-C inside a serial run)

``warm(fragment)`` leaves an empty file named by the fragment's method in the folder
``fragment["warm_dir"]`` (the warm-up tests).

If the environment variable ``SWEEP_FIXTURE_PIDS`` names a folder, each call leaves an
empty file named by its process id there (the kill tests check no worker outlives them).

With γ > 2 / max a the iterates blow up; once f > 1e100 the run stops as ``diverged``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from ratecheck.engine.trace import CHECKPOINT_FIELDS, STATISTICS, RunResult


def warm(fragment: dict) -> None:
    (Path(fragment["warm_dir"]) / fragment["method"]).touch()


def execute(fragment: dict) -> RunResult:
    seed = fragment["seed"]
    gamma = fragment["params"]["gamma"]
    if os.environ.get("SWEEP_FIXTURE_PIDS"):
        (Path(os.environ["SWEEP_FIXTURE_PIDS"]) / str(os.getpid())).touch()
    if fragment.get("sleep"):
        time.sleep(fragment["sleep"])
    if fragment.get("fail"):
        raise ValueError(f"fixture failure (seed {seed})\nsecond line is not reported")
    if fragment.get("interrupt"):
        raise KeyboardInterrupt
    K = fragment.get("iterations", 64)
    d = fragment.get("dim", 8)
    sigma = fragment.get("sigma", 0.01)
    targets = np.asarray(fragment.get("targets", [1e-1, 1e-2, 1e-3]), dtype=float)

    rng = np.random.default_rng(seed)
    a = rng.uniform(0.1, 1.0, d)
    x = np.ones(d)
    x_sum = np.zeros(d)
    t, g_sum, g_min = 0.0, 0.0, np.inf
    grid = {0} | {2**j for j in range(K.bit_length())} | {K}
    cols = {k: [] for k in CHECKPOINT_FIELDS}
    hits = {s: np.full((targets.size, 3), np.nan) for s in STATISTICS}
    status, reason = "ok", ""
    for k in range(K + 1):
        g = a * x
        x_sum += x
        g_sq = float(g @ g)
        g_sum += g_sq
        g_min = min(g_min, g_sq)
        xbar = x_sum / (k + 1)
        stats = {
            "grad_sq": g_sq, "avg_grad_sq": g_sum / (k + 1), "min_grad_sq": g_min,
            "fgap": 0.5 * float(a @ x**2), "fgap_avg": 0.5 * float(a @ xbar**2),
            "dist_sq": float(x @ x),
        }
        for s, v in stats.items():
            newly = np.isnan(hits[s][:, 0]) & (v <= targets)
            hits[s][newly] = (k, t, k)
        if k in grid or stats["fgap"] > 1e100:
            for name, v in zip(CHECKPOINT_FIELDS, (k, k, t, k, k, 0)):
                cols[name].append(v)
            for s, v in stats.items():
                cols[s].append(v)
        if stats["fgap"] > 1e100:
            status, reason = "diverged", f"f(x_k) − f* > 1e100 at iteration {k}"
            break
        if k < K:
            x = x - gamma * (g + sigma * rng.standard_normal(d))
            t += rng.exponential(1.0)
    meta = {"algorithm": f"sgd[gamma={gamma}]", "method": "sgd", "params": {"gamma": gamma},
            "seed": seed, "point": fragment.get("point", {}), "path": "general"}
    return RunResult(
        meta=meta, status=status, reason=reason,
        checkpoints={c: np.asarray(v, dtype=float) for c, v in cols.items()},
        targets=targets, hits=hits, delay_counts=np.array([k], dtype=np.int64),
        final={"iteration": k, "time": t, "computed": k, "applied": k, "discarded": 0,
               "events": k, "worker_time": t},
    )


def fragments(n: int, *, sleep: float = 0.0, gammas=(0.5, 1.0, 1.5), **extra) -> list[dict]:
    """``n`` fragments cycling over ``gammas`` with seeds 0, 1, …"""
    return [
        {"seed": i, "params": {"gamma": gammas[i % len(gammas)]}, "sleep": sleep, **extra}
        for i in range(n)
    ]
