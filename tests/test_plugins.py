"""Plugins (issue 20): a package outside the tree (tests/plugin_pkg) adds a method, a
problem family and a theorem card, through a spec's ``[check] import`` / ``proofs`` or
the ``ratecheck.plugins`` entry points; card folders add to the built-in catalogue.

Every plugin run happens in a subprocess, so the plugin's registrations never reach the
registry-driven suites of this test session.
"""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from ratecheck.errors import SpecError
from ratecheck.theory import added_proofs, card_ids, load_card, search_path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SPEC = TESTS / "plugin_pkg" / "spec.toml"


def ratecheck(*argv, cwd, pythonpath=(TESTS,), timeout=900):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, [*pythonpath, ROOT]))}
    env.pop("RATECHECK_PROOFS", None)
    return subprocess.run([sys.executable, "-m", "ratecheck", *map(str, argv)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_an_unknown_plugin_module_exits_2_naming_check_import(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.read_text().replace('import = ["plugin_pkg.methods"]', 'import = ["plugin_pkg.nothing"]'))
    shutil.copytree(SPEC.parent / "cards", tmp_path / "cards")
    res = ratecheck("check", spec, "--out", tmp_path / "out", "--backend", "serial", cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.startswith("ratecheck: error: check.import: cannot import plugin module 'plugin_pkg.nothing'")
    assert len(res.stderr.strip().splitlines()) == 1


def test_a_missing_card_folder_exits_2_naming_check_proofs(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.read_text())  # cards/ is not beside this copy
    res = ratecheck("check", spec, "--out", tmp_path / "out", "--backend", "serial", cwd=tmp_path)
    assert res.returncode == 2 and res.stderr.startswith("ratecheck: error: check.proofs[0]: theorem-card folder")


def test_card_folders_add_to_the_builtin_cards_and_come_first(tmp_path, monkeypatch):
    builtin = set(card_ids())
    assert "plugin-halved-asgd" not in builtin
    with added_proofs([TESTS / "plugin_pkg" / "cards"]):
        assert set(card_ids()) == builtin | {"plugin-halved-asgd"}
        card = load_card("plugin-halved-asgd")
        assert card.applies("plugin-halved-asgd") and card.path.parent == TESTS / "plugin_pkg" / "cards"
    assert "plugin-halved-asgd" not in card_ids() and search_path()[-1] == ROOT / "proofs"
    # RATECHECK_PROOFS adds too; a card of the same id as a built-in one takes its place
    (tmp_path / "asgd.toml").write_text((ROOT / "proofs" / "asgd.toml").read_text().replace(
        'title = "Asynchronous SGD', 'title = "Shadowed: asynchronous SGD'))
    monkeypatch.setenv("RATECHECK_PROOFS", str(tmp_path))
    assert set(card_ids()) == builtin and load_card("asgd").title.startswith("Shadowed")
    assert load_card("ringmaster-asgd").path.parent == ROOT / "proofs"
    with pytest.raises(SpecError, match=r"^check.proofs\[0\]: theorem-card folder"):
        with added_proofs([tmp_path / "absent"]):
            pass


def test_installed_plugins_register_through_entry_points(tmp_path):
    site = tmp_path / "site"
    info = site / "plugin_pkg_dist-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: plugin-pkg-dist\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[ratecheck.plugins]\nhalved = plugin_pkg.methods\n")
    code = textwrap.dedent("""
        from ratecheck.algorithms import ALGORITHMS
        from ratecheck.problems import PROBLEMS
        print("plugin-halved-asgd" in ALGORITHMS.names(), "plugin-quadratic" in PROBLEMS.names())
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, [site, TESTS, ROOT]))}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["True", "True"]
    env["PYTHONPATH"] = os.pathsep.join(map(str, [TESTS, ROOT]))  # not installed: not registered
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert res.stdout.split() == ["False", "False"]


@pytest.mark.slow
def test_a_plugin_check_runs_alike_serially_in_a_pool_and_on_dask(tmp_path):
    """The plugin's method runs in the workers of a local pool and of a local Dask
    cluster (they import the spec's modules), with the serial results, bit for bit."""
    from ratecheck.sweep.store import ResultStore

    tables, verdicts = {}, {}
    for backend, extra in (("serial", []), ("local", ["--workers", "2"]), ("dask-local", ["--workers", "2"])):
        out = tmp_path / backend
        res = ratecheck("check", SPEC, "--out", out, "--backend", backend, *extra, "--no-progress", cwd=tmp_path)
        assert res.returncode == 0, res.stdout + res.stderr
        assert "12 simulated for 12 runs, 0 reused, 0 failed" in res.stdout
        tables[backend] = ResultStore(out / "results.sqlite").table()
        verdicts[backend] = (out / "verdicts.json").read_bytes()
    assert b'"status": "pass"' in verdicts["serial"]
    assert set(tables["serial"].method) == {"asgd", "plugin-halved-asgd"}
    for backend in ("local", "dask-local"):
        pd.testing.assert_frame_equal(tables[backend], tables["serial"])
        assert verdicts[backend] == verdicts["serial"]
