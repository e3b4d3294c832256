"""The decision rule itself: Holm on both sides, reachability, exact median intervals,
and, for every claim kind, a true case that passes and a false case that fails at the
default seeds (8), plus the error rate of ``pass`` under the null over repetitions."""

import math

import numpy as np
import pytest
from scipy.stats import binom

from ratecheck.errors import SpecError
from ratecheck.verdict import evaluate_claims, point_key, validate_claims
from ratecheck.verdict.decision import decide, holm
from ratecheck.verdict.reach import undecidable
from ratecheck.verdict.stats import median_interval
from test_verdict_claims import EPS, HOLDS, ORDER, SCALING, one, preds, sweep
from test_verdict_synthetic import make_run, prediction

SEEDS = 8  # the default of a check


# --- Holm and the symmetric rule -------------------------------------------------------

def test_holm_steps_down_as_computed_by_hand():
    # α = 0.05, m = 3: thresholds 0.05/3, 0.05/2, 0.05 for the sorted p-values
    assert holm([0.01, 0.04, 0.03], 0.05).tolist() == [True, False, False]  # 0.03 > 0.025 stops
    assert holm([0.01, 0.02, 0.04], 0.05).tolist() == [True, True, True]
    assert holm([0.02, 0.02, 0.02], 0.05).tolist() == [False, False, False]  # 0.02 > 0.0167
    assert holm([0.0167], 0.05).tolist() == [True]


def test_decide_is_symmetric_and_never_both():
    """Swapping the two p-value families mirrors every point's decision (same level,
    same correction on both sides), and a claim never passes with a failing point."""
    rng = np.random.default_rng(1)
    swap = {"pass": "fail", "fail": "pass", "inconclusive": "inconclusive"}
    for _ in range(300):
        m = int(rng.integers(1, 5))
        a, b = rng.uniform(0, 0.06, m), rng.uniform(0, 0.06, m)
        s1, per1 = decide(a, b, 0.05)
        _, per2 = decide(b, a, 0.05)
        both = holm(a, 0.05) & holm(b, 0.05)  # impossible for real tests, where p_pass + p_fail ≥ 1 − P(tie)
        assert [swap[x] for x, t in zip(per1, both) if not t] == [x for x, t in zip(per2, both) if not t]
        assert not (s1 == "pass" and "fail" in per1)


def test_pass_needs_every_point_fail_needs_one():
    assert decide([0.001, 0.001], [1, 1], 0.05)[0] == "pass"
    assert decide([0.001, 0.3], [1, 1], 0.05)[0] == "inconclusive"
    assert decide([0.001, 1.0], [1, 0.001], 0.05)[0] == "fail"


# --- exact median intervals ------------------------------------------------------------

def test_median_interval_is_the_order_statistic_interval_computed_by_hand():
    x = np.arange(1.0, 21.0)  # n = 20: P(Bin(20, ½) ≤ 5) = 0.0207, ≤ 6: 0.0577
    lo, hi, cover = median_interval(x[::-1], 0.95)
    assert (lo, hi) == (6.0, 15.0)
    assert cover == pytest.approx(1 - 2 * binom.cdf(5, 20, 0.5)) and cover == pytest.approx(0.95861, abs=1e-5)
    lo, hi, cover = median_interval(np.arange(1.0, 9.0), 0.95)  # n = 8: [x_(1), x_(8)], 1 − 2/256
    assert (lo, hi, cover) == (1.0, 8.0, pytest.approx(0.9921875))
    # n = 5: no order statistic reaches 95% (the sample range covers only 93.75%)
    assert median_interval(np.arange(1.0, 6.0), 0.95) == (0.0, math.inf, 1.0)
    # censored seeds are the largest order statistics: an endpoint at ∞ means "not reached"
    assert median_interval(np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, np.inf, np.inf]), 0.95)[1] == math.inf


def test_median_interval_covers_at_its_level():
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(2000):
        lo, hi, _ = median_interval(rng.lognormal(0.0, 1.0, 12), 0.95)
        hits += lo <= 1.0 <= hi  # the lognormal's median is 1
    assert hits / 2000 >= 0.95 - 0.015


# --- reachability at load ------------------------------------------------------------------

def _claim(c):
    return validate_claims([c], labels={"rm", "fast", "slow", "g1", "g2"})[0]


