"""Domain checks of a card's inputs and results: nothing meaningless is printed or run.

A card's formulas are written for positive quantities (parameters are positive
symbols, integer where the card marks them ``integer``, e.g. Ringmaster's R ∈ {1, 2, …}),
and evaluating them in floating point can still give nonsense at extreme inputs
(γ = 1/(2RL) underflows to 0 at L = 1e300; K overflows to ∞ at ε = 1e-300). So:

* :func:`check_parameters` — a parameter given as an input (``--set R=…``, an explicit
  spec parameter) must be finite and > 0, and an integer where the card says so;
* :func:`check_evaluation` — every parameter and bound a card evaluates to must be
  finite and > 0 (≥ 0 where sympy proves its formula may be 0, e.g. a delay bound
  2n − 2 at n = 1); otherwise the error names the quantity and the inputs.

Both raise :class:`~ratecheck.errors.SpecError` (exit code 2, one line).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..errors import SpecError


def _g(v: float) -> str:
    return f"{v:.6g}"


def check_parameters(card, values: dict, field: str = "") -> None:
    """Card parameters among ``values`` (by name or alias) are finite, > 0 and integral
    where the card marks them ``integer``; errors name ``field`` + the name."""
    for name, v in values.items():
        entry = card.parameters.get(card.aliases.get(name, name))
        if entry is None or isinstance(v, str):
            continue
        what = "a positive integer" if entry.integer else "a finite number > 0"
        x = float(v)
        if not (math.isfinite(x) and x > 0) or (entry.integer and x != round(x)):
            raise SpecError(f"{field}{name}", f"must be {what} (parameter {entry.name} of card {card.id!r}), got {_g(x)}")


@lru_cache(maxsize=256)
def _may_be_zero(card, name: str) -> bool:
    """Whether the formula of ``name`` is provably ≥ 0 but not provably > 0 (sympy)."""
    expr = card.expression(card.aliases.get(name, name))
    return bool(expr.is_nonnegative) and not expr.is_positive


def check_evaluation(evaluation, field: str = "") -> None:
    """Every parameter and bound of ``evaluation`` is finite and > 0 (or 0 where
    :func:`_may_be_zero`), else a SpecError naming it and the inputs it was evaluated at."""
    card = evaluation.card
    for kind, values in (("parameter", evaluation.parameters), ("bound", evaluation.bounds)):
        for name, v in values.items():
            if np.ndim(v) or (math.isfinite(v) and (v > 0 or (v == 0 and _may_be_zero(card, name)))):
                continue
            at = ", ".join(f"{k} = {_g(x)}" for k, x in evaluation.inputs.items())
            raise SpecError(f"{field}{name}", f"card {card.id!r} gives {kind} {name} = {_g(v)} at {at}; it must be "
                                              "finite and > 0 (the inputs lie outside the range its formulas can be "
                                              "evaluated in)")
