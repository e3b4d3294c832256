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

from pathlib import Path

from .guards import MAX_EVENTS, check_pool, max_events_option, simulation_bytes
from .spec import load_spec


def run_check(spec_path, out: Path, sweep_kwargs: dict, progress: bool = True, max_events: float = MAX_EVENTS,
              figure_format: str = "svg") -> int:
    from .execute import run_fragment
    from .partial import partial_verdicts
    from .plan import plan, validate_check, validate_grids
    from .report import write_report
    from .sweep.keys import run_key
    from .sweep.runner import Task, run_tasks
    from .timeline import fragment_timeline
    from .verdict import evaluate_claims

    spec = load_spec(spec_path)
    claims = validate_check(spec)
    the_plan = plan(spec, max_events)
    validate_grids(spec, claims, the_plan)
    fragments = [f.to_dict() for f in the_plan.fragments]
    predictions = the_plan.prediction_dicts()
    tasks = [Task(run_key(f), f) for f in fragments]
    check_pool([simulation_bytes(p.d, getattr(m, "n", 1)) for p, m in the_plan.instances.values()], len(tasks), sweep_kwargs)
    outcome = run_tasks(tasks, run_fragment, progress=progress, **sweep_kwargs)
    runs = [outcome.results[t.key] for t in tasks if t.key in outcome.results]
    # an interrupt that came after the last run was stored leaves nothing out: a whole report
    partial = {"done": len(runs), "planned": len(tasks)} if outcome.interrupted and len(runs) < len(tasks) else None
    if partial:
        verdicts = partial_verdicts(spec.claims, fragments, runs, predictions)
    else:
        verdicts = evaluate_claims(spec.claims, runs, predictions)
    problem, model = next(iter(the_plan.instances.values()))
    write_report(out, {
        "spec": spec.model_dump(),
        "title": spec.check.title or spec.check.name,
        "problem": problem.describe(),
        "model": model.describe(),
        "cards": the_plan.card_summaries(),
        "runs": runs,
        "predictions": predictions,
        "verdicts": verdicts,
        "summary": {"computed": outcome.computed, "reused": outcome.reused, "failed": outcome.failed},
        "partial": partial,
        "figure_format": figure_format,
        # the schedule alone (no iterate) of the spec's first method, first point, first seed
        "timeline": fragment_timeline(fragments[0]) if fragments else None,
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
    p.add_argument("--figure-format", choices=("svg", "pdf", "png"), default="svg",
                   help="format of the figure files (default svg, which the HTML report shows; "
                        "a pdf figure is shown there by its svg rendering; png at 200 dpi)")
    add_sweep_arguments(p)

    def run(args):
        if args.store == Path(".ratecheck") / "results.sqlite":
            args.store = args.out / "results.sqlite"
        output_folder(args.out)  # a file, under a file, read-only: one line, before any work
        return run_check(args.spec, args.out, sweep_options(args), progress=not args.no_progress,
                         max_events=args.max_events, figure_format=args.figure_format)

    p.set_defaults(func=run)
