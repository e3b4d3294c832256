"""Symbolic reasoning about card formulas: a small relation prover and leading terms.

:func:`prove` decides ``a ≤ b`` / ``a = b`` for expressions in positive symbols by
(1) structural rules that are valid for every argument — Min(x, y) ≤ b if x ≤ b or
y ≤ b; a ≤ Max(x, y) likewise; ⌈x⌉ ≤ x + 1; x ≤ ⌈x⌉; min_m e(m) ≤ e(n) — and
(2) the sign of ``b − a`` after putting it over a common denominator, where sympy
can decide it from the symbols' assumptions. The compute-time functions are first
rewritten through one atom per argument, Rate(j) = Σ_{i≤j} 1/τ_i > 0, using
H(j) = j/Rate(j) and τ_H = n/Rate(n), so identities hold for *every* τ.
It answers True (proven) or None (not proven); never False.

:func:`trivial` says when a relation needs no algebra at all: both sides are the same
formula, or it follows from the structure of Min/Max/⌈·⌉/⌊·⌋/min_m alone (rule (1)
with syntactic equality at the leaves) — e.g. min{a, b} ≤ a. Such a derivation checks
only that a formula keeps its shape, not a fact about its constants.
"""

from __future__ import annotations

import sympy as sp

from . import functions as lang

_N = sp.Symbol("n", positive=True, integer=True)


def rewrite_rates(expr: sp.Basic) -> sp.Basic:
    """H(j) → j/Rate(j), τ_H → n/Rate(n)."""
    names = {s.name: s for s in expr.free_symbols}
    if "tau_H" in names:
        expr = expr.xreplace({names["tau_H"]: _N / lang.Rate(_N)})
    return expr.replace(lambda e: isinstance(e, lang.H), lambda e: e.args[0] / lang.Rate(e.args[0]))


def _positive_atoms(expr: sp.Basic) -> sp.Basic:
    """Rate(j) and tau(j) are positive; replace them by positive dummies for sign checks."""
    atoms = {a for a in expr.atoms(lang.Rate, lang.tau)}
    return expr.xreplace({a: sp.Dummy(str(a).replace("(", "_").replace(")", ""), positive=True) for a in atoms})


def _nonneg(d: sp.Basic, strict: bool = False) -> bool:
    d = _positive_atoms(d)
    test = (lambda x: x.is_positive) if strict else (lambda x: x.is_nonnegative)
    if test(d):
        return True
    try:
        num, den = sp.fraction(sp.together(d))
        num = sp.expand(num)
        if den.is_positive and test(num):
            return True
        num = sp.factor(num)
        return bool(den.is_positive and test(num))
    except (sp.PolynomialError, TypeError, ValueError):
        return False


def _le(a, b, strict=False, depth=0, algebra=True) -> bool:
    if depth > 12:
        return False
    if not strict and a == b:
        return True
    r = lambda x, y: _le(x, y, strict, depth + 1, algebra)  # noqa: E731
    if isinstance(a, sp.Min) and any(r(x, b) for x in a.args):
        return True
    if isinstance(b, sp.Max) and any(r(a, x) for x in b.args):
        return True
    if isinstance(a, sp.Max):
        return all(r(x, b) for x in a.args)
    if isinstance(b, sp.Min):
        return all(r(a, x) for x in b.args)
    if isinstance(a, sp.ceiling) and r(a.args[0] + 1, b):
        return True
    if isinstance(b, sp.ceiling) and r(a, b.args[0]):
        return True
    if isinstance(a, sp.floor) and r(a.args[0], b):
        return True
    if isinstance(b, sp.floor) and r(a, b.args[0] - 1):
        return True
    if isinstance(a, lang.Min_m) and isinstance(b, lang.Min_m) and r(a.args[0], b.args[0]):
        return True
    if isinstance(a, lang.Min_m) and any(r(rewrite_rates(a.args[0].subs(lang.M, k)), b) for k in (_N, 1)):
        return True
    if not algebra or a.atoms(lang.Min_m, lang.Argmin_m, lang.Fill) or b.atoms(lang.Min_m, lang.Argmin_m, lang.Fill):
        return False
    if _nonneg(b - a, strict):
        return True
    # monotonicity inside products with a nonnegative cofactor: raise a, lower b
    for x, up in ((a, True), (b, False)):
        if not x.is_Mul:
            continue
        for f in x.args:
            if not (x / f).is_nonnegative:
                continue
            repl = _bounds_of(f, up)
            for g in repl:
                y = x.xreplace({f: g})
                if (up and r(y, b)) or (not up and r(a, y)):
                    return True
    # a sum below b if each of its k terms is below b/k
    if a.is_Add and all(r(t, b / len(a.args)) for t in a.args):
        return True
    # compare squares of nonnegative sides that contain square roots
    if a.is_nonnegative and b.is_nonnegative and (a.has(sp.sqrt) or any(p.exp == sp.Rational(1, 2) for p in a.atoms(sp.Pow))):
        return _nonneg(sp.expand(b**2 - a**2), strict)
    return False


