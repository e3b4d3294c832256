"""A fragment (the sweep's unit of work, :class:`ratecheck.plan.Fragment`) run: the
problem, asynchrony model and method it names built from their registries, then handed
to the engine (:func:`ratecheck.engine.run.simulate`, or the delay-sequence loop).

Fragments that one simulation serves run as one (:func:`batch_key`, :func:`run_fragments`):
those that differ only in γ share a schedule (``simulate(..., gammas=[...])``), and those
that differ only in their ``targets`` and ``meta`` (the ε of their sweep point) share a
trajectory, simulated once with the union of the targets. Each gets exactly what its own
run gives: hits per target are independent, and a member of a batch of stepsizes ends
where its own run would (:func:`ratecheck.engine.run.simulate`), so γ is batched wherever
the schedule depends on neither γ nor the iterates (:func:`ratecheck.engine.run.batchable`).

It sits above the engine and the registries (methods are built on the engine's event
loop, so the engine never imports them) and below the sweep that calls it. A worker
process imports this module, not the plan: no sympy, no cards.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from functools import lru_cache

import numpy as np

from .algorithms import ALGORITHMS
from .asynchrony import make_model
from .asynchrony.base import DelayModel
from .engine.run import batchable, simulate
from .engine.stepsize import record
from .engine.trace import RunResult
from .errors import SpecError
from .problems import make_problem
from .stepsize import validated


@lru_cache(maxsize=16)
def _build(kind: str, spec_json: str):
    spec = json.loads(spec_json)
    return make_problem(spec) if kind == "problem" else make_model(spec)


def run_fragment(fragment: dict) -> RunResult:
    """Run the simulation a JSON-able fragment fully determines (the sweep's unit).

    Keys: ``problem`` and ``asynchrony`` (spec tables), ``method``, ``params`` (all
    numbers, ``gamma`` included), ``seed``, ``horizon`` (``iterations``, ``time``),
    ``targets``, ``stop_statistic``, ``track_avg``, ``worker_time``, ``meta`` (copied into the result),
    and ``schedule`` (a stepsize schedule's table, :mod:`ratecheck.stepsize`) where it is not constant.
    """
    problem = _build("problem", json.dumps(fragment["problem"], sort_keys=True))
    model = _build("asynchrony", json.dumps(fragment["asynchrony"], sort_keys=True))
    params = dict(fragment["params"])
    gamma = params.pop("gamma")
    h = fragment.get("horizon", {})
    if isinstance(model, DelayModel):
        if fragment["method"] != "asgd" or params:
            raise SpecError("algorithms.method", f"a delay-sequence model ({fragment['asynchrony'].get('model')!r}) drives "
                            "x_{k+1} = x_k − γ g(x_{k−δ_k}) only: use method 'asgd' with a stepsize alone")
        if not math.isfinite(float(h.get("iterations", math.inf))):
            raise SpecError("horizon.iterations", "a delay-sequence model has no clock: give a number of iterations")
        from .engine.delayed import run_delayed

        return run_delayed(problem, model, gamma, int(fragment["seed"]), int(h["iterations"]),
                           targets=fragment.get("targets", ()), stop_statistic=fragment.get("stop_statistic"),
                           meta=fragment.get("meta"), schedule=_schedule(fragment))
    (res,) = _simulate(fragment, problem, model, [gamma])
    return res


def compile_schedule(fragment: dict) -> None:
    """Compile (or load from the disk cache) the schedule kernel of the fragment's method
    under its model, without the replay: one event of its schedule. What a sweep's
    second worker does for the other methods while the first compiles the replay
    (:func:`ratecheck.sweep.runner.run_tasks`'s ``warm``); a delay-sequence model has no
    schedule kernel."""
    from .engine.schedule import ScheduleDriver

    problem = _build("problem", json.dumps(fragment["problem"], sort_keys=True))
    model = _build("asynchrony", json.dumps(fragment["asynchrony"], sort_keys=True))
    if not isinstance(model, DelayModel):
        driver = ScheduleDriver(_algorithm(fragment, float(fragment["params"]["gamma"])), model, problem,
                                int(fragment["seed"]))
        next(iter(driver.chunks(1, math.inf)), None)


def _schedule(fragment: dict):
    """The compiled replay's record of the fragment's stepsize schedule (None: constant)."""
    table = fragment.get("schedule")
    return record(**validated(table).model_dump()) if table is not None else None


def _algorithm(fragment: dict, gamma: float):
    return ALGORITHMS.get(fragment["method"])({**fragment["params"], "gamma": gamma})


def _simulate(fragment: dict, problem, model, gammas: list[float]) -> list[RunResult]:
    """The engine's run of ``fragment`` for each stepsize of ``gammas`` (one schedule)."""
    h = fragment.get("horizon", {})
    return simulate(problem, model, _algorithm(fragment, gammas[0]), gammas, int(fragment["seed"]),
                    max_iter=float(h.get("iterations", math.inf)), max_time=float(h.get("time", math.inf)),
                    targets=fragment.get("targets", ()), stop_statistic=fragment.get("stop_statistic"),
                    track_avg=bool(fragment.get("track_avg", False)), meta=fragment.get("meta"),
                    worker_time=bool(fragment.get("worker_time", False)), schedule=_schedule(fragment))


def _canonical(fragment: dict, drop: tuple[str, ...]) -> str:
    rest = {k: v for k, v in fragment.items() if k not in drop}
    return json.dumps(rest, sort_keys=True, default=repr)


def trajectory(fragment: dict) -> str:
    """What determines a fragment's trajectory: all of it but ``targets`` and ``meta``
    when no statistic stops it at a target (else the targets decide where it ends)."""
    return _canonical(fragment, ("meta",) if fragment.get("stop_statistic") else ("meta", "targets"))


def batch_key(fragment: dict) -> str:
    """Fragments with equal keys run as one :func:`run_fragments` call, each getting
    exactly its own run's result: all but γ equal (and, when no statistic stops the runs
    at their targets, the ε point), where the method's schedule under the model depends
    on neither γ nor the iterates (:func:`ratecheck.engine.run.batchable`; never for a
    delay-sequence model, which takes one γ); else the fragment's own trajectory."""
    model = _build("asynchrony", json.dumps(fragment["asynchrony"], sort_keys=True))
    if isinstance(model, DelayModel) or not batchable(model, _algorithm(fragment, fragment["params"]["gamma"])):
        return trajectory(fragment)
    no_gamma = {**fragment, "params": {k: v for k, v in fragment["params"].items() if k != "gamma"}}
    return _canonical(no_gamma, ("meta",) if fragment.get("stop_statistic") else ("meta", "targets"))


def _own(result: RunResult, fragment: dict) -> RunResult:
    """A member's result out of a run with more targets: its own targets' hits, its meta."""
    keep = np.isin(result.targets, np.asarray(fragment.get("targets", ()), np.float64))
    return replace(result, meta={**(fragment.get("meta") or {}), **result.meta}, targets=result.targets[keep].copy(),
                   hits={s: h[keep].copy() for s, h in result.hits.items()})


def run_fragments(fragments: list[dict]) -> list[RunResult]:
    """The results of fragments with one :func:`batch_key`, in order, each exactly what
    :func:`run_fragment` gives it: one simulation per trajectory with the union of their
    targets, and one schedule for all stepsizes."""
    groups: dict[str, list[dict]] = {}
    for f in fragments:
        groups.setdefault(trajectory(f), []).append(f)
    merged = [{**fs[0], "meta": None, "targets": sorted({e for f in fs for e in f.get("targets", ())})}
              for fs in groups.values()]
    first = merged[0]
    if len(merged) == 1:
        runs = [run_fragment(first)]
    else:
        problem = _build("problem", json.dumps(first["problem"], sort_keys=True))
        model = _build("asynchrony", json.dumps(first["asynchrony"], sort_keys=True))
        union = sorted({e for f in fragments for e in f.get("targets", ())})
        runs = _simulate({**first, "targets": union}, problem, model, [m["params"]["gamma"] for m in merged])
    by_trajectory = dict(zip(groups, runs))
    return [_own(by_trajectory[trajectory(f)], f) for f in fragments]
