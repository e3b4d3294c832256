"""Numeric evaluation of formulas: :func:`evaluate` computes a formula for a concrete τ.

:class:`TauStats` holds what the compute-time functions of
:mod:`~ratecheck.theory.functions` read: the sorted compute-time vector, its
statistics, and optionally the computation powers of the universal model.
"""

from __future__ import annotations

import math
import operator
from fractions import Fraction
from functools import reduce

import numpy as np
import sympy as sp

from .functions import Argmin_m, Blocks, Fill, FormulaError, H, HBlocks, Min_m, Rate, tau


class TauStats:
    """Precomputed statistics of a sorted compute-time vector, and optionally the
    computation powers (:class:`~ratecheck.theory.powers.Powers`) of the universal model.
    Either may be None (then the formulas that need it are not evaluated)."""

    #: Largest number of blocks ``Blocks``/``HBlocks`` evaluate (NaN beyond; sampled checks set it).
    block_limit = math.inf

    def __init__(self, tau_vec, powers=None):
        self.powers = powers
        if tau_vec is None:
            if powers is None:
                raise FormulaError("TauStats needs compute times or powers")
            self.tau, self.n, self.scalars = None, powers.n, {"n": float(powers.n)}
            return
        t = np.sort(np.asarray(tau_vec, dtype=float).ravel())
        if powers is not None and powers.n != t.size:
            raise FormulaError(f"{powers.n} workers have powers but tau has {t.size} entries")
        self.tau = t
        self.n = t.size
        self.rate = np.cumsum(1.0 / t)  # Rate(m) at index m-1
        self.harm = np.arange(1, self.n + 1) / self.rate  # H(m)
        self.scalars = {
            "n": float(self.n),
            "tau_min": float(t[0]),
            "tau_max": float(t[-1]),
            "tau_avg": float(t.mean()),
            "tau_H": float(self.harm[-1]),
        }

    def index(self, m, allow_next=False):
        m = np.asarray(m, dtype=float)
        hi = self.n + 1 if allow_next else self.n
        if np.any(m != np.round(m)) or np.any(m < 1) or np.any(m > hi):
            raise FormulaError(f"index must be an integer in 1..{hi}, got {m}")
        return m.astype(np.int64) - 1

    def fill(self, k: float, c: float) -> float:
        """min{t ≥ 0 : Σ_i ⌊t/(c τ_i)⌋ ≥ k}: the k-th smallest event time c·τ_i·j.

        Bisection brackets it to less than the shortest period c·τ_1, so each worker
        has at most one event in the bracket; the answer is the smallest of those
        events at which the count reaches k. Event times that coincide to within
        a relative 4e-16 count as ties.
        """
        if k <= 0:
            return 0.0
        step = c * self.tau

        def count(t):
            return float(np.floor(t / step * (1 + 4e-16)).sum())

        lo, hi = 0.0, float(step[0] * math.ceil(k))  # worker 1 alone finishes k by hi
        while hi - lo >= 0.5 * step[0]:
            mid = 0.5 * (lo + hi)
            if mid <= lo or mid >= hi:
                break
            if count(mid) >= k:
                hi = mid
            else:
                lo = mid
        j = np.floor(hi / step * (1 + 4e-16))
        cand = np.unique((j * step)[j >= 1])
        a, b = 0, cand.size - 1  # count(cand[b]) >= k since cand[b] is the largest event <= hi
        while a < b:
            mid = (a + b) // 2
            if count(cand[mid]) >= k:
                b = mid
            else:
                a = mid + 1
        return float(cand[a])


def _near_integer_round(x):
    """Round values within 1e-9 (relative) of an integer: float noise of exact arithmetic."""
    r = np.round(x)
    near = np.abs(x - r) <= 1e-9 * np.maximum(1.0, np.abs(x))
    return r, near


def _exact_scalar(expr: sp.Basic, env: dict) -> Fraction | None:
    """Evaluate a τ-free scalar expression exactly, reading float inputs as their decimals."""
    subs = {}
    for s in expr.free_symbols:
        v = env.get(s.name)
        if v is None or np.ndim(v) != 0:
            return None
        subs[s] = sp.Rational(Fraction(repr(float(v))))
    val = expr.subs(subs)
    if not val.is_Rational:
        return None
    return Fraction(int(val.p), int(val.q))


def evaluate(expr: sp.Basic, env: dict, ts: TauStats | None = None):
    """Numerically evaluate ``expr``; ``env`` maps symbol names to floats.

    ``ceiling``/``floor`` of a value within 1e-9 of an integer are decided by exact
    rational arithmetic on the decimal inputs (scalars) or by rounding (vectors over
    m), so that e.g. ⌈0.3/0.1⌉ = 3.
    """
    return _ev(expr, env, ts)


#: n-ary operations, folded left over the evaluated arguments: (sympy class, numpy function).
_FOLDS = ((sp.Min, np.minimum), (sp.Max, np.maximum))
#: Functions of one argument evaluated elementwise: (sympy class, numpy function).
_ELEMENTWISE = ((sp.log, np.log), (sp.exp, np.exp), (sp.Abs, np.abs))


