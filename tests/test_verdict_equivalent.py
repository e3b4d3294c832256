"""``equivalent``: two algorithms within a factor c, decided by two one-sided sign tests
(TOST), on synthetic paired runs whose truth is known by construction."""

import json
import math
import textwrap

import pytest
from scipy.stats import binom

from ratecheck.errors import SpecError
from ratecheck.verdict import evaluate_claims, validate_claims
from ratecheck.verdict.reach import undecidable
from test_interrupt import SPEC as TWO
from test_verdict_claims import one, sweep
from test_verdict_synthetic import make_run

SEEDS = 8  # the default of a check
EQ = {"kind": "equivalent", "algorithms": ["a", "b"], "factor": 1.25}


def _claim(c):
    return validate_claims([c], labels={"a", "b"})[0]


def _exact(label, iterations, eps=0.5):
    """One run per seed whose first hit of ε is exactly ``iterations[s]`` (ε = 0.5 keeps
    c/ε exact in binary), time = iterations."""
    return [make_run(label, s, {"eps": eps}, eps * k, targets=[eps]) for s, k in enumerate(iterations)]


# --- validation ------------------------------------------------------------------------

@pytest.mark.parametrize("claim, field", [
    ({**EQ, "algorithms": ["a"]}, "claims[0].algorithms"),
    ({**EQ, "algorithms": ["a", "b", "a"]}, "claims[0].algorithms"),
    ({**EQ, "algorithms": "a"}, "claims[0].algorithms"),
    ({**EQ, "algorithms": ["a", "x"]}, "claims[0].algorithms[1]"),
    ({**EQ, "algorithms": ["a", "a"]}, "claims[0].algorithms[1]"),
    ({k: v for k, v in EQ.items() if k != "algorithms"}, "claims[0].algorithms"),
    ({k: v for k, v in EQ.items() if k != "factor"}, "claims[0].factor"),
    ({**EQ, "factor": 1.0}, "claims[0].factor"),
    ({**EQ, "factor": 0.8}, "claims[0].factor"),
    ({**EQ, "factor": math.inf}, "claims[0].factor"),
    ({**EQ, "factor": "2"}, "claims[0].factor"),
    ({**EQ, "measure": "wall"}, "claims[0].measure"),
    ({**EQ, "alpha": 0.7}, "claims[0].alpha"),
    ({**EQ, "min_seeds": 1}, "claims[0].min_seeds"),
    ({**EQ, "faster": "a"}, "claims[0].faster"),
])
def test_bad_equivalent_claims_raise_spec_errors_naming_the_field(claim, field):
    with pytest.raises(SpecError) as e:
        validate_claims([claim], labels={"a", "b"})
    assert e.value.field == field


def test_defaults_are_filled_in():
    c = _claim(EQ)
    assert (c["measure"], c["alpha"], c["min_seeds"], c["factor"], c["algorithms"]) == ("time", 0.05, 5, 1.25, ["a", "b"])


# --- a true case passes, a false case fails, at the default seeds ------------------------

def test_within_the_factor_passes_and_outside_fails_on_either_side():
    runs = sweep("a", lambda e: 3 / e**2, seeds=SEEDS) + sweep("b", lambda e: 3.3 / e**2, seeds=SEEDS)  # a/b = 0.91
    v = one(EQ, runs, {})
    assert v["status"] == "pass", v["reason"]
    assert v["observed"] == pytest.approx(1 / 1.1, rel=1e-3) and "TOST" in v["reason"]
    assert all(p["inside"] == SEEDS for p in v["points"])
    assert undecidable(_claim(EQ), SEEDS, 4) is None
    slow = sweep("a", lambda e: 3 / e**2, seeds=SEEDS) + sweep("b", lambda e: 1.5 / e**2, seeds=SEEDS)  # a/b = 2
    v = one(EQ, slow, {})
    assert v["status"] == "fail" and "above 1.25" in v["reason"], v["reason"]
    fast = sweep("a", lambda e: 3 / e**2, seeds=SEEDS) + sweep("b", lambda e: 6 / e**2, seeds=SEEDS)  # a/b = 0.5
    v = one(EQ, fast, {})
    assert v["status"] == "fail" and "below 1/1.25" in v["reason"], v["reason"]
    # a wider factor makes the 2× gap equivalent
    assert one({**EQ, "factor": 2.5}, slow, {})["status"] == "pass"


