"""The spec-building base class and the cross-parameter checks shared by the problem families.

Each family declares its parameters once, in its constructor's annotated signature
checked by :func:`ratecheck.strict.validated` (types and ranges: nothing is clipped or
silently coerced, a dimension such as ``3.5`` is an error, not 3; a string such as
``"1"`` or a boolean is not a number). What involves several parameters (μ ≤ L, a
vector of length d) is checked here; every check raises
:class:`~ratecheck.errors.SpecError` naming the parameter.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import numpy as np
from pydantic import Field

from ..errors import SpecError
from ..strict import Count, Index, NonNegative, Vector
from .base import Problem

# The parameters several families share, declared once (name, type, range and help text).
Dimension = Annotated[Count, Field(description="dimension")]
Samples = Annotated[Count, Field(description="samples")]
DataSeed = Annotated[Index, Field(description="seed of the data")]
Start = Annotated[Vector, Field(description="start")]
AdditiveVariance = Annotated[NonNegative, Field(description="E‖g − ∇f‖², the same at every point")]


class SpecProblem(Problem):
    """A :class:`Problem` whose constructor errors are reported as ``<field>.<param>``.

    ``example`` is a small spec that ``ratecheck problems`` builds to show the constants.
    """

    example: ClassVar[dict] = {}

    @classmethod
    def from_spec(cls, spec: dict, field: str = "problem") -> Problem:
        try:
            return super().from_spec(spec, field)
        except SpecError as exc:
            if exc.field == field or exc.field.startswith(f"{field}."):
                raise
            raise SpecError(f"{field}.{exc.field}", str(exc)[len(exc.field) + 2 :]) from None


def curvature_range(L, mu, mu_default: float, d: int, one: str) -> tuple[float, float]:
    """L and μ (declared > 0 and ≥ 0; defaults 1 and ``mu_default``) with μ ≤ L; with d = 1 the
    spectrum is one eigenvalue, so μ must equal L (``one`` says which eigenvalue, for the message)."""
    Lv = 1.0 if L is None else L
    muv = mu_default if mu is None else mu
    if muv > Lv:
        raise SpecError("mu", f"must be <= L = {Lv!r}, got {muv!r}")
    if d == 1 and muv != Lv:
        raise SpecError("mu", f"with d = 1 {one} is one eigenvalue: mu must equal L = {Lv!r}, got {muv!r}")
    return Lv, muv


def vector(field: str, value, d: int) -> np.ndarray:
    """A declared :data:`~ratecheck.strict.Vector` as a float array of length ``d``; a number c
    means c·(1, …, 1)."""
    if not isinstance(value, list):
        return np.full(d, float(value))
    v = np.array(value, dtype=float)
    if v.shape != (d,):
        raise SpecError(field, f"must have length d = {d}, got {v.size} numbers")
    return v


def spectral_norm_upper(a: np.ndarray) -> float:
    """A certified upper bound on ‖a‖₂ (largest singular value).

    LAPACK's SVD is backward stable: the computed σ_max is within p(m, d)·ε·‖a‖₂ of the
    exact one for a modest polynomial p (Golub & Van Loan, Matrix Computations, 4th ed.,
    §8.6). We add the guard 10·max(m, d)·ε·‖a‖_F ≥ that error (‖a‖₂ ≤ ‖a‖_F).
    """
    a = np.atleast_2d(np.asarray(a, dtype=float))
    smax = float(np.linalg.svd(a, compute_uv=False)[0])
    return smax + 10 * max(a.shape) * np.finfo(float).eps * float(np.linalg.norm(a))


def eigmin_lower(m: np.ndarray) -> float:
    """A certified lower bound on λ_min of a symmetric matrix (eigvalsh minus the guard
    10·n·ε·‖m‖_F for LAPACK's backward error, as in :func:`spectral_norm_upper`)."""
    m = np.asarray(m, dtype=float)
    return float(np.linalg.eigvalsh(m)[0]) - 10 * m.shape[0] * np.finfo(float).eps * float(np.linalg.norm(m))
