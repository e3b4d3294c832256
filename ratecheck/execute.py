"""A fragment (the sweep's unit of work, :class:`ratecheck.plan.Fragment`) run: the
problem, asynchrony model and method it names built from their registries, then handed
to the engine (:func:`ratecheck.engine.run.simulate`, or the delay-sequence loop).

It sits above the engine and the registries (methods are built on the engine's event
loop, so the engine never imports them) and below the sweep that calls it. A worker
process imports this module, not the plan: no sympy, no cards.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

from .algorithms import ALGORITHMS
from .asynchrony import make_model
from .asynchrony.base import DelayModel
from .engine.run import simulate
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
    table = fragment.get("schedule")
    schedule = record(**validated(table).model_dump()) if table is not None else None
    if isinstance(model, DelayModel):
        if fragment["method"] != "asgd" or params:
            raise SpecError("algorithms.method", f"a delay-sequence model ({fragment['asynchrony'].get('model')!r}) drives "
                            "x_{k+1} = x_k − γ g(x_{k−δ_k}) only: use method 'asgd' with a stepsize alone")
        if not math.isfinite(float(h.get("iterations", math.inf))):
            raise SpecError("horizon.iterations", "a delay-sequence model has no clock: give a number of iterations")
        from .engine.delayed import run_delayed

        return run_delayed(problem, model, gamma, int(fragment["seed"]), int(h["iterations"]),
                           targets=fragment.get("targets", ()), stop_statistic=fragment.get("stop_statistic"),
                           meta=fragment.get("meta"), schedule=schedule)
    algorithm = ALGORITHMS.get(fragment["method"])({**params, "gamma": gamma})
    (res,) = simulate(problem, model, algorithm, [gamma], int(fragment["seed"]),
                      max_iter=float(h.get("iterations", math.inf)), max_time=float(h.get("time", math.inf)),
                      targets=fragment.get("targets", ()), stop_statistic=fragment.get("stop_statistic"),
                      track_avg=bool(fragment.get("track_avg", False)), meta=fragment.get("meta"),
                      worker_time=bool(fragment.get("worker_time", False)), schedule=schedule)
    return res
