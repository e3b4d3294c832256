"""``limit``: the median over seeds of ‖x_final − point‖ is below a tolerance (sign test,
Holm over points), on synthetic runs whose final iterate is set by hand; the points an
instance names; the refusals; and ``ratecheck check`` end to end on the heterogeneous toy."""

import json
import math
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binom

from ratecheck.errors import SpecError
from ratecheck.verdict import validate_claims
from ratecheck.verdict.reach import undecidable
from test_verdict_claims import one
from test_verdict_synthetic import make_run

SEEDS = 8
LIM = {"kind": "limit", "algorithm": "a", "point": [1.0, -1.0], "tolerance": 0.1}
ROOT = Path(__file__).resolve().parents[1]


def _claim(c):
    return validate_claims([c], labels={"a", "b"})[0]


def _run(seed, x, *, eps=0.5, status="ok", label="a"):
    r = make_run(label, seed, {"eps": eps}, 1.0, horizon=1000, targets=[eps], status=status)
    r.x_final = np.asarray(x, dtype=float)
    return r


def _runs(offsets, *, eps=0.5, point=(1.0, -1.0)):
    """Runs ending at ``point`` + (offset, 0): distance |offset|."""
    return [_run(s, np.asarray(point) + [o, 0.0], eps=eps) for s, o in enumerate(offsets)]


# --- validation --------------------------------------------------------------------------------

@pytest.mark.parametrize("edit, field, words", [
    ({"point": []}, "claims[0].point", "non-empty list"),
    ({"point": [1.0, "a"]}, "claims[0].point", "list of finite numbers"),
    ({"point": 3}, "claims[0].point", "point's name"),
    ({"tolerance": 0}, "claims[0].tolerance", "greater than 0"),
    ({"statistic": "dist_sq"}, "claims[0].statistic", "not used by a limit claim"),
    ({"algorithm": "z"}, "claims[0].algorithm", "unknown algorithm"),
    ({"at": "horizon"}, "claims[0].at", "unknown field"),
])
def test_a_bad_field_is_refused_naming_it(edit, field, words):
    with pytest.raises(SpecError) as e:
        validate_claims([{**LIM, **edit}], labels={"a", "b"})
    assert e.value.field == field and words in str(e.value), str(e.value)


# --- a true case passes, a false case fails -----------------------------------------------------

def test_runs_near_the_point_pass_and_runs_elsewhere_fail():
    rng = np.random.default_rng(0)
    runs = [r for e in (0.1, 0.01) for r in _runs(0.02 * rng.standard_normal(SEEDS), eps=e)]
    v = one(LIM, runs, {})
    assert v["status"] == "pass" and all(p["p_pass"] == 0.5**SEEDS for p in v["points"]), v["reason"]
    assert undecidable(_claim(LIM), SEEDS, 2) is None
    assert v["claim"] == "a's final iterate lies within 0.1 of [1, -1] (median ‖x_final − point‖ over seeds)"
    w = one({**LIM, "point": [0.0, 0.0]}, runs, {})  # √2 away
    assert w["status"] == "fail" and "end farther than 0.1 from [0, 0]" in w["reason"], w["reason"]
    assert w["observed"] == pytest.approx(math.sqrt(2), abs=0.05) and w["predicted"] == 0.1


def test_the_distance_is_the_euclidean_norm():
    v = one({**LIM, "tolerance": 1.0}, [_run(s, [1.0 + 0.3, -1.0 + 0.4]) for s in range(SEEDS)], {})
    assert v["points"][0]["distances"] == pytest.approx([0.5] * SEEDS) and v["status"] == "pass"


def test_p_values_and_interval_computed_by_hand():
    """7 seeds, 5 within 0.1, 2 farther: p_pass = P(Bin(7, ½) ≥ 5) = 29/128, p_fail =
    P(Bin(7, ½) ≥ 2) = 120/128; the 95% interval of the median of 7 is [d₍₁₎, d₍₇₎]."""
    v = one(LIM, _runs([0.01, -0.02, 0.03, 0.04, 0.05, 0.2, -0.3]), {})
    p = v["points"][0]
    assert p["p_pass"] == pytest.approx(29 / 128) == pytest.approx(binom.sf(4, 7, 0.5))
    assert p["p_fail"] == pytest.approx(120 / 128)
    assert (p["inside"], p["above"]) == (5, 2) and v["status"] == "inconclusive"
    assert v["observed"] == pytest.approx(0.04) and v["ci"] == pytest.approx([0.01, 0.3])


def test_holm_fails_the_claim_at_one_bad_point():
    runs = _runs([0.0] * SEEDS, eps=0.1) + _runs([0.5] * SEEDS, eps=0.01)
    v = one(LIM, runs, {})
    assert v["status"] == "fail" and "At eps=0.01" in v["reason"] and [p["status"] for p in v["points"]] == ["fail", "pass"]


# --- divergence, errors, missing iterates ---------------------------------------------------------

