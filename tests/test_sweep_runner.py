"""run_tasks: cache reuse, --force, --no-cache, errors, corruption, Ctrl-C, options."""

import argparse
import sqlite3

import numpy as np
import pandas as pd
import pytest
from sweep_fixture import execute, fragments, warm

from ratecheck.errors import SpecError
from ratecheck.sweep import (
    ResultStore, Task, add_sweep_arguments, run_tasks, sweep_options,
)
from ratecheck.sweep.runner import _interleaved, _units, _warm_jobs


class Counting:
    """execute, counting the fragments it is called on (serial backend only)."""

    def __init__(self):
        self.calls = []

    def __call__(self, fragment):
        self.calls.append(fragment["seed"])
        return execute(fragment)


def _tasks(n=6, **extra):
    return [Task.of(f) for f in fragments(n, **extra)]


def test_reuse_force_and_no_cache(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite")
    tasks = _tasks(6)
    ex = Counting()
    first = run_tasks(tasks, ex, store, backend="serial", progress=False)
    assert (first.computed, first.reused, first.failed) == (6, 0, 0)
    assert first.summary().startswith("6 simulated for 6 runs, 0 reused, 0 failed")
    assert list(first.results) == [t.key for t in tasks] and len(store) == 6

    ex.calls.clear()
    again = run_tasks(tasks + _tasks(8)[6:], ex, store, backend="serial", progress=False)
    assert ex.calls == [6, 7] and (again.computed, again.reused) == (2, 6)
    for k, r in first.results.items():
        assert np.array_equal(again.results[k].checkpoints["fgap"], r.checkpoints["fgap"])

    # --force: recompute everything and overwrite (created timestamps move on)
    db = sqlite3.connect(store.path)
    before = dict(db.execute("SELECT run_key, created FROM runs"))
    ex.calls.clear()
    forced = run_tasks(tasks, ex, store, backend="serial", force=True, progress=False)
    assert ex.calls == list(range(6)) and (forced.computed, forced.reused) == (6, 0)
    after = dict(db.execute("SELECT run_key, created FROM runs"))
    assert len(after) == 8 and all(after[t.key] > before[t.key] for t in tasks)

    # --no-cache: neither reads (all computed) nor writes (new runs not stored)
    ex.calls.clear()
    fresh = _tasks(10)
    nc = run_tasks(fresh, ex, store, backend="serial", no_cache=True, progress=False)
    assert ex.calls == list(range(10)) and nc.computed == 10 and len(store) == 8
    assert nc.results[fresh[0].key].checkpoints["fgap"].dtype == np.float64


def test_pending_runs_start_round_robin_over_methods(tmp_path):
    """On a cold cache the workers should compile different methods' kernels at once:
    pending runs start method by method in turn, each method's runs in their order."""
    frs = [{**f, "method": m} for m in ("a", "b", "c") for f in fragments(3 if m != "c" else 1)]
    frs = [{**f, "seed": i} for i, f in enumerate(frs)]  # 0-2: a, 3-5: b, 6: c
    tasks = [Task.of(f) for f in frs]
    ex = Counting()
    out = run_tasks(tasks, ex, ResultStore(tmp_path / "r.sqlite"), backend="serial", progress=False)
    assert ex.calls == [0, 3, 6, 1, 4, 2, 5]
    assert sorted(out.results) == sorted(t.key for t in tasks)


def test_warm_jobs_cover_every_method_but_the_first_units():
    """The pool's second worker compiles the other methods while the first compiles the
    replay: one warm call per method after the first unit's, in start order."""
    frs = [{**f, "seed": i, "method": m} for i, (m, f) in enumerate(zip("abacb", fragments(5)))]
    seen = []
    for job in _warm_jobs(_interleaved(_units([Task.of(f) for f in frs], None)), seen.append):
        job()
    assert [f["method"] for f in seen] == ["b", "c"] and [f["seed"] for f in seen] == [1, 3]


def test_the_local_pool_runs_the_warm_calls_and_only_there(tmp_path):
    frs = [{**f, "seed": i, "method": m, "warm_dir": str(tmp_path)} for i, (m, f) in enumerate(zip("abc", fragments(3)))]
    tasks = [Task.of(f) for f in frs]
    out = run_tasks(tasks, execute, None, backend="local", workers=2, progress=False, warm=warm)
    assert out.computed == 3 and sorted(p.name for p in tmp_path.iterdir()) == ["b", "c"]
    for p in tmp_path.iterdir():
        p.unlink()
    run_tasks(tasks, execute, None, backend="serial", progress=False, warm=warm)
    run_tasks(tasks, execute, None, backend="local", workers=1, progress=False, warm=warm)
    assert not list(tmp_path.iterdir())  # nothing to compile alongside: no warm calls


def test_errors_are_recorded_not_served_and_the_sweep_goes_on(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite")
    tasks = [Task.of({"seed": 0, "params": {"gamma": 1.0}, "fail": True, "meta": {"algorithm": "A"}}), *_tasks(3)]
    ex = Counting()
    out = run_tasks(tasks, ex, store, backend="serial", progress=False)
    assert (out.computed, out.failed) == (4, 1)
    err = out.results[tasks[0].key]
    assert err.status == "error"
    # a failed run keeps its label, seed and parameters, so verdicts can count and pair it
    assert err.meta == {"algorithm": "A", "seed": 0, "params": {"gamma": 1.0}}
    assert err.reason == "ValueError: fixture failure (seed 0)"  # one line
    assert store.get(tasks[0].key).status == "error"  # recorded
    ex.calls.clear()
    out = run_tasks(tasks, ex, store, backend="serial", progress=False)
    assert ex.calls == [0] and (out.computed, out.reused, out.failed) == (1, 3, 1)


def test_diverged_runs_are_reused(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite")
    tasks = [Task.of({"seed": 0, "params": {"gamma": 3.0}, "iterations": 400})]
    ex = Counting()
    out = run_tasks(tasks, ex, store, backend="serial", progress=False)
    assert out.diverged == 1 and out.failed == 0 and "1 of the computed diverged" in out.summary()
    out = run_tasks(tasks, ex, store, backend="serial", progress=False)
    assert ex.calls == [0] and out.reused == 1
    assert out.results[tasks[0].key].reason == execute(tasks[0].fragment).reason
    assert out.results[tasks[0].key].reason.startswith("f(x_k) − f* > 1e100 at iteration ")


def test_corrupt_entry_is_recomputed_by_the_sweep(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite")
    tasks = _tasks(3)
    good = run_tasks(tasks, execute, store, backend="serial", progress=False)
    db = sqlite3.connect(store.path)
    with db:
        db.execute("UPDATE runs SET payload = ? WHERE run_key = ?", (b"\x00junk", tasks[1].key))
    ex = Counting()
    out = run_tasks(tasks, ex, store, backend="serial", progress=False)
    assert ex.calls == [1] and (out.computed, out.reused, out.corrupted) == (1, 2, 1)
    assert "1 corrupt cache entries discarded and recomputed" in out.summary()
    assert np.array_equal(out.results[tasks[1].key].checkpoints["fgap"],
                          good.results[tasks[1].key].checkpoints["fgap"])
    assert store.get(tasks[1].key) is not None and len(store) == 3


def test_non_runresult_and_duplicates(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite")
    t = _tasks(1)[0]
    out = run_tasks([t, (t.key, t.fragment)], lambda f: {"not": "a result"}, store,
                    backend="serial", progress=False)
    assert out.total == 1 and out.failed == 1
    assert out.results[t.key].reason == "TypeError: execute returned a dict, not a RunResult"


def test_ctrl_c_in_serial_keeps_what_is_stored(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite")
    tasks = _tasks(3) + [Task.of({"seed": 9, "params": {"gamma": 1.0}, "interrupt": True})] + _tasks(6)[3:]
    out = run_tasks(tasks, execute, store, backend="serial", progress=False)
    assert out.interrupted and out.computed == 3 and len(store) == 3
    assert "interrupted: 4 of 7 runs not done" in out.summary()
    assert list(out.results) == [t.key for t in tasks[:3]]


def test_local_pool_matches_serial(tmp_path):
    tasks = _tasks(8) + [Task.of({"seed": 1, "params": {"gamma": 1.0}, "fail": True})]
    serial = run_tasks(tasks, execute, ResultStore(tmp_path / "a.sqlite"), backend="serial", progress=False)
    local_store = ResultStore(tmp_path / "b.sqlite")
    local = run_tasks(tasks, execute, local_store, backend="local", workers=2, progress=False)
    assert (local.computed, local.failed) == (serial.computed, serial.failed) == (9, 1)
    assert local.results[tasks[-1].key].reason == "ValueError: fixture failure (seed 1)"
    keys = [t.key for t in tasks]
    pd.testing.assert_frame_equal(ResultStore(tmp_path / "a.sqlite").table(keys), local_store.table(keys))
    with pytest.raises(TypeError, match="picklable"):
        run_tasks(tasks, lambda f: execute(f), None, backend="local", workers=1, progress=False)


@pytest.mark.parametrize("argv, field", [
    (["--backend", "dask"], "--scheduler"),
    (["--backend", "serial", "--workers", "2"], "--workers"),
    (["--backend", "dask", "--scheduler", "tcp://h:1", "--workers", "2"], "--workers"),
    (["--workers", "0"], "--workers"),
    (["--scheduler", "tcp://h:1"], "--scheduler"),
    (["--force", "--no-cache"], "--force"),
])
def test_bad_option_combinations_are_spec_errors(argv, field):
    args = add_sweep_arguments(argparse.ArgumentParser()).parse_args(argv)
    with pytest.raises(SpecError) as info:
        sweep_options(args)
    assert info.value.field == field


def test_cli_options_feed_run_tasks(tmp_path):
    parser = add_sweep_arguments(argparse.ArgumentParser(), default_store=tmp_path / "d.sqlite")
    opts = sweep_options(parser.parse_args(["--backend", "serial", "--force"]))
    assert isinstance(opts["store"], ResultStore) and opts["store"].path == tmp_path / "d.sqlite"
    assert {k: v for k, v in opts.items() if k != "store"} == {
        "backend": "serial", "workers": None, "scheduler": None, "force": True, "no_cache": False}
    out = run_tasks(_tasks(2), execute, progress=False, **opts)
    assert out.computed == 2 and len(opts["store"]) == 2
    opts = sweep_options(parser.parse_args(["--no-cache", "--store", str(tmp_path / "x.sqlite")]))
    assert opts["store"] is None and not (tmp_path / "x.sqlite").exists()
    assert opts["backend"] == "local"
    with pytest.raises(SystemExit):
        parser.parse_args(["--backend", "mpi"])
    with pytest.raises(SpecError, match="--backend: must be one of"):
        run_tasks([], execute, None, backend="mpi")



def test_progress_bar_counts_runs_and_failures(tmp_path, capsys):
    store = ResultStore(tmp_path / "r.sqlite")
    run_tasks(_tasks(2), execute, store, backend="serial", progress=False)
    tasks = _tasks(3) + [Task.of({"seed": 5, "params": {"gamma": 1.0}, "fail": True})]
    run_tasks(tasks, execute, store, backend="serial", progress=True)
    err = capsys.readouterr().err
    assert "sweep:" in err and "4/4" in err and "failed=1" in err
    assert " 2/4 " in err  # the bar starts at the reused runs


def test_unreachable_scheduler_is_a_spec_error():
    with pytest.raises(SpecError, match="--scheduler: cannot connect to nonsense://x .*unknown address scheme"):
        run_tasks(_tasks(1), execute, None, backend="dask", scheduler="nonsense://x", progress=False)
