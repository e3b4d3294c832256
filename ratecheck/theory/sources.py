"""Source forms: each formula a card evaluates, beside the formula as its source states it.

A parameter, a bound or a condition of a card may carry a ``source`` table::

    [bounds.iterations.source]
    formula = "8*R*L*Delta/eps + 16*sigma2*L*Delta/eps**2"   # as the paper writes it
    ref = "Theorem 1: K ≥ 8RLΔ/ε + 16σ²LΔ/ε²"               # theorem / equation number
    provenance = "verified [P] fixed-computation.md §3.3"
    relation = ">="                                           # the card's formula vs the source's
    within = "source + 1"                                     # the matching other side

The source's formula is transcribed once, in the source's own notation (τ_H as
``(Rate(n)/n)**(-1)``, a product left unexpanded…), over the card's names. The card is
checked against it by a derivation that :mod:`ratecheck.theory.derivations` runs like
any other:

* ``relation = "="`` (the default): the card's formula equals the source's for every
  input and every τ;
* ``">="`` / ``"<="``: the card deliberately rounds or simplifies. Then both sides are
  checked: the direction (card ≥ source, resp. ≤) *and* the matching bound on the other
  side, ``within`` (card ≤ within, resp. ≥), a formula that may use ``source``. A
  ceiling is ``relation = ">="``, ``within = "source + 1"``.

A condition's source is a relation in the source's arrangement (``relation =
"gamma*n <= 1/(4*L)"`` for the card's ``gamma <= 1/(4*L*n)``), with the same comparison;
the check is that the two define the same set: the card's ``rhs − lhs`` is a positive
multiple k of the source's (k found by sympy when it is a positive expression, else 1, so
that a mismatch fails with a counterexample).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

RELATIONS = ("=", ">=", "<=")
_KEYS = {"formula", "ref", "provenance", "relation", "within"}
_CONDITION_KEYS = {"relation", "ref", "provenance"}
#: The name a ``within`` formula uses for the source's formula.
SOURCE = "source"


@dataclass
class Source:
    """The source's form of one card entry (or condition)."""

    entry: str
    text: str
    expr: sp.Basic
    ref: str
    provenance: object
    relation: str = "="
    within_text: str = ""
    within: sp.Basic | None = None

    def as_dict(self) -> dict:
        d = {"formula": self.text, "ref": self.ref, "provenance": str(self.provenance), "relation": self.relation}
        if self.within_text:
            d["within"] = self.within_text
        return d


def parse_entry(card, where: str, entry: str, spec, names: dict) -> Source:
    """The ``source`` table of parameter/bound ``entry``; ``names`` are those its formula may use."""
    card._table(where, spec, _KEYS, "formula, ref and provenance")
    text = card._req(spec, "formula", str, where + ".")
    expr = card._formula(f"{where}.formula", text, names)
    ref = card._req(spec, "ref", str, where + ".")
    p = card._prov(f"{where}.provenance", spec.get("provenance"))
    relation = spec.get("relation", "=")
    if relation not in RELATIONS:
        raise card._err(f"{where}.relation", f"must be one of {RELATIONS}, got {relation!r}")
    within_text = spec.get("within", "")
    if (relation == "=") != (not within_text):
        raise card._err(f"{where}.within", "is required with relation '>=' or '<=' (the matching bound on the other "
                                           "side, e.g. 'source + 1'), and only then")
    within = None
    if within_text:
        local = {**names, SOURCE: sp.Symbol(SOURCE, positive=True)}
        within = card._formula(f"{where}.within", str(within_text), local)
    return Source(entry, text, expr, ref, p, relation, str(within_text), within)


def parse_condition(card, where: str, spec, names: dict, relation: sp.Basic) -> Source:
    """The ``source`` table of a condition with ``relation``: the relation as the source
    arranges it, with the same comparison."""
    card._table(where, spec, _CONDITION_KEYS, "relation, ref and provenance")
    text = card._req(spec, "relation", str, where + ".")
    rel = card._formula(f"{where}.relation", text, names, relation=True)
    if type(rel) is not type(relation):
        raise card._err(f"{where}.relation", f"must compare like the condition {sp.sstr(relation)!r}")
    return Source(where, text, rel, card._req(spec, "ref", str, where + "."), card._prov(f"{where}.provenance",
                                                                                          spec.get("provenance")))


def statement(target: sp.Basic, src: Source) -> tuple[sp.Basic, dict[str, sp.Basic]]:
    """The relation that checks ``target`` (an entry's symbol, or a condition) against ``src``,
    and its local definitions (``source``)."""
    if isinstance(target, sp.core.relational.Relational):  # same comparison, checked at loading
        mine, theirs = target.rhs - target.lhs, src.expr.rhs - src.expr.lhs
        k = sp.simplify(mine / theirs)
        return sp.Eq(mine, (k if k.is_positive else sp.Integer(1)) * theirs, evaluate=False), {}
    s = sp.Symbol(SOURCE, positive=True)
    defs = {SOURCE: src.expr}
    if src.relation == "=":
        return sp.Eq(target, s), defs
    if src.relation == ">=":
        return sp.And(sp.Ge(target, s), sp.Le(target, src.within)), defs
    return sp.And(sp.Le(target, s), sp.Ge(target, src.within)), defs


def claim(name: str, src: Source) -> str:
    """One line for ``ratecheck show``."""
    if src.relation == "=":
        return f"{name} is the source's formula ({src.ref})"
    side = "≥" if src.relation == ">=" else "≤"
    other = "≤" if src.relation == ">=" else "≥"
    return f"{name} {side} the source's formula ({src.ref}) and {other} {src.within_text}"
