"""``ratecheck check SPEC --out DIR``: the whole pipeline of DESIGN.md, once.

spec → problem, model, cards → parameters and bounds at every sweep point (``"theory"``
parameters come from the cards) → runs (cached sweep) → verdicts → report.
Exit code 0 when every claim passes or is inconclusive, 1 when one fails, 2 on bad
input (raised as :class:`~ratecheck.errors.SpecError`, before anything runs), 3 when a
run errored (the check is incomplete; this takes precedence over 1), 130 when
interrupted (the report and ``verdicts.json`` are then marked partial:
:mod:`ratecheck.partial`).

:func:`execute_check` is the pipeline up to the verdicts, a
:class:`~ratecheck.results.CheckResult`; ``ratecheck check`` writes its report,
:func:`ratecheck.run` returns it. ``ratecheck report`` and :func:`ratecheck.load` plan
the same way (:func:`prepare`) and judge the stored runs (:func:`conclude`).
``--example NAME`` runs a bundled check (:mod:`ratecheck.bundled`).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .guards import MAX_EVENTS, check_pool, max_events_option, simulation_bytes
from .spec import CheckSpec, load_spec

if TYPE_CHECKING:
    from .results import CheckResult


@contextmanager
def plugins_of(spec: CheckSpec):
    """The spec's plugins in force while the block runs: its modules imported (a
    SpecError naming ``check.import`` for one that is not importable), its card folders
    on the search path (:mod:`ratecheck.plugins`)."""
    from .plugins import import_plugins
    from .theory import added_proofs

    import_plugins(spec.check.imports)
    with added_proofs(spec.check.proofs):
        yield


@dataclass
class Prepared:
    """Everything known before a run: the plan, its fragments (JSON form), predictions
    and the tasks of the sweep."""

    spec: CheckSpec
    plan: Any
    fragments: list[dict]
    predictions: dict
    tasks: list


def prepare(spec: CheckSpec, max_events: float = MAX_EVENTS) -> Prepared:
    """Validate the claims and plan every run (SpecError before anything runs)."""
    from .plan import plan, validate_check, validate_grids
    from .sweep.keys import run_key
    from .sweep.runner import Task

    claims = validate_check(spec)
    the_plan = plan(spec, max_events)
    validate_grids(spec, claims, the_plan)
    fragments = [f.to_dict() for f in the_plan.fragments]
    return Prepared(spec, the_plan, fragments, the_plan.prediction_dicts(), [Task(run_key(f), f) for f in fragments])


def conclude(prep: Prepared, results: dict, interrupted: bool, summary: dict, store=None) -> CheckResult:
    """The verdicts on the runs there are (``results`` by run key): all planned, or a
    partial check's (:mod:`ratecheck.partial`) when some are missing."""
    from .partial import partial_verdicts
    from .results import CheckResult
    from .verdict import evaluate_claims

    keys = [t.key for t in prep.tasks if t.key in results]
    runs = [results[k] for k in keys]
    # an interrupt that came after the last run was stored leaves nothing out: a whole report
    partial = {"done": len(runs), "planned": len(prep.tasks)} if len(runs) < len(prep.tasks) else None
    if partial:
        verdicts = partial_verdicts(prep.spec.claims, prep.fragments, runs, prep.predictions)
    else:
        verdicts = evaluate_claims(prep.spec.claims, runs, prep.predictions)
    problem, model = next(iter(prep.plan.instances.values()))
    return CheckResult(spec=prep.spec, results=runs, verdict_list=verdicts, predictions=prep.predictions,
                       cards=prep.plan.card_summaries(), problem=problem.describe(), model=model.describe(), keys=keys,
                       summary=summary, partial=partial, interrupted=interrupted,
                       store=str(Path(store.path).resolve()) if store is not None else None)


def execute_check(spec: CheckSpec, sweep_kwargs: dict, progress: bool = True,
                  max_events: float = MAX_EVENTS) -> tuple[CheckResult, Any]:
    """The pipeline (module docstring) up to the verdicts: ``(result, sweep outcome)``.
    ``ratecheck check`` and :func:`ratecheck.run` both run this."""
    from .execute import run_fragment
    from .plugins import with_imports
    from .sweep.runner import run_tasks

    with plugins_of(spec):
        prep = prepare(spec, max_events)
        instances = prep.plan.instances.values()
        check_pool([simulation_bytes(p.d, getattr(m, "n", 1)) for p, m in instances], len(prep.tasks), sweep_kwargs)
        outcome = run_tasks(prep.tasks, with_imports(run_fragment, spec.check.imports), progress=progress, **sweep_kwargs)
        summary = {"computed": outcome.computed, "reused": outcome.reused, "failed": outcome.failed}
        result = conclude(prep, outcome.results, outcome.interrupted, summary,
                          None if sweep_kwargs.get("no_cache") else sweep_kwargs.get("store"))
    return result, outcome


def run_check(spec_path, out: Path, sweep_kwargs: dict, progress: bool = True, max_events: float = MAX_EVENTS) -> int:
    spec = load_spec(spec_path)
    result, outcome = execute_check(spec, sweep_kwargs, progress, max_events)
    result.report(out)
    print(outcome.summary())
    for (label, pk), pred in result.predictions.items():
        for text in pred.get("violations") or []:
            print(f"flagged: {label} at {pk} ran with {text}, violating a condition of card {pred.get('theorem')}")
    for v in result.verdict_list:
        print(f"[{v['status']:>14}] {v['claim']}: {v.get('reason', '')}")
    print(f"report: {out / 'report.html'}")
    if result.exit_code == 3:
        errored = sum(r.status == "error" for r in result.results)
        print(f"error: {errored} of {len(result.keys)} runs errored; the claims that use them are 'error' "
              "(see the report's failed runs)")
    return result.exit_code


def register(sub) -> None:
    from .bundled import example_spec
    from .files import output_folder
    from .sweep.options import add_sweep_arguments, sweep_options

    p = sub.add_parser("check", help="run a check specification and write its report")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("spec", nargs="?", help="check specification (TOML), e.g. problems/quickstart.toml")
    which.add_argument("--example", metavar="NAME", help="a bundled check, e.g. quickstart")
    p.add_argument("--out", type=Path, required=True, help="report directory")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--max-events", type=max_events_option, default=MAX_EVENTS, metavar="N",
                   help=f"refuse a run whose horizon means more than N events (default {MAX_EVENTS:g})")
    add_sweep_arguments(p)

    def run(args):
        if args.store == Path(".ratecheck") / "results.sqlite":
            args.store = args.out / "results.sqlite"
        spec = args.spec if args.example is None else example_spec(args.example)
        output_folder(args.out)  # a file, under a file, read-only: one line, before any work
        return run_check(spec, args.out, sweep_options(args), progress=not args.no_progress,
                         max_events=args.max_events)

    p.set_defaults(func=run)
