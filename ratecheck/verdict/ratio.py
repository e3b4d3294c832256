"""``ratio-bounded``: observed complexity / the card's bound stays in [c_lo, c_hi].

Meant for O(·) bounds (hidden constants): the theory predicts the ratio stays bounded
across the sweep (fixed-computation notes §10). At each point the seeds' ratios
r_i = T_i / bound (censored seeds at +∞, which is exact for these counts) are judged
on their median by exact sign tests (:func:`~ratecheck.verdict.stats.sign_test`):

* p_pass = max(p(median > c_lo), p(median < c_hi)): both one-sided tests must reject
  (the median lies inside the band; an intersection–union test);
* p_fail = min(1, 2 · min(p(median > c_hi), p(median < c_lo))): either side suffices
  (Bonferroni over the two sides);

then :mod:`.decision` (Holm on both sides across the m points). With n seeds the
smallest p_pass is 2^−n and the smallest p_fail 2^(1−n) (:func:`min_p`): the spec
loader refuses a claim its seeds can never decide. The reported interval of the
median ratio is the exact order-statistic one.

When the bound uses an estimated constant, the bound is only known to lie in
``[lo, hi]`` over the estimate's CI (B at the estimate), so the ratio to the true
bound, r · B/B', is only known to lie in [r · B/hi, r · B/lo]. A pass must hold for
every such bound: r is tested against the band narrowed to [c_lo · hi/B, c_hi · lo/B];
a fail likewise: against the band widened to [c_lo · lo/B, c_hi · hi/B]. The reason
says so.
"""

from __future__ import annotations

import math

import numpy as np

from . import stats
from .complexity import as_upper_open
from .decision import decide_rows
from .evidence import Evidence, censored_note, closing, make_verdict, no_points, num, where
from .holds import applicable_points


def min_p(n_seeds: int) -> tuple[float, float]:
    """Smallest (p_pass, p_fail) of one point with ``n_seeds`` seeds (module doc)."""
    return 0.5**n_seeds, min(1.0, 2.0 * 0.5**n_seeds)


def band_p(above_lo: int, below_lo: int, above_hi: int, below_hi: int) -> tuple[float, float]:
    """(p_pass, p_fail) of a median against a band [lo, hi] (module doc), from the numbers
    of seeds known to lie strictly above / below each end (ties and unknowns left out).
    Also the test of :mod:`.equivalent`, whose band is [1/c, c]."""
    p_pass = max(stats.sign_test(above_lo, below_lo), stats.sign_test(below_hi, above_hi))
    p_fail = min(1.0, 2.0 * min(stats.sign_test(above_hi, below_hi), stats.sign_test(below_lo, above_lo)))
    return p_pass, p_fail


def _sign_p(r: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """(p_pass, p_fail) of the median of ``r`` against [lo, hi] (module doc)."""
    return band_p(int((r > lo).sum()), int((r < lo).sum()), int((r > hi).sum()), int((r < hi).sum()))


def evaluate_ratio(claim: dict, ev: Evidence) -> dict:
    label, alpha = claim["algorithm"], claim["alpha"]
    c_lo, c_hi = claim["c_lo"], claim["c_hi"]
    usable, skipped = applicable_points(claim, ev, label, allow_hidden=True)
    if not usable:
        return no_points(claim, skipped, f"no runs of {label}")
    m = len(usable)
    rows, all_runs = [], []
    for pk, point, runs, bound, stat, (seeds, values, censored, statuses) in usable:
        all_runs += runs
        r = as_upper_open(values, censored) / bound
        b_range = ev.bound_range(label, pk, claim["bound"])
        narrow, wide = (c_lo, c_hi), (c_lo, c_hi)
        if b_range:
            narrow = (c_lo * b_range[1] / bound, c_hi * b_range[0] / bound)
            wide = (c_lo * b_range[0] / bound, c_hi * b_range[1] / bound)
        known = r[~np.isnan(r)]
        p_pass, p_fail = _sign_p(known, *narrow)[0], _sign_p(known, *wide)[1]
        if len(runs) < claim["min_seeds"]:
            p_pass = p_fail = 1.0
        med = float(stats.median(known)) if known.size else math.nan
        lo, hi, _ = stats.median_interval(known, 1.0 - alpha)
        rows.append({
            "point": point, "bound": bound, "statistic": stat, "n_seeds": len(runs),
            "seeds": seeds, "values": values.tolist(), "censored": censored.tolist(),
            "observed": med * bound, "ratio": med, "ratio_ci": [lo, hi], "p_pass": p_pass, "p_fail": p_fail,
        })
        note = censored_note(values, censored, statuses)
        if note and not math.isfinite(med):
            rows[-1]["observed_note"] = note
        if b_range:
            rows[-1].update(bound_range=b_range, estimated=ev.estimate_note(label, pk, claim["bound"]))
    status = decide_rows(rows, "p_pass", "p_fail", alpha)
    # the decisive point: the one farthest outside the band (or closest to its edge)
    decisive = max(rows, key=lambda r: max(r["ratio"] / c_hi, c_lo / r["ratio"] if r["ratio"] > 0 else float("inf")))
    ci = decisive["ratio_ci"]
    lo_all, hi_all = min(r["ratio"] for r in rows), max(r["ratio"] for r in rows)
    reason = (f"Median observed/bound ranges over [{num(lo_all)}, {num(hi_all)}] across {m} points; at {where(decisive['point'])} "
              f"it is {num(decisive['ratio'])} with interval [{num(ci[0])}, {num(ci[1])}] (sign-test p = {decisive['p_pass']:.2g} "
              f"inside, {decisive['p_fail']:.2g} outside; Holm at α = {alpha:g})")
    if status == "fail":
        reason += f": outside [{num(c_lo)}, {num(c_hi)}]"
    elif status == "pass":
        reason += f"; every median lies in [{num(c_lo)}, {num(c_hi)}]"
    elif any(r["n_seeds"] < claim["min_seeds"] for r in rows):
        reason += f"; fewer than min_seeds = {claim['min_seeds']} seeds at some point"
    else:
        reason += f"; the seeds do not decide whether the median lies in [{num(c_lo)}, {num(c_hi)}]"
    est = next((r for r in rows if r.get("bound_range")), None)
    if est:
        reason += f"; the bound is evaluated at an estimated constant, {est['estimated']}, so the band is narrowed to pass and widened to fail over its CI"
    reason += closing(skipped, all_runs, card=True)
    return make_verdict(
        claim, status, reason,
        observed=decisive["observed"], predicted=decisive["bound"], ratio=decisive["ratio"], ci=list(ci),
        points=rows + skipped, algorithm=label, measure=claim["measure"], band=[c_lo, c_hi],
    )
