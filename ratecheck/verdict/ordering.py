"""``ordering``: one algorithm reaches ε sooner than another, seed by seed.

Runs with the same seed share their random numbers (common random numbers), so the
comparison is paired: at each point, seed i is a *win* when ``faster`` hits ε strictly
before ``slower``, a *loss* when strictly after, a tie when equal. Censoring is
resolved where it decides the pair: a censored ``faster`` whose run ended at or after
``slower``'s hit is a loss (it needed more), and symmetrically; a diverged run never
reaches ε (censored at +∞); otherwise (both censored, or censored earlier than the
other's hit) the pair is unknown and left out like a tie.

At each point the exact sign test (Dixon & Mood 1946, :func:`scipy.stats.binomtest`)
gives p_pass = P(≥ wins | no difference) and p_fail = P(≥ losses | no difference);
:mod:`.decision` turns them into pass / fail / inconclusive with Holm's correction on
both sides. With n paired seeds the smallest p is 2^−n, so a claim over m points can
be decided only when 2^−n ≤ α/m (:func:`min_p`; the spec loader refuses it otherwise).
A point with fewer than ``min_seeds`` paired seeds tests nothing (p = 1).

The effect size is the median over seeds of T_faster/T_slower with its exact
order-statistic interval (:func:`~ratecheck.verdict.stats.median_interval`); where
both cards give explicit bounds, their ratio is reported as ``predicted``.

With ``at`` (a horizon) the claim compares the statistic's value there instead of the
time to ε: :mod:`.horizon`.
"""

from __future__ import annotations

import math

import numpy as np

from . import stats
from .decision import decide_rows, sentence
from .evidence import Evidence, closing, make_verdict, no_points, num, where


def pair_outcomes(vf, cf, vs, cs) -> np.ndarray:
    """+1 win, −1 loss, 0 tie or unknown, per paired seed."""
    out = np.zeros(len(vf), dtype=int)
    both = ~cf & ~cs
    out[both] = np.sign(vs[both] - vf[both]).astype(int)
    f_only = cf & ~cs
    out[f_only & (vf >= vs)] = -1  # NaN censoring values compare False: unknown
    s_only = cs & ~cf
    out[s_only & (vs >= vf)] = 1
    return out


def min_p(n_seeds: int) -> tuple[float, float]:
    """Smallest (p_pass, p_fail) of one point with ``n_seeds`` paired seeds: 2^−n each."""
    return 0.5**n_seeds, 0.5**n_seeds


def predicted_ratio(ev: Evidence, first: str, second: str, measure: str, pk: str):
    """bound(first)/bound(second) when both cards give explicit bounds on ``measure``."""
    preds = [ev.predictions.get((lab, pk)) for lab in (first, second)]
    vals = []
    for p in preds:
        if not p or p.get("missing") or (p.get("constants") or {}).get(measure) == "hidden":
            return None
        b = (p.get("bounds") or {}).get(measure)
        if not isinstance(b, (int, float)) or not math.isfinite(b) or b <= 0:
            return None
        vals.append(float(b))
    return vals[0] / vals[1]


def paired_points(claim: dict, ev: Evidence, f_lab: str, s_lab: str, read=None) -> tuple[list[tuple], list[dict]]:
    """The sweep points both ``f_lab`` and ``s_lab`` ran at, in sweep order, as
    ``(pk, point, runs, statistic, a, b)``, and the ``not-applicable`` rows of the points
    that cannot be compared. ``read(runs_f, runs_s, statistic, point)`` gives ``(a, b)``,
    what the claim compares, or the reason a point cannot be compared; by default each
    one's per-seed :meth:`~ratecheck.verdict.evidence.Evidence.seed_values` on the
    claim's measure."""
    def seed_values(rf, rs, stat, point):
        a, b = (ev.seed_values(r, stat, point, claim["measure"]) for r in (rf, rs))
        return (a, b) if a is not None and b is not None else f"ε = {num(point.get('eps'))} or {stat} was not tracked"

    read = read or seed_values
    keys = [pk for pk in ev.point_keys(f_lab) if pk in set(ev.point_keys(s_lab))]
    usable, skipped = [], []
    for pk in keys:
        point, rf, rs = ev.points[pk], ev.runs(f_lab, pk), ev.runs(s_lab, pk)
        stat_f, stat_s = ev.statistic(claim, rf), ev.statistic(claim, rs)
        if stat_f is None or stat_f != stat_s:
            skipped.append({"point": point, "status": "not-applicable", "reason": f"The two algorithms' runs track different statistics ({stat_f}, {stat_s}); give `statistic`"})
            continue
        got = read(rf, rs, stat_f, point)
        if isinstance(got, str):
            skipped.append({"point": point, "status": "not-applicable", "reason": got})
            continue
        usable.append((pk, point, rf + rs, stat_f, *got))
    return usable, skipped


