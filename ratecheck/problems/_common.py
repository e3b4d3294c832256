"""Input validation and the spec-building base class shared by the problem families.

Every check raises :class:`~ratecheck.errors.SpecError` naming the parameter; nothing
is clipped or silently coerced (a float dimension such as ``3.5`` is an error, not 3;
a string such as ``"1"`` or a boolean is not a number).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from ..constants import require_positive
from ..errors import SpecError
from ..strict import finite
from .base import Problem


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


def integer(field: str, value, minimum: int = 1) -> int:
    """An integer ≥ ``minimum`` (integral floats such as ``4.0`` are accepted, ``4.5`` is not)."""
    if isinstance(value, bool):
        raise SpecError(field, f"must be an integer, got {value!r}")
    if isinstance(value, (int, np.integer)):
        v = int(value)
    elif isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        v = int(value)
    else:
        raise SpecError(field, f"must be an integer, got {value!r}")
    if v < minimum:
        raise SpecError(field, f"must be >= {minimum}, got {value!r}")
    return v


def _not_a_number(value) -> bool:
    """True for values a spec must not use as numbers: booleans, strings, bytes."""
    return isinstance(value, (bool, np.bool_, str, bytes))


def real(field: str, value) -> float:
    """A finite real number."""
    if _not_a_number(value):
        raise SpecError(field, f"must be a number, got {value!r}")
    return finite(field, value)


def positive(field: str, value, *, allow_zero: bool = False) -> float:
    """A finite number > 0 (or ≥ 0 with ``allow_zero``)."""
    if _not_a_number(value):
        raise SpecError(field, f"must be a number, got {value!r}")
    return require_positive(field, value, allow_zero=allow_zero)


def curvature_range(L, mu, mu_default: float, d: int, one: str) -> tuple[float, float]:
    """L > 0 and 0 ≤ μ ≤ L (defaults 1 and ``mu_default``); with d = 1 the spectrum is
    one eigenvalue, so μ must equal L (``one`` says which eigenvalue, for the message)."""
    Lv = positive("L", 1.0 if L is None else L)
    muv = positive("mu", mu_default if mu is None else mu, allow_zero=True)
    if muv > Lv:
        raise SpecError("mu", f"must be <= L = {Lv!r}, got {muv!r}")
    if d == 1 and muv != Lv:
        raise SpecError("mu", f"with d = 1 {one} is one eigenvalue: mu must equal L = {Lv!r}, got {muv!r}")
    return Lv, muv


def vector(field: str, value, d: int) -> np.ndarray:
    """A finite float vector of length ``d``; a scalar c means c·(1, …, 1)."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return np.full(d, real(field, value))
    if _not_a_number(value) or any(_not_a_number(v) for v in np.ravel(np.asarray(value, dtype=object))):
        raise SpecError(field, f"must be a number or a list of {d} numbers")
    try:
        v = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(field, f"must be a number or a list of {d} numbers") from None
    if v.shape != (d,):
        raise SpecError(field, f"must have length d = {d}, got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise SpecError(field, "must be finite")
    return v.copy()


def choice(field: str, value, options) -> str:
    if value not in options:
        raise SpecError(field, f"must be one of {', '.join(map(repr, options))}, got {value!r}")
    return value


def flag(field: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise SpecError(field, f"must be true or false, got {value!r}")
    return bool(value)


def seed(field: str, value) -> int:
    return integer(field, value, minimum=0)


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
