"""Claims judged on synthetic sweeps whose truth is known by construction."""

import json
import math

import numpy as np
import pytest

from ratecheck.errors import SpecError
from ratecheck.verdict import evaluate_claims, point_key, validate_claims
from test_verdict_synthetic import make_run, prediction

EPS = [0.1, 0.03, 0.01, 0.003]


def sweep(label, k_of_eps, *, seeds=10, noise=0.2, rng_seed=0, theorem="thm", eps=EPS, horizon=10**7, **kw):
    """Runs whose median iterations-to-ε is k_of_eps(ε) (lognormal spread across seeds)."""
    rng = np.random.default_rng(rng_seed)
    z = rng.standard_normal(seeds)  # a per-seed effect shared across points (common random numbers)
    return [make_run(label, s, {"eps": e}, e * k_of_eps(e) * math.exp(noise * z[s]), theorem=theorem, targets=eps, horizon=horizon, **kw)
            for e in eps for s in range(seeds)]


def preds(label, bound_of_eps, theorem="thm", eps=EPS, **kw):
    return {(label, point_key({"eps": e})): prediction(theorem, bound_of_eps(e), **kw) for e in eps}


def one(claim, runs, predictions):
    return evaluate_claims([claim], runs, predictions)[0]


HOLDS = {"kind": "holds", "algorithm": "rm", "theorem": "thm", "bound": "iterations"}


# --- validation ----------------------------------------------------------------------

@pytest.mark.parametrize("claim, field", [
    ({"kind": "hold"}, "claims[0].kind"),
    ({"kind": "holds", "algorithm": "rm", "theorem": "t"}, "claims[0].bound"),
    ({**HOLDS, "bonud": "time"}, "claims[0].bonud"),
    ({**HOLDS, "algorithm": "nope"}, "claims[0].algorithm"),
    ({**HOLDS, "bound": "lower", }, "claims[0].bound"),
    ({**HOLDS, "alpha": 0.7}, "claims[0].alpha"),
    ({**HOLDS, "min_seeds": 1}, "claims[0].min_seeds"),
    ({**HOLDS, "statistic": "loss"}, "claims[0].statistic"),
    ({"kind": "scaling", "algorithm": "rm", "theorem": "t", "bound": "time", "tolerance": 0}, "claims[0].tolerance"),
    ({"kind": "ratio-bounded", "algorithm": "rm", "theorem": "t", "bound": "time", "c_lo": 2, "c_hi": 1}, "claims[0].c_hi"),
    ({"kind": "optimal-parameter", "algorithm_grid": ["rm"], "parameter": "gamma", "factor": 2}, "claims[0].algorithm_grid"),
    ({"kind": "optimal-parameter", "algorithm_grid": ["rm", "b"], "parameter": "gamma", "factor": 2, "reference": "c"}, "claims[0].reference"),
    ({"kind": "ordering", "faster": "rm", "slower": "rm"}, "claims[0].slower"),
    ({"kind": "ordering", "faster": "rm", "slower": "b", "measure": "wall"}, "claims[0].measure"),
])
def test_bad_claims_raise_spec_errors_naming_the_field(claim, field):
    with pytest.raises(SpecError) as e:
        validate_claims([claim], labels={"rm", "b"})
    assert e.value.field == field


def test_defaults_are_filled_in():
    c = validate_claims([HOLDS, {"kind": "ordering", "faster": "a", "slower": "b"}])
    assert c[0]["measure"] == "iterations" and c[0]["alpha"] == 0.05 and c[0]["min_seeds"] == 5
    assert c[1]["measure"] == "time"


# --- holds ---------------------------------------------------------------------------

def test_holds_passes_with_slack_and_reports_the_ratio():
    runs = sweep("rm", lambda e: 5 / e**2)
    v = one(HOLDS, runs, preds("rm", lambda e: 15 / e**2))
    assert v["status"] == "pass", v["reason"]
    assert 0.2 < v["ratio"] < 0.5 and v["ci"][0] <= v["ratio"] <= v["ci"][1]
    assert all(p["mean_at_bound_ucb"] <= p["eps"] for p in v["points"])
    assert v["observed"] == pytest.approx(v["ratio"] * v["predicted"])


