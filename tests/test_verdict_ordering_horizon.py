"""``ordering`` with ``at``: the statistic's value at the horizon, compared seed by seed
(sign test, Holm), on synthetic runs whose last checkpoint value is set by hand."""

import json
import math
import textwrap
import tomllib

import numpy as np
import pytest
from scipy.stats import binom

from ratecheck.errors import SpecError
from ratecheck.verdict import evaluate_claims, validate_claims
from ratecheck.verdict.reach import undecidable
from test_interrupt import SPEC as TWO
from test_verdict_claims import one
from test_verdict_synthetic import make_run

SEEDS = 8  # the default of a check
K = 1000
AT = {"kind": "ordering", "faster": "a", "slower": "b", "at": "horizon", "statistic": "fgap"}
EPS = [0.1, 0.03, 0.01, 0.003]


def _claim(c):
    return validate_claims([c], labels={"a", "b"})[0]


def _run(label, seed, value, *, eps=0.5, status="ok", iterations=K, statistic="fgap"):
    """A run that ends at ``iterations`` (time = iterations) with ``statistic`` = ``value`` there."""
    r = make_run(label, seed, {"eps": eps}, 1.0, horizon=iterations, statistic=statistic, status=status, targets=[eps])
    r.checkpoints[statistic] = r.checkpoints[statistic].copy()
    r.checkpoints[statistic][-1] = value
    return r


def _runs(label, values, **kw):
    return [_run(label, s, v, **kw) for s, v in enumerate(values)]


def _noisy(scale_a, scale_b, *, eps=EPS, rng_seed=0, noise=0.5):
    """Per-seed values scale × e^{noise z_s}, the same z_s for both (common random numbers)."""
    z = np.random.default_rng(rng_seed).standard_normal(SEEDS)
    return [_run(lab, s, scale * math.exp(noise * z[s]), eps=e) for e in eps for lab, scale in (("a", scale_a), ("b", scale_b))
            for s in range(SEEDS)]


# --- validation --------------------------------------------------------------------------

@pytest.mark.parametrize("at", ["end", {"time": 1, "iterations": 2}, {"time": 0}, {"time": -1.0}, {"iterations": 2.5},
                                {"iterations": True}, {"step": 3}, ["horizon"], {"time": "10"}])
def test_a_bad_at_is_refused_naming_it(at):
    with pytest.raises(SpecError) as e:
        validate_claims([{**AT, "at": at}], labels={"a", "b"})
    assert e.value.field == "claims[0].at"


def test_at_is_normalised_and_excludes_a_measure():
    assert _claim({**AT, "at": {"iterations": 1000.0}})["at"] == {"iterations": 1000}
    assert _claim({**AT, "at": {"time": 50}})["at"] == {"time": 50.0}
    assert _claim({"kind": "ordering", "faster": "a", "slower": "b"})["at"] is None  # the old form is unchanged
    with pytest.raises(SpecError) as e:
        validate_claims([{**AT, "measure": "time"}], labels={"a", "b"})
    assert e.value.field == "claims[0].measure" and "not used with `at`" in str(e.value)


# --- a true case passes, a false case fails, at the default seeds --------------------------

def test_lower_value_passes_and_the_reverse_fails_over_four_points():
    runs = _noisy(0.8, 1.0)  # a's f − f* is 0.8 × b's at every seed
    v = one(AT, runs, {})
    assert v["status"] == "pass", v["reason"]
    assert all(p["wins"] == SEEDS and p["p_faster"] == 0.5**SEEDS for p in v["points"])
    assert v["ratio"] == pytest.approx(0.8) and v["at"] == "horizon" and v["statistic"] == "fgap"
    assert "a's fgap is below b's at the horizon" in v["claim"]
    assert undecidable(_claim(AT), SEEDS, len(EPS)) is None
    w = one({**AT, "faster": "b", "slower": "a"}, runs, {})
    assert w["status"] == "fail" and "a's fgap at the horizon is lower" in w["reason"], w["reason"]
    # the time-to-ε form on the same runs is a different claim, judged as before
    assert one({"kind": "ordering", "faster": "a", "slower": "b"}, runs, {})["points"][0].get("at") is None


