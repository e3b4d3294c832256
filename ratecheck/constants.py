"""Problem constants with provenance.

Every constant a theorem consumes (L, μ, σ², ζ², Δ, D, …) is a :class:`Constant` that
says how it is known: ``exact`` (closed form or exact linear algebra), ``certified``
(a proven upper bound, e.g. from a spectral norm or a solver's duality gap), or
``estimate`` (Monte Carlo or similar, with a confidence interval). Bounds are only
evaluated with exact or certified constants (DESIGN.md, "Constants are certified").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from .errors import SpecError
from .strict import finite

Provenance = Literal["exact", "certified", "estimate"]
PROVENANCES = ("exact", "certified", "estimate")


@dataclass(frozen=True)
class Constant:
    """A named value with its provenance.

    Parameters
    ----------
    value : float
        The value (for ``certified``: an upper bound, or a lower bound where the
        name says so, e.g. ``mu``).
    provenance : {"exact", "certified", "estimate"}
    ci : (float, float), optional
        Confidence interval, required for ``estimate``.
    note : str
        How it was obtained (e.g. "λ_max(AᵀA)/4m by LAPACK eigvalsh").
    """

    value: float
    provenance: Provenance
    ci: tuple[float, float] | None = None
    note: str = ""

    def __post_init__(self):
        if self.provenance not in PROVENANCES:
            raise ValueError(f"provenance must be one of {PROVENANCES}, got {self.provenance!r}")
        if self.provenance == "estimate" and self.ci is None:
            raise ValueError("an estimate needs a confidence interval")
        if not (isinstance(self.value, (int, float)) and not math.isnan(self.value)):
            raise ValueError(f"constant value must be a number, got {self.value!r}")

    @property
    def certified(self) -> bool:
        """True when the value may be plugged into a bound (exact or certified)."""
        return self.provenance in ("exact", "certified")

    def as_dict(self) -> dict:
        d = {"value": float(self.value), "provenance": self.provenance}
        if self.ci is not None:
            d["ci"] = [float(self.ci[0]), float(self.ci[1])]
        if self.note:
            d["note"] = self.note
        return d


def exact(value: float, note: str = "") -> Constant:
    return Constant(float(value), "exact", note=note)


def certified(value: float, note: str = "") -> Constant:
    return Constant(float(value), "certified", note=note)


def require_positive(field: str, value, *, allow_zero: bool = False) -> float:
    """Validate a user-given constant; raise :class:`SpecError` naming ``field``."""
    v = finite(field, value)
    if v < 0 or (v == 0 and not allow_zero):
        raise SpecError(field, f"must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    return v


@dataclass
class ConstantSet:
    """The constants of a problem instance, keyed by the symbol names cards use."""

    values: dict[str, Constant] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Constant:
        return self.values[key]

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def get(self, key: str, default=None):
        return self.values.get(key, default)

    def numbers(self) -> dict[str, float]:
        return {k: c.value for k, c in self.values.items()}

    def as_dict(self) -> dict[str, dict]:
        return {k: c.as_dict() for k, c in self.values.items()}