def paired_seeds(a, b) -> tuple[list, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The seeds both runs of :func:`paired_points` have, sorted, and on them the values and
    censoring flags of each: ``(seeds, values_a, censored_a, values_b, censored_b)``."""
    common = sorted(set(a[0]) & set(b[0]), key=lambda s: (s is None, s))
    ia = [a[0].index(s) for s in common]
    ib = [b[0].index(s) for s in common]
    return common, a[1][ia], a[2][ia], b[1][ib], b[2][ib]


def seed_pairs(claim: dict, ev: Evidence, a_lab: str, b_lab: str) -> tuple[list[tuple], list[dict], list]:
    """:func:`paired_points` on the claim's measure with each point's seeds paired: the rows
    ``(pk, point, statistic, paired)`` with ``paired`` as :func:`paired_seeds` gives it, the
    points that cannot be compared, and every run of the usable points."""
    usable, skipped = paired_points(claim, ev, a_lab, b_lab)
    rows = [(pk, point, stat, paired_seeds(a, b)) for pk, point, _, stat, a, b in usable]
    return rows, skipped, [r for u in usable for r in u[2]]


def evaluate_ordering(claim: dict, ev: Evidence) -> dict:
    if claim.get("at") is not None:
        from .horizon import evaluate_at_horizon

        return evaluate_at_horizon(claim, ev)
    f_lab, s_lab, alpha, measure = claim["faster"], claim["slower"], claim["alpha"], claim["measure"]
    usable, skipped, all_runs = seed_pairs(claim, ev, f_lab, s_lab)
    if not usable:
        return no_points(claim, skipped, f"{f_lab} and {s_lab} share no sweep point")
    m = len(usable)
    rows = []
    for pk, point, stat, (common, vf, cf, vs, cs) in usable:
        outcome = pair_outcomes(vf, cf, vs, cs)
        wins, losses = int((outcome == 1).sum()), int((outcome == -1).sum())
        p_win, p_loss = stats.sign_test(wins, losses), stats.sign_test(losses, wins)
        # faster/slower per seed; a censored slower run's value is a lower bound of its
        # hit, a censored faster run gives ∞: each entry bounds the true ratio from above,
        # so their median bounds the true median (exact when nothing is censored)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(cf, np.inf, vf / vs)
        upper = bool(np.any(cf | cs))
        r = r[~np.isnan(r)]
        med, ci = math.nan, [math.nan, math.nan]
        if r.size:
            med = float(stats.median(r))
            ci = list(stats.median_interval(r, 1.0 - alpha)[:2])
        rows.append({
            "point": point, "n_pairs": len(common), "seeds": common, "statistic": stat,
            "wins": wins, "losses": losses, "ties_or_unknown": len(common) - wins - losses,
            "p_faster": p_win, "p_slower": p_loss, "ratio": med, "ratio_ci": ci, "ratio_is_upper_bound": upper,
            "faster_values": vf.tolist(), "faster_censored": cf.tolist(),
            "slower_values": vs.tolist(), "slower_censored": cs.tolist(),
            "predicted_ratio": predicted_ratio(ev, f_lab, s_lab, measure, pk),
        })
    status = decide_rows(rows, "p_faster", "p_slower", alpha, claim["min_seeds"])
    decisive = next((r for r in rows if r["status"] == status), None) or max(rows, key=lambda r: r["p_faster"])
    row = max(rows, key=lambda r: r["p_faster"]) if status == "pass" else decisive
    reason = sentence(
        status, where(row["point"]), alpha=alpha, m=m, n=row["n_pairs"], min_seeds=claim["min_seeds"],
        seeds="paired seeds", counts=f"{row['wins']} wins, {row['losses']} losses"
        + ("" if status == "pass" else f", {row['ties_or_unknown']} ties or unknown"),
        held=f"{f_lab} wins the paired sign test at all {m} points", p_held=row["p_faster"],
        refuted=f"{s_lab} is faster", p_refuted=row["p_slower"],
        refuted_counts=f"{row['losses']} of {row['n_pairs']} paired seeds",
        unshown=f"No significant ordering at {where(row['point'])}",
        p_both=f"{row['p_faster']:.2g} and {row['p_slower']:.2g}")
    bounded = decisive["ratio_is_upper_bound"]
    reason += f"; median {measure} ratio {'≤ ' if bounded else ''}{num(decisive['ratio'])}" + (" (censored seeds count at their horizon)" if bounded else "")
    reason += closing(skipped, all_runs, card=False)
    return make_verdict(
        claim, status, reason,
        observed=decisive["ratio"], predicted=decisive["predicted_ratio"], ratio=decisive["ratio"], ci=decisive["ratio_ci"],
        points=rows + skipped, faster=f_lab, slower=s_lab, measure=measure,
    )
