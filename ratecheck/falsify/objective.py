"""The falsifier's objective: observed statistic at the card's K, over ε.

A card's iteration bound reads "for K ≥ K(ε), S_K ≤ ε" with S_K the expectation of its
``statistic`` over ``statistic_range``; e.g. Ringmaster ASGD Thm 1 (Maranjyan, Tyurin &
Richtárik, ICML 2025): (1/(K+1)) Σ_{k=0}^{K} E‖∇f(x_k)‖² ≤ ε for
K ≥ 8RLΔ/ε + 16σ²LΔ/ε². The objective of an instance is

    ratio = mean over noise seeds of S_K / ε,   K = K(ε) the card's bound,

with K evaluated, as ``ratecheck check`` does, at the instance's certified constants
(the card inputs, up to rounding), read exactly at K (``0..K``: the trace value at iteration K; ``0..K-1``: at K − 1, which
averages x_0, …, x_{K−1}). It measures what the theorem states — an expectation at a
given K — whereas the iterations to reach ε are a random first-passage time whose mean
the theorem does not bound. A run that diverges gives S_K = +∞.

The run itself goes through the same path as ``ratecheck check``: a one-point check spec
(card parameters ``"theory"``) resolved by :func:`ratecheck.check.plan`, each seed run by
:func:`ratecheck.engine.run.run_fragment`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..algorithms import ALGORITHMS
from ..check import plan
from ..engine.run import run_fragment
from ..errors import SpecError
from ..spec import parse_spec


@dataclass
class Trial:
    """One evaluated instance: the point, its specs, the card's K and the per-seed statistic."""

    x: list[float]
    problem: dict
    asynchrony: dict
    K: float
    read_at: int
    seeds: list[int]
    values: list[float]
    eps: float
    parameters: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return float(np.mean(self.values)) / self.eps

    def as_dict(self) -> dict:
        return {"x": self.x, "problem": self.problem, "asynchrony": self.asynchrony, "K": self.K,
                "read_at": self.read_at, "seeds": self.seeds, "values": self.values, "ratio": self.ratio,
                "parameters": self.parameters}


def method_for(card, method: str | None) -> str:
    """The algorithm that implements ``card``: ``method`` if given, else the one whose
    ``theorem`` is the card."""
    if method is not None:
        ALGORITHMS.get(method, "method")
        return method
    names = [name for name, cls in ALGORITHMS.items() if cls.theorem == card.id]
    if len(names) != 1:
        found = f"several ({', '.join(names)})" if names else "none"
        raise SpecError("method", f"cannot tell which algorithm card {card.id!r} is about: {found} declare "
                                  f"theorem = {card.id!r}; name one with --method")
    return names[0]


class Objective:
    """ratio(x) for the instances of a :class:`~ratecheck.falsify.space.SearchSpace`."""

    def __init__(self, card, space, method: str):
        self.card, self.space, self.method = card, space, method
        self.eps = space.inputs["eps"]
        cls = ALGORITHMS.get(method, "method")
        names = set(card.parameters) | set(card.aliases)
        self.params = {p: "theory" for p in cls.parameters if p in names}

    def plan(self, x, seeds) -> tuple[dict, list[dict], object, object]:
        """Resolve the instance at ``x``: (card prediction, fragments, problem, model)."""
        problem, asynchrony = self.space.instance(x)
        spec = parse_spec({
            "check": {"name": f"falsify-{self.card.id}", "seeds": list(seeds)},
            "problem": problem,
            "asynchrony": asynchrony,
            "sweep": {"eps": [self.eps]},
            "horizon": {"factor": 1.0, "stop_at_target": False},
            "algorithms": [{"label": self.card.id, "method": self.method, "theorem": self.card.id,
                            "statistic": self.card.statistic, "params": self.params}],
        }, f"falsify {self.card.id}")
        instances, predictions, fragments, _ = plan(spec)
        (pred,) = predictions.values()
        (prob, model), = instances.values()
        return pred, fragments, prob, model

    def probe(self) -> tuple[bool, dict]:
        """Check the space against the card at its centre; return (deterministic, prediction).

        Raises :class:`SpecError` when the instances miss an assumption of the card, the
        card gives no finite iteration bound, or its own parameters break its conditions.
        """
        pred, _, prob, model = self.plan(self.space.center(), [0])
        if pred["not_applicable"]:
            raise SpecError("assumptions", f"cannot falsify {self.card.id!r}: the search space's instances do not "
                                           f"declare {', '.join(pred['not_applicable'])}")
        if pred["violations"]:
            raise SpecError("parameters", f"card {self.card.id!r}'s own parameters break its conditions: "
                                          f"{'; '.join(pred['violations'])}")
        K = pred["bounds"].get("iterations")
        if not isinstance(K, (int, float)) or not math.isfinite(K) or K < 1:
            raise SpecError("iterations", f"card {self.card.id!r} gives no finite iteration bound here "
                                          f"(missing: {', '.join(pred['missing']) or 'none'})")
        deterministic = prob.noise_dim == 0 and prob.n_samples == 0 and not model.random
        return deterministic, pred

    def evaluate(self, x, seeds) -> Trial:
        """Run the instance at ``x`` for every seed and read the statistic at the card's K."""
        pred, fragments, _, _ = self.plan(x, seeds)
        K = float(pred["bounds"]["iterations"])
        read_at = int(math.ceil(K)) - (1 if self.card.statistic_range == "0..K-1" else 0)
        values = []
        for frag in fragments:
            frag["horizon"]["iterations"] = max(read_at, 1)  # the engine needs one update; x_0 is row 0
            res = run_fragment(frag)
            if res.status != "ok":
                values.append(math.inf)
                continue
            row = np.flatnonzero(res.checkpoints["iteration"] == read_at)
            if row.size != 1:
                raise RuntimeError(f"no checkpoint at the card's K = {read_at} (run ended at {res.final['iteration']})")
            values.append(float(res.checkpoints[self.card.statistic][row[0]]))
        problem, asynchrony = self.space.instance(x)
        return Trial([float(v) for v in x], problem, asynchrony, K, read_at, list(seeds), values, self.eps,
                     dict(pred["parameters"]))