def test_swapping_the_two_algorithms_mirrors_the_ratio_and_keeps_the_decision():
    runs = sweep("a", lambda e: 3 / e**2, seeds=SEEDS, rng_seed=1, noise=0.3) + sweep("b", lambda e: 3.2 / e**2, seeds=SEEDS, rng_seed=2, noise=0.3)
    v, w = one(EQ, runs, {}), one({**EQ, "algorithms": ["b", "a"]}, runs, {})
    assert v["status"] == w["status"]
    for p, q in zip(v["points"], w["points"]):
        assert (p["p_equivalent"], p["p_outside"], p["inside"]) == (q["p_equivalent"], q["p_outside"], q["inside"])
        assert (p["above"], p["below"]) == (q["below"], q["above"])
        assert p["ratio"] == pytest.approx(1 / q["ratio"])


# --- "no difference found" is not equivalence ------------------------------------------

def test_no_difference_with_few_noisy_seeds_is_inconclusive_not_pass():
    # same distribution, independent noise much wider than log 1.25: no test finds a
    # difference, and the equivalence test cannot show the seeds lie within ×1.25 either
    runs = sweep("a", lambda e: 3 / e**2, seeds=SEEDS, rng_seed=1, noise=0.5) + sweep("b", lambda e: 3 / e**2, seeds=SEEDS, rng_seed=2, noise=0.5)
    v = one(EQ, runs, {})
    assert v["status"] == "inconclusive", v["reason"]
    assert "not evidence of equivalence" in v["reason"]
    assert one({"kind": "ordering", "faster": "a", "slower": "b"}, runs, {})["status"] == "inconclusive"  # no difference found


def test_too_few_paired_seeds_is_inconclusive_even_when_identical():
    runs = _exact("a", [1000] * 4) + _exact("b", [1000] * 4)
    v = one({**EQ, "measure": "iterations"}, runs, {})
    assert v["status"] == "inconclusive" and "fewer than min_seeds = 5" in v["reason"]


def test_pass_at_the_boundary_of_the_factor_happens_at_most_alpha():
    """The TOST's level: with the true median ratio exactly c (a/b = 1.25, lognormal
    noise around it), the claim passes in ≤ α of repetitions (1 point, 8 seeds)."""
    reps, passed = 200, 0
    for r in range(reps):
        runs = (sweep("a", lambda e: 3.75 / e**2, seeds=SEEDS, eps=[0.01], rng_seed=2 * r, noise=0.1)
                + sweep("b", lambda e: 3.0 / e**2, seeds=SEEDS, eps=[0.01], rng_seed=2 * r + 1, noise=0.1))
        passed += one(EQ, runs, {})["status"] == "pass"
    assert passed / reps <= 0.05


# --- hand-computed p-values ---------------------------------------------------------------

def test_p_values_of_a_small_case_computed_by_hand():
    """7 seeds, a/b = 1.5, 2 (a tie with c = 2, left out), 2.5, 3, 4, 5, 6; c = 2.

    Against c: 1 below, 5 above, 1 tied, so n = 6: P(≥ 5 above) = 7/64, P(≥ 1 below) = 63/64.
    Against 1/c: all 7 above: P(≥ 7 above) = 1/128, P(≥ 0 below) = 1.
    p_pass = max(63/64, 1/128) = 63/64; p_fail = 2 · min(7/64, 1) = 14/64.
    """
    runs = _exact("a", [1500, 2000, 2500, 3000, 4000, 5000, 6000]) + _exact("b", [1000] * 7)
    claim = {**EQ, "factor": 2.0, "measure": "iterations"}
    p = one(claim, runs, {})["points"][0]
    assert (p["below"], p["inside"], p["above"], p["unknown"]) == (0, 1, 5, 1)
    assert p["p_above"] == pytest.approx(7 / 64) == pytest.approx(binom.sf(4, 6, 0.5))
    assert p["p_not_above"] == pytest.approx(63 / 64) and p["p_not_below"] == pytest.approx(1 / 128)
    assert p["p_equivalent"] == pytest.approx(63 / 64)
    assert p["p_outside"] == pytest.approx(14 / 64)
    assert p["status"] == "inconclusive"  # 14/64 > 0.05
    assert p["ratio"] == pytest.approx(3.0)

    # all 7 inside (1/2, 2): both one-sided tests give 2⁻⁷ ≤ 0.05: pass; nothing outside: p_fail = 1
    runs = _exact("a", [600, 700, 800, 1000, 1200, 1400, 1900]) + _exact("b", [1000] * 7)
    v = one(claim, runs, {})
    p = v["points"][0]
    assert p["p_equivalent"] == pytest.approx(0.5**7) and p["p_outside"] == 1.0
    assert v["status"] == "pass" and p["ratio"] == pytest.approx(1.0)
    lo, hi = v["ci"]  # n = 7 at 95%: [x_(1), x_(7)] (coverage 1 − 2/128)
    assert (lo, hi) == (pytest.approx(0.6), pytest.approx(1.9))


