"""The search: maximise observed/bound over a card's search space, then confirm the worst.

1. **Search.** ``scipy.optimize.differential_evolution`` (Storn & Price 1997) maximises
   the ratio of :mod:`.objective` with a fixed ``seed``, a seeded Latin-hypercube initial
   population of S = min(max(5, budget // 4), 20) points, ``maxiter = budget // S − 1``
   generations and no polishing, so at most ``budget`` instances are evaluated, in an
   order fixed by the seed (same inputs + seed → bit-identical result). Each instance is
   run with the noise seeds 0, …, ``seeds`` − 1 (common random numbers across instances).
   DE minimises −min(ratio, :data:`RATIO_CAP`): a diverged run (ratio +∞) stays the worst
   without breaking the population statistics.
2. **Confirmation.** The largest of many noisy means is biased upwards (the winner's
   curse), so the worst instance is re-run with ``confirm`` fresh noise seeds
   (``seeds``, …, ``seeds + confirm − 1``). The verdict is ``violated`` when the one-sided
   percentile-bootstrap lower confidence bound (level 1 − α; Efron & Tibshirani 1993,
   ch. 13; :mod:`ratecheck.verdict.stats`) of the seed-mean exceeds ε, i.e. the ratio
   exceeds 1 beyond the CI — the ``fail`` rule of the ``holds`` claim for one point.
   Deterministic instances (σ² = 0, deterministic compute times) need one run and no
   interval: ``violated`` iff the ratio exceeds 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import differential_evolution
from scipy.stats import qmc

from ..errors import SpecError
from ..theory import load_card
from ..verdict import stats
from .objective import Objective, Trial, method_for
from .space import DEFAULT_DIM, DEFAULT_SPREAD, SearchSpace, card_inputs

#: Defaults of ``ratecheck falsify``: instances evaluated, noise seeds per instance,
#: fresh seeds for the confirmation, one-sided level α.
DEFAULT_BUDGET, DEFAULT_SEEDS, DEFAULT_CONFIRM, DEFAULT_ALPHA = 40, 4, 20, 0.05
#: Cap on the ratio handed to the optimiser (a diverged run has ratio +∞).
RATIO_CAP = 1e12
#: Seed of the confirmation bootstrap (combined with the search seed).
BOOT_SEED = 20261125


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
        return f"{self.verdict}: worst {what} in {len(self.history)} instances ({how})"

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
            "verdict": "violated" if self.violated else "not violated",
            "statement": self.statement(),
            "worst_ratio": _finite(self.ratio),
            "search_ratio": _finite(self.worst.ratio),
            "ci": None if self.ci is None else [_finite(v) for v in self.ci],
            "deterministic": self.deterministic,
            "worst": _clean(self.worst.as_dict()),
            "confirmation": _clean(self.confirmation.as_dict()),
            "history": [{"evaluation": i, "ratio": _finite(t.ratio), "x": t.x} for i, t in enumerate(self.history)],
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


def falsify(card_id: str, sets: dict[str, float] | None = None, *, budget: int = DEFAULT_BUDGET, seed: int = 0,
            seeds: int = DEFAULT_SEEDS, confirm: int = DEFAULT_CONFIRM, alpha: float = DEFAULT_ALPHA,
            dim: int = DEFAULT_DIM, spread: float = DEFAULT_SPREAD, method: str | None = None) -> Outcome:
    """Search the card's space for the largest observed/bound ratio; see the module docstring.

    Raises :class:`SpecError` (exit code 2) for a card that cannot be falsified (hidden
    constants, a lower bound, no search space) and for bad options.
    """
    card = load_card(card_id)
    if card.kind != "upper":
        raise SpecError("kind", f"cannot falsify {card.id!r}: it is a lower bound (the falsifier searches for "
                                "instances that exceed an upper bound)")
    if "iterations" not in card.bounds:
        raise SpecError("iterations", f"cannot falsify {card.id!r}: it has no iteration bound")
    if card.bounds["iterations"].constants != "explicit":
        raise SpecError("iterations", f"cannot falsify {card.id!r}: bound has hidden constants "
                                      "(O(·): only scaling and ratio claims can test it)")
    for name, value, low in (("budget", budget, 5), ("seed", seed, 0), ("seeds", seeds, 1), ("confirm", confirm, 2)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise SpecError(name, f"must be an integer >= {low}, got {value!r}")
    if not 0 < alpha < 0.5:
        raise SpecError("alpha", f"must lie in (0, 0.5), got {alpha!r}")
    inputs, n = card_inputs(card, dict(sets or {}))
    space = SearchSpace(card, inputs, n=n, d=dim, spread=spread)
    method = method_for(card, method)
    objective = Objective(card, space, method)
    deterministic, _ = objective.probe()
    search_seeds = [0] if deterministic else list(range(seeds))

    history: list[Trial] = []

    def minus_ratio(x):
        trial = objective.evaluate(x, search_seeds)
        history.append(trial)
        return -min(trial.ratio, RATIO_CAP)

    size = min(max(5, budget // 4), 20)
    differential_evolution(minus_ratio, space.bounds, init=population(space, size, seed), maxiter=budget // size - 1,
                           rng=np.random.default_rng(seed), polish=False, tol=0.0, atol=0.0, updating="immediate")
    worst = max(history, key=lambda t: t.ratio)  # first of equals: the search order is fixed
    if deterministic:
        confirmation, ci = worst, None
    else:
        confirmation = objective.evaluate(worst.x, list(range(seeds, seeds + confirm)))
        values = np.asarray(confirmation.values) / objective.eps
        boot = stats.bootstrap(values, np.mean, np.random.default_rng([BOOT_SEED, seed]))
        ci = (float(stats.quantile(boot, alpha)), float(stats.quantile(boot, 1.0 - alpha)))
    settings = {"budget": budget, "seed": seed, "seeds": seeds, "confirm": confirm,
                "alpha": alpha, "population": size, "generations": budget // size - 1, "dim": dim, "workers": n,
                "spread": spread, "optimizer": "scipy.optimize.differential_evolution"}
    return Outcome(card, inputs, method, space, settings, history, worst, confirmation, deterministic, ci,
                   list(objective.params))
