"""The compute-time functions of the formula language, and their symbolic meaning.

Time bounds in the fixed computation model (worker i needs at most τ_i seconds per
gradient; Mishchenko et al. 2022, Tyurin & Richtárik 2023) use the sorted compute-time
vector τ_1 ≤ … ≤ τ_n through:

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
``TauStats(tau, powers)`` of :mod:`~ratecheck.theory.numeric`); without them the formula
is not evaluated ("powers" is missing) — a bound is never computed from compute-time
bounds standing in for powers.

:func:`expand_tau` rewrites a formula for a given (numeric or symbolic) τ list so that
sympy can reason about it.
"""

from __future__ import annotations

import sympy as sp


class FormulaError(ValueError):
    """A formula that does not parse or uses an undefined name (the loader adds file and field)."""


def _function(name: str, args: str, doc: str, latex: str) -> type[sp.Function]:
    """The sympy function ``name`` of the space-separated ``args``, printed in LaTeX by the
    template ``latex`` (``%(arg)s`` stands for the printed argument ``arg``)."""
    names = args.split()

    def _latex(self, printer):
        return latex % {k: printer._print(a) for k, a in zip(names, self.args)}

    namespace = {"__doc__": doc, "__module__": __name__, "__qualname__": name, "nargs": len(names), "_latex": _latex}
    return type(sp.Function)(name, (sp.Function,), namespace)


H = _function("H", "m", "Harmonic mean of the m fastest compute times.", r"\tau_h^{%(m)s}")
Rate = _function("Rate", "m", "Σ_{i≤m} 1/τ_i.", r"\sum_{i\le %(m)s}\tau_i^{-1}")
tau = _function("tau", "i", "The i-th smallest compute time.", r"\tau_{%(i)s}")
Min_m = _function("Min_m", "e", "Minimum over m ∈ {1, …, n}.", r"\min_{m\in[n]}\left[%(e)s\right]")
Argmin_m = _function("Argmin_m", "e", "Smallest minimiser over m ∈ {1, …, n}.",
                     r"\operatorname{argmin}_{m\in[n]}\left[%(e)s\right]")
Fill = _function("Fill", "k c", "min{t ≥ 0 : Σ_i ⌊t/(c τ_i)⌋ ≥ k}.",
                 r"\min\{t : \textstyle\sum_i \lfloor t/(%(c)s\tau_i)\rfloor \ge %(k)s\}")
Blocks = _function("Blocks", "k S c", "T_k of the block recursion over the computation powers (sum of counts).",
                   r"T_{%(k)s}\!\left[\textstyle\sum_i \lfloor \frac{1}{%(c)s}\int v_i\rfloor \ge %(S)s\right]")
HBlocks = _function("HBlocks", "k S c",
                    "T_k of the block recursion over the computation powers (harmonic mean of counts).",
                    r"T_{%(k)s}\!\left[\mathrm{HM}_i \lfloor \frac{1}{%(c)s}\int v_i\rfloor \ge %(S)s\right]")

POWER_FUNCTIONS = {"Blocks": Blocks, "HBlocks": HBlocks}
TAU_FUNCTIONS = {"H": H, "Rate": Rate, "tau": tau, "Min_m": Min_m, "Argmin_m": Argmin_m, "Fill": Fill}
#: Names computed from τ (never declared by a card; ``n`` may be given when τ is not).
TAU_NAMES = ("n", "tau_min", "tau_max", "tau_avg", "tau_H")
#: The bound variable of ``Min_m`` / ``Argmin_m``.
M = sp.Symbol("m", positive=True, integer=True)
BINDERS = (Min_m, Argmin_m)


def uses_tau(expr: sp.Basic) -> bool:
    """True when the formula needs the compute-time vector."""
    names = {s.name for s in expr.free_symbols}
    return bool(expr.atoms(*TAU_FUNCTIONS.values())) or bool(names & set(TAU_NAMES[1:]))


def uses_powers(expr: sp.Basic) -> bool:
    """True when the formula needs the computation powers of the universal model."""
    return bool(expr.atoms(*POWER_FUNCTIONS.values()))


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