def test_the_statistic_defaults_to_the_runs_own():
    runs = _runs("a", [0.1] * SEEDS, statistic="avg_grad_sq") + _runs("b", [0.2] * SEEDS, statistic="avg_grad_sq")
    v = one({k: x for k, x in AT.items() if k != "statistic"}, runs, {})
    assert v["status"] == "pass" and v["statistic"] == "avg_grad_sq"
    # another column of the same runs: make_run's other statistics are 2 c / K, equal for both: ties
    assert one({**AT, "statistic": "dist_sq"}, runs, {})["points"][0]["ties"] == SEEDS


# --- ties, divergence, errors, NaN / ∞ -------------------------------------------------------

def test_ties_are_ties_and_decide_nothing():
    v = one(AT, _runs("a", [0.25] * SEEDS) + _runs("b", [0.25] * SEEDS), {})
    p = v["points"][0]
    assert v["status"] == "inconclusive", v["reason"]
    assert (p["wins"], p["losses"], p["ties"], p["p_faster"], p["p_slower"]) == (0, 0, SEEDS, 1.0, 1.0)
    assert "No significant difference" in v["reason"]


def test_a_diverged_run_counts_as_plus_infinity_against_its_algorithm():
    # a's runs diverged after recording a small value: it does not count, +∞ does
    a = [_run("a", s, 1e-9, status="diverged") for s in range(SEEDS)]
    b = _runs("b", [0.5] * SEEDS)
    v = one(AT, a + b, {})
    p = v["points"][0]
    assert v["status"] == "fail" and p["losses"] == SEEDS and p["faster_values"] == [math.inf] * SEEDS, v["reason"]
    assert "diverged (value +∞" in v["reason"] and p["ratio"] == math.inf
    assert one({**AT, "faster": "b", "slower": "a"}, a + b, {})["status"] == "pass"
    # both diverged: +∞ = +∞, ties
    both = one(AT, a + [_run("b", s, 1.0, status="diverged") for s in range(SEEDS)], {})
    assert both["status"] == "inconclusive" and both["points"][0]["ties"] == SEEDS and math.isnan(both["ratio"])


def test_an_errored_run_makes_the_claim_error_and_its_pair_is_left_out():
    a = _runs("a", [0.1] * SEEDS)
    a[3] = _run("a", 3, 0.1, status="error")
    v = one(AT, a + _runs("b", [0.2] * SEEDS), {})
    assert v["status"] == "error" and "would read pass" in v["reason"], v["reason"]
    p = v["points"][0]
    assert (p["n_pairs"], p["unknown"], p["wins"]) == (SEEDS - 1, 1, SEEDS - 1) and 3 not in p["seeds"]


@pytest.mark.parametrize("value, why", [(math.nan, "was not recorded"), (math.inf, "not marked diverged")])
def test_a_non_finite_value_of_a_run_not_marked_diverged_is_not_compared(value, why):
    a = _runs("a", [0.1] * SEEDS)
    a[2] = _run("a", 2, value)
    v = one(AT, a + _runs("b", [0.2] * SEEDS), {})
    assert v["status"] == "not-applicable" and why in v["reason"], v["reason"]


def test_a_run_that_ended_elsewhere_than_the_named_horizon_is_not_compared():
    b = _runs("b", [0.2] * SEEDS)
    short = _runs("a", [0.1] * SEEDS)
    short[0] = _run("a", 0, 0.01, iterations=400)  # stopped early (at its target, say)
    v = one({**AT, "at": {"iterations": K}}, short + b, {})
    assert v["status"] == "not-applicable" and "ended at iteration 400, not 1000" in v["reason"], v["reason"]
    assert one({**AT, "at": {"iterations": K}}, _runs("a", [0.1] * SEEDS) + b, {})["status"] == "pass"
    # time = iterations in these runs: one that ran to time 1000 is past T = 500
    v = one({**AT, "at": {"time": 500.0}}, _runs("a", [0.1] * SEEDS) + b, {})
    assert v["status"] == "not-applicable" and "past 500" in v["reason"]
    assert one({**AT, "at": {"time": 1000.0}}, _runs("a", [0.1] * SEEDS) + b, {})["status"] == "pass"


# --- hand-computed p-values -------------------------------------------------------------------