def _ev(e, env, ts):
    if e.is_Number or e.is_NumberSymbol:
        return float(e) if e.is_finite else (math.inf if e.is_positive else -math.inf)
    if e is sp.oo:
        return math.inf
    if e.is_Symbol:
        if e.name in env:
            return env[e.name]
        if ts is not None and e.name in ts.scalars:
            return ts.scalars[e.name]
        raise FormulaError(f"no value for {e.name!r}")
    if e.is_Add:
        return reduce(operator.add, (_ev(a, env, ts) for a in e.args), 0.0)
    if e.is_Mul:
        return reduce(operator.mul, (_ev(a, env, ts) for a in e.args), 1.0)
    if e.is_Pow:
        b, x = _ev(e.base, env, ts), _ev(e.exp, env, ts)
        with np.errstate(divide="ignore"):
            out = np.power(np.asarray(b, dtype=float), np.asarray(x, dtype=float))
        return out if np.ndim(out) else float(out)
    for cls, fold in _FOLDS:
        if isinstance(e, cls):
            return reduce(fold, [_ev(a, env, ts) for a in e.args])
    if isinstance(e, (sp.ceiling, sp.floor)):
        x = _ev(e.args[0], env, ts)
        base = np.ceil(x) if isinstance(e, sp.ceiling) else np.floor(x)
        r, near = _near_integer_round(np.asarray(x, dtype=float))
        if np.ndim(x) == 0:
            if not near:
                return float(base)
            ex = _exact_scalar(e.args[0], {**(ts.scalars if ts else {}), **env})
            if ex is None:
                return float(r)
            return float(math.ceil(ex) if isinstance(e, sp.ceiling) else math.floor(ex))
        return np.where(near, r, base)
    for cls, func in _ELEMENTWISE:
        if isinstance(e, cls):
            return func(_ev(e.args[0], env, ts))
    if isinstance(e, sp.Piecewise):
        out = None
        for val, cond in reversed(e.args):
            v = _ev(val, env, ts)
            out = v if out is None else np.where(_ev_rel(cond, env, ts), v, out)
        return out
    if isinstance(e, (Blocks, HBlocks)):
        if ts is None or ts.powers is None:
            raise FormulaError("the computation powers are needed")
        harmonic = isinstance(e, HBlocks)
        return _vectorized(lambda k, S, c: ts.powers.blocks(k, S, c, harmonic, ts.block_limit), e, env, ts)
    if isinstance(e, (H, Rate, tau, Min_m, Argmin_m, Fill)):
        if ts is None or ts.tau is None:
            raise FormulaError("the compute-time vector tau is needed")
        if isinstance(e, H):
            return ts.harm[ts.index(_ev(e.args[0], env, ts))]
        if isinstance(e, Rate):
            return ts.rate[ts.index(_ev(e.args[0], env, ts))]
        if isinstance(e, tau):
            idx = ts.index(_ev(e.args[0], env, ts), allow_next=True)
            ext = np.append(ts.tau, math.inf)
            return ext[idx]
        if isinstance(e, Fill):
            return _vectorized(ts.fill, e, env, ts)
        # m runs along a new leading axis; scalar inputs may be batches (shape (B,))
        ms = np.arange(1, ts.n + 1, dtype=float).reshape(-1, 1)
        v = np.asarray(_ev(e.args[0], {**env, "m": ms}, ts), dtype=float)
        v = np.broadcast_to(v, np.broadcast_shapes(v.shape, ms.shape))
        out = v.min(axis=0) if isinstance(e, Min_m) else np.argmin(v, axis=0) + 1.0
        return float(out[0]) if out.shape == (1,) else out
    if isinstance(e, sp.core.relational.Relational):
        return _ev_rel(e, env, ts)
    raise FormulaError(f"cannot evaluate {e} ({type(e).__name__})")


def _vectorized(func, e, env, ts):
    """``func`` of ``e``'s evaluated arguments (broadcast together, as floats) elementwise."""
    args = np.broadcast_arrays(*(_ev(a, env, ts) for a in e.args))
    out = np.vectorize(lambda *xs: func(*map(float, xs)), otypes=[float])(*args)
    return out if out.ndim else float(out)


def _ev_rel(c, env, ts):
    if c is sp.true or c is True:
        return True
    if c is sp.false or c is False:
        return False
    if isinstance(c, sp.And):
        return np.logical_and.reduce([_ev_rel(a, env, ts) for a in c.args])
    if isinstance(c, sp.Or):
        return np.logical_or.reduce([_ev_rel(a, env, ts) for a in c.args])
    lhs, rhs = _ev(c.lhs, env, ts), _ev(c.rhs, env, ts)
    ops = {sp.LessThan: np.less_equal, sp.StrictLessThan: np.less, sp.GreaterThan: np.greater_equal,
           sp.StrictGreaterThan: np.greater, sp.Equality: np.equal, sp.Unequality: np.not_equal}
    return ops[type(c)](lhs, rhs)
