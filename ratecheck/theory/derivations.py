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
   linear, √i, i², equal, one fast worker); where a formula needs the computation
   powers of the universal model (``Blocks``, ``HBlocks``), powers built on that τ:
   constant 1/τ_i, periodic outages, or a step up or down at a random time. Samples
   failing ``given`` are redrawn; a step may cap its sample count (``samples``) when
   each sample is costly, and samples whose recursion would need more than
   :data:`BLOCK_LIMIT` blocks are skipped. A relation must hold up to a relative
   tolerance of 1e-9.

The status is ``"proven"``, ``"spot-checked (N samples)"`` or ``"failed"`` (with a
counterexample). ``trivial`` says when the expanded statement holds without algebra
(:func:`ratecheck.theory.symbolic.trivial`): such a step is kept but flagged, since it
checks a formula's shape rather than its constants. The checks of source forms
(:mod:`ratecheck.theory.sources`) run here too, as derivations of kind ``"source"``;
for them ``trivial`` is ``"verbatim"`` when the card evaluates the source's formula as
transcribed.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..errors import SpecError
from . import language as lang
from .powers import Powers
from .symbolic import prove, trivial

RTOL = 1e-9
#: Seconds a sympy proof may take before the step falls back to sampling (sympy's
#: simplification can run for minutes on a formula with odd fractional powers).
PROOF_SECONDS = 5.0
#: Most blocks a sampled ``Blocks``/``HBlocks`` evaluation may take (larger samples are skipped).
BLOCK_LIMIT = 100
#: Sample cap of a step over the computation powers that sets none.
POWER_SAMPLES = 60


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


def imported(card, d) -> dict[str, sp.Basic]:
    """``d``'s imports: each other card's formula in this card's symbols (renames applied).

    Raises ``ValueError`` naming the import when the card, the entry or a symbol is missing.
    """
    from . import sibling

    out = {}
    for name, (cid, entry, rename, sets) in d.imports.items():
        try:
            other = sibling(card, cid)
            expr = other.expression(entry, overrides=sets)
        except SpecError as exc:
            raise ValueError(f"cards.{name}: {exc}") from None
        if set(sets) - set(other.parameters):
            raise ValueError(f"cards.{name}: {cid!r} has no parameter {sorted(set(sets) - set(other.parameters))[0]!r}")
        mapping = {}
        for sym in expr.free_symbols - {lang.M}:
            if sym.name in rename:
                mapping[sym] = rename[sym.name]
            elif sym.name in d.extra_symbols or sym.name in card._names:
                mapping[sym] = d.extra_symbols.get(sym.name, card._names.get(sym.name))
            else:
                raise ValueError(f"cards.{name}: {cid}:{entry} uses {sym.name!r}, which {card.id!r} does not have "
                                 "(rename it)")
        out[name] = expr.xreplace(mapping)
    return out


def _substitution(card, d, imports: bool = True) -> tuple[dict, dict]:
    """Every parameter, bound, import and ``where`` name of ``d`` → its formula in inputs and τ
    (imports left as symbols unless ``imports``)."""
    subs = {}
    for name in [*card.parameters, *card.bounds]:
        subs[sp.Symbol(name, positive=True)] = card.expression(name, overrides=d.set)
    defs = {sp.Symbol(k, positive=True): v for k, v in imported(card, d).items()} if imports else {}
    defs |= {sp.Symbol(k, positive=True): v.xreplace(subs) for k, v in d.where.items()}
    # where-definitions may use earlier ones
    for _ in range(len(defs)):
        defs = {k: v.xreplace(defs) for k, v in defs.items()}
    return subs, defs


def _expanded(card, d) -> sp.Basic:
    """The statement in terms of inputs and τ only."""
    subs, defs = _substitution(card, d)
    return d.statement.xreplace(subs).xreplace(defs)


def _sides(card, d) -> list:
    """The statement's relations as ``(class, lhs, rhs)``, sides expanded but not compared.

    Another card's formula stays a symbol: a comparison with it is a fact about two cards,
    never trivial for this one."""
    subs, defs = _substitution(card, d, imports=False)
    parts = d.statement.args if isinstance(d.statement, sp.And) else (d.statement,)
    return [(type(r), r.lhs.xreplace(subs).xreplace(defs), r.rhs.xreplace(subs).xreplace(defs)) for r in parts]


def check(card, d, samples: int = 2000, seed: int = 0) -> DerivationResult:
    """Check one derivation entry of ``card``."""
    samples = min(samples, d.samples or (POWER_SAMPLES if _uses_powers(card, d) else samples))
    try:
        whole = _expanded(card, d)
    except ValueError as exc:
        return DerivationResult(card.id, d.name, d.claim, "failed", str(exc), kind=d.kind)
    if d.kind == "source":
        flag = "verbatim" if d.verbatim else ""
    else:
        flag = trivial(_sides(card, d)) if d.given is None else ""
    result = lambda *a: DerivationResult(card.id, d.name, d.claim, *a, kind=d.kind, trivial=flag)  # noqa: E731
    if d.method in ("symbolic", "auto"):
        try:
            if _timed(prove, whole):
                return result("proven")
        except (TypeError, ValueError, RecursionError, _ProofTimeout):
            pass
    note = "" if d.method == "sample" else "sympy could not prove it; "
    bad, count = _spot_check(card, d, samples, seed)
    if bad:
        return result("failed", f"counterexample: {bad}", count)
    if count == 0:
        return result("failed", "no admissible sample (check 'given')", 0)
    return result(f"spot-checked ({count} samples)", note.rstrip("; "), count)