# --- censoring and divergence ---------------------------------------------------------------

def test_a_censored_seed_counts_only_where_its_bound_decides():
    """b reaches ε at 30000 iterations; a never does, censored at its horizon H. With
    c = 1.25, a/b > H/30000: above 1/c for H = 33000 (> 24000) but unknown against c
    (33000 < 37500), so nothing passes or fails; with H = 40000 ≥ 37500 every seed is
    known to lie above c: fail."""
    claim = {**EQ, "measure": "iterations"}
    b = _exact("b", [30000] * SEEDS)
    short = [make_run("a", s, {"eps": 0.5}, 1e12, horizon=33000, targets=[0.5]) for s in range(SEEDS)]
    v = one(claim, short + b, {})
    p = v["points"][0]
    assert v["status"] == "inconclusive", v["reason"]
    assert (p["below"], p["inside"], p["above"], p["unknown"]) == (0, 0, 0, SEEDS)
    assert p["p_not_below"] == pytest.approx(0.5**SEEDS) and p["p_not_above"] == 1.0  # only the lower test can reject
    assert p["ratio_range"][0] == pytest.approx(1.1) and p["ratio_range"][1] == math.inf
    assert "unresolved by censoring" in v["reason"] and "censored seeds bound it" in v["reason"]
    long = [make_run("a", s, {"eps": 0.5}, 1e12, horizon=40000, targets=[0.5]) for s in range(SEEDS)]
    v = one(claim, long + b, {})
    assert v["status"] == "fail" and v["points"][0]["above"] == SEEDS, v["reason"]


def test_both_censored_is_unknown_and_a_censored_b_bounds_from_above():
    claim = {**EQ, "measure": "iterations"}
    never = lambda lab: [make_run(lab, s, {"eps": 0.5}, 1e12, horizon=10**5, targets=[0.5]) for s in range(SEEDS)]  # noqa: E731
    v = one(claim, never("a") + never("b"), {})
    p = v["points"][0]
    assert v["status"] == "inconclusive" and p["unknown"] == SEEDS and p["p_equivalent"] == p["p_outside"] == 1.0
    assert p["ratio_range"] == [0.0, math.inf]
    # b censored at 10⁵ while a needs 1000: a/b < 0.01, known below 1/c: fail
    v = one(claim, _exact("a", [1000] * SEEDS) + never("b"), {})
    assert v["status"] == "fail" and v["points"][0]["below"] == SEEDS, v["reason"]


def test_a_diverged_run_counts_as_an_infinite_ratio_against_its_algorithm():
    b = _exact("b", [1000] * SEEDS)
    a = [make_run("a", s, {"eps": 0.5}, 1.0, status="diverged", targets=[0.5]) for s in range(SEEDS)]
    v = one({**EQ, "measure": "iterations"}, a + b, {})
    assert v["status"] == "fail" and v["points"][0]["above"] == SEEDS, v["reason"]
    assert "diverged" in v["reason"]
    assert one({**EQ, "measure": "iterations", "algorithms": ["b", "a"]}, a + b, {})["points"][0]["below"] == SEEDS


# --- seeds that can never decide are refused --------------------------------------------------

