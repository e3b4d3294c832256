"""``holds``: the card's upper bound on iterations (or time) is respected at every point.

What is tested. A card states that after K ≥ K(ε) iterations (or by time T(ε))
the *expectation* of its statistic is at most ε, e.g. Ringmaster ASGD Thm 1:
(1/K) Σ_{k<K} E‖∇f(x_k)‖² ≤ ε (Maranjyan, Tyurin & Richtárik 2025). The cards' bounds
have the form "A/K + B ≤ ε for every K ≥ K(ε)", so the claim is checked at the first
checkpoint of each seed at or past the bound (its distance past the bound is
reported as ``grid_slack``): let s_i be the statistic there for seed i; the claim
at a point is H: E[s] ≤ ε. (The trace's ``avg_grad_sq`` at checkpoint k averages
x_0, …, x_k: the card's (1/K) Σ_{k<K} at K = k + 1 > K(ε).)

Decision, with the seed-mean of s (the mean, because the theorem bounds an
expectation; a quantile would test something the theorem does not say) and its
percentile bootstrap: p_pass = the bootstrap p-value of "E[s] > ε" (the share of
resampled means above ε, with the +1 correction of
:func:`~ratecheck.verdict.stats.bootstrap_p`), p_fail = that of "E[s] ≤ ε"; then
:mod:`.decision` (Holm's correction on both sides across the m points). A point with
fewer than ``min_seeds`` seeds tests nothing (p = 1). The bootstrap's smallest
p-value is 1/(B + 1), so any spec with ``min_seeds`` seeds can decide up to
m ≈ α(B + 1) points.

A seed that diverged or errored has s_i = +∞: it counts against the bound and is
never dropped. A seed that ended before the bound (a horizon set too short) has an
unknown s_i ≥ 0: it enters the lower bound as 0 and the upper bound as +∞, so it can
neither make the claim pass nor, by itself, fail. The percentile bootstrap of a mean
is approximate for small samples and heavy tails; ``min_seeds`` guards the former.

The ``observed`` complexity reported beside the decision is the seeds' median first
hit of ε (exact, from the run's hits), with ``ratio`` = observed / bound. Both count
like the card: a card averaging over k = 0..K−1 (``statistic_range``) is read one
iteration later and, at the checkpoint, with its own average (:mod:`.complexity`).

**Estimated constants.** When the bound uses a constant known only as an estimate
± CI, the point is decided at the bound's smallest and largest value over that CI
(``bound_range``) and at the estimate: ``pass`` or ``fail`` only when all three agree,
``inconclusive`` when the decision changes within the CI; the reason says so.
"""

from __future__ import annotations

import math

import numpy as np

from . import stats
from .complexity import as_upper_open, value_at
from .decision import decide
from .evidence import Evidence, censored_note, closing, make_verdict, no_points, num, where


def complexity_summary(values, censored, bound, level, statuses=None):
    """Median complexity with its exact order-statistic interval, and both over ``bound``.

    A median that no seed reached is described in ``observed_note`` (``"diverged"`` or
    ``"not reached by the horizon (≥ T)"``) instead of a bare ∞.
    """
    open_values = as_upper_open(values, censored)
    med = float(stats.median(open_values))
    lo, hi, cover = stats.median_interval(open_values, level)
    out = {"observed": med, "observed_ci": [lo, hi], "observed_ci_coverage": cover,
           "ratio": med / bound, "ratio_ci": [lo / bound, hi / bound]}
    note = censored_note(values, censored, statuses)
    if note and not math.isfinite(med):
        out["observed_note"] = note
    return out


