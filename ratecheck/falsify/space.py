"""The search space of the falsifier: instances inside a card's assumptions, with its constants.

A point x of the box ``[low, high]^N`` (:attr:`SearchSpace.dims`) is turned into a problem
spec and an asynchrony spec (:meth:`SearchSpace.instance`) that satisfy the card's
assumptions with the card's constants *exactly*:

Problem — a diagonal quadratic f(x) = ½ Σ_i λ_i x_i² (x* = 0, f* = 0; ratecheck's
``quadratic`` family), convex, hence smooth and lower-bounded:

* λ_0 = L; λ_1 = μ when the card has the symbol ``mu``; the other λ_i = λ_lo (L/λ_lo)^{u_i},
  u_i ∈ [0, 1], with λ_lo = μ, or :data:`EIG_FLOOR`·L (a zero eigenvalue adds nothing
  to any gradient statistic, it only moves x*);
* x0 pins ``Delta`` (f(x0) − f* = Δ: coordinate i gets the share p_i = w_i/Σw of Δ,
  x0_i = −√(2Δ p_i/λ_i)) or ``D`` (‖x0 − x*‖ = D along the direction w/‖w‖), w ∈ [0, 1]^d.
  The signs are fixed: the iterates are linear in x0 and in the zero-mean noise, so the
  expectation of every squared statistic does not depend on them;
* noise of variance exactly σ², ``gaussian`` or ``scalar`` (one searched switch) when σ² > 0.

Asynchrony, from the card's assumptions:

* ``fixed-computation``: τ_i = 10^{v_i}, v_i ∈ [0, log10 spread], in the given order
  (worker labels matter to the tie-breaking rule);
* ``universal-computation``: power v_i(t) = 1/τ_i except an outage v_i = 0 on the last
  fraction o_i ∈ [0, :data:`MAX_OUTAGE`] of a common period P ∈ [τ_max, 20 τ_max]
  (Tyurin, ICLR 2025, piecewise-constant powers; model ``universal``).

Constants the space cannot pin (ζ², ρ, delay bounds…) make the card not falsifiable here:
a :class:`~ratecheck.errors.SpecError` names the symbol.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import SpecError

#: Values of the card inputs when ``--set`` does not give them.
DEFAULTS = {"L": 1.0, "mu": 0.1, "Delta": 1.0, "D": 1.0, "sigma2": 0.01, "eps": 0.01}
#: Smallest eigenvalue, relative to L, of a card without μ.
EIG_FLOOR = 1e-4
#: Largest outage, as a fraction of the period (universal model).
MAX_OUTAGE = 0.9
#: Defaults of the falsifier's own options: dimension, workers, τ_max/τ_min.
DEFAULT_DIM, DEFAULT_WORKERS, DEFAULT_SPREAD = 4, 8, 100.0


@dataclass(frozen=True)
class Dimension:
    """One coordinate of the search box."""

    name: str
    low: float
    high: float


def card_inputs(card, sets: dict[str, float]) -> tuple[dict[str, float], int]:
    """The card's inputs (``--set`` values, else :data:`DEFAULTS`) and the number of workers n.

    Every name in ``sets`` must be a symbol of the card or ``n``; every symbol of the
    card must be one the space can pin.
    """
    unknown = [k for k in sets if k not in card.symbols and k != "n"]
    if unknown:
        raise SpecError(unknown[0], f"not an input of theorem {card.id!r} (inputs: {', '.join([*card.symbols, 'n'])}); "
                                    "the falsifier uses the card's own parameter choices")
    unpinnable = [s for s in card.symbols if s not in DEFAULTS]
    if unpinnable:
        raise SpecError(unpinnable[0], f"cannot falsify {card.id!r}: the search space (quadratics) has no instances "
                                       f"with a prescribed {unpinnable[0]!r} ({card.symbols[unpinnable[0]][1]})")
    values = card.validate_inputs({**{s: DEFAULTS[s] for s in card.symbols}, **sets})
    n = int(values.pop("n", DEFAULT_WORKERS))
    if "mu" in values and values["mu"] > values["L"]:
        raise SpecError("mu", f"must be <= L = {values['L']!r}, got {values['mu']!r}")
    if "Delta" in values and "D" in values:
        raise SpecError("D", f"cannot falsify {card.id!r}: the space pins either Delta or D, not both")
    if "Delta" not in values and "D" not in values:
        raise SpecError("Delta", f"cannot falsify {card.id!r}: it bounds neither f(x0) − f* (Delta) nor ‖x0 − x*‖ (D), "
                                 "so the starting point is unbounded")
    return values, n


class SearchSpace:
    """Box coordinates → (problem spec, asynchrony spec); see the module docstring."""

    def __init__(self, card, inputs: dict[str, float], *, n: int = DEFAULT_WORKERS, d: int = DEFAULT_DIM,
                 spread: float = DEFAULT_SPREAD):
        self.inputs = dict(inputs)
        if n < 1:
            raise SpecError("n", f"must be >= 1, got {n}")
        pinned = 2 if "mu" in inputs else 1
        if d < pinned:
            raise SpecError("dim", f"must be >= {pinned} (L{' and mu' if pinned == 2 else ''} are pinned eigenvalues), got {d}")
        if not (math.isfinite(spread) and spread >= 1):
            raise SpecError("spread", f"must be a finite number >= 1, got {spread!r}")
        if "fixed-computation" in card.assumptions:
            self.model = "fixed"
        elif "universal-computation" in card.assumptions:
            self.model = "universal"
        else:
            raise SpecError("assumptions", f"cannot falsify {card.id!r}: the search covers the fixed and universal "
                                           f"computation models; the card assumes {', '.join(card.assumptions)}")
        self.n, self.d, self.spread = n, d, spread
        self.pinned = pinned
        dims = [Dimension(f"u[{i}]", 0.0, 1.0) for i in range(pinned, d)]
        dims += [Dimension(f"w[{i}]", 0.0, 1.0) for i in range(d)]
        if inputs.get("sigma2", 0.0) > 0:
            dims.append(Dimension("noise", 0.0, 1.0))
        dims += [Dimension(f"log10_tau[{i}]", 0.0, math.log10(spread)) for i in range(n)]
        if self.model == "universal":
            dims.append(Dimension("log10_period", 0.0, math.log10(20.0)))
            dims += [Dimension(f"outage[{i}]", 0.0, MAX_OUTAGE) for i in range(n)]
        self.dims = dims

    @property
    def bounds(self) -> list[tuple[float, float]]:
        return [(dim.low, dim.high) for dim in self.dims]

    def named(self, x) -> dict[str, float]:
        return {dim.name: float(v) for dim, v in zip(self.dims, x)}

    def instance(self, x) -> tuple[dict, dict]:
        """The problem and asynchrony spec tables of point ``x`` (plain JSON types)."""
        v = self.named(x)
        L = self.inputs["L"]
        lo = self.inputs.get("mu", EIG_FLOOR * L)
        lam = [L] + ([self.inputs["mu"]] if self.pinned == 2 else [])
        lam += [lo * (L / lo) ** v[f"u[{i}]"] for i in range(self.pinned, self.d)]
        lam = np.array(lam)
        w = np.array([v[f"w[{i}]"] for i in range(self.d)])
        w = w if w.sum() > 0 else np.ones(self.d)
        if "Delta" in self.inputs:
            x0 = -np.sqrt(2.0 * self.inputs["Delta"] * (w / w.sum()) / lam)
        else:
            x0 = -self.inputs["D"] * w / np.linalg.norm(w)
        sigma2 = self.inputs.get("sigma2", 0.0)
        problem = {"family": "quadratic", "d": self.d, "eigenvalues": lam.tolist(), "x_star": [0.0] * self.d,
                   "x0": x0.tolist(), "sigma2": sigma2}
        if sigma2 > 0:
            problem["noise"] = "gaussian" if v["noise"] < 0.5 else "scalar"
        tau = [10.0 ** v[f"log10_tau[{i}]"] for i in range(self.n)]
        if self.model == "fixed":
            return problem, {"model": "fixed", "profile": "list", "tau": tau, "order": "given"}
        period = max(tau) * 10.0 ** v["log10_period"]
        breaks, rates = [], []
        for i, t in enumerate(tau):
            up = (1.0 - v[f"outage[{i}]"]) * period
            two = up < period * (1.0 - 1e-9)
            breaks.append([0.0, up] if two else [0.0])
            rates.append([1.0 / t, 0.0] if two else [1.0 / t])
        return problem, {"model": "universal", "breaks": breaks, "rates": rates, "period": period}

    def center(self) -> np.ndarray:
        return np.array([(dim.low + dim.high) / 2 for dim in self.dims])

    def describe(self) -> dict:
        return {"problem": "diagonal quadratic", "model": self.model, "d": self.d, "n": self.n, "spread": self.spread,
                "dimensions": [{"name": dim.name, "low": dim.low, "high": dim.high} for dim in self.dims]}
