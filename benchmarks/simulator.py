"""Simulator benchmark: events per second of ratecheck vs the plain reference and the floor.

Run ``python benchmarks/simulator.py`` (single core: ``NUMBA_NUM_THREADS=1``). Each case
is timed after a warm-up call (compilation excluded), best of five, and the cases that
a goal compares are timed in turn (:func:`best_rates`). The floor is the rate at which
numpy alone draws each event's d Gaussian numbers and performs one d-vector update,
vectorised over all events. The *limit* is the minimal compiled loop of
``reference.minimal_compiled_asgd`` (numba: the heap, the noise and the update, no
statistics); the engine's events per second over the limit's is its distance to it.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time

import numpy as np

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.engine.run import simulate
from ratecheck.problems import make_problem

sys.path.insert(0, os.path.dirname(__file__))
from reference import minimal_compiled_asgd, reference_asgd  # noqa: E402


def setup(d, n, sigma2=1.0):
    p = make_problem({"family": "quadratic", "d": d, "L": 1.0, "mu": 0.01, "spectrum": "linear", "sigma2": sigma2})
    m = make_model({"model": "fixed", "n": n, "profile": "sqrt"})
    return p, m


REPEATS = 5  # timings per measurement; a rate is the best of them (timeit's convention:
#              the least disturbed run)


def best_rates(*cases):
    """Events per second of each ``(events, run)`` case, the best of REPEATS calls.

    The cases are timed in turn (a, b, a, b, …), not one after the other, so that a
    slow spell of a shared machine falls on all of them alike: the ratios between
    cases of one call are what the goals are about."""
    best = [math.inf] * len(cases)
    for _ in range(REPEATS):
        for j, (_, run) in enumerate(cases):
            t0 = time.perf_counter()
            run()
            best[j] = min(best[j], time.perf_counter() - t0)
    return [events / b for (events, _), b in zip(cases, best)]


def ratecheck_case(d, n, events, gammas=(0.01,), **kw):
    p, m = setup(d, n)
    alg = ALGORITHMS.get("asgd")({"gamma": gammas[0]})
    simulate(p, m, alg, list(gammas), 0, max_iter=min(events, 1000), **kw)  # warm-up / compile
    return events, lambda: simulate(p, m, alg, list(gammas), 1, max_iter=events, **kw)


def reference_case(d, n, events):
    p, _ = setup(d, n)
    tau = np.sqrt(np.arange(1, n + 1))
    return events, lambda: reference_asgd(p.eigenvalues, p.x_star, p.noise_scale, tau, 0.01, events)


def minimal_case(d, n, events):
    """The minimal compiled loop (heap, noise, update; no statistics): the limit."""
    p, _ = setup(d, n)
    tau = np.sqrt(np.arange(1, n + 1))
    minimal_compiled_asgd(p.eigenvalues, p.x_star, p.noise_scale, tau, 0.01, 1000)  # warm-up / compile
    return events, lambda: minimal_compiled_asgd(p.eigenvalues, p.x_star, p.noise_scale, tau, 0.01, events, 1)


def floor_case(d, events):
    def run():
        rng = np.random.default_rng(0)
        x = np.zeros(d)
        block = 1 << 12
        for s in range(0, events, block):
            z = rng.standard_normal((min(block, events - s), d))
            x -= 0.01 * z.sum(axis=0)

    return events, run


def peak_memory_mb(d, events):
    code = ("import resource,sys; sys.path.insert(0,'benchmarks'); from simulator import setup;"
            "from ratecheck.algorithms import ALGORITHMS; from ratecheck.engine.run import simulate;"
            f"p,m=setup({d},10); simulate(p,m,ALGORITHMS.get('asgd')({{'gamma':0.01}}),[0.01],0,max_iter={events});"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main():
    rows = []
    r1, ref, lim1 = best_rates(ratecheck_case(10, 10, 2_000_000), reference_case(10, 10, 100_000),
                               minimal_case(10, 10, 2_000_000))
    rows.append(("ASGD d=10 n=10", r1, ref, r1 / ref, None, "ratio >= 30"))
    r2, ref2, fl, lim2 = best_rates(ratecheck_case(1000, 100, 50_000), reference_case(1000, 100, 20_000),
                                    floor_case(1000, 50_000), minimal_case(1000, 100, 50_000))
    rows.append(("ASGD d=1000 n=100", r2, ref2, r2 / ref2, r2 / fl, "floor share >= 0.5"))
    # distance to the limit: the engine against the minimal compiled loop, timed in turn with it
    rows.append(("limit: minimal loop d=10 n=10", lim1, None, r1 / lim1, None, "engine / minimal loop"))
    rows.append(("limit: minimal loop d=1000 n=100", lim2, None, r2 / lim2, None, "engine / minimal loop"))
    single, multi = best_rates(ratecheck_case(10, 10, 1_000_000),
                               ratecheck_case(10, 10, 1_000_000, gammas=tuple(np.geomspace(1e-3, 1e-1, 16))))
    rows.append(("16 stepsizes d=10 (time ratio vs 1)", multi, None, single / multi, None, "time ratio <= 4"))
    # a grid's batch with a stop statistic (a target no member reaches: every run goes to
    # the horizon, the rates compare) and one member that diverges at once and ends there
    stop = {"targets": (1e-6,), "stop_statistic": "fgap"}
    grid = (*np.geomspace(1e-3, 1e-1, 15), 50.0)
    single, multi = best_rates(ratecheck_case(10, 10, 1_000_000, gammas=(1e-3,), **stop),
                               ratecheck_case(10, 10, 1_000_000, gammas=grid, **stop))
    rows.append(("16 stepsizes, stop on, 1 diverging (ratio)", multi, None, single / multi, None,
                 "time ratio vs 1, as above"))
    (big,) = best_rates(ratecheck_case(10, 10_000, 1_000_000))
    rows.append(("ASGD n=1e4 d=10, 1e6 events", big, None, None, None, ">= 1e6 events/s"))
    mem = peak_memory_mb(100, 10_000_000)
    print(f"{'case':40s} {'ratecheck ev/s':>15s} {'reference ev/s':>15s} {'ratio':>8s} {'floor share':>12s}  goal")
    for name, a, b, ratio, fshare, goal in rows:
        print(f"{name:40s} {a:15.3e} {(b or float('nan')):15.3e} {(ratio or float('nan')):8.1f} {(fshare or float('nan')):12.2f}  {goal}")
    print(f"{'peak memory, 1e7 events d=100':40s} {mem:15.1f} MB (goal < 500 MB)")
    json.dump({"rows": [list(map(lambda v: v if not isinstance(v, float) else float(v), r)) for r in rows], "peak_mb": mem},
              open(os.path.join(os.path.dirname(__file__), "last_run.json"), "w"), indent=1, default=str)


if __name__ == "__main__":
    main()
