"""Validation, spec plumbing and model statistics shared by the asynchrony models.

Each model declares its parameters once, in the annotated signature of its constructor
(type, range and a one-line description, checked by :func:`ratecheck.strict.validated`,
as the problem families do): nothing is clipped or silently coerced (a float count such
as ``3.5`` is an error, not 3; a string such as ``"1"`` or a boolean is not a number).
The checks that involve several parameters (a list's length against n, …) are code.
Every check raises :class:`~ratecheck.errors.SpecError` naming the parameter;
:class:`SpecModel` prefixes it with the spec field (``asynchrony.tau``) when a model is
built from a spec table.
"""

from __future__ import annotations

import numpy as np

from ..errors import FileError, SpecError

__all__ = ["FileError", "SpecModel", "tau_statistics", "worker_list"]


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


def worker_list(field: str, values: list, n: int | None = None) -> np.ndarray:
    """A per-worker list (its numbers already checked by the model's declaration) as an
    array: non-empty, of length n when n is given."""
    if not values:
        raise SpecError(field, "must be a non-empty list of numbers, got []")
    if n is not None and len(values) != n:
        raise SpecError(field, f"must have n = {n} entries, got {len(values)}")
    return np.array(values, dtype=float)
