"""The formula language of theorem cards: sympy expressions plus compute-time functions.

Formulas are sympy strings (``Min``, ``Max``, ``ceiling``, ``floor``, ``sqrt``, ``log``,
``exp``, ``Abs``, ``Piecewise``, ``Rational``, ``Eq``, ``oo``, ``pi``) over the card's
symbols, its parameters and earlier bounds, and the compute-time functions and names of
:mod:`~ratecheck.theory.functions` (``tau(i)``, ``H(m)``, ``Min_m(e)``, ``tau_max``, …).

This module reads and writes formulas: :func:`parse` turns a card's text into a checked
sympy expression over the card's names (:func:`symbol`, :func:`tau_symbols`) and
:func:`to_latex` prints one. The cards' code uses the language through this module, so
it also provides the functions with :func:`expand_tau` (their symbolic meaning for a
given τ list) and :func:`evaluate` / :class:`TauStats` (numeric evaluation, from
:mod:`~ratecheck.theory.numeric`).
"""

from __future__ import annotations

import sympy as sp
from sympy.parsing.sympy_parser import parse_expr, standard_transformations

from .functions import (
    BINDERS, M, POWER_FUNCTIONS, TAU_FUNCTIONS, TAU_NAMES, FormulaError, H, Min_m, Rate, expand_tau, tau, uses_powers,
    uses_tau,
)
from .numeric import TauStats, evaluate

__all__ = [
    "ALLOWED_FUNCTIONS", "DOMAINS", "parse", "symbol", "tau_symbols", "to_latex",
    # the language's functions and evaluation, used through this namespace
    "H", "M", "Min_m", "Rate", "TAU_FUNCTIONS", "TAU_NAMES", "FormulaError", "TauStats", "evaluate", "expand_tau",
    "tau", "uses_powers", "uses_tau",
]

_SYMPY = {
    "Min": sp.Min, "Max": sp.Max, "ceiling": sp.ceiling, "floor": sp.floor, "sqrt": sp.sqrt,
    "log": sp.log, "exp": sp.exp, "Abs": sp.Abs, "Piecewise": sp.Piecewise, "Rational": sp.Rational,
    "Eq": sp.Eq, "And": sp.And, "oo": sp.oo, "pi": sp.pi,
    # needed by parse_expr's own transformations
    "Integer": sp.Integer, "Float": sp.Float, "Symbol": sp.Symbol, "Function": sp.Function,
}
ALLOWED_FUNCTIONS = (sp.Min, sp.Max, sp.ceiling, sp.floor, sp.log, sp.exp, sp.Abs, sp.Piecewise) + tuple(
    TAU_FUNCTIONS.values()
) + tuple(POWER_FUNCTIONS.values())


def symbol(name: str, domain: str = "positive") -> sp.Symbol:
    """The sympy symbol of a card name with its domain's assumptions."""
    if domain == "positive":
        return sp.Symbol(name, positive=True)
    if domain == "positive integer":
        return sp.Symbol(name, positive=True, integer=True)
    if domain == "nonnegative":
        return sp.Symbol(name, nonnegative=True)
    if domain == "real":
        return sp.Symbol(name, real=True)
    raise FormulaError(f"unknown domain {domain!r} (use positive, positive integer, nonnegative or real)")


DOMAINS = ("positive", "positive integer", "nonnegative", "real")


def tau_symbols() -> dict[str, sp.Symbol]:
    return {"n": sp.Symbol("n", positive=True, integer=True), **{k: sp.Symbol(k, positive=True) for k in TAU_NAMES[1:]}}


def parse(text: str, names: dict[str, sp.Symbol], *, relation: bool = False, free_m: bool = False) -> sp.Basic:
    """Parse a formula (or a relation, or an ``And`` of relations, when ``relation``).

    ``free_m`` allows the bound variable ``m`` outside ``Min_m`` (a statement "for every m").

    Raises :class:`FormulaError` for a syntax error, an undefined symbol or function,
    or a free ``m`` outside ``Min_m``/``Argmin_m``.
    """
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("must be a non-empty formula string")
    local = {**names, **TAU_FUNCTIONS, **POWER_FUNCTIONS, "m": M}
    try:
        expr = parse_expr(text, local_dict=local, global_dict=dict(_SYMPY), transformations=standard_transformations)
    except Exception as exc:  # sympy raises many types (SyntaxError, TokenError, TypeError…)
        raise FormulaError(f"cannot parse {text!r}: {type(exc).__name__}: {exc}") from None
    if isinstance(expr, bool) or expr in (sp.true, sp.false):
        raise FormulaError(f"{text!r} is a constant truth value; write equalities as Eq(lhs, rhs)")
    if not isinstance(expr, sp.Basic):
        raise FormulaError(f"{text!r} is not a formula")
    is_rel = isinstance(expr, sp.core.relational.Relational) or (
        isinstance(expr, sp.And) and all(isinstance(a, sp.core.relational.Relational) for a in expr.args)
    )
    if relation and not is_rel:
        raise FormulaError(f"{text!r} is not a relation (use <=, >=, <, > or Eq(lhs, rhs))")
    if not relation and (is_rel or isinstance(expr, sp.logic.boolalg.BooleanFunction)):
        raise FormulaError(f"{text!r} is a relation, expected an expression")
    for f in expr.atoms(sp.Function):
        if not isinstance(f, ALLOWED_FUNCTIONS):
            raise FormulaError(f"undefined function {f.func.__name__!r} in {text!r}")
    known = set(names.values())
    undefined = sorted(s.name for s in expr.free_symbols if s not in known and s != M)
    if undefined:
        raise FormulaError(f"undefined symbol(s) {', '.join(undefined)} in {text!r}")
    _check_binders(expr, bound=free_m, text=text, nested=False)
    return expr


def _check_binders(expr, bound: bool, text: str, nested: bool) -> None:
    if expr == M and not bound:
        raise FormulaError(f"'m' is only defined inside Min_m(...) or Argmin_m(...) in {text!r}")
    if isinstance(expr, BINDERS):
        if nested:
            raise FormulaError(f"nested Min_m/Argmin_m in {text!r}")
        bound = nested = True
    for a in expr.args:
        _check_binders(a, bound, text, nested)


_LATEX = {
    "sigma2": r"\sigma^2", "eps": r"\varepsilon", "Delta": r"\Delta", "gamma": r"\gamma", "mu": r"\mu",
    "rho": r"\rho", "eta": r"\eta", "tau_max": r"\tau_{\max}", "tau_min": r"\tau_{\min}",
    "tau_avg": r"\tau_{\mathrm{avg}}", "tau_H": r"\tau_H", "zeta2": r"\zeta^2", "zeta2_rho": r"\zeta^2",
    "L_max": r"L_{\max}", "L_rl": "L", "delay_max": r"\delta_{\max}", "delay_avg": r"\bar\delta",
    "concurrency": r"\tau_C", "iterations": "K", "m_star": "m^*", "C_star_K": "C^*_K",
}


def to_latex(expr: sp.Basic) -> str:
    """LaTeX with the usual names (σ², ε, τ_max, …); other multi-letter names in \\mathrm."""
    names = {}
    for s in expr.free_symbols:
        if s.name in _LATEX:
            names[s] = _LATEX[s.name]
        elif len(s.name) > 1 and s.name not in ("Delta", "gamma"):
            names[s] = r"\mathrm{%s}" % s.name.replace("_", r"\_")
    return sp.latex(expr, symbol_names=names)
