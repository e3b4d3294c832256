"""Tuning a grid on seeds of its own: the "tuned baseline" without selection bias.

An algorithm table with a grid and ``tune = { over = "gamma", measure = "time", seeds =
[100, 101, 102] }`` stands, in claims, for one algorithm under its own label: at each
sweep point, its grid members run on the *tuning* seeds (disjoint from the check's:
:func:`ratecheck.grid.check_grids`), the member with the smallest median measure to the
point's ε is chosen (:func:`ratecheck.sweep.best.pick`: a run that never reaches ε
scores +∞, ties go to the first value in increasing grid order, a choice at the grid's
edge is flagged), and only the chosen member runs on the check's seeds. Choosing on the
seeds a claim is judged on would bias the claim towards the tuned algorithm (the
winner's curse of a maximum over noisy scores); tuning and evaluation seeds are
independent draws, so the claim's test stays valid given the choice. This is how the
papers compare tuned methods (e.g. Maranjyan, Tyurin, Richtárik, ICML 2025,
arXiv:2501.16168, §3.7: best stepsize of a 5^p grid per method).

A point where no member has a finite score has no choice: the tuned algorithm has no
runs there, and a claim that names it is at most ``inconclusive``
(:func:`ratecheck.verdict.evaluate_claims` with ``missing``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .engine.trace import RunResult
from .grid import members
from .plan import Fragment, Plan
from .spec import CheckSpec
from .sweep.best import pick, score
from .verdict.complexity import point_key

#: A tuning measure → the criterion of :func:`ratecheck.sweep.best.score`.
CRITERIA = {"time": "time_to_eps", "iterations": "iterations_to_eps", "gradients": "gradients_to_eps"}


@dataclass
class Tuned:
    """What tuning decided: ``fragments``, the chosen members on the check's seeds under
    their tables' labels; ``predictions`` of those runs, by ``(label, point key)``;
    ``tables``, per tuned table, its grid and per point the tuning curve and the choice
    (the report's); ``missing``, per table label, the points with no choice."""

    fragments: list[Fragment] = field(default_factory=list)
    predictions: dict = field(default_factory=dict)
    tables: list[dict] = field(default_factory=list)
    missing: dict[str, list[dict]] = field(default_factory=dict)


def tuned_members(spec: CheckSpec) -> dict[str, str]:
    """Member label → its tuned table's label."""
    return {m.label: t.label for t in spec.algorithms if t.tune is not None for m in members(t)}


def planned(spec: CheckSpec, the_plan: Plan) -> list[Fragment]:
    """As many fragments per tuned table and point as the check's seeds (the first
    member's, under the table's label): what tuning will add, for counting."""
    first = {members(t)[0].label: t.label for t in spec.algorithms if t.tune is not None}
    seen, out = set(), []
    for f in the_plan.tuning:
        if f.label in first and (f.label, point_key(f.point)) not in seen:
            seen.add((f.label, point_key(f.point)))
            out += [replace(f, seed=s, label=first[f.label]) for s in spec.check.seed_list()]
    return out


def tune(spec: CheckSpec, the_plan: Plan, runs: list[RunResult]) -> Tuned:
    """Choose each tuned table's member per sweep point from its tuning ``runs`` (module docstring)."""
    out = Tuned()
    by_label: dict[tuple[str, str], list[RunResult]] = {}
    for r in runs:
        by_label.setdefault((r.meta.get("algorithm"), point_key(r.meta.get("point") or {})), []).append(r)
    frag = {(f.label, point_key(f.point)): f for f in the_plan.tuning}
    for table in spec.algorithms:
        if table.tune is None:
            continue
        over, criterion = table.tune.over, CRITERIA[table.tune.measure]
        grid = {m.params[over]: m.label for m in members(table)}
        rows = []
        for point in spec.points():
            pk = point_key(point)
            cells, errors = {}, {}
            for value, label in grid.items():
                rr = by_label.get((label, pk), [])
                errors[value] = sum(r.status == "error" for r in rr)
                cells[value] = [score(r, criterion, frag[label, pk].statistic, point["eps"]) for r in rr if r.status != "error"]
            values, medians, best = pick(cells)
            curve = [{"value": v, "median": m, "lo": float(np.min(cells[v])) if cells[v] else math.nan,
                      "hi": float(np.max(cells[v])) if cells[v] else math.nan, "runs": len(cells[v]),
                      "censored": sum(math.isinf(c) for c in cells[v]), "errors": errors[v]} for v, m in zip(values, medians)]
            row = {"point": point, "curve": curve, "value": None if best is None else values[best],
                   "label": None if best is None else grid[values[best]],
                   "at_edge": best is not None and best in (0, len(values) - 1)}
            rows.append(row)
            if best is None:
                out.missing.setdefault(table.label, []).append(point)
                continue
            chosen = frag[row["label"], pk]
            out.fragments += [replace(chosen, seed=s, label=table.label) for s in spec.check.seed_list()]
            out.predictions[(table.label, pk)] = the_plan.predictions[(row["label"], pk)]
        out.tables.append({"label": table.label, "method": table.method, "over": over, "measure": table.tune.measure,
                           "seeds": list(table.tune.seeds), "grid": list(grid), "points": rows})
    return out
