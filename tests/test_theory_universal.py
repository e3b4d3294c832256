"""The universal computation model in card formulas: Powers, Blocks/HBlocks, the universal cards.

Hand values: worker 0 has power 1 on [0, 5) and 0 on [5, 10), repeating; worker 1 power
1/2 forever. Blocks of S = 4 gradients (c = 1) from 0: by t = 3 worker 0 has 3 and
worker 1 one → T_1 = 3; from 3: at t = 7 worker 0 has 2 more (3..5), worker 1 2 more
(W: 1.5 → 3.5) → T_2 = 7; from 7: worker 0 is off until 10, at t = 12 it has 2 and
worker 1 2 (W: 3.5 → 6) → T_3 = 12 (card-audit.md §3.2).
"""

import math

import numpy as np
import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.engine.run import simulate
from ratecheck.errors import SpecError
from ratecheck.problems import make_problem
from ratecheck.theory import load_card
from ratecheck.theory.language import TauStats
from ratecheck.theory.powers import Powers

HAND = Powers([[0.0, 5.0], [0.0, 5.0]], [[1.0, 0.0], [0.5, 0.5]], [10.0, 0.0])
INPUTS = {"L": 1.0, "Delta": 2.0, "sigma2": 0.5, "eps": 0.25}


def test_work_and_its_inverse_by_hand():
    np.testing.assert_allclose(HAND.work(12.0), [7.0, 6.0])
    np.testing.assert_allclose(HAND.when(np.array([6.0, 6.0])), [11.0, 12.0])
    np.testing.assert_allclose(HAND.when(np.array([5.0, 0.0])), [5.0, 0.0])  # the end of the on-phase, not 10


def test_blocks_by_hand():
    assert [HAND.blocks(k, 4, 1) for k in (1, 2, 3)] == [3.0, 7.0, 12.0]
    # harmonic mean of the counts ≥ 2 (both ≥ 1 first): from 0, worker 1 has 1 at t = 2, 2 at t = 4,
    # worker 0 has 4 then: HM(4, 2) = 8/3 ≥ 2 at t = 4; at t = 3: (3, 1) → 1.5
    assert HAND.block(0.0, 2, 1, harmonic=True) == 4.0


@pytest.mark.parametrize("tau", [[1.0, 2.0, 3.5, 7.0], [0.3] * 5, [1.0, 1.0, 10.0]])
def test_constant_powers_are_the_fixed_model(tau):
    """v_i ≡ 1/τ_i: each block is Fill(S, c), whatever its start (card-audit.md §3.2)."""
    p, ts = Powers.constant(tau), TauStats(tau)
    for S in (1, 3, 7, 40):
        for c in (1, 4):
            assert p.blocks(5, S, c) == pytest.approx(5 * ts.fill(S, c), rel=1e-12)


def test_cards_need_the_powers():
    card = load_card("ringmaster-asgd-universal")
    ev = card.evaluate(INPUTS, tau=[1.0, 2.0])
    assert "time_varying" not in ev.bounds and "powers" in ev.missing and "time" in ev.bounds
    ev = card.evaluate(INPUTS, powers=Powers.constant([1.0, 2.0]))
    assert "time_varying" in ev.bounds and "time" not in ev.bounds and ev.missing == ["tau"]
    ev = card.evaluate(INPUTS, tau=[1.0, 2.0], powers=Powers.constant([1.0, 2.0]))
    assert ev.bounds["time_varying"] == pytest.approx(ev.bounds["time"], rel=1e-12)
    with pytest.raises(SpecError, match="^powers:"):
        card.evaluate(INPUTS, tau=[1.0, 2.0, 3.0], powers=Powers.constant([1.0, 2.0]))