def test_a_diverged_run_counts_against_the_claim():
    """Diverged runs are at distance +∞ whatever their last iterate: 5 within and 3 diverged
    gives p_pass = P(Bin(8, ½) ≥ 5) = 93/256: not a pass; all diverged: fail."""
    runs = _runs([0.0] * 5) + [_run(s, [1.0, -1.0], status="diverged") for s in range(5, 8)]
    v = one(LIM, runs, {})
    p = v["points"][0]
    assert v["status"] == "inconclusive" and p["distances"][5:] == [math.inf] * 3 and p["p_pass"] == pytest.approx(93 / 256)
    assert "3 runs diverged (distance +∞, counted against the claim)" in v["reason"], v["reason"]
    v = one(LIM, [_run(s, [1.0, -1.0], status="diverged") for s in range(SEEDS)], {})
    assert v["status"] == "fail"


def test_an_errored_run_makes_the_claim_error():
    runs = _runs([0.0] * SEEDS)
    runs[1] = _run(1, [np.nan, np.nan], status="error")
    v = one(LIM, runs, {})
    assert v["status"] == "error" and "would read pass" in v["reason"] and v["points"][0]["n_seeds"] == SEEDS - 1


@pytest.mark.parametrize("x, words", [([], "no final iterate"), ([1.0], "dimension 1"),
                                      ([np.inf, 0.0], "non-finite point but is not marked diverged")])
def test_a_run_without_a_usable_final_iterate_is_not_read(x, words):
    runs = _runs([0.0] * SEEDS)
    runs[0] = _run(0, x)
    v = one(LIM, runs, {})
    assert v["status"] == "not-applicable" and words in v["reason"], v["reason"]


def test_too_few_seeds_is_inconclusive():
    """5 seeds all at the point would pass (p = 1/32) but for min_seeds = 6."""
    assert one(LIM, _runs([0.0] * 5), {})["status"] == "pass"
    v = one({**LIM, "min_seeds": 6}, _runs([0.0] * 5), {})
    assert v["status"] == "inconclusive" and "fewer than min_seeds = 6" in v["reason"]


# --- the points an instance names -----------------------------------------------------------------

HET = {"family": "heterogeneous-quadratic", "n": 4, "d": 1, "eigenvalues": [[1.0]] * 4,
       "centers": [[-2.0], [0.0], [0.0], [2.0]], "sigma2": 0.05, "x0": -3.0}
FIXED = {"model": "fixed", "n": 4, "profile": "linear"}


def _point(point, problem=HET, model=FIXED):
    from ratecheck.asynchrony import make_model
    from ratecheck.problems import make_problem
    from ratecheck.references import limit_point

    return limit_point({**_claim({**LIM, "point": point}), "index": 2}, make_problem(problem), make_model(model), {"eps": 0.1})


def test_named_points_of_the_heterogeneous_quadratic():
    """x* = mean(c) = 0; the frequency-weighted minimiser with w ∝ 1/τ = (1, 1/2, 1/3, 1/4):
    (−2 + 2/4) / (25/12) = −18/25 (by hand, tests/test_algorithms_heterogeneous.py)."""
    assert _point("x_star") == pytest.approx([0.0], abs=1e-15)
    assert _point("frequency-weighted") == pytest.approx([-18 / 25], rel=1e-14)
    # worker order follows the model: τ reversed weighs c_4 = 2 most
    assert _point("frequency-weighted", model={**FIXED, "order": "given", "profile": "list", "tau": [4, 3, 2, 1]}) == \
        pytest.approx([18 / 25], rel=1e-14)
    assert _point([0.5]) == [0.5]


@pytest.mark.parametrize("point, problem, model, field, words", [
    ([0.0, 1.0], HET, FIXED, "claims[2].point", "has 2 coordinates, the problem has d = 1"),
    ("centre", HET, FIXED, "claims[2].point", "known: x_star, frequency-weighted"),
    ("frequency-weighted", {"family": "quadratic", "d": 2}, FIXED, "claims[2].point", "known: x_star;"),
    ("frequency-weighted", HET, {"model": "random", "n": 4}, "asynchrony.model", "not under model 'random'"),
    ("x_star", {"family": "zero-chain", "d": 8}, FIXED, "claims[2].point", "knows no minimiser"),
])
def test_a_point_the_instance_cannot_give_is_refused(point, problem, model, field, words):
    with pytest.raises(SpecError) as e:
        _point(point, problem, model)
    assert e.value.field == field and words in str(e.value), str(e.value)


# --- refusals before anything runs, and the check end to end ----------------------------------------