def _bounds_of(f, up: bool) -> list:
    """Values ≥ f (``up``) or ≤ f that drop a Min/Max/ceiling/floor."""
    if up:
        if isinstance(f, sp.Min):
            return list(f.args)
        if isinstance(f, sp.ceiling):
            return [f.args[0] + 1]
        if isinstance(f, sp.floor):
            return [f.args[0]]
    else:
        if isinstance(f, sp.Max):
            return list(f.args)
        if isinstance(f, sp.ceiling):
            return [f.args[0]]
        if isinstance(f, sp.floor):
            return [f.args[0] - 1]
    return []


def _eq(a, b) -> bool:
    if a == b:
        return True
    if isinstance(a, lang.Min_m) and isinstance(b, lang.Min_m):
        return _eq(a.args[0], b.args[0])
    d = _positive_atoms(a - b)
    try:
        return sp.simplify(d) == 0
    except (TypeError, ValueError):
        return False


def prove(statement: sp.Basic) -> bool | None:
    """True if sympy proves the relation (or ``And`` of relations) for all admissible symbols."""
    if isinstance(statement, sp.And):
        return True if all(prove(x) for x in statement.args) else None
    if statement is sp.true:
        return True
    if not isinstance(statement, sp.core.relational.Relational):
        return None
    a, b = rewrite_rates(statement.lhs), rewrite_rates(statement.rhs)
    ok = {
        sp.LessThan: lambda: _le(a, b),
        sp.StrictLessThan: lambda: _le(a, b, strict=True),
        sp.GreaterThan: lambda: _le(b, a),
        sp.StrictGreaterThan: lambda: _le(b, a, strict=True),
        sp.Equality: lambda: _eq(a, b),
    }.get(type(statement), lambda: False)()
    return True if ok else None


def trivial(sides) -> str:
    """Why a relation holds without algebra (see the module docstring), or ``""``.

    ``sides`` lists its parts as ``(relation class, lhs, rhs)``, each side fully
    expanded but not compared (sympy decides ``x = x`` and ``x ≤ x + y`` on its own).
    """
    reasons = set()
    for rel, a, b in sides:
        if a == b:
            reasons.add("both sides are the same formula")
            continue
        if rel is sp.Equality:
            return ""
        strict = rel in (sp.StrictLessThan, sp.StrictGreaterThan)
        lo, hi = (a, b) if rel in (sp.LessThan, sp.StrictLessThan) else (b, a)
        if not _le(rewrite_rates(lo), rewrite_rates(hi), strict, algebra=False):
            return ""
        reasons.add("follows from the structure of Min/Max/ceiling alone")
    return "; ".join(sorted(reasons))


# --- leading terms -----------------------------------------------------------------------


def _lead(e, x):
    """(coefficient, exponent) of the leading term of e as x → 0⁺, or None."""
    if x not in e.free_symbols:
        return e, sp.Integer(0)
    if e == x:
        return sp.Integer(1), sp.Integer(1)
    if e.is_Add:
        parts = [_lead(t, x) for t in e.args]
        if any(p is None for p in parts):
            return None
        low = min(p[1] for p in parts)
        return sp.Add(*[c for c, p in parts if p == low]), low
    if e.is_Mul:
        c, p = sp.Integer(1), sp.Integer(0)
        for f in e.args:
            q = _lead(f, x)
            if q is None:
                return None
            c, p = c * q[0], p + q[1]
        return c, p
    if e.is_Pow and x not in e.exp.free_symbols and e.exp.is_number:
        q = _lead(e.base, x)
        return None if q is None else (q[0] ** e.exp, q[1] * e.exp)
    if isinstance(e, lang.Min_m):
        q = _lead(e.args[0], x)
        return None if q is None else (lang.Min_m(q[0]), q[1])
    return None


def leading_term(card, name: str, var: str = "eps") -> sp.Basic | None:
    """The leading term of a card's formula as ``var`` → 0 (None where Max/ceiling etc. block it)."""
    if var not in card.symbols:
        return None
    x = card.symbols[var].sym
    q = _lead(card.expression(name), x)
    if q is None:
        return None
    return sp.powsimp(q[0] * x ** q[1])
