"""PEP worst cases against known tight rates, explicit worst functions and monotonicity."""

import numpy as np
import pytest

from ratecheck.pep.estimate import FunctionClass, worst_case, worst_delays
from ratecheck.pep.methods import DelayedGD, StepRule
from ratecheck.pep.references import drori_teboulle, gd_distance


def quadratic_run(method: DelayedGD, lam: float, x0: float = 1.0) -> np.ndarray:
    """Iterates of ``method`` on f(x) = (λ/2)x² (1-D), x* = 0."""
    x = [x0]
    for k, (d, step) in enumerate(zip(method.effective_delays, method.stepsizes)):
        x.append(x[-1] - step * lam * x[k - d])
    return np.array(x)


@pytest.mark.parametrize("N", range(1, 11))
def test_drori_teboulle_tau0(N):
    r = worst_case(DelayedGD.constant_delay(1.0, 0, N))
    assert r.status == "optimal"
    assert r.value == pytest.approx(1.0 / (4 * N + 2), rel=1e-4)
    assert r.dual_value == pytest.approx(1.0 / (4 * N + 2), rel=1e-4)
    assert r.gram_dim == N + 2 and r.n_constraints == (N + 2) * (N + 1) + 1


@pytest.mark.parametrize("gamma", [0.25, 0.6])
def test_drori_teboulle_other_stepsizes_and_constants(gamma):
    L, D, N = 2.0, 3.0, 4
    r = worst_case(DelayedGD.constant_delay(gamma / L, 0, N), FunctionClass(L), D=D)
    assert r.value == pytest.approx(drori_teboulle(N, L, gamma / L, D), rel=1e-4)


@pytest.mark.parametrize("N", [1, 3, 6])
@pytest.mark.parametrize("q", [0.1, 0.5])
def test_strongly_convex_distance_contraction(N, q):
    """γ = 1/L: ‖x_N − x*‖² ≤ (1 − μ/L)^{2N} D², tight on f = (μ/2)‖x‖²."""
    r = worst_case(DelayedGD.constant_delay(1.0, 0, N), FunctionClass(1.0, q), criterion="dist")
    assert r.value == pytest.approx((1 - q) ** (2 * N), rel=1e-4)
    assert gd_distance(N, 1.0, q, 1.0, 1.0) == pytest.approx((1 - q) ** (2 * N))


def test_strongly_convex_distance_long_step():
    """γ = 1.5/L, μ = 0.2L: ρ = max(|1 − 0.3|, |1 − 1.5|) = 0.7."""
    r = worst_case(DelayedGD.constant_delay(1.5, 0, 3), FunctionClass(1.0, 0.2), criterion="dist")
    assert r.value == pytest.approx(0.7 ** 6, rel=1e-4)


def test_gradient_norm_below_smoothness_bound():
    """‖∇f(x)‖² ≤ 2L(f(x) − f*) on L-smooth convex f, so W_grad ≤ 2L·W_fgap; strict for N ≥ 1."""
    for N in (1, 4):
        m = DelayedGD.constant_delay(1.0, 0, N)
        g = worst_case(m, criterion="gradnorm").value
        f = worst_case(m, criterion="fgap").value
        assert 0 < g < 2 * f * (1 - 1e-3)


@pytest.mark.parametrize(
    "method",
    [
        DelayedGD.constant_delay(1.0, 2, 7),
        DelayedGD.constant_delay(0.5, 3, 6),
        DelayedGD(0.8, (0, 1, 0, 2, 1)),
        DelayedGD(0.9, (0, 3, 3, 3, 3), StepRule("filtered", threshold=1)),
        DelayedGD(0.9, (0, 2, 2, 2), StepRule("adaptive", c=1.0)),
        DelayedGD(0.9, (0, 1, 2, 3), StepRule("mishchenko", workers=2)),
    ],
)
@pytest.mark.parametrize("criterion", ["fgap", "gradnorm", "minfgap", "dist"])
def test_pep_dominates_every_quadratic(method, criterion):
    """The worst case is at least the value of any function of the class: f = (λ/2)x², λ ∈ [0, L]."""
    r = worst_case(method, criterion=criterion)
    assert r.status == "optimal"
    best = 0.0
    for lam in np.linspace(0.0, 1.0, 201):
        x = quadratic_run(method, lam)
        val = {"fgap": lam / 2 * x[-1] ** 2, "gradnorm": (lam * x[-1]) ** 2,
               "minfgap": (lam / 2 * x**2).min(), "dist": x[-1] ** 2}[criterion]
        best = max(best, val)
    assert r.value >= best * (1 - 1e-6) - 1e-9


def test_worst_case_increases_with_tau_small_stepsize():
    """γ = 1/(2L): nondecreasing in τ ≤ 4 at N ∈ {2, 4, 6, 8} (empirical), strictly at N = 8."""
    values = np.array([[worst_case(DelayedGD.constant_delay(0.5, tau, N)).value for tau in range(5)]
                       for N in (2, 4, 6, 8)])
    assert np.all(np.diff(values, axis=1) >= -1e-6 * values[:, 1:])
    assert values[-1, 4] > 10 * values[-1, 0]


def test_worst_case_not_monotone_in_tau_at_step_one_over_L():
    """γ = 1/L, N = 7: τ = 2 reaches 4.5 on f = x²/2 (hand computation: x_7 = 3), τ = 3 stays below 1."""
    m2, m3 = DelayedGD.constant_delay(1.0, 2, 7), DelayedGD.constant_delay(1.0, 3, 7)
    assert quadratic_run(m2, 1.0)[-1] == 3.0
    assert worst_case(m2).value >= 4.5 - 1e-6
    r3 = worst_case(m3)
    assert r3.status == "optimal" and r3.dual_value < 1.0


def test_worst_delay_monotone_in_bound_and_dominates_constant_delay():
    """Sequences with δ ≤ τ_max include those with δ ≤ τ_max − 1 and the constant sequence."""
    N, gamma = 4, 0.5
    results = [worst_delays(gamma, N, t) for t in range(3)]
    assert [r.n_sequences for r in results] == [1, 8, 18]
    for r in results:
        assert r.status == "optimal" and not r.failed
    values = [r.value for r in results]
    assert values[0] <= values[1] * (1 + 1e-6) and values[1] <= values[2] * (1 + 1e-6)
    assert values[0] == pytest.approx(1 / (4 * N * gamma + 2), rel=1e-4)
    const = worst_case(DelayedGD.constant_delay(gamma, 2, N)).value
    assert values[2] >= const * (1 - 1e-6)
    assert len(results[2].worst_delays) == N and max(results[2].worst_delays) <= 2


@pytest.mark.slow
@pytest.mark.parametrize("tau", range(6))
def test_n20_solves_within_a_minute(tau):
    """N = 20, τ ≤ 5: each solve (fallback included) under 60 s; with γ = 1/(L(τ+1)) every one is
    optimal and equals Drori–Teboulle at that γ (the Huber worst case ignores the delay)."""
    stable = worst_case(DelayedGD.constant_delay(1.0 / (tau + 1), tau, 20))
    assert stable.status == "optimal" and stable.solve_time < 60
    assert stable.value == pytest.approx(drori_teboulle(20, 1.0, 1.0 / (tau + 1), 1.0), rel=1e-4)
    assert worst_case(DelayedGD.constant_delay(1.0, tau, 20)).solve_time < 60