def applicable_points(claim: dict, ev: Evidence, label: str, *, allow_hidden: bool):
    """Split the points of ``label`` into evaluable ones and not-applicable rows."""
    usable, skipped = [], []
    for pk in ev.point_keys(label):
        point, runs = ev.points[pk], ev.runs(label, pk)
        bound, why = ev.bound(claim, label, pk, allow_hidden=allow_hidden)
        stat = ev.statistic(claim, runs)
        sv = ev.seed_values(runs, stat, point, claim["measure"], ev.shift(label, pk, stat)) if bound is not None and stat else None
        if bound is None or stat is None or sv is None:
            why = why or ("No statistic: the runs name none and the claim gives none" if stat is None else f"ε = {num(point.get('eps'))} or {stat} was not tracked by the runs")
            skipped.append({"point": point, "status": "not-applicable", "reason": why})
            continue
        usable.append((pk, point, runs, bound, stat, sv))
    return usable, skipped


def _decide(claim, ev, runs, stat, measure, bound, shift, eps, j):
    """The point's two p-values with the statistic read at ``bound``.

    Returns ``(p_pass, p_fail, s_hi, short, lcb, ucb, value_at results)``; ``lcb`` and
    ``ucb`` are the one-sided (1 − α) percentile bounds of the seed-mean, for the table.
    """
    alpha = claim["alpha"]
    at = [value_at(r, stat, measure, bound, shift) for r in runs]
    s = np.array([a[0] for a in at])
    short = np.array([a[2] == "short" for a in at])
    s_lo, s_hi = np.where(short, 0.0, s), np.where(short, np.inf, s)
    # the same resamples for both sides: a generator per point, drawn twice
    hi_boot = stats.bootstrap(s_hi, np.mean, ev.rng(claim["index"], j))
    lo_boot = stats.bootstrap(s_lo, np.mean, ev.rng(claim["index"], j))
    ucb, lcb = float(stats.quantile(hi_boot, 1.0 - alpha)), float(stats.quantile(lo_boot, alpha))
    if len(runs) < claim["min_seeds"]:
        return 1.0, 1.0, s_hi, short, lcb, ucb, at
    return stats.bootstrap_p(hi_boot, hi_boot <= eps), stats.bootstrap_p(lo_boot, lo_boot > eps), s_hi, short, lcb, ucb, at


