"""Batched execution: runs that one simulation serves are computed once, each run keeps
exactly its own result (ratecheck.execute.run_fragments) and its own place in the store
(ratecheck.sweep.runner units)."""

import json
import textwrap

import pytest
from sweep_fixture import execute

from ratecheck.execute import batch_key, run_fragment, run_fragments, trajectory
from ratecheck.plan import plan
from ratecheck.spec import parse_spec
from ratecheck.sweep import ResultStore, Task, run_tasks
from ratecheck.sweep.runner import Batching

SPEC = {
    "check": {"name": "b", "seeds": 2},
    "problem": {"family": "quadratic", "d": 5, "L": 1.0, "mu": 0.1, "spectrum": "linear", "sigma2": 1.0},
    "asynchrony": {"model": "fixed", "n": 4, "profile": "sqrt"},
    "sweep": {"eps": [0.2, 0.1, 0.05]},
    "horizon": {"iterations": 600.0, "stop_at_target": False},
    # 3.0 diverges: its result in the batch must still be its own run's
    "algorithms": [{"label": "A", "method": "asgd", "params": {"gamma": [0.2, 0.05, 3.0]}}],
}


def planned(stop: bool = False, iterations: float = 600.0) -> list[dict]:
    raw = json.loads(json.dumps(SPEC))
    raw["horizon"] |= {"stop_at_target": stop, "iterations": iterations}
    return [f.to_dict() for f in plan(parse_spec(raw)).fragments]


def same(a, b) -> bool:
    return json.dumps(a.to_dict(), sort_keys=True) == json.dumps(b.to_dict(), sort_keys=True) and list(a.meta) == list(b.meta)


@pytest.mark.parametrize("stop", [False, True])
def test_batched_members_equal_their_own_runs_bit_for_bit(stop):
    # a horizon of several schedule chunks: a run whose members all diverged ends at the
    # chunk where the last one did, so a diverged member's own run ends before the batch's
    frags = planned(stop, iterations=150000.0)
    units = {}
    for f in frags:
        units.setdefault(batch_key(f), []).append(f)
    # no stop: one unit per seed (3 γ × 3 ε); a stop at the target: one per seed and ε (3 γ)
    assert sorted(map(len, units.values())) == ([9, 9] if not stop else [3] * 6)
    statuses = set()
    for unit in units.values():
        for f, got in zip(unit, run_fragments(unit)):
            own = run_fragment(f)
            statuses.add(own.status)
            assert same(got, own), f["meta"]
    assert statuses == {"ok", "diverged"}


def test_a_literal_three_eps_spec_simulates_each_trajectory_once(tmp_path, capsys):
    from ratecheck.check import run_check

    raw = textwrap.dedent("""
        [check]
        name = "three-eps"
        seeds = 2
        [problem]
        family = "quadratic"
        d = 5
        L = 1.0
        mu = 0.1
        sigma2 = 1.0
        [asynchrony]
        model = "fixed"
        n = 4
        profile = "sqrt"
        [sweep]
        eps = [0.2, 0.1, 0.05]
        [horizon]
        iterations = 600
        stop_at_target = false
        [[algorithms]]
        label = "A"
        method = "asgd"
        params = { gamma = 0.05 }
    """)
    (tmp_path / "s.toml").write_text(raw)
    opts = {"store": ResultStore(tmp_path / "r.sqlite"), "backend": "serial"}
    assert run_check(tmp_path / "s.toml", tmp_path / "out", opts, progress=False) == 0
    assert "2 simulated for 6 runs, 0 reused, 0 failed" in capsys.readouterr().out


# --- the runner's units, with a stand-in engine -------------------------------------------
CALLS = []


def group(fragment):
    return fragment.get("group")


def run_group(fragments):
    CALLS.append([f["seed"] for f in fragments])
    if any(f.get("fail") for f in fragments):
        raise ValueError("batch failure")
    return [execute(f) for f in fragments]


BATCH = Batching(group, run_group, lambda f: f["seed"])


def tasks(n, **extra):
    return [Task.of({"seed": i, "params": {"gamma": 0.5}, "group": i % 2, "meta": {"algorithm": "x"}, **extra})
            for i in range(n)]


def test_units_are_computed_once_stored_per_run_and_resumed(tmp_path):
    CALLS.clear()
    store = ResultStore(tmp_path / "r.sqlite")
    first = run_tasks(tasks(4), execute, store, backend="serial", progress=False, batch=BATCH)
    assert CALLS == [[0, 2], [1, 3]] and len(store) == 4
    assert first.summary().startswith("4 simulated for 4 runs, 0 reused, 0 failed")
    for t in tasks(4):
        assert same(first.results[t.key], store.cached(t.key)) and first.results[t.key].meta["seed"] == t.fragment["seed"]
    CALLS.clear()
    again = run_tasks(tasks(8), execute, store, backend="serial", progress=False, batch=BATCH)
    assert CALLS == [[4, 6], [5, 7]] and (again.computed, again.reused) == (4, 4)


def test_an_error_in_a_batch_marks_each_member(tmp_path):
    CALLS.clear()
    out = run_tasks(tasks(4, fail=True), execute, None, backend="serial", progress=False, batch=BATCH)
    assert out.failed == 4 and len(CALLS) == 2
    for t in tasks(4, fail=True):
        r = out.results[t.key]
        assert r.status == "error" and r.reason == "ValueError: batch failure" and r.meta["seed"] == t.fragment["seed"]


def test_local_pool_batches_match_serial_single_runs(tmp_path):
    frags = planned()
    batched = run_tasks([Task.of(f) for f in frags], run_fragment, None, backend="local", workers=2, progress=False,
                        batch=Batching(batch_key, run_fragments, trajectory))
    assert batched.simulated == 6 and batched.computed == 18
    single = run_tasks([Task.of(f) for f in frags], run_fragment, None, backend="serial", progress=False)
    assert single.simulated == 18
    assert all(same(batched.results[k], single.results[k]) for k in single.results)


def test_delay_sequence_runs_share_a_trajectory_over_eps_but_not_over_gamma():
    raw = json.loads(json.dumps(SPEC))
    raw["asynchrony"] = {"model": "constant", "tau": 3}
    raw["algorithms"][0] |= {"theorem": "none", "params": {"gamma": [0.05, 0.1]}}
    frags = [f.to_dict() for f in plan(parse_spec(raw)).fragments]
    units = {}
    for f in frags:
        units.setdefault(batch_key(f), []).append(f)
    assert sorted(map(len, units.values())) == [3] * 4  # one per (γ, seed): the delayed loop takes one γ
    for unit in units.values():
        assert all(same(got, run_fragment(f)) for f, got in zip(unit, run_fragments(unit)))
