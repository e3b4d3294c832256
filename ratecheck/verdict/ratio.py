"""``ratio-bounded``: observed complexity / the card's bound stays in [c_lo, c_hi].

Meant for O(·) bounds (hidden constants): the theory predicts the ratio stays bounded
across the sweep (fixed-computation notes §10). At each point the ratio is the seeds'
median first hit of ε over the bound (censored seeds at +∞), with a percentile-
bootstrap interval. ``pass``: every point's (1 − α) interval lies in [c_lo, c_hi];
``fail``: some point's (1 − α/m) interval (Bonferroni over m points) lies outside;
``inconclusive`` otherwise or with fewer than ``min_seeds`` seeds.

When the bound uses an estimated constant, the bound is only known to lie in
``[lo, hi]`` over the estimate's CI, so both intervals of the ratio are widened to
[r_lo · B/hi, r_hi · B/lo] (B the bound at the estimate) and the reason says so.
"""

from __future__ import annotations

from . import stats
from .complexity import as_upper_open
from .evidence import Evidence, failures_note, make_verdict, num, where
from .holds import applicable_points


def evaluate_ratio(claim: dict, ev: Evidence) -> dict:
    label, alpha = claim["algorithm"], claim["alpha"]
    c_lo, c_hi = claim["c_lo"], claim["c_hi"]
    usable, skipped = applicable_points(claim, ev, label, allow_hidden=True)
    if not usable:
        why = skipped[0]["reason"] if skipped else f"no runs of {label}"
        return make_verdict(claim, "not-applicable" if skipped else "inconclusive", why + ".", points=skipped)
    m = len(usable)
    rows, all_runs = [], []
    for j, (pk, point, runs, bound, stat, (seeds, values, censored, _)) in enumerate(usable):
        all_runs += runs
        r = as_upper_open(values, censored) / bound
        boot = stats.bootstrap(r, stats.median, ev.rng(claim["index"], j))
        ci = stats.percentile_interval(boot, 1.0 - alpha)
        strict = stats.percentile_interval(boot, 1.0 - alpha / m)
        b_range = ev.bound_range(label, pk, claim["bound"])
        if b_range:
            widen = (bound / b_range[1], bound / b_range[0])
            ci = (ci[0] * widen[0], ci[1] * widen[1])
            strict = (strict[0] * widen[0], strict[1] * widen[1])
        if len(runs) < claim["min_seeds"]:
            status = "inconclusive"
        elif strict[0] > c_hi or strict[1] < c_lo:
            status = "fail"
        elif c_lo <= ci[0] and ci[1] <= c_hi:
            status = "pass"
        else:
            status = "inconclusive"
        med = float(stats.median(r))
        rows.append({
            "point": point, "status": status, "bound": bound, "statistic": stat, "n_seeds": len(runs),
            "seeds": seeds, "values": values.tolist(), "censored": censored.tolist(),
            "observed": med * bound, "ratio": med, "ratio_ci": list(ci), "ratio_ci_strict": list(strict),
        })
        if b_range:
            rows[-1].update(bound_range=b_range, estimated=ev.estimate_note(label, pk, claim["bound"]))
    statuses = [r["status"] for r in rows]
    status = "fail" if "fail" in statuses else "pass" if all(s == "pass" for s in statuses) else "inconclusive"
    # the decisive point: the one farthest outside the band (or closest to its edge)
    decisive = max(rows, key=lambda r: max(r["ratio"] / c_hi, c_lo / r["ratio"] if r["ratio"] > 0 else float("inf")))
    ci = decisive["ratio_ci_strict"] if status == "fail" else decisive["ratio_ci"]
    lo_all, hi_all = min(r["ratio"] for r in rows), max(r["ratio"] for r in rows)
    reason = f"Median observed/bound ranges over [{num(lo_all)}, {num(hi_all)}] across {m} points; at {where(decisive['point'])} it is {num(decisive['ratio'])} with interval [{num(ci[0])}, {num(ci[1])}]"
    if status == "fail":
        reason += f", outside [{num(c_lo)}, {num(c_hi)}]"
    elif status == "pass":
        reason += f"; every interval lies in [{num(c_lo)}, {num(c_hi)}]"
    elif any(r["n_seeds"] < claim["min_seeds"] for r in rows):
        reason += f"; fewer than min_seeds = {claim['min_seeds']} seeds at some point"
    else:
        reason += f"; some interval straddles [{num(c_lo)}, {num(c_hi)}]"
    est = next((r for r in rows if r.get("bound_range")), None)
    if est:
        reason += f"; the bound is evaluated at an estimated constant, {est['estimated']}, and the intervals are widened over its CI"
    if skipped:
        reason += f"; the card does not apply at {len(skipped)} point{'s' * (len(skipped) != 1)} ({skipped[0]['reason']})"
    reason += failures_note(all_runs) + "."
    return make_verdict(
        claim, status, reason,
        observed=decisive["observed"], predicted=decisive["bound"], ratio=decisive["ratio"], ci=list(ci),
        points=rows + skipped, algorithm=label, measure=claim["measure"], band=[c_lo, c_hi],
    )
