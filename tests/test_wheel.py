"""A built wheel works on its own (issue 20): the cards and the example checks ship
inside it (``share/ratecheck/``, :mod:`ratecheck.bundled`), so an installed ratecheck,
run away from the repository, lists every card of ``proofs/`` and runs
``ratecheck check --example quickstart`` to the gallery's verdicts.

The wheel is built from a copy of the tree (``pip wheel --no-deps --no-build-isolation``)
and installed into a fresh virtual environment that sees this environment's
dependencies through a ``.pth`` path entry (paths only: the editable install's finder in
this environment is not run there, so only the wheel's ratecheck is importable).
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

import pytest

import ratecheck

ROOT = Path(__file__).resolve().parents[1]


def _can_build_wheels() -> bool:
    """setuptools ≥ 70.1 has ``bdist_wheel``; older ones need the ``wheel`` package."""
    major, minor = (int(x) for x in version("setuptools").split(".")[:2])
    return (major, minor) >= (70, 1) or find_spec("wheel") is not None


def _run(argv, **kw):
    res = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=900, **kw)
    assert res.returncode == 0, f"{argv}: {res.stdout}\n{res.stderr}"
    return res


@pytest.mark.slow
@pytest.mark.skipif(not _can_build_wheels(), reason="building a wheel needs setuptools>=70.1 (the test extra) or wheel")
def test_an_installed_wheel_ships_the_cards_and_the_examples(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("ratecheck", "proofs", "problems"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    _run([sys.executable, "-m", "pip", "wheel", src, "--no-deps", "--no-build-isolation", "-w", tmp_path / "dist", "-q"])
    (wheel,) = (tmp_path / "dist").glob("ratecheck-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "ratecheck-test-deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel])

    run = tmp_path / "elsewhere"
    run.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "RATECHECK_PROOFS")}
    where = _run([python, "-c", "import ratecheck; print(ratecheck.__file__)"], cwd=run, env=env).stdout.strip()
    assert Path(where).is_relative_to(venv)
    ratecheck_cmd = venv / "bin" / "ratecheck"
    assert _run([ratecheck_cmd, "--version"], cwd=run, env=env).stdout == f"ratecheck {ratecheck.__version__}\n"

    listed = json.loads(_run([ratecheck_cmd, "theorems", "--json"], cwd=run, env=env).stdout)
    assert [r["id"] for r in listed] == sorted(p.stem for p in (ROOT / "proofs").glob("*.toml"))

    _run([ratecheck_cmd, "check", "--example", "quickstart", "--out", run / "quickstart", "--no-progress"], cwd=run, env=env)
    gallery = ROOT / "reports" / "gallery" / "quickstart" / "verdicts.json"
    assert (run / "quickstart" / "verdicts.json").read_text() == gallery.read_text()
