"""Compiled-code caches: numba's folder keyed by the kernels' sources only, set without
touching the environment, and the replay kernels (closures over a problem's oracle)
cached on disk like any other."""

import os
import shutil
import subprocess
import sys

from ratecheck import _cache
from ratecheck.engine import replay
from ratecheck.problems import make_problem


def _run(code, env) -> str:
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip()


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["RATECHECK_CACHE_DIR"] = str(tmp_path)
    return env


def test_importing_ratecheck_leaves_the_environment_alone(tmp_path):
    code = ("import os; before = dict(os.environ); import ratecheck, ratecheck.engine.run, ratecheck.problems.quadratic;"
            "import numba; print(dict(os.environ) == before, numba.config.CACHE_DIR == '')")
    assert _run(code, _env(tmp_path)) == "True True"


def test_kernels_are_cached_in_the_folder_of_the_kernel_hash(tmp_path):
    code = ("import ratecheck.problems.quadratic as q, numba;"
            "print(q._value_grad._cache._cache_path)")
    assert _run(code, _env(tmp_path)).startswith(str(tmp_path / "numba" / _cache.kernel_hash()))
    env = dict(_env(tmp_path), NUMBA_CACHE_DIR=str(tmp_path / "mine"))  # the user's choice wins
    assert _run(code, env).startswith(str(tmp_path / "mine"))


def test_the_key_covers_kernel_sources_only(tmp_path):
    package = tmp_path / "ratecheck"
    shutil.copytree(_cache.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    names = {p.relative_to(package).as_posix() for p in _cache.kernel_sources(package)}
    assert {"engine/replay.py", "engine/ops.py", "algorithms/asgd.py", "problems/quadratic.py"} <= names
    assert not names & {"report/document.py", "check.py", "theory/card.py", "_cache.py"}
    key = _cache.kernel_hash(package)
    (package / "report" / "document.py").write_text((package / "report" / "document.py").read_text() + "\n# reworded\n")
    assert _cache.kernel_hash.__wrapped__(package) == key  # not a kernel source: same folder
    (package / "problems" / "quadratic.py").write_text((package / "problems" / "quadratic.py").read_text() + "\n# edit\n")
    assert _cache.kernel_hash.__wrapped__(package) != key  # an oracle: a fresh folder


def test_replay_kernels_are_compiled_once_and_loaded_from_disk_by_other_processes(tmp_path):
    """Two processes that need the same replay on an empty cache at once (a sweep's
    workers): one compiles it, the other waits (``replay.compiled_once``) and loads it from
    disk; after_step's call at x_0 runs as plain Python, not as a kernel of its own."""
    code = ("from ratecheck.algorithms import ALGORITHMS; from ratecheck.asynchrony import make_model;"
            "from ratecheck.engine.run import simulate; from ratecheck.engine.replay import compiled_kernels;"
            "from ratecheck.problems import make_problem;"
            "p = make_problem({'family': 'quadratic', 'd': 3, 'L': 1.0, 'mu': 0.1, 'sigma2': 0.3});"
            "m = make_model({'model': 'fixed', 'n': 2, 'profile': 'sqrt'});"
            "r = simulate(p, m, ALGORITHMS.get('asgd')({'gamma': 0.1}), [0.1], 0, max_iter=50)[0];"
            "k = compiled_kernels(p.fast_oracle());"
            "print(sum(k.replay.stats.cache_hits.values()), type(k.after_step).__name__,"
            "      r.checkpoints['fgap'][-1].hex())")
    env = _env(tmp_path)
    both = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = sorted(proc.communicate()[0].split() for proc in both)
    assert [proc.returncode for proc in both] == [0, 0]
    assert [o[:2] for o in outs] == [["0", "function"], ["1", "function"]]
    assert outs[0][2] == outs[1][2]


def test_the_closure_key_names_the_oracle():
    p = make_problem({"family": "quadratic", "d": 3, "L": 1.0, "mu": 0.1, "sigma2": 0.3})
    q = make_problem({"family": "logistic", "d": 3})
    ids = [replay._closure_id(replay.compiled_kernels(x.fast_oracle()).replay.py_func) for x in (p, q)]
    assert "ratecheck.problems.quadratic._stoch_grad@" in ids[0] and ids[0] != ids[1]
