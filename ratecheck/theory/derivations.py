"""Check the derivation steps of a card: proven by sympy, or spot-checked on samples.

Each ``[[derivations]]`` entry states a relation over the card's symbols, parameters,
bounds, local ``where`` definitions and the compute-time functions. The check

1. substitutes every parameter and bound by its formula (with the entry's ``set``
   overrides, e.g. R = 1) and asks :func:`ratecheck.theory.symbolic.prove`; a proof
   holds for every admissible value of the symbols and for every τ;
2. otherwise (or with ``method = "sample"``) evaluates both sides on random inputs:
   positive symbols log-uniform on [1e-3, 1e3] (or the entry's ``sample`` range),
   nonnegative ones zero 10% of the time, integers log-uniform on [1, 1000], and
   compute-time vectors of n ∈ [1, 200] workers from random profiles (log-normal,
   linear, √i, i², equal, one fast worker). Samples failing ``given`` are redrawn.
   A relation must hold up to a relative tolerance of 1e-9.

The status is ``"proven"``, ``"spot-checked (N samples)"`` or ``"failed"`` (with a
counterexample). ``trivial`` says when the expanded statement holds without algebra
(:func:`ratecheck.theory.symbolic.trivial`): such a step is kept but flagged, since it
cannot catch a wrong constant. The checks of source forms
(:mod:`ratecheck.theory.sources`) run here too, as derivations of kind ``"source"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from . import language as lang
from .symbolic import prove, trivial

RTOL = 1e-9


@dataclass
class DerivationResult:
    card: str
    name: str
    claim: str
    status: str
    detail: str = ""
    samples: int = 0
    kind: str = "step"
    trivial: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def as_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "claim": self.claim, "status": self.status,
                "detail": self.detail, "trivial": self.trivial}


def _substitution(card, d) -> dict:
    """Every parameter, bound and ``where`` name of ``d`` → its formula in inputs and τ."""
    subs = {}
    for name in [*card.parameters, *card.bounds]:
        subs[sp.Symbol(name, positive=True)] = card.expression(name, overrides=d.set)
    defs = {sp.Symbol(k, positive=True): v.xreplace(subs) for k, v in d.where.items()}
    # where-definitions may use earlier ones
    for _ in range(len(defs)):
        defs = {k: v.xreplace(defs) for k, v in defs.items()}
    return subs, defs


def _expanded(card, d) -> sp.Basic:
    """The statement in terms of inputs and τ only."""
    subs, defs = _substitution(card, d)
    return d.statement.xreplace(subs).xreplace(defs)


def _sides(card, d) -> list:
    """The statement's relations as ``(class, lhs, rhs)``, sides expanded but not compared."""
    subs, defs = _substitution(card, d)
    parts = d.statement.args if isinstance(d.statement, sp.And) else (d.statement,)
    return [(type(r), r.lhs.xreplace(subs).xreplace(defs), r.rhs.xreplace(subs).xreplace(defs)) for r in parts]


def check(card, d, samples: int = 2000, seed: int = 0) -> DerivationResult:
    """Check one derivation entry of ``card``."""
    whole = _expanded(card, d)
    flag = trivial(_sides(card, d)) if d.given is None else ""
    result = lambda *a: DerivationResult(card.id, d.name, d.claim, *a, kind=d.kind, trivial=flag)  # noqa: E731
    if d.method in ("symbolic", "auto"):
        try:
            if prove(whole):
                return result("proven")
        except (TypeError, ValueError, RecursionError):
            pass
    note = "" if d.method == "sample" else "sympy could not prove it; "
    bad, count = _spot_check(card, d, samples, seed)
    if bad:
        return result("failed", f"counterexample: {bad}", count)
    if count == 0:
        return result("failed", "no admissible sample (check 'given')", 0)
    return result(f"spot-checked ({count} samples)", note.rstrip("; "), count)


def check_card(card, samples: int = 2000, seed: int = 0) -> list[DerivationResult]:
    return [check(card, d, samples, seed) for d in card.derivations]


