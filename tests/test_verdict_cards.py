"""What a verdict takes from the card evaluation: the average's range, estimated constants,
violated conditions. Every expected number is computed by hand in the comments."""

import math

import numpy as np
import pytest

from ratecheck.engine.trace import STATISTICS, RunResult
from ratecheck.verdict import evaluate_claims, point_key
from ratecheck.verdict.complexity import seed_values, value_at
from test_verdict_claims import HOLDS, one, preds, sweep
from test_verdict_synthetic import prediction

# ‖∇f(x_k)‖² = 4, 2, 0, 0, 0, 0 → the trace's A_k = (1/(k+1)) Σ_{j≤k} = 4, 3, 2, 1.5, 1.2, 1.
GSQ = [4.0, 2.0, 0.0, 0.0, 0.0, 0.0]
AVG = [4.0, 3.0, 2.0, 1.5, 1.2, 1.0]
TIME = [0.0, 1.0, 3.0, 6.0, 10.0, 15.0]  # virtual time of iteration k
EPS = 1.5  # A_k ≤ 1.5 first at k = 3 (time 6); the card's S_K = A_{K−1} ≤ 1.5 first at K = 4 (time 10)


def hand_run(seed, iterations=(0, 1, 2, 3, 4, 5)):
    idx = list(iterations)
    cps = {"event": np.array(idx, float), "iteration": np.array(idx, float), "time": np.array([TIME[k] for k in idx]),
           "computed": np.array(idx, float), "applied": np.array(idx, float), "max_delay": np.zeros(len(idx))}
    for s in STATISTICS:
        cps[s] = np.array([AVG[k] for k in idx]) if s == "avg_grad_sq" else np.array([GSQ[k] for k in idx])
    hits = {s: np.array([[3.0, 6.0, 3.0]]) for s in STATISTICS}
    return RunResult(meta={"algorithm": "rennala", "seed": seed, "point": {"eps": EPS}, "theorem": "thm", "statistic": "avg_grad_sq",
                           "params": {"gamma": 0.1}},
                     checkpoints=cps, targets=np.array([EPS]), hits=hits, delay_counts=np.array([1]),
                     final={"iteration": 5.0, "time": 15.0, "computed": 5.0})


def card_pred(statistic_range, bound=4.0):
    p = prediction("thm", bound, time=10.0)
    p.update(statistic="avg_grad_sq", statistic_range=statistic_range)
    return {("rennala", point_key({"eps": EPS})): p}


HOLDS_R = {"kind": "holds", "algorithm": "rennala", "theorem": "thm", "bound": "iterations"}


def test_first_hit_of_a_0_to_K_minus_1_average_is_one_iteration_later():
    runs = [hand_run(0)]
    assert seed_values(runs, "avg_grad_sq", EPS, "iterations")[1].tolist() == [3.0]
    assert seed_values(runs, "avg_grad_sq", EPS, "iterations", shift=1)[1].tolist() == [4.0]
    assert seed_values(runs, "avg_grad_sq", EPS, "time", shift=1)[1].tolist() == [10.0]  # iteration 4 is a checkpoint
    # iteration 4 not on the grid: the hit's own time is kept (early by < one iteration)
    sparse = [hand_run(0, iterations=(0, 1, 2, 3, 5))]
    assert seed_values(sparse, "avg_grad_sq", EPS, "time", shift=1)[1].tolist() == [6.0]


def test_value_at_a_checkpoint_is_the_cards_own_average():
    r = hand_run(0)
    # at k = 4: S_4 = (5·A_4 − ‖∇f(x_4)‖²)/4 = (6 − 0)/4 = 1.5 = A_3; the trace's A_4 is 1.2
    assert value_at(r, "avg_grad_sq", "iterations", 4.0, shift=1) == (1.5, 4.0, "ok")
    assert value_at(r, "avg_grad_sq", "iterations", 4.0) == (1.2, 4.0, "ok")
    # at k = 2: S_2 = (3·2 − 0)/2 = 3 = (4 + 2)/2
    assert value_at(r, "avg_grad_sq", "iterations", 2.0, shift=1)[0] == 3.0


def test_holds_counts_like_the_card():
    runs = [hand_run(s) for s in range(5)]
    late = one(HOLDS_R, runs, card_pred("0..K-1"))
    early = one(HOLDS_R, runs, card_pred("0..K"))
    assert late["observed"] == 4.0 and late["ratio"] == 1.0
    assert early["observed"] == 3.0 and early["ratio"] == 0.75
    assert late["points"][0]["mean_at_bound"] == 1.5 and early["points"][0]["mean_at_bound"] == 1.2
    assert late["status"] == early["status"] == "pass"  # 1.5 ≤ ε and 1.2 ≤ ε at every seed
    # a claim on another statistic than the card's is not shifted
    other = one({**HOLDS_R, "statistic": "grad_sq"}, runs, card_pred("0..K-1"))
    assert other["observed"] == 3.0
    # tightness: bound / observed = 4/4 with the card's count, 10/10 in time
    tight = [v for v in evaluate_claims([], runs, card_pred("0..K-1")) if v["kind"] == "tightness"]
    assert [(v["measure"], v["ratio"]) for v in tight] == [("iterations", 1.0), ("time", 1.0)]


# --- estimated constants ---------------------------------------------------------------

