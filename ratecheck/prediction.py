"""What a theorem card predicts for one run of a check: the :class:`Prediction` record.

At a sweep point the card is evaluated at the instance's constants (``L``, ``Δ``,
``σ²``…, :attr:`Problem.constants <ratecheck.problems.base.Problem.constants>`), ``n``,
``ε`` and the τ vector of the asynchrony model, with the parameters the run uses. Its
``"theory"`` parameters (e.g. Ringmaster's ``γ = min{1/(2RL), ε/(4Lσ²)}``, Maranjyan,
Tyurin, Richtárik, ICML 2025, arXiv:2501.16168, Thm 1) are the card's choices given the
parameters set explicitly. DESIGN.md, "Constants are certified": a bound is trusted
only with exact or certified constants; an ``estimate`` is varied over its CI
(:func:`estimate_ranges`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from .errors import SpecError
from .theory.domain import check_evaluation
from .verdict.complexity import point_key


@dataclass(frozen=True)
class Prediction:
    """A card's evaluation of one run (``theorem is None``: a run no card judges).

    ``evaluation`` is :meth:`Evaluation.as_dict <ratecheck.theory.evaluation.Evaluation.as_dict>`
    at the parameters run; ``card_parameters`` the card's own choices (what
    ``optimal-parameter`` compares with); ``violations`` the card's ``[[conditions]]``
    the run breaks (it still runs; verdicts flag it); ``not_applicable`` the card's
    assumptions the instance does not declare; ``estimates``/``estimated``/``bound_ranges``
    the estimated constants a bound uses and its range over their CIs.
    """

    theorem: str | None
    evaluation: dict[str, Any] = field(default_factory=dict)
    card_parameters: dict[str, Any] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)
    constants: dict[str, str] = field(default_factory=dict)
    applies: bool = False
    statistic: str | None = None
    statistic_range: str | None = None
    estimates: dict[str, dict] = field(default_factory=dict)
    estimated: dict[str, list[str]] = field(default_factory=dict)
    bound_ranges: dict[str, list[float]] = field(default_factory=dict)

    @property
    def bounds(self) -> dict[str, float]:
        return self.evaluation.get("bounds", {})

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract :mod:`ratecheck.verdict` and the report read."""
        if self.theorem is None:
            return {"theorem": None, "parameters": {}, "bounds": {}}
        out = {**self.evaluation, "card_parameters": self.card_parameters, "violations": self.violations,
               "not_applicable": self.not_applicable, "constants": self.constants, "applies": self.applies,
               "statistic": self.statistic, "statistic_range": self.statistic_range}
        if self.estimates:
            out |= {"estimates": self.estimates, "estimated": self.estimated, "bound_ranges": self.bound_ranges}
        return out


def _values(problem, model, point) -> tuple[dict[str, float], object]:
    """Numbers a card may use at a point: every constant (estimates included, flagged
    by :func:`estimate_ranges`), n, eps; and the τ vector."""
    from .asynchrony.base import DelayModel

    values = {k: c.value for k, c in problem.constants.values.items()}
    values["eps"] = point["eps"]
    if isinstance(model, DelayModel):  # no workers and no clock: the declared delay bound
        values["delay_max"] = model.tau_max
        return values, None
    values["n"] = model.n
    return values, model.tau_bounds()


def card_params(card, params: dict) -> dict[str, float]:
    """The numeric entries of ``params`` that are parameters of ``card`` (or aliases)."""
    return {k: v for k, v in params.items()
            if (k in card.parameters or k in card.aliases) and isinstance(v, (int, float)) and not isinstance(v, bool)}


#: At most this many estimated constants are varied jointly over their CI box (2^m evaluations).
MAX_ESTIMATES = 6


