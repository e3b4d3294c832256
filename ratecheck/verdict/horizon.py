"""``ordering`` with ``at``: one algorithm's statistic is lower than another's at a fixed horizon.

Claim. ``faster`` = A, ``slower`` = B, ``statistic`` s (default: the runs' own, as
every ordering), ``at`` a horizon H: ``"horizon"`` (the spec's ``[horizon]``
iterations or time), ``{ time = T }`` or ``{ iterations = K }``. At every sweep point,
A's s at H is below B's: "A is better" means the smaller value.

Exactness. A run stores its statistics on a checkpoint grid and, last, the state after
its last update at or before its own horizon; values between checkpoints are not
stored (and never reconstructed). So the value at H is exact only when H is where the
runs end: :func:`spec_refusal` refuses (naming the field to change) an ``at`` other than
the spec's horizon, a ``[horizon]`` that also caps the other coordinate (runs could end
before H), runs that stop at their target (``horizon.stop_at_target``), and
:func:`plan_refusal` runs that a card's explicit iteration bound would stop before H
(``horizon.factor``). The evaluator checks each run again where it can: a run that ended
at another iteration than K (or past time T), or whose value there is NaN or infinite
without the run being marked diverged, makes its point ``not-applicable``.

Per seed (common random numbers pair the runs of A and B with the same seed): the value
is the statistic at the run's last checkpoint row; a **diverged** run's value is +∞
(worse than any finite value, whatever it recorded before stopping); an **errored**
run's is unknown and its pair is left out (the claim is then ``error``,
:func:`~ratecheck.verdict.flag_errors`). A *win* is v_A < v_B, a *loss* v_A > v_B, a
*tie* v_A = v_B (two diverged runs tie at +∞).

Test, as ``ordering`` (:mod:`.ordering`): at each point the exact sign test gives
p_pass = P(Bin(w + l, ½) ≥ w) and p_fail = P(Bin(w + l, ½) ≥ l), ties left out; a point
with fewer than ``min_seeds`` known pairs tests nothing (p = 1); :mod:`.decision` applies
Holm's correction on both sides. The smallest p with n pairs is 2^−n, as for ``ordering``,
so :mod:`.reach` refuses the same undecidable seed counts.

Effect size: the median over seeds of v_A / v_B (0 where only B diverged, +∞ where only
A did; left out where both did or a value is negative, :func:`value_ratio`), with its
exact order-statistic interval; below 1 means A is better.

A ``value`` claim (:mod:`.value`) reads one algorithm's value at H the same way
(:func:`run_value`, :func:`not_at_horizon`) and is refused by the same rules.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import SpecError
from . import stats
from .claims import at_text
from .decision import decide_rows, sentence
from .evidence import Evidence, make_verdict, no_points, num, where
from .ordering import paired_points


# --- refusals before anything runs ----------------------------------------------------------

def resolve(at, horizon) -> tuple[str, float] | None:
    """``("iterations", K)`` or ``("time", T)`` of a claim's ``at`` given the spec's
    ``[horizon]`` (attributes ``iterations``, ``time``); None where it names none."""
    if at == "horizon":
        given = [(k, getattr(horizon, k)) for k in ("iterations", "time") if getattr(horizon, k) is not None]
        return given[0] if len(given) == 1 else None
    (key, value), = at.items()
    return key, value


def _reads(claim: dict) -> str:
    """``compares A and B`` (an ordering) or ``reads A's value`` (a ``value`` claim)."""
    if claim["kind"] == "ordering":
        return f"compares {claim['faster']} and {claim['slower']}"
    return f"reads {claim['algorithm']}'s value"


def spec_refusal(claim: dict, horizon) -> SpecError | None:
    """Why the spec's ``[horizon]`` cannot give ``claim`` (an ordering with ``at``, or a
    ``value`` claim, :mod:`.value`) exact values (module doc), as the error to raise; None
    when it can."""
    at, where_ = claim["at"], f"claims[{claim['index']}]"
    if horizon.stop_at_target:
        return SpecError("horizon.stop_at_target", f"{where_} {_reads(claim)} {at_text(at)}, "
                         "but runs that stop at their target ε end before it and have no value there; set stop_at_target = false")
    if at == "horizon":
        if horizon.iterations is not None and horizon.time is not None:
            return SpecError(f"{where_}.at", f"the [horizon] caps both iterations ({horizon.iterations:g}) and time "
                             f"({horizon.time:g}): a run ends at whichever comes first, so the runs need not end at one "
                             "horizon; give at = { iterations = K } or { time = T } and remove the other cap from [horizon]")
        if horizon.iterations is None and horizon.time is None:
            return SpecError("horizon", f"{where_}.at = \"horizon\" needs [horizon] iterations or time (without them each "
                             "run ends at horizon.factor × its own card's iteration bound, not at one horizon)")
    key, value = resolve(at, horizon)
    spec_value = getattr(horizon, key)
    if spec_value is None:
        return SpecError(f"{where_}.at", f"the [horizon] sets no {key}: a run's value is exact only where it ends (values "
                         f"between checkpoints are not stored); set [horizon] {key} = {value:g} or use at = \"horizon\"")
    if spec_value != value:
        return SpecError(f"{where_}.at", f"{key} = {value:g} is not the [horizon]'s {key} = {spec_value:g}: a run's value is "
                         f"exact only at its own horizon (values between checkpoints are not stored); use at = \"horizon\"")
    if key == "iterations" and value != int(value):
        return SpecError("horizon.iterations", f"{where_}.at compares after a whole number of iterations; runs stop at the "
                         f"first iteration ≥ {value:g}: set a whole number")
    other = "time" if key == "iterations" else "iterations"
    if getattr(horizon, other) is not None:
        return SpecError(f"horizon.{other}", f"{where_} compares values {at_text({key: value if key == 'time' else int(value)})}, "
                         f"but the runs also stop at {other} {getattr(horizon, other):g} and may end before that; remove "
                         f"[horizon] {other}")
    return None


