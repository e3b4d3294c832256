"""Tightness of every explicit upper bound: observed / bound, per point.

Reported for each (algorithm, card, bound) whose card evaluation has an explicit
constant for a bound named like a measure (``iterations``, ``time``, ``computed``);
O(·) bounds have no absolute value to compare, nor do points where the run's parameters
violate the card's conditions (left out and counted). Observed = the seeds' median
first hit of ε, counted like the card (``statistic_range``, :mod:`.complexity`) and
censored at +∞, with its exact order-statistic interval divided by the bound. The
ratio follows the report's one convention, observed / bound: ≤ 1 means the bound
holds with that much slack. A median that no seed reached reads "diverged" or "not
reached by the horizon (≥ T)" (``observed_note``), never 0 or ∞. A row is reported
only for a card that bounds the row's method (``applies_to``). These rows are
measurements, not claims: their status is ``info``.
"""

from __future__ import annotations

import math

import numpy as np

from . import stats
from .complexity import MEASURES, as_upper_open
from .evidence import INFO, Evidence, censored_note, failures_note, num, where

def tightness_rows(ev: Evidence, level: float = 0.95) -> list[dict]:
    """One ``info`` verdict per (algorithm, card, bound), sorted for reproducibility."""
    found: dict[tuple[str, str, str], list[str]] = {}
    for (label, pk), pred in ev.predictions.items():
        if (label, pk) not in ev.groups or not pred or pred.get("missing") or pred.get("not_applicable") or pred.get("applies") is False:
            continue
        for bound, value in sorted((pred.get("bounds") or {}).items()):
            explicit = (pred.get("constants") or {}).get(bound) == "explicit"
            if bound in MEASURES and explicit and isinstance(value, (int, float)) and math.isfinite(value) and value > 0:
                found.setdefault((label, str(pred.get("theorem")), bound), []).append(pk)
    out = []
    for (label, theorem, bound), pks in sorted(found.items()):
        rows, all_runs, outside = [], [], []
        for pk in sorted(pks, key=lambda pk: ev.point_keys(label).index(pk)):
            point, runs = ev.points[pk], ev.runs(label, pk)
            if ev.violations(label, pk):
                outside.append(point)
                continue
            stat = next((r.meta.get("statistic") for r in runs if r.meta.get("statistic")), None)
            sv = ev.seed_values(runs, stat, point, bound, ev.shift(label, pk, stat)) if stat else None
            if sv is None:
                continue
            all_runs += runs
            B = float(ev.predictions[(label, pk)]["bounds"][bound])
            values = as_upper_open(sv[1], sv[2])
            med = float(stats.median(values))
            lo, hi, cover = stats.median_interval(values, level)
            rows.append({
                "point": point, "bound": B, "statistic": stat, "n_seeds": len(runs), "observed": med, "observed_ci": [lo, hi],
                "observed_ci_coverage": cover, "ratio": med / B, "ratio_ci": [lo / B, hi / B],
                "seeds": sv[0], "values": sv[1].tolist(), "censored": sv[2].tolist(),
            })
            note = censored_note(sv[1], sv[2], sv[3])
            if note and not math.isfinite(med):
                rows[-1]["observed_note"] = note
            b_range = ev.bound_range(label, pk, bound)
            if b_range:
                rows[-1].update(bound_range=b_range, estimated=ev.estimate_note(label, pk, bound))
        if not rows:
            continue
        tight = max(rows, key=lambda r: r["ratio"])
        t = np.array([r["ratio"] for r in rows])
        out.append({
            "claim": f"{label}: tightness of the {theorem} {bound} bound (median observed {MEASURES[bound][2]} to ε / bound)",
            "theorem": theorem, "kind": "tightness", "index": None, "status": INFO,
            "observed": tight["observed"], "predicted": tight["bound"], "ratio": tight["ratio"], "ci": tight["ratio_ci"],
            "reason": (
                f"Observed / bound is {num(float(t.min()))}" + (f" to {num(float(t.max()))} across {len(rows)} points" if len(rows) > 1 else "")
                + f"; closest to the bound at {where(tight['point'])}"
                + (f" ({tight['observed_note']})" if tight.get("observed_note") else "")
                + (f"; the bound is evaluated at an estimated constant, {est['estimated']}" if (est := next((r for r in rows if r.get("estimated")), None)) else "")
                + (f"; left out at {len(outside)} point{'s' * (len(outside) != 1)} where the run's parameters violate the card's conditions" if outside else "")
                + failures_note(all_runs) + "."
            ),
            "points": rows, "algorithm": label, "measure": bound,
        })
    return out