def test_holds_fails_on_data_that_violate_the_bound():
    runs = sweep("rm", lambda e: 5 / e**2)
    v = one(HOLDS, runs, preds("rm", lambda e: 2.5 / e**2))  # at the bound E[s] ≈ 2ε
    assert v["status"] == "fail", v["reason"]
    assert v["ratio"] > 1.5
    assert any(p["mean_at_bound_lcb"] > p["eps"] for p in v["points"])


def test_holds_fails_at_a_single_violated_point():
    runs = sweep("rm", lambda e: 5 / e**2)
    v = one(HOLDS, runs, preds("rm", lambda e: (15 if e != 0.01 else 2) / e**2))
    assert v["status"] == "fail" and "eps=0.01" in v["reason"]


def test_holds_with_too_few_seeds_is_inconclusive_never_pass():
    runs = sweep("rm", lambda e: 5 / e**2, seeds=3)
    v = one(HOLDS, runs, preds("rm", lambda e: 50 / e**2))
    assert v["status"] == "inconclusive" and "min_seeds" in v["reason"]


def test_diverged_runs_count_against_the_bound_and_are_named():
    runs = sweep("rm", lambda e: 5 / e**2)
    runs = [make_run("rm", r.meta["seed"], r.meta["point"], 1.0, status="diverged", targets=EPS) if r.meta["seed"] < 8 else r for r in runs]
    v = one(HOLDS, runs, preds("rm", lambda e: 15 / e**2))
    assert v["status"] == "fail"
    assert "32 runs diverged" in v["reason"]


def test_a_horizon_before_the_bound_is_inconclusive_not_fail():
    runs = sweep("rm", lambda e: 5 / e**2, horizon=10**5)  # bound at ε = 0.003 is 1.7e6
    v = one(HOLDS, runs, preds("rm", lambda e: 15 / e**2))
    assert v["status"] == "inconclusive" and "horizon" in v["reason"]


def test_hidden_constants_and_failed_assumptions_are_not_applicable():
    runs = sweep("rm", lambda e: 5 / e**2)
    v = one(HOLDS, runs, preds("rm", lambda e: 15 / e**2, hidden=True))
    assert v["status"] == "not-applicable" and "O(·)" in v["reason"]
    v = one(HOLDS, runs, preds("rm", lambda e: 15 / e**2, missing=["bounded-variance"]))
    assert v["status"] == "not-applicable" and "bounded-variance" in v["reason"]
    v = one(HOLDS, runs, preds("rm", lambda e: 15 / e**2, theorem="other"))
    assert v["status"] == "not-applicable"


def test_holds_on_time_uses_time_checkpoints():
    runs = sweep("rm", lambda e: 5 / e**2, dt=0.25)
    claim = {**HOLDS, "bound": "time"}
    ok = one(claim, runs, preds("rm", lambda e: 15 / e**2))  # time bound 15/ε² s; runs need 0.25·5/ε² s
    assert ok["status"] == "pass"
    bad = {(k[0], k[1]): prediction("thm", 1.0, time=0.25 * 2.5 / json.loads(k[1])["eps"] ** 2) for k in preds("rm", lambda e: 1.0)}
    assert one(claim, runs, bad)["status"] == "fail"


# --- scaling -------------------------------------------------------------------------

SCALING = {"kind": "scaling", "algorithm": "rm", "theorem": "thm", "bound": "iterations", "tolerance": 0.2}


def test_scaling_passes_when_exponents_agree_and_fails_when_they_do_not():
    runs = sweep("rm", lambda e: 3 / e**2, noise=0.1)
    good = one(SCALING, runs, preds("rm", lambda e: 40 / e**2, hidden=True))
    assert good["status"] == "pass", good["reason"]
    assert good["predicted"] == pytest.approx(-2.0) and good["ci"][0] <= good["observed"] <= good["ci"][1]
    bad = one(SCALING, runs, preds("rm", lambda e: 40 / e, hidden=True))
    assert bad["status"] == "fail"
    assert bad["predicted"] == pytest.approx(-1.0)


