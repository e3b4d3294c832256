"""The ``[[claims]]`` tables of a check spec: their schema, validation and wording.

Kinds and their fields (``*`` = required; every kind also takes ``alpha``, the error
level, default 0.05, ``min_seeds``, default 5, and ``statistic``, default the runs'
``meta["statistic"]``, i.e. the statistic the card bounds):

=====================  ==============================================================
``holds``              ``algorithm*``, ``theorem*``, ``bound*`` (a key of the card's
                       ``bounds``), ``measure`` (default ``bound``)
``scaling``            ``algorithm*``, ``theorem*``, ``bound*``, ``tolerance*`` (> 0, on
                       the exponent), ``variable`` (default ``"eps"``), ``measure``
``ratio-bounded``      ``algorithm*``, ``theorem*``, ``bound*``, ``c_lo*`` (≥ 0),
                       ``c_hi*`` (> ``c_lo``), ``measure``
``optimal-parameter``  ``algorithm_grid*`` (≥ 2 labels), ``parameter*``, ``factor*``
                       (≥ 1), ``reference`` (the grid label whose card evaluation
                       holds the card's choice), ``theorem``, ``measure`` (default
                       ``"time"``)
``ordering``           ``faster*``, ``slower*``, ``measure`` (default ``"time"``)
=====================  ==============================================================

``measure`` is ``iterations``, ``time``, ``computed`` or ``worker_time``; when ``bound`` is not one of
those names, ``measure`` must be given.
"""

from __future__ import annotations

import math
from typing import Any

from ..engine.trace import STATISTICS
from ..errors import SpecError
from .complexity import MEASURES

KINDS = ("holds", "scaling", "ratio-bounded", "optimal-parameter", "ordering")
COMMON = {"kind", "alpha", "min_seeds", "statistic"}
FIELDS = {
    "holds": {"algorithm", "theorem", "bound", "measure"},
    "scaling": {"algorithm", "theorem", "bound", "measure", "tolerance", "variable"},
    "ratio-bounded": {"algorithm", "theorem", "bound", "measure", "c_lo", "c_hi"},
    "optimal-parameter": {"algorithm_grid", "parameter", "factor", "reference", "theorem", "measure"},
    "ordering": {"faster", "slower", "measure"},
}
REQUIRED = {
    "holds": ("algorithm", "theorem", "bound"),
    "scaling": ("algorithm", "theorem", "bound", "tolerance"),
    "ratio-bounded": ("algorithm", "theorem", "bound", "c_lo", "c_hi"),
    "optimal-parameter": ("algorithm_grid", "parameter", "factor"),
    "ordering": ("faster", "slower"),
}
DEFAULT_ALPHA = 0.05
DEFAULT_MIN_SEEDS = 5


def _label(claim: dict, where: str, name: str, labels) -> str:
    v = claim[name]
    if not isinstance(v, str) or not v:
        raise SpecError(f"{where}.{name}", f"must be a non-empty string, got {v!r}")
    if labels is not None and v not in labels:
        raise SpecError(f"{where}.{name}", f"unknown algorithm {v!r} (known: {', '.join(sorted(labels))})")
    return v


def _number(claim: dict, where: str, name: str, *, lo: float, lo_open: bool) -> float:
    v = claim[name]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise SpecError(f"{where}.{name}", f"must be a finite number, got {v!r}")
    if v < lo or (lo_open and v == lo):
        raise SpecError(f"{where}.{name}", f"must be {'>' if lo_open else '>='} {lo}, got {v!r}")
    return float(v)


def _text(claim: dict, where: str, name: str) -> str:
    v = claim[name]
    if not isinstance(v, str) or not v:
        raise SpecError(f"{where}.{name}", f"must be a non-empty string, got {v!r}")
    return v


