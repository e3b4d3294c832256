"""Issue 22: a command imports only what it uses, and a rerun does not redraw its figures.

Behaviour, not timing: which modules a command imports (in a fresh interpreter), that
``ratecheck --help`` lists every command without importing any command module, and that
a report written again from unchanged results takes its figures from the figure cache.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import ratecheck.cli as cli
from ratecheck.report import write_report

ROOT = Path(__file__).resolve().parents[1]

#: Libraries that take seconds to import and that listing commands or cards never needs.
HEAVY = ("matplotlib", "seaborn", "cvxpy", "dask", "distributed", "numba", "scipy.stats", "pandas")


def _imported_after(argv: list[str], env: dict | None = None) -> set[str]:
    """The modules ``ratecheck ARGV`` leaves in ``sys.modules`` (run in a fresh interpreter)."""
    code = ("import json, sys\n"
            "from ratecheck.cli import main\n"
            "try:\n"
            f"    main({argv!r})\n"
            "except SystemExit:\n"
            "    pass\n"
            "sys.stdout = sys.__stdout__\n"
            "print('\\nMODULES ' + json.dumps(sorted(sys.modules)))\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env=env)
    assert res.returncode == 0, res.stderr
    return set(json.loads(res.stdout.rsplit("MODULES ", 1)[1]))


def test_help_imports_no_command_module_and_no_heavy_library():
    mods = _imported_after(["--help"])
    assert not [m for m in (*HEAVY, "sympy", "numpy", "pydantic") if m in mods]
    assert not [m for m in cli.COMMAND_MODULES if m in mods]


def test_theorems_imports_no_plotting_solver_or_engine_and_no_sympy_once_cached(tmp_path):
    """The first listing loads (and validates) every card, with sympy; the cards' rows are
    then cached, and a second listing of the unchanged cards imports no sympy at all."""
    env = {**os.environ, "RATECHECK_CACHE_DIR": str(tmp_path / "cache")}
    first = _imported_after(["theorems"], env)
    assert "ratecheck.theory.commands" in first and "sympy" in first
    again = _imported_after(["theorems"], env)
    assert "ratecheck.theory.listing" in again
    assert not [m for m in again if m == "sympy" or m.startswith("sympy.")]
    assert not [m for m in ("ratecheck.theory.card", "ratecheck.theory.language", "pydantic") if m in again]
    for mods in (first, again):
        assert not [m for m in HEAVY if m in mods]
        assert not [m for m in ("ratecheck.check", "ratecheck.pep.commands", "ratecheck.falsify.commands") if m in mods]


def test_check_help_imports_no_plotting_or_solver():
    mods = _imported_after(["check", "--help"])
    assert "ratecheck.check" in mods
    assert not [m for m in ("matplotlib", "seaborn", "cvxpy", "dask", "ratecheck.pep.commands") if m in mods]


def test_the_listing_table_is_what_the_modules_register():
    """cli.COMMANDS (what --help shows without importing) matches every module's register()."""
    for name in cli.COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        __import__(name, fromlist=["register"]).register(sub)
        registered = {a.dest: a.help for a in sub._choices_actions}
        assert list(registered) == list(cli.COMMANDS[name]), name
        assert registered == cli.COMMANDS[name], name


def test_help_lists_every_command_in_module_order(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    names = [c for m in cli.COMMAND_MODULES for c in cli.COMMANDS[m]]
    positions = [out.index(f"\n    {c} ") for c in names]
    assert positions == sorted(positions)


def test_a_rewritten_report_takes_its_figures_from_the_cache(tmp_path, monkeypatch):
    from test_report_write import small_context

    import ratecheck.report.draw as draw

    monkeypatch.setenv("RATECHECK_CACHE_DIR", str(tmp_path / "cache"))
    ctx = small_context(("holds", "ordering"), eps=[0.1, 0.01])
    write_report(tmp_path / "a", ctx)
    cached = sorted((tmp_path / "cache" / "figures").glob("*.svg"))
    assert cached

    drawn = []
    real = draw.render
    monkeypatch.setattr(draw, "render", lambda name, *a, **k: drawn.append(name) or real(name, *a, **k))
    write_report(tmp_path / "b", small_context(("holds", "ordering"), eps=[0.1, 0.01]))
    assert drawn == []  # unchanged results: nothing drawn, every figure from the cache
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert [p.relative_to(tmp_path / "b") for p in sorted((tmp_path / "b").rglob("*")) if p.is_file()] == files
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f

    changed = small_context(("holds", "ordering"), eps=[0.1, 0.01])
    changed["runs"][3].checkpoints["grad_sq"] = changed["runs"][3].checkpoints["grad_sq"] * 1.5
    write_report(tmp_path / "c", changed)
    # the curves at eps=0.1 and the delay histogram (keyed by all the runs it is given) are
    # drawn again; the claims' figures and the curves at eps=0.01 did not change
    assert drawn == ["curves_figure", "delays_figure"]


def test_an_unwritable_figure_cache_is_not_used(tmp_path, monkeypatch):
    from test_report_write import small_context

    (tmp_path / "cache").write_text("a file where the cache folder would be")
    monkeypatch.setenv("RATECHECK_CACHE_DIR", str(tmp_path / "cache"))
    write_report(tmp_path / "out", small_context(("holds",), eps=[0.1]))
    assert list((tmp_path / "out" / "figures").glob("*.svg"))
