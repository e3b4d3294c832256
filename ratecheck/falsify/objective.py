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
(card parameters ``"theory"``) resolved by :func:`ratecheck.plan.plan`, each seed run by
:func:`ratecheck.execute.run_fragment`. So the card is evaluated at the instance's
constants exactly as a check would; an instance where it cannot be — outside the card's
assumptions, a constant that is only an estimate or missing, a K above the iteration cap,
a spec the family refuses — is *skipped* (``Trial.skipped`` says why), not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..algorithms import ALGORITHMS
from ..asynchrony.base import DelayModel
from ..execute import run_fragment
from ..errors import SpecError
from ..plan import Fragment, plan
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
    cell: str = ""
    skipped: str = ""

    @property
    def ratio(self) -> float:
        return math.nan if self.skipped else float(np.mean(self.values)) / self.eps

    def as_dict(self) -> dict:
        return {"cell": self.cell, "x": self.x, "problem": self.problem, "asynchrony": self.asynchrony, "K": self.K,
                "read_at": self.read_at, "seeds": self.seeds, "values": self.values, "ratio": self.ratio,
                "parameters": self.parameters, "skipped": self.skipped}


def method_for(card, method: str | None) -> str:
    """The algorithm that implements ``card``: ``method`` if given, else the card's only
    method (``applies_to``), else the one whose ``theorem`` is the card."""
    if method is not None:
        ALGORITHMS.get(method, "method")
        return method
    if len(card.applies_to) == 1 and card.applies_to[0] != "*":
        return card.applies_to[0]
    names = [name for name, cls in ALGORITHMS.items() if cls.theorem == card.id]
    if len(names) != 1:
        found = f"several ({', '.join(names)})" if names else "none"
        raise SpecError("method", f"cannot tell which algorithm card {card.id!r} is about: {found} declare "
                                  f"theorem = {card.id!r}; name one with --method")
    return names[0]


def _random(model) -> bool:
    """Whether the runs of ``model`` depend on the seed: compute-time models say so; a delay
    sequence is random when two seeds draw different delays."""
    if isinstance(model, DelayModel):
        return model.adaptive or not np.array_equal(model.delays(64, np.random.default_rng(0)),
                                                    model.delays(64, np.random.default_rng(1)))
    return bool(model.random)


#: Largest card K the falsifier runs to (an instance beyond it is skipped).
MAX_ITERATIONS = 200_000


class Objective:
    """ratio(x) for the instances of a :class:`~ratecheck.falsify.space.SearchSpace` (one cell)."""

    def __init__(self, card, space, method: str, max_iterations: int = MAX_ITERATIONS):
        self.card, self.space, self.method = card, space, method
        self.max_iterations = max_iterations
        self.eps = space.inputs["eps"]
        cls = ALGORITHMS.get(method, "method")
        names = set(card.parameters) | set(card.aliases)
        self.params = {p: "theory" for p in cls.parameters if p in names}

    def plan(self, x, seeds) -> tuple[dict, list[Fragment], object, object]:
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
        planned = plan(spec)
        (pred,) = planned.prediction_dicts().values()
        (prob, model), = planned.instances.values()
        return pred, planned.fragments, prob, model

    def probe(self) -> tuple[bool, str]:
        """The cell at its centre: (deterministic, why the card never applies here, or "").

        A cell is not searched when its instances miss an assumption of the card (the
        family and the model declare their properties whatever the point) or the card's
        own parameters break its conditions; other refusals are decided instance by instance.
        """
        try:
            pred, _, prob, model = self.plan(self.space.center(), [0])
        except SpecError as exc:
            return False, str(exc)
        deterministic = prob.noise_dim == 0 and prob.n_samples == 0 and not _random(model)
        if pred["not_applicable"]:
            return deterministic, f"its instances do not declare {', '.join(pred['not_applicable'])}"
        if pred["violations"]:
            return deterministic, f"the card's own parameters break its conditions: {'; '.join(pred['violations'])}"
        return deterministic, ""

    def _admissible(self, pred) -> None:
        """Raise :class:`SpecError` when the card cannot judge this instance (module docstring)."""
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
        if "iterations" in pred.get("estimated", {}):
            raise SpecError("constants", f"the bound uses estimated constants ({', '.join(pred['estimated']['iterations'])})")
        if K > self.max_iterations:
            raise SpecError("iterations", f"K = {K:.4g} exceeds the cap of {self.max_iterations} iterations")

    def evaluate(self, x, seeds) -> Trial:
        """Run the instance at ``x`` for every seed and read the statistic at the card's K
        (a skipped trial when the card cannot judge the instance)."""
        try:
            problem, asynchrony = self.space.instance(x)
            pred, fragments, _, _ = self.plan(x, seeds)
            self._admissible(pred)
        except SpecError as exc:
            return Trial([float(v) for v in x], {}, {}, math.nan, 0, list(seeds), [], self.eps,
                         cell=self.space.name, skipped=str(exc))
        K = float(pred["bounds"]["iterations"])
        read_at = int(math.ceil(K)) - (1 if self.card.statistic_range == "0..K-1" else 0)
        values = []
        for frag in fragments:
            frag = replace(frag, horizon={**frag.horizon, "iterations": max(read_at, 1)})  # the engine needs one update; x_0 is row 0
            try:
                res = run_fragment(frag.to_dict())
            except SpecError as exc:  # the engine refuses the pair (e.g. a delay model on a problem without x*)
                return Trial([float(v) for v in x], problem, asynchrony, K, read_at, list(seeds), [], self.eps,
                             cell=self.space.name, skipped=str(exc))
            if res.status != "ok":
                values.append(math.inf)
                continue
            row = np.flatnonzero(res.checkpoints["iteration"] == read_at)
            if row.size != 1:
                raise RuntimeError(f"no checkpoint at the card's K = {read_at} (run ended at {res.final['iteration']})")
            values.append(float(res.checkpoints[self.card.statistic][row[0]]))
        return Trial([float(v) for v in x], problem, asynchrony, K, read_at, list(seeds), values, self.eps,
                     dict(pred["parameters"]), self.space.name)
