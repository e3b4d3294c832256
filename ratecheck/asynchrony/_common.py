"""Validation, spec plumbing and model statistics shared by the asynchrony models.

Every check raises :class:`~ratecheck.errors.SpecError` naming the parameter; nothing
is clipped or silently coerced (a float count such as ``3.5`` is an error, not 3; a
string such as ``"1"`` or a boolean is not a number). :class:`SpecModel` prefixes the
parameter with the spec field (``asynchrony.tau``) when a model is built from a spec table.
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import require_positive
from ..errors import FileError, SpecError
from ..strict import finite

__all__ = ["FileError", "SpecModel", "tau_statistics", "positive_vector", "choice", "integer", "positive", "real", "seed"]


class SpecModel:
    """Mixin for compute and delay models: field-qualified errors and model statistics."""

    @classmethod
    def from_spec(cls, spec: dict, field: str = "asynchrony"):
        try:
            return super().from_spec(spec, field)
        except SpecError as exc:
            if isinstance(exc, FileError) or exc.field == field or exc.field.startswith(f"{field}."):
                raise
            raise SpecError(f"{field}.{exc.field}", str(exc)[len(exc.field) + 2 :]) from None

    def statistics(self) -> dict:
        """The model's τ statistics that theorems use (see :func:`tau_statistics`)."""
        bounds = self.tau_bounds()
        if bounds is not None:
            return tau_statistics(bounds, basis="tau_bounds")
        means = self.mean_times()
        if means is not None:
            return tau_statistics(means, basis="mean_times")
        return {"basis": None}


def tau_statistics(tau, basis: str) -> dict:
    """τ_min, τ_max, τ_avg = (1/n) Σ τ_i and the harmonic means of the m fastest workers.

    H_m = ( (1/m) Σ_{i≤m} 1/τ_(i) )^{-1} over the sorted τ_(1) ≤ … ≤ τ_(n)
    (Tyurin & Richtárik 2023; Maranjyan et al. 2025, eqs. (1)–(2); theory note
    fixed-computation.md §1). ``basis`` says whether τ are upper bounds (fixed model)
    or mean compute times (random models). An infinite τ_i (an infinite mean) gives
    1/τ_i = 0 in the harmonic means.
    """
    t = np.sort(np.asarray(tau, dtype=float))
    m = np.arange(1, t.size + 1)
    with np.errstate(divide="ignore"):
        H = m / np.cumsum(1.0 / t)
    return {
        "basis": basis,
        "n": int(t.size),
        "tau_min": float(t[0]),
        "tau_max": float(t[-1]),
        "tau_avg": float(t.mean()),
        "H": [float(h) for h in H],
    }


def positive_vector(field: str, value, n: int | None = None) -> np.ndarray:
    """A non-empty list of finite numbers > 0 (of length n when given)."""
    if isinstance(value, (str, bytes, dict)) or np.ndim(value) != 1:
        raise SpecError(field, f"must be a non-empty list of numbers, got {value!r}")
    if len(value) == 0:
        raise SpecError(field, "must be a non-empty list of numbers, got []")
    out = np.array([positive(f"{field}[{i}]", v) for i, v in enumerate(value)], dtype=float)
    if n is not None and out.size != n:
        raise SpecError(field, f"must have n = {n} entries, got {out.size}")
    return out


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


def choice(field: str, value, options) -> str:
    if value not in options:
        raise SpecError(field, f"must be one of {', '.join(map(repr, options))}, got {value!r}")
    return value


def seed(field: str, value) -> int:
    return integer(field, value, minimum=0)
