"""Issue 18: interrupted checks say so, reports are written atomically, sweeps share work.

* an interrupted check exits 130 and writes a report marked partial, judging only the
  claims whose runs are all done, exactly as the complete check judges them;
* a report replaces the previous one as a whole, or not at all;
* two sweeps on one store compute each run once (leases), and a run whose holder died
  is taken over.
"""

import json
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sweep_fixture import execute, fragments

import fake_engine
from ratecheck.check import run_check
from ratecheck.report import write_report
from ratecheck.sweep import ResultStore, Task, run_tasks
from test_report_write import small_context

TESTS = Path(__file__).resolve().parent

#: Two algorithms of one method (so their runs go in spec order: all of A, then all of B).
SPEC = textwrap.dedent("""
    [check]
    name = "two"
    title = "Two algorithms"
    seeds = 3
    [problem]
    family = "quadratic"
    d = 3
    L = 1.0
    mu = 0.2
    sigma2 = 0.5
    [asynchrony]
    model = "fixed"
    n = 4
    profile = "sqrt"
    [sweep]
    eps = [0.5]
    [horizon]
    factor = 1.2
    stop_at_target = false
    [[algorithms]]
    label = "A"
    method = "ringmaster-asgd"
    params = { R = "theory", gamma = "theory" }
    [[algorithms]]
    label = "B"
    method = "ringmaster-asgd"
    params = { R = 2, gamma = "theory" }
    [[claims]]
    kind = "holds"
    algorithm = "A"
    theorem = "ringmaster-asgd"
    bound = "iterations"
    min_seeds = 2
    [[claims]]
    kind = "holds"
    algorithm = "B"
    theorem = "ringmaster-asgd"
    bound = "iterations"
    min_seeds = 2
""")


def _interrupt_after(k: int):
    """A run_fragment that is Ctrl-C'd (KeyboardInterrupt, as in a serial sweep) at call k + 1."""
    calls = []

    def run(fragment):
        if len(calls) == k:
            raise KeyboardInterrupt
        calls.append(fragment["seed"])
        return fake_engine.run_fragment(fragment)

    return run


