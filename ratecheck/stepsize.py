"""An algorithm's stepsize schedule in a spec: ``schedule = { decay = 0.5, k0 = 1, ... }``.

The table of ``[[algorithms]]`` that makes the stepsize γ_k = γ · s(k) at server
iteration k (the family and its evaluation: :mod:`ratecheck.engine.stepsize`)::

    schedule = { decay = 0.5, k0 = 1, warmup = 100, milestones = [1000, 5000], factors = [0.1, 0.01] }

Every key is optional (the default is the constant schedule). A plan's fragment carries
the table only when the schedule is not constant (:meth:`StepsizeSchedule.fragment`), so
the run key of every run without one is unchanged.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator

from .errors import SpecError
from .strict import Finite, Strict, first_error


class StepsizeSchedule(Strict):
    """s(k) = min(1, (k+1)/warmup) · (1 + k/k0)^(−decay) · factors[j] (j: the last
    milestone ≤ k); see :mod:`ratecheck.engine.stepsize`."""

    decay: Finite = Field(default=0.0, ge=0, description="p of (1 + k/k0)^(−p): 0 constant, ½ c/√(k+1), 1 c/(k+1)")
    k0: Finite = Field(default=1.0, gt=0, description="the iteration scale of the decay")
    warmup: int = Field(default=0, ge=0, description="linear warm-up over this many iterations (0: none)")
    milestones: list[int] = Field(default=[], description="iterations (strictly increasing, >= 1) where a factor starts")
    factors: list[Finite] = Field(default=[], description="the factor from each milestone on (> 0)")

    @field_validator("milestones")
    @classmethod
    def _milestones(cls, v):
        if any(m < 1 for m in v) or any(b <= a for a, b in zip(v, v[1:])):
            raise ValueError(f"must be strictly increasing integers >= 1, got {v}")
        return v

    @field_validator("factors")
    @classmethod
    def _factors(cls, v, info: ValidationInfo):
        if any(f <= 0 for f in v):
            raise ValueError(f"every factor must be > 0, got {v}")
        milestones = info.data.get("milestones")
        if milestones is not None and len(v) != len(milestones):
            raise ValueError(f"one factor per milestone: {len(milestones)} milestones, {len(v)} factors")
        return v

    def constant(self) -> bool:
        """Whether s ≡ 1: no decay, no warm-up beyond one iteration, every factor 1."""
        return self.decay == 0 and self.warmup <= 1 and all(f == 1 for f in self.factors)

    def fragment(self) -> dict[str, Any] | None:
        """The table a fragment carries: the keys set, or None for the constant schedule."""
        return None if self.constant() else self.model_dump(exclude_defaults=True)


def validated(table: dict, field: str = "schedule") -> StepsizeSchedule:
    """A ``schedule`` table (a fragment's) validated; a :class:`SpecError` names ``field.KEY``."""
    try:
        return StepsizeSchedule.model_validate(table)
    except ValidationError as exc:
        where, message = first_error(table, exc)
        raise SpecError(f"{field}.{where}" if where else field, message) from None
