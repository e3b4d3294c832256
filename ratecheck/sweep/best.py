"""Best-of selection over a parameter grid (the "tuned baseline" of a comparison).

Given the runs of one method over a grid of one parameter p (e.g. the stepsize γ),
grouped by every other field (the method's other parameters and the sweep point), the
score of a grid value v in a group is the median over seeds of a per-run criterion c:

``time_to_eps``        virtual time of the first iteration at which ``statistic`` ≤ ε
                       (:meth:`RunResult.hit`); a run that ends first is censored: c = +∞
``iterations_to_eps``  the same, counted in iterations
``gradients_to_eps``   the same, counted in gradients computed
``final``              ``statistic`` at the last checkpoint; c = +∞ for a diverged run

and the choice is v* = argmin_v median_seeds c(v); ties go to the first value in
increasing grid order. A run that hit ε before diverging keeps its hit time (it did
reach ε then). ``error`` runs carry no information: they are left out of the median and
counted in the table. A group where every score is +∞ or missing has no choice
(``value=None``). ``at_edge`` flags a choice at the smallest or largest grid value: the
true optimum may lie outside the grid. With an even number of seeds the median is the
mean of the two middle values, so one censored run among two makes the score +∞.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.trace import STATISTICS, RunResult
from ..errors import SpecError

if TYPE_CHECKING:
    import pandas as pd

CRITERIA = ("time_to_eps", "iterations_to_eps", "gradients_to_eps", "final")


@dataclass(frozen=True)
class Choice:
    """The best grid value of one group (``None`` if no value has a finite score)."""

    group: dict[str, Any]
    value: Any
    score: float
    at_edge: bool


@dataclass
class Selection:
    """The choice per group and the whole grid table (one row per group × value).

    Table columns: ``method``, ``group`` (JSON of the other fields), the parameter,
    ``runs`` (seeds with a result), ``censored`` (runs scored +∞), ``errors``,
    ``median`` (the score), ``best``.
    """

    method: str
    param: str
    criterion: str
    statistic: str
    target: float | None
    choices: list[Choice]
    table: "pd.DataFrame"


def score(result: RunResult, criterion: str, statistic: str, target: float | None) -> float:
    if criterion == "final":
        if result.status == "diverged":
            return math.inf
        values = result.checkpoints.get(statistic)
        if values is None or len(values) == 0:
            raise SpecError("statistic", f"{statistic!r} was not recorded by the run")
        v = float(values[-1])
        return v if math.isfinite(v) else math.inf
    if statistic not in result.hits:
        raise SpecError("statistic", f"{statistic!r} has no hits recorded by the run")
    try:
        iteration, time, computed = result.hit(statistic, target)[:3]
    except KeyError as exc:
        raise SpecError("target", str(exc.args[0])) from None
    v = {"time_to_eps": time, "iterations_to_eps": iteration}.get(criterion, computed)
    return v if math.isfinite(v) else math.inf


def _sort_grid(values: Iterable[Any]) -> list[Any]:
    values = list(values)
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=repr)


def pick(grid: dict[Any, list[float]]) -> tuple[list[Any], list[float], int | None]:
    """The grid values in increasing order, their median scores (NaN: no run) and the
    index of the smallest finite median (the first on a tie; None if none is finite)."""
    values = _sort_grid(grid)
    medians = [float(np.median(grid[v])) if grid[v] else math.nan for v in values]
    finite = [i for i, m in enumerate(medians) if math.isfinite(m)]
    return values, medians, (min(finite, key=lambda i: medians[i]) if finite else None)


def select_best(
    results: Iterable[RunResult],
    *,
    method: str,
    param: str,
    criterion: str = "time_to_eps",
    statistic: str,
    target: float | None = None,
) -> Selection:
    """Pick, per group, the grid value of ``param`` with the smallest median criterion.

    ``results`` may hold other methods' runs: only ``meta["method"] == method`` count.
    The grid value is read from ``meta["params"][param]``; the group is the rest of
    ``meta["params"]`` and ``meta["point"]`` (without ``param``).
    """
    if criterion not in CRITERIA:
        raise SpecError("criterion", f"must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    if statistic not in STATISTICS:
        raise SpecError("statistic", f"must be one of {', '.join(STATISTICS)}, got {statistic!r}")
    if criterion != "final" and (target is None or not target > 0):
        raise SpecError("target", f"criterion {criterion} needs a target ε > 0, got {target!r}")

    cells: dict[str, dict[Any, list[float]]] = {}
    errors: dict[tuple[str, Any], int] = {}
    groups: dict[str, dict[str, Any]] = {}
    for r in results:
        if r.meta.get("method") != method:
            continue
        params = dict(r.meta.get("params", {}))
        if param not in params:
            raise SpecError(f"params.{param}", f"run of {method} (seed {r.meta.get('seed')}) has no {param}")
        value = params.pop(param)
        value = tuple(value) if isinstance(value, list) else value
        point = {k: v for k, v in r.meta.get("point", {}).items() if k != param}
        group = {"params": params, "point": point}
        gkey = json.dumps(group, sort_keys=True, default=str)
        groups.setdefault(gkey, group)
        cell = cells.setdefault(gkey, {}).setdefault(value, [])
        if r.status == "error":
            errors[gkey, value] = errors.get((gkey, value), 0) + 1
        else:
            cell.append(score(r, criterion, statistic, target))
    if not cells:
        raise SpecError("method", f"no runs of {method!r} among the results")

    import pandas as pd  # here, not at module level: pool workers need not load it

    rows, choices = [], []
    for gkey, grid in cells.items():
        values, medians, best = pick(grid)
        choices.append(Choice(
            group=groups[gkey],
            value=None if best is None else values[best],
            score=math.inf if best is None else medians[best],
            at_edge=best is not None and len(values) > 1 and best in (0, len(values) - 1),
        ))
        for i, v in enumerate(values):
            rows.append({
                "method": method, "group": gkey, param: v, "runs": len(grid[v]),
                "censored": sum(math.isinf(c) for c in grid[v]),
                "errors": errors.get((gkey, v), 0), "median": medians[i], "best": i == best,
            })
    return Selection(method, param, criterion, statistic, target, choices, pd.DataFrame(rows))
