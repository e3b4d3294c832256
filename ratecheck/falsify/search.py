"""The search: maximise observed/bound over every cell of a card's space, then confirm the worst.

1. **Cells.** The card's space is a set of cells, problem family × asynchrony model
   (:func:`ratecheck.falsify.space.cells`). A cell whose instances miss an assumption of
   the card is reported and not searched; every other cell gets the same ``budget``.
2. **Search.** In each cell ``scipy.optimize.differential_evolution`` (Storn & Price 1997)
   maximises the ratio of :mod:`.objective` with a fixed seed (the search seed plus the
   cell's index), a seeded Latin-hypercube initial population of S = min(max(5, budget //
   4), 20) points, ``maxiter = budget // S − 1`` generations and no polishing, so at most
   ``budget`` instances are evaluated per cell, in an order fixed by the seed (same inputs
   + seed → bit-identical result). Each instance is run with the noise seeds 0, …,
   ``seeds`` − 1 (common random numbers across instances). DE minimises −min(ratio,
   :data:`RATIO_CAP`): a diverged run (ratio +∞) stays the worst without breaking the
   population statistics; a skipped instance (the card cannot judge it) counts as 0.
3. **Coverage.** Per cell: instances evaluated, judged and skipped (with the reasons), the
   worst ratio, and whether it exceeds 1 at the search seeds.
4. **Confirmation.** The largest of many noisy means is biased upwards (the winner's
   curse), so the worst instance over all cells is re-run with ``confirm`` fresh noise
   seeds (``seeds``, …, ``seeds + confirm − 1``). The verdict is ``violated`` when the
   one-sided percentile-bootstrap lower confidence bound (level 1 − α; Efron & Tibshirani
   1993, ch. 13; :mod:`ratecheck.verdict.stats`) of the seed-mean exceeds ε, i.e. the
   ratio exceeds 1 beyond the CI — the ``fail`` rule of the ``holds`` claim for one point.
   Deterministic instances (σ² = 0, deterministic compute times or delays) need one run
   and no interval: ``violated`` iff the ratio exceeds 1.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy.optimize import differential_evolution
from scipy.stats import qmc

from ..errors import SpecError
from ..theory import load_card
from ..verdict import stats
from .objective import MAX_ITERATIONS, Objective, Trial, method_for
from .space import DEFAULT_DIM, DEFAULT_SPREAD, SearchSpace, card_inputs, cells

#: Defaults of ``ratecheck falsify``: instances evaluated per cell, noise seeds per
#: instance, fresh seeds for the confirmation, one-sided level α.
DEFAULT_BUDGET, DEFAULT_SEEDS, DEFAULT_CONFIRM, DEFAULT_ALPHA = 10, 4, 20, 0.05
#: Cap on the ratio handed to the optimiser (a diverged run has ratio +∞).
RATIO_CAP = 1e12
#: Seed of the confirmation bootstrap (combined with the search seed).
BOOT_SEED = 20261125


@dataclass
class Cell:
    """What the search did in one cell (JSON form: :meth:`as_dict`)."""

    space: SearchSpace
    deterministic: bool
    trials: list[Trial]
    reason: str = ""

    @property
    def judged(self) -> list[Trial]:
        return [t for t in self.trials if not t.skipped]

    @property
    def worst(self) -> Trial | None:
        return max(self.judged, key=lambda t: t.ratio) if self.judged else None

    @property
    def violated(self) -> bool:
        """The worst ratio exceeds 1 at the search seeds (unconfirmed unless deterministic)."""
        return self.worst is not None and self.worst.ratio > 1.0

    def as_dict(self) -> dict:
        w = self.worst
        return {"cell": self.space.name, "family": self.space.family, "model": self.space.model,
                "dimensions": len(self.space.dims), "searched": not self.reason, "not_searched": self.reason,
                "evaluated": len(self.trials), "judged": len(self.judged),
                "skipped": dict(Counter(t.skipped for t in self.trials if t.skipped)),
                "deterministic": self.deterministic, "worst_ratio": None if w is None else _finite(w.ratio),
                "violated_at_search_seeds": self.violated}


@dataclass
class Outcome:
    """Everything a falsification found (JSON form: :meth:`as_dict`)."""

    card: object
    inputs: dict
    method: str
    space: SearchSpace
    settings: dict
    history: list[Trial]
    worst: Trial
    confirmation: Trial
    deterministic: bool
    ci: tuple[float, float] | None
    theory_params: list[str]
    cells: list[Cell]

    @property
    def ratio(self) -> float:
        """The confirmed ratio of the worst instance (its search ratio when deterministic)."""
        return self.confirmation.ratio

    @property
    def violated(self) -> bool:
        return (self.ratio if self.deterministic else self.ci[0]) > 1.0

    @property
    def verdict(self) -> str:
        return "violated" if self.violated else f"not violated (worst ratio {self.ratio:.4g})"

    def statement(self) -> str:
        """One sentence: the verdict and its evidence."""
        what = f"{self.card.statistic} at K = {self.worst.read_at} over ε = {self.inputs['eps']:g}"
        if self.deterministic:
            how = f"deterministic instance, ratio {self.ratio:.6g}"
        else:
            lo, hi = self.ci
            level = f"{100 * (1 - self.settings['alpha']):g}%"
            how = (f"mean over {len(self.confirmation.seeds)} fresh seeds {self.ratio:.4g}, one-sided {level} bounds "
                   f"[{lo:.4g}, {hi:.4g}]")
        judged = sum(len(c.judged) for c in self.cells)
        searched = sum(1 for c in self.cells if not c.reason)
        return (f"{self.verdict}: worst {what} in {judged} judged instances of {searched} cells, "
                f"worst cell {self.space.name} ({how})")

    def as_dict(self) -> dict:
        return {
            "command": "falsify",
            "theorem": self.card.id,
            "statistic": self.card.statistic,
            "statistic_range": self.card.statistic_range,
            "bound": "iterations",
            "formula": self.card.bounds["iterations"].text,
            "inputs": self.inputs,
            "method": self.method,
            "settings": self.settings,
            "space": self.space.describe(),
            "coverage": [c.as_dict() for c in self.cells],
            "verdict": "violated" if self.violated else "not violated",
            "statement": self.statement(),
            "worst_ratio": _finite(self.ratio),
            "search_ratio": _finite(self.worst.ratio),
            "ci": None if self.ci is None else [_finite(v) for v in self.ci],
            "deterministic": self.deterministic,
            "worst": _clean(self.worst.as_dict()),
            "confirmation": _clean(self.confirmation.as_dict()),
            "history": [{"evaluation": i, "cell": t.cell, "ratio": _finite(t.ratio), "x": t.x,
                         **({"skipped": t.skipped} if t.skipped else {})} for i, t in enumerate(self.history)],
        }


def _finite(v):
    return float(v) if math.isfinite(v) else None


def _clean(d: dict) -> dict:
    d = dict(d)
    d["values"] = [_finite(v) for v in d["values"]]
    d["ratio"] = _finite(d["ratio"])
    return d


def population(space: SearchSpace, size: int, seed: int) -> np.ndarray:
    """A seeded Latin hypercube of ``size`` points in the space's box."""
    lo, hi = np.array(space.bounds).T
    return qmc.scale(qmc.LatinHypercube(d=len(space.dims), rng=np.random.default_rng(seed)).random(size), lo, hi)


