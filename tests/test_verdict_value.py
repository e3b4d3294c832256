"""``value``: the median over seeds of a statistic at the horizon is ≤, ≥ or ≈ a reference
(sign tests of the median, Holm over points), on synthetic runs whose last checkpoint value
is set by hand; the reference as a formula in the instance's constants; the refusals; and
``ratecheck check`` end to end."""

import json
import math
import textwrap
import tomllib

import numpy as np
import pytest
from scipy.stats import binom

from ratecheck.errors import SpecError
from ratecheck.verdict import validate_claims
from ratecheck.verdict.reach import undecidable
from test_verdict_claims import one
from test_verdict_ordering_horizon import SPEC as ORDERING_SPEC, _run

SEEDS = 8
LE = {"kind": "value", "algorithm": "a", "relation": "<=", "reference": 0.5, "statistic": "fgap"}


def _claim(c):
    return validate_claims([c], labels={"a", "b"})[0]


def _runs(values, label="a", eps=0.5, **kw):
    return [_run(label, s, v, eps=eps, **kw) for s, v in enumerate(values)]


def _noisy(scale, *, eps=(0.1, 0.03, 0.01), rng_seed=0, noise=0.2):
    """Per-seed values scale × e^{noise z_s} at every point."""
    z = np.random.default_rng(rng_seed).standard_normal(SEEDS)
    return [_run("a", s, scale * math.exp(noise * z[s]), eps=e) for e in eps for s in range(SEEDS)]


# --- validation --------------------------------------------------------------------------------

@pytest.mark.parametrize("edit, field, words", [
    ({"relation": "="}, "claims[0].relation", "must be one of <=, >=, ≈"),
    ({"reference": True}, "claims[0].reference", "a finite number or a formula"),
    ({"reference": " "}, "claims[0].reference", "a finite number or a formula"),
    ({"relation": "≈"}, "claims[0].rtol", "exactly one tolerance"),
    ({"relation": "≈", "rtol": 0.1, "atol": 0.1}, "claims[0].atol", "not both"),
    ({"relation": "≈", "rtol": 0.0}, "claims[0].rtol", "greater than 0"),
    ({"atol": 0.1}, "claims[0].atol", 'only used with relation = "≈"'),
    ({"at": {"time": -1}}, "claims[0].at", "finite number > 0"),
    ({"algorithm": "z"}, "claims[0].algorithm", "unknown algorithm"),
    ({"measure": "time"}, "claims[0].measure", "unknown field"),
])
def test_a_bad_field_is_refused_naming_it(edit, field, words):
    with pytest.raises(SpecError) as e:
        validate_claims([{**LE, **edit}], labels={"a", "b"})
    assert e.value.field == field and words in str(e.value), str(e.value)


def test_the_claim_is_normalised_and_described():
    c = _claim({**LE, "reference": 1})
    assert c["reference"] == 1.0 and isinstance(c["reference"], float) and c["at"] == "horizon"
    assert _claim({**LE, "relation": "≈", "rtol": 0.1})["rtol"] == 0.1
    v = one({**LE, "relation": "≈", "reference": "2*sigma2", "atol": 0.5, "at": {"iterations": 1000}}, _runs([0.1] * SEEDS),
            {})
    assert v["claim"] == "a's median fgap after 1000 iterations ≈ 2*sigma2 (± 0.5)"


# --- a true case passes and a false one fails, at the default seeds ------------------------------

@pytest.mark.parametrize("relation, true, false", [("<=", 0.5, 0.05), (">=", 0.05, 0.5)])
def test_one_sided_relations_pass_when_true_and_fail_when_false(relation, true, false):
    runs = _noisy(0.1)  # 3 points, every seed's value in 0.1 × e^{±0.5}
    v = one({**LE, "relation": relation, "reference": true}, runs, {})
    assert v["status"] == "pass" and all(p["p_pass"] == 0.5**SEEDS for p in v["points"]), v["reason"]
    assert undecidable(_claim(LE), SEEDS, 3) is None
    w = one({**LE, "relation": relation, "reference": false}, runs, {})
    assert w["status"] == "fail" and "is not" in w["reason"], w["reason"]
    assert v["observed"] == pytest.approx(float(np.median([r.checkpoints["fgap"][-1] for r in runs[:SEEDS]])))