def plan_refusal(claim: dict, horizon, planned) -> SpecError | None:
    """Why some planned run (``planned``: :class:`~ratecheck.plan.Plan`) of the claim's
    algorithms would not end at its ``at`` (a card's explicit iteration bound caps it,
    :func:`ratecheck.plan._horizon`); None when every one does (after :func:`spec_refusal`)."""
    from . import claim_labels
    from .complexity import point_key

    key, value = resolve(claim["at"], horizon)
    where_ = f"claims[{claim['index']}]"
    for f in planned.fragments:
        if f.label not in claim_labels(claim):
            continue
        cap = float(f.horizon["iterations"])
        if not math.isfinite(cap) or (key == "iterations" and cap == value):
            continue
        pred = planned.predictions.get((f.label, point_key(f.point)))
        bound = (pred.bounds or {}).get("iterations") if pred is not None else None
        if key == "iterations":
            need = f" to ≥ {value / bound:.4g}" if bound else ""
            return SpecError("horizon.factor", f"{where_} compares after {int(value)} iterations, but {f.label}'s runs at "
                             f"{where(f.point)} stop at {cap:g} iterations (horizon.factor × its card's explicit iteration "
                             f"bound) and have no value there; raise horizon.factor{need}")
        return SpecError(f"{where_}.at", f"compares values at time {value:g}, but {f.label}'s runs at {where(f.point)} also "
                         f"stop at {cap:g} iterations (horizon.factor × its card's explicit iteration bound) and may end "
                         "before that time, where their value is not stored; compare at = { iterations = K } with "
                         "[horizon] iterations = K instead")
    return None


# --- the verdict ---------------------------------------------------------------------------------

def run_value(r, statistic: str) -> float:
    """A run's value of ``statistic`` at its horizon: +∞ if it diverged, NaN if it errored."""
    if r.status == "diverged":
        return math.inf
    if r.status != "ok":
        return math.nan
    col = r.checkpoints.get(statistic)
    return float(col[-1]) if col is not None and len(col) else math.nan


def not_at_horizon(runs, statistic: str, at) -> str | None:
    """Why a run of ``runs`` (not diverged or errored) has no exact, comparable value at
    ``at``, or None."""
    for r in runs:
        if r.status != "ok":
            continue
        who = f"{r.meta.get('algorithm')} seed {r.meta.get('seed')}"
        v = run_value(r, statistic)
        if math.isnan(v):
            return f"{statistic} was not recorded by {who}"
        if not math.isfinite(v):
            return f"{who} ends with {statistic} = {num(v)} but is not marked diverged: not a value to compare"
        last = {k: float(r.checkpoints[k][-1]) for k in ("iteration", "time") if k in r.checkpoints and len(r.checkpoints[k])}
        if isinstance(at, dict) and "iterations" in at and last.get("iteration") != at["iterations"]:
            return (f"{who} ended at iteration {num(last.get('iteration'))}, not {at['iterations']} (it stopped elsewhere: "
                    "its value there is not stored)")
        if isinstance(at, dict) and "time" in at and not last.get("time", math.inf) <= at["time"] * (1 + 1e-12):
            return f"{who} ended at time {num(last.get('time'))}, past {at['time']:g}"
    return None


def value_ratio(a: float, b: float) -> float:
    """v_faster / v_slower of one seed (module doc): +∞ / +∞ and negative values (rounding
    below f*) are undefined (NaN); a / +∞ = 0 for finite a, a / 0 = +∞ for a > 0, 0 / 0 = 1."""
    if a < 0 or b < 0 or (math.isinf(a) and math.isinf(b)):
        return math.nan
    if b == 0:
        return 1.0 if a == 0 else math.inf
    return a / b