#: The heterogeneous toy of problems/heterogeneous-bias.toml, vanilla ASGD only, 8 seeds.
SPEC = textwrap.dedent("""
    [check]
    name = "limit"
    seeds = 8
    [problem]
    family = "heterogeneous-quadratic"
    n = 4
    d = 1
    eigenvalues = [[1.0], [1.0], [1.0], [1.0]]
    centers = [[-2.0], [0.0], [0.0], [2.0]]
    sigma2 = 0.05
    x0 = -3.0
    [asynchrony]
    model = "fixed"
    n = 4
    profile = "linear"
    [sweep]
    eps = [0.1]
    [horizon]
    time = 150.0
    stop_at_target = false
    [[algorithms]]
    label = "ASGD"
    method = "asgd"
    statistic = "dist_sq"
    params = { gamma = 0.05 }
    [[claims]]
    kind = "limit"
    algorithm = "ASGD"
    point = "POINT"
    tolerance = 0.2
""")


def _validate(text):
    from ratecheck.plan import plan, validate_check, validate_grids
    from ratecheck.spec import parse_spec
    from ratecheck.references import resolve_references

    spec = parse_spec(tomllib.loads(text))
    claims = validate_check(spec)
    planned = plan(spec)
    validate_grids(spec, claims, planned)
    return resolve_references(claims, planned)


def test_the_spec_resolves_its_point_and_refuses_runs_that_stop_at_their_target():
    assert _validate(SPEC.replace("POINT", "frequency-weighted")) == {(0, '{"eps": 0.1}'): pytest.approx([-0.72])}
    with pytest.raises(SpecError) as e:
        _validate(SPEC.replace("POINT", "x_star").replace("stop_at_target = false", "stop_at_target = true"))
    assert e.value.field == "horizon.stop_at_target" and "set stop_at_target = false" in str(e.value)
    with pytest.raises(SpecError) as e:
        _validate(SPEC.replace("POINT", "x_star").replace("seeds = 8", "seeds = 4").replace("tolerance", "min_seeds = 2\ntolerance"))
    assert e.value.field == "claims[0]" and "use seeds ≥ 5" in str(e.value), str(e.value)
    with pytest.raises(SpecError) as e:
        _validate(SPEC.replace("POINT", "frequency-weighted").replace('model = "fixed"\nn = 4\nprofile = "linear"', 'model = "random"\nn = 4'))
    assert e.value.field == "asynchrony.model"


def _check(tmp_path, text, out):
    spec = tmp_path / f"{out}.toml"
    spec.write_text(text)
    return subprocess.run([sys.executable, "-m", "ratecheck.cli", "check", str(spec), "--out", str(tmp_path / out),
                           "--backend", "serial", "--no-progress", "--store", str(tmp_path / "store.sqlite")],
                          capture_output=True, text=True, timeout=600)


def test_ratecheck_check_passes_asgd_to_its_biased_limit_and_fails_it_to_x_star(tmp_path):
    """Vanilla ASGD (γ = 0.05, fixed τ_i = i) settles an O(γ) distance from x_w = −0.72, far
    from x* = 0: the claim → frequency-weighted passes (exit 0), → x_star fails (exit 1);
    the second check reuses the first one's runs. A wrong name exits 2 naming the field."""
    res = _check(tmp_path, SPEC.replace("POINT", "frequency-weighted"), "weighted")
    assert res.returncode == 0, res.stdout + res.stderr
    (v,) = json.loads((tmp_path / "weighted" / "verdicts.json").read_text())[:1]
    assert v["kind"] == "limit" and v["status"] == "pass" and v["limit_point"] == pytest.approx([-0.72]), v["reason"]
    md = (tmp_path / "weighted" / "report.md").read_text()
    assert "| median ‖x_final − point‖ [CI] |" in md
    res = _check(tmp_path, SPEC.replace("POINT", "x_star"), "star")
    assert res.returncode == 1, res.stdout + res.stderr
    (v,) = json.loads((tmp_path / "star" / "verdicts.json").read_text())[:1]
    assert v["status"] == "fail" and v["points"][0]["above"] == SEEDS and v["observed"] > 0.5, v["reason"]
    res = _check(tmp_path, SPEC.replace("POINT", "x_w"), "bad")
    assert res.returncode == 2 and "claims[0].point" in res.stderr and "Traceback" not in res.stderr, res.stderr


def test_the_bundled_heterogeneous_check_states_its_limits():
    """problems/heterogeneous-bias.toml: vanilla ASGD → x_w = −0.72, the other four → x* = 0,
    all to the horizon; its gallery report has them all passing."""
    from ratecheck.spec import load_spec

    text = (ROOT / "problems" / "heterogeneous-bias.toml").read_text()
    refs = _validate(text)
    claims = load_spec(ROOT / "problems" / "heterogeneous-bias.toml").claims
    assert [(c["algorithm"], c["point"]) for c in claims][:2] == [("ASGD", "frequency-weighted"), ("Malenia SGD", "x_star")]
    assert [x for i in range(len(claims)) for x in refs[(i, '{"eps": 0.02}')]] == pytest.approx([-0.72, 0, 0, 0, 0], abs=1e-15)
    gallery = json.loads((ROOT / "reports" / "gallery" / "heterogeneous-bias" / "verdicts.json").read_text())
    assert [(v["kind"], v["status"]) for v in gallery if v["kind"] != "tightness"] == [("limit", "pass")] * 5
