"""The falsifier's search space: every class of instances a card admits, as search cells.

A **cell** (:class:`SearchSpace`) pairs one problem family with one asynchrony model;
a point x of its box ``[low, high]^N`` (:attr:`SearchSpace.dims`) is an instance, a
problem spec and an asynchrony spec (:meth:`SearchSpace.instance`). :func:`cells` lists
the cells of a card: every registered problem family (the built-in ones below, and any
user family through the signature of its constructor) times every model of the card's
computation assumption. Whether an instance lies inside the card's assumptions, and the
constants the card is evaluated at, are decided as ``ratecheck check`` decides them
(:mod:`ratecheck.falsify.objective`): a family that does not declare what the card
assumes is reported as not applicable, never searched.

Problems. The card's inputs given with ``--set`` (or :data:`DEFAULTS`) are *pinned* where
a family can make them exact; elsewhere the card is evaluated at the instance's own
certified constants.

* ``quadratic`` — f(x) = ½ Σ_i λ_i x_i² (x* = 0) pinning L, μ, Δ or D and σ²:
  λ_0 = L; λ_1 = μ when the card has ``mu``; the other λ_i = λ_lo (L/λ_lo)^{u_i},
  λ_lo = μ or :data:`EIG_FLOOR`·L; x0 puts the share w_i/Σw of Δ on coordinate i
  (x0_i = −√(2Δ p_i/λ_i)) or lies along w/‖w‖ at distance D; noise of variance exactly
  σ², ``gaussian`` or ``scalar`` (one searched switch);
* ``zero-chain`` — Carmon et al.'s chain of d links with L, Δ and σ² pinned;
* ``separable-nonconvex`` — σ² pinned; the shape a, b and the start searched;
* ``tridiagonal``, ``logistic``, ``robust-regression``, ``heterogeneous-quadratic`` — their
  parameters searched (dimension, conditioning, data, noise, outliers, spread), constants
  their certified ones;
* any other family — its numeric constructor arguments with defaults, searched within a
  factor :data:`GENERIC_SPAN` of the default.

Dimensions: d ∈ [1, ``dim``] where a family's dimension is free (``quadratic``: d = dim).

Asynchrony, from the card's assumptions:

* ``fixed-computation``: ``fixed`` τ_i = 10^{v_i}, v_i ∈ [0, log10 spread], in the given
  order; and ``random`` times b_i + X_i truncated at τ_i (half-normal or exponential
  noise), which satisfy the fixed model with these τ_i;
* ``universal-computation``: power 1/τ_i except an outage on the last fraction o_i ∈
  [0, :data:`MAX_OUTAGE`] of a common period P ∈ [τ_max, 20 τ_max] (Tyurin, ICLR 2025);
* ``delay-sequence``: ``constant`` δ_k = τ, ``uniform`` i.i.d. on {0..τ_max}, ``sequence``
  a random bursty pattern (period, burst length and height searched, cycled), and
  ``pep-worst``: the worst delays of the performance-estimation SDP for the card's γL
  over a short horizon, cycled (:mod:`ratecheck.falsify.pepdelays`); τ_max ∈ [0,
  :data:`MAX_DELAY`].
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass

import numpy as np

from ..errors import SpecError
from ..problems import PROBLEMS

#: Values of the card inputs when ``--set`` does not give them.
DEFAULTS = {"L": 1.0, "mu": 0.1, "Delta": 1.0, "D": 1.0, "sigma2": 0.01, "eps": 0.01}
#: Smallest eigenvalue, relative to L, of a card without μ.
EIG_FLOOR = 1e-4
#: Largest outage, as a fraction of the period (universal model).
MAX_OUTAGE = 0.9
#: Defaults of the falsifier's own options: dimension, workers, τ_max/τ_min.
DEFAULT_DIM, DEFAULT_WORKERS, DEFAULT_SPREAD = 8, 8, 100.0
#: Largest delay bound searched for delay-sequence cards.
MAX_DELAY = 12
#: A user family's numeric argument is searched within [default/GENERIC_SPAN, default·GENERIC_SPAN].
GENERIC_SPAN = 4.0


@dataclass(frozen=True)
class Dimension:
    """One coordinate of the search box (``integer``: rounded when used)."""

    name: str
    low: float
    high: float
    integer: bool = False


def card_inputs(card, sets: dict[str, float]) -> tuple[dict[str, float], int]:
    """The card's pinnable inputs (``--set`` values, else :data:`DEFAULTS`) and the number of workers n.

    Every name in ``sets`` must be a symbol of the card or ``n``. Inputs no family can pin
    (ζ², ρ, delay bounds…) come from each instance: the problem's certified constants or
    the delay model's bound.
    """
    unknown = [k for k in sets if k not in card.symbols and k != "n"]
    if unknown:
        raise SpecError(unknown[0], f"not an input of theorem {card.id!r} (inputs: {', '.join([*card.symbols, 'n'])}); "
                                    "the falsifier uses the card's own parameter choices")
    values = card.validate_inputs({**{s: DEFAULTS[s] for s in card.symbols if s in DEFAULTS}, **sets})
    n = int(values.pop("n", DEFAULT_WORKERS))
    if "mu" in values and values["mu"] > values["L"]:
        raise SpecError("mu", f"must be <= L = {values['L']!r}, got {values['mu']!r}")
    if "Delta" in values and "D" in values:
        raise SpecError("D", f"cannot falsify {card.id!r}: the space pins either Delta or D, not both")
    if "Delta" not in values and "D" not in values:
        raise SpecError("Delta", f"cannot falsify {card.id!r}: it bounds neither f(x0) − f* (Delta) nor ‖x0 − x*‖ (D), "
                                 "so the starting point is unbounded")
    return values, n


# --- problem families -----------------------------------------------------------------------

def _quadratic(inputs, d):
    pinned = 2 if "mu" in inputs else 1
    if d < pinned:
        raise SpecError("dim", f"must be >= {pinned} (L{' and mu' if pinned == 2 else ''} are pinned eigenvalues), got {d}")
    dims = [Dimension(f"u[{i}]", 0.0, 1.0) for i in range(pinned, d)] + [Dimension(f"w[{i}]", 0.0, 1.0) for i in range(d)]
    if inputs.get("sigma2", 0.0) > 0:
        dims.append(Dimension("noise", 0.0, 1.0))

    def spec(v):
        L = inputs["L"]
        lo = inputs.get("mu", EIG_FLOOR * L)
        lam = np.array([L] + ([inputs["mu"]] if pinned == 2 else []) + [lo * (L / lo) ** v[f"u[{i}]"] for i in range(pinned, d)])
        w = np.array([v[f"w[{i}]"] for i in range(d)])
        w = w if w.sum() > 0 else np.ones(d)
        x0 = (-np.sqrt(2.0 * inputs["Delta"] * (w / w.sum()) / lam) if "Delta" in inputs
              else -inputs["D"] * w / np.linalg.norm(w))
        sigma2 = inputs.get("sigma2", 0.0)
        out = {"family": "quadratic", "d": d, "eigenvalues": lam.tolist(), "x_star": [0.0] * d, "x0": x0.tolist(),
               "sigma2": sigma2}
        if sigma2 > 0:
            out["noise"] = "gaussian" if v["noise"] < 0.5 else "scalar"
        return out
    return dims, spec


def _zero_chain(inputs, d):
    dims = [Dimension("d", 1, max(d, 1), integer=True)]
    return dims, lambda v: {"family": "zero-chain", "d": int(v["d"]), "L": inputs["L"],
                            "Delta": inputs.get("Delta", DEFAULTS["Delta"]), "sigma2": inputs.get("sigma2", 0.0)}


def _separable(inputs, d):
    dims = [Dimension("d", 1, d, integer=True), Dimension("log10_a", -0.5, 0.5), Dimension("b", 0.0, 1.0),
            Dimension("x0", 0.5, 4.0)]
    return dims, lambda v: {"family": "separable-nonconvex", "d": int(v["d"]), "a": 10.0 ** v["log10_a"], "b": v["b"],
                            "sigma2": inputs.get("sigma2", 0.0), "x0": v["x0"]}


def _tridiagonal(inputs, d):
    dims = [Dimension("d", 2, max(d, 2), integer=True), Dimension("log10_scale", -0.5, 0.5),
            Dimension("log10_noise", -3.0, -0.5), Dimension("noise", 0.0, 1.0)]
    return dims, lambda v: {"family": "tridiagonal", "d": int(v["d"]), "scale": 10.0 ** v["log10_scale"],
                            "noise_std": 10.0 ** v["log10_noise"], "noise": "scalar" if v["noise"] < 0.5 else "gaussian"}


def _logistic(inputs, d):
    dims = [Dimension("m", 10, 100, integer=True), Dimension("d", 1, d, integer=True),
            Dimension("log10_lam", -3.0, 0.0), Dimension("signal", 0.5, 4.0), Dimension("seed", 0, 999, integer=True)]
    return dims, lambda v: {"family": "logistic", "m": int(v["m"]), "d": int(v["d"]), "lam": 10.0 ** v["log10_lam"],
                            "signal": v["signal"], "seed": int(v["seed"])}


def _robust(inputs, d):
    dims = [Dimension("m", 10, 100, integer=True), Dimension("d", 1, d, integer=True), Dimension("loss", 0.0, 1.0),
            Dimension("c", 0.5, 2.0), Dimension("noise", 0.0, 0.5), Dimension("outliers", 0.0, 0.3),
            Dimension("outlier_scale", 1.0, 20.0), Dimension("seed", 0, 999, integer=True)]
    return dims, lambda v: {"family": "robust-regression", "m": int(v["m"]), "d": int(v["d"]),
                            "loss": "cauchy" if v["loss"] < 0.5 else "geman-mcclure", "c": v["c"], "noise": v["noise"],
                            "outliers": v["outliers"], "outlier_scale": v["outlier_scale"], "seed": int(v["seed"])}


def _heterogeneous(inputs, d, n):
    dims = [Dimension("d", 1, d, integer=True), Dimension("log10_spread", -1.0, 1.0), Dimension("seed", 0, 999, integer=True)]
    return dims, lambda v: {"family": "heterogeneous-quadratic", "n": n, "d": int(v["d"]), "spread": 10.0 ** v["log10_spread"],
                            "sigma2": inputs.get("sigma2", 0.0), "seed": int(v["seed"])}


BUILTIN = {"quadratic": _quadratic, "zero-chain": _zero_chain, "separable-nonconvex": _separable,
           "tridiagonal": _tridiagonal, "logistic": _logistic, "robust-regression": _robust,
           "heterogeneous-quadratic": _heterogeneous}


def _generic(name, inputs, d, n):
    """A user family: its numeric keyword arguments with a default, searched around it."""
    cls = PROBLEMS.get(name, "family")
    dims, fixed = [], {"family": name}
    for arg, p in inspect.signature(cls.__init__).parameters.items():
        default = p.default
        if arg == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if arg in ("d", "n"):
            fixed[arg] = {"d": d, "n": n}[arg]
        elif arg in inputs:
            fixed[arg] = inputs[arg]
        elif isinstance(default, bool) or not isinstance(default, (int, float)) or default <= 0:
            continue
        elif isinstance(default, int):
            dims.append(Dimension(arg, max(1, default // 4), default * 4, integer=True))
        else:
            dims.append(Dimension(f"log10_{arg}", math.log10(default / GENERIC_SPAN), math.log10(default * GENERIC_SPAN)))
    def spec(v):
        out = dict(fixed)
        for dim in dims:
            x = v[dim.name]
            if dim.name.startswith("log10_"):
                out[dim.name[len("log10_"):]] = 10.0 ** x
            else:
                out[dim.name] = int(x) if dim.integer else x
        return out
    return dims, spec


# --- asynchrony models ------------------------------------------------------------------------

def _taus(n, spread):
    return [Dimension(f"log10_tau[{i}]", 0.0, math.log10(spread)) for i in range(n)]


def _tau(v, n):
    return [10.0 ** v[f"log10_tau[{i}]"] for i in range(n)]


def _models(card, n, spread, card_gamma_L):
    """name → (dims, spec builder) for the card's computation assumption."""
    if "fixed-computation" in card.assumptions:
        def random(v):
            tau = _tau(v, n)
            return {"model": "random", "n": n, "family": "half-normal" if v["law"] < 0.5 else "exponential",
                    "base": [t * v["base"] for t in tau], "noise": [t for t in tau], "bound": tau}
        return {"fixed": (_taus(n, spread), lambda v: {"model": "fixed", "profile": "list", "tau": _tau(v, n),
                                                      "order": "given"}),
                "random": (_taus(n, spread) + [Dimension("law", 0.0, 1.0), Dimension("base", 0.0, 0.9)], random)}
    if "universal-computation" in card.assumptions:
        def universal(v):
            tau = _tau(v, n)
            period = max(tau) * 10.0 ** v["log10_period"]
            breaks, rates = [], []
            for i, t in enumerate(tau):
                up = (1.0 - v[f"outage[{i}]"]) * period
                two = up < period * (1.0 - 1e-9)
                breaks.append([0.0, up] if two else [0.0])
                rates.append([1.0 / t, 0.0] if two else [1.0 / t])
            return {"model": "universal", "breaks": breaks, "rates": rates, "period": period}
        dims = _taus(n, spread) + [Dimension("log10_period", 0.0, math.log10(20.0))]
        return {"universal": (dims + [Dimension(f"outage[{i}]", 0.0, MAX_OUTAGE) for i in range(n)], universal)}
    if "delay-sequence" in card.assumptions:
        from .pepdelays import worst_pattern

        bound = Dimension("tau_max", 0, MAX_DELAY, integer=True)

        def bursty(v):
            tau, period = int(v["tau_max"]), int(v["period"])
            burst = max(1, int(round(v["burst"] * period)))
            values = [tau if k < burst else int(round(v["floor"] * tau)) for k in range(period)]
            return {"model": "sequence", "values": values, "bound": tau, "when_exhausted": "cycle"}
        return {"constant": ([bound], lambda v: {"model": "constant", "tau": int(v["tau_max"])}),
                "uniform": ([bound], lambda v: {"model": "uniform", "tau_max": int(v["tau_max"])}),
                "sequence": ([bound, Dimension("period", 1, 40, integer=True), Dimension("burst", 0.0, 1.0),
                              Dimension("floor", 0.0, 1.0)], bursty),
                "pep-worst": ([Dimension("tau_max", 0, 3, integer=True)],
                              lambda v: {"model": "sequence", "values": worst_pattern(card_gamma_L(int(v["tau_max"])),
                                                                                   int(v["tau_max"])),
                                         "bound": int(v["tau_max"]), "when_exhausted": "cycle"})}
    raise SpecError("assumptions", f"cannot falsify {card.id!r}: the search covers the fixed, universal and "
                                   f"delay-sequence models; the card assumes {', '.join(card.assumptions)}")


