"""The Algorithm contract (DESIGN.md, "Algorithm").

An algorithm is a server rule with explicit state. On the **replay path** it is a
compiled *schedule kernel*: given the event clock (:mod:`ratecheck.engine.clock`) it
decides, event by event, what to do with each arriving gradient (apply, buffer,
discard, with which weight) and which point each worker computes at next, and writes
that decision as ops (:mod:`ratecheck.engine.ops`). It never sees an iterate, so one
schedule serves every stepsize (the recursion replays it for a batch of γ's).

Kernel signature (numba ``@njit(cache=True, _nrt=False)``: no reference counting, so
no allocation inside the kernel; the clock's verbs and the op emitters are inlined
into it)::

    kernel(clock, ops, prog, st, prm, lim, cap) -> status

* ``prog`` — int64 progress counters, see :data:`ITER`, :data:`COMPUTED`, :data:`INIT`,
  :data:`DISCARDED`;
* ``st`` — the algorithm's own state arrays (a tuple built by :meth:`Algorithm.state`);
* ``prm`` — float64 parameter vector from :meth:`Algorithm.kernel_params`;
* ``lim`` — float64 ``[max_iterations, max_time]``;
* ``cap`` — op-buffer capacity; the kernel returns :data:`OPS_FULL` at an event
  boundary when fewer than :meth:`Algorithm.ops_per_event` slots are left,
  :data:`NEED_WORK` when ``clock.low`` is set, and :data:`DONE` at the horizon.

The kernel is re-entrant: all its state lives in ``prog``, ``st`` and the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import SpecError

# progress counters
ITER, COMPUTED, INIT, DISCARDED = 0, 1, 2, 3
N_PROGRESS = 4
# kernel statuses
OPS_FULL, NEED_WORK, DONE = 0, 1, 2


@dataclass(frozen=True)
class Param:
    """A method parameter: ``kind`` is "int" or "float"; ``low`` is an inclusive minimum."""

    kind: str
    low: float
    doc: str
    default: Any = None

    def validate(self, field: str, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SpecError(field, f"must be a number, got {value!r}")
        v = float(value)
        if not np.isfinite(v):
            raise SpecError(field, f"must be finite, got {value!r}")
        if self.kind == "int":
            if v != int(v):
                raise SpecError(field, f"must be an integer, got {value!r}")
            v = int(v)
        if v < self.low or (self.low == 0 and self.kind == "float" and v == 0):
            raise SpecError(field, f"must be {'> 0' if self.low == 0 else f'>= {self.low:g}'}, got {value!r}")
        return v


GAMMA = Param("float", 0.0, "stepsize γ > 0")


@dataclass(frozen=True)
class Fraction(Param):
    """A float in [0, 1] other than the ends listed in ``excluded`` (e.g. a momentum β)."""

    kind: str = "float"
    low: float = 0.0
    doc: str = ""
    default: Any = None
    excluded: tuple = ()

    def validate(self, field: str, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SpecError(field, f"must be a number, got {value!r}")
        v = float(value)
        if not (0.0 <= v <= 1.0) or v in self.excluded:
            raise SpecError(field, f"must be in {'(' if 0.0 in self.excluded else '['}0, 1{')' if 1.0 in self.excluded else ']'}, got {value!r}")
        return v


class Algorithm:
    """Base class: subclasses declare ``parameters``, ``theorem`` and a kernel."""

    registry_name: ClassVar[str] = "?"
    #: parameter name → :class:`Param`; every method has the stepsize ``gamma``.
    parameters: ClassVar[dict[str, Param]] = {"gamma": GAMMA}
    #: the card whose parameter choices ``"theory"`` refers to by default
    theorem: ClassVar[str | None] = None
    #: "replay" (compiled schedule) or "general" (Python event loop)
    path: ClassVar[str] = "replay"
    #: card parameter name → method parameter name, where they differ
    theory_names: ClassVar[dict[str, str]] = {}
    #: what STEP does with the aggregated gradient: one of ``ratecheck.engine.recursion.RULES``
    update: ClassVar[str] = "plain"

    def __init__(self, params: dict[str, Any], field: str = "algorithm"):
        for key in params:
            if key not in self.parameters:
                raise SpecError(f"{field}.params.{key}", f"unknown parameter of {self.registry_name!r} (allowed: {', '.join(self.parameters)})")
        values = {}
        for key, p in self.parameters.items():
            if key in params:
                values[key] = p.validate(f"{field}.params.{key}", params[key])
            elif p.default is not None:
                values[key] = p.default
            elif key != "gamma":
                raise SpecError(f"{field}.params.{key}", f"missing ({p.doc})")
        self.params = values

    # --- replay path ------------------------------------------------------------------
    kernel = None

    def state(self, n: int) -> tuple:
        """The kernel's state arrays for n workers."""
        return (np.zeros(n, np.int64),)

    def state_for(self, model) -> tuple:
        """The state arrays for a run under the compute ``model`` (what the engine calls).
        Override only where the schedule needs what the model knows (FTA's mean times)."""
        return self.state(model.n)

    def kernel_params(self) -> np.ndarray:
        return np.zeros(1)

    def update_params(self) -> np.ndarray:
        """The float parameters of the update rule (e.g. [β]); none for ``plain``."""
        return np.zeros(0)

    def table_rows(self, n: int) -> int:
        """Rows of the gradient table (:mod:`ratecheck.engine.ops`) the kernel writes;
        0 (no table, no memory) unless the method reuses stored gradients."""
        return 0

    def ops_per_event(self, n: int) -> int:
        """Most ops one event can emit (sizes the op buffer)."""
        return n + 4

    def describe(self) -> dict[str, Any]:
        return {"method": self.registry_name, "params": dict(self.params), "path": self.path}
