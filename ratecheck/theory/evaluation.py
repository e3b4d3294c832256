"""Numeric evaluation of a theorem card: inputs checked against their domains, formulas
evaluated at them (and at the τ vector of an asynchrony model), side conditions tested.

:class:`Evaluates` is the part of :class:`~ratecheck.theory.card.Card` that answers
queries about a loaded card; :class:`Evaluation` is its result (JSON contract:
:meth:`Evaluation.as_dict`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from ..errors import SpecError
from ..strict import finite
from ..vocabulary import VOCABULARY
from . import language as lang
from .powers import Powers
from .records import Entry

if TYPE_CHECKING:
    from .card import Card


@dataclass
class Evaluation:
    """The numbers a card gives for concrete inputs (JSON contract: :meth:`as_dict`)."""

    card: "Card"
    inputs: dict[str, float]
    parameters: dict[str, float]
    bounds: dict[str, float]
    missing: list[str]
    overridden: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        c = self.card
        names = [*self.parameters, *self.bounds]
        return {
            "theorem": c.id,
            "kind": c.kind,
            "statistic": c.statistic,
            "inputs": {k: _num(v, k == "n" or (k in c.symbols and c.symbols[k].domain.endswith("integer")))
                       for k, v in self.inputs.items()},
            "parameters": {k: _num(v, c._entry_of(k).integer) for k, v in self.parameters.items()},
            "bounds": {k: _num(v, c.bounds[k].integer) for k, v in self.bounds.items()},
            "provenance": {k: str(c._entry_of(k).provenance) for k in names if k not in self.overridden},
            "constants": {k: c.bounds[k].constants for k in self.bounds},
            "overridden": list(self.overridden),
            "missing": list(self.missing),
        }


def _num(v, integer: bool = False):
    v = float(v)
    if not math.isfinite(v):
        return None
    if integer and v == round(v) and abs(v) < 2**53:
        return int(v)
    return v


class Evaluates:
    """Queries and evaluation of a loaded card (mixed into :class:`~ratecheck.theory.card.Card`,
    which sets ``id``, ``symbols``, ``parameters``, ``bounds``, ``conditions`` and ``assumptions``)."""

    # --- queries ---------------------------------------------------------------------
    def bound_constants(self, name: str) -> str:
        """``"explicit"`` or ``"hidden"`` (hidden: O(·)/Θ(·); only scaling claims may use it)."""
        if name not in self.bounds:
            raise SpecError("bound", f"card {self.id!r} has no bound {name!r} (has: {', '.join(self.bounds)})")
        return self.bounds[name].constants

    def applicability(self, properties) -> list[str]:
        """The card's assumptions not declared by the problem and asynchrony model."""
        declared = set(properties)
        return [a for a in self.assumptions if a not in declared]

    def explain(self, missing: list[str]) -> str:
        """One line: why the card does not apply."""
        return "; ".join(f"needs '{a}' ({VOCABULARY[a]})" for a in missing)

    @property
    def input_symbols(self) -> list[str]:
        return list(self.symbols)

    @property
    def aliases(self) -> dict[str, str]:
        """Algorithm-side names of parameters (alias → card name), e.g. ``m`` → ``m_star``."""
        return {e.alias: e.name for e in self.parameters.values() if e.alias}

    def _entry_of(self, name: str) -> Entry:
        return self.entry(self.aliases.get(name, name))

    def entry(self, name: str) -> Entry:
        if name in self.parameters:
            return self.parameters[name]
        if name in self.bounds:
            return self.bounds[name]
        raise SpecError("name", f"card {self.id!r} has no parameter or bound {name!r}")

    def expression(self, name: str, overrides: dict[str, sp.Basic] | None = None) -> sp.Basic:
        """The formula of ``name`` with every parameter and earlier bound substituted,
        i.e. in terms of the inputs and τ only. ``overrides`` replace parameter formulas."""
        overrides = overrides or {}
        done: dict[sp.Symbol, sp.Basic] = {}
        for ent in [*self.parameters.values(), *self.bounds.values()]:
            e = overrides.get(ent.name, ent.expr)
            e = e.xreplace(done)
            done[sp.Symbol(ent.name, positive=True)] = e
            if ent.name == name:
                return e
        raise SpecError("name", f"card {self.id!r} has no parameter or bound {name!r}")

    def dependencies(self, expr: sp.Basic) -> set[str]:
        """Input symbols (and ``tau``) that ``expr`` needs, through parameters and bounds."""
        out: set[str] = set()
        entries = {**self.parameters, **self.bounds}
        stack = [expr]
        seen = set()
        while stack:
            e = stack.pop()
            if lang.uses_tau(e):
                out.add("tau")
            for s in e.free_symbols:
                if s.name in entries and s.name not in seen:
                    seen.add(s.name)
                    stack.append(entries[s.name].expr)
                elif s.name in self.symbols or s.name == "n":
                    out.add(s.name)
        return out

    # --- evaluation ------------------------------------------------------------------
    def validate_inputs(self, values: dict, *, strict: bool = True) -> dict[str, float]:
        """Check user values: known names (when ``strict``), numbers in their domain."""
        out = {}
        for k, v in values.items():
            if k in self.symbols:
                domain = self.symbols[k].domain
            elif k in self.parameters or k in self.aliases:
                domain = "real"
            elif k == "n":
                domain = "positive integer"
            else:
                if strict:
                    known = ", ".join([*self.symbols, *self.parameters, *self.aliases, "n"])
                    raise SpecError(k, f"not a symbol or parameter of theorem {self.id!r} (known: {known})")
                continue
            x = finite(k, v)
            if domain.startswith("positive") and x <= 0:
                raise SpecError(k, f"must be > 0, got {v!r}")
            if domain == "nonnegative" and x < 0:
                raise SpecError(k, f"must be >= 0, got {v!r}")
            if domain.endswith("integer") and x != round(x):
                raise SpecError(k, f"must be an integer, got {v!r}")
            out[k] = x
        return out

    def evaluate(self, values: dict[str, float], tau=None, *, strict: bool = False, powers=None) -> Evaluation:
        """Parameters and bounds for concrete inputs.

        ``values`` maps symbol names to numbers; a parameter name overrides the card's
        choice (e.g. ``R = 6`` as tuned in the experiment). Names the card does not use
        are ignored unless ``strict``. ``tau`` is the vector of compute times (any order);
        ``powers`` the computation powers of a universal model, a
        :class:`~ratecheck.theory.powers.Powers` or a rate table ``(breaks, rates,
        period)``, which ``Blocks``/``HBlocks`` need. A formula whose inputs are missing
        is omitted and its inputs are listed in ``missing``; nothing is guessed.
        """
        vals = self.validate_inputs(values, strict=strict)
        ts = None
        if powers is not None and not isinstance(powers, Powers):
            try:
                powers = Powers(*powers)
            except (TypeError, ValueError) as exc:
                raise SpecError("powers", str(exc)) from None
        if tau is not None or powers is not None:
            t = None
            if tau is not None:
                t = np.asarray(tau, dtype=float).ravel()
                if t.size == 0 or not np.all(np.isfinite(t)) or np.any(t <= 0):
                    raise SpecError("tau", "compute times must be a non-empty list of finite numbers > 0")
            try:
                ts = lang.TauStats(t, powers)
            except lang.FormulaError as exc:
                raise SpecError("powers", str(exc)) from None
            if "n" in vals and int(vals["n"]) != ts.n:
                raise SpecError("n", f"= {int(vals['n'])} but tau has {ts.n} entries")
            vals["n"] = float(ts.n)
        env = {k: v for k, v in vals.items() if k in self.symbols or k == "n"}
        overrides = {self.aliases.get(k, k): v for k, v in vals.items() if k in self.parameters or k in self.aliases}
        params, bounds, missing = self.compute(env, ts, overrides)
        for alias, name in self.aliases.items():
            if name in params:
                params[alias] = params[name]
        inputs = {k: v for k, v in vals.items() if k in self.symbols or k == "n"}
        over = [k for k in self.parameters if k in overrides]
        over += [a for a, k in self.aliases.items() if k in overrides]
        return Evaluation(self, inputs, params, bounds, missing, over)

    def compute(self, env: dict, ts: "lang.TauStats | None", overrides: dict | None = None):
        """Evaluate parameters then bounds in order, without input validation.

        ``env`` values may be floats or equal-length arrays (a batch of inputs);
        ``overrides`` give parameter values instead of their formulas. Returns
        ``(parameters, bounds, missing)``.
        """
        env = dict(env)
        overrides = overrides or {}
        missing: set[str] = set()
        params: dict[str, Any] = {}
        for name, ent in self.parameters.items():
            v = overrides[name] if name in overrides else self._try(ent.expr, env, ts, missing)
            if v is not None:
                params[name] = env[name] = v
        bounds: dict[str, Any] = {}
        for name, ent in self.bounds.items():
            v = self._try(ent.expr, env, ts, missing)
            if v is not None:
                bounds[name] = env[name] = v
        return params, bounds, sorted(missing)

    def _try(self, expr, env, ts, missing: set):
        need = {s.name for s in expr.free_symbols} - set(env) - {"m"}
        if (ts is None or ts.tau is None) and lang.uses_tau(expr):
            need.add("tau")
        if ts is not None:
            need -= set(ts.scalars)
        if (ts is None or ts.powers is None) and lang.uses_powers(expr):
            need.add("powers")
        if need:
            missing |= {x for x in need if x in self.symbols or x in ("tau", "n", "powers")}
            return None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            v = lang.evaluate(expr, env, ts)
        return float(v) if np.ndim(v) == 0 else v

    def check_conditions(self, params: dict, values: dict, tau=None) -> list[str]:
        """Human-readable violations of the theorem's conditions, e.g.
        ``"gamma = 0.5 > 1/(2*L*R) = 0.25"``. Conditions whose inputs are missing are skipped.
        (Relations hold up to a relative tolerance of 1e-12.)"""
        env = {}
        for k, v in [*values.items(), *params.items()]:
            try:
                env[self.aliases.get(k, k)] = float(v)
            except (TypeError, ValueError):
                continue  # non-numeric algorithm settings are not theorem quantities
        ts = lang.TauStats(tau) if tau is not None else None
        if ts is not None:
            env.setdefault("n", float(ts.n))
        out = []
        for c in self.conditions:
            rel = c.relation
            need = {s.name for s in rel.free_symbols} - set(env) - (set(ts.scalars) if ts else set())
            if need or (ts is None and lang.uses_tau(rel)):
                continue
            lhs = float(lang.evaluate(rel.lhs, env, ts))
            rhs = float(lang.evaluate(rel.rhs, env, ts))
            tol = 1e-12 * max(abs(lhs), abs(rhs))
            ok = {
                sp.LessThan: lhs <= rhs + tol, sp.StrictLessThan: lhs < rhs + tol,
                sp.GreaterThan: lhs >= rhs - tol, sp.StrictGreaterThan: lhs > rhs - tol,
                sp.Equality: abs(lhs - rhs) <= tol,
            }[type(rel)]
            if not ok:
                neg = {sp.LessThan: ">", sp.StrictLessThan: ">=", sp.GreaterThan: "<",
                       sp.StrictGreaterThan: "<=", sp.Equality: "!="}[type(rel)]
                out.append(f"{sp.sstr(rel.lhs)} = {lhs:.6g} {neg} {sp.sstr(rel.rhs)} = {rhs:.6g}")
        return out