def test_approx_passes_inside_the_band_and_fails_outside_it():
    runs = _noisy(0.1, noise=0.05)
    v = one({**LE, "relation": "≈", "reference": 0.1, "rtol": 0.25}, runs, {})
    assert v["status"] == "pass" and "TOST" in v["reason"], v["reason"]
    assert v["band"] == pytest.approx([0.075, 0.125])
    w = one({**LE, "relation": "≈", "reference": 0.2, "atol": 0.05}, runs, {})
    assert w["status"] == "fail" and "×2 for the two sides" in w["reason"], w["reason"]


def test_approx_is_never_read_from_finding_no_difference():
    """Values spread far past both ends of the band (half below, half above): no difference
    from the reference is found, and that is not equality: inconclusive."""
    runs = _runs([0.01, 0.02, 0.03, 0.04, 1.0, 2.0, 3.0, 4.0])
    v = one({**LE, "relation": "≈", "reference": 0.5, "rtol": 0.1}, runs, {})
    p = v["points"][0]
    assert v["status"] == "inconclusive" and (p["below"], p["inside"], p["above"]) == (4, 0, 4), v["reason"]
    assert "not evidence of equality" in v["reason"]


# --- hand-computed p-values and intervals --------------------------------------------------------

def test_p_values_and_interval_of_a_small_case_computed_by_hand():
    """7 seeds, 6 below r = 0.5 and 1 above: p_pass = P(Bin(7, ½) ≥ 6) = 8/128, p_fail =
    P(Bin(7, ½) ≥ 1) = 127/128: inconclusive at α = 0.05 and pass at α = 0.1. The 95%
    order-statistic interval of the median of 7 is [x₍₁₎, x₍₇₎] (coverage 1 − 2/128; with
    k = 2 it would be 1 − 16/128 < 0.95)."""
    values = [0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.9]
    v = one(LE, _runs(values), {})
    p = v["points"][0]
    assert p["p_pass"] == pytest.approx(8 / 128) == pytest.approx(binom.sf(5, 7, 0.5))
    assert p["p_fail"] == pytest.approx(127 / 128)
    assert v["status"] == "inconclusive" and (p["inside"], p["above"]) == (6, 1)
    assert v["observed"] == 0.35 and v["ci"] == [0.1, 0.9]
    assert one({**LE, "alpha": 0.1}, _runs(values), {})["status"] == "pass"


def test_tost_p_values_computed_by_hand():
    """8 seeds against [0.4, 0.6]: 1 below 0.4, 6 inside, 1 above 0.6. p_pass = max(P(Bin(8, ½)
    ≥ 7), P(Bin(8, ½) ≥ 7)) = 9/256; p_fail = min(1, 2 min(P(Bin(8, ½) ≥ 1), …)) = 1."""
    v = one({**LE, "relation": "≈", "reference": 0.5, "atol": 0.1}, _runs([0.3, 0.45, 0.5, 0.5, 0.5, 0.5, 0.55, 0.7]), {})
    p = v["points"][0]
    assert (p["below"], p["inside"], p["above"]) == (1, 6, 1)
    assert p["p_pass"] == pytest.approx(9 / 256) and p["p_fail"] == 1.0 and v["status"] == "pass"


def test_holm_over_points_needs_every_point_to_pass():
    """Two points with 8 seeds below r (p = 1/256 each) and one with 6 of 8 (p = 37/256 >
    0.05): the claim is not shown at the third point: inconclusive, naming it."""
    runs = _runs([0.1] * SEEDS, eps=0.1) + _runs([0.1] * SEEDS, eps=0.03) + _runs([0.1] * 6 + [0.9] * 2, eps=0.01)
    v = one(LE, runs, {})
    assert v["status"] == "inconclusive" and "at eps=0.01" in v["reason"], v["reason"]
    assert [p["status"] for p in v["points"]] == ["inconclusive", "pass", "pass"]  # sweep order: eps ascending
    assert v["points"][0]["p_pass"] == pytest.approx(binom.sf(5, 8, 0.5))


def test_too_few_seeds_is_inconclusive():
    """5 seeds all below r would pass (p = 1/32) but for min_seeds = 6."""
    assert one(LE, _runs([0.1] * 5), {})["status"] == "pass"
    v = one({**LE, "min_seeds": 6}, _runs([0.1] * 5), {})
    assert v["status"] == "inconclusive" and "fewer than min_seeds = 6" in v["reason"]


# --- divergence, errors, values not at the horizon ------------------------------------------------

def test_a_diverged_run_is_plus_infinity():
    """Diverged runs (whatever they recorded) count as +∞: above any reference."""
    runs = [_run("a", s, 1e-9, status="diverged") for s in range(SEEDS)]
    v = one(LE, runs, {})
    assert v["status"] == "fail" and v["points"][0]["values"] == [math.inf] * SEEDS, v["reason"]
    assert "8 runs diverged (value +∞" in v["reason"]
    assert one({**LE, "relation": ">="}, runs, {})["status"] == "pass"