def test_p_values_of_a_small_case_computed_by_hand():
    """7 seeds: a lower at 5, higher at 1, equal at 1. The tie is left out, n = 6:
    p_pass = P(Bin(6, ½) ≥ 5) = 7/64, p_fail = P(Bin(6, ½) ≥ 1) = 63/64: inconclusive.
    With the loss turned into a win, 6 of 6: p_pass = 1/64 ≤ 0.05: pass."""
    a = [0.1, 0.2, 0.3, 0.4, 0.5, 0.9, 0.7]
    b = [0.2, 0.3, 0.4, 0.5, 0.6, 0.6, 0.7]
    v = one(AT, _runs("a", a) + _runs("b", b), {})
    p = v["points"][0]
    assert (p["wins"], p["losses"], p["ties"], p["n_pairs"]) == (5, 1, 1, 7)
    assert p["p_faster"] == pytest.approx(7 / 64) == pytest.approx(binom.sf(4, 6, 0.5))
    assert p["p_slower"] == pytest.approx(63 / 64)
    assert v["status"] == "inconclusive"
    a[5] = 0.5
    v = one(AT, _runs("a", a) + _runs("b", b), {})
    assert v["points"][0]["p_faster"] == pytest.approx(1 / 64) and v["status"] == "pass"
    # the median paired ratio: 0.5, 2/3, 0.75, 0.8, 5/6, 5/6, 1 → 0.8
    assert v["ratio"] == pytest.approx(0.8)


def test_too_few_paired_seeds_is_inconclusive():
    v = one(AT, _runs("a", [0.1] * 4) + _runs("b", [0.2] * 4), {})
    assert v["status"] == "inconclusive" and "fewer than min_seeds = 5" in v["reason"]


# --- refusals before anything runs ----------------------------------------------------------

#: test_interrupt's problem, model and sweep (8 seeds), then the horizon and two methods
SPEC = TWO[: TWO.index("[horizon]")].replace("seeds = 3", "seeds = 8") + textwrap.dedent("""
    [horizon]
    HORIZON
    [[algorithms]]
    label = "A"
    method = "ringmaster-asgd"
    theorem = "none"
    params = { R = 2, gamma = 0.1 }
    [[algorithms]]
    label = "B"
    method = "asgd"
    theorem = "none"
    params = { gamma = 0.1 }
    [[claims]]
    kind = "ordering"
    faster = "A"
    slower = "B"
    statistic = "fgap"
    at = AT
""")


def _spec(horizon="iterations = 200\nstop_at_target = false", at='"horizon"', **subs):
    text = SPEC.replace("HORIZON", horizon).replace("AT", at)
    for k, v in subs.items():
        text = text.replace(k, v)
    return text


def _validate(text):
    from ratecheck.plan import plan, validate_check, validate_grids
    from ratecheck.spec import parse_spec

    spec = parse_spec(tomllib.loads(text))
    claims = validate_check(spec)
    validate_grids(spec, claims, plan(spec))
    return claims


@pytest.mark.parametrize("horizon, at, field, words", [
    ("iterations = 200\nstop_at_target = false", "{ iterations = 100 }", "claims[0].at", "not stored"),
    ("time = 50.0\nstop_at_target = false", "{ time = 20.0 }", "claims[0].at", "not the [horizon]'s time = 50"),
    ("iterations = 200\nstop_at_target = false", "{ time = 50.0 }", "claims[0].at", "sets no time"),
    ("iterations = 200", '"horizon"', "horizon.stop_at_target", "set stop_at_target = false"),
    ("iterations = 200\nstop_at_target = true", "{ iterations = 200 }", "horizon.stop_at_target", "stop at their target"),
    ("iterations = 200\ntime = 50.0\nstop_at_target = false", '"horizon"', "claims[0].at", "whichever comes first"),
    ("iterations = 200\ntime = 50.0\nstop_at_target = false", "{ iterations = 200 }", "horizon.time", "remove [horizon] time"),
    ("iterations = 200.5\nstop_at_target = false", '"horizon"', "horizon.iterations", "whole number"),
])
def test_a_horizon_where_runs_do_not_end_is_refused_naming_the_field(horizon, at, field, words):
    with pytest.raises(SpecError) as e:
        _validate(_spec(horizon, at))
    assert e.value.field == field and words in str(e.value), str(e.value)


def test_the_spec_horizon_is_accepted_in_each_form():
    for horizon, at in [("iterations = 200", '"horizon"'), ("iterations = 200", "{ iterations = 200 }"),
                        ("time = 50.0", '"horizon"'), ("time = 50.0", "{ time = 50 }")]:
        assert _validate(_spec(horizon + "\nstop_at_target = false", at))[0]["at"] is not None


