"""Kill test: ``ratecheck check`` killed at random moments loses, duplicates or changes no row,
and leaves no report that is not marked partial.

Each trial starts ``ratecheck check`` (with ``fake_engine``, so no kernel compiles) in its
own session, sends SIGINT to the session (Ctrl-C in a terminal), SIGTERM to the command
(a batch scheduler) or SIGKILL to the command at a random moment — during start-up, the
sweep (after a given number of runs are stored) or the report — and then checks:

* exit code: 130 after SIGINT/SIGTERM (0 or 1 if it had finished; killed by the signal
  if it came before the interpreter could handle it, with nothing done), no traceback;
* the store: every row identical to the uninterrupted run's, none twice;
* the report folder: no report (interrupted before the sweep, or while writing it), a
  complete one (only if every run is stored) or one marked partial (``"complete":
  false``, "Partial:" in the title), never a mix;
* resuming (the same command again) gives the uninterrupted run's store and a
  bit-identical ``verdicts.json``.
"""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_interrupt import SPEC

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SCRIPT = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
import fake_engine
fake_engine.install()
from ratecheck.cli import run

if __name__ == "__main__":
    run(sys.argv[1:])
"""
#: Runs of the spec below and the fake engine's seconds per run.
RUNS, SLEEP = 24, 0.08
KILL_SPEC = SPEC.replace("seeds = 3", "seeds = 4").replace("eps = [0.5]", "eps = [0.5, 0.3, 0.2]")


def _check(tmp_path: Path, out: Path, backend: str) -> subprocess.Popen:
    script, spec = tmp_path / "check.py", tmp_path / "spec.toml"
    script.write_text(SCRIPT)
    spec.write_text(KILL_SPEC)
    argv = [sys.executable, str(script), "check", str(spec), "--out", str(out), "--backend", backend, "--no-progress"]
    if backend != "serial":
        argv += ["--workers", "2"]
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{TESTS}", "FAKE_ENGINE_SLEEP": str(SLEEP)}
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)


def _rows(store: Path) -> dict[str, tuple]:
    if not store.exists():
        return {}
    db = sqlite3.connect(store, timeout=30)
    try:
        rows = db.execute("SELECT run_key, status, reason, fragment, payload, checksum FROM runs").fetchall()
    finally:
        db.close()
    keys = [r[0] for r in rows]
    assert len(keys) == len(set(keys)), "a run stored twice"
    return {r[0]: r[1:] for r in rows}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reference")
    proc = _check(tmp, tmp / "out", "serial")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode in (0, 1) and "Traceback" not in err, err
    rows = _rows(tmp / "out" / "results.sqlite")
    assert len(rows) == RUNS
    return rows, (tmp / "out" / "verdicts.json").read_bytes()


def _wait(proc, store: Path, when: float | int) -> None:
    """Until ``when`` seconds have passed (a float) or ``when`` runs are stored (an int)."""
    if isinstance(when, float):
        time.sleep(when)
        return
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if len(_rows(store)) >= when:
                return
        except sqlite3.OperationalError:  # being created
            pass
        time.sleep(0.02)


def trial(tmp_path: Path, reference, backend: str, sig: signal.Signals, when: float | int) -> str:
    """One kill and resume (module docstring); returns what the kill found."""
    ref_rows, ref_verdicts = reference
    out = tmp_path / "out"
    proc = _check(tmp_path, out, backend)
    _wait(proc, out / "results.sqlite", when)
    try:
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)  # Ctrl-C reaches the whole process group
        else:
            os.kill(proc.pid, sig)
        _, err = proc.communicate(timeout=120)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever this test started
        except ProcessLookupError:
            pass
    code = proc.returncode
    finished = code in (0, 1)
    assert "Traceback" not in err, err
    rows = _rows(out / "results.sqlite")
    if sig != signal.SIGKILL and code == -sig:  # before the interpreter set its handlers
        assert not rows and not out.exists()
    else:
        assert finished or code == (-signal.SIGKILL if sig == signal.SIGKILL else 130), (code, err[-3000:])

    assert all(rows[k] == ref_rows[k] for k in rows), "a stored row differs from the uninterrupted run's"
    verdicts = out / "verdicts.json"
    if verdicts.exists():
        doc = json.loads(verdicts.read_text())
        md = (out / "report.md").read_text()
        assert (out / "report.html").exists() and (out / "figures").is_dir()
        if isinstance(doc, list):  # complete: only once every run is stored
            assert len(rows) == RUNS and not md.startswith("# Partial")
        else:
            assert doc["complete"] is False and doc["runs_done"] < RUNS and md.startswith("# Partial: ")
            assert code == 130 and doc["runs_done"] <= len(rows)
    # (interrupted before the sweep or while writing a report: no new report, which is allowed)

    if not out.exists():
        return "killed before it started"
    what = "finished" if finished else f"killed with {len(rows)} of {RUNS} runs stored" + (
        "" if verdicts.exists() else ", no report")
    resumed = _check(tmp_path, out, backend)
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode in (0, 1) and "Traceback" not in err, err
    assert _rows(out / "results.sqlite") == ref_rows
    assert verdicts.read_bytes() == ref_verdicts
    return what


@pytest.mark.parametrize("backend, sig, when", [
    ("serial", signal.SIGINT, 5),
    ("local", signal.SIGKILL, 9),
    ("local", signal.SIGTERM, 3),
])
def test_a_killed_check_loses_nothing_and_says_it_is_partial(tmp_path, reference, backend, sig, when):
    found = trial(tmp_path, reference, backend, sig, when)
    assert found.startswith("killed") and (sig == signal.SIGKILL or "no report" not in found), found


@pytest.mark.slow
def test_random_kills_over_every_backend(tmp_path, reference):
    """18 trials: each backend × signal twice, at a random number of stored runs or time."""
    rng = random.Random(18)
    outcomes = []
    for i in range(18):
        backend = ("serial", "local", "dask-local")[i % 3]
        sig = (signal.SIGINT, signal.SIGKILL, signal.SIGTERM)[(i // 3) % 3]
        when = rng.randint(0, RUNS) if i % 2 else rng.uniform(0.5, 12.0)
        (tmp_path / f"t{i}").mkdir()
        outcomes.append((backend, sig.name, when, trial(tmp_path / f"t{i}", reference, backend, sig, when)))
    print("\n".join(map(str, outcomes)))
    assert sum(o[3] != "finished" for o in outcomes) >= 9  # most trials were really interrupted
