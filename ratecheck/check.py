"""``ratecheck check SPEC --out DIR``: the whole pipeline of DESIGN.md, once.

spec → problem, model, cards → parameters and bounds at every sweep point (``"theory"``
parameters come from the cards) → runs (cached sweep) → verdicts → report.
Exit code 0 when every claim passes or is inconclusive, 1 when one fails, 2 on bad
input (raised as :class:`~ratecheck.errors.SpecError`, before anything runs), 3 when a
run errored (the check is incomplete; this takes precedence over 1), 130 when
interrupted (the report and ``verdicts.json`` are then marked partial:
:mod:`ratecheck.partial`).
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

from .algorithms import ALGORITHMS
from .asynchrony import make_model
from .asynchrony.base import DelayModel
from .errors import SpecError
from .guards import (MAX_EVENTS, check_events, check_memory, check_pool, horizon_events, max_events_option,
                     simulation_bytes)
from .problems import make_problem
from .spec import CheckSpec, load_spec
from .theory.domain import check_evaluation


def _values(problem, model, point) -> tuple[dict[str, float], object]:
    """Numbers a card may use at a point: every constant (estimates included, flagged
    later by :func:`_estimates`), n, eps; and the τ vector."""
    values = {k: c.value for k, c in problem.constants.values.items()}
    values["eps"] = point["eps"]
    if isinstance(model, DelayModel):  # no workers and no clock: the declared delay bound
        values["delay_max"] = model.tau_max
        return values, None
    values["n"] = model.n
    return values, model.tau_bounds()


def _card_params(card, params: dict) -> dict[str, float]:
    """The numeric entries of ``params`` that are parameters of ``card`` (or aliases)."""
    return {k: v for k, v in params.items()
            if (k in card.parameters or k in card.aliases) and isinstance(v, (int, float)) and not isinstance(v, bool)}


#: At most this many estimated constants are varied jointly over their CI box (2^m evaluations).
MAX_ESTIMATES = 6


def _estimates(card, problem, values: dict, tau, run_params: dict, bounds: dict) -> tuple[dict, dict, dict]:
    """Bounds evaluated at an estimated constant: which, and their range over its CI.

    DESIGN.md, "Constants are certified": a bound is trusted only with exact or certified
    constants. When a constant the card uses is an ``estimate`` (value ± CI), the bound is
    evaluated at the estimate and, with the run's parameters held fixed, at every corner
    of the box of the estimates' CIs; ``[min, max]`` over those is the bound's range
    (exact for a bound monotone in each constant, which attains its extremes at the
    corners). Returns
    ``(estimates, estimated, ranges)``: ``{name: {value, ci}}``,
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


