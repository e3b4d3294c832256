"""Shared numerical checks for the problem families (imported by tests/test_problems_*.py;
the library's own are in ratecheck.testing), and tests of the parameter declarations the
families share (ratecheck.strict's types checked by ``validated``, ratecheck/problems/_common.py)."""

import math
import re
from typing import Annotated

import numpy as np
import pytest
from pydantic import Field

from ratecheck.errors import SpecError
from ratecheck.problems import _common
from ratecheck.strict import Count, Finite, Index, NonNegative, Positive, Vector, declared, validated


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
    """``build()`` raises SpecError whose field names parameter ``name`` (or an entry of it,
    ``name[1]``)."""
    with pytest.raises(SpecError) as info:
        build()
    assert re.sub(r"(\[\d+\])+$", "", info.value.field.split(".")[-1]) == name, str(info.value)
    return info.value


# --- the shared parameter types, checked by ``validated`` ------------------------------

@validated
def declare(
    d: Annotated[Count, Field(description="a count")] = 1,
    seed: Index = 0,
    s: Annotated[Positive, Field(description="a scale")] = 1.0,
    z: NonNegative = 0.0,
    r: Finite = 0.0,
    v: Vector = 0.0,
    flag: bool = False,
):
    return dict(d=d, seed=seed, s=s, z=z, r=r, v=v, flag=flag)


def test_integers_accept_integral_floats_and_reject_fractions_bools_and_small_values():
    assert declare(d=4.0)["d"] == 4 and type(declare(d=4.0)["d"]) is int
    assert declare(np.int64(3))["d"] == 3 and declare(seed=0.0)["seed"] == 0
    for bad in (2.5, True, "3", float("nan"), float("inf"), 0, -2):
        assert_spec_error(lambda: declare(d=bad), "d")
    assert_spec_error(lambda: declare(seed=-1), "seed")


def test_numbers_reject_nan_inf_out_of_range_strings_and_bools():
    assert declare(z=0.0)["z"] == 0.0 and declare(s=np.float64(2.5))["s"] == 2.5
    for bad in (float("nan"), float("inf"), -1e-300, 0.0, "x", None, False):
        assert_spec_error(lambda: declare(s=bad), "s")
    assert_spec_error(lambda: declare(z=-1.0), "z")
    assert_spec_error(lambda: declare(r=float("-inf")), "r")
    assert_spec_error(lambda: declare(flag=1), "flag")
    assert declare(flag=np.bool_(True))["flag"] is True


def test_errors_name_the_parameter_and_the_entry():
    assert str(assert_spec_error(lambda: declare(v=[1, "a"]), "v")).startswith("v[1]: must be a valid number")
    assert str(assert_spec_error(lambda: declare(2.5), "d")) == "d: must be a valid integer, got 2.5"
    assert str(assert_spec_error(lambda: declare(colour=1), "colour")) == (
        "colour: unknown parameter (allowed: d, seed, s, z, r, v, flag)")


def test_numpy_values_and_tuples_read_as_the_numbers_and_lists_of_a_spec():
    out = declare(np.int64(3), np.int64(0), np.float64(2.0), 0.0, 0.0, np.array([1.0, 2.0]), np.bool_(True))
    assert out == dict(d=3, seed=0, s=2.0, z=0.0, r=0.0, v=[1.0, 2.0], flag=True) and type(out["d"]) is int
    assert declare(v=(1, np.float64(2.0)))["v"] == [1.0, 2.0]


def test_declarations_are_read_back():
    p = declared(declare)
    assert list(p) == ["d", "seed", "s", "z", "r", "v", "flag"]
    assert p["s"] == {"schema": {"type": "number", "exclusiveMinimum": 0}, "default": 1.0, "required": False,
                      "description": "a scale"}
    assert p["d"]["schema"] == {"type": "integer", "minimum": 1} and p["d"]["description"] == "a count"


def test_vector_broadcasts_a_number_and_checks_the_length():
    np.testing.assert_array_equal(_common.vector("v", 2.0, 3), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(_common.vector("v", [1.0, 2.0, 3.0], 3), [1.0, 2.0, 3.0])
    assert str(assert_spec_error(lambda: _common.vector("v", [1.0, 2.0], 3), "v")) == (
        "v: must have length d = 3, got 2 numbers")
