"""What a claim compares with where the instance fixes it, resolved before anything runs.

A ``value`` claim's reference may be a formula in the instance's constants
(:mod:`ratecheck.verdict.value`) and a ``limit`` claim's point may be one the problem
family names, which can depend on the asynchrony model (:mod:`ratecheck.verdict.limit`).
Both are numbers only at a sweep point's instance, which the plan holds and the runs do
not: :func:`resolve_references` evaluates them once per point after planning (a bad one
is a :class:`~ratecheck.errors.SpecError` naming the claim's field, exit 2), and
:func:`ratecheck.verdict.evaluate_claims` reads the numbers. This side of the split may
use the theorem cards' formula language and the problem and model objects; the verdicts
use neither.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import SpecError
from .prediction import _values
from .theory import language as lang
from .verdict.complexity import point_key
from .verdict.evidence import where


def value_reference(claim: dict, problem, model, point: dict) -> float:
    """A ``value`` claim's reference at a sweep point (:mod:`ratecheck.verdict.value`); raises
    :class:`SpecError` naming ``claims[i].reference`` (or ``.rtol`` where a relative band
    would be empty)."""
    where_ = f"claims[{claim['index']}]"
    r = claim["reference"]
    if isinstance(r, str):
        r = formula_value(r, problem, model, point, f"{where_}.reference")
    if claim.get("rtol") is not None and r == 0:
        raise SpecError(f"{where_}.rtol", f"the reference is 0 at {where(point)}, where a relative tolerance gives an "
                        "empty band; give atol instead")
    return r


def formula_value(text: str, problem, model, point: dict, field: str) -> float:
    """``text`` evaluated at the instance's exact constants, ``n``, ``eps`` and compute times
    (the numbers a card is evaluated at, :func:`ratecheck.prediction._values`)."""
    env, tau = _values(problem, model, point)
    names = {k: lang.symbol(k, "real") for k in env} | (lang.tau_symbols() if tau is not None else {})
    try:
        expr = lang.parse(text, names)
    except lang.FormulaError as exc:
        raise SpecError(field, f"{exc} (names here: {', '.join(sorted(names))})") from None
    consts = problem.constants.values
    loose = sorted(s.name for s in expr.free_symbols if s.name in consts and consts[s.name].provenance != "exact")
    if loose:
        kinds = ", ".join(f"{k} ({consts[k].provenance})" for k in loose)
        raise SpecError(field, f"uses {kinds}: a reference is built from exact constants only (a certified value is a "
                        "one-sided bound and an estimate has an interval, neither is a number to test against)")
    try:
        value = lang.evaluate(expr, env, lang.TauStats(tau) if tau is not None else None)
    except lang.FormulaError as exc:
        raise SpecError(field, f"cannot evaluate {text!r} at {where(point)}: {exc}") from None
    if np.ndim(value) != 0 or not math.isfinite(float(value)):
        raise SpecError(field, f"{text!r} is {value!r} at {where(point)}, not a finite number")
    return float(value)


def limit_point(claim: dict, problem, model, point: dict) -> list[float]:
    """A ``limit`` claim's point at a sweep point (:mod:`ratecheck.verdict.limit`), as d numbers."""
    field, p = f"claims[{claim['index']}].point", claim["point"]
    family = getattr(problem, "registry_name", "?")
    if isinstance(p, list):
        x = np.asarray(p, dtype=float)
        if x.size != problem.d:
            raise SpecError(field, f"has {x.size} coordinate{'s' * (x.size != 1)}, the problem has d = {problem.d}")
    elif p == "x_star":
        if problem.x_star is None:
            raise SpecError(field, f"the {family} problem knows no minimiser x_star here; give the point as a list of numbers")
        x = np.asarray(problem.x_star, dtype=float)
    elif p in problem.named_points:
        x = np.asarray(problem.named_point(p, model, field), dtype=float)
    else:
        known = ", ".join(["x_star", *problem.named_points])
        raise SpecError(field, f"unknown point {p!r} of the {family} problem (known: {known}; or a list of numbers)")
    return x.tolist()


#: kind → (claim, problem, model, point → what the claim compares with there), for the
#: kinds whose reference the instance fixes.
REFERENCES = {"value": value_reference, "limit": limit_point}


def resolve_references(claims: list[dict], planned) -> dict[tuple[int, str], object]:
    """``{(claim index, point key): value}`` of every claim (validated) whose reference the
    instance fixes (:data:`REFERENCES`), at every sweep point of ``planned``
    (:class:`~ratecheck.plan.Plan`). Raises :class:`SpecError` naming the claim's field."""
    points = {point_key(f.point): f.point for f in planned.fragments + planned.tuning}
    out = {}
    for c in claims:
        if c["kind"] not in REFERENCES:
            continue
        resolve = REFERENCES[c["kind"]]
        for pk, point in points.items():
            problem, model = planned.instances[point_key({k: v for k, v in point.items() if k != "eps"})]
            out[(c["index"], pk)] = resolve(c, problem, model, point)
    return out