# --- sampling --------------------------------------------------------------------------


def _draw_tau(rng) -> np.ndarray:
    n = int(np.exp(rng.uniform(0, np.log(200))))
    i = np.arange(1, n + 1, dtype=float)
    kind = rng.integers(6)
    t = [
        lambda: rng.lognormal(0.0, 1.5, n),
        lambda: i,
        lambda: np.sqrt(i),
        lambda: i**2,
        lambda: np.ones(n),
        lambda: np.r_[rng.uniform(1e-3, 1e-1), np.ones(n - 1)],
    ][kind]()
    return np.sort(t * np.exp(rng.uniform(np.log(1e-2), np.log(1e2))))


def _draw(rng, name, domain, spec, size):
    lo, hi = spec.get(name, [1.0, 1000.0] if domain == "positive integer" else [1e-3, 1e3])
    if domain == "positive integer":
        return np.floor(np.exp(rng.uniform(np.log(lo), np.log(hi + 1), size)))
    x = np.exp(rng.uniform(np.log(lo), np.log(hi), size))
    if domain == "nonnegative":
        x = np.where(rng.uniform(size=size) < 0.1, 0.0, x)
    return x


def _holds(rel, env, ts):
    if isinstance(rel, sp.And):
        out = None
        for r in rel.args:
            h = _holds(r, env, ts)
            out = h if out is None else out & h
        return out
    lhs = np.asarray(lang.evaluate(rel.lhs, env, ts), dtype=float)
    rhs = np.asarray(lang.evaluate(rel.rhs, env, ts), dtype=float)
    tol = RTOL * np.maximum(np.abs(lhs), np.abs(rhs))
    with np.errstate(invalid="ignore"):
        return {
            sp.LessThan: lhs <= rhs + tol, sp.StrictLessThan: lhs < rhs + tol,
            sp.GreaterThan: lhs >= rhs - tol, sp.StrictGreaterThan: lhs > rhs - tol,
            sp.Equality: np.abs(lhs - rhs) <= tol,
        }[type(rel)]


def _spot_check(card, d, samples: int, seed: int):
    rng = np.random.default_rng(seed)
    symbols = {k: v[2] for k, v in card.symbols.items()}
    symbols |= {k: ("positive integer" if s.is_integer else "nonnegative" if s.is_nonnegative and not s.is_positive else "positive")
                for k, s in d.extra_symbols.items()}
    whole = _expanded(card, d)
    needs_tau = lang.uses_tau(whole) or any(lang.uses_tau(e.expr) for e in [*card.parameters.values(), *card.bounds.values()])
    batches, per = (40, max(1, samples // 40)) if needs_tau else (1, samples)
    count = 0
    for attempt in range(5 * batches):
        if count >= samples:
            break
        ts = lang.TauStats(_draw_tau(rng)) if needs_tau else None
        env = {k: _draw(rng, k, dom, d.sample, per) for k, dom in symbols.items()}
        if ts is not None:
            env["n"] = np.full(per, float(ts.n))
        with np.errstate(all="ignore"):
            over = {k: np.broadcast_to(np.asarray(lang.evaluate(v, env, ts), dtype=float), (per,)) for k, v in d.set.items()}
            params, bounds, _ = card.compute(env, ts, over)
            full = {**env, **params, **bounds}
            for k, v in d.where.items():
                full[k] = lang.evaluate(v, full, ts)
            keep = np.ones(per, dtype=bool) if d.given is None else np.broadcast_to(_holds(d.given, full, ts), (per,))
            ok = np.broadcast_to(_holds(d.statement, full, ts), (per,))
        bad = keep & ~ok
        if bad.any():
            j = int(np.argmax(bad))
            example = {k: float(np.broadcast_to(v, (per,))[j]) for k, v in env.items()}
            if ts is not None:
                example["tau"] = ts.tau.tolist() if ts.n <= 8 else f"{ts.n} values in [{ts.tau[0]:.3g}, {ts.tau[-1]:.3g}]"
            return example, count
        count += int(keep.sum())
    return None, count
