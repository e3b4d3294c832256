"""Heterogeneous data: where vanilla ASGD and Rescaled ASGD converge, and the two checks.

The instance is the scalar toy of ``problems/heterogeneous-bias.toml``: n = 4 workers,
f_i(x) = ½ (x − c_i)², c = (−2, 0, 0, 2), fixed τ = (1, 2, 3, 4), x0 = −3, no noise. Then
x* = mean(c) = 0 and the frequency-weighted minimiser (weights ∝ 1/τ_i, theory note
fixed-computation.md §6.1) is x_w = (−2 + 2/4) / (1 + 1/2 + 1/3 + 1/4) = −18/25.
"""

import math
from pathlib import Path

import numpy as np
import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.plan import plan
from ratecheck.engine.run import simulate
from ratecheck.problems import make_problem
from ratecheck.spec import load_spec
from ratecheck.verdict.claims import validate_claims

ROOT = Path(__file__).resolve().parents[1]
TOY = {"family": "heterogeneous-quadratic", "n": 4, "d": 1, "eigenvalues": [[1.0]] * 4,
       "centers": [[-2.0], [0.0], [0.0], [2.0]], "sigma2": 0.0, "x0": -3.0}
TAU = {"model": "fixed", "n": 4, "profile": "linear"}
X_W = -18 / 25


def test_weighted_minimiser_by_hand():
    problem = make_problem(TOY)
    assert problem.x_star == pytest.approx([0.0], abs=1e-15)
    assert problem.weighted_minimizer([1, 1 / 2, 1 / 3, 1 / 4]) == pytest.approx([X_W], rel=1e-14)
    assert X_W**2 == pytest.approx(0.5184, rel=1e-14)


def _limits(method):
    """|x| at t = 1000 (the same event for every γ: one schedule, noiseless) for γ = 0.04,
    0.02, 0.01; by then the transient e^{−γ Σ(1/τ_i) t} is below 1e-8."""
    gammas = [0.04, 0.02, 0.01]
    runs = simulate(make_problem(TOY), make_model(TAU), ALGORITHMS.get(method)({"gamma": 0.01}), gammas, 0,
                    max_time=1000.0, force_python=True)
    return np.array([math.sqrt(r.checkpoints["dist_sq"][-1]) for r in runs])


def test_asgd_converges_to_the_frequency_weighted_minimiser():
    """The limit cycle sits an O(γ) distance from x_w: halving γ halves the offset, and the
    Richardson extrapolation 2|x(γ/2)| − |x(γ)| is |x_w| to 1e-3 (offsets 0.078, 0.040, 0.020)."""
    a = _limits("asgd")
    off = abs(X_W) - a
    assert np.all(off > 0)
    assert off[0] / off[1] == pytest.approx(2.0, rel=0.1) and off[1] / off[2] == pytest.approx(2.0, rel=0.1)
    assert 2 * a[2] - a[1] == pytest.approx(abs(X_W), abs=1e-3)


def test_rescaled_asgd_converges_to_x_star():
    """Same instance with stepsizes ∝ τ̂_i: the O(γ) offset is now around x* = 0."""
    r = _limits("rescaled-asgd")
    assert r[0] / r[1] == pytest.approx(2.0, rel=0.1) and r[1] / r[2] == pytest.approx(2.0, rel=0.1)
    assert abs(2 * r[2] - r[1]) < 1e-3
    assert r[2] < 0.05 * abs(X_W)


def test_heterogeneous_bias_spec_plans():
    spec = load_spec(ROOT / "problems" / "heterogeneous-bias.toml")
    validate_claims(spec.claims, [a.label for a in spec.algorithms])
    planned = plan(spec)
    fragments = planned.fragments
    assert len(fragments) == 5 * 1 * 10
    # Ringleader's "theory" γ = min{1/(8nL), εB/(10Lσ²)}, B = max{1, τ_n/(2τ_avg)} = 1: 1/32 at ε = 0.02
    assert {f.params["gamma"] for f in fragments if f.method == "ringleader-asgd"} == {1 / 32}
    ((problem, model),) = planned.instances.values()
    assert problem.weighted_minimizer(1 / model.tau_bounds()) == pytest.approx([X_W], rel=1e-14)
    assert {f.statistic for f in fragments} == {"dist_sq"}


def test_ringmaster_vs_asgd_spec_plans_with_the_cards_R():
    spec = load_spec(ROOT / "problems" / "ringmaster-vs-asgd.toml")
    validate_claims(spec.claims, [a.label for a in spec.algorithms])
    planned = plan(spec)
    # every method is tuned: its grid runs on the 3 tuning seeds at both points first
    assert planned.fragments == [] and len(planned.tuning) == (4 + 3 + 3) * 2 * 3
    assert {f.seed for f in planned.tuning} == {100, 101, 102}
    R = {f.point["eps"]: f.params["R"] for f in planned.tuning if f.method == "ringmaster-asgd"}
    assert R == {0.1: 10, 0.05: 20}  # max{1, ⌈σ²/ε⌉} with σ² = 1