def validate_claim(claim: Any, index: int, labels=None) -> dict:
    """Validate ``claims[index]`` and return it normalised (defaults filled in).

    ``labels``: the algorithm labels of the spec (or of the runs); ``None`` skips that
    check. Raises :class:`~ratecheck.errors.SpecError` naming ``claims[i].field``.
    """
    where = f"claims[{index}]"
    if not isinstance(claim, dict):
        raise SpecError(where, f"must be a table, got {type(claim).__name__}")
    kind = claim.get("kind")
    if kind not in KINDS:
        raise SpecError(f"{where}.kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    unknown = sorted(set(claim) - FIELDS[kind] - COMMON)
    if unknown:
        raise SpecError(f"{where}.{unknown[0]}", f"unknown field for a {kind} claim (allowed: {', '.join(sorted(FIELDS[kind] | COMMON))})")
    for name in REQUIRED[kind]:
        if name not in claim:
            raise SpecError(f"{where}.{name}", f"required for a {kind} claim")
    out: dict[str, Any] = {"kind": kind, "index": index}
    out["alpha"] = DEFAULT_ALPHA
    if "alpha" in claim:
        out["alpha"] = _number(claim, where, "alpha", lo=0.0, lo_open=True)
        if out["alpha"] >= 0.5:
            raise SpecError(f"{where}.alpha", f"must be < 0.5, got {claim['alpha']!r}")
    out["min_seeds"] = DEFAULT_MIN_SEEDS
    if "min_seeds" in claim:
        v = claim["min_seeds"]
        if isinstance(v, bool) or not isinstance(v, int) or v < 2:
            raise SpecError(f"{where}.min_seeds", f"must be an integer >= 2, got {v!r}")
        out["min_seeds"] = v
    out["statistic"] = None
    if "statistic" in claim:
        if claim["statistic"] not in STATISTICS:
            raise SpecError(f"{where}.statistic", f"must be one of {', '.join(STATISTICS)}, got {claim['statistic']!r}")
        out["statistic"] = claim["statistic"]

    if kind in ("holds", "scaling", "ratio-bounded"):
        out["algorithm"] = _label(claim, where, "algorithm", labels)
        out["theorem"] = _text(claim, where, "theorem")
        out["bound"] = _text(claim, where, "bound")
        out["measure"] = claim.get("measure", out["bound"])
        if out["measure"] not in MEASURES:
            field = "measure" if "measure" in claim else "bound"
            raise SpecError(f"{where}.{field}", f"measure must be one of {', '.join(MEASURES)} (give `measure` when the bound is named otherwise), got {out['measure']!r}")
    if kind == "scaling":
        out["tolerance"] = _number(claim, where, "tolerance", lo=0.0, lo_open=True)
        out["variable"] = _text(claim, where, "variable") if "variable" in claim else "eps"
    if kind == "ratio-bounded":
        out["c_lo"] = _number(claim, where, "c_lo", lo=0.0, lo_open=False)
        out["c_hi"] = _number(claim, where, "c_hi", lo=0.0, lo_open=True)
        if out["c_hi"] <= out["c_lo"]:
            raise SpecError(f"{where}.c_hi", f"must be > c_lo = {out['c_lo']}, got {out['c_hi']}")
    if kind == "optimal-parameter":
        grid = claim["algorithm_grid"]
        if not isinstance(grid, list) or len(grid) < 2:
            raise SpecError(f"{where}.algorithm_grid", f"must be a list of at least 2 algorithm labels, got {grid!r}")
        for j, g in enumerate(grid):
            if not isinstance(g, str) or not g:
                raise SpecError(f"{where}.algorithm_grid[{j}]", f"must be a non-empty string, got {g!r}")
            if labels is not None and g not in labels:
                raise SpecError(f"{where}.algorithm_grid[{j}]", f"unknown algorithm {g!r} (known: {', '.join(sorted(labels))})")
        if len(set(grid)) != len(grid):
            raise SpecError(f"{where}.algorithm_grid", "lists an algorithm twice")
        out["algorithm_grid"] = list(grid)
        out["parameter"] = _text(claim, where, "parameter")
        out["factor"] = _number(claim, where, "factor", lo=1.0, lo_open=False)
        out["theorem"] = _text(claim, where, "theorem") if "theorem" in claim else None
        out["reference"] = None
        if "reference" in claim:
            out["reference"] = _text(claim, where, "reference")
            if out["reference"] not in grid:
                raise SpecError(f"{where}.reference", f"must be one of algorithm_grid, got {out['reference']!r}")
    if kind == "ordering":
        out["faster"] = _label(claim, where, "faster", labels)
        out["slower"] = _label(claim, where, "slower", labels)
        if out["faster"] == out["slower"]:
            raise SpecError(f"{where}.slower", "must differ from faster")
    if kind in ("optimal-parameter", "ordering"):
        out["measure"] = claim.get("measure", "time")
        if out["measure"] not in MEASURES:
            raise SpecError(f"{where}.measure", f"must be one of {', '.join(MEASURES)}, got {out['measure']!r}")
    return out


def validate_claims(claims: Any, labels=None) -> list[dict]:
    """Validate the spec's ``claims`` list (see :func:`validate_claim`)."""
    if claims is None:
        return []
    if not isinstance(claims, list):
        raise SpecError("claims", f"must be a list of tables, got {type(claims).__name__}")
    return [validate_claim(c, i, labels) for i, c in enumerate(claims)]


def describe(claim: dict) -> str:
    """One readable line for the verdict table."""
    k, m = claim["kind"], claim.get("measure")
    unit = MEASURES[m][2] if m else ""
    if k == "holds":
        return f"{claim['algorithm']}: {unit} to ε ≤ the {claim['theorem']} {claim['bound']} bound at every point"
    if k == "scaling":
        return f"{claim['algorithm']}: {unit} to ε scale in {claim['variable']} like the {claim['theorem']} {claim['bound']} bound (exponent ± {claim['tolerance']:g})"
    if k == "ratio-bounded":
        return f"{claim['algorithm']}: {unit} to ε / {claim['theorem']} {claim['bound']} bound stays in [{claim['c_lo']:g}, {claim['c_hi']:g}]"
    if k == "optimal-parameter":
        return f"best {claim['parameter']} over {', '.join(claim['algorithm_grid'])} ({unit} to ε) lies within ×{claim['factor']:g} of the card's choice"
    return f"{claim['faster']} reaches ε in fewer {unit} than {claim['slower']}"