def evaluate_holds(claim: dict, ev: Evidence) -> dict:
    label, alpha, measure = claim["algorithm"], claim["alpha"], claim["measure"]
    usable, skipped = applicable_points(claim, ev, label, allow_hidden=False)
    if not usable:
        return no_points(claim, skipped, f"no runs of {label}")
    m = len(usable)
    rows, all_runs = [], []
    for j, (pk, point, runs, bound, stat, (seeds, values, censored, _)) in enumerate(usable):
        all_runs += runs
        eps = float(point["eps"])
        shift = ev.shift(label, pk, stat)
        b_range = ev.bound_range(label, pk, claim["bound"])
        decisions = [_decide(claim, ev, runs, stat, measure, b, shift, eps, j) for b in ([b_range[0], bound, b_range[1]] if b_range else [bound])]
        p_pass, p_fail, s_hi, short, lcb, ucb, at = decisions[1] if b_range else decisions[0]
        if b_range:  # pass or fail only where the three evaluations agree
            p_pass, p_fail = max(d[0] for d in decisions), max(d[1] for d in decisions)
        checkpoints = [a[1] for a in at if np.isfinite(a[1])]
        row = {
            "point": point,
            "bound": bound,
            "eps": eps,
            "statistic": stat,
            "n_seeds": len(runs),
            "seeds": seeds,
            "values": values.tolist(),
            "censored": censored.tolist(),
            "statuses": [r.status for r in runs],
            "n_short": int(short.sum()),
            "mean_at_bound": float(s_hi.mean()),
            "mean_at_bound_lcb": lcb,
            "mean_at_bound_ucb": ucb,
            "p_pass": p_pass,
            "p_fail": p_fail,
            "grid_slack": (max(checkpoints) / bound) if checkpoints else None,
        }
        if b_range:
            level = alpha / m  # Holm's first step: where a single point's decision turns
            row.update(bound_range=b_range, estimated=ev.estimate_note(label, pk, claim["bound"]),
                       statuses_over_range=["fail" if d[1] <= level else "pass" if d[0] <= level else "inconclusive"
                                            for d in decisions])
        row.update(complexity_summary(values, censored, bound, 1.0 - alpha, row["statuses"]))
        rows.append(row)
    _, per = decide([r["p_pass"] for r in rows], [r["p_fail"] for r in rows], alpha)
    for r, st in zip(rows, per):
        r["status"] = st
    statuses = [r["status"] for r in rows]
    worst = max(rows, key=lambda r: (r["ratio"], r["mean_at_bound"] / r["eps"]))
    level = f"{100 * (1 - alpha):g}%"
    fails = [r for r in rows if r["status"] == "fail"]
    if fails:
        status, r = "fail", min(fails, key=lambda r: r["p_fail"])
        reason = (
            f"At {where(r['point'])} the seed-mean of {r['statistic']} at the bound is {num(r['mean_at_bound'] / r['eps'])}·ε "
            f"(one-sided {level} lower bound {num(r['mean_at_bound_lcb'] / r['eps'])}·ε; bootstrap p = {r['p_fail']:.2g} for E ≤ ε, "
            f"Holm over {m} points at α = {alpha:g})"
        )
    elif all(s == "pass" for s in statuses):
        status = "pass"
        top = max(rows, key=lambda r: r["p_pass"])
        reason = (
            f"At all {m} points the seed-mean of {top['statistic']} at the bound is below ε (Holm at α = {alpha:g}; "
            f"largest bootstrap p = {top['p_pass']:.2g}, one-sided {level} upper bound {num(top['mean_at_bound_ucb'] / top['eps'])}·ε "
            f"at {where(top['point'])}); median observed/bound ≤ {num(worst['ratio'])}"
        )
    else:
        status = "inconclusive"
        few = [r for r in rows if r["n_seeds"] < claim["min_seeds"]]
        if few:
            reason = f"Only {few[0]['n_seeds']} seeds at {where(few[0]['point'])} (fewer than min_seeds = {claim['min_seeds']})"
        elif moved := [r for r in rows if len(set(r.get("statuses_over_range", ()))) > 1]:
            r = moved[0]
            reason = (f"At {where(r['point'])} the decision changes over the CI of an estimated constant "
                      f"(bound from {num(r['bound_range'][0])} to {num(r['bound_range'][1])}), so it depends on that constant")
        elif any(r["n_short"] for r in rows):
            r = next(r for r in rows if r["n_short"])
            reason = (f"At {where(r['point'])} {r['n_short']} of {r['n_seeds']} runs ended before the bound {num(r['bound'])} "
                      "(horizon too short: raise horizon.factor), so the statistic there is unknown")
        else:
            r = next(r for r in rows if r["status"] == "inconclusive")
            reason = (
                f"At {where(r['point'])} the {level} bounds of the seed-mean of {r['statistic']} at the bound, "
                f"[{num(r['mean_at_bound_lcb'] / r['eps'])}, {num(r['mean_at_bound_ucb'] / r['eps'])}]·ε, straddle ε "
                f"(bootstrap p = {r['p_pass']:.2g} and {r['p_fail']:.2g}; Holm at α = {alpha:g})"
            )
    est = [r for r in rows if r.get("bound_range")]
    if est:
        moved = [r for r in est if len(set(r["statuses_over_range"])) > 1]
        reason += (f"; the bound is evaluated at an estimated constant, {est[0]['estimated']}: "
                   + (f"the decision changes within its CI at {where(moved[0]['point'])} (bound from {num(moved[0]['bound_range'][0])} to {num(moved[0]['bound_range'][1])})"
                      if moved else "the decision is the same over its CI"))
    reason += closing(skipped, all_runs, card=True)
    return make_verdict(
        claim, status, reason,
        observed=worst["observed"], predicted=worst["bound"], ratio=worst["ratio"], ci=worst["ratio_ci"],
        points=rows + skipped, algorithm=label, measure=measure,
    )
