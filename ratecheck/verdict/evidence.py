"""What a claim is judged on: the runs grouped by (algorithm, point), the card evaluations
and the references the instance fixes (:func:`ratecheck.references.resolve_references`).

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
from .complexity import RUNNING, point_key, seed_values

#: Verdict statuses of claims; ``info`` marks the automatic tightness rows, which are
#: measurements, not claims (``fail`` makes ``ratecheck check`` exit with 1, an errored
#: run with 3).
STATUSES = ("pass", "fail", "inconclusive", "not-applicable", "error")
INFO = "info"

#: Seed of every bootstrap generator, combined with the claim and point indices.
BOOT_SEED = 20240917


def sort_key(point: dict) -> tuple:
    """Sweep order of points: by variable name, numbers before strings."""
    return tuple((k, (0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v))) for k, v in sorted(point.items()))


class Evidence:
    """Runs indexed by ``(algorithm label, point key)`` plus the predictions and the
    resolved references, ``{(claim index, point key): value}``."""

    def __init__(self, runs: list[RunResult], predictions: dict, references: dict | None = None):
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
        self.references = references or {}

    @property
    def labels(self) -> set[str]:
        return {label for label, _ in self.groups if isinstance(label, str)}

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

    def seed_values(self, runs, statistic, point, measure, shift: int = 0):
        """:func:`~ratecheck.verdict.complexity.seed_values` at ε = ``point["eps"]``.

        Returns ``None`` when the target or statistic was not tracked by every run.
        """
        eps = point.get("eps")
        if eps is None:
            return None
        for r in runs:
            if r.status == "ok" and (statistic not in r.hits or not np.isclose(r.targets, eps, rtol=1e-12, atol=0).any()):
                return None
        return seed_values(runs, statistic, eps, measure, shift)

    def shift(self, label: str, pk: str, statistic: str | None) -> int:
        """1 when ``label``'s card bounds ``statistic`` averaged over k = 0..K−1, else 0.

        Claims against a card's bound count like the card (:mod:`.complexity`); claims
        between algorithms (ordering, optimal-parameter) use the trace's own statistic.
        """
        pred = self.predictions.get((label, pk)) or {}
        same = statistic == pred.get("statistic") and statistic in RUNNING
        return int(same and pred.get("statistic_range") == "0..K-1")

    def violations(self, label: str, pk: str) -> list[str]:
        """Sentences naming the card conditions the run of ``label`` at ``pk`` violates."""
        pred = self.predictions.get((label, pk)) or {}
        return [f"{label} ran with {v}, violating a condition of card {pred.get('theorem')}" for v in pred.get("violations") or []]

    def bound(self, claim: dict, label: str, pk: str, *, allow_hidden: bool) -> tuple[float | None, str | None]:
        """The card's bound ``claim["bound"]`` at this point, or ``(None, why not)``.

        Not available where the card does not apply: its inputs or assumptions are
        missing, or the run's parameters violate its conditions (the theorem says
        nothing about such a run; the run is kept and flagged).
        """
        pred = self.predictions.get((label, pk))
        if pred is None:
            return None, f"No card evaluation for {label} at {pk}"
        if claim.get("theorem") and pred.get("theorem") != claim["theorem"]:
            return None, f"{label} is evaluated with card {pred.get('theorem')!r}, not {claim['theorem']!r}"
        if pred.get("missing"):
            return None, f"Card {pred.get('theorem')} does not apply: missing {', '.join(map(str, pred['missing']))}"
        if pred.get("not_applicable"):
            return None, f"Card {pred.get('theorem')} does not apply: the problem and asynchrony model do not declare {', '.join(map(str, pred['not_applicable']))}"
        if pred.get("violations"):
            return None, "; ".join(self.violations(label, pk))
        value = (pred.get("bounds") or {}).get(claim["bound"])
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            return None, f"Card {pred.get('theorem')} gives no finite {claim['bound']} bound at {pk}"
        if not allow_hidden and (pred.get("constants") or {}).get(claim["bound"]) == "hidden":
            return None, f"The {claim['bound']} bound of {pred.get('theorem')} hides its constants (O(·)); only scaling and ratio-bounded claims can use it"
        return float(value), None

    def bound_range(self, label: str, pk: str, bound: str) -> list[float] | None:
        """``[lo, hi]`` of a bound over the CIs of the estimated constants it uses, or None."""
        pred = self.predictions.get((label, pk)) or {}
        r = (pred.get("bound_ranges") or {}).get(bound)
        return [float(r[0]), float(r[1])] if r else None

    def estimate_note(self, label: str, pk: str, bound: str) -> str | None:
        """"sigma2 = 1.1 (CI [0.9, 1.3])" for the estimated constants of a bound, or None."""
        pred = self.predictions.get((label, pk)) or {}
        names = (pred.get("estimated") or {}).get(bound)
        if not names:
            return None
        est = pred.get("estimates") or {}
        return ", ".join(f"{n} = {num(est[n]['value'])} (CI [{num(est[n]['ci'][0])}, {num(est[n]['ci'][1])}])" for n in names if n in est)

    def reference(self, claim: dict, field: str, pk: str):
        """What ``claim[field]`` stands for at point ``pk``: its value resolved from the
        instance there (:mod:`ratecheck.references`), else the literal the claim gives (a number, a list of numbers),
        else None (a name or formula that was not resolved)."""
        if (claim["index"], pk) in self.references:
            return self.references[(claim["index"], pk)]
        literal = claim[field]
        return None if isinstance(literal, str) else literal

    def rng(self, claim_index: int, point_index: int) -> np.random.Generator:
        return np.random.default_rng([BOOT_SEED, claim_index, point_index])


def censored_note(values, censored, statuses=None) -> str | None:
    """How the seeds that never reached ε ended, for a table cell that would read ∞:
    ``"diverged"`` when most of them diverged, else ``"not reached by the horizon (≥ T)"``
    with T the smallest finite censoring value (None when no seed is censored)."""
    cens = [i for i, c in enumerate(censored) if c]
    if not cens:
        return None
    div = sum(1 for i in cens if statuses is not None and statuses[i] == "diverged")
    if 2 * div > len(cens):
        return "diverged"
    ends = [float(values[i]) for i in cens if math.isfinite(float(values[i]))]
    return f"not reached by the horizon (≥ {num(min(ends))})" if ends else "not reached by the horizon"


def failures_note(runs: list[RunResult]) -> str:
    """"; 2 runs diverged and 1 errored (counted as censored)" or ""."""
    div = sum(r.status == "diverged" for r in runs)
    err = sum(r.status == "error" for r in runs)
    parts = [f"{div} run{'s' * (div != 1)} diverged"] if div else []
    parts += [f"{err} run{'s' * (err != 1)} errored"] if err else []
    return f"; {' and '.join(parts)} (counted as censored)" if parts else ""


def closing(skipped: list[dict], runs: list[RunResult], *, card: bool) -> str:
    """The end of a verdict's reason: the sweep points left out (``card``: where the card
    does not apply, with the first reason; else where the claim cannot be evaluated), the
    runs that failed, and the full stop."""
    out = ""
    if skipped:
        pts = f"{len(skipped)} point{'s' * (len(skipped) != 1)}"
        out = f"; the card does not apply at {pts} ({skipped[0]['reason']})" if card else f"; not evaluable at {pts}"
    return out + failures_note(runs) + "."


def no_points(claim: dict, skipped: list[dict], otherwise: str) -> dict[str, Any]:
    """The verdict when no sweep point is usable: not-applicable with the first skipped
    point's reason, or inconclusive because ``otherwise`` (nothing was skipped)."""
    why = skipped[0]["reason"] if skipped else otherwise
    return make_verdict(claim, "not-applicable" if skipped else "inconclusive", why + ".", points=skipped)


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
