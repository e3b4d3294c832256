"""Parameter grids: an algorithm table whose numeric parameters are lists.

``params = { gamma = [0.5, 0.25, 0.125], R = [2, 4, 8] }`` runs the Cartesian product of
the lists (axes in the order written, values in the order listed), each member an
algorithm of its own labelled ``Label[gamma=0.25,R=4]`` — every number in its shortest
round-trip form (Python's ``repr``), so labels are unique and stable — and usable in
claims under that label. ``{ base = 5, powers = [-5, 5] }`` is the grid 5^p, p = −5…5
(the papers' stepsize grids, e.g. Maranjyan, Tyurin, Richtárik, ICML 2025,
arXiv:2501.16168, §3.7). A table without a list is its own single member, unchanged
(its runs keep their keys).

A grid table with ``tune`` (:mod:`ratecheck.tuning`) is used in claims under its own
label; an ``optimal-parameter`` claim may name a grid table with ``algorithm`` instead
of listing its members in ``algorithm_grid`` (:func:`expand_claims`).
"""

from __future__ import annotations

import itertools
from typing import Any

from .errors import SpecError
from .spec import AlgorithmTable, CheckSpec, Powers


def number(v: float | int) -> str:
    """A grid value as a label writes it: the shortest text that reads back as the same number."""
    return repr(v)


def axes(alg: AlgorithmTable) -> dict[str, list]:
    """The table's grid axes, ``{parameter: values}`` in the order written (empty: no grid)."""
    return {k: (v.values() if isinstance(v, Powers) else list(v)) for k, v in alg.params.items()
            if isinstance(v, (list, Powers))}


def members(alg: AlgorithmTable) -> list[AlgorithmTable]:
    """The algorithms a table stands for: itself without a grid, else one per point of
    the product of its axes, labelled ``Label[name=value,…]``, its lists replaced by the
    point's values and no ``tune``."""
    grid = axes(alg)
    if not grid:
        return [alg]
    out = []
    for values in itertools.product(*grid.values()):
        point = dict(zip(grid, values))
        label = f"{alg.label}[{','.join(f'{k}={number(v)}' for k, v in point.items())}]"
        out.append(alg.model_copy(update={"label": label, "params": {**alg.params, **point}, "tune": None}))
    return out


def claim_labels(spec: CheckSpec) -> list[str]:
    """The labels claims may name: a tuned table's own label, every other table's members."""
    return [label for alg in spec.algorithms
            for label in ([alg.label] if alg.tune is not None else [m.label for m in members(alg)])]


def check_grids(spec: CheckSpec, source: str = "spec") -> None:
    """Refuse, naming the field: a member label that collides with another label, a
    ``tune`` on a table whose only grid axis is not ``over``, tuning seeds shared with
    the check's."""
    owner: dict[str, int] = {}
    for i, alg in enumerate(spec.algorithms):
        for label in dict.fromkeys([alg.label, *(m.label for m in members(alg))]):
            if label in owner:
                raise SpecError(f"{source}: algorithms[{i}].label", f"{label!r} is also a label of algorithms[{owner[label]}]")
            owner[label] = i
    for i, alg in enumerate(spec.algorithms):
        if alg.tune is None:
            continue
        grid = axes(alg)
        where = f"{source}: algorithms[{i}].tune"
        if list(grid) != [alg.tune.over]:
            raise SpecError(f"{where}.over", f"tunes over the table's grid axis, which must be {alg.tune.over!r} alone "
                            f"(grid axes: {', '.join(grid) or 'none: give a list of values'})")
        if len(grid[alg.tune.over]) < 2:
            raise SpecError(f"{where}.over", f"a grid of at least 2 values to choose from, got {grid[alg.tune.over]!r}")
        shared = sorted(set(alg.tune.seeds) & set(spec.check.seed_list()))
        if shared:
            raise SpecError(f"{where}.seeds", f"must be disjoint from the check's seeds (a choice made on the seeds it is "
                            f"judged on is biased towards them): {', '.join(map(str, shared))} are both")


def expand_claims(spec: CheckSpec) -> list[Any]:
    """The spec's claims with each ``optimal-parameter`` ``algorithm = GRID`` replaced by
    ``algorithm_grid`` = the grid's member labels (a table with a grid over the claim's
    ``parameter`` alone, not tuned: its members run on the check's seeds)."""
    tables = {a.label: (i, a) for i, a in enumerate(spec.algorithms)}
    out = []
    for k, c in enumerate(spec.claims):
        if not (isinstance(c, dict) and c.get("kind") == "optimal-parameter" and "algorithm" in c):
            out.append(c)
            continue
        where = f"claims[{k}].algorithm"
        if "algorithm_grid" in c:
            raise SpecError(where, "give either `algorithm` (a grid table) or `algorithm_grid` (labels), not both")
        name = c["algorithm"]
        if name not in tables:
            raise SpecError(where, f"unknown algorithm {name!r} (known: {', '.join(sorted(tables))})")
        i, alg = tables[name]
        if alg.tune is not None:
            raise SpecError(where, f"{name!r} is tuned: its members run on the tuning seeds only (algorithms[{i}].tune)")
        if list(axes(alg)) != [c.get("parameter")]:
            raise SpecError(where, f"{name!r} must be a grid over the claim's parameter {c.get('parameter')!r} alone "
                            f"(grid axes: {', '.join(axes(alg)) or 'none'})")
        out.append({key: v for key, v in c.items() if key != "algorithm"} | {"algorithm_grid": [m.label for m in members(alg)]})
    return out
