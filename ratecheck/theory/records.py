"""The records a theorem card is made of: its inputs, formulas, conditions and derivation steps.

Read by :class:`~ratecheck.theory.card.Card` (format: ``proofs/README.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from . import provenance as prov
from . import sources


@dataclass(frozen=True)
class Symbol:
    """An input of a card: its sympy symbol (with the domain's assumptions), meaning and domain."""

    sym: sp.Symbol
    meaning: str
    domain: str = "positive"


@dataclass
class Entry:
    """A parameter or a bound: a named formula with its provenance."""

    name: str
    text: str
    expr: sp.Basic
    provenance: prov.Provenance
    meaning: str = ""
    integer: bool = False
    constants: str = "explicit"
    alias: str = ""
    source: sources.Source | None = None


@dataclass
class Condition:
    text: str
    relation: sp.Basic
    provenance: prov.Provenance
    meaning: str = ""
    source: sources.Source | None = None


@dataclass
class Derivation:
    """A derivation step (checked by :func:`ratecheck.theory.derivations.check`).

    ``kind`` is ``"step"`` for a ``[[derivations]]`` entry and ``"source"`` for the check
    of a formula against its source form (:mod:`ratecheck.theory.sources`). ``imports``
    names formulas of other cards (``{local name: (card id, entry, {their symbol: our
    formula}, {their parameter: our formula})}``), resolved when the step is checked, so
    that a comparison with another card reads that card's formula rather than a copy."""

    name: str
    claim: str
    text: str
    statement: sp.Basic
    method: str
    where: dict[str, sp.Basic]
    set: dict[str, sp.Basic]
    given: sp.Basic | None
    extra_symbols: dict[str, sp.Symbol]
    sample: dict[str, Any]
    kind: str = "step"
    verbatim: bool = False
    samples: int = 0
    imports: dict[str, tuple[str, str, dict[str, sp.Basic], dict[str, sp.Basic]]] = field(default_factory=dict)
