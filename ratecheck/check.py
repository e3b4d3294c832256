"""``ratecheck check SPEC --out DIR``: the whole pipeline of DESIGN.md, once.

spec → problem, model, cards → parameters and bounds at every sweep point (``"theory"``
parameters come from the cards) → runs (cached sweep) → verdicts → report.
Exit code 0 when every claim passes or is inconclusive, 1 when one fails, 2 on bad
input (raised as :class:`~ratecheck.errors.SpecError`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .algorithms import ALGORITHMS
from .asynchrony import make_model
from .errors import SpecError
from .problems import make_problem
from .spec import CheckSpec, load_spec


def _values(problem, model, point) -> tuple[dict[str, float], object]:
    """Numbers a card may use at a point: certified constants, n, eps; and the τ vector."""
    values = {k: c.value for k, c in problem.constants.values.items() if c.certified}
    values["n"] = model.n
    values["eps"] = point["eps"]
    return values, model.tau_bounds()


def plan(spec: CheckSpec):
    """Resolve every (point, algorithm): parameters, predictions, run fragments.

    Returns ``(instances, predictions, fragments)``; raises SpecError on bad input.
    """
    from .theory import load_card

    points = spec.points()
    predictions, fragments, instances, cards = {}, [], {}, {}
    for point in points:
        prob_spec, asyn_spec = spec.instance(point)
        problem = make_problem(prob_spec)
        model = make_model(asyn_spec)
        key = json.dumps({k: v for k, v in point.items() if k != "eps"}, sort_keys=True)
        instances.setdefault(key, (problem, model))
        values, tau = _values(problem, model, point)
        for i, alg in enumerate(spec.algorithms):
            field = f"algorithms[{i}]"
            cls = ALGORITHMS.get(alg.method, f"{field}.method")
            card_id = alg.theorem or cls.theorem
            card = None
            if card_id is not None:
                if card_id not in cards:
                    cards[card_id] = load_card(card_id)
                card = cards[card_id]
            evaluation = card.evaluate(values, tau) if card is not None else None
            params = {}
            for name, val in alg.params.items():
                if val == "theory":
                    if evaluation is None:
                        raise SpecError(f"{field}.params.{name}", "\"theory\" needs a theorem card (set `theorem`)")
                    if name not in evaluation.parameters:
                        raise SpecError(f"{field}.params.{name}",
                                        f"card {card_id!r} gives no value for it here (missing: {', '.join(evaluation.missing) or 'not a card parameter'})")
                    val = evaluation.parameters[name]
                params[name] = val
            algorithm = cls(params, field)
            if "gamma" not in algorithm.params:
                raise SpecError(f"{field}.params.gamma", "missing (a number or \"theory\")")
            pkey = (alg.label, json.dumps(point, sort_keys=True))
            pred = evaluation.as_dict() if evaluation is not None else {"theorem": None, "parameters": {}, "bounds": {}}
            if card is not None:
                pred["violations"] = card.check_conditions(algorithm.params, values)
                missing = card.applicability(set(problem.properties) | set(model.properties))
                pred["not_applicable"] = missing
                pred["constants"] = {b: card.bound_constants(b) for b in pred.get("bounds", {})}
                pred["statistic"] = card.statistic
            predictions[pkey] = pred
            statistic = alg.statistic or (card.statistic if card is not None else "avg_grad_sq")
            max_iter = spec.horizon.iterations or math.inf
            k_bound = pred.get("bounds", {}).get("iterations")
            if k_bound is not None and math.isfinite(k_bound):
                max_iter = min(max_iter, math.ceil(spec.horizon.factor * k_bound))
            max_time = spec.horizon.time or math.inf
            if not (math.isfinite(max_iter) or math.isfinite(max_time)):
                raise SpecError("horizon", "set iterations or time (the card gives no iteration bound to scale)")
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
                    "meta": {"algorithm": alg.label, "point": point, "theorem": card_id, "statistic": statistic},
                })
    return instances, predictions, fragments, cards


def _card_summary(card) -> dict:
    """What the report renders of a card: citation, assumptions, formulas, provenance."""
    c = card.citation
    return {
        "id": card.id,
        "title": card.title,
        "citation": f"{', '.join(c.get('authors', []))}, \"{c.get('title', '')}\", {c.get('venue', '')}, arXiv:{c.get('arxiv', '?')}, {c.get('where', '')}",
        "kind": card.kind,
        "statistic": card.statistic,
        "assumptions": list(card.assumptions),
        "parameters": {k: {"formula": str(card.expression(k)), "provenance": str(e.provenance)} for k, e in card.parameters.items()},
        "bounds": {k: {"formula": str(card.expression(k)), "provenance": str(e.provenance), "constants": e.constants}
                   for k, e in card.bounds.items()},
        "notes": list(card.notes),
    }


def run_check(spec_path, out: Path, sweep_kwargs: dict, progress: bool = True) -> int:
    from .engine.run import run_fragment
    from .report import write_report
    from .sweep.keys import run_key
    from .sweep.runner import Task, run_tasks
    from .verdict import evaluate_claims
    from .verdict.claims import validate_claims

    spec = load_spec(spec_path)
    validate_claims(spec.claims, [a.label for a in spec.algorithms])
    instances, predictions, fragments, cards = plan(spec)
    tasks = [Task(run_key(f), f) for f in fragments]
    outcome = run_tasks(tasks, run_fragment, progress=progress, **sweep_kwargs)
    runs = [outcome.results[t.key] for t in tasks if t.key in outcome.results]
    verdicts = evaluate_claims(spec.claims, runs, predictions)
    problem, model = next(iter(instances.values()))
    out.mkdir(parents=True, exist_ok=True)
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
    })
    print(outcome.summary())
    for v in verdicts:
        print(f"[{v['status']:>14}] {v['claim']}: {v.get('reason', '')}")
    print(f"report: {out / 'report.html'}")
    if getattr(outcome, "interrupted", False):
        return 130
    return 1 if any(v["status"] == "fail" for v in verdicts) else 0


def register(sub) -> None:
    from .sweep.options import add_sweep_arguments, sweep_options

    p = sub.add_parser("check", help="run a check specification and write its report")
    p.add_argument("spec", help="check specification (TOML), e.g. problems/quickstart.toml")
    p.add_argument("--out", type=Path, required=True, help="report directory")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_sweep_arguments(p)

    def run(args):
        if args.store == Path(".ratecheck") / "results.sqlite":
            args.store = args.out / "results.sqlite"
        args.out.mkdir(parents=True, exist_ok=True)
        return run_check(args.spec, args.out, sweep_options(args), progress=not args.no_progress)

    p.set_defaults(func=run)