def test_an_ordering_that_can_never_fail_is_refused_with_the_seeds_it_needs():
    why = undecidable(_claim(ORDER), 5, 3)
    assert "with 5 seeds and 3 points this ordering claim can never pass or fail" in why and "use seeds ≥ 6" in why
    assert undecidable(_claim(ORDER), 6, 3) is None
    assert undecidable(_claim(ORDER), 5, 1) is None  # 1/32 ≤ 0.05


def test_ratio_bounded_needs_one_more_seed_to_fail_on_either_side():
    claim = _claim({"kind": "ratio-bounded", "algorithm": "rm", "theorem": "t", "bound": "time", "c_lo": 1, "c_hi": 2})
    why = undecidable(claim, 5, 1)  # p_fail ≥ 2·2⁻⁵ = 0.0625 > 0.05
    assert "can never fail" in why and "use seeds ≥ 6" in why
    assert undecidable(claim, 6, 1) is None


def test_fewer_seeds_than_min_seeds_is_refused():
    assert "min_seeds = 5" in undecidable(_claim(HOLDS), 4, 2)
    assert undecidable(_claim({**HOLDS, "min_seeds": 3}), 4, 2) is None


# --- every kind: a true case passes, a false case fails, at the default seeds --------------

GRID = ["g1", "g2"]


def _optimal_runs():
    runs = []
    for lab, g, k in (("g1", 0.1, 3.0), ("g2", 0.4, 9.0)):
        runs += sweep(lab, lambda e, k=k: k / e**2, seeds=SEEDS, eps=[0.01], params={"gamma": g})
    return runs


