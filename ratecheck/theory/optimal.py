"""Optimal parameters of a card: minimise one of its bounds over one parameter.

Numerically: the bound is evaluated (vectorised) with the parameter overridden on a
grid — every integer up to 2,000 and a geometric grid beyond for integer parameters;
a log grid refined by a bounded scalar search for real ones — keeping only values
that satisfy the card's conditions, for the given inputs and τ.

Symbolically: the bound is relaxed (⌈x⌉, ⌊x⌋ → x; min over m → a fixed number m of
workers, H(m) a positive constant), differentiated in the parameter, and solved for
stationary points; a derivative of fixed sign means the optimum is at the boundary
set by the card's conditions. E.g. Ringmaster's explicit time bound
(8RLΔ/ε + 16σ²LΔ/ε²)/R · 2H_m(1 + R/m) is minimised at R* = √(2mσ²/ε), while
Thm 2 takes R = ⌈σ²/ε⌉ independently of m (fixed-computation.md §3.4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from scipy.optimize import minimize_scalar

from ..errors import SpecError
from . import language as lang


@dataclass
class Optimum:
    card: str
    param: str
    objective: str
    card_value: float | None
    card_objective: float | None
    best_value: float | None
    best_objective: float | None
    scanned: int
    symbolic: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.card_objective is None or not self.best_objective:
            return None
        return self.card_objective / self.best_objective

    def as_dict(self) -> dict:
        return {
            "theorem": self.card, "parameter": self.param, "objective": self.objective,
            "card_value": self.card_value, "card_objective": self.card_objective,
            "best_value": self.best_value, "best_objective": self.best_objective,
            "ratio_card_to_best": self.ratio, "scanned": self.scanned,
            "symbolic": {k: (v if isinstance(v, (str, list, type(None))) else str(v)) for k, v in self.symbolic.items()},
        }

    def lines(self) -> list[str]:
        s = self.symbolic
        out = [f"{self.card}: minimise {self.objective} over {self.param}"]
        out.append("  symbolic (relaxed: ceilings dropped, a fixed number m of workers, H_m = H(m)):")
        if s.get("relaxed") is not None:
            out.append(f"    {self.objective}({self.param}) ≈ {s.get('relaxed')}")
            out.append(f"    d/d{self.param} = {s.get('derivative')}")
        out.append(f"    {s.get('conclusion')}")
        if self.best_value is None:
            out.append("  numeric: not evaluated (inputs missing)")
            return out
        fmt = lambda v: "—" if v is None else f"{v:.10g}"  # noqa: E731
        out.append(f"  numeric ({self.scanned} values scanned):")
        out.append(f"    best {self.param} = {fmt(self.best_value)}, {self.objective} = {fmt(self.best_objective)}")
        out.append(f"    card's {self.param} = {fmt(self.card_value)}, {self.objective} = {fmt(self.card_objective)}"
                   + (f"  (×{self.ratio:.4g} the best)" if self.ratio is not None else ""))
        return out


def _relax(expr: sp.Basic, p: sp.Symbol) -> sp.Basic | None:
    """Drop ceilings, fix m, and make H(m) a positive constant; None if τ-functions depend on p."""
    m = sp.Symbol("m", positive=True)
    expr = expr.replace(lambda e: isinstance(e, (sp.ceiling, sp.floor)), lambda e: e.args[0])
    expr = expr.replace(lambda e: isinstance(e, lang.Min_m), lambda e: e.args[0].xreplace({lang.M: m}))
    expr = expr.xreplace({lang.M: m})
    funcs = expr.atoms(*lang.TAU_FUNCTIONS.values())
    if any(p in f.free_symbols for f in funcs):
        return None
    return expr.xreplace({f: sp.Symbol(sp.sstr(f).replace("(", "_").replace(")", ""), positive=True) for f in funcs})


def symbolic_optimum(card, param: str, objective: str) -> dict:
    """Relaxed objective, its derivative and stationary points (see module docstring)."""
    p = sp.Symbol(param, positive=True)
    obj = _relax(card.expression(objective, overrides={param: p}), p)
    if obj is None:
        return {"relaxed": None, "derivative": None, "stationary": [],
                "conclusion": f"{param} indexes the workers (a discrete choice inside the τ functions): see the numeric scan"}
    if p not in obj.free_symbols:
        return {"relaxed": obj, "derivative": 0, "stationary": [],
                "conclusion": f"{objective} does not depend on {param}: any admissible value is optimal"}
    d = sp.simplify(sp.diff(obj, p))
    out = {"relaxed": obj, "derivative": d, "stationary": []}
    if d.is_positive or d.is_negative:
        direction = "increasing" if d.is_positive else "decreasing"
        bounds = []
        for c in card.conditions:
            if p.name in {s.name for s in c.relation.free_symbols}:
                bounds.append(c.text)
        out["conclusion"] = (f"{objective} is {direction} in {param}: the optimum is at the "
                             + ("smallest" if d.is_positive else "largest") + f" admissible {param}"
                             + (f" (conditions: {'; '.join(bounds)})" if bounds else ""))
        return out
    try:
        sols = [s for s in sp.solve(sp.Eq(d, 0), p) if s.is_positive is not False and s.is_real is not False]
    except (NotImplementedError, ValueError):
        sols = []
    out["stationary"] = [str(sp.simplify(s)) for s in sols]
    out["conclusion"] = (f"stationary point {param}* = " + ", ".join(out["stationary"])) if sols else \
        "no closed-form stationary point; see the numeric scan"
    return out


def _grid(card_value, integer: bool, max_value):
    if integer:
        hi = int(max_value) if max_value else int(max(64, 4 * (card_value or 1)))
        if hi < 1:
            raise SpecError("--max", f"must be >= 1, got {max_value}")
        small = np.arange(1, min(hi, 2000) + 1, dtype=float)
        big = np.unique(np.round(np.geomspace(2000, hi, 400))) if hi > 2000 else np.zeros(0)
        return np.unique(np.r_[small, big])
    c = card_value if card_value and np.isfinite(card_value) else 1.0
    hi = max_value or c * 1e3
    return np.geomspace(c * 1e-3, hi, 400)


def _feasible(card, env, ts) -> np.ndarray | bool:
    ok = True
    for c in card.conditions:
        names = {s.name for s in c.relation.free_symbols}
        if names - set(env) - (set(ts.scalars) if ts else set()):
            continue
        lhs = np.asarray(lang.evaluate(c.relation.lhs, env, ts), dtype=float)
        rhs = np.asarray(lang.evaluate(c.relation.rhs, env, ts), dtype=float)
        tol = 1e-12 * np.maximum(np.abs(lhs), np.abs(rhs))
        holds = {sp.LessThan: lhs <= rhs + tol, sp.StrictLessThan: lhs < rhs + tol,
                 sp.GreaterThan: lhs >= rhs - tol, sp.StrictGreaterThan: lhs > rhs - tol,
                 sp.Equality: np.abs(lhs - rhs) <= tol}[type(c.relation)]
        ok = ok & holds
    return ok


def optimize(card, param: str, values: dict, tau=None, objective: str = "time", max_value=None) -> Optimum:
    """Minimise bound ``objective`` over parameter ``param`` (numerically and symbolically)."""
    param = card.aliases.get(param, param)
    if param not in card.parameters:
        raise SpecError("--param", f"card {card.id!r} has no parameter {param!r} (has: {', '.join(card.parameters) or 'none'})")
    if objective not in card.bounds:
        raise SpecError("--objective", f"card {card.id!r} has no bound {objective!r} (has: {', '.join(card.bounds)})")
    sym = symbolic_optimum(card, param, objective)
    base = card.evaluate({k: v for k, v in values.items() if k != param}, tau)
    card_value = base.parameters.get(param)
    card_obj = base.bounds.get(objective)
    if card_obj is None:
        return Optimum(card.id, param, objective, card_value, None, None, None, 0, sym)
    env = {k: v for k, v in base.inputs.items()}
    ts = lang.TauStats(tau) if tau is not None else None
    entry = card.parameters[param]
    if sym["relaxed"] is None and ts is not None and not max_value:
        max_value = ts.n  # a worker count: scan all of 1..n
    grid = _grid(card_value, entry.integer, max_value)

    def batch(xs):
        xs = np.asarray(xs, dtype=float)
        params, bounds, _ = card.compute(env, ts, {param: xs})
        full = {**env, **params, **bounds}
        obj = np.broadcast_to(np.asarray(bounds[objective], dtype=float), xs.shape)
        feas = np.broadcast_to(_feasible(card, full, ts), xs.shape)
        return np.where(feas, obj, np.inf)

    with np.errstate(all="ignore"):
        objs = np.concatenate([batch(grid[i:i + 256]) for i in range(0, grid.size, 256)])
    j = int(np.argmin(objs))
    best_x, best_obj = float(grid[j]), float(objs[j])
    if not entry.integer and np.isfinite(best_obj):
        lo, hi = grid[max(j - 1, 0)], grid[min(j + 1, grid.size - 1)]
        res = minimize_scalar(lambda lx: float(batch(np.array([np.exp(lx)]))[0]),
                              bounds=(np.log(lo), np.log(hi)), method="bounded")
        if res.fun < best_obj:
            best_x, best_obj = float(np.exp(res.x)), float(res.fun)
    if not np.isfinite(best_obj):
        best_x, best_obj = None, None
    elif card_value is not None and card_obj <= best_obj * (1 + 1e-12):
        best_x, best_obj = card_value, card_obj  # ties: the card's own choice is optimal
    return Optimum(card.id, param, objective, card_value, card_obj, best_x, best_obj, int(grid.size), sym)
