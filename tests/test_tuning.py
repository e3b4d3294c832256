"""Tuning a grid on seeds of its own (ratecheck.tuning): the choice never sees the
check's seeds, only the chosen member runs on them, and a point with no choice makes the
claims on the tuned algorithm inconclusive."""

import json
import textwrap

import pytest

import ratecheck.execute
from ratecheck.check import run_check
from ratecheck.sweep import ResultStore
from ratecheck.sweep.best import pick

SPEC = """
    [check]
    name = "tuned"
    seeds = 6
    [problem]
    family = "quadratic"
    d = 5
    L = 1.0
    mu = 0.1
    spectrum = "linear"
    sigma2 = 1.0
    [asynchrony]
    model = "fixed"
    n = 4
    profile = "sqrt"
    [sweep]
    eps = EPS
    [horizon]
    iterations = HORIZON
    [[algorithms]]
    label = "ASGD"
    method = "asgd"
    params = { gamma = GRID }
    tune = { over = "gamma", seeds = [100, 101, 102] }
    [[algorithms]]
    label = "slow"
    method = "asgd"
    params = { gamma = 0.004 }
    [[claims]]
    kind = "ordering"
    faster = "ASGD"
    slower = "slow"
"""


def check(tmp_path, eps="[0.2, 0.1]", horizon=2000, monkeypatch=None, grid="[0.0625, 0.125, 0.25]"):
    spec = tmp_path / "s.toml"
    spec.write_text(textwrap.dedent(SPEC).replace("EPS", eps).replace("HORIZON", str(horizon)).replace("GRID", grid))
    seen = []
    if monkeypatch is not None:  # record every run simulated: (label, seed)
        one, many = ratecheck.execute.run_fragment, ratecheck.execute.run_fragments
        monkeypatch.setattr(ratecheck.execute, "run_fragment", lambda f: seen.append((f["meta"]["algorithm"], f["seed"])) or one(f))
        monkeypatch.setattr(ratecheck.execute, "run_fragments",
                            lambda fs: seen.extend((f["meta"]["algorithm"], f["seed"]) for f in fs) or many(fs))
    code = run_check(spec, tmp_path / "out", {"store": ResultStore(tmp_path / "r.sqlite"), "backend": "serial"}, progress=False)
    return code, json.loads((tmp_path / "out" / "verdicts.json").read_text()), seen


def test_tuning_never_sees_the_check_seeds(tmp_path, monkeypatch):
    code, verdicts, seen = check(tmp_path, monkeypatch=monkeypatch)
    members = {label for label, _ in seen if label.startswith("ASGD[")}
    assert members == {"ASGD[gamma=0.0625]", "ASGD[gamma=0.125]", "ASGD[gamma=0.25]"}
    assert {seed for label, seed in seen if label in members} == {100, 101, 102}
    # the chosen member runs on the check's seeds only, under the table's label, once per point
    assert sorted(seed for label, seed in seen if label == "ASGD") == sorted(list(range(6)) * 2)
    assert code == 0 and verdicts[0]["status"] == "pass"
    md = (tmp_path / "out" / "report.md").read_text()
    assert "## Tuned algorithms" in md and (tmp_path / "out" / "figures" / "tuning-00.svg").exists()
    assert "| eps=0.2 | 0.125 | 20 | [19.05, 22] | no | none |" in md  # chosen, median and range over 3 seeds


def test_a_choice_at_the_grid_edge_is_flagged(tmp_path):
    # the best γ here is 0.125 (test above): a grid that stops at 0.0625 chooses its edge
    code, verdicts, _ = check(tmp_path, grid="[0.03125, 0.0625]")
    md = (tmp_path / "out" / "report.md").read_text()
    assert "| eps=0.2 | 0.0625 |" in md and "| yes: the optimum may lie outside the grid |" in md


def test_a_point_without_a_finite_score_makes_the_claim_inconclusive(tmp_path):
    # 300 iterations reach ε = 0.2 but never ε = 0.01: no choice there, no runs of ASGD there
    code, verdicts, _ = check(tmp_path, eps="[0.2, 0.01]", horizon=300)
    assert code == 0 and verdicts[0]["status"] == "inconclusive"
    assert verdicts[0]["reason"].startswith("ASGD has no runs at eps=0.01 (no grid value reached ε on its tuning seeds)")
    md = (tmp_path / "out" / "report.md").read_text()
    assert "| eps=0.01 | none (no finite median) |" in md


def test_no_choice_anywhere_leaves_the_claim_unjudged(tmp_path):
    code, verdicts, _ = check(tmp_path, eps="[0.01]", horizon=300)
    assert code == 0 and verdicts[0]["status"] == "inconclusive" and verdicts[0]["reason"].startswith("Not judged: ASGD has no runs")


@pytest.mark.parametrize("cells, best", [
    ({0.5: [3.0, 1.0, 2.0], 0.25: [2.0, 2.0, 9.0], 0.125: [float("inf")] * 3}, 1),  # median 2 twice: the smaller γ
    ({0.5: [float("inf")] * 2, 0.25: []}, None),
])
def test_pick_breaks_ties_towards_the_first_grid_value(cells, best):
    values, medians, i = pick(cells)
    assert values == sorted(cells) and i == best


def test_an_ordering_at_a_horizon_checks_every_member_a_tuned_algorithm_may_run():
    from ratecheck.errors import SpecError
    from ratecheck.plan import plan, validate_check, validate_grids
    from ratecheck.spec import parse_spec

    raw = {
        "check": {"name": "at", "seeds": 6},
        "problem": {"family": "quadratic", "d": 3, "L": 1.0, "mu": 0.2, "sigma2": 0.5},
        "asynchrony": {"model": "fixed", "n": 4, "profile": "sqrt"},
        "sweep": {"eps": [0.5]},
        "horizon": {"iterations": 100000.0, "factor": 1.2, "stop_at_target": False},
        "algorithms": [{"label": "R", "method": "ringmaster-asgd", "params": {"R": "theory", "gamma": [0.0625, 0.125]},
                        "tune": {"over": "gamma", "seeds": [100, 101]}},
                       {"label": "A", "method": "asgd", "theorem": "none", "params": {"gamma": 0.01}}],
        "claims": [{"kind": "ordering", "faster": "R", "slower": "A", "at": {"iterations": 100000}}],
    }
    spec = parse_spec(raw)
    # R's members stop at 1.2 × their card's iteration bound, long before 100000 iterations
    with pytest.raises(SpecError, match="R's runs at eps=0.5 stop at") as err:
        validate_grids(spec, validate_check(spec), plan(spec))
    assert err.value.field == "horizon.factor"


@pytest.mark.parametrize("measure, expected", [("iterations", 10.0), ("time", 20.0), ("gradients", 30.0)])
def test_each_tuning_measure_reads_its_own_column_of_the_hit(measure, expected):
    import numpy as np

    from ratecheck.engine.trace import RunResult
    from ratecheck.sweep.best import score
    from ratecheck.tuning import CRITERIA

    r = RunResult(meta={}, targets=np.array([0.1, 0.5]),
                  hits={"grad_sq": np.array([[10.0, 20.0, 30.0, 40.0], [np.nan] * 4])})
    assert score(r, CRITERIA[measure], "grad_sq", 0.1) == expected
    assert score(r, CRITERIA[measure], "grad_sq", 0.5) == float("inf")  # never reached: censored
