"""``optimal-parameter``: the empirically best value of a parameter is near the card's choice.

The grid is a list of algorithm labels that differ in one parameter (read from each
run's resolved ``meta["params"]``); the card's choice is the card's own value of the
parameter (``card_parameters``, not the value the arm ran with) in the card evaluation
of ``reference`` (default: the first grid label whose evaluation has it). At each point
every arm's complexity is the seeds' median first hit of ε (censored at +∞); the best arm is the arg-min. Its uncertainty is measured by a paired
bootstrap over seeds (common random numbers): the *support* is the share of
resamples whose best value v satisfies c/factor ≤ v ≤ c·factor.

The bootstrap p-values (with the +1 correction of
:func:`~ratecheck.verdict.stats.bootstrap_p`) are p_pass = share of resamples whose
best lies *outside* the window and p_fail = share *inside*; :mod:`.decision` turns
them into pass / fail / inconclusive with Holm's correction on both sides across the
m points. A point tests nothing (p = 1) with fewer than ``min_seeds`` seeds run by
every arm. The bootstrap distribution of an arg-min is a descriptive measure of
stability (it is not an exact test); the grid's resolution limits what can be said:
a claim whose grid has no value inside the window can never pass, one whose grid
lies wholly inside can never fail, and the spec loader refuses both
(:func:`grid_decidable`).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import SpecError
from . import stats
from .complexity import as_upper_open
from .decision import decide_rows
from .evidence import Evidence, closing, make_verdict, no_points, num, where


def within(grid_values, choice: float, factor: float) -> np.ndarray:
    """Which grid values lie within ×``factor`` of ``choice`` (the window)."""
    return np.abs(np.log(np.asarray(grid_values, dtype=float) / choice)) <= math.log(factor) * (1 + 1e-9)


def grid_decidable(grid_values, choice: float, factor: float) -> tuple[bool, bool]:
    """(can pass, can fail): some grid value lies in the window, some outside."""
    inside = within(grid_values, choice, factor)
    return bool(inside.any()), not bool(inside.all())


def _param_value(claim: dict, ev: Evidence, label: str, pk: str) -> float:
    name = claim["parameter"]
    for r in ev.runs(label, pk):
        params = r.meta.get("params") or {}
        if name in params:
            v = params[name]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                raise SpecError(f"claims[{claim['index']}].parameter", f"{label}'s {name} must be a positive number to compare within a factor, got {v!r}")
            return float(v)
    known = sorted({k for r in ev.runs(label, pk) for k in (r.meta.get("params") or {})})
    raise SpecError(f"claims[{claim['index']}].parameter", f"{label} has no parameter {name!r} (has: {', '.join(known)})")


def _card_choice(claim: dict, ev: Evidence, pk: str):
    refs = [claim["reference"]] if claim["reference"] else claim["algorithm_grid"]
    for lab in refs:
        pred = ev.predictions.get((lab, pk))
        choices = pred.get("card_parameters", pred.get("parameters")) if pred else None
        if not choices or claim["parameter"] not in choices:
            continue
        if claim["theorem"] and pred.get("theorem") != claim["theorem"]:
            return None, f"{lab} is evaluated with card {pred.get('theorem')!r}, not {claim['theorem']!r}"
        if pred.get("missing"):
            return None, f"Card {pred.get('theorem')} does not apply: missing {', '.join(map(str, pred['missing']))}"
        v = choices[claim["parameter"]]
        if isinstance(v, (int, float)) and math.isfinite(v) and v > 0:
            return (float(v), pred.get("theorem")), None
        return None, f"The card's {claim['parameter']} is not a positive number ({v!r})"
    return None, f"No card evaluation gives {claim['parameter']!r} for {', '.join(refs)}"


def evaluate_optimal(claim: dict, ev: Evidence) -> dict:
    grid, alpha, measure, factor = claim["algorithm_grid"], claim["alpha"], claim["measure"], claim["factor"]
    shared = set(ev.point_keys(grid[0]))
    for lab in grid[1:]:
        shared &= set(ev.point_keys(lab))
    keys = [pk for pk in ev.point_keys(grid[0]) if pk in shared]
    usable, skipped = [], []
    for pk in keys:
        point = ev.points[pk]
        values = np.array([_param_value(claim, ev, lab, pk) for lab in grid])
        choice, why = _card_choice(claim, ev, pk)
        runs = [ev.runs(lab, pk) for lab in grid]
        stat = ev.statistic(claim, runs[0])
        svs = [ev.seed_values(rr, stat, point, measure) for rr in runs] if stat else [None]
        if choice is None or any(sv is None for sv in svs):
            skipped.append({"point": point, "status": "not-applicable", "reason": why or f"ε or {stat} was not tracked by every arm"})
            continue
        usable.append((pk, point, runs, stat, choice, svs, values))
    if not usable:
        return no_points(claim, skipped, f"the grid {', '.join(grid)} shares no sweep point")
    rows, all_runs = [], []
    for j, (pk, point, runs, stat, (choice, theorem), svs, values) in enumerate(usable):
        for rr in runs:
            all_runs += rr
        common = sorted(set.intersection(*(set(sv[0]) for sv in svs)), key=lambda s: (s is None, s))
        T = np.column_stack([as_upper_open(sv[1], sv[2])[[sv[0].index(s) for s in common]] for sv in svs]) if common else np.zeros((0, len(grid)))
        inside_grid = within(values, choice, factor)
        if T.shape[0] == 0:
            rows.append({"point": point, "p_pass": 1.0, "p_fail": 1.0, "grid": values.tolist(), "choice": choice, "n_seeds": 0, "support": None})
            continue
        med = stats.median(T, axis=0)
        best = int(np.argmin(med))
        rng = ev.rng(claim["index"], j)
        idx = rng.integers(0, T.shape[0], size=(stats.N_BOOT, T.shape[0]))
        best_boot = np.argmin(stats.median(T[idx], axis=1), axis=1)
        inside = inside_grid[best_boot]
        support = float(inside.mean())
        p_pass, p_fail = stats.bootstrap_p(best_boot, inside), stats.bootstrap_p(best_boot, ~inside)
        if T.shape[0] < claim["min_seeds"] or not np.isfinite(med).any():
            p_pass = p_fail = 1.0
        bv = values[best_boot]
        rows.append({
            "point": point, "p_pass": p_pass, "p_fail": p_fail, "statistic": stat, "theorem": theorem, "n_seeds": int(T.shape[0]),
            "grid": values.tolist(), "labels": list(grid), "medians": med.tolist(), "choice": choice,
            "best": float(values[best]), "best_label": grid[best], "ratio": float(values[best] / choice),
            "support": support, "best_range": [float(stats.quantile(bv, alpha / 2)), float(stats.quantile(bv, 1 - alpha / 2))],
            "grid_within": inside_grid.tolist(),
        })
    status = decide_rows(rows, "p_pass", "p_fail", alpha)
    decisive = next((r for r in rows if r["status"] == status), rows[0])
    if "best" not in decisive:
        reason = f"No seed was run by every arm at {where(decisive['point'])}"
    else:
        reason = (
            f"At {where(decisive['point'])} the best {claim['parameter']} is {num(decisive['best'])} ({decisive['best_label']}) vs the card's "
            f"{num(decisive['choice'])}: {100 * decisive['support']:.3g}% of {stats.N_BOOT} seed resamples put the best within ×{factor:g} "
            f"(p = {decisive['p_pass']:.2g} inside, {decisive['p_fail']:.2g} outside; Holm at α = {alpha:g})"
        )
        if status == "inconclusive" and decisive["n_seeds"] < claim["min_seeds"]:
            reason += f"; only {decisive['n_seeds']} seeds (min_seeds = {claim['min_seeds']})"
        if not any(decisive["grid_within"]):
            reason += f"; no grid value lies within ×{factor:g} of the card's choice"
    reason += closing(skipped, all_runs, card=False)
    return make_verdict(
        claim, status, reason,
        observed=decisive.get("best"), predicted=decisive["choice"], ratio=decisive.get("ratio"), ci=decisive.get("best_range"),
        points=rows + skipped, parameter=claim["parameter"], measure=measure, factor=factor,
    )
