"""The Python API (issue 20): ratecheck.run / load / card / bound, the tidy tables of a
CheckResult, and the `report` / `export` / `--version` commands.

The API and ``ratecheck check`` run one pipeline (:func:`ratecheck.check.execute_check`):
the same spec gives the same ``verdicts.json``, byte for byte.
"""

import doctest
import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ratecheck
import ratecheck.api
import ratecheck.cli as cli
from ratecheck.errors import SpecError

ROOT = Path(__file__).resolve().parents[1]

TINY = textwrap.dedent("""
    [check]
    name = "tiny-api"
    seeds = 6
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
    eps = [0.5, 0.25]
    [horizon]
    iterations = 3000
    factor = 1.2
    stop_at_target = false
    [[algorithms]]
    label = "Ringmaster"
    method = "ringmaster-asgd"
    params = { R = "theory", gamma = "theory" }
    [[algorithms]]
    label = "ASGD"
    method = "asgd"
    params = { gamma = 0.3 }
    [[claims]]
    kind = "holds"
    algorithm = "Ringmaster"
    theorem = "ringmaster-asgd"
    bound = "iterations"
""")


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """The tiny spec checked by the CLI (folder ``cli``) and by ratecheck.run (folder ``api``)."""
    tmp = tmp_path_factory.mktemp("api")
    spec = tmp / "tiny.toml"
    spec.write_text(TINY)
    code = cli.main(["check", str(spec), "--out", str(tmp / "cli"), "--backend", "serial", "--no-progress"])
    assert code == 0
    result = ratecheck.run(spec, out=tmp / "api")
    return tmp, result


def test_run_gives_the_verdicts_of_the_command(checked):
    tmp, result = checked
    text = (tmp / "cli" / "verdicts.json").read_text()
    assert (tmp / "api" / "verdicts.json").read_text() == text == result.verdicts_json()
    pd.testing.assert_frame_equal(result.verdicts, pd.DataFrame(json.loads(text)))
    assert list(result.verdicts.status) == ["pass", "info", "info"] and result.exit_code == 0


def test_a_spec_as_dict_or_toml_text_is_the_same_check(checked):
    tmp, result = checked
    import tomllib

    for spec in (TINY, tomllib.loads(TINY)):
        again = ratecheck.run(spec, store=tmp / "api" / "results.sqlite")  # every run reused
        assert again.verdicts_json() == result.verdicts_json()
    with pytest.raises(SpecError, match="^spec: check.sedes: unknown key"):
        ratecheck.run(TINY.replace("seeds = 6", "sedes = 6"))


def test_runs_table_has_one_row_per_run_with_parameters_point_and_hits(checked):
    _, result = checked
    runs = result.runs
    assert len(runs) == 2 * 2 * 6 == len(result.results)
    assert set(runs.label) == {"Ringmaster", "ASGD"} and set(runs.eps) == {0.5, 0.25}
    assert sorted(runs.seed.unique()) == list(range(6))
    ring = runs[runs.label == "Ringmaster"]
    # the card's R = max(1, ⌈σ²/ε⌉) and γ = min(1/(2RL), ε/(4Lσ²)) at each point, σ² = 0.5, L = 1
    R = np.maximum(1, np.ceil(0.5 / ring.eps))
    assert (ring.R == R).all() and (ring.gamma == np.minimum(1 / (2 * R), ring.eps / 2)).all()
    assert (runs[runs.label == "ASGD"].gamma == 0.3).all() and runs[runs.label == "ASGD"].R.isna().all()
    assert list(runs.run_key) == result.keys
    for (_, row), r in zip(runs.iterrows(), result.results):
        it, t, g, _w = r.hit(r.meta["statistic"], r.meta["point"]["eps"])
        assert (row.iterations_to_eps, row.time_to_eps, row.gradients_to_eps) == (it, t, g) or math.isnan(it)
        assert row.final_iteration == r.final["iteration"] and row.final_grad_sq == r.checkpoints["grad_sq"][-1]
        assert math.isnan(row.diverged_iteration) and row.diverged_cause is None and row.status == "ok"
    assert runs.iterations_to_eps.notna().all()


def test_hits_and_curves_are_long_tables(checked):
    _, result = checked
    hits, curves = result.hits, result.curves
    # every run tracks its own ε and the larger ones, for each statistic it records
    r = result.results[0]
    mine = hits[hits.run_key == result.keys[0]]
    assert len(mine) == len(r.targets) * len(r.hits)
    row = mine[(mine.statistic == "avg_grad_sq") & (mine.target == r.targets[0])].iloc[0]
    assert row.iterations == r.hits["avg_grad_sq"][0][0]
    own = hits[(hits.target == hits.eps) & (hits.statistic == "avg_grad_sq")].set_index("run_key")
    runs = result.runs.set_index("run_key")
    np.testing.assert_array_equal(own.loc[runs.index, "iterations"], runs.iterations_to_eps)
    # one row per (checkpoint, statistic): the values of the checkpoints, in order
    stats = [s for s in ("grad_sq", "avg_grad_sq", "min_grad_sq", "fgap", "fgap_avg", "dist_sq") if s in r.checkpoints]
    first = curves[curves.run_key == result.keys[0]]
    assert len(first) == len(r.checkpoints["iteration"]) * len(stats)
    np.testing.assert_array_equal(first[first.statistic == "fgap"].value, r.checkpoints["fgap"])
    np.testing.assert_array_equal(first[first.statistic == "fgap"].iteration, r.checkpoints["iteration"])


