"""End-to-end wall times of the command line: what a user waits for (issue 22).

Run ``python benchmarks/end_to_end.py`` from the repository root (it runs this
checkout, ``python -m ratecheck.cli`` with the root first on ``PYTHONPATH``; ``--root DIR``
runs another checkout's package, e.g. an older commit's, with this script). Every command
runs in a fresh interpreter, as a user's would, under a private ``RATECHECK_CACHE_DIR``
(``NUMBA_CACHE_DIR`` is unset, so the package's own source-keyed numba cache is used):

* ``ratecheck --help`` and ``ratecheck theorems`` (best and median of ``--repeats``);
* the quickstart (``problems/quickstart.toml``): **cold** — empty cache and empty
  results store, so every kernel is compiled and every run simulated (install
  excluded) — then **warm** — the same command again: nothing to simulate or compile;
  its phases (imports, plan, sweep, verdicts, report) are timed inside the process;
  **report, figures not cached**: warm store, empty figure cache;
* a 16-point γ grid: one ``[[algorithms]]`` table with ``gamma = [16 values]``
  (vanilla ASGD on the quickstart's problem and model, one ε, 8 seeds: 128 runs), on a
  fresh store (kernels already compiled by the quickstart) and warm; and against one γ
  (the same spec with one value: 8 runs), each on a fresh store, ``--repeats`` times in
  turn: the ratio of their sweep times (``--backend serial``: the simulation alone, no
  pool to start) is what batching the grid on one schedule costs (goal ≤ 4×);
  ``--grid-only`` measures just this;
* the largest gallery check (``--gallery``, default the one with the most runs), on a
  fresh store and warm.

Each line prints the wall time, the CPU time of the command and its children (the
pool's workers), and the 1-minute load average before it started: on a shared machine
a wall time means little without the load. ``--json PATH`` writes the numbers.
``--profile`` prints where a warm quickstart check spends its time (cProfile).
The engine's events per second against the minimal compiled loop are in
``simulator.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout whose package runs (--root)
QUICKSTART = Path(__file__).resolve().parents[1] / "problems" / "quickstart.toml"
LARGEST = QUICKSTART.parent / "data-dependent-max-delay-momentum.toml"  # 600 runs, the most in the gallery


def _env(cache: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["RATECHECK_CACHE_DIR"] = str(cache)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def timed(argv: list[str], cache: Path, expect=(0, 1)) -> dict:
    """Run ``argv`` (a Python command line) once: wall, CPU (self + children), load before."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, *argv], cwd=ROOT, env=_env(cache), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode not in expect:
        raise RuntimeError(f"{' '.join(argv)} exited {res.returncode}:\n{res.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "load": load, "stdout": res.stdout}


def repeated(argv: list[str], cache: Path, repeats: int) -> dict:
    runs = [timed(argv, cache) for _ in range(repeats)]
    walls = [r["wall_s"] for r in runs]
    return {"wall_s": min(walls), "wall_median_s": statistics.median(walls), "cpu_s": min(r["cpu_s"] for r in runs),
            "load": max(r["load"] for r in runs), "repeats": repeats, "stdout": runs[-1]["stdout"]}


#: Runs ``ratecheck check`` in this interpreter with its phases timed (see :func:`phases`).
_PHASES = r'''
import json, sys, time
t0 = time.perf_counter()
marks = {}
import ratecheck.check as check
import ratecheck.report as report
import ratecheck.sweep.runner as runner
import ratecheck.verdict as verdict

def timing(mod, name, phase):
    real = getattr(mod, name)
    def wrapped(*a, **k):
        marks.setdefault(phase + "_start", time.perf_counter())
        try:
            return real(*a, **k)
        finally:
            marks[phase + "_end"] = time.perf_counter()
    setattr(mod, name, wrapped)

timing(check, "load_spec", "spec")
timing(runner, "run_tasks", "sweep")
timing(verdict, "evaluate_claims", "verdicts")
timing(report, "write_report", "report")
from ratecheck.cli import main
code = main(sys.argv[1:])
end = time.perf_counter()
m = marks
out = {"imports_s": m["spec_start"] - t0, "plan_s": m["sweep_start"] - m["spec_start"],
       "sweep_s": m["sweep_end"] - m["sweep_start"], "verdicts_s": m["verdicts_end"] - m["verdicts_start"],
       "report_s": m["report_end"] - m["report_start"], "total_in_process_s": end - t0}
print("PHASES " + json.dumps(out))
sys.exit(code)
'''


def phases(spec: Path, out: Path, cache: Path) -> dict:
    r = timed(["-c", _PHASES, "check", str(spec), "--out", str(out), "--no-progress"], cache)
    line = next(l for l in r["stdout"].splitlines() if l.startswith("PHASES "))
    return {**json.loads(line[7:]), "wall_s": r["wall_s"], "cpu_s": r["cpu_s"], "load": r["load"]}


def check(spec: Path, out: Path, cache: Path) -> dict:
    r = timed(["-m", "ratecheck.cli", "check", str(spec), "--out", str(out), "--no-progress"], cache)
    r["summary"] = next((l for l in r["stdout"].splitlines() if " simulated for " in l), "")
    return r


def grid_spec(folder: Path, points: int = 16) -> Path:
    """The quickstart's problem and model, vanilla ASGD at ``points`` stepsizes (one grid
    table; one stepsize, 1e-2, when ``points`` is 1), one ε."""
    gammas = [1e-3 * (100 ** (i / (points - 1))) for i in range(points)] if points > 1 else [1e-2]  # 1e-3 … 1e-1
    grid = f"[{', '.join(map(repr, gammas))}]" if points > 1 else repr(gammas[0])
    tables = f'\n[[algorithms]]\nlabel = "ASGD"\nmethod = "asgd"\nparams = {{ gamma = {grid} }}\n'
    text = f'''[check]
name = "gamma-grid-{points}"
title = "Vanilla ASGD at {points} stepsizes (benchmark)"
seeds = 8

[problem]
family = "quadratic"
d = 20
L = 1.0
mu = 0.05
spectrum = "linear"
sigma2 = 1.0

[asynchrony]
model = "fixed"
n = 32
profile = "sqrt"

[sweep]
eps = [0.1]

[horizon]
iterations = 20000
stop_at_target = false
{tables}'''
    path = folder / f"gamma-grid-{points}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def sweep_seconds(summary: str) -> float:
    """The sweep's seconds, ``(12.3 s)`` at the end of the summary line."""
    return float(summary.rsplit("(", 1)[1].split()[0])


def grid_ratio(work: Path, cache: Path, repeats: int) -> dict:
    """The 16-point grid and one γ, each on a fresh store, ``--backend serial``, in turn
    ``repeats`` times (after one run of each that compiles the kernels): sweep seconds
    (simulation and store, no pool) and wall, and the ratio of the medians."""
    specs = {"one": grid_spec(work, 1), "grid16": grid_spec(work, 16)}
    times: dict[str, list] = {k: [] for k in specs}
    for i in range(repeats + 1):
        for name, spec in specs.items():
            out = work / f"ratio-{name}-{i}"
            r = timed(["-m", "ratecheck.cli", "check", str(spec), "--out", str(out), "--no-progress", "--backend", "serial",
                       "--store", str(out / "r.sqlite")], cache)
            summary = next(l for l in r["stdout"].splitlines() if " simulated for " in l)
            if i:  # the first round compiles
                times[name].append((sweep_seconds(summary), r["wall_s"], summary))
                print(line(f"{name}, fresh store, serial", r) + f"  [{summary}]")
    med = {k: statistics.median(t[0] for t in v) for k, v in times.items()}
    ratio = med["grid16"] / med["one"]
    print(f"16 γ / one γ, sweep (simulation) time: {med['grid16']:.2f} s / {med['one']:.2f} s = {ratio:.2f}x (goal <= 4x)")
    return {"sweep_s": med, "ratio": ratio, "runs": {k: [t[:2] for t in v] for k, v in times.items()}}


def profile_warm(out: Path, cache: Path, top: int = 30) -> str:
    code = ("import cProfile, pstats, io, sys\n"
            "from ratecheck.cli import main\n"
            "p = cProfile.Profile(); p.enable()\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "p.disable(); s = io.StringIO()\n"
            f"pstats.Stats(p, stream=s).sort_stats('cumulative').print_stats({top})\n"
            "print('PROFILE'); print(s.getvalue())\n")
    r = timed(["-c", code, "check", str(QUICKSTART), "--out", str(out), "--no-progress"], cache)
    return r["stdout"].split("PROFILE", 1)[1]


def line(name: str, r: dict) -> str:
    median = f" (median {r['wall_median_s']:.2f})" if "wall_median_s" in r else ""
    return f"{name:52s} {r['wall_s']:7.2f} s wall{median}  {r['cpu_s']:7.2f} s CPU  load {r['load']:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="timings of each warm measurement (default 3)")
    ap.add_argument("--gallery", type=Path, default=LARGEST, help="the gallery check to time (default: the largest)")
    ap.add_argument("--no-gallery", action="store_true", help="skip the gallery check (minutes on 2 cores)")
    ap.add_argument("--no-grid", action="store_true", help="skip the 16-point γ grid")
    ap.add_argument("--grid-only", action="store_true", help="only the 16-point γ grid against one γ")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of the warm quickstart check")
    ap.add_argument("--json", type=Path, default=None, help="write the numbers here")
    ap.add_argument("--root", type=Path, default=None, help="run the package of this checkout (default: this one)")
    args = ap.parse_args()
    global ROOT
    if args.root:
        ROOT = args.root.resolve()

    work = Path(tempfile.mkdtemp(prefix="ratecheck-e2e-"))
    cache = work / "cache"  # every measurement's RATECHECK_CACHE_DIR: cold at first
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, "root": str(ROOT)}
    try:
        print(f"package: {ROOT / 'ratecheck'}")
        print(f"{'what':52s} {'wall':>12s}  {'CPU':>11s}")
        if args.grid_only:
            results["grid16_vs_one"] = grid_ratio(work, cache, args.repeats)
            write_json(args.json, results)
            return
        results["help"] = repeated(["-m", "ratecheck.cli", "--help"], cache, args.repeats)
        print(line("ratecheck --help", results["help"]))
        results["theorems"] = repeated(["-m", "ratecheck.cli", "theorems"], cache, args.repeats)
        print(line("ratecheck theorems", results["theorems"]))

        qs = work / "quickstart"
        results["quickstart_cold"] = check(QUICKSTART, qs, cache)
        print(line("quickstart, cold (empty cache and store)", results["quickstart_cold"]) + f"  [{results['quickstart_cold']['summary']}]")
        results["quickstart_warm"] = repeated(["-m", "ratecheck.cli", "check", str(QUICKSTART), "--out", str(qs), "--no-progress"],
                                              cache, args.repeats)
        print(line("quickstart, warm (nothing to simulate)", results["quickstart_warm"]))
        ph = [phases(QUICKSTART, qs, cache) for _ in range(args.repeats)]
        results["quickstart_warm_phases"] = best = min(ph, key=lambda p: p["total_in_process_s"])
        print("  phases of the fastest warm run: " + ", ".join(f"{k[:-2]} {v:.2f} s" for k, v in best.items()
                                                              if k.endswith("_s") and k not in ("wall_s", "cpu_s")))
        shutil.rmtree(cache / "figures", ignore_errors=True)
        nofig = phases(QUICKSTART, qs, cache)
        results["quickstart_report_figures_not_cached"] = nofig
        print(line("quickstart, warm store, figures not cached", nofig) + f"  [report phase {nofig['report_s']:.2f} s]")
        results["report_regeneration_s"] = best["report_s"]

        if not args.no_grid:
            spec = grid_spec(work)
            grid = work / "grid"
            results["grid16_fresh_store"] = check(spec, grid, cache)
            print(line("16-point γ grid, fresh store (kernels compiled)", results["grid16_fresh_store"]) + f"  [{results['grid16_fresh_store']['summary']}]")
            results["grid16_warm"] = repeated(["-m", "ratecheck.cli", "check", str(spec), "--out", str(grid), "--no-progress"],
                                              cache, args.repeats)
            print(line("16-point γ grid, warm", results["grid16_warm"]))

        if not args.no_gallery:
            gal = work / "gallery"
            name = args.gallery.stem
            results["gallery_fresh_store"] = check(args.gallery, gal, cache)
            print(line(f"{name}, fresh store", results["gallery_fresh_store"]) + f"  [{results['gallery_fresh_store']['summary']}]")
            results["gallery_warm"] = repeated(["-m", "ratecheck.cli", "check", str(args.gallery), "--out", str(gal), "--no-progress"],
                                               cache, args.repeats)
            print(line(f"{name}, warm", results["gallery_warm"]))
            results["gallery"] = name

        if args.profile:
            print("\nProfile of a warm quickstart check (cProfile, cumulative):")
            print(profile_warm(qs, cache))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_json(args.json, results)


def write_json(path: Path | None, results: dict) -> None:
    if path:
        clean = {k: ({kk: vv for kk, vv in v.items() if kk != "stdout"} if isinstance(v, dict) else v) for k, v in results.items()}
        path.write_text(json.dumps(clean, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