def test_an_errored_run_makes_the_claim_error():
    runs = _runs([0.1] * SEEDS)
    runs[2] = _run("a", 2, 0.1, status="error")
    v = one(LE, runs, {})
    assert v["status"] == "error" and "would read pass" in v["reason"] and v["points"][0]["n_seeds"] == SEEDS - 1


def test_a_run_that_ended_elsewhere_is_not_read():
    runs = _runs([0.1] * SEEDS)
    runs[0] = _run("a", 0, 0.1, iterations=400)
    v = one({**LE, "at": {"iterations": 1000}}, runs, {})
    assert v["status"] == "not-applicable" and "ended at iteration 400, not 1000" in v["reason"], v["reason"]


# --- the reference as a formula of the instance -------------------------------------------------

HET = {"family": "heterogeneous-quadratic", "n": 4, "d": 1, "eigenvalues": [[1.0]] * 4,
       "centers": [[-2.0], [0.0], [0.0], [2.0]], "sigma2": 0.05, "x0": -3.0}
FIXED = {"model": "fixed", "n": 4, "profile": "linear"}


def _reference(text, problem=HET, model=FIXED, eps=0.1, **extra):
    from ratecheck.asynchrony import make_model
    from ratecheck.problems import make_problem
    from ratecheck.references import value_reference

    c = {**_claim({**LE, "reference": text, **extra}), "index": 3}
    return value_reference(c, make_problem(problem), make_model(model), {"eps": eps})


def test_a_formula_is_evaluated_at_the_instance():
    # σ² = 0.05, n = 4, τ = (1, 2, 3, 4): τ_max = 4, τ_avg = 2.5, L = 1, D = ‖x0 − x*‖ = 3
    assert _reference("sigma2 * tau_max / n + eps") == pytest.approx(0.05 * 4 / 4 + 0.1)
    assert _reference("D**2 / 2 + tau_avg") == pytest.approx(4.5 + 2.5)
    assert _reference("H(n)", ) == pytest.approx(4 / (1 + 1 / 2 + 1 / 3 + 1 / 4))
    assert _reference(0.25) == 0.25


@pytest.mark.parametrize("text, extra, field, words", [
    ("sigma3", {}, "claims[3].reference", "undefined symbol(s) sigma3"),
    ("sigma2 +", {}, "claims[3].reference", "cannot parse"),
    ("L - 1", {"relation": "≈", "rtol": 0.1}, "claims[3].rtol", "give atol"),
    ("1/(L - 1)", {}, "claims[3].reference", "not a finite number"),
])
def test_a_bad_formula_is_refused_naming_the_field(text, extra, field, words):
    with pytest.raises(SpecError) as e:
        _reference(text, **extra)
    assert e.value.field == field and words in str(e.value), str(e.value)


def test_a_formula_of_a_certified_constant_is_refused():
    """The logistic problem's f_star is a certified lower bound: no reference to test against."""
    from ratecheck.problems import make_problem

    logistic = {"family": "logistic", "m": 20, "d": 3, "seed": 1}
    assert make_problem(logistic).constants.values["f_star"].provenance == "certified"
    with pytest.raises(SpecError) as e:
        _reference("f_star + eps", problem=logistic, model={"model": "fixed", "n": 2})
    assert e.value.field == "claims[3].reference" and "f_star (certified)" in str(e.value), str(e.value)


def test_a_formula_needing_compute_times_under_a_delay_model_is_refused():
    """A delay-sequence model has no workers: no τ names to parse, and τ functions (which
    parse) cannot be evaluated."""
    delays = {"problem": {"family": "quadratic", "d": 2}, "model": {"model": "constant", "tau": 3}}
    with pytest.raises(SpecError) as e:
        _reference("tau_max", **delays)
    assert e.value.field == "claims[3].reference" and "undefined symbol(s) tau_max" in str(e.value), str(e.value)
    with pytest.raises(SpecError) as e:
        _reference("tau(1)", **delays)
    assert e.value.field == "claims[3].reference" and "cannot evaluate 'tau(1)'" in str(e.value), str(e.value)


# --- refusals before anything runs ------------------------------------------------------------

#: the ordering-at-horizon spec (8 seeds, one point), with a value claim on A instead
SPEC = ORDERING_SPEC[: ORDERING_SPEC.index("[[claims]]")] + textwrap.dedent("""
    [[claims]]
    kind = "value"
    algorithm = "A"
    statistic = "fgap"
    relation = "@REL@"
    reference = @REF@
    at = @AT@
""")


