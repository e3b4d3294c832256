"""``ratecheck explain ID``: a theorem card in plain words, with a small live example.

The walk-through says what the card bounds and what it assumes (each vocabulary term
explained, :mod:`ratecheck.vocabulary`), then evaluates its parameter choices, side
conditions and bounds on a small default instance, formula by formula, and finally
runs the card's method on that very instance for a few seeds and sets the bound
beside what happened (first iteration and virtual time at which the card's statistic
reached ε, and observed / bound).

The instance is built like a check (:func:`ratecheck.plan.plan`), so the numbers
printed are exactly those a ``ratecheck check`` of the same spec would use: the
card's inputs are the instance's exact constants (Δ, D, … computed from it), and
``"theory"`` parameters come from the card. Defaults, all changeable with
``--set NAME=VALUE``:

* problem: a diagonal quadratic (``family = "quadratic"``, d = 10), or the
  heterogeneous quadratic (``"heterogeneous-quadratic"``, one part per worker) when
  the card assumes heterogeneous data; L = 1, μ = 0.1, σ² = 1;
* asynchrony: fixed compute times τ_i = √i for n = 8 workers (``--tau-profile``);
* target ε = 0.1; seeds ``--seed`` .. ``--seed`` + 2.

``--set`` of a card parameter (e.g. ``R=4``) is run with; of an instance knob
(``L``, ``mu``, ``sigma2``, ``d``, ``eps``, ``n``) rebuilds the instance; of any other
card input (e.g. ``Delta``) only changes the printed bound, and then no live example is
run (no simulated instance would match). Card inputs that the instance fixes but no
constant of the problem gives, the largest delay ``delay_max`` and the largest number
of computations in flight ``concurrency``, come from the method's schedule on the
instance (:func:`schedule_inputs`). The live run goes to a factor × the card's iteration bound
(:data:`HORIZON_FACTOR`, or :data:`HIDDEN_FACTOR` for an O(·) bound), or its time bound
for a card that has no iteration bound; a method whose card
prescribes no stepsize runs with Ringmaster ASGD's, as in the quickstart. Lower bounds, card-only statistics, cards
that no method in the catalog implements, cards whose assumptions the default
instance does not declare (e.g. data-dependent delays) and cards without an
iteration or time bound there are explained without a live example, saying why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import SpecError
from ..vocabulary import VOCABULARY
from .card import CARD_ONLY_STATISTICS, Card
from .domain import check_evaluation, check_parameters
from .profiles import tau_profile

#: Instance defaults (documented in the module docstring).
DEFAULTS = {"L": 1.0, "mu": 0.1, "sigma2": 1.0, "eps": 0.1, "d": 10}
PROFILE = "sqrt:n=8"
SEEDS = 3
#: The horizon of the live run: this many times the card's iteration bound (an O(·)
#: bound, whose constant is unknown, gets the larger factor) ...
HORIZON_FACTOR = 2.0
HIDDEN_FACTOR = 100.0
#: ... and no live run when that exceeds this many iterations (keeps it to seconds).
MAX_ITERATIONS = 300_000
#: Names that change the simulated instance rather than only the card's inputs.
KNOBS = ("L", "mu", "sigma2", "d", "eps", "n")
#: The card whose stepsize a live example takes when its own card prescribes none.
STEPSIZE_CARD = "ringmaster-asgd"
#: Card inputs read off the method's schedule on the instance (:func:`schedule_inputs`).
SCHEDULE_INPUTS = ("delay_max", "concurrency")

STATISTIC_WORDS = {
    "grad_sq": "‖∇f(x_K)‖², the squared gradient norm at the last iterate",
    "avg_grad_sq": "the average of E‖∇f(x_k)‖², the squared gradient norms of the iterates,",
    "min_grad_sq": "min_k E‖∇f(x_k)‖², the best squared gradient norm of the iterates",
    "fgap": "E f(x_K) − f*, the optimality gap at the last iterate",
    "fgap_avg": "E f(x̄_K) − f*, the optimality gap at the average x̄_K of the iterates",
    "dist_sq": "E‖x_K − x*‖², the squared distance to the minimiser",
}
RANGE_WORDS = {"0..K": "k = 0, …, K (K + 1 iterates)", "0..K-1": "k = 0, …, K − 1 (K iterates)"}


@dataclass
class Explanation:
    """What :func:`explain` found; ``text`` is what the command prints."""

    card: Card
    values: dict[str, float]
    evaluation: object
    lines: list[str] = field(default_factory=list)
    live: dict | None = None
    no_live: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _num(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, float) and math.isinf(v):
        return "∞"
    if isinstance(v, (int, np.integer)) or (isinstance(v, float) and v == round(v) and abs(v) < 1e15):
        return str(int(v))
    return f"{v:.4g}"


def method_of(card: Card) -> str | None:
    """The first method of the catalog whose default card is ``card`` (None if none)."""
    from ..algorithms import ALGORITHMS

    return next((name for name, cls in ALGORITHMS.items() if cls.theorem == card.id), None)


def _instance(card: Card, sets: dict, profile: str) -> tuple[dict, dict, float]:
    """Problem and asynchrony spec tables of the default instance, and ε."""
    kind, n = profile.partition(":")[0], len(tau_profile(profile))
    knobs = {**DEFAULTS, **{k: v for k, v in sets.items() if k in KNOBS}}
    problem = {"family": "quadratic", "d": int(knobs["d"]), "L": knobs["L"], "mu": knobs["mu"], "sigma2": knobs["sigma2"]}
    if "heterogeneous" in card.assumptions:
        problem = {**problem, "family": "heterogeneous-quadratic", "n": n}
    return problem, {"model": "fixed", "n": n, "profile": kind}, float(knobs["eps"])


def schedule_inputs(card: Card, method: str | None, model, problem, sets: dict, seed: int) -> dict[str, float]:
    """The card inputs among :data:`SCHEDULE_INPUTS` not set by hand, for ``method`` on
    the instance (Koloskova, Stich, Jaggi 2022, arXiv:2206.08307, §2.2): ``delay_max``,
    the largest delay of an applied gradient in its schedule alone (the engine's driver,
    no iterate) over :data:`MAX_ITERATIONS` updates, the longest live run, so that it
    holds for the run; ``concurrency`` τ_C, the largest number of computations in
    flight: n, as each worker computes one at a time (exact for the methods that keep
    every worker busy, ASGD's). Empty when the schedule needs a parameter the card
    chooses (it is not known before the card is evaluated)."""
    from ..algorithms import ALGORITHMS
    from ..engine.schedule import ScheduleDriver

    wanted = [k for k in SCHEDULE_INPUTS if k in card.symbols and k not in sets]
    if not wanted or method is None:
        return {}
    cls = ALGORITHMS.get(method)
    try:
        algorithm = cls({"gamma": 1.0, **{k: v for k, v in sets.items() if k in cls.parameters}})
    except SpecError:
        return {}
    out = {"concurrency": model.n}
    if "delay_max" in wanted:
        for ops in ScheduleDriver(algorithm, model, problem, seed).chunks(MAX_ITERATIONS, math.inf):
            pass
        out["delay_max"] = int(np.flatnonzero(ops.delay_counts)[-1]) if ops.delay_counts.any() else 0
    return {k: out[k] for k in wanted}


def _check_spec(card: Card, method: str, sets: dict, problem: dict, asynchrony: dict, eps: float, seed: int,
                bounds: dict) -> dict:
    """The check spec (``ratecheck.spec`` format) of the live example: every method
    parameter the card prescribes is ``"theory"`` unless set by hand; the horizon is a
    factor × the card's iteration bound, or, for a card with a time bound only, a factor
    × its time bound (and at most :data:`MAX_ITERATIONS` updates)."""
    from ..algorithms import ALGORITHMS

    by = "iterations" if "iterations" in bounds else "time"
    factor = HIDDEN_FACTOR if card.bounds[by].constants == "hidden" else HORIZON_FACTOR
    horizon = ({"iterations": math.ceil(factor * bounds["iterations"])} if by == "iterations"
               else {"time": factor * bounds["time"], "iterations": MAX_ITERATIONS})
    params = {}
    for name in ALGORITHMS.get(method).parameters:
        if name in sets:
            params[name] = sets[name]
        elif name in card.parameters or name in card.aliases:
            params[name] = "theory"
        elif name == "gamma":  # a card without a stepsize (an O(·) card): the quickstart's choice for ASGD
            params[name] = f"theory:{STEPSIZE_CARD}"
    return {
        "check": {"name": f"explain-{card.id}", "seeds": list(range(seed, seed + SEEDS))},
        "problem": problem,
        "asynchrony": asynchrony,
        "sweep": {"eps": [eps]},
        "horizon": {"factor": factor, **horizon, "stop_at_target": True},
        "algorithms": [{"label": method, "method": method, "theorem": card.id, "params": params}],
    }


def explain(card_id: str, sets: dict | None = None, *, profile: str = PROFILE, seed: int = 0, run: bool = True) -> Explanation:
    """Explain card ``card_id`` on the default instance (module docstring); run it if ``run``."""
    from ..asynchrony import make_model
    from ..problems import make_problem
    from ..spec import parse_spec
    from . import load_card

    sets = dict(sets or {})
    card = load_card(card_id)
    card.validate_inputs({k: v for k, v in sets.items() if k not in KNOBS}, strict=True)
    check_parameters(card, sets)
    for k in ("n", "d"):
        if k in sets and (sets[k] != round(sets[k]) or sets[k] < 1):
            raise SpecError(k, f"must be a positive integer, got {sets[k]!r}")
    if "n" in sets:
        profile = f"{profile.partition(':')[0]}:n={int(sets['n'])}"
    tau = tau_profile(profile, "n" if "n" in sets else "--tau-profile")
    problem_spec, asyn_spec, eps = _instance(card, sets, profile)
    problem, model = make_problem(problem_spec), make_model(asyn_spec)
    values = {k: c.value for k, c in problem.constants.values.items() if k in card.symbols}
    values.update(n=len(tau), eps=eps)
    values.update({k: v for k, v in sets.items() if k in card.symbols and k not in ("n", "eps")})
    method = method_of(card)
    derived = schedule_inputs(card, method, model, problem, sets, seed)
    values.update(derived)
    evaluation = card.evaluate({**values, **{k: v for k, v in sets.items() if k not in KNOBS}}, tau)
    check_evaluation(evaluation)
    ex = Explanation(card, values, evaluation)
    _describe(ex, problem, model, problem_spec, profile)
    if derived:
        ex.lines.append(f"  ({', '.join(derived)}: from {method}'s schedule on this instance, seed {seed}: the largest "
                        f"delay over {MAX_ITERATIONS} updates, the longest live run; the n workers in flight at most.)")
    why = _no_live(card, method, sets, card.applicability(set(problem.properties) | set(model.properties)), evaluation)
    if why is None and not run:
        why = "not run (--no-run)"
    if why is None:
        spec = parse_spec(_check_spec(card, method, sets, problem_spec, asyn_spec, eps, seed,
                                      evaluation.bounds), "explain")
        ex.live = live_example(spec, card, evaluation)
        why = ex.live.get("skipped")
    if why is not None:
        ex.no_live = why
        ex.lines += ["", f"Live example: {why}."]
    else:
        _describe_live(ex)
    return ex


KIND_WORDS = {"upper": "an upper bound", "lower": "a lower bound", "limit": "a statement on the limit point"}


def _no_live(card: Card, method: str | None, sets: dict, undeclared: list, evaluation) -> str | None:
    """Why there is no live example, or None."""
    if card.kind == "lower":
        return ("none: a lower bound holds for every method of its class, so no single run illustrates it "
                "(compare it with upper bounds: `ratecheck compare`)")
    if card.kind == "limit":
        return "none: the card describes where the iterates settle, not a bound a run is stopped at"
    if card.statistic in CARD_ONLY_STATISTICS:
        return f"none: the card bounds {CARD_ONLY_STATISTICS[card.statistic]}, which no simulation trace records"
    if method is None:
        return "none: no method of the catalog (ratecheck.algorithms) implements this card"
    if undeclared:
        return (f"none: the card assumes {', '.join(undeclared)}, which the default instance (fixed compute times) does not "
                "declare; write a check spec with a matching problem and asynchrony model")
    by_hand = sorted(k for k in sets if k not in KNOBS and k in card.symbols)
    if by_hand:
        return f"none: {', '.join(by_hand)} set by hand, so no simulated instance matches the printed bound (drop it to run one)"
    if "iterations" not in evaluation.bounds and "time" not in evaluation.bounds:
        why = f"missing {', '.join(evaluation.missing)}" if evaluation.missing else "it has no `iterations` or `time` bound"
        return f"none: the card gives no iteration or time bound here ({why}), so there is no horizon to run to"
    return None


def _describe(ex: Explanation, problem, model, problem_spec: dict, profile: str) -> None:
    card, ev, out = ex.card, ex.evaluation, ex.lines
    c = card.citation
    out += [f"{card.title}", f"  {', '.join(c['authors'])}, \"{c['title']}\", {c['venue']}; {c['where']}.",
          f"  Card {card.id}: {KIND_WORDS[card.kind]}"
          + (" (tight, see " + ", ".join(card.tight.get("with", [])) + ")" if card.tight.get("value") else "") + "."]
    out += ["", "What it bounds" if card.kind != "limit" else "The statistic whose limit it describes"]
    words = STATISTIC_WORDS.get(card.statistic) or CARD_ONLY_STATISTICS.get(card.statistic, card.statistic)
    rng = f" over {RANGE_WORDS[card.statistic_range]}" if card.statistic in ("avg_grad_sq", "min_grad_sq", "fgap_avg") else ""
    out.append(f"  {card.statistic}: {words}{rng}.")
    out += ["", "What it assumes (the card applies only when the problem and the asynchrony model declare all of these)"]
    out += [f"  - {a}: {VOCABULARY.get(a, '?')}" for a in card.assumptions]
    missing = card.applicability(set(problem.properties) | set(model.properties))
    fam = problem_spec["family"]
    out += ["", f"The small instance: {fam} problem, d = {problem_spec['d']}, L = {_num(problem_spec['L'])}, "
              f"mu = {_num(problem_spec['mu'])}, sigma2 = {_num(problem_spec['sigma2'])}; fixed compute times "
              f"{profile} (τ = {', '.join(_num(float(t)) for t in tau_profile(profile))}); ε = {_num(ex.values['eps'])}."]
    if missing:
        out.append(f"  It does not declare {', '.join(missing)}: the card does not apply to it as such; the numbers below only evaluate the formulas.")
    out.append("  The card's inputs there:")
    for k in card.symbols:
        if k in ex.values or k in ev.inputs:
            v = ev.inputs.get(k, ex.values.get(k))
            const = problem.constants.get(k)
            how = f" ({const.provenance}: {const.note})" if const is not None and k not in ("n", "eps") else ""
            out.append(f"    {k} = {_num(v)}  — {card.symbols[k].meaning}{how}")
    if card.parameters:
        out += ["", "Parameters the theorem prescribes"]
        for name, e in card.parameters.items():
            v = ev.parameters.get(name)
            tag = f" (set by hand: {_num(v)})" if name in ev.overridden else f" = {_num(v)}"
            out.append(f"  {name} = {e.text}{tag}  — {e.meaning or 'parameter'} [{e.provenance}]")
    if card.conditions:
        out += ["", "Conditions of the theorem"]
        bad = card.check_conditions(ev.parameters, {**ex.values, **ev.inputs}, model.tau_bounds())
        for cnd in card.conditions:
            out.append(f"  {cnd.text}  — {cnd.meaning or 'side condition'}")
        out += [f"  violated here: {b}" for b in bad] or ["  all hold here."]
    out += ["", "Bounds"]
    for name, e in card.bounds.items():
        v = ev.bounds.get(name)
        hidden = "  (O(·): up to an unknown constant factor)" if e.constants == "hidden" else ""
        out.append(f"  {name} = {e.text} = {_num(v)}{hidden}  — {e.meaning or name} [{e.provenance}]")
    if ev.missing:
        out.append(f"  Not evaluated: missing {', '.join(ev.missing)} (give them with --set NAME=VALUE).")


def live_example(spec, card: Card, evaluation=None) -> dict:
    """Run the spec's one algorithm for its seeds; the first hits of ε against the bound
    (the plan's, or ``evaluation``'s where the plan lacks an input read off the schedule)."""
    from ..execute import run_fragment
    from ..plan import plan
    from ..verdict.complexity import RUNNING, observed_complexity

    planned = plan(spec)
    (pred,) = planned.prediction_dicts().values()
    first = planned.fragments[0]
    horizon = first.horizon["iterations"]
    if not math.isfinite(horizon) or horizon > MAX_ITERATIONS:
        return {"skipped": f"none: {spec.horizon.factor:g} × the iteration bound is {_num(horizon)} iterations, "
                           f"more than the {MAX_ITERATIONS} a short example runs (raise ε with --set eps=…)"}
    runs = [run_fragment(f.to_dict()) for f in planned.fragments]
    eps = spec.sweep["eps"][0]
    shift = int(card.statistic_range == "0..K-1" and first.statistic in RUNNING)
    out = {"method": first.method, "params": first.params, "seeds": [f.seed for f in planned.fragments],
           "horizon": first.horizon, "statistic": first.statistic, "eps": eps, "prediction": pred, "runs": runs,
           "violations": pred.get("violations", []), "factor": spec.horizon.factor}
    for measure in ("iterations", "time"):
        oc = observed_complexity(runs, first.statistic, eps, measure, shift=shift)
        bound = pred["bounds"].get(measure)
        if bound is None and evaluation is not None:
            bound = evaluation.bounds.get(measure)
        out[measure] = {"values": oc["values"], "censored": oc["censored"], "median": oc["median"]["value"], "bound": bound,
                        "ratio": oc["median"]["value"] / bound if bound else None,
                        "hidden": card.bound_constants(measure) == "hidden" if bound else None}
    return out


def _describe_live(ex: Explanation) -> None:
    lv, out = ex.live, ex.lines
    params = ", ".join(f"{k} = {_num(v)}" for k, v in lv["params"].items())
    out += ["", f"Live example: {lv['method']} with {params} on that instance, seeds {', '.join(map(str, lv['seeds']))}, "
              f"run until {lv['statistic']} ≤ ε or " + (
                  f"{_num(lv['horizon']['time'])} virtual seconds ({_num(lv['factor'])} × the time bound; at most "
                  f"{_num(lv['horizon']['iterations'])} iterations)." if math.isfinite(lv['horizon'].get('time', math.inf))
                  else f"{_num(lv['horizon']['iterations'])} iterations ({_num(lv['factor'])} × the bound).")]
    out += [f"  Flagged: the run violates {v}." for v in lv["violations"]]
    bad = [r for r in lv["runs"] if r.status != "ok"]
    out += [f"  Seed {r.meta.get('seed')} {r.status}: {r.reason}." for r in bad]
    out.append(f"  {'seed':<6} {'iterations to ε':<22} virtual seconds to ε")
    it, tm = lv["iterations"], lv["time"]
    for j, s in enumerate(lv["seeds"]):
        cell = [(f"> {_num(m['values'][j])} (not reached)" if m["censored"][j] else _num(m["values"][j])) for m in (it, tm)]
        out.append(f"  {s:<6} {cell[0]:<22} {cell[1]}")
    for name, m, unit in (("iterations", it, "iterations"), ("time", tm, "virtual seconds")):
        if m["bound"] is None:
            out.append(f"  The card gives no {name} bound here; median observed: {_num(m['median'])} {unit}.")
            continue
        what = ("the run violates the theorem's conditions, so the theorem promises nothing here" if lv["violations"]
                else "an O(·) bound, so only how the ratio changes with the inputs is meaningful" if m["hidden"]
                else "the theorem promises the statistic is ≤ ε in expectation by then, so ≤ 1 is expected")
        out.append(f"  {name}: bound {_num(m['bound'])}, median observed {_num(m['median'])} {unit}, "
                 f"observed / bound = {_num(m['ratio'])} ({what}).")