def test_a_card_that_stops_runs_before_the_horizon_is_refused():
    """A's own card (Ringmaster) has an explicit iteration bound: its runs stop at
    factor × that bound, before 10⁹ iterations (raise horizon.factor) and possibly before
    time T (compare after iterations instead)."""
    card = {'theorem = "none"\nparams = { R = 2, gamma = 0.1 }': 'params = { R = "theory", gamma = "theory" }'}
    with pytest.raises(SpecError) as e:
        _validate(_spec("iterations = 1e9\nfactor = 1.2\nstop_at_target = false", **card))
    assert e.value.field == "horizon.factor" and "raise horizon.factor to ≥" in str(e.value), str(e.value)
    with pytest.raises(SpecError) as e:
        _validate(_spec("time = 1e6\nfactor = 1.2\nstop_at_target = false", **card))
    assert e.value.field == "claims[0].at" and "iterations = K" in str(e.value), str(e.value)


def test_seeds_that_can_never_decide_are_refused():
    # 5 seeds, 2 points: Holm's first step 0.025 < 2⁻⁵: never pass or fail; 6 seeds do
    with pytest.raises(SpecError) as e:
        _validate(_spec(**{"seeds = 8": "seeds = 5", "eps = [0.5]": "eps = [0.5, 0.25]"}))
    assert e.value.field == "claims[0]" and "use seeds ≥ 6" in str(e.value)
    _validate(_spec(**{"seeds = 8": "seeds = 6", "eps = [0.5]": "eps = [0.5, 0.25]"}))
    with pytest.raises(SpecError) as e:
        _validate(_spec(**{"seeds = 8": "seeds = 4"}))
    assert e.value.field == "claims[0]" and "min_seeds = 5" in str(e.value)


# --- end to end, and what the report shows ---------------------------------------------------

def test_run_check_judges_and_reports_a_horizon_ordering(tmp_path, monkeypatch):
    """The fake engine gives both algorithms the same run per seed (200 iterations); B's
    f − f* is doubled here, so A is lower at all 8 seeds: pass; the reverse: fail."""
    import fake_engine
    from ratecheck.check import run_check

    def fragment(f):
        r = fake_engine.run_fragment(f)
        if f["meta"]["algorithm"] == "B":
            r.checkpoints["fgap"] = 2 * np.asarray(r.checkpoints["fgap"])
        return r

    monkeypatch.setattr("ratecheck.execute.run_fragment", fragment)
    opts = {"store": None, "backend": "serial", "no_cache": True}
    spec = tmp_path / "spec.toml"
    for i, at in enumerate(['"horizon"', "{ iterations = 200 }"]):
        spec.write_text(_spec(at=at))
        assert run_check(spec, tmp_path / f"out{i}", opts, progress=False) == 0
        (v,) = [v for v in json.loads((tmp_path / f"out{i}" / "verdicts.json").read_text()) if v["kind"] == "ordering"]
        assert v["status"] == "pass" and v["points"][0]["wins"] == 8 and v["ratio"] == pytest.approx(0.5), v["reason"]
    md = (tmp_path / "out1" / "report.md").read_text()
    assert "A's fgap is below B's after 200 iterations" in md and "median fgap A" in md
    spec.write_text(_spec(at='"horizon"').replace('faster = "A"\nslower = "B"', 'faster = "B"\nslower = "A"'))
    assert run_check(spec, tmp_path / "out9", opts, progress=False) == 1


def test_point_table_keeps_the_old_form_and_renders_the_new():
    from ratecheck.report.sections import point_table
    from test_verdict_claims import sweep

    (new,) = point_table(evaluate_claims([AT], _runs("a", [0.1] * SEEDS) + _runs("b", [0.2] * SEEDS), {})[0])
    assert new.headers == ["point", "status", "a lower", "b lower", "ties", "p (faster)", "p (slower)",
                           "median fgap a", "median fgap b", "median ratio [CI]"]
    assert new.rows[0][:4] == ["eps=0.5", "pass", str(SEEDS), "0"]
    runs = sweep("a", lambda e: 3 / e**2, eps=[0.01]) + sweep("b", lambda e: 3.6 / e**2, eps=[0.01])
    (old,) = point_table(evaluate_claims([{"kind": "ordering", "faster": "a", "slower": "b"}], runs, {})[0])
    assert old.headers == ["point", "status", "wins", "losses", "ties/unknown", "p (faster)", "p (slower)", "median ratio [CI]", "ratio of bounds"]