def _spec(horizon="iterations = 200\nstop_at_target = false", at='"horizon"', relation="<=", reference="1.0", **subs):
    text = SPEC.replace("HORIZON", horizon).replace("@AT@", at).replace("@REL@", relation).replace("@REF@", reference)
    for k, v in subs.items():
        text = text.replace(k, v)
    return text


def _validate(text):
    from ratecheck.plan import plan, validate_check, validate_grids
    from ratecheck.spec import parse_spec
    from ratecheck.references import resolve_references

    spec = parse_spec(tomllib.loads(text))
    claims = validate_check(spec)
    planned = plan(spec)
    validate_grids(spec, claims, planned)
    return resolve_references(claims, planned)


@pytest.mark.parametrize("horizon, at, field, words", [
    ("iterations = 200", '"horizon"', "horizon.stop_at_target", "reads A's value at the horizon"),
    ("iterations = 200\nstop_at_target = false", "{ iterations = 100 }", "claims[0].at", "not stored"),
    ("iterations = 200\ntime = 50.0\nstop_at_target = false", '"horizon"', "claims[0].at", "whichever comes first"),
])
def test_a_horizon_where_runs_do_not_end_is_refused_naming_the_field(horizon, at, field, words):
    with pytest.raises(SpecError) as e:
        _validate(_spec(horizon, at))
    assert e.value.field == field and words in str(e.value), str(e.value)


def test_a_card_that_stops_runs_before_the_horizon_is_refused():
    card = {'theorem = "none"\nparams = { R = 2, gamma = 0.1 }': 'params = { R = "theory", gamma = "theory" }'}
    with pytest.raises(SpecError) as e:
        _validate(_spec("iterations = 1e9\nfactor = 1.2\nstop_at_target = false", **card))
    assert e.value.field == "horizon.factor", str(e.value)


def test_seeds_that_can_never_decide_are_refused():
    """5 seeds at one point: a one-sided claim reaches 2⁻⁵ < 0.05 on both sides; ≈ can never
    fail (2 · 2⁻⁵ > 0.05) and needs 6."""
    _validate(_spec(**{"seeds = 8": "seeds = 5"}))
    with pytest.raises(SpecError) as e:
        _validate(_spec(relation="≈", **{"seeds = 8": "seeds = 5", "at = ": "atol = 0.1\nat = "}))
    assert e.value.field == "claims[0]" and "can never fail" in str(e.value) and "use seeds ≥ 6" in str(e.value), str(e.value)
    assert undecidable(_claim({**LE, "relation": "≈", "atol": 1.0}), 6, 1) is None


def test_references_are_resolved_at_every_point():
    refs = _validate(_spec(reference='"sigma2 + eps"', **{"eps = [0.5]": "eps = [0.5, 0.25]"}))
    assert refs == {(0, '{"eps": 0.25}'): pytest.approx(0.75), (0, '{"eps": 0.5}'): pytest.approx(1.0)}
    with pytest.raises(SpecError) as e:
        _validate(_spec(reference='"sigma"'))
    assert e.value.field == "claims[0].reference"


# --- end to end -------------------------------------------------------------------------------

def test_run_check_judges_and_reports_a_value_claim(tmp_path, monkeypatch):
    """The fake engine's SGD ends with f − f* ≈ 0.02 at every seed: ≤ sigma2 = 0.5 passes
    (exit 0), ≥ sigma2 fails (exit 1)."""
    import fake_engine
    from ratecheck.check import run_check

    monkeypatch.setattr("ratecheck.execute.run_fragment", fake_engine.run_fragment)
    opts = {"store": None, "backend": "serial", "no_cache": True}
    spec = tmp_path / "spec.toml"
    spec.write_text(_spec(reference='"sigma2"'))
    assert run_check(spec, tmp_path / "out", opts, progress=False) == 0
    (v,) = [v for v in json.loads((tmp_path / "out" / "verdicts.json").read_text()) if v["kind"] == "value"]
    assert v["status"] == "pass" and v["predicted"] == 0.5 and v["observed"] < 0.5, v["reason"]
    md = (tmp_path / "out" / "report.md").read_text()
    assert "A's median fgap at the horizon ≤ sigma2" in md and "| median fgap [CI] |" in md
    spec.write_text(_spec(relation=">=", reference='"sigma2"'))
    assert run_check(spec, tmp_path / "out2", opts, progress=False) == 1