def test_scaling_compares_with_the_local_exponent_of_a_two_term_bound():
    bound = lambda e: 50 / e + 2 / e**2  # local exponent between -1.2 and -1.8 over EPS
    runs = sweep("rm", lambda e: 0.3 * bound(e), noise=0.05)
    v = one(SCALING, runs, preds("rm", bound))
    assert v["status"] == "pass", v["reason"]
    assert -1.9 < v["predicted"] < -1.1
    assert "card bound × constant" in v["reason"]  # AIC prefers the card's own shape


def test_scaling_with_two_values_or_censoring_is_inconclusive():
    runs = sweep("rm", lambda e: 3 / e**2, eps=[0.1, 0.01])
    v = one(SCALING, runs, preds("rm", lambda e: 3 / e**2, eps=[0.1, 0.01]))
    assert v["status"] == "inconclusive" and "need ≥ 3" in v["reason"]
    runs = sweep("rm", lambda e: 3 / e**2, horizon=3 * 10**5)  # ε = 0.003 needs ~3.3e5 ± 20%
    v = one(SCALING, runs, preds("rm", lambda e: 3 / e**2))
    assert v["status"] == "inconclusive" and "never reached ε" in v["reason"]


def test_scaling_in_a_variable_that_was_not_swept_is_a_spec_error():
    runs = sweep("rm", lambda e: 3 / e**2)
    with pytest.raises(SpecError) as e:
        one({**SCALING, "variable": "problem.sigma2"}, runs, preds("rm", lambda e: 3 / e**2))
    assert e.value.field == "claims[0].variable"


# --- ratio-bounded -------------------------------------------------------------------

def test_ratio_bounded_pass_and_fail():
    runs = sweep("rm", lambda e: 3 / e**2)
    p = preds("rm", lambda e: 1 / e**2, hidden=True)
    claim = {"kind": "ratio-bounded", "algorithm": "rm", "theorem": "thm", "bound": "iterations", "c_lo": 1.0, "c_hi": 10.0}
    assert one(claim, runs, p)["status"] == "pass"
    v = one({**claim, "c_hi": 2.0}, runs, p)
    assert v["status"] == "fail" and v["ratio"] == pytest.approx(3.0, rel=0.15)


# --- ordering ------------------------------------------------------------------------

ORDER = {"kind": "ordering", "faster": "fast", "slower": "slow"}


def test_ordering_detects_a_true_ordering_and_its_reverse():
    runs = sweep("fast", lambda e: 3 / e**2, dt=1.0) + sweep("slow", lambda e: 3.6 / e**2, dt=1.0)
    v = one(ORDER, runs, {})
    assert v["status"] == "pass", v["reason"]
    assert v["observed"] == pytest.approx(1 / 1.2, rel=0.01)
    assert one({**ORDER, "faster": "slow", "slower": "fast"}, runs, {})["status"] == "fail"


def test_paired_claims_test_nothing_where_fewer_seeds_than_min_seeds_were_paired():
    """10 seeds that all win pass; with min_seeds = 12 no point may decide, either way."""
    runs = sweep("fast", lambda e: 3 / e**2, dt=1.0) + sweep("slow", lambda e: 3.6 / e**2, dt=1.0)
    for claim in (ORDER, {**ORDER, "faster": "slow", "slower": "fast"},
                  {"kind": "equivalent", "algorithms": ["fast", "slow"], "factor": 2.0}):
        assert one(claim, runs, {})["status"] != "inconclusive"
        v = one({**claim, "min_seeds": 12}, runs, {})
        assert v["status"] == "inconclusive" and all(p["status"] == "inconclusive" for p in v["points"]), v["reason"]


