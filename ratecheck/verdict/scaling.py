"""``scaling``: observed complexity scales in a swept variable like the card's bound.

For each group of points that differ only in ``variable`` (v), fit the exponent b of
T ≈ C·v^b by least squares on log T (:func:`~ratecheck.verdict.stats.exponent_fit`,
paired by seed when every point ran the same seeds) and compare it with the card's
exponent over the same range, b_card = the least-squares slope of log bound on log v
(the average local exponent d log bound / d log v over the swept values; it is
exact when the bound is a power law in v).

Decision against the band [b_card − tolerance, b_card + tolerance], from the t
statistic of b (standard error se, df from the fit): p_pass = max(P(T ≥ (b − lo)/se),
P(T ≤ (b − hi)/se)) (two one-sided tests: b lies inside the band; Schuirmann 1987),
p_fail = min(1, 2 · min(P(T ≤ (b − lo)/se), P(T ≥ (b − hi)/se))) (b lies outside, on
either side), then :mod:`.decision` (Holm on both sides across the G groups). A group
tests nothing (p = 1) with fewer than 3 values of v, fewer than ``min_seeds`` seeds,
or when some seed never reached ε (the fit would then use the other seeds, which
biases b low). A point where some seed already meets ε at the start (complexity 0,
no logarithm) is flagged and left out of the fit, with a note; the group is fitted
on its other points.

Competing rate models are compared by AIC on the same pooled log T data (the card's
bound times a constant; a power law with free exponent; power laws with the half-
integer exponents within 1 of b_card), as in plasma-umass/bigO.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict

import numpy as np

from ..errors import SpecError
from . import stats
from .complexity import point_key
from .decision import decide
from .evidence import Evidence, closing, make_verdict, no_points, num, where
from .holds import applicable_points


def rate_models(log_x: np.ndarray, log_bound: np.ndarray, log_y: list[np.ndarray], b_card: float) -> list[dict]:
    """AIC of candidate rate models fitted to the pooled (log v_j, log T_ij) data."""
    x = np.concatenate([np.full(len(y), lx) for lx, y in zip(log_x, log_y)])
    lb = np.concatenate([np.full(len(y), b) for b, y in zip(log_bound, log_y)])
    y = np.concatenate(log_y)
    fits = []
    coef = np.polyfit(x, y, 1)
    fits.append({"model": "power law, fitted exponent", "exponent": float(coef[0]), "aic": stats.gaussian_aic(y - np.polyval(coef, x), 2)})
    fits.append({"model": "card bound × constant", "exponent": b_card, "aic": stats.gaussian_aic(y - lb - np.mean(y - lb), 1)})
    lo, hi = math.ceil(2 * (b_card - 1)), math.floor(2 * (b_card + 1))
    for e in (h / 2 for h in range(lo, hi + 1)):
        fits.append({"model": f"power law, exponent {e:g}", "exponent": e, "aic": stats.gaussian_aic(y - e * x - np.mean(y - e * x), 1)})
    best = min(f["aic"] for f in fits)
    for f, w in zip(fits, stats.akaike_weights([f["aic"] for f in fits])):
        f["delta_aic"] = f["aic"] - best
        f["weight"] = w
    return fits


def _t_p(slope: float, se: float, df: float, lo: float, hi: float) -> tuple[float, float]:
    """(p_pass, p_fail) of the fitted exponent against the band [lo, hi] (module doc)."""
    from scipy.stats import t as student

    if se == 0.0:  # no spread over seeds: the exponent is known exactly
        inside = lo <= slope <= hi
        return (0.0, 1.0) if inside else (1.0, 0.0)
    above_lo, below_hi = (slope - lo) / se, (slope - hi) / se
    p_pass = max(float(student.sf(above_lo, df)), float(student.cdf(below_hi, df)))
    p_fail = min(1.0, 2.0 * min(float(student.cdf(above_lo, df)), float(student.sf(below_hi, df))))
    return p_pass, p_fail


def fit_group(rows, claim):
    """Fit one group (rows sorted by v); returns a dict with p-values and numbers."""
    alpha, var = claim["alpha"], claim["variable"]
    zero = [r for r in rows if any(v == 0 and not c for v, c in zip(r["values"], r["censored"]))]
    rows = [r for r in rows if r not in zero]
    out = {"p_pass": 1.0, "p_fail": 1.0, "dropped": [r["point"] for r in zero]}
    if zero:
        out["note"] = (f"left out {len(zero)} point{'s' * (len(zero) != 1)} where a seed meets ε at the start "
                       f"({', '.join(where(r['point']) for r in zero)}): complexity 0 has no logarithm")
    if len({r["point"][var] for r in rows}) < 3:
        out.update(status="inconclusive", why=f"only {len(rows)} values of {var} to fit (need ≥ 3)")
        return out
    v = np.array([float(r["point"][var]) for r in rows])
    log_x, log_bound = np.log(v), np.log([r["bound"] for r in rows])
    b_card = float(stats.slope_weights(log_x) @ log_bound)
    seed_sets = [tuple(r["seeds"]) for r in rows]
    cens = [np.asarray(r["censored"]) for r in rows]
    n_censored = int(sum(c.sum() for c in cens))
    out.update(values=v.tolist(), predicted=b_card, n_censored=n_censored)
    if all(s == seed_sets[0] for s in seed_sets):
        keep = ~np.any(np.vstack(cens), axis=0)
        log_y = np.log(np.vstack([np.asarray(r["values"])[keep] for r in rows]).T)
        n_used = int(keep.sum())
        per_point = list(log_y.T)
        design = log_y
    else:
        per_point = [np.log(np.asarray(r["values"])[~c]) for r, c in zip(rows, cens)]
        n_used = min(len(p) for p in per_point)
        design = per_point
    out["n_seeds"] = n_used
    if n_used < max(claim["min_seeds"], 2):
        lost = f"; {n_censored} seed-points never reached ε" if n_censored else ""
        out.update(status="inconclusive", why=f"only {n_used} usable seeds (min_seeds = {claim['min_seeds']}){lost}")
        return out
    fit = stats.exponent_fit(log_x, design, 1.0 - alpha)
    lo, hi = b_card - claim["tolerance"], b_card + claim["tolerance"]
    out.update(observed=fit["slope"], ci=fit["ci"], se=fit["se"], df=fit["df"], method=fit["method"], band=[lo, hi])
    out["models"] = rate_models(log_x, log_bound, per_point, b_card)
    out["geomean"] = [float(np.exp(p.mean())) for p in per_point]
    if n_censored:
        out.update(status="inconclusive", why=f"{n_censored} seed-points never reached ε, so the fit on the rest is biased")
        return out
    out["p_pass"], out["p_fail"] = _t_p(fit["slope"], fit["se"], fit["df"], lo, hi)
    out.update(status=None, why="")
    return out


def evaluate_scaling(claim: dict, ev: Evidence) -> dict:
    label, var = claim["algorithm"], claim["variable"]
    keys = ev.point_keys(label)
    swept = sorted({k for pk in keys for k in ev.points[pk]})
    if keys and var not in swept:
        raise SpecError(f"claims[{claim['index']}].variable", f"{var!r} is not a swept variable (swept: {', '.join(swept)})")
    usable, skipped = applicable_points(claim, ev, label, allow_hidden=True)
    groups = defaultdict(list)
    all_runs = []
    for pk, point, runs, bound, stat, (seeds, values, censored, _) in usable:
        all_runs += runs
        if not (isinstance(point.get(var), (int, float)) and point[var] > 0):
            raise SpecError(f"claims[{claim['index']}].variable", f"{var} must be a positive number at every point, got {point.get(var)!r}")
        rest = {k: v for k, v in point.items() if k != var}
        groups[point_key(rest)].append({"point": point, "bound": bound, "statistic": stat, "seeds": seeds, "values": values.tolist(), "censored": censored.tolist()})
    fits = []
    for gk in sorted(groups):
        rows = sorted(groups[gk], key=lambda r: r["point"][var])
        fit = fit_group(rows, claim)
        fit.update(group=json_rest(gk), points=rows)
        fits.append(fit)
    if not fits:
        return no_points(claim, skipped, f"no runs of {label}")
    status, per = decide([f["p_pass"] for f in fits], [f["p_fail"] for f in fits], claim["alpha"])
    for f, st in zip(fits, per):
        if f["status"] is None or st != "inconclusive":
            f["status"] = st
        if st == "inconclusive" and not f["why"]:
            f["why"] = f"the interval straddles the tolerance band (p = {f['p_pass']:.2g} inside, {f['p_fail']:.2g} outside)"
    decisive = next((f for f in fits if f["status"] == status), fits[0])
    scope = f" at {where(decisive['group'])}" if decisive["group"] else ""
    if "observed" in decisive:
        best = min(decisive["models"], key=lambda f: f["aic"])
        ci = decisive["ci"]
        reason = (
            f"Fitted exponent in {var}{scope}: {num(decisive['observed'])} (CI [{num(ci[0])}, {num(ci[1])}], {decisive['method']}, "
            f"{decisive['n_seeds']} seeds) vs the card's {num(decisive['predicted'])} ± {num(claim['tolerance'])} "
            f"(p = {decisive['p_pass']:.2g} inside, {decisive['p_fail']:.2g} outside; Holm at α = {claim['alpha']:g}); "
            f"AIC prefers “{best['model']}” (weight {best['weight']:.2f})"
        )
        if decisive["why"] and status == "inconclusive":
            reason += f"; inconclusive: {decisive['why']}"
    else:
        reason = f"Inconclusive{scope}: {decisive['why']}"
    dropped = [f["note"] for f in fits if f.get("note")]
    if dropped:
        reason += "; " + "; ".join(dropped)
    notes = sorted({n for pk, *_ in usable if (n := ev.estimate_note(label, pk, claim["bound"]))})
    if notes:
        reason += f"; the bound is evaluated at an estimated constant, {notes[0]} (its exponent in {var} may differ at the true value)"
    reason += closing(skipped, all_runs, card=True)
    return make_verdict(
        claim, status, reason,
        observed=decisive.get("observed"), predicted=decisive.get("predicted"), ratio=None, ci=decisive.get("ci"),
        points=[dict(r, group=f["group"]) for f in fits for r in f["points"]] + skipped,
        fits=[{k: v for k, v in f.items() if k != "points"} for f in fits],
        algorithm=label, measure=claim["measure"], variable=var, tolerance=claim["tolerance"],
    )


def json_rest(gk: str) -> dict:
    """The fixed coordinates of a group, back from their key."""
    return json.loads(gk)