def test_load_reads_the_stored_check_back(checked):
    tmp, result = checked
    loaded = ratecheck.load(tmp / "cli")
    assert loaded.verdicts_json() == result.verdicts_json()
    pd.testing.assert_frame_equal(loaded.runs, result.runs)
    with pytest.raises(SpecError, match="check.json is missing"):
        ratecheck.load(tmp)


def test_report_command_writes_the_same_verdicts_without_simulating(checked, monkeypatch, capsys):
    tmp, _ = checked
    before = (tmp / "cli" / "verdicts.json").read_bytes()
    (tmp / "cli" / "verdicts.json").unlink()

    def never(fragment):
        raise AssertionError("simulated")

    monkeypatch.setattr("ratecheck.execute.run_fragment", never)
    assert cli.main(["report", str(tmp / "cli")]) == 0
    assert (tmp / "cli" / "verdicts.json").read_bytes() == before
    assert "report:" in capsys.readouterr().out


def test_report_of_a_folder_with_runs_missing_from_its_store_is_partial(checked, tmp_path):
    import shutil

    from ratecheck.sweep.store import ResultStore

    tmp, result = checked
    folder = tmp_path / "copy"
    shutil.copytree(tmp / "cli", folder)
    record = json.loads((folder / "check.json").read_text())
    record["store"] = str(folder / "results.sqlite")
    (folder / "check.json").write_text(json.dumps(record))
    store = ResultStore(folder / "results.sqlite")
    gone = [k for k, r in zip(result.keys, result.results) if r.meta["algorithm"] == "ASGD"][0]
    store.delete(gone)
    loaded = ratecheck.load(folder)
    assert loaded.partial == {"done": 23, "planned": 24}
    assert json.loads(loaded.verdicts_json())["complete"] is False
    assert loaded.verdicts.status.iloc[0] == "pass"  # the claim on Ringmaster had all its runs


def test_export_writes_every_table(checked, tmp_path):
    tmp, result = checked
    for fmt, read in (("csv", pd.read_csv), ("parquet", pd.read_parquet)):
        assert cli.main(["export", str(tmp / "cli"), "--format", fmt, "--to", str(tmp_path / fmt)]) == 0
        for name in ("runs", "hits", "curves", "verdicts"):
            frame = read(tmp_path / fmt / f"{name}.{fmt}")
            assert len(frame) == len(getattr(result, name)), (fmt, name)
    runs = pd.read_parquet(tmp_path / "parquet" / "runs.parquet")
    pd.testing.assert_frame_equal(runs, result.runs)
    points = json.loads(pd.read_parquet(tmp_path / "parquet" / "verdicts.parquet").points[0])
    assert points == json.loads(result.verdicts_json())[0]["points"]


def test_figures_are_matplotlib_figures(checked):
    from matplotlib.figure import Figure

    _, result = checked
    names = result.figure_names()
    assert names == ["claim-00", "tightness-00", "tightness-01", "curves-00", "curves-01", "delays"]
    for name in ("claim-00", "curves-01", "delays"):
        assert isinstance(result.figure(name), Figure)
    with pytest.raises(SpecError, match="no figure 'claim-07'"):
        result.figure("claim-07")


def test_card_and_bound():
    assert ratecheck.card("ringmaster-asgd").applies("ringmaster-asgd")
    b = ratecheck.bound("ringmaster-asgd", L=1, Delta=10, sigma2=1, eps=0.1)
    # Maranjyan et al. Thm 1: R = max(1, ⌈σ²/ε⌉) = 10, K = ⌈8RLΔ/ε + 16σ²LΔ/ε²⌉
    assert b["parameters"]["R"] == 10 and b["bounds"]["iterations"] == math.ceil(8 * 10 * 10 / 0.1 + 16 * 10 / 0.01)
    assert ratecheck.bound("ringmaster-asgd", L=1, Delta=10, sigma2=1, eps=0.1, gamma=0.9)["conditions"]
    with pytest.raises(SpecError, match="unknown theorem card 'nope'"):
        ratecheck.bound("nope", L=1)


def test_api_doctests():
    failed, tried = doctest.testmod(ratecheck.api, optionflags=doctest.ELLIPSIS)
    assert tried >= 3 and failed == 0


def test_import_ratecheck_is_light():
    code = ("import sys, ratecheck\n"
            "heavy = [m for m in ('numpy', 'pandas', 'sympy', 'pydantic', 'ratecheck.api') if m in sys.modules]\n"
            "assert not heavy, heavy\n"
            "assert callable(ratecheck.run) and 'ratecheck.api' in sys.modules\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out == f"ratecheck {ratecheck.__version__}\n"


def test_bundled_examples(capsys):
    from ratecheck.bundled import example_spec

    assert example_spec("quickstart") == ROOT / "problems" / "quickstart.toml"
    assert cli.main(["check", "--example", "nope", "--out", "/nonexistent/never"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ratecheck: error: --example: unknown example 'nope' (bundled: ") and "quickstart" in err


@pytest.mark.slow
def test_run_of_the_quickstart_gives_the_gallery_verdicts():
    """ratecheck.run on the bundled quickstart: the verdicts of the gallery's
    verdicts.json, written by ``ratecheck check problems/quickstart.toml``."""
    result = ratecheck.run(ROOT / "problems" / "quickstart.toml", backend="local")
    gallery = (ROOT / "reports" / "gallery" / "quickstart" / "verdicts.json").read_text()
    assert result.verdicts_json() == gallery
    pd.testing.assert_frame_equal(result.verdicts, pd.DataFrame(json.loads(gallery)))