def test_an_interrupted_check_writes_a_report_marked_partial(tmp_path, monkeypatch, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    monkeypatch.setattr("ratecheck.execute.run_fragment", _interrupt_after(4))
    code = run_check(spec, tmp_path / "cut", {"store": ResultStore(tmp_path / "cut.sqlite"), "backend": "serial"},
                     progress=False)
    assert code == 130
    assert "interrupted: 2 of 6 runs not done" in capsys.readouterr().out
    doc = json.loads((tmp_path / "cut" / "verdicts.json").read_text())
    assert doc["complete"] is False and (doc["runs_done"], doc["runs_planned"]) == (4, 6)
    a, b, *info = doc["verdicts"]
    assert b["status"] == "partial" and b["reason"] == "Not judged: the check was interrupted with 1 of the 3 runs of B done."
    assert a["status"] != "partial" and [v["algorithm"] for v in info] == ["A"] * len(info) and info
    md = (tmp_path / "cut" / "report.md").read_text()
    assert md.startswith("# Partial: Two algorithms\n") and "This report is partial: the check was interrupted with 4 of its 6" in md
    assert "| 1 | B: iterations to ε ≤ the ringmaster-asgd iterations bound at every point | partial |" in md
    assert "<title>Partial: Two algorithms</title>" in (tmp_path / "cut" / "report.html").read_text()

    # finishing the check: the claim judged early is judged the same, on the same runs
    monkeypatch.setattr("ratecheck.execute.run_fragment", fake_engine.run_fragment)
    assert run_check(spec, tmp_path / "cut", {"store": ResultStore(tmp_path / "cut.sqlite"), "backend": "serial"},
                     progress=False) in (0, 1)
    full = json.loads((tmp_path / "cut" / "verdicts.json").read_text())
    assert isinstance(full, list) and full[0] == a and full[1]["status"] != "partial"
    assert not (tmp_path / "cut" / "report.md").read_text().startswith("# Partial")


def test_a_report_replaces_the_previous_one_whole_or_not_at_all(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_report(out, small_context())  # another check's report, 5 claims and their figures
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert len([p for p in before if p.parts[0] == "figures"]) >= 6

    import ratecheck.report

    def broken(*args):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(ratecheck.report, "to_html", broken)
        with pytest.raises(OSError):
            write_report(out, small_context(("holds",)))
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before

    ctx = {**small_context(("ordering",)), "title": "Another check"}
    write_report(out, ctx)
    files = {p.relative_to(out) for p in out.rglob("*") if p.is_file()}
    assert not [p for p in out.iterdir() if p.name.startswith(".report-staging")]
    figures = {p.name for p in (out / "figures").iterdir()}
    assert all(f"figures/{f}" in (out / "report.md").read_text() for f in figures)  # no leftover figure
    assert [v["kind"] for v in json.loads((out / "verdicts.json").read_text())][0] == "ordering"
    assert files == {Path("report.md"), Path("report.html"), Path("verdicts.json")} | {Path("figures") / f for f in figures}


# --- leases -------------------------------------------------------------------------------

SHARE = f"""
import json, sys
sys.path.insert(0, {str(TESTS)!r})
from sweep_fixture import execute, fragments
from ratecheck.sweep import ResultStore, Task, run_tasks

if __name__ == "__main__":
    tasks = [Task.of(f) for f in fragments(40, sleep=0.05)]
    out = run_tasks(tasks, execute, ResultStore(sys.argv[1]), backend=sys.argv[2],
                    workers=2 if sys.argv[2] == "local" else None, progress=False)
    print(json.dumps({{"computed": out.computed, "reused": out.reused, "results": len(out.results)}}))
"""


def test_two_sweeps_on_one_store_compute_each_run_once(tmp_path):
    script = tmp_path / "share.py"
    script.write_text(SHARE)
    store = tmp_path / "r.sqlite"
    ResultStore(store).close()
    procs = [subprocess.Popen([sys.executable, str(script), str(store), b], stdout=subprocess.PIPE, text=True)
             for b in ("local", "serial")]
    outs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(o["computed"] for o in outs) == 40 and all(o["computed"] > 0 for o in outs)
    assert all(o["results"] == 40 and o["computed"] + o["reused"] == 40 for o in outs)
    with ResultStore(store) as s:
        assert len(s) == 40
        assert s._db.execute("SELECT COUNT(*) FROM leases").fetchone()[0] == 0


def _lease(store: ResultStore, key: str, owner: str, seconds: float) -> None:
    store._db.execute("INSERT OR REPLACE INTO leases VALUES (?,?,?)", (key, owner, time.time() + seconds))


def test_a_run_leased_elsewhere_is_waited_for_then_taken_over_when_the_lease_expires(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite")
    tasks = [Task.of(f) for f in fragments(3)]
    _lease(store, tasks[1].key, "elsewhere:1:abc", 1.5)  # a live sweep on another machine …
    start = time.monotonic()
    out = run_tasks(tasks, execute, store, backend="serial", progress=False)
    assert out.computed == 3 and time.monotonic() - start >= 1.4  # … that died: its lease ran out


def test_a_run_stored_by_the_lease_holder_is_reused(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite")
    tasks = [Task.of(f) for f in fragments(3)]
    _lease(store, tasks[2].key, "elsewhere:1:abc", 60)

    def other_sweep():
        time.sleep(0.5)
        with ResultStore(tmp_path / "r.sqlite") as other:
            other.put(tasks[2].key, tasks[2].fragment, execute(tasks[2].fragment))

    t = threading.Thread(target=other_sweep)
    t.start()
    out = run_tasks(tasks, execute, store, backend="serial", progress=False)
    t.join()
    assert (out.computed, out.reused) == (2, 1) and len(out.results) == 3


def test_a_lease_of_a_dead_process_on_this_machine_is_taken_over_at_once(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite")
    tasks = [Task.of(f) for f in fragments(2)]
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _lease(store, tasks[0].key, f"{socket.gethostname()}:{dead.pid}:abc", 30)
    start = time.monotonic()
    out = run_tasks(tasks, execute, store, backend="serial", progress=False)
    assert out.computed == 2 and time.monotonic() - start < 5


def test_a_long_run_keeps_its_lease_alive(tmp_path):
    """A run lasting longer than its lease is renewed by the heartbeat: not recomputed elsewhere."""
    slow = Task.of({"seed": 0, "params": {"gamma": 0.5}, "sleep": 2.5})
    ResultStore(tmp_path / "r.sqlite").close()
    first = {}
    t = threading.Thread(target=lambda: first.update(out=run_tasks(
        [slow], execute, ResultStore(tmp_path / "r.sqlite"), backend="serial", progress=False, lease_s=0.6)))
    t.start()
    time.sleep(1.2)  # two lease periods: without renewal the lease would have run out
    second = run_tasks([slow], execute, ResultStore(tmp_path / "r.sqlite"), backend="serial", progress=False)
    t.join()
    assert (first["out"].computed, second.computed, second.reused) == (1, 0, 1)


def test_failed_runs_keep_their_seed_and_parameters(tmp_path):
    tasks = [Task.of({"seed": s, "params": {"gamma": 1.0}, "method": "sgd", "fail": True, "meta": {"algorithm": "A"}})
             for s in (0, 1)]
    out = run_tasks(tasks, execute, ResultStore(tmp_path / "r.sqlite"), backend="serial", progress=False)
    metas = [out.results[t.key].meta for t in tasks]
    assert metas == [{"algorithm": "A", "seed": s, "method": "sgd", "params": {"gamma": 1.0}} for s in (0, 1)]
    stored = ResultStore(tmp_path / "r.sqlite").get(tasks[1].key)
    assert stored.status == "error" and stored.meta["seed"] == 1
