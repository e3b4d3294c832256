"""Sweep throughput (runs/s) of the sweep backends on one CPU-bound sweep.

Run ``python benchmarks/sweep_throughput.py [--runs N] [--iterations K] [--fixture]
[--sleep S]``.

The sweep is ``--runs`` ASGD runs of ``ratecheck.execute.run_fragment`` (quadratic,
d = 50, 16 workers with √i compute times, ``--iterations`` iterations each, distinct
seeds), or with ``--fixture`` (or if the engine is absent) the numpy fixture of the
tests (``tests/sweep_fixture.py``); ``--sleep S`` makes each fixture run sleep S
seconds and compute almost nothing, which measures the backends' dispatch overhead and
parallelism even on a machine whose CPUs other processes keep busy. The store is off (``no_cache``), so every backend
computes every run. Times are wall-clock for the whole ``run_tasks`` call, pool or
cluster start-up and the workers' first (numba cache) load included; the serial run is
preceded by one warm-up run in this process. Speed-ups are against serial, and every
backend's results are checked to be bit-identical to the serial ones.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from ratecheck.sweep import Task, run_tasks  # noqa: E402


def engine_sweep(runs: int, iterations: int):
    from ratecheck.execute import run_fragment

    base = {
        "problem": {"family": "quadratic", "d": 50, "L": 1.0, "mu": 0.01, "spectrum": "linear",
                    "sigma2": 1.0},
        "asynchrony": {"model": "fixed", "n": 16, "profile": "sqrt"},
        "method": "asgd", "horizon": {"iterations": iterations}, "targets": [1e-1, 1e-2],
    }
    frags = [{**base, "params": {"gamma": 0.01}, "seed": s} for s in range(runs)]
    return run_fragment, frags, f"engine ASGD, quadratic d=50, n=16, {iterations} iterations"


def fixture_sweep(runs: int, iterations: int, sleep: float):
    from sweep_fixture import execute, fragments

    what = f"numpy fixture SGD, d=50, {iterations} iterations" + (f", {sleep} s sleep" if sleep else "")
    return execute, fragments(runs, iterations=iterations, dim=50, sleep=sleep), what


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=24)
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--fixture", action="store_true", help="use the test fixture, not the engine")
    parser.add_argument("--sleep", type=float, default=0.0, help="fixture runs sleep S seconds")
    args = parser.parse_args()
    try:
        if args.fixture or args.sleep:
            raise ImportError
        execute, frags, what = engine_sweep(args.runs, args.iterations or 100_000)
    except ImportError:
        default = 10 if args.sleep else 3_000
        execute, frags, what = fixture_sweep(args.runs, args.iterations or default, args.sleep)
    tasks = [Task.of(f) for f in frags]

    execute(frags[0])  # warm-up (compilation) for the serial run
    print(f"{len(tasks)} runs of {what}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} (other processes share the CPUs)")
    print(f"{'backend':<22}{'wall s':>9}{'runs/s':>9}{'speed-up':>10}")
    reference, serial_s = None, None
    for label, backend, workers in [("serial", "serial", None), ("local, 1 worker", "local", 1),
                                    ("local, 2 workers", "local", 2),
                                    ("dask-local, 2 workers", "dask-local", 2)]:
        t0 = time.perf_counter()
        out = run_tasks(tasks, execute, None, backend=backend, workers=workers, no_cache=True,
                        progress=False)
        wall = time.perf_counter() - t0
        assert out.computed == len(tasks) and out.failed == 0, out.summary()
        fgap = np.concatenate([r.checkpoints["fgap"] for r in out.results.values()])
        if reference is None:
            reference, serial_s = fgap, wall
        assert np.array_equal(fgap, reference, equal_nan=True), f"{label}: results differ from serial"
        print(f"{label:<22}{wall:>9.2f}{len(tasks) / wall:>9.2f}{serial_s / wall:>10.2f}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
