"""The plan of a check: every (sweep point, algorithm) resolved before anything runs.

spec → problem and asynchrony model at each sweep point → the algorithm's parameters
(``"theory"`` ones from the cards, :mod:`ratecheck.prediction`) → one
:class:`Prediction` per (label, point) and one :class:`Fragment` per (label, point,
seed); a table with a grid stands for its members (:mod:`ratecheck.grid`), and a tuned
one's members run on its tuning seeds (:attr:`Plan.tuning`, :mod:`ratecheck.tuning`). ``ratecheck check`` (:mod:`ratecheck.check`), ``ratecheck explain``
(:mod:`ratecheck.theory.explain`) and ``ratecheck falsify``
(:mod:`ratecheck.falsify.objective`) plan alike, so a card is evaluated at the same
numbers everywhere.

Each parameter travels one way, from the spec to the replay: the fragment's ``params``
(γ included), as resolved by :func:`~ratecheck.prediction.predict`; the plan keeps no
algorithm object.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from .algorithms import ALGORITHMS
from .asynchrony import make_model
from .errors import SpecError
from .grid import claim_labels, expand_claims, members
from .guards import MAX_EVENTS, check_events, check_memory, horizon_events, simulation_bytes
from .prediction import Prediction, predict
from .problems import make_problem
from .spec import CheckSpec
from .verdict.complexity import RUNNING, point_key


@dataclass(frozen=True)
class Fragment:
    """Everything that determines one run (the sweep's unit; its key: :func:`ratecheck.sweep.keys.run_key`
    of :meth:`to_dict`). ``label``, ``point``, ``theorem`` and ``statistic`` name the run
    (its result's ``meta``) and do not change what is simulated."""

    problem: dict[str, Any]
    asynchrony: dict[str, Any]
    method: str
    params: dict[str, Any]
    seed: int
    horizon: dict[str, float]
    targets: list[float]
    stop_statistic: str | None
    track_avg: bool
    worker_time: bool
    label: str
    point: dict[str, float]
    theorem: str | None
    statistic: str
    #: the stepsize schedule's table (:meth:`~ratecheck.stepsize.StepsizeSchedule.fragment`), None when constant
    schedule: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able form :func:`ratecheck.execute.run_fragment` reads."""
        return {
            "problem": self.problem, "asynchrony": self.asynchrony, "method": self.method, "params": self.params,
            "seed": self.seed, "horizon": self.horizon, "targets": self.targets, "stop_statistic": self.stop_statistic,
            "track_avg": self.track_avg, "worker_time": self.worker_time,
            **({"schedule": self.schedule} if self.schedule is not None else {}),
            "meta": {"algorithm": self.label, "point": self.point, "theorem": self.theorem, "statistic": self.statistic},
        }


class Instance(NamedTuple):
    """The problem and asynchrony model at a sweep point (ε aside)."""

    problem: Any
    model: Any


@dataclass
class Plan:
    """:func:`plan`'s result: ``instances`` by their point without ε (JSON key),
    ``predictions`` by ``(label, point_key(point))``, ``fragments`` in run order (on the
    check's seeds), ``tuning``: the members of tuned tables on their tuning seeds, and
    the ``cards`` used, by id."""

    instances: dict[str, Instance] = field(default_factory=dict)
    predictions: dict[tuple[str, str], Prediction] = field(default_factory=dict)
    fragments: list[Fragment] = field(default_factory=list)
    tuning: list[Fragment] = field(default_factory=list)
    cards: dict[str, Any] = field(default_factory=dict)

    def prediction_dicts(self) -> dict[tuple[str, str], dict]:
        """``predictions`` in the JSON form :mod:`ratecheck.verdict` and the report read."""
        return {k: p.as_dict() for k, p in self.predictions.items()}

    def card_summaries(self) -> dict[str, dict]:
        """What the report lists of each card used: :func:`brief` of its
        :meth:`Card.summary <ratecheck.theory.rendering.Renders.summary>`."""
        return {cid: brief(card.summary()) for cid, card in self.cards.items()}


def brief(summary: dict) -> dict:
    """A card's :meth:`~ratecheck.theory.rendering.Renders.summary` as the check report lists
    it: one citation line, the statistic with its range, each formula in the inputs."""
    c = summary["citation"]
    statistic = summary["statistic"] + (f", averaged over k = {summary['statistic_range']}"
                                        if summary["statistic"] in RUNNING else "")
    return {
        "id": summary["id"], "title": summary["title"],
        "citation": f"{', '.join(c.get('authors', []))}, \"{c.get('title', '')}\", {c.get('venue', '')}, "
                    f"arXiv:{c.get('arxiv', '?')}, {c.get('where', '')}",
        "kind": summary["kind"], "statistic": statistic, "assumptions": summary["assumptions"],
        "parameters": {k: {"formula": e["in_inputs"], "provenance": e["provenance"]} for k, e in summary["parameters"].items()},
        "bounds": {k: {"formula": e["in_inputs"], "provenance": e["provenance"], "constants": e["constants"]}
                   for k, e in summary["bounds"].items()},
        "conditions": [f"{x['relation']} ({x['provenance']})" for x in summary["conditions"]],
        "notes": summary["notes"],
    }


def _horizon(spec: CheckSpec, pred: Prediction) -> tuple[float, float]:
    """(iterations, time) caps of a run: the spec's, and ``factor ×`` the card's
    iteration bound when it is explicit (an O(·) bound sets no scale)."""
    max_iter = spec.horizon.iterations or math.inf
    k_bound = pred.bounds.get("iterations")
    if pred.constants.get("iterations") == "explicit" and k_bound is not None and math.isfinite(k_bound):
        max_iter = min(max_iter, math.ceil(spec.horizon.factor * k_bound))
    max_time = spec.horizon.time or math.inf
    if not (math.isfinite(max_iter) or math.isfinite(max_time)):
        raise SpecError("horizon", "set iterations or time (the card gives no iteration bound to scale)")
    return max_iter, max_time


def plan(spec: CheckSpec, max_events: float = MAX_EVENTS) -> Plan:
    """Resolve every (point, algorithm): parameters, predictions, run fragments.

    Raises :class:`SpecError` on bad input, and on a run that would not fit in memory or
    exceed ``max_events`` (:mod:`ratecheck.guards`).
    """
    from .theory import load_card

    out = Plan()
    # worker time at hits costs a second schedule pass: only for claims that measure it
    worker_time = any(c.get("measure") == "worker_time" for c in spec.claims)
    for point in spec.points():
        prob_spec, asyn_spec = spec.instance(point)
        problem, model = make_problem(prob_spec), make_model(asyn_spec)
        out.instances.setdefault(point_key({k: v for k, v in point.items() if k != "eps"}), Instance(problem, model))
        for i, table in enumerate(spec.algorithms):
            for alg in members(table):
                where = f"algorithms[{i}]"
                cls = ALGORITHMS.get(alg.method, f"{where}.method")
                card_id = None if alg.theorem == "none" else alg.theorem or cls.theorem
                if card_id is not None and card_id not in out.cards:
                    out.cards[card_id] = load_card(card_id)
                card = out.cards.get(card_id) if card_id is not None else None
                params, pred = predict(card, alg, cls, where, problem, model, point)
                out.predictions[(alg.label, point_key(point))] = pred
                statistic = alg.statistic or (card.statistic if card is not None else "avg_grad_sq")
                max_iter, max_time = _horizon(spec, pred)
                what = f"{where} ({alg.label}) at {point_key(point)}"
                n = getattr(model, "n", 1)
                check_memory(where, simulation_bytes(problem.d, n), f"{what}, with d = {problem.d} and n = {n} workers,")
                events = horizon_events(max_iter, max_time, model)
                if events is not None:
                    check_events("horizon", events, max_events, what)
                targets = sorted(e for e in spec.sweep["eps"] if e >= point["eps"])
                seeds = table.tune.seeds if table.tune is not None else spec.check.seed_list()
                (out.tuning if table.tune is not None else out.fragments).extend(Fragment(
                    problem=prob_spec, asynchrony=asyn_spec, method=alg.method, params=params, seed=seed,
                    horizon={"iterations": max_iter, "time": max_time}, targets=targets,
                    stop_statistic=statistic if spec.horizon.stop_at_target else None, track_avg=statistic == "fgap_avg",
                    worker_time=worker_time, label=alg.label, point=point, theorem=card_id, statistic=statistic,
                    schedule=alg.schedule.fragment() if alg.schedule is not None else None,
                ) for seed in seeds)
    return out


def _card(card_id: str, field: str):
    """The card ``card_id``, or a SpecError naming ``field``."""
    from .theory import load_card

    try:
        return load_card(card_id)
    except SpecError as exc:
        raise SpecError(field, str(exc).split(": ", 1)[-1]) from None


def validate_check(spec: CheckSpec) -> list[dict]:
    """Everything about the claims that can be known before a run: returns them validated.

    Raises :class:`SpecError` naming ``claims[i].field`` (or the algorithm's field) for
    an unknown card or bound, a card that does not bound the method it would judge
    (``applies_to``; a parameter may still be taken from it with ``"theory:ID"``), a
    ``holds`` claim on runs that stop at their target, an ``ordering`` or ``value`` ``at`` a
    horizon where the runs do not end and a ``limit`` on runs that stop at their target
    (:func:`ratecheck.verdict.horizon_refusal`), and a claim that the spec's seeds can never
    decide (:func:`ratecheck.verdict.reach.undecidable`).
    """
    from .verdict import horizon_refusal
    from .verdict.claims import validate_claims
    from .verdict.reach import undecidable

    claims = validate_claims(expand_claims(spec), claim_labels(spec))
    algs = {label: (i, a) for i, a in enumerate(spec.algorithms) for label in dict.fromkeys([a.label, *(m.label for m in members(a))])}
    own = {}
    for label, (i, a) in algs.items():
        cls = ALGORITHMS.get(a.method, f"algorithms[{i}].method")
        for name, val in a.params.items():
            if isinstance(val, str) and val.startswith("theory:"):
                _card(val.split(":", 1)[1], f"algorithms[{i}].params.{name}")
        card_id = None if a.theorem == "none" else a.theorem or cls.theorem
        if card_id is not None:
            card = _card(card_id, f"algorithms[{i}].theorem")
            if not card.applies(a.method):
                raise SpecError(f"algorithms[{i}].theorem", f"card {card_id!r} does not bound method {a.method!r} (it applies to "
                                f"{', '.join(card.applies_to) or 'no method of the catalog'}); to take a parameter from it, "
                                f"write e.g. gamma = \"theory:{card_id}\" and leave `theorem` to the method's own card")
        own[label] = card_id
    n_seeds, points = len(spec.check.seed_list()), spec.points()
    for c in claims:
        where = f"claims[{c['index']}]"
        if c.get("theorem") and c["kind"] != "optimal-parameter":
            label = c["algorithm"]
            i, a = algs[label]
            card = _card(c["theorem"], f"{where}.theorem")
            if not card.applies(a.method):
                raise SpecError(f"{where}.theorem", f"card {card.id!r} does not bound {label}'s method {a.method!r} "
                                f"(it applies to {', '.join(card.applies_to) or 'no method of the catalog'})")
            if own[label] != card.id:
                raise SpecError(f"{where}.theorem", f"{label} is evaluated with card {own[label]!r}, not {card.id!r}: "
                                f"set algorithms[{i}].theorem = {card.id!r}")
            if c["bound"] not in card.bounds:
                raise SpecError(f"{where}.bound", f"card {card.id!r} has no bound {c['bound']!r} (has: {', '.join(card.bounds)})")
            if c["kind"] == "holds" and spec.horizon.stop_at_target:
                raise SpecError("horizon.stop_at_target", f"{where} (holds) reads the statistic at the card's bound, past the "
                                "first hit of ε: runs that stop at their target never get there; set stop_at_target = false")
        elif c["kind"] == "optimal-parameter" and c.get("theorem"):
            _card(c["theorem"], f"{where}.theorem")
        refused = horizon_refusal(c, spec.horizon)
        if refused:
            raise refused
        m = len(points)
        if c["kind"] == "scaling":
            if c["variable"] not in spec.sweep:
                raise SpecError(f"{where}.variable", f"{c['variable']!r} is not swept (swept: {', '.join(sorted(spec.sweep))})")
            k = len(set(spec.sweep[c["variable"]]))
            if k < 3:
                raise SpecError(f"{where}.variable", f"a scaling claim fits an exponent: it needs ≥ 3 values of {c['variable']}, the spec sweeps {k}")
            m = max(1, m // k)
        why = undecidable(c, n_seeds, m)
        if why:
            raise SpecError(where, why)
    return claims




def validate_grids(spec: CheckSpec, claims: list[dict], planned: Plan) -> None:
    """Refuse an ``optimal-parameter`` claim (of ``claims``, from :func:`validate_check`)
    whose grid can never pass (no value within the factor of the card's choice) or never
    fail (every value within) at some point, and an ``ordering`` or ``value`` ``at`` a horizon
    that a card's iteration bound would stop runs before (:func:`ratecheck.verdict.horizon.plan_refusal`)."""
    from .verdict.horizon import plan_refusal
    from .verdict.optimal import grid_decidable

    owner = {m.label: t.label for t in spec.algorithms if t.tune is not None for m in members(t)}
    if owner:  # a tuned algorithm may run as any of its members: each is checked under its label
        planned = Plan(fragments=planned.fragments + [replace(f, label=owner[f.label]) for f in planned.tuning],
                       predictions={**planned.predictions, **{(owner[label], pk): p for (label, pk), p in planned.predictions.items()
                                                              if label in owner}})
    ran = {(f.label, point_key(f.point)): f.params for f in planned.fragments}
    cards = {k: p.card_parameters for k, p in planned.predictions.items()}
    for c in claims:
        if c.get("at") is not None:
            refused = plan_refusal(c, spec.horizon, planned)
            if refused:
                raise refused
        if c["kind"] != "optimal-parameter":
            continue
        for point in spec.points():
            pk = point_key(point)
            refs = [c["reference"]] if c["reference"] else c["algorithm_grid"]
            choice = next((cards[(lab, pk)][c["parameter"]] for lab in refs if c["parameter"] in cards.get((lab, pk), {})), None)
            grid = [ran.get((lab, pk), {}).get(c["parameter"]) for lab in c["algorithm_grid"]]
            if not isinstance(choice, (int, float)) or choice <= 0 or not all(isinstance(v, (int, float)) and v > 0 for v in grid):
                continue  # not evaluable here: the verdict says so
            can_pass, can_fail = grid_decidable(grid, float(choice), c["factor"])
            if not (can_pass and can_fail):
                never = "pass (no grid value lies within" if not can_pass else "fail (every grid value lies within"
                raise SpecError(f"claims[{c['index']}].algorithm_grid", f"at {pk} this optimal-parameter claim can never "
                                f"{never} ×{c['factor']:g} of the card's {c['parameter']} = {choice:.4g}: {', '.join(f'{v:.4g}' for v in grid)})")