class SearchSpace:
    """One cell: a problem family × an asynchrony model; box coordinates → (problem, asynchrony)."""

    def __init__(self, card, inputs: dict[str, float], *, n: int = DEFAULT_WORKERS, d: int = DEFAULT_DIM,
                 spread: float = DEFAULT_SPREAD, family: str = "quadratic", model: str | None = None):
        self.inputs = dict(inputs)
        if n < 1:
            raise SpecError("n", f"must be >= 1, got {n}")
        if d < 1:
            raise SpecError("dim", f"must be >= 1, got {d}")
        if not (math.isfinite(spread) and spread >= 1):
            raise SpecError("spread", f"must be a finite number >= 1, got {spread!r}")
        self.n, self.d, self.spread, self.family = n, d, spread, family
        if family == "heterogeneous-quadratic":
            pdims, self._problem = _heterogeneous(self.inputs, d, n)
        elif family in BUILTIN:
            pdims, self._problem = BUILTIN[family](self.inputs, d)
        else:
            pdims, self._problem = _generic(family, self.inputs, d, n)
        models = _models(card, n, spread, lambda tau: _gamma_L(card, self.inputs, tau))
        self.model = model if model is not None else next(iter(models))
        if self.model not in models:
            raise SpecError("model", f"card {card.id!r} is searched under {', '.join(models)}, not {self.model!r}")
        mdims, self._asynchrony = models[self.model]
        self.dims = pdims + mdims

    @property
    def name(self) -> str:
        return f"{self.family} × {self.model}"

    @property
    def bounds(self) -> list[tuple[float, float]]:
        return [(dim.low, dim.high) for dim in self.dims]

    def named(self, x) -> dict[str, float]:
        return {dim.name: (float(round(v)) if dim.integer else float(v)) for dim, v in zip(self.dims, x)}

    def instance(self, x) -> tuple[dict, dict]:
        """The problem and asynchrony spec tables of point ``x`` (plain JSON types)."""
        v = self.named(x)
        return self._problem(v), self._asynchrony(v)

    def center(self) -> np.ndarray:
        return np.array([(dim.low + dim.high) / 2 for dim in self.dims])

    def describe(self) -> dict:
        return {"family": self.family, "model": self.model, "d": self.d, "n": self.n, "spread": self.spread,
                "dimensions": [{"name": dim.name, "low": dim.low, "high": dim.high} for dim in self.dims]}