class _ProofTimeout(Exception):
    pass


def _timed(f, *args):
    """``f(*args)``, interrupted after :data:`PROOF_SECONDS` (main thread only; elsewhere untimed)."""
    if threading.current_thread() is not threading.main_thread():
        return f(*args)

    def stop(signum, frame):
        raise _ProofTimeout

    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, PROOF_SECONDS)
    try:
        return f(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


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


def _draw_powers(rng, tau: np.ndarray) -> Powers:
    """Powers built on τ (module docstring): constant, periodic outages, or a step."""
    n, base = tau.size, 1.0 / tau
    kind = rng.integers(3)
    if kind == 0:
        return Powers.constant(tau)
    at = tau[-1] * np.exp(rng.uniform(0.0, np.log(10.0)))
    if kind == 1:  # off on the last fraction o_i of a common period
        up = at * (1.0 - rng.uniform(0.0, 0.9, n))
        return Powers(np.c_[np.zeros(n), up], np.c_[base, np.zeros(n)], np.full(n, at))
    return Powers(np.c_[np.zeros(n), np.full(n, at)], np.c_[base, base * np.exp(rng.uniform(np.log(0.1), np.log(10.0), n))],
                  np.zeros(n))


def _draw(rng, name, domain, spec, size):
    lo, hi = spec.get(name, [1.0, 1000.0] if domain == "positive integer" else [1e-3, 1e3])
    if domain == "positive integer":
        return np.floor(np.exp(rng.uniform(np.log(lo), np.log(hi + 1), size)))
    x = np.exp(rng.uniform(np.log(lo), np.log(hi), size))
    if domain == "nonnegative":
        x = np.where(rng.uniform(size=size) < 0.1, 0.0, x)
    return x


def _holds(rel, env, ts, missing=None):
    """Where ``rel`` holds; ``missing`` (a list) collects the NaN masks of the sides."""
    if isinstance(rel, sp.And):
        out = None
        for r in rel.args:
            h = _holds(r, env, ts, missing)
            out = h if out is None else out & h
        return out
    lhs = np.asarray(lang.evaluate(rel.lhs, env, ts), dtype=float)
    rhs = np.asarray(lang.evaluate(rel.rhs, env, ts), dtype=float)
    if missing is not None:
        missing += [np.isnan(lhs), np.isnan(rhs)]
    tol = RTOL * np.maximum(np.abs(lhs), np.abs(rhs))
    with np.errstate(invalid="ignore"):
        return {
            sp.LessThan: lhs <= rhs + tol, sp.StrictLessThan: lhs < rhs + tol,
            sp.GreaterThan: lhs >= rhs - tol, sp.StrictGreaterThan: lhs > rhs - tol,
            sp.Equality: np.abs(lhs - rhs) <= tol,
        }[type(rel)]


def _uses_powers(card, d) -> bool:
    try:
        return lang.uses_powers(_expanded(card, d))
    except ValueError:
        return False


def _spot_check(card, d, samples: int, seed: int):
    rng = np.random.default_rng(seed)
    symbols = {k: s.domain for k, s in card.symbols.items()}
    symbols |= {k: ("positive integer" if s.is_integer else "nonnegative" if s.is_nonnegative and not s.is_positive else "positive")
                for k, s in d.extra_symbols.items()}
    whole = _expanded(card, d)
    imports = imported(card, d)
    exprs = [whole, *(e.expr for e in [*card.parameters.values(), *card.bounds.values()])]
    needs_powers = lang.uses_powers(whole)  # else the card's power formulas are left out: costly, unused
    needs_tau = needs_powers or any(lang.uses_tau(e) or "n" in {x.name for x in e.free_symbols} for e in exprs)
    batches, per = (40, max(1, samples // 40)) if needs_tau else (1, samples)
    count = 0
    for attempt in range(5 * batches):
        if count >= samples:
            break
        if needs_tau:
            tau = _draw_tau(rng)
            ts = lang.TauStats(tau, _draw_powers(rng, tau) if needs_powers else None)
            ts.block_limit = BLOCK_LIMIT
        else:
            ts = None
        env = {k: _draw(rng, k, dom, d.sample, per) for k, dom in symbols.items()}
        if ts is not None:
            env["n"] = np.full(per, float(ts.n))
        with np.errstate(all="ignore"):
            over = {k: np.broadcast_to(np.asarray(lang.evaluate(v, env, ts), dtype=float), (per,)) for k, v in d.set.items()}
            params, bounds, _ = card.compute(env, ts, over)
            full = {**env, **params, **bounds}
            for k, v in imports.items():
                full[k] = lang.evaluate(v, full, ts)
            for k, v in d.where.items():
                full[k] = lang.evaluate(v, full, ts)
            keep = np.ones(per, dtype=bool) if d.given is None else np.broadcast_to(_holds(d.given, full, ts), (per,))
            skipped = []
            ok = np.broadcast_to(_holds(d.statement, full, ts, skipped if needs_powers else None), (per,))
            for mask in skipped:  # a recursion over BLOCK_LIMIT blocks was not evaluated (NaN)
                keep = keep & ~np.broadcast_to(mask, (per,))
        bad = keep & ~ok
        if bad.any():
            j = int(np.argmax(bad))
            example = {k: float(np.broadcast_to(v, (per,))[j]) for k, v in env.items()}
            if ts is not None:
                example["tau"] = ts.tau.tolist() if ts.n <= 8 else f"{ts.n} values in [{ts.tau[0]:.3g}, {ts.tau[-1]:.3g}]"
            return example, count
        count += int(keep.sum())
    return None, count