def estimate_ranges(card, problem, values: dict, tau, run_params: dict, bounds: dict) -> tuple[dict, dict, dict]:
    """Bounds evaluated at an estimated constant: which, and their range over its CI.

    When a constant the card uses is an ``estimate`` (value ± CI), the bound is
    evaluated at the estimate and, with the run's parameters held fixed, at every corner
    of the box of the estimates' CIs; ``[min, max]`` over those is the bound's range
    (exact for a bound monotone in each constant, which attains its extremes at the
    corners). Returns ``(estimates, estimated, ranges)``: ``{name: {value, ci}}``,
    ``{bound: [names]}`` and ``{bound: [lo, hi]}``.
    """
    est = {k: c for k, c in problem.constants.values.items()
           if c.provenance == "estimate" and k in card.symbols}
    if not est:
        return {}, {}, {}
    estimated = {}
    for b in bounds:
        names = sorted(set(est) & card.dependencies(card.entry(b).expr))
        if names:
            estimated[b] = names
    used = sorted({n for names in estimated.values() for n in names})[:MAX_ESTIMATES]
    ranges = {b: [bounds[b], bounds[b]] for b in estimated}
    for corner in itertools.product(*[est[n].ci for n in used]):
        ev = card.evaluate({**values, **dict(zip(used, corner)), **run_params}, tau)
        for b in ranges:
            v = ev.bounds.get(b)
            if v is not None and math.isfinite(v):
                ranges[b] = [min(ranges[b][0], v), max(ranges[b][1], v)]
    return {k: {"value": est[k].value, "ci": list(est[k].ci)} for k in used}, estimated, ranges


def resolve_params(card, alg, field: str, values: dict, tau, given) -> dict[str, Any]:
    """The run's parameters: literal values as written, ``"theory"`` the method's own
    card's choice (``given``: its evaluation with the explicit parameters), ``"theory:ID"``
    card ID's choice. Raises :class:`SpecError` naming ``{field}.params.NAME``."""
    literal = {k: v for k, v in alg.params.items() if not isinstance(v, str)}
    params = {}
    for name, val in alg.params.items():
        if isinstance(val, str):
            source, ev = card, given
            if val != "theory":
                from .theory import load_card

                source = load_card(val.split(":", 1)[1])
                ev = source.evaluate({**values, **card_params(source, literal)}, tau)
            if ev is None:
                raise SpecError(f"{field}.params.{name}", "\"theory\" needs a theorem card (set `theorem`, or use \"theory:CARD\")")
            if name not in ev.parameters:
                raise SpecError(f"{field}.params.{name}",
                                f"card {source.id!r} gives no value for it here (missing: {', '.join(ev.missing) or 'not a card parameter'})")
            val = ev.parameters[name]
        params[name] = val
    return params


def predict(card, alg, cls, field: str, problem, model, point) -> tuple[dict[str, Any], Prediction]:
    """The parameters of one run at a sweep point and the card's :class:`Prediction` for it.

    ``"theory"`` parameters are the card's choices given the parameters set explicitly
    (e.g. γ for a stated R). The bounds are evaluated with the parameters the run uses
    (explicit, "theory" and the method's defaults, as ``cls`` fills them in), and the
    run's parameters are checked against the card's ``[[conditions]]``. Returns
    ``(params, prediction)``: ``params`` is the one channel of every parameter (γ
    included) to the run (:class:`ratecheck.plan.Fragment`).
    """
    values, tau = _values(problem, model, point)
    base = card.evaluate(values, tau) if card is not None else None
    literal = {k: v for k, v in alg.params.items() if not isinstance(v, str)}
    explicit = card_params(card, literal) if card is not None else {}
    given = card.evaluate({**values, **explicit}, tau) if explicit else base
    where = f"{field} at {point_key(point)}: "
    if given is not None:
        check_evaluation(given, where)
    params = cls(resolve_params(card, alg, field, values, tau, given), field).params
    if "gamma" not in params:
        raise SpecError(f"{field}.params.gamma", "missing (a number or \"theory\")")
    if card is None:
        return params, Prediction(None)
    run_params = card_params(card, params)
    defaults = {k: v for k, v in run_params.items() if k not in explicit and given.parameters.get(k) != v}
    final = card.evaluate({**values, **explicit, **defaults}, tau) if defaults else given
    check_evaluation(final, where)
    evaluation = final.as_dict()
    estimates, estimated, ranges = estimate_ranges(card, problem, values, tau, {**final.parameters, **run_params}, final.bounds)
    return params, Prediction(
        theorem=card.id, evaluation=evaluation, card_parameters=base.as_dict()["parameters"],
        violations=card.check_conditions({**final.parameters, **params}, values, tau),
        not_applicable=card.applicability(set(problem.properties) | set(model.properties)),
        constants={b: card.bound_constants(b) for b in evaluation.get("bounds", {})},
        applies=card.applies(cls.registry_name), statistic=card.statistic, statistic_range=card.statistic_range,
        estimates=estimates, estimated=estimated, bound_ranges=ranges)