def _gamma_L(card, inputs, tau_max: int) -> float:
    """γL of the card for a delay bound (the PEP pattern depends on it only)."""
    ev = card.evaluate({**inputs, "delay_max": float(tau_max)})
    return float(ev.parameters["gamma"]) * inputs["L"]


def families() -> list[str]:
    """Every registered problem family, the built-in ones first."""
    PROBLEMS.load()
    return [f for f in BUILTIN if f in PROBLEMS.names()] + sorted(set(PROBLEMS.names()) - set(BUILTIN))


def cells(card, inputs, *, n: int, d: int, spread: float, only=None, models=None) -> list[SearchSpace]:
    """The search cells of ``card``: families × the models of its computation assumption
    (``only`` and ``models`` restrict them)."""
    names = families()
    known = list(_models(card, n, spread, lambda tau: _gamma_L(card, inputs, tau)))
    for field, wanted, have in (("family", only, names), ("model", models, known)):
        bad = [x for x in wanted or () if x not in have]
        if bad:
            raise SpecError(field, f"unknown {field} {bad[0]!r} for card {card.id!r} (known: {', '.join(have)})")
    return [SearchSpace(card, inputs, n=n, d=d, spread=spread, family=f, model=m)
            for f in names if not only or f in only for m in known if not models or m in models]