def predict(card, alg, cls, field: str, problem, model, point) -> tuple[object, dict]:
    """The algorithm at one sweep point and the card's evaluation of *that run*.

    ``"theory"`` parameters are the card's choices given the parameters set explicitly
    (e.g. γ for a stated R). The bounds are evaluated with the parameters the run uses
    (explicit, "theory" and the method's defaults), the card's own choices are kept
    as ``card_parameters`` (what ``optimal-parameter`` compares with), and the run's
    parameters are checked against the card's ``[[conditions]]``: a violation is
    recorded in ``violations`` (the run goes on; verdicts flag it). Returns
    ``(algorithm, prediction dict)``.
    """
    values, tau = _values(problem, model, point)
    base = card.evaluate(values, tau) if card is not None else None
    literal = {k: v for k, v in alg.params.items() if not isinstance(v, str)}
    explicit = _card_params(card, literal) if card is not None else {}
    given = card.evaluate({**values, **explicit}, tau) if explicit else base
    where = f"{field} at {json.dumps(point, sort_keys=True)}: "
    if given is not None:
        check_evaluation(given, where)
    params = {}
    for name, val in alg.params.items():
        if isinstance(val, str):  # "theory": the method's own card; "theory:ID": card ID's choice
            source, ev = card, given
            if val != "theory":
                from .theory import load_card

                source = load_card(val.split(":", 1)[1])
                ev = source.evaluate({**values, **_card_params(source, literal)}, tau)
            if ev is None:
                raise SpecError(f"{field}.params.{name}", "\"theory\" needs a theorem card (set `theorem`, or use \"theory:CARD\")")
            if name not in ev.parameters:
                raise SpecError(f"{field}.params.{name}",
                                f"card {source.id!r} gives no value for it here (missing: {', '.join(ev.missing) or 'not a card parameter'})")
            val = ev.parameters[name]
        params[name] = val
    algorithm = cls(params, field)
    if "gamma" not in algorithm.params:
        raise SpecError(f"{field}.params.gamma", "missing (a number or \"theory\")")
    if card is None:
        return algorithm, {"theorem": None, "parameters": {}, "bounds": {}}
    run_params = _card_params(card, algorithm.params)
    defaults = {k: v for k, v in run_params.items() if k not in explicit and given.parameters.get(k) != v}
    final = card.evaluate({**values, **explicit, **defaults}, tau) if defaults else given
    check_evaluation(final, where)
    pred = final.as_dict()
    pred["card_parameters"] = base.as_dict()["parameters"]
    pred["violations"] = card.check_conditions({**final.parameters, **algorithm.params}, values, tau)
    pred["not_applicable"] = card.applicability(set(problem.properties) | set(model.properties))
    pred["constants"] = {b: card.bound_constants(b) for b in pred.get("bounds", {})}
    pred["applies"] = card.applies(cls.registry_name)
    pred["statistic"] = card.statistic
    pred["statistic_range"] = card.statistic_range
    estimates, estimated, ranges = _estimates(card, problem, values, tau, {**final.parameters, **run_params}, final.bounds)
    if estimates:
        pred["estimates"], pred["estimated"], pred["bound_ranges"] = estimates, estimated, ranges
    return algorithm, pred


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
    ``holds`` claim on runs that stop at their target, and a claim that the spec's
    seeds can never decide (:func:`ratecheck.verdict.reach.undecidable`).
    """
    from .verdict.claims import validate_claims
    from .verdict.reach import undecidable

    claims = validate_claims(spec.claims, [a.label for a in spec.algorithms])
    algs = {a.label: (i, a) for i, a in enumerate(spec.algorithms)}
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


def plan(spec: CheckSpec, max_events: float = MAX_EVENTS):
    """Resolve every (point, algorithm): parameters, predictions, run fragments.

    Returns ``(instances, predictions, fragments, cards)``; raises SpecError on bad input,
    and on a run that would not fit in memory or exceed ``max_events`` (:mod:`ratecheck.guards`).
    """
    from .theory import load_card

    points = spec.points()
    predictions, fragments, instances, cards = {}, [], {}, {}
    # worker time at hits costs a second schedule pass: only for claims that measure it
    worker_time = any(c.get("measure") == "worker_time" for c in spec.claims)
    for point in points:
        prob_spec, asyn_spec = spec.instance(point)
        problem = make_problem(prob_spec)
        model = make_model(asyn_spec)
        key = json.dumps({k: v for k, v in point.items() if k != "eps"}, sort_keys=True)
        instances.setdefault(key, (problem, model))
        for i, alg in enumerate(spec.algorithms):
            field = f"algorithms[{i}]"
            cls = ALGORITHMS.get(alg.method, f"{field}.method")
            card_id = None if alg.theorem == "none" else alg.theorem or cls.theorem
            card = None
            if card_id is not None:
                if card_id not in cards:
                    cards[card_id] = load_card(card_id)
                card = cards[card_id]
            algorithm, pred = predict(card, alg, cls, field, problem, model, point)
            predictions[(alg.label, json.dumps(point, sort_keys=True))] = pred
            statistic = alg.statistic or (card.statistic if card is not None else "avg_grad_sq")
            max_iter = spec.horizon.iterations or math.inf
            k_bound = pred.get("bounds", {}).get("iterations")
            explicit = (pred.get("constants") or {}).get("iterations") == "explicit"  # an O(·) bound sets no scale
            if explicit and k_bound is not None and math.isfinite(k_bound):
                max_iter = min(max_iter, math.ceil(spec.horizon.factor * k_bound))
            max_time = spec.horizon.time or math.inf
            if not (math.isfinite(max_iter) or math.isfinite(max_time)):
                raise SpecError("horizon", "set iterations or time (the card gives no iteration bound to scale)")
            what = f"{field} ({alg.label}) at {json.dumps(point, sort_keys=True)}"
            n = getattr(model, "n", 1)
            check_memory(field, simulation_bytes(problem.d, n), f"{what}, with d = {problem.d} and n = {n} workers,")
            events = horizon_events(max_iter, max_time, model)
            if events is not None:
                check_events("horizon", events, max_events, what)
            targets = sorted(e for e in spec.sweep["eps"] if e >= point["eps"])
            for seed in spec.check.seed_list():
                fragments.append({
                    "problem": prob_spec,
                    "asynchrony": asyn_spec,
                    "method": alg.method,
                    "params": algorithm.params,
                    "seed": seed,
                    "horizon": {"iterations": max_iter, "time": max_time},
                    "targets": targets,
                    "stop_statistic": statistic if spec.horizon.stop_at_target else None,
                    "track_avg": statistic == "fgap_avg",
                    "worker_time": worker_time,
                    "meta": {"algorithm": alg.label, "point": point, "theorem": card_id, "statistic": statistic},
                })
    return instances, predictions, fragments, cards


def validate_grids(spec: CheckSpec, claims: list[dict], predictions: dict, fragments: list[dict]) -> None:
    """Refuse an ``optimal-parameter`` claim (of ``claims``, from :func:`validate_check`)
    whose grid can never pass (no value within the factor of the card's choice) or never
    fail (every value within) at some point."""
    from .verdict.complexity import point_key
    from .verdict.optimal import grid_decidable

    ran = {(f["meta"]["algorithm"], point_key(f["meta"]["point"])): f["params"] for f in fragments}
    for c in claims:
        if c["kind"] != "optimal-parameter":
            continue
        for point in spec.points():
            pk = point_key(point)
            refs = [c["reference"]] if c["reference"] else c["algorithm_grid"]
            choice = next(((predictions.get((lab, pk)) or {}).get("card_parameters", {}).get(c["parameter"]) for lab in refs
                           if c["parameter"] in ((predictions.get((lab, pk)) or {}).get("card_parameters") or {})), None)
            grid = [ran.get((lab, pk), {}).get(c["parameter"]) for lab in c["algorithm_grid"]]
            if not isinstance(choice, (int, float)) or choice <= 0 or not all(isinstance(v, (int, float)) and v > 0 for v in grid):
                continue  # not evaluable here: the verdict says so
            can_pass, can_fail = grid_decidable(grid, float(choice), c["factor"])
            if not (can_pass and can_fail):
                never = "pass (no grid value lies within" if not can_pass else "fail (every grid value lies within"
                raise SpecError(f"claims[{c['index']}].algorithm_grid", f"at {pk} this optimal-parameter claim can never "
                                f"{never} ×{c['factor']:g} of the card's {c['parameter']} = {choice:.4g}: {', '.join(f'{v:.4g}' for v in grid)})")


def _card_summary(card) -> dict:
    """What the report renders of a card: citation, assumptions, formulas, provenance."""
    c = card.citation
    return {
        "id": card.id,
        "title": card.title,
        "citation": f"{', '.join(c.get('authors', []))}, \"{c.get('title', '')}\", {c.get('venue', '')}, arXiv:{c.get('arxiv', '?')}, {c.get('where', '')}",
        "kind": card.kind,
        "statistic": card.statistic + (f", averaged over k = {card.statistic_range}" if card.statistic in ("avg_grad_sq", "min_grad_sq", "fgap_avg") else ""),
        "assumptions": list(card.assumptions),
        "parameters": {k: {"formula": str(card.expression(k)), "provenance": str(e.provenance)} for k, e in card.parameters.items()},
        "bounds": {k: {"formula": str(card.expression(k)), "provenance": str(e.provenance), "constants": e.constants}
                   for k, e in card.bounds.items()},
        "conditions": [f"{c.text} ({c.provenance})" for c in card.conditions],
        "notes": list(card.notes),
    }


def run_check(spec_path, out: Path, sweep_kwargs: dict, progress: bool = True, max_events: float = MAX_EVENTS) -> int:
    from .engine.run import run_fragment
    from .partial import partial_verdicts
    from .report import write_report
    from .sweep.keys import run_key
    from .sweep.runner import Task, run_tasks
    from .verdict import evaluate_claims

    spec = load_spec(spec_path)
    claims = validate_check(spec)
    instances, predictions, fragments, cards = plan(spec, max_events)
    validate_grids(spec, claims, predictions, fragments)
    tasks = [Task(run_key(f), f) for f in fragments]
    check_pool([simulation_bytes(p.d, getattr(m, "n", 1)) for p, m in instances.values()], len(tasks), sweep_kwargs)
    outcome = run_tasks(tasks, run_fragment, progress=progress, **sweep_kwargs)
    runs = [outcome.results[t.key] for t in tasks if t.key in outcome.results]
    partial = {"done": len(runs), "planned": len(tasks)} if outcome.interrupted else None
    if partial:
        verdicts = partial_verdicts(spec.claims, fragments, runs, predictions)
    else:
        verdicts = evaluate_claims(spec.claims, runs, predictions)
    problem, model = next(iter(instances.values()))
    write_report(out, {
        "spec": spec.model_dump(),
        "title": spec.check.title or spec.check.name,
        "problem": problem.describe(),
        "model": model.describe(),
        "cards": {cid: _card_summary(card) for cid, card in cards.items()},
        "runs": runs,
        "predictions": predictions,
        "verdicts": verdicts,
        "summary": {"computed": outcome.computed, "reused": outcome.reused, "failed": outcome.failed},
        "partial": partial,
    })
    print(outcome.summary())
    for (label, pk), pred in predictions.items():
        for text in pred.get("violations") or []:
            print(f"flagged: {label} at {pk} ran with {text}, violating a condition of card {pred.get('theorem')}")
    for v in verdicts:
        print(f"[{v['status']:>14}] {v['claim']}: {v.get('reason', '')}")
    print(f"report: {out / 'report.html'}")
    if getattr(outcome, "interrupted", False):
        return 130
    errored = sum(r.status == "error" for r in runs)
    if errored:
        print(f"error: {errored} of {len(tasks)} runs errored; the claims that use them are 'error' (see the report's failed runs)")
        return 3
    return 1 if any(v["status"] == "fail" for v in verdicts) else 0


def register(sub) -> None:
    from .files import output_folder
    from .sweep.options import add_sweep_arguments, sweep_options

    p = sub.add_parser("check", help="run a check specification and write its report")
    p.add_argument("spec", help="check specification (TOML), e.g. problems/quickstart.toml")
    p.add_argument("--out", type=Path, required=True, help="report directory")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--max-events", type=max_events_option, default=MAX_EVENTS, metavar="N",
                   help=f"refuse a run whose horizon means more than N events (default {MAX_EVENTS:g})")
    add_sweep_arguments(p)

    def run(args):
        if args.store == Path(".ratecheck") / "results.sqlite":
            args.store = args.out / "results.sqlite"
        output_folder(args.out)  # a file, under a file, read-only: one line, before any work
        return run_check(args.spec, args.out, sweep_options(args), progress=not args.no_progress,
                         max_events=args.max_events)

    p.set_defaults(func=run)
