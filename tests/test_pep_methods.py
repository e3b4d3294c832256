"""Delayed GD in the Gram basis: iterates, effective delays, stepsize rules, delay enumeration."""

import numpy as np
import pytest

from ratecheck.errors import SpecError
from ratecheck.pep.estimate import count_delay_sequences, delay_sequences
from ratecheck.pep.gram import Triplets, interpolation_rows
from ratecheck.pep.methods import DelayedGD, StepRule
from ratecheck.pep.sdp import gram_iterates


def test_constant_delay_iterates_by_hand():
    m = DelayedGD.constant_delay(0.5, 2, 4)
    assert m.effective_delays == (0, 1, 2, 2)
    # x1 = x0 − ½g0, x2 = x1 − ½g0, x3 = x2 − ½g0, x4 = x3 − ½g1  (basis x0−x*, g0..g4)
    expected = np.array([
        [1, 0, 0, 0, 0, 0],
        [1, -0.5, 0, 0, 0, 0],
        [1, -1.0, 0, 0, 0, 0],
        [1, -1.5, 0, 0, 0, 0],
        [1, -1.5, -0.5, 0, 0, 0],
    ])
    np.testing.assert_array_equal(gram_iterates(m), expected)


def test_run_on_a_quadratic_by_hand():
    """f = x²/2, x_0 = 1, γ = 1/2, τ = 1: x1 = 1 − ½·1, x2 = x1 − ½·x0, x3 = x2 − ½·x1."""
    xs, gs = DelayedGD.constant_delay(0.5, 1, 3).run(1.0, lambda x: x)
    assert xs == [1.0, 0.5, 0.0, -0.25] and gs == xs


def test_filtered_rule_drops_steps():
    m = DelayedGD.constant_delay(0.5, 2, 4, StepRule("filtered", threshold=1))
    assert m.stepsizes == (0.5, 0.5, 0.0, 0.0)
    np.testing.assert_array_equal(gram_iterates(m)[-1], [1, -1.0, 0, 0, 0, 0])


def test_adaptive_and_mishchenko_factors():
    adaptive = StepRule("adaptive", c=1.0)
    assert [adaptive.factor(d) for d in range(5)] == [1.0, 1.0, 0.5, 1 / 3, 0.25]
    mish = StepRule("mishchenko", workers=2)
    assert [mish.factor(d) for d in range(5)] == [1.0, 1.0, 1.0, 2 / 3, 0.5]
    assert DelayedGD(1.0, (5, 5, 5), adaptive).stepsizes == (1.0, 1.0, 0.5)  # effective delays 0, 1, 2


def test_delay_enumeration_count():
    seqs = list(delay_sequences(4, 2))
    assert len(seqs) == count_delay_sequences(4, 2) == 1 * 2 * 3 * 3
    assert len(set(seqs)) == len(seqs)
    assert all(d <= min(k, 2) for s in seqs for k, d in enumerate(s))


def test_interpolation_rows_hold_for_a_true_quadratic():
    """f = (λ/2)‖x‖² in R²: every row evaluates to ≤ 0 on its Gram matrix, = 0 when λ ∈ {μ, L}."""
    rng = np.random.default_rng(0)
    for lam, tight in [(0.7, False), (1.0, True), (0.2, True)]:
        X = rng.standard_normal((2, 3))  # three points in R²
        P = np.hstack([X, lam * X])  # basis: x_1..x_3, g_1..g_3
        G = P.T @ P
        F = lam / 2 * (X**2).sum(axis=0)
        d = 6
        xs = np.vstack([np.zeros(d), np.eye(d)[:3]])
        gs = np.vstack([np.zeros(d), np.eye(d)[3:]])
        a_f, a_g = interpolation_rows(Triplets(xs, gs, np.array([-1, 0, 1, 2])), 3, 1.0, 0.2)
        rows = a_f @ F + a_g @ G.ravel()
        assert rows.max() <= 1e-12
        if tight:
            np.testing.assert_allclose(rows, 0, atol=1e-12)
        else:
            assert rows.max() < -1e-3


@pytest.mark.parametrize(
    "build, field",
    [
        (lambda: DelayedGD.constant_delay(0.5, 1, 0), "N"),
        (lambda: DelayedGD.constant_delay(0.5, -1, 3), "tau"),
        (lambda: DelayedGD.constant_delay(0.0, 1, 3), "gamma"),
        (lambda: DelayedGD(-1.0, (0, 1)), "gamma"),
        (lambda: DelayedGD(1.0, (0, -2)), "delays[1]"),
        (lambda: DelayedGD(1.0, ()), "N"),
        (lambda: DelayedGD(1.0, (0, "1")), "delays[1]"),
        (lambda: DelayedGD(1.0, (0, 1.5)), "delays[1]"),
        (lambda: StepRule("sometimes"), "rule"),
        (lambda: StepRule("filtered"), "threshold"),
        (lambda: StepRule("adaptive", c=0.0), "c"),
        (lambda: StepRule("mishchenko", workers=0), "workers"),
    ],
)
def test_bad_input_names_field(build, field):
    with pytest.raises(SpecError) as exc:
        build()
    assert exc.value.field == field