CASES = {
    "holds": (HOLDS, lambda: (sweep("rm", lambda e: 5 / e**2, seeds=SEEDS), preds("rm", lambda e: 15 / e**2)),
              lambda: (sweep("rm", lambda e: 5 / e**2, seeds=SEEDS), preds("rm", lambda e: 2.5 / e**2))),
    "scaling": (SCALING, lambda: (sweep("rm", lambda e: 3 / e**2, seeds=SEEDS, noise=0.1), preds("rm", lambda e: 40 / e**2, hidden=True)),
                lambda: (sweep("rm", lambda e: 3 / e**2, seeds=SEEDS, noise=0.1), preds("rm", lambda e: 40 / e, hidden=True))),
    "ratio-bounded": ({"kind": "ratio-bounded", "algorithm": "rm", "theorem": "thm", "bound": "iterations", "c_lo": 1.0, "c_hi": 10.0},
                      lambda: (sweep("rm", lambda e: 3 / e**2, seeds=SEEDS), preds("rm", lambda e: 1 / e**2, hidden=True)),
                      lambda: (sweep("rm", lambda e: 30 / e**2, seeds=SEEDS), preds("rm", lambda e: 1 / e**2, hidden=True))),
    "ordering": (ORDER, lambda: (sweep("fast", lambda e: 3 / e**2, seeds=SEEDS) + sweep("slow", lambda e: 3.6 / e**2, seeds=SEEDS), {}),
                 lambda: (sweep("fast", lambda e: 3.6 / e**2, seeds=SEEDS) + sweep("slow", lambda e: 3 / e**2, seeds=SEEDS), {})),
    "optimal-parameter": ({"kind": "optimal-parameter", "algorithm_grid": GRID, "parameter": "gamma", "factor": 2.0,
                           "reference": "g1", "measure": "iterations"},
                          lambda: (_optimal_runs(), {("g1", point_key({"eps": 0.01})): prediction("thm", 1.0, parameters={"gamma": 0.12})}),
                          lambda: (_optimal_runs(), {("g1", point_key({"eps": 0.01})): prediction("thm", 1.0, parameters={"gamma": 0.45})})),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_every_kind_passes_a_true_case_and_fails_a_false_one(kind):
    claim, true, false = CASES[kind]
    v = one(claim, *true())
    assert v["status"] == "pass", v["reason"]
    v = one(claim, *false())
    assert v["status"] == "fail", v["reason"]
    assert undecidable(validate_claims([claim], labels=None)[0], SEEDS, 4) is None


def test_a_reversed_ordering_fails_at_the_default_seeds():
    runs, _ = CASES["ordering"][1]()
    assert one(ORDER, runs, {})["status"] == "pass"
    assert one({**ORDER, "faster": "slow", "slower": "fast"}, runs, {})["status"] == "fail"


def test_ordering_under_the_null_passes_at_most_alpha_and_detects_a_real_gap():
    """Repetitions over independent seeds: with no difference the claim passes (a false
    pass) in ≤ α of them; with a 1.6× gap it passes in nearly all. 4 points, 8 seeds."""
    null = power = 0
    reps = 150
    for r in range(reps):
        eq = sweep("fast", lambda e: 3 / e**2, seeds=SEEDS, rng_seed=2 * r) + sweep("slow", lambda e: 3 / e**2, seeds=SEEDS, rng_seed=2 * r + 1)
        null += one(ORDER, eq, {})["status"] == "pass"
        gap = sweep("fast", lambda e: 3 / e**2, seeds=SEEDS, noise=0.1, rng_seed=2 * r) + sweep("slow", lambda e: 4.8 / e**2, seeds=SEEDS, noise=0.1, rng_seed=2 * r + 1)
        power += one(ORDER, gap, {})["status"] == "pass"
    assert null / reps <= 0.05
    assert power / reps >= 0.9


# --- errors and divergence in verdicts ----------------------------------------------------

def test_a_claim_with_an_errored_run_is_error_and_keeps_what_the_rest_said():
    runs = sweep("rm", lambda e: 5 / e**2, seeds=SEEDS)
    runs[3] = make_run("rm", runs[3].meta["seed"], runs[3].meta["point"], 1.0, status="error", targets=EPS)
    v = one(HOLDS, runs, preds("rm", lambda e: 15 / e**2))
    assert v["status"] == "error"
    assert "1 run errored" in v["reason"] and "synthetic error" in v["reason"] and "withheld" in v["reason"]


def test_diverged_seeds_never_reach_and_tables_say_so():
    runs = sweep("fast", lambda e: 3 / e**2, seeds=SEEDS, eps=[0.01]) + [
        make_run("slow", s, {"eps": 0.01}, 1.0, status="diverged", targets=[0.01]) for s in range(SEEDS)]
    v = one(ORDER, runs, {})
    assert v["status"] == "pass" and v["points"][0]["wins"] == SEEDS  # a diverged run never gets there
    assert np.isinf(v["points"][0]["slower_values"]).all()
    p = {("slow", point_key({"eps": 0.01})): prediction("thm", 1e4)}
    row = next(x for x in evaluate_claims([], runs, p) if x["kind"] == "tightness" and x["algorithm"] == "slow")
    assert row["points"][0]["observed_note"] == "diverged"


def test_a_censored_median_reads_not_reached_with_its_horizon():
    runs = sweep("rm", lambda e: 1e9, seeds=SEEDS, eps=[0.01], horizon=10**5)
    row = next(x for x in evaluate_claims([], runs, {("rm", point_key({"eps": 0.01})): prediction("thm", 1e4)})
               if x["kind"] == "tightness" and x["measure"] == "iterations")
    assert row["points"][0]["observed_note"] == "not reached by the horizon (≥ 1e+05)"


def test_a_point_met_at_the_start_is_dropped_from_the_fit_with_a_note():
    runs = sweep("rm", lambda e: 3 / e**2, seeds=SEEDS, noise=0.1)
    zero = [make_run("rm", s, {"eps": 1.0}, 0.5, targets=[1.0]) for s in range(SEEDS)]
    for r in zero:  # ε = 1 is met at k = 0
        r.hits["avg_grad_sq"][0] = (0, 0, 0)
    p = {**preds("rm", lambda e: 40 / e**2, hidden=True), ("rm", point_key({"eps": 1.0})): prediction("thm", 40.0, hidden=True)}
    v = one(SCALING, runs + zero, p)
    assert v["status"] == "pass", v["reason"]
    assert "meets ε at the start" in v["reason"] and "eps=1" in v["reason"]


def test_spec_refusal_names_the_claim():
    with pytest.raises(SpecError) as e:
        from ratecheck.plan import validate_check
        from ratecheck.spec import parse_spec

        validate_check(parse_spec({
            "check": {"name": "x", "seeds": 5}, "problem": {"family": "quadratic", "d": 2},
            "asynchrony": {"model": "fixed", "n": 2, "profile": "equal"}, "sweep": {"eps": [0.1, 0.2, 0.3]},
            "algorithms": [{"label": "a", "method": "asgd", "params": {"gamma": 0.1}},
                           {"label": "b", "method": "minibatch-sgd", "params": {"gamma": 0.1}}],
            "claims": [{"kind": "ordering", "faster": "a", "slower": "b"}]}))
    assert e.value.field == "claims[0]" and "use seeds ≥ 6" in str(e.value)
