"""The Algorithm contract (DESIGN.md, "Algorithm").

An algorithm is a server rule with explicit state. On the **replay path** it is a
schedule: given the event clock (:mod:`ratecheck.engine.clock`) it decides, event by
event, what to do with each arriving gradient (apply, buffer, discard, with which
weight) and which point each worker computes at next, and writes that decision as ops
(:mod:`ratecheck.engine.ops`). It never sees an iterate, so one schedule serves every
stepsize (the recursion replays it for a batch of γ's).

The event loop is the engine's (:mod:`ratecheck.engine.loop`); a method supplies its
hooks, compiled ``@njit(cache=True, _nrt=False, inline="always")`` functions (no
reference counting, so no allocation; the clock's verbs and the op emitters are
inlined into them):

* ``on_arrival(c, ops, prog, st, prm, t, w)`` — required: what the method does with
  worker w's gradient arriving at time t, and where w (or any worker) goes next;
* ``on_start(c, ops, prog, st, prm)`` — which workers start at x⁰ (default: all);
* ``resume(c, ops, prog, st, prm, cap)`` — work left over from an earlier event
  (default: none);

with ``prog`` the engine's progress counters (:mod:`ratecheck.engine.status`), ``st``
the named state arrays of :meth:`Algorithm.state` and ``prm`` the named, typed
parameters of :meth:`Algorithm.kernel_params`. :meth:`Algorithm.ops_per_event` is the
one declaration of how many ops one arrival may emit: the loop keeps that many slots
free before each event, and its checked build (the tests') fails an event that emits
more.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..engine.loop import no_resume, start_every_worker
from ..errors import SpecError

#: state of the methods that only remember when each worker got its point
Dispatch = namedtuple("Dispatch", "disp")
#: kernel parameters of a method whose schedule has none
NoParams = namedtuple("NoParams", "")


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
    """Base class: subclasses declare ``parameters``, ``example``, ``theorem`` and hooks."""

    registry_name: ClassVar[str] = "?"
    #: parameter name → :class:`Param`. Every method has the stepsize ``gamma``: a
    #: subclass declares only its own parameters and gets ``gamma`` first.
    parameters: ClassVar[dict[str, Param]] = {"gamma": GAMMA}
    #: parameters (other than gamma) of a small example run: the conformance suite's
    example: ClassVar[dict[str, Any]] = {}
    #: False for a method that treats workers by label (relabelling changes the run)
    permutation_invariant: ClassVar[bool] = True
    #: the card whose parameter choices ``"theory"`` refers to by default
    theorem: ClassVar[str | None] = None
    #: what STEP does with the aggregated gradient: one of ``ratecheck.engine.recursion.RULES``
    update: ClassVar[str] = "plain"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.parameters = {"gamma": GAMMA, **cls.parameters}

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
    on_start = staticmethod(start_every_worker)
    on_arrival = None
    resume = staticmethod(no_resume)

    def state(self, n: int) -> tuple:
        """The hooks' named state arrays for n workers (a namedtuple)."""
        return Dispatch(np.zeros(n, np.int64))

    def state_for(self, model) -> tuple:
        """The state arrays for a run under the compute ``model`` (what the engine calls).
        Override only where the schedule needs what the model knows (FTA's mean times)."""
        return self.state(model.n)

    def kernel_params(self) -> tuple:
        """The hooks' parameters, a namedtuple of Python ints, floats and bools."""
        return NoParams()

    def update_params(self) -> np.ndarray:
        """The float parameters of the update rule (e.g. [β]); none for ``plain``."""
        return np.zeros(0)

    def table_rows(self, n: int) -> int:
        """Rows of the gradient table (:mod:`ratecheck.engine.ops`) the kernel writes;
        0 (no table, no memory) unless the method reuses stored gradients."""
        return 0

    def ops_per_event(self, n: int) -> int:
        """Most ops one arrival can emit (the loop's room per event; sizes the op buffer).
        The default is an arrival that is applied at once: GRAD, STEP, ASSIGN."""
        return 3