def test_ordering_is_inconclusive_on_ties():
    runs = sweep("fast", lambda e: 3 / e**2) + sweep("slow", lambda e: 3 / e**2)  # identical under CRN
    v = one(ORDER, runs, {})
    assert v["status"] == "inconclusive"
    assert all(p["wins"] == p["losses"] == 0 for p in v["points"])
    # independent noise, equal distributions: no significant ordering at any point
    runs = sweep("fast", lambda e: 3 / e**2, rng_seed=1) + sweep("slow", lambda e: 3 / e**2, rng_seed=2)
    assert one(ORDER, runs, {})["status"] != "pass"


def test_ordering_resolves_censoring_when_it_decides_the_pair():
    runs = sweep("fast", lambda e: 3 / e**2, eps=[0.01]) + sweep("slow", lambda e: 1e9, eps=[0.01], horizon=10**6)
    v = one(ORDER, runs, {})
    assert v["status"] == "pass" and v["points"][0]["wins"] == 10
    # the slower runs are censored at the horizon 10⁶: each ratio is at most hit / 10⁶, and
    # the median is reported as that upper bound, never as 0
    p = v["points"][0]
    bound = np.median(np.array(p["faster_values"]) / np.array(p["slower_values"]))
    assert p["ratio_is_upper_bound"] and v["ratio"] == pytest.approx(bound) and v["ratio"] > 0
    assert "ratio ≤ " in v["reason"]


# --- optimal-parameter ---------------------------------------------------------------

def _gamma_grid(best=0.1):
    runs = []
    for g in (0.025, 0.05, 0.1, 0.2, 0.4):
        penalty = 1 + 2 * abs(math.log2(g / best))  # complexity grows away from the best γ
        runs += sweep(f"g{g}", lambda e: 3 * penalty / e**2, eps=[0.01], params={"gamma": g})
    return runs


def test_optimal_parameter_pass_and_fail():
    runs = _gamma_grid(best=0.1)
    claim = {"kind": "optimal-parameter", "algorithm_grid": ["g0.025", "g0.05", "g0.1", "g0.2", "g0.4"], "parameter": "gamma",
             "factor": 2.0, "reference": "g0.1", "measure": "iterations"}
    near = {("g0.1", point_key({"eps": 0.01})): prediction("thm", 1.0, parameters={"gamma": 0.12})}
    v = one(claim, runs, near)
    assert v["status"] == "pass" and v["observed"] == 0.1 and v["predicted"] == 0.12
    far = {("g0.1", point_key({"eps": 0.01})): prediction("thm", 1.0, parameters={"gamma": 0.02})}
    v = one(claim, runs, far)
    assert v["status"] == "fail" and v["ratio"] == pytest.approx(5.0)
    with pytest.raises(SpecError):
        one({**claim, "parameter": "R"}, runs, near)


# --- tightness and reproducibility ---------------------------------------------------

def test_tightness_rows_are_median_over_bound_and_marked_info():
    runs = sweep("rm", lambda e: 5 / e**2)
    p = preds("rm", lambda e: 15 / e**2)
    rows = [v for v in evaluate_claims([], runs, p) if v["kind"] == "tightness"]
    assert [r["measure"] for r in rows] == ["iterations", "time"] and all(r["status"] == "info" for r in rows)
    for pt in rows[0]["points"]:
        med = float(np.median(pt["values"]))
        assert pt["ratio"] == pytest.approx(med / pt["bound"])  # one convention: observed / bound


def test_verdicts_are_bit_identical_for_identical_inputs_in_any_order():
    runs = sweep("rm", lambda e: 5 / e**2) + sweep("asgd", lambda e: 6 / e**2, rng_seed=4)
    p = preds("rm", lambda e: 15 / e**2)
    claims = [HOLDS, SCALING, {"kind": "ordering", "faster": "rm", "slower": "asgd"}]
    a = json.dumps(evaluate_claims(claims, runs, p), sort_keys=True, default=str)
    b = json.dumps(evaluate_claims(claims, list(reversed(runs)), p), sort_keys=True, default=str)
    assert a == b
