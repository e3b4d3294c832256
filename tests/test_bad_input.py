"""Issue 18: every bad input, OS error and oversized request is exit code 2 and one line.

Each case of the issue runs the command line in this process (``ratecheck.cli.main``)
and checks the exit code, that stderr is one line naming the field, and that no
simulation ran. The machine is taken to have 16 GiB (so the memory guards decide the
same everywhere).
"""

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ratecheck.cli import main
from ratecheck.sweep.store import ResultStore
from test_check_cli import TINY

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


@pytest.fixture(autouse=True)
def sixteen_gib_and_no_simulation(monkeypatch):
    import ratecheck.execute
    import ratecheck.guards

    def no_simulation(fragment):
        raise AssertionError("a simulation ran")

    monkeypatch.setattr(ratecheck.guards, "machine_memory", lambda: 16.0 * 2**30)
    monkeypatch.setattr(ratecheck.execute, "run_fragment", no_simulation)


def cli(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str, *words: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def check(tmp_path, capsys, text: str | bytes, *extra) -> tuple[int, str]:
    spec = tmp_path / "spec.toml"
    spec.write_bytes(text if isinstance(text, bytes) else text.encode())
    code, _, err = cli(capsys, "check", spec, "--out", tmp_path / "out", "--backend", "serial", "--no-progress", *extra)
    return code, err


# --- 4. strict types -----------------------------------------------------------------------

@pytest.mark.parametrize("old, new, field, got", [
    ("stop_at_target = false", 'stop_at_target = "yes"', "horizon.stop_at_target", 'got "yes"'),
    ("seeds = 5", "seeds = true", "check.seeds", "got true"),
    ("seeds = 5", "seeds = 2.0", "check.seeds", "got 2.0"),
    ("factor = 1.2", 'factor = 1.2\niterations = "5000"', "horizon.iterations", 'got "5000"'),
    ("eps = [0.5]", 'eps = ["0.1"]', "sweep.eps[0]", 'got "0.1"'),
    ('gamma = "theory"', "gamma = true", "algorithms[0].params.gamma", "got true"),
    ("L = 1.0", 'L = "1.0"', "problem.L", 'must be a valid number, got "1.0"'),
    ("d = 3", "d = 3.5", "problem.d", "must be a valid integer, got 3.5"),
    ("d = 3", "d = true", "problem.d", "must be a valid integer, got true"),
    ("L = 1.0", "L = nan", "problem.L", "must be a finite number"),
    ("mu = 0.2", "mu = -0.2", "problem.mu", "must be greater than or equal to 0, got -0.2"),
    ("L = 1.0", "L = 1.0\nx0 = [0, 0]", "problem.x0", "must have length d = 3, got 2 numbers"),
    ("L = 1.0", 'L = 1.0\nx0 = [0, "a", 0]', "problem.x0[1]", 'must be a valid number, got "a"'),
    ("L = 1.0", "L = 1.0\nLL = 2.0", "problem.LL", "unknown parameter (allowed: d, L, mu, spectrum,"),
    ("n = 4", "n = true", "asynchrony.n", "must be a valid integer, got true"),
    ("factor = 1.2", "factor = inf", "horizon.factor", "must be a finite number"),
    ("eps = [0.5]", "eps = [nan]", "sweep.eps[0]", "must be a finite number"),
])
def test_specs_are_parsed_strictly(tmp_path, capsys, old, new, field, got):
    code, err = check(tmp_path, capsys, TINY.replace(old, new))
    assert code == 2
    one_line(err, field, got)


def test_card_inputs_are_domain_checked(capsys):
    base = ("bound", "ringmaster-asgd", "--set", "L=1", "Delta=1", "sigma2=1", "eps=0.1")
    for r in ("R=-3", "R=0.5", "R=0"):
        code, out, err = cli(capsys, *base, r, "--tau", "1,2")
        assert code == 2 and not out
        one_line(err, "R: must be a positive integer")
    code, _, err = cli(capsys, "bound", "ringmaster-asgd", "--set", "L=1e300", "Delta=1e300", "sigma2=1", "eps=1e-300",
                       "--tau", "1,2")
    assert code == 2
    one_line(err, "gamma = 0", "L = 1e+300", "eps = 1e-300", "must be finite and > 0")
    code, _, err = cli(capsys, "optimal", "ringmaster-asgd", "--param", "R", "--max", "0", *base[2:])
    assert code == 2
    one_line(err, "--max: must be >= 1")
    code, _, err = cli(capsys, "compare", "ringmaster-asgd", "asgd", *base[2:], "gamma=-1", "--tau", "1,2")
    assert code == 2
    one_line(err, "gamma: must be a finite number > 0")
    # valid inputs still evaluate, a delay bound may be 0 (2n − 2 at n = 1)
    assert cli(capsys, *base, "R=3", "--tau", "1,2")[0] == 0
    assert cli(capsys, "bound", "ringleader-asgd", "--set", "L_rl=1", "Delta=1", "sigma2=1", "eps=0.1", "--tau", "1")[0] == 0


def test_a_spec_parameter_that_makes_the_card_meaningless_is_refused_before_any_run(tmp_path, capsys):
    code, err = check(tmp_path, capsys, TINY.replace("L = 1.0", "L = 1e300").replace("eps = [0.5]", "eps = [1e-300]"))
    assert code == 2
    one_line(err, "algorithms[0] at", "must be finite and > 0")


def test_integral_floats_are_integers_on_the_command_line(capsys):
    """``--set d=4.0`` (and a TOML ``d = 4.0``, or a swept value) is the integer 4; 4.5 is not an integer."""
    code, out, _ = cli(capsys, "problems", "quadratic", "--set", "d=4.0", "--json")
    assert code == 0 and '"d": 4,' in out
    code, out, err = cli(capsys, "problems", "quadratic", "--set", "d=4.5")
    assert code == 2 and not out
    one_line(err, "problem.d: must be a valid integer, got 4.5")


# --- 5. resource guards --------------------------------------------------------------------

@pytest.mark.parametrize("old, new, field, estimate", [
    ("n = 4", "n = 1e300", "asynchrony.n", "n = 1e+300 workers needs about"),
    ("n = 4", "n = 1000000000", "asynchrony.n", "needs about 596 GiB"),
    ("d = 3", "d = 100000000", "problem.d", "needs about 11.9 GiB"),
    ("eps = [0.5]", "eps = [1e-9]", "horizon", "about 1.3e+19 events, over the ceiling of 1e+11"),
])
def test_oversized_checks_are_refused_before_allocating(tmp_path, capsys, old, new, field, estimate):
    code, err = check(tmp_path, capsys, TINY.replace(old, new))
    assert code == 2
    one_line(err, field, estimate)


def test_a_local_sweep_whose_runs_cannot_fit_together_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("ratecheck.guards.machine_memory", lambda: 10_000.0)  # one run of TINY fits, two do not
    (tmp_path / "spec.toml").write_text(TINY)
    code, _, err = cli(capsys, "check", tmp_path / "spec.toml", "--out", tmp_path / "out", "--workers", "2")
    assert code == 2
    one_line(err, "--workers: 2 runs at once (one per worker of --backend local) needs about")


def test_the_event_ceiling_is_an_option(tmp_path, capsys):
    code, err = check(tmp_path, capsys, TINY, "--max-events", "10")
    assert code == 2
    one_line(err, "horizon: algorithms[0] (Ringmaster)", "over the ceiling of 10 ")


@pytest.mark.parametrize("argv, words", [
    (("bound", "ringmaster-asgd", "--set", "L=1", "--tau-profile", "sqrt:n=1000000000"),
     ("--tau-profile", "n = 1000000000 workers needs about 59.6 GiB")),
    (("explain", "ringmaster-asgd", "--set", "d=100000000", "--no-run"), ("problem.d", "11.9 GiB")),
    (("explain", "ringmaster-asgd", "--set", "n=1000000000"), ("n: a profile",)),
    (("problems", "quadratic", "--set", "d=100000000"), ("problem.d", "11.9 GiB")),
    (("problems", "quadratic", "--set", "d=1e300"), ("problem.d", "d = 1e+300")),
    (("explain", "ringmaster-asgd", "--set", "d=1e300", "--no-run"), ("problem.d", "d = 1e+300 needs")),
    (("pep", "--N", "100000"), ("N: a PEP over N = 100000 steps",)),
    (("pep", "--N", "1..100000"), ("N: range",)),
])
def test_oversized_commands_are_refused(capsys, argv, words):
    code, out, err = cli(capsys, *argv)
    assert code == 2 and not out
    one_line(err, *words)


# --- 6. OS and encoding errors -------------------------------------------------------------

def test_files_that_are_not_utf8_name_the_file_and_the_byte_offset(tmp_path, capsys, monkeypatch):
    code, err = check(tmp_path, capsys, b'[check]\nname = "caf\xe9"\n')
    assert code == 2
    one_line(err, "spec.toml: not UTF-8 text: byte 0xe9 at byte offset 19")

    trace = tmp_path / "trace.csv"
    trace.write_bytes(b"worker,duration\n0,1.5\n1,\xff2\n")
    text = TINY.replace('model = "fixed"\nn = 4\nprofile = "sqrt"', f'model = "trace"\nfile = "{trace}"')
    assert 'model = "trace"' in text
    code, err = check(tmp_path, capsys, text)
    assert code == 2
    one_line(err, "trace.csv: not UTF-8 text: byte 0xff at byte offset 24")

    proofs = tmp_path / "proofs"
    shutil.copytree(ROOT / "proofs", proofs)
    card = proofs / "asgd.toml"
    card.write_bytes(card.read_bytes() + b"\n# \xc3\x28\n")
    monkeypatch.setenv("RATECHECK_PROOFS", str(proofs))
    code, _, err = cli(capsys, "show", "asgd", "--no-check")
    assert code == 2
    one_line(err, "asgd.toml: not UTF-8 text: byte 0xc3 at byte offset")


def test_paths_that_are_folders_or_files_in_the_wrong_place(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text(TINY)
    code, _, err = cli(capsys, "check", tmp_path, "--out", tmp_path / "o", "--backend", "serial")
    assert code == 2
    one_line(err, f"{tmp_path}: is a folder, not a file")
    afile = tmp_path / "afile"
    afile.write_text("x")
    for out, words in ((afile, "is a file, not a folder"), (afile / "sub", "lies under a file")):
        code, _, err = cli(capsys, "check", spec, "--out", out, "--backend", "serial")
        assert code == 2
        one_line(err, "--out:", words)
        code, _, err = cli(capsys, "pep", "--N", "2", "--out", out)
        assert code == 2
        one_line(err, "--out:", words)
    assert afile.read_text() == "x"


def test_a_full_disk_is_refused_before_the_sweep(tmp_path, capsys, monkeypatch):
    from types import SimpleNamespace

    monkeypatch.setattr("ratecheck.files.os.statvfs", lambda path: SimpleNamespace(f_bavail=100, f_frsize=4096))
    code, err = check(tmp_path, capsys, TINY)
    assert code == 2
    one_line(err, f"--out: cannot write into {tmp_path / 'out'} (only 0.4 MiB free on its disk)")


def test_a_damaged_store_says_what_to_do_and_force_starts_anew(tmp_path, capsys, monkeypatch):
    import fake_engine

    store = tmp_path / "out" / "results.sqlite"
    ResultStore(store).close()
    with open(store, "r+b") as fh:  # the header page: SQLite no longer reads the file
        fh.seek(16)
        fh.write(b"\xff" * 64)
    code, err = check(tmp_path, capsys, TINY)
    assert code == 2
    one_line(err, f"--store: {store} is damaged", "delete it, or rerun with --force")
    monkeypatch.setattr("ratecheck.execute.run_fragment", fake_engine.run_fragment)
    code, err = check(tmp_path, capsys, TINY, "--force")
    assert code in (0, 1) and "Traceback" not in err
    assert len(ResultStore(store)) == 5 and list(store.parent.glob("results.sqlite.damaged-*"))


def test_a_damaged_page_resumes_what_it_can(tmp_path):
    """A page of the runs table broken: its runs are recomputed, the others reused, and the
    store, which refuses writes on that page, is rebuilt from what it can read."""
    from sweep_fixture import execute, fragments

    from ratecheck.sweep import Task, run_tasks

    path = tmp_path / "r.sqlite"
    tasks = [Task.of({**f, "iterations": 3000}) for f in fragments(30)]
    first = run_tasks(tasks, execute, ResultStore(path), backend="serial", progress=False)
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (payload,) = db.execute("SELECT payload FROM runs WHERE run_key = ?", (tasks[7].key,)).fetchone()
    db.close()
    page = path.read_bytes().find(payload[len(payload) // 2:][:64]) // 4096
    with open(path, "r+b") as fh:  # the b-tree page header of the page holding run 7
        fh.seek(page * 4096)
        fh.write(b"\xff" * 4)
    out = run_tasks(tasks, execute, ResultStore(path), backend="serial", progress=False)
    assert 1 <= out.computed <= 5 and out.reused == 30 - out.computed and not out.interrupted
    assert list(tmp_path.glob("r.sqlite.damaged-*"))
    with ResultStore(path) as store:
        assert len(store) == 30 and store.table().equals(ResultStore(path).table())
    assert all(np.array_equal(out.results[k].checkpoints["fgap"], r.checkpoints["fgap"]) for k, r in first.results.items())


def _unprivileged() -> list[str]:
    """A command prefix under which file modes bind: root without its override capabilities."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("root ignores file modes and setpriv is not here to drop that")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", "--bounding-set", caps, "--inh-caps", caps]


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_read_only_destinations_are_refused_before_the_sweep(tmp_path):
    prefix = _unprivileged()
    ro = tmp_path / "ro"
    ro.mkdir()
    spec = tmp_path / "spec.toml"
    spec.write_text(TINY)
    ro.chmod(0o555)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{TESTS}"}
    try:
        for argv, words in (([ro / "out"], f"--out: cannot create {ro / 'out'} (Permission denied)"),
                            ([ro], f"--out: cannot write into {ro} (it is read-only)"),
                            ([tmp_path / "out", "--store", ro / "r.sqlite"],
                             f"--store: cannot write {ro / 'r.sqlite'}: it or its folder is read-only")):
            res = subprocess.run([*prefix, sys.executable, "-m", "ratecheck.cli", "check", str(spec), "--out",
                                  *map(str, argv), "--backend", "serial", "--no-progress"],
                                 capture_output=True, text=True, env=env, timeout=120)
            assert res.returncode == 2, res.stderr
            one_line(res.stderr, words)
    finally:
        ro.chmod(0o755)


def test_a_closed_pipe_ends_the_command_quietly():
    read, write = os.pipe()
    os.close(read)
    try:
        res = subprocess.run([sys.executable, "-m", "ratecheck.cli", "theorems"], stdout=write, stderr=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    finally:
        os.close(write)
    assert res.returncode == 141 and res.stderr == ""


def test_argparse_errors_are_one_line_too(capsys):
    code, _, err = cli(capsys, "bound", "ringmaster-asgd", "--tau", "1", "--tau-profile", "sqrt:n=2")
    assert code == 2
    one_line(err, "--tau-profile: not allowed with argument --tau")
    code, _, err = cli(capsys, "check", "x.toml", "--out", "o", "--max-events", "0")
    assert code == 2
    one_line(err, "--max-events: must be >= 1")