def compare_point(df: dict, ds: dict, statistic: str, alpha: float) -> dict:
    """Counts, sign-test p-values, values and effect of one point (``df``, ``ds``: seed → run)."""
    common = sorted(set(df) & set(ds), key=lambda s: (s is None, s))
    known = [s for s in common if "error" not in (df[s].status, ds[s].status)]
    vf = np.array([run_value(df[s], statistic) for s in known], dtype=float)
    vs = np.array([run_value(ds[s], statistic) for s in known], dtype=float)
    wins, losses = int((vf < vs).sum()), int((vf > vs).sum())
    r = np.array([value_ratio(a, b) for a, b in zip(vf, vs)], dtype=float)
    r = r[~np.isnan(r)]
    med, ci = math.nan, [math.nan, math.nan]
    if r.size:
        med = float(stats.median(r))
        ci = list(stats.median_interval(r, 1.0 - alpha)[:2])
    return {
        "n_pairs": len(known), "seeds": known, "unknown": len(common) - len(known),
        "wins": wins, "losses": losses, "ties": len(known) - wins - losses, "ties_or_unknown": len(common) - wins - losses,
        "p_faster": stats.sign_test(wins, losses), "p_slower": stats.sign_test(losses, wins),
        "ratio": med, "ratio_ci": ci, "ratio_is_upper_bound": False,
        "faster_values": vf.tolist(), "slower_values": vs.tolist(),
        "faster_censored": [df[s].status == "diverged" for s in known], "slower_censored": [ds[s].status == "diverged" for s in known],
        "faster_median": float(np.median(vf)) if vf.size else math.nan, "slower_median": float(np.median(vs)) if vs.size else math.nan,
        "predicted_ratio": None,
    }


def ending(skipped: list[dict], runs, diverged: str = "value +∞, worse than any finite value",
           errored: str = "their pairs left out") -> str:
    """The end of the reason: points left out and how the runs ended (``diverged``,
    ``errored``: what became of those runs)."""
    out = f"; not evaluable at {len(skipped)} point{'s' * (len(skipped) != 1)} ({skipped[0]['reason']})" if skipped else ""
    div, err = sum(r.status == "diverged" for r in runs), sum(r.status == "error" for r in runs)
    if div:
        out += f"; {div} run{'s' * (div != 1)} diverged ({diverged})"
    if err:
        out += f"; {err} run{'s' * (err != 1)} errored ({errored})"
    return out + "."


def evaluate_at_horizon(claim: dict, ev: Evidence) -> dict:
    f_lab, s_lab, alpha, at = claim["faster"], claim["slower"], claim["alpha"], claim["at"]

    def by_seed(rf, rs, stat, point):
        why = not_at_horizon(rf + rs, stat, at)
        return f"No exact value {at_text(at)}: {why}" if why else tuple({r.meta.get("seed"): r for r in runs} for runs in (rf, rs))

    usable, skipped = paired_points(claim, ev, f_lab, s_lab, by_seed)
    rows, all_runs = [], []
    for _, point, runs, stat, df, ds in usable:
        all_runs += runs
        rows.append({"point": point, "statistic": stat, "at": at, **compare_point(df, ds, stat, alpha)})
    if not rows:
        return no_points(claim, skipped, f"{f_lab} and {s_lab} share no sweep point")
    m = len(rows)
    status = decide_rows(rows, "p_faster", "p_slower", alpha, claim["min_seeds"])
    when = at_text(at)
    decisive = next((r for r in rows if r["status"] == status), None) or max(rows, key=lambda r: r["p_faster"])
    stat = decisive["statistic"]
    row = max(rows, key=lambda r: r["p_faster"]) if status == "pass" else decisive
    reason = sentence(
        status, where(row["point"]), alpha=alpha, m=m, n=row["n_pairs"], min_seeds=claim["min_seeds"],
        seeds="paired seeds", counts=f"{row['wins']} wins, {row['losses']} losses, {row['ties']} ties",
        held=f"{f_lab}'s {stat} {when} is lower in the paired sign test at all {m} points", p_held=row["p_faster"],
        refuted=f"{s_lab}'s {stat} {when} is lower", p_refuted=row["p_slower"],
        refuted_counts=f"{row['losses']} of {row['n_pairs']} paired seeds",
        unshown=f"No significant difference of {stat} {when} at {where(row['point'])}",
        p_both=f"{row['p_faster']:.2g} and {row['p_slower']:.2g}")
    reason += (f"; median {stat} {f_lab} {num(decisive['faster_median'])}, {s_lab} {num(decisive['slower_median'])}, "
               f"median paired ratio {num(decisive['ratio'])}")
    reason += ending(skipped, all_runs)
    return make_verdict(
        claim, status, reason,
        observed=decisive["ratio"], predicted=None, ratio=decisive["ratio"], ci=decisive["ratio_ci"],
        points=rows + skipped, faster=f_lab, slower=s_lab, measure=None, statistic=stat, at=at,
    )
