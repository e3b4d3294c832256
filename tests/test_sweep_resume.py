"""Crash safety: a sweep killed with SIGKILL resumes losing nothing; Ctrl-C stops cleanly.

The sweep runs in a subprocess (its own session, so the test can signal its process
group like a terminal or a batch scheduler would); 40 runs of ~50 ms on 2 local workers.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from sweep_fixture import execute, fragments

from ratecheck.sweep import ResultStore, Task, run_tasks

N, SLEEP = 40, 0.05
TESTS = Path(__file__).resolve().parent

SCRIPT = f"""
import json, sys
sys.path.insert(0, {str(TESTS)!r})
from sweep_fixture import execute, fragments
from ratecheck.sweep import ResultStore, Task, run_tasks

if __name__ == "__main__":
    tasks = [Task.of(f) for f in fragments({N}, sleep={SLEEP})]
    out = run_tasks(tasks, execute, ResultStore(sys.argv[1]), backend="local", workers=2,
                    progress=False)
    print(json.dumps({{"interrupted": out.interrupted, "computed": out.computed,
                      "results": len(out.results), "summary": out.summary()}}))
"""


def _tasks():
    return [Task.of(f) for f in fragments(N, sleep=SLEEP)]


def _stored(path: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            db.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _start(tmp_path: Path, store: Path) -> tuple[subprocess.Popen, Path]:
    pids = tmp_path / "pids"
    pids.mkdir()
    script = tmp_path / "sweep.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(store)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True, env={**os.environ, "SWEEP_FIXTURE_PIDS": str(pids)},
    )
    return proc, pids


def _wait_for_stored(proc, store, at_least, timeout=30.0):
    deadline = time.monotonic() + timeout
    while _stored(store) < at_least:
        assert proc.poll() is None, f"sweep ended early: {proc.communicate()}"
        assert time.monotonic() < deadline, "sweep made no progress"
        time.sleep(0.02)


def _reference(tmp_path: Path) -> pd.DataFrame:
    ref = ResultStore(tmp_path / "reference.sqlite")
    out = run_tasks(_tasks(), execute, ref, backend="local", workers=2, progress=False)
    assert out.computed == N and not out.interrupted
    return ref.table([t.key for t in _tasks()])


def _no_worker_survives(pids: Path, timeout=5.0):
    workers = [int(p.name) for p in pids.iterdir()]
    assert workers, "no worker ran"
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in workers):
        assert time.monotonic() < deadline, f"workers outlived the sweep: {workers}"
        time.sleep(0.1)


def test_sigkill_mid_sweep_then_resume_equals_uninterrupted_run(tmp_path):
    store = tmp_path / "r.sqlite"
    proc, pids = _start(tmp_path, store)
    try:
        _wait_for_stored(proc, store, at_least=8)
        os.kill(proc.pid, signal.SIGKILL)  # the parent only: workers must notice
        proc.wait(10)
        _no_worker_survives(pids)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the session this test started
        except ProcessLookupError:
            pass
    killed_at = _stored(store)
    assert 8 <= killed_at < N

    db = sqlite3.connect(store)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    resumed_store = ResultStore(store)
    out = run_tasks(_tasks(), execute, resumed_store, backend="local", workers=2, progress=False)
    assert (out.reused, out.computed, out.failed) == (killed_at, N - killed_at, 0)
    assert resumed_store.corrupted == [] and len(resumed_store) == N

    db = sqlite3.connect(store)
    assert db.execute("SELECT run_key FROM runs GROUP BY run_key HAVING COUNT(*) > 1").fetchall() == []
    resumed = resumed_store.table([t.key for t in _tasks()])
    assert not resumed.duplicated(["run_key", "iteration"]).any()
    pd.testing.assert_frame_equal(resumed, _reference(tmp_path))


def test_ctrl_c_cancels_pending_runs_and_keeps_everything_stored(tmp_path):
    store = tmp_path / "r.sqlite"
    proc, pids = _start(tmp_path, store)
    try:
        _wait_for_stored(proc, store, at_least=6)
        os.killpg(proc.pid, signal.SIGINT)  # like Ctrl-C in a terminal: the whole group
        stdout, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, stderr
    report = json.loads(stdout.strip().splitlines()[-1])
    assert report["interrupted"] and report["computed"] < N
    assert f"of {N} runs not done" in report["summary"]
    assert _stored(store) == report["computed"] == report["results"]
    _no_worker_survives(pids)
    with ResultStore(store) as s:
        assert all(s.cached(k) is not None for k in s.keys()) and s.corrupted == []