def test_seeds_that_can_never_decide_are_refused_with_the_seeds_needed():
    # one point: p_pass ≥ 2⁻ⁿ, p_fail ≥ 2¹⁻ⁿ; with n = 5, 2/32 > 0.05 can never fail
    why = undecidable(_claim(EQ), 5, 1)
    assert "this equivalent claim can never fail" in why and "use seeds ≥ 6" in why
    assert undecidable(_claim(EQ), 6, 1) is None
    # 4 points: Holm's first step 0.0125 needs 2¹⁻ⁿ ≤ 0.0125: n ≥ 8
    why = undecidable(_claim(EQ), 7, 4)
    assert "can never fail" in why and "use seeds ≥ 8" in why
    # below min_seeds nothing is tested; with min_seeds lowered, 4 seeds reach neither side
    assert "min_seeds = 5" in undecidable(_claim(EQ), 4, 1)
    assert "can never pass or fail" in undecidable(_claim({**EQ, "min_seeds": 2}), 4, 1)


#: test_interrupt's two algorithms (A: Ringmaster with its card's R and γ; B: R = 2), judged
#: by an equivalent claim; SEEDS is replaced by each test
SPEC = TWO[: TWO.index("[[claims]]")].replace("seeds = 3", "seeds = SEEDS") + textwrap.dedent("""
    [[claims]]
    kind = "equivalent"
    algorithms = ["A", "B"]
    factor = 1.25
""")


def test_the_spec_loader_refuses_undecidable_seeds_naming_the_claim():
    from ratecheck.plan import validate_check
    from ratecheck.spec import parse_spec
    import tomllib

    with pytest.raises(SpecError) as e:
        validate_check(parse_spec(tomllib.loads(SPEC.replace("SEEDS", "5"))))
    assert e.value.field == "claims[0]" and "use seeds ≥ 6" in str(e.value)
    assert validate_check(parse_spec(tomllib.loads(SPEC.replace("SEEDS", "6"))))[0]["kind"] == "equivalent"


def test_check_exits_2_on_undecidable_seeds(tmp_path):
    from test_check_cli import run

    res = run(tmp_path, SPEC.replace("SEEDS", "5"))
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "claims[0]" in lines[0] and "equivalent claim can never fail" in lines[0]


# --- end to end, and what the report shows -------------------------------------------------

def test_run_check_judges_and_reports_an_equivalent_claim(tmp_path, monkeypatch):
    """The fake engine gives both algorithms the same run per seed: ratio 1 at every
    seed, so 6 seeds show equivalence within ×1.25 (p = 2⁻⁶ ≤ 0.05)."""
    import fake_engine
    from ratecheck.check import run_check

    monkeypatch.setattr("ratecheck.execute.run_fragment", fake_engine.run_fragment)
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace("SEEDS", "6"))
    code = run_check(spec, tmp_path / "out", {"store": None, "backend": "serial", "no_cache": True}, progress=False)
    assert code == 0
    (v,) = [v for v in json.loads((tmp_path / "out" / "verdicts.json").read_text()) if v["kind"] == "equivalent"]
    assert v["status"] == "pass" and v["ratio"] == 1.0 and v["points"][0]["inside"] == 6, v["reason"]
    md = (tmp_path / "out" / "report.md").read_text()
    assert "A and B reach ε within ×1.25 of each other" in md and "p (equivalent, TOST)" in md


def test_point_table_renders_censored_and_exact_rows():
    from ratecheck.report.sections import point_table

    b = _exact("b", [30000] * SEEDS)
    short = [make_run("a", s, {"eps": 0.5}, 1e12, horizon=33000, targets=[0.5]) for s in range(SEEDS)]
    for runs in (short + b, _exact("a", [31000] * SEEDS) + b):
        v = evaluate_claims([{**EQ, "measure": "iterations"}], runs, {})[0]
        (table,) = point_table(v)
        assert table.headers[:6] == ["point", "status", "a/b < 1/1.25", "inside", "> 1.25", "edge/unknown"]
        assert len(table.rows) == 1 and table.rows[0][1] == v["status"]
    assert "censored" in point_table(evaluate_claims([{**EQ, "measure": "iterations"}], short + b, {})[0])[0].rows[0][8]
