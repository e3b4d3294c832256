"""The homogeneity law of ratecheck.pep.estimate against SDPs posed directly in the original units."""

import pytest

from ratecheck.pep.estimate import FunctionClass, scale_factor, worst_case
from ratecheck.pep.methods import DelayedGD, StepRule
from ratecheck.pep.backends import pep_problem


def test_scale_factors_by_hand():
    L, D2, Delta = 3.0, 4.0, 5.0
    assert scale_factor("fgap", "dist", L, D2) == 12.0  # L D²
    assert scale_factor("minfgap", "dist", L, D2) == 12.0
    assert scale_factor("gradnorm", "dist", L, D2) == 36.0  # L² D²
    assert scale_factor("avggradnorm", "dist", L, D2) == 36.0
    assert scale_factor("dist", "dist", L, D2) == 4.0  # D²
    assert scale_factor("fgap", "fgap", L, Delta) == 5.0  # Δ
    assert scale_factor("gradnorm", "fgap", L, Delta) == 15.0  # L Δ
    assert scale_factor("dist", "fgap", L, Delta) == pytest.approx(5.0 / 3.0)  # Δ / L


@pytest.mark.parametrize("criterion", ["fgap", "gradnorm", "avggradnorm", "minfgap", "dist"])
@pytest.mark.parametrize("initial", ["dist", "fgap"])
def test_scaled_value_equals_direct_sdp(criterion, initial):
    L, mu, D, Delta = 3.0, 0.6, 2.0, 5.0
    method = DelayedGD(0.2, (0, 1, 1, 2), StepRule("adaptive", c=1.0))  # γL = 0.6
    scaled = worst_case(method, FunctionClass(L, mu), criterion, initial, D=D, Delta=Delta)
    bound = D * D if initial == "dist" else Delta
    direct = pep_problem(method, L, mu, criterion, initial, bound).solve()
    assert scaled.status == direct.status == "optimal"
    assert scaled.value == pytest.approx(direct.value, rel=1e-5)
    assert scaled.normalized_value * scaled.scale == pytest.approx(scaled.value)


def test_stepsize_scales_with_one_over_L():
    """Same γL, different L: values differ exactly by the factor L (fgap, D = 1)."""
    a = worst_case(DelayedGD.constant_delay(0.5, 1, 5), FunctionClass(1.0)).value
    b = worst_case(DelayedGD.constant_delay(0.05, 1, 5), FunctionClass(10.0)).value
    assert b == pytest.approx(10 * a, rel=1e-6)
