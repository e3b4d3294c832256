"""Shared numerical checks for the problem families (imported by tests/test_problems_*.py;
the library's own are in ratecheck.testing), and tests of the validation helpers in
ratecheck/problems/_common.py."""

import math

import numpy as np
import pytest

from ratecheck.errors import SpecError
from ratecheck.problems import _common


def fd_hessian(grad, x, h=1e-5):
    """Central finite-difference Hessian from gradient calls only (symmetrised)."""
    d = x.size
    H = np.empty((d, d))
    for j in range(d):
        e = np.zeros(d)
        e[j] = h
        H[:, j] = (grad(x + e) - grad(x - e)) / (2 * h)
    return 0.5 * (H + H.T)


def mc_variance(problem, x, count, rng, part=0):
    """Monte-Carlo E‖g(x;ξ) − ∇f_part(x)‖² and E g − ∇f: (mean, standard error, bias vector)."""
    g_full = problem.grad_part(part, x)
    samples = problem.draw_samples(rng, part, count)
    devs = np.empty((count, problem.d))
    for k in range(count):
        z = rng.standard_normal(problem.noise_dim)
        devs[k] = problem.stochastic_grad(x, part, int(samples[k]), z) - g_full
    sq = np.sum(devs**2, axis=1)
    return sq.mean(), sq.std(ddof=1) / math.sqrt(count), devs.mean(axis=0), devs.std(axis=0, ddof=1) / math.sqrt(count)


def assert_spec_error(build, name):
    """``build()`` raises SpecError whose field names parameter ``name``."""
    with pytest.raises(SpecError) as info:
        build()
    assert info.value.field.split(".")[-1] == name, str(info.value)
    return info.value


# --- tests of the validation helpers -------------------------------------------------

def test_integer_rejects_fractions_bools_and_small_values():
    assert _common.integer("d", 4.0) == 4
    assert _common.integer("d", np.int64(3)) == 3
    for bad in (2.5, True, "3", float("nan"), 0):
        assert_spec_error(lambda: _common.integer("d", bad), "d")


def test_positive_and_real_reject_nan_inf_negative():
    assert _common.positive("s", 0.0, allow_zero=True) == 0.0
    for bad in (float("nan"), float("inf"), -1e-300, 0.0, "x", None, False):
        assert_spec_error(lambda: _common.positive("s", bad), "s")
    assert_spec_error(lambda: _common.real("r", float("-inf")), "r")


def test_vector_broadcasts_scalar_and_checks_length():
    np.testing.assert_array_equal(_common.vector("v", 2, 3), [2.0, 2.0, 2.0])
    assert_spec_error(lambda: _common.vector("v", [1, 2], 3), "v")
    assert_spec_error(lambda: _common.vector("v", [1, float("nan"), 2], 3), "v")