def test_universal_lower_bounds_reduce_to_the_fixed_model():
    """Constant powers: the universal homogeneous bound is ⌈LΔ/ε⌉·Fill(S, 1) with
    Fill(S, 1) ∈ [½, 1]·min_m H_m(1 + S/m) (card-audit.md §2.4); the heterogeneous one
    has rounds ≥ max{τ_n, τ_avg·max{1, σ²/(nε)}} (§2.1). Both within constants of the
    fixed-model cards."""
    hom, het = load_card("lower-bound-homogeneous-universal"), load_card("lower-bound-heterogeneous-universal")
    fixed_hom, fixed_het = load_card("lower-bound-homogeneous"), load_card("lower-bound-heterogeneous")
    for tau in ([1.0, 2.0, 4.0, 8.0], list(np.arange(1.0, 21.0) ** 2), [0.1] + [1.0] * 9):
        for vals in (INPUTS, {"L": 3.0, "Delta": 5.0, "sigma2": 40.0, "eps": 0.1}):
            p = Powers.constant(tau)
            rounds = math.ceil(vals["L"] * vals["Delta"] / vals["eps"])
            u = hom.evaluate(vals, powers=p).bounds["time"]
            f = fixed_hom.evaluate(vals, tau=tau).bounds["time"]
            assert 0.5 * f <= u / rounds * (vals["L"] * vals["Delta"] / vals["eps"]) <= 2.0 * f
            S = max(1.0, vals["sigma2"] / (len(tau) * vals["eps"]))
            uh = het.evaluate(vals, powers=p).bounds["time"]
            assert uh >= rounds * max(max(tau), np.mean(tau) * S) * (1 - 1e-12)
            fh = fixed_het.evaluate(vals, tau=tau).bounds["time"]
            assert fh / 4 <= uh <= 4 * fh
            assert u <= uh * (1 + 1e-12)  # homogeneous-below, on these instances


SWITCHING = {"model": "universal", "n": 4, "breaks": [[0.0, 3.0]] * 4,
             "rates": [[1.0, 0.1], [0.5, 0.05], [0.25, 0.025], [1.0, 0.1]], "period": 6.0}
RM_INPUTS = {"L": 1.0, "Delta": 1.0, "sigma2": 1.0, "eps": 0.5}


def test_ringmaster_on_time_varying_powers_within_lemma_5_1():
    """Simulate Ringmaster ASGD (the card's R and γ) on powers that switch every 3 s between
    full and a tenth, one worker off half of every period: the card's K updates take at
    most time_varying = T_{⌈K/R⌉}, which is at least the K-th completion (card-audit.md §2.1)."""
    model = make_model({**SWITCHING, "outages": [{"worker": 3, "start": 0.0, "end": 3.0}]})
    card = load_card("ringmaster-asgd-universal")
    ev = card.evaluate(RM_INPUTS, powers=model.rate_table())
    K, R, gamma = int(ev.bounds["iterations"]), int(ev.parameters["R"]), ev.parameters["gamma"]
    assert (R, K) == (2, 8 * 2 * 2 + 16 * 4)
    problem = make_problem({"family": "quadratic", "d": 2, "L": 1.0, "mu": 0.1, "sigma2": 1.0})
    alg = ALGORITHMS.get("ringmaster-asgd")({"gamma": gamma, "R": R})
    observed = [simulate(problem, model, alg, [gamma], seed, max_iter=K)[0].final["time"] for seed in range(3)]
    assert max(observed) <= ev.bounds["time_varying"]
    assert ev.bounds["time_varying"] >= Powers(*model.rate_table()).blocks(1, K, 1)


def test_time_varying_below_the_slowest_constant_powers():
    """With every power positive the model reports τ_i = 1/min_t v_i; more power never
    lengthens a block, so time_varying ≤ the constant-power time at those τ_i."""
    model = make_model(SWITCHING)
    ev = load_card("ringmaster-asgd-universal").evaluate(RM_INPUTS, tau=model.tau_bounds(), powers=model.rate_table())
    np.testing.assert_allclose(model.tau_bounds(), [10.0, 20.0, 40.0, 10.0])
    assert ev.bounds["time_varying"] <= ev.bounds["time"]
    assert ev.bounds["time_varying"] < 0.5 * ev.bounds["time"]  # the full-power half-periods count