def with_estimate(p, lo_factor, hi_factor):
    for v in p.values():
        b = v["bounds"]["iterations"]
        v.update(estimates={"sigma2": {"value": 1.0, "ci": [0.8, 1.3]}}, estimated={"iterations": ["sigma2"]},
                 bound_ranges={"iterations": [b * lo_factor, b * hi_factor]})
    return p


def test_holds_at_an_estimate_passes_only_when_the_whole_ci_agrees():
    runs = sweep("rm", lambda e: 5 / e**2)  # the statistic is ≈ (5/ε)/k, first ≤ ε at k ≈ 5/ε²
    plain = one(HOLDS, runs, preds("rm", lambda e: 15 / e**2))
    assert plain["status"] == "pass" and "estimate" not in plain["reason"]
    robust = one(HOLDS, runs, with_estimate(preds("rm", lambda e: 15 / e**2), 0.8, 1.3))
    assert robust["status"] == "pass"
    assert "estimated constant, sigma2 = 1 (CI [0.8, 1.3])" in robust["reason"] and "same over its CI" in robust["reason"]
    at = {q["point"]["eps"]: q for q in robust["points"]}
    assert at[0.1]["bound_range"] == pytest.approx([12 / 0.1**2, 19.5 / 0.1**2])
    # low end 15/ε²·0.2 = 3/ε² < 5/ε²: the statistic there is ≈ (5/3)ε > ε, so the decision changes within the CI
    fragile = one(HOLDS, runs, with_estimate(preds("rm", lambda e: 15 / e**2), 0.2, 1.3))
    assert fragile["status"] == "inconclusive"
    assert "depends on that constant" in fragile["reason"] and "changes within its CI" in fragile["reason"]
    assert fragile["points"][0]["statuses_over_range"] == ["fail", "pass", "pass"]


def test_ratio_band_is_narrowed_to_pass_and_widened_to_fail_over_the_estimates_ci():
    """True bound B' ∈ [B/2, 2B] → ratio to it in [r/2, 2r]: a pass must hold for all of
    them (band narrowed), and so must a fail (band widened)."""
    runs = sweep("rm", lambda e: 5 / e**2)  # ratio ≈ 1/3
    inside = {"kind": "ratio-bounded", "algorithm": "rm", "theorem": "thm", "bound": "iterations", "c_lo": 0.1, "c_hi": 0.5}
    assert one(inside, runs, preds("rm", lambda e: 15 / e**2))["status"] == "pass"
    wide = one(inside, runs, with_estimate(preds("rm", lambda e: 15 / e**2), 0.5, 2.0))
    assert wide["status"] == "inconclusive"  # r·2 ≈ 0.67 may exceed 0.5
    assert "estimated constant" in wide["reason"] and "narrowed to pass" in wide["reason"]
    below = {**inside, "c_lo": 0.01, "c_hi": 0.1}
    assert one(below, runs, preds("rm", lambda e: 15 / e**2))["status"] == "fail"
    assert one(below, runs, with_estimate(preds("rm", lambda e: 15 / e**2), 0.5, 2.0))["status"] == "fail"  # r/2 > 0.1
    assert one(below, runs, with_estimate(preds("rm", lambda e: 15 / e**2), 0.2, 5.0))["status"] == "inconclusive"  # r/5 < 0.1
    for p, w in zip(one(inside, runs, preds("rm", lambda e: 15 / e**2))["points"], wide["points"]):
        assert w["ratio"] == p["ratio"] and w["ratio_ci"] == p["ratio_ci"]


# --- parameters outside the card's conditions ------------------------------------------

def test_violating_runs_are_flagged_and_never_compared_with_the_bound():
    runs = sweep("rm", lambda e: 5 / e**2) + sweep("asgd", lambda e: 15 / e**2, rng_seed=4)
    p = preds("rm", lambda e: 15 / e**2)
    bad = point_key({"eps": 0.01})
    p[("rm", bad)]["violations"] = ["gamma = 0.5 > 1/(2*L*R) = 0.25"]
    holds, order = evaluate_claims([HOLDS, {"kind": "ordering", "faster": "rm", "slower": "asgd"}], runs, p)[:2]
    na = [q for q in holds["points"] if q["status"] == "not-applicable"]
    assert [q["point"] for q in na] == [{"eps": 0.01}]
    assert na[0]["reason"] == "rm ran with gamma = 0.5 > 1/(2*L*R) = 0.25, violating a condition of card thm"
    assert holds["status"] == "pass" and "does not apply at 1 point" in holds["reason"]  # the 3 other points pass
    assert holds["violations"] == [{"algorithm": "rm", "point": {"eps": 0.01}, "theorem": "thm", "violation": na[0]["reason"]}]
    assert order["status"] == "pass" and "flagged: rm ran with gamma = 0.5" in order["reason"]
    tight = next(v for v in evaluate_claims([], runs, p) if v["kind"] == "tightness")
    assert {"eps": 0.01} not in [q["point"] for q in tight["points"]] and "left out at 1 point" in tight["reason"]


def test_a_card_whose_assumptions_are_not_declared_is_not_applicable():
    runs = sweep("rm", lambda e: 5 / e**2)
    p = preds("rm", lambda e: 15 / e**2)
    for v in p.values():
        v["not_applicable"] = ["heterogeneous"]
    v = one(HOLDS, runs, p)
    assert v["status"] == "not-applicable" and "do not declare heterogeneous" in v["reason"]
    assert not [r for r in evaluate_claims([], runs, p) if r["kind"] == "tightness"]
    assert math.isfinite(p[("rm", point_key({"eps": 0.1}))]["bounds"]["iterations"])
