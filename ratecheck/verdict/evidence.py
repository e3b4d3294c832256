"""What a claim is judged on: the runs grouped by (algorithm, point) and the card evaluations.

Also the shape of a verdict (DESIGN.md output contract): ``claim``, ``theorem``,
``kind``, ``status``, ``observed``, ``predicted``, ``ratio``, ``ci``, plus ``reason``
(one sentence) and ``points`` (per-point details).
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np

from ..engine.trace import RunResult
from .claims import describe
from .complexity import point_key, seed_values

#: Verdict statuses of claims; ``info`` marks the automatic tightness rows, which are
#: measurements, not claims (only ``fail`` makes ``ratecheck check`` exit with 1).
STATUSES = ("pass", "fail", "inconclusive", "not-applicable")
INFO = "info"

#: Seed of every bootstrap generator, combined with the claim and point indices.
BOOT_SEED = 20240917


def sort_key(point: dict) -> tuple:
    """Sweep order of points: by variable name, numbers before strings."""
    return tuple((k, (0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v))) for k, v in sorted(point.items()))


class Evidence:
    """Runs indexed by ``(algorithm label, point key)`` plus the predictions."""

    def __init__(self, runs: list[RunResult], predictions: dict):
        self.groups: dict[tuple[str, str], list[RunResult]] = defaultdict(list)
        self.points: dict[str, dict] = {}
        for r in runs:
            point = r.meta.get("point", {}) or {}
            pk = point_key(point)
            self.points[pk] = point
            self.groups[(r.meta.get("algorithm"), pk)].append(r)
        for g in self.groups.values():
            g.sort(key=lambda r: (r.meta.get("seed") is None, r.meta.get("seed")))
        self.predictions = predictions or {}

    @property
    def labels(self) -> set[str]:
        return {label for label, _ in self.groups}

    def point_keys(self, label: str) -> list[str]:
        """The points at which ``label`` ran, in sweep order."""
        keys = [pk for (lab, pk) in self.groups if lab == label]
        return sorted(keys, key=lambda pk: sort_key(self.points[pk]))

    def runs(self, label: str, pk: str) -> list[RunResult]:
        return self.groups.get((label, pk), [])

    def statistic(self, claim: dict, runs: list[RunResult]) -> str | None:
        """The claim's statistic, else the one the runs' card bounds."""
        if claim.get("statistic"):
            return claim["statistic"]
        for r in runs:
            if r.meta.get("statistic"):
                return r.meta["statistic"]
        return None

    def seed_values(self, runs, statistic, point, measure):
        """:func:`~ratecheck.verdict.complexity.seed_values` at ε = ``point["eps"]``.

        Returns ``None`` when the target or statistic was not tracked by every run.
        """
        eps = point.get("eps")
        if eps is None:
            return None
        for r in runs:
            if r.status == "ok" and (statistic not in r.hits or not np.isclose(r.targets, eps, rtol=1e-12, atol=0).any()):
                return None
        return seed_values(runs, statistic, eps, measure)

    def bound(self, claim: dict, label: str, pk: str, *, allow_hidden: bool) -> tuple[float | None, str | None]:
        """The card's bound ``claim["bound"]`` at this point, or ``(None, why not)``."""
        pred = self.predictions.get((label, pk))
        if pred is None:
            return None, f"No card evaluation for {label} at {pk}"
        if claim.get("theorem") and pred.get("theorem") != claim["theorem"]:
            return None, f"{label} is evaluated with card {pred.get('theorem')!r}, not {claim['theorem']!r}"
        if pred.get("missing"):
            return None, f"Card {pred.get('theorem')} does not apply: missing {', '.join(map(str, pred['missing']))}"
        value = (pred.get("bounds") or {}).get(claim["bound"])
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            return None, f"Card {pred.get('theorem')} gives no finite {claim['bound']} bound at {pk}"
        if not allow_hidden and (pred.get("constants") or {}).get(claim["bound"]) == "hidden":
            return None, f"The {claim['bound']} bound of {pred.get('theorem')} hides its constants (O(·)); only scaling and ratio-bounded claims can use it"
        return float(value), None

    def rng(self, claim_index: int, point_index: int) -> np.random.Generator:
        return np.random.default_rng([BOOT_SEED, claim_index, point_index])


def failures_note(runs: list[RunResult]) -> str:
    """"; 2 runs diverged and 1 errored (counted as censored)" or ""."""
    div = sum(r.status == "diverged" for r in runs)
    err = sum(r.status == "error" for r in runs)
    parts = [f"{div} run{'s' * (div != 1)} diverged"] if div else []
    parts += [f"{err} run{'s' * (err != 1)} errored"] if err else []
    return f"; {' and '.join(parts)} (counted as censored)" if parts else ""


def make_verdict(claim: dict, status: str, reason: str, *, observed=None, predicted=None, ratio=None, ci=None, points=(), **extra) -> dict[str, Any]:
    """A verdict dict in the output contract's field order."""
    v = {
        "claim": describe(claim),
        "theorem": claim.get("theorem"),
        "kind": claim["kind"],
        "index": claim.get("index"),
        "status": status,
        "observed": observed,
        "predicted": predicted,
        "ratio": ratio,
        "ci": ci,
        "reason": reason,
        "points": list(points),
    }
    v.update(extra)
    return v


def num(x) -> str:
    """A number for a sentence: 3 significant digits, ``∞`` for censored."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float) and math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:.3g}"


def where(point: dict) -> str:
    """``eps=0.01, problem.sigma2=4`` for a sweep point."""
    return ", ".join(f"{k}={num(v) if isinstance(v, float) else v}" for k, v in sorted(point.items()))
