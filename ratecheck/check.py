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
    """Everything known before a run: the plan, the claims (grid labels expanded), their
    resolved references and the tasks of the first sweep (the untuned algorithms' runs and
    the tuning runs; the runs of the members tuning chooses follow, :func:`chosen_tasks`)."""

    spec: CheckSpec
    plan: Any
    claims: list[dict]
    references: dict
    tasks: list


def prepare(spec: CheckSpec, max_events: float = MAX_EVENTS) -> Prepared:
    """Validate the claims and plan every run (SpecError before anything runs)."""
    from .grid import expand_claims
    from .plan import plan, validate_check, validate_grids
    from .references import resolve_references
    from .sweep.runner import Task

    claims = validate_check(spec)
    the_plan = plan(spec, max_events)
    validate_grids(spec, claims, the_plan)
    references = resolve_references(claims, the_plan)
    tasks = [Task.of(f.to_dict()) for f in the_plan.fragments + the_plan.tuning]
    return Prepared(spec, the_plan, expand_claims(spec), references, tasks)


def choose(prep: Prepared, results: dict):
    """What tuning chose (:func:`ratecheck.tuning.tune`) from the tuning runs among
    ``results`` (by run key); None when the spec tunes nothing."""
    from .tuning import tune, tuned_members

    if not tuned_members(prep.spec):
        return None
    n = len(prep.plan.fragments)
    return tune(prep.spec, prep.plan, [results[t.key] for t in prep.tasks[n:] if t.key in results])


def chosen_tasks(tuned) -> list:
    """The runs of the members tuning chose, on the check's seeds, under their tables' labels."""
    from .sweep.runner import Task

    return [Task.of(f.to_dict()) for f in tuned.fragments] if tuned is not None else []


def conclude(prep: Prepared, results: dict, interrupted: bool, summary: dict, store=None, tuned=None) -> CheckResult:
    """The verdicts on the runs there are (``results`` by run key; ``tuned``: :func:`choose`'s
    decision): all planned, or a partial check's (:mod:`ratecheck.partial`) when some are missing."""
    from .partial import partial_verdicts
    from .results import CheckResult
    from .tuning import planned, tuned_members
    from .verdict import evaluate_claims

    spec, the_plan = prep.spec, prep.plan
    tuning = set(tuned_members(spec))
    chosen = chosen_tasks(tuned)
    fragments = [f.to_dict() for f in the_plan.fragments] + [t.fragment for t in chosen]
    predictions = {k: v for k, v in the_plan.prediction_dicts().items() if k[0] not in tuning}
    if tuned is not None:
        predictions |= {k: p.as_dict() for k, p in tuned.predictions.items()}
    elif tuning:  # interrupted before tuning could choose: count the runs it would add
        fragments += [f.to_dict() for f in planned(spec, the_plan)]
    tasks = prep.tasks + chosen
    keys = [t.key for t in tasks if t.key in results and t.fragment["meta"]["algorithm"] not in tuning]
    runs = [results[k] for k in keys]
    tuning_runs = [results[t.key] for t in tasks if t.key in results and t.fragment["meta"]["algorithm"] in tuning]
    # an interrupt that came after the last run was stored leaves nothing out: a whole report
    partial = {"done": len(runs), "planned": len(fragments)} if len(runs) < len(fragments) else None
    if partial:
        verdicts = partial_verdicts(prep.claims, fragments, runs, predictions, prep.references)
    else:
        verdicts = evaluate_claims(prep.claims, runs, predictions, prep.references, tuned.missing if tuned else None)
    problem, model = next(iter(the_plan.instances.values()))
    return CheckResult(spec=spec, results=runs, verdict_list=verdicts, predictions=predictions,
                       cards=the_plan.card_summaries(), problem=problem.describe(), model=model.describe(), keys=keys,
                       summary=summary, partial=partial, interrupted=interrupted,
                       store=str(Path(store.path).resolve()) if store is not None else None,
                       tuning=tuned.tables if tuned is not None else [], tuning_results=tuning_runs,
                       fragments=fragments)


def execute_check(spec: CheckSpec, sweep_kwargs: dict, progress: bool = True,
                  max_events: float = MAX_EVENTS) -> tuple[CheckResult, Any]:
    """The pipeline (module docstring) up to the verdicts: ``(result, sweep outcome)``.
    ``ratecheck check`` and :func:`ratecheck.run` both run this. First the untuned
    algorithms and the tuning runs (one sweep: a grid's members batch together), then the
    members tuning chose, on the check's seeds."""
    from .execute import batch_key, compile_schedule, run_fragment, run_fragments, trajectory
    from .plugins import with_imports
    from .sweep.runner import Batching, run_tasks

    with plugins_of(spec):
        prep = prepare(spec, max_events)
        instances = prep.plan.instances.values()
        check_pool([simulation_bytes(p.d, getattr(m, "n", 1)) for p, m in instances], len(prep.tasks), sweep_kwargs)
        imports = spec.check.imports
        execute = with_imports(run_fragment, imports)
        sweep = {"progress": progress, "batch": Batching(batch_key, with_imports(run_fragments, imports), trajectory),
                 "warm": with_imports(compile_schedule, imports), **sweep_kwargs}
        outcome = run_tasks(prep.tasks, execute, **sweep)
        tuned = None if outcome.interrupted else choose(prep, outcome.results)
        if tuned is not None:
            outcome = outcome.then(run_tasks(chosen_tasks(tuned), execute, **sweep))
        summary = {"simulated": outcome.simulated, "computed": outcome.computed, "reused": outcome.reused,
                   "failed": outcome.failed}
        result = conclude(prep, outcome.results, outcome.interrupted, summary,
                          None if sweep_kwargs.get("no_cache") else sweep_kwargs.get("store"), tuned)
    return result, outcome


def run_check(spec_path, out: Path, sweep_kwargs: dict, progress: bool = True, max_events: float = MAX_EVENTS,
              figure_format: str = "svg") -> int:
    spec = load_spec(spec_path)
    result, outcome = execute_check(spec, sweep_kwargs, progress, max_events)
    result.report(out, figure_format)
    print(outcome.summary())
    for (label, pk), pred in result.predictions.items():
        for text in pred.get("violations") or []:
            print(f"flagged: {label} at {pk} ran with {text}, violating a condition of card {pred.get('theorem')}")
    for v in result.verdict_list:
        print(f"[{v['status']:>14}] {v['claim']}: {v.get('reason', '')}")
    print(f"report: {out / 'report.html'}")
    if result.exit_code == 3:
        errored = sum(r.status == "error" for r in result.results + result.tuning_results)
        print(f"error: {errored} of {len(result.keys) + len(result.tuning_results)} runs errored; the claims that use them are 'error' "
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
    p.add_argument("--figure-format", choices=("svg", "pdf", "png"), default="svg",
                   help="format of the figure files (default svg, which the HTML report shows; "
                        "a pdf figure is shown there by its svg rendering; png at 200 dpi)")
    add_sweep_arguments(p)

    def run(args):
        if args.store == Path(".ratecheck") / "results.sqlite":
            args.store = args.out / "results.sqlite"
        spec = args.spec if args.example is None else example_spec(args.example)
        output_folder(args.out)  # a file, under a file, read-only: one line, before any work
        return run_check(spec, args.out, sweep_options(args), progress=not args.no_progress,
                         max_events=args.max_events, figure_format=args.figure_format)

    p.set_defaults(func=run)