def _search(objective: Objective, budget: int, seed: int, noise_seeds: list[int]) -> list[Trial]:
    """Differential evolution in one cell (module docstring); every evaluated trial."""
    trials: list[Trial] = []

    def minus_ratio(x):
        trial = objective.evaluate(x, noise_seeds)
        trials.append(trial)
        return 0.0 if trial.skipped else -min(trial.ratio, RATIO_CAP)

    space = objective.space
    size = min(max(5, budget // 4), 20)
    differential_evolution(minus_ratio, space.bounds, init=population(space, size, seed), maxiter=budget // size - 1,
                           rng=np.random.default_rng(seed), polish=False, tol=0.0, atol=0.0, updating="immediate")
    return trials


def falsify(card_id: str, sets: dict[str, float] | None = None, *, budget: int = DEFAULT_BUDGET, seed: int = 0,
            seeds: int = DEFAULT_SEEDS, confirm: int = DEFAULT_CONFIRM, alpha: float = DEFAULT_ALPHA,
            dim: int = DEFAULT_DIM, spread: float = DEFAULT_SPREAD, method: str | None = None,
            families=None, models=None, max_iterations: int = MAX_ITERATIONS) -> Outcome:
    """Search every cell of the card's space for the largest observed/bound ratio; see the
    module docstring. ``budget`` is per cell; ``families`` and ``models`` restrict the cells.

    Raises :class:`SpecError` (exit code 2) for a card that cannot be falsified (hidden
    constants, a lower bound, no cell where it applies) and for bad options.
    """
    card = load_card(card_id)
    if card.kind != "upper":
        raise SpecError("kind", f"cannot falsify {card.id!r}: it is a {card.kind} bound (the falsifier searches for "
                                "instances that exceed an upper bound)" if card.kind == "lower" else
                        f"cannot falsify {card.id!r}: it is a {card.kind} statement, not an upper bound")
    if "iterations" not in card.bounds:
        raise SpecError("iterations", f"cannot falsify {card.id!r}: it has no iteration bound")
    if card.bounds["iterations"].constants != "explicit":
        raise SpecError("iterations", f"cannot falsify {card.id!r}: bound has hidden constants "
                                      "(O(·): only scaling and ratio claims can test it)")
    for name, value, low in (("budget", budget, 5), ("seed", seed, 0), ("seeds", seeds, 1), ("confirm", confirm, 2),
                             ("max_iterations", max_iterations, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise SpecError(name, f"must be an integer >= {low}, got {value!r}")
    if not 0 < alpha < 0.5:
        raise SpecError("alpha", f"must lie in (0, 0.5), got {alpha!r}")
    inputs, n = card_inputs(card, dict(sets or {}))
    method = method_for(card, method)
    searched: list[Cell] = []
    for i, space in enumerate(cells(card, inputs, n=n, d=dim, spread=spread, only=families, models=models)):
        objective = Objective(card, space, method, max_iterations)
        deterministic, reason = objective.probe()
        trials = [] if reason else _search(objective, budget, seed + i, [0] if deterministic else list(range(seeds)))
        searched.append(Cell(space, deterministic, trials, reason))
    live = [c for c in searched if c.worst is not None]
    if not live:
        why = "; ".join(f"{c.space.name}: {c.reason or ', '.join(Counter(t.skipped for t in c.trials))}" for c in searched)
        raise SpecError("space", f"cannot falsify {card.id!r}: no instance of its space could be judged ({why})")
    cell = max(live, key=lambda c: c.worst.ratio)  # first of equals: the cell order is fixed
    worst = cell.worst
    if cell.deterministic:
        confirmation, ci = worst, None
    else:
        objective = Objective(card, cell.space, method, max_iterations)
        confirmation = objective.evaluate(np.array(worst.x), list(range(seeds, seeds + confirm)))
        values = np.asarray(confirmation.values) / objective.eps
        boot = stats.bootstrap(values, np.mean, np.random.default_rng([BOOT_SEED, seed]))
        ci = (float(stats.quantile(boot, alpha)), float(stats.quantile(boot, 1.0 - alpha)))
    size = min(max(5, budget // 4), 20)
    settings = {"budget": budget, "seed": seed, "seeds": seeds, "confirm": confirm, "alpha": alpha, "population": size,
                "generations": budget // size - 1, "dim": dim, "workers": n, "spread": spread,
                "max_iterations": max_iterations, "cells": len(searched),
                "optimizer": "scipy.optimize.differential_evolution"}
    history = [t for c in searched for t in c.trials]
    params = list(Objective(card, cell.space, method).params)
    return Outcome(card, inputs, method, cell.space, settings, history, worst, confirmation, cell.deterministic, ci,
                   params, searched)
