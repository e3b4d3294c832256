"""The formula language of theorem cards: sympy expressions plus compute-time functions.

Formulas are sympy strings (``Min``, ``Max``, ``ceiling``, ``floor``, ``sqrt``, ``log``,
``exp``, ``Abs``, ``Piecewise``, ``Rational``, ``Eq``, ``oo``, ``pi``) over the card's
symbols, its parameters and earlier bounds. Time bounds in the fixed computation model
(worker i needs at most τ_i seconds per gradient; Mishchenko et al. 2022, Tyurin &
Richtárik 2023) also use the sorted compute-time vector τ_1 ≤ … ≤ τ_n through:

=================  =======================================================================
``n``              number of workers (len τ)
``tau(i)``         the i-th smallest τ (``tau(n+1) = oo``)
``tau_min``        τ_1;  ``tau_max`` τ_n
``tau_avg``        arithmetic mean (1/n) Σ τ_i
``tau_H``          harmonic mean of all n, H(n)
``H(m)``           harmonic mean of the m fastest, (1/m Σ_{i≤m} 1/τ_i)^{-1}
``Rate(m)``        aggregate rate of the m fastest, Σ_{i≤m} 1/τ_i  (= m / H(m))
``Min_m(e)``       min over m = 1..n of e (e may use the bound variable ``m``)
``Argmin_m(e)``    the smallest m attaining ``Min_m(e)``
``Fill(k, c)``     min{t ≥ 0 : Σ_i ⌊t/(c τ_i)⌋ ≥ k}: the time for n workers of constant
                   power 1/(c τ_i) to finish k gradients together (Ringmaster Lemma 5.1
                   with p_i ≡ 1/τ_i, fixed-computation.md §3.5)
``Blocks(k, S, c)`` T_k of T_j = T_{j−1} + min{t : Σ_i ⌊(1/c)∫_{T_{j−1}}^{T_{j−1}+t} v_i⌋ ≥ S}
                   for the computation powers v_i of the universal model (Ringmaster Lemma
                   5.1 with c = 4; card-audit.md §3.2)
``HBlocks(k, S, c)`` the same with the harmonic mean of the counts in place of their sum
=================  =======================================================================

``Blocks`` and ``HBlocks`` need the powers themselves (:class:`~ratecheck.theory.powers.Powers`,
``TauStats(tau, powers)``); without them the formula is not evaluated ("powers" is
missing) — a bound is never computed from compute-time bounds standing in for powers.

:func:`evaluate` computes a formula numerically for a concrete τ; :func:`expand_tau`
rewrites it for a given (numeric or symbolic) τ list so that sympy can reason about it.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import sympy as sp
from sympy.parsing.sympy_parser import parse_expr, standard_transformations

# --- the compute-time functions ------------------------------------------------------


class H(sp.Function):
    """Harmonic mean of the m fastest compute times."""

    nargs = 1

    def _latex(self, printer):
        return r"\tau_h^{%s}" % printer._print(self.args[0])


class Rate(sp.Function):
    """Σ_{i≤m} 1/τ_i."""

    nargs = 1

    def _latex(self, printer):
        return r"\sum_{i\le %s}\tau_i^{-1}" % printer._print(self.args[0])


class tau(sp.Function):
    """The i-th smallest compute time."""

    nargs = 1

    def _latex(self, printer):
        return r"\tau_{%s}" % printer._print(self.args[0])


class Min_m(sp.Function):
    """Minimum over m ∈ {1, …, n}."""

    nargs = 1

    def _latex(self, printer):
        return r"\min_{m\in[n]}\left[%s\right]" % printer._print(self.args[0])


class Argmin_m(sp.Function):
    """Smallest minimiser over m ∈ {1, …, n}."""

    nargs = 1

    def _latex(self, printer):
        return r"\operatorname{argmin}_{m\in[n]}\left[%s\right]" % printer._print(self.args[0])


class Fill(sp.Function):
    """min{t ≥ 0 : Σ_i ⌊t/(c τ_i)⌋ ≥ k}."""

    nargs = 2

    def _latex(self, printer):
        k, c = (printer._print(a) for a in self.args)
        return r"\min\{t : \textstyle\sum_i \lfloor t/(%s\tau_i)\rfloor \ge %s\}" % (c, k)


class Blocks(sp.Function):
    """T_k of the block recursion over the computation powers (sum of counts)."""

    nargs = 3

    def _latex(self, printer):
        k, S, c = (printer._print(a) for a in self.args)
        return r"T_{%s}\!\left[\textstyle\sum_i \lfloor \frac{1}{%s}\int v_i\rfloor \ge %s\right]" % (k, c, S)


class HBlocks(sp.Function):
    """T_k of the block recursion over the computation powers (harmonic mean of counts)."""

    nargs = 3

    def _latex(self, printer):
        k, S, c = (printer._print(a) for a in self.args)
        return r"T_{%s}\!\left[\mathrm{HM}_i \lfloor \frac{1}{%s}\int v_i\rfloor \ge %s\right]" % (k, c, S)


POWER_FUNCTIONS = {"Blocks": Blocks, "HBlocks": HBlocks}
TAU_FUNCTIONS = {"H": H, "Rate": Rate, "tau": tau, "Min_m": Min_m, "Argmin_m": Argmin_m, "Fill": Fill}
#: Names computed from τ (never declared by a card; ``n`` may be given when τ is not).
TAU_NAMES = ("n", "tau_min", "tau_max", "tau_avg", "tau_H")
#: The bound variable of ``Min_m`` / ``Argmin_m``.
M = sp.Symbol("m", positive=True, integer=True)
BINDERS = (Min_m, Argmin_m)

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


class FormulaError(ValueError):
    """A formula that does not parse or uses an undefined name (the loader adds file and field)."""


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


def uses_tau(expr: sp.Basic) -> bool:
    """True when the formula needs the compute-time vector."""
    names = {s.name for s in expr.free_symbols}
    return bool(expr.atoms(*TAU_FUNCTIONS.values())) or bool(names & set(TAU_NAMES[1:]))


def uses_powers(expr: sp.Basic) -> bool:
    """True when the formula needs the computation powers of the universal model."""
    return bool(expr.atoms(*POWER_FUNCTIONS.values()))


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


# --- numeric evaluation ----------------------------------------------------------------


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
        out = 0.0
        for a in e.args:
            out = out + _ev(a, env, ts)
        return out
    if e.is_Mul:
        out = 1.0
        for a in e.args:
            out = out * _ev(a, env, ts)
        return out
    if e.is_Pow:
        b, x = _ev(e.base, env, ts), _ev(e.exp, env, ts)
        with np.errstate(divide="ignore"):
            out = np.power(np.asarray(b, dtype=float), np.asarray(x, dtype=float))
        return out if np.ndim(out) else float(out)
    if isinstance(e, sp.Min):
        vals = [_ev(a, env, ts) for a in e.args]
        out = vals[0]
        for v in vals[1:]:
            out = np.minimum(out, v)
        return out
    if isinstance(e, sp.Max):
        vals = [_ev(a, env, ts) for a in e.args]
        out = vals[0]
        for v in vals[1:]:
            out = np.maximum(out, v)
        return out
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
    if isinstance(e, sp.log):
        return np.log(_ev(e.args[0], env, ts))
    if isinstance(e, sp.exp):
        return np.exp(_ev(e.args[0], env, ts))
    if isinstance(e, sp.Abs):
        return np.abs(_ev(e.args[0], env, ts))
    if isinstance(e, sp.Piecewise):
        out = None
        for val, cond in reversed(e.args):
            v = _ev(val, env, ts)
            out = v if out is None else np.where(_ev_rel(cond, env, ts), v, out)
        return out
    if isinstance(e, (Blocks, HBlocks)):
        if ts is None or ts.powers is None:
            raise FormulaError("the computation powers are needed")
        k, S, c = np.broadcast_arrays(*(_ev(a, env, ts) for a in e.args))
        harmonic = isinstance(e, HBlocks)
        out = np.vectorize(lambda a, b, d: ts.powers.blocks(float(a), float(b), float(d), harmonic, ts.block_limit),
                           otypes=[float])(k, S, c)
        return out if out.ndim else float(out)
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
            k, c = np.broadcast_arrays(_ev(e.args[0], env, ts), _ev(e.args[1], env, ts))
            out = np.vectorize(lambda a, b: ts.fill(float(a), float(b)), otypes=[float])(k, c)
            return out if out.ndim else float(out)
        # m runs along a new leading axis; scalar inputs may be batches (shape (B,))
        ms = np.arange(1, ts.n + 1, dtype=float).reshape(-1, 1)
        v = np.asarray(_ev(e.args[0], {**env, "m": ms}, ts), dtype=float)
        v = np.broadcast_to(v, np.broadcast_shapes(v.shape, ms.shape))
        out = v.min(axis=0) if isinstance(e, Min_m) else np.argmin(v, axis=0) + 1.0
        return float(out[0]) if out.shape == (1,) else out
    if isinstance(e, sp.core.relational.Relational):
        return _ev_rel(e, env, ts)
    raise FormulaError(f"cannot evaluate {e} ({type(e).__name__})")


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


# --- symbolic expansion ----------------------------------------------------------------


def expand_tau(expr: sp.Basic, taus) -> sp.Basic:
    """Rewrite the τ functions for an explicit list ``taus`` (numbers or sympy symbols,
    taken as sorted): ``Min_m`` becomes ``Min`` of n terms, ``H(j)`` becomes
    j / Σ_{i≤j} 1/τ_i, and so on. ``Fill`` is kept only for numeric τ."""
    taus = [sp.nsimplify(t) if isinstance(t, (int, float)) else t for t in taus]
    n = len(taus)
    rate = [sum(sp.Integer(1) / t for t in taus[: j + 1]) for j in range(n)]
    scal = {
        "n": sp.Integer(n),
        "tau_min": taus[0],
        "tau_max": taus[-1],
        "tau_avg": sum(taus) / n,
        "tau_H": sp.Integer(n) / rate[-1],
    }

    def idx(a):
        a = sp.sympify(a)
        if not a.is_Integer:
            raise FormulaError(f"index {a} is not a concrete integer")
        return int(a)

    def rec(e):
        if e.is_Symbol:
            return scal.get(e.name, e)
        if not e.args:
            return e
        if isinstance(e, BINDERS):
            terms = [rec(e.args[0].subs(M, j)) for j in range(1, n + 1)]
            if isinstance(e, Min_m):
                return sp.Min(*terms)
            raise FormulaError("Argmin_m has no closed form for symbolic τ")
        args = [rec(a) for a in e.args]
        if isinstance(e, H):
            j = idx(args[0])
            return sp.Integer(j) / rate[j - 1]
        if isinstance(e, Rate):
            return rate[idx(args[0]) - 1]
        if isinstance(e, tau):
            j = idx(args[0])
            return sp.oo if j == n + 1 else taus[j - 1]
        if isinstance(e, Fill):
            raise FormulaError("Fill has no closed form; evaluate it numerically")
        return e.func(*args)

    return rec(expr)
