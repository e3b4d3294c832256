"""``scaling``: observed complexity scales in a swept variable like the card's bound.

For each group of points that differ only in ``variable`` (v), fit the exponent b of
T ≈ C·v^b by least squares on log T (:func:`~ratecheck.verdict.stats.exponent_fit`,
paired by seed when every point ran the same seeds) and compare it with the card's
exponent over the same range, b_card = the least-squares slope of log bound on log v
(the average local exponent d log bound / d log v over the swept values; it is
exact when the bound is a power law in v).

Decision against the band [b_card − tolerance, b_card + tolerance]: ``pass`` when the
(1 − α) interval of b lies inside it, ``fail`` when the (1 − α/G) interval (Bonferroni
over G groups) lies outside it, ``inconclusive`` otherwise, with fewer than 3 values
of v, with fewer than ``min_seeds`` seeds, or when some seed never reached ε (the fit
then uses the other seeds, which biases b low, so it can only be inconclusive).

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
from .evidence import Evidence, failures_note, make_verdict, num, where
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


def fit_group(rows, claim, m_groups):
    """Fit one group (rows sorted by v); returns a dict with status and numbers."""
    alpha, var = claim["alpha"], claim["variable"]
    v = np.array([float(r["point"][var]) for r in rows])
    log_x, log_bound = np.log(v), np.log([r["bound"] for r in rows])
    b_card = float(stats.slope_weights(log_x) @ log_bound)
    seed_sets = [tuple(r["seeds"]) for r in rows]
    cens = [np.asarray(r["censored"]) for r in rows]
    n_censored = int(sum(c.sum() for c in cens))
    out = {"values": v.tolist(), "predicted": b_card, "n_censored": n_censored}
    if all(s == seed_sets[0] for s in seed_sets):
        keep = ~np.any(np.vstack(cens), axis=0)
        with np.errstate(divide="ignore"):
            log_y = np.log(np.vstack([np.asarray(r["values"])[keep] for r in rows]).T)
        n_used = int(keep.sum())
        per_point = list(log_y.T)
        design = log_y
    else:
        with np.errstate(divide="ignore"):
            per_point = [np.log(np.asarray(r["values"])[~c]) for r, c in zip(rows, cens)]
        n_used = min(len(p) for p in per_point)
        design = per_point
    out["n_seeds"] = n_used
    if not all(np.isfinite(p).all() for p in per_point):
        out.update(status="inconclusive", why="some seeds reach ε at 0, which has no logarithm")
        return out
    if n_used < max(claim["min_seeds"], 2):
        lost = f"; {n_censored} seed-points never reached ε" if n_censored else ""
        out.update(status="inconclusive", why=f"only {n_used} usable seeds (min_seeds = {claim['min_seeds']}){lost}")
        return out
    fit = stats.exponent_fit(log_x, design, 1.0 - alpha)
    strict = stats.exponent_fit(log_x, design, 1.0 - alpha / m_groups)
    lo, hi = b_card - claim["tolerance"], b_card + claim["tolerance"]
    out.update(observed=fit["slope"], ci=fit["ci"], ci_strict=strict["ci"], se=fit["se"], df=fit["df"], method=fit["method"], band=[lo, hi])
    out["models"] = rate_models(log_x, log_bound, per_point, b_card)
    out["geomean"] = [float(np.exp(p.mean())) for p in per_point]
    if n_censored:
        out.update(status="inconclusive", why=f"{n_censored} seed-points never reached ε, so the fit on the rest is biased")
    elif lo <= fit["ci"][0] and fit["ci"][1] <= hi:
        out.update(status="pass", why="")
    elif strict["ci"][1] < lo or strict["ci"][0] > hi:
        out.update(status="fail", why="")
    else:
        out.update(status="inconclusive", why="the interval straddles the tolerance band")
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
        if len({r["point"][var] for r in rows}) < 3:
            fits.append({"group": json_rest(gk), "status": "inconclusive", "why": f"only {len(rows)} values of {var} (need ≥ 3)", "points": rows})
            continue
        fit = fit_group(rows, claim, len(groups))
        fit.update(group=json_rest(gk), points=rows)
        fits.append(fit)
    if not fits:
        why = skipped[0]["reason"] if skipped else f"no runs of {label}"
        return make_verdict(claim, "not-applicable" if skipped else "inconclusive", why + ".", points=skipped)
    statuses = [f["status"] for f in fits]
    status = "fail" if "fail" in statuses else "pass" if all(s == "pass" for s in statuses) else "inconclusive"
    decisive = next((f for f in fits if f["status"] == status), fits[0])
    scope = f" at {where(decisive['group'])}" if decisive["group"] else ""
    if "observed" in decisive:
        best = min(decisive["models"], key=lambda f: f["aic"])
        ci = decisive["ci"] if status != "fail" else decisive["ci_strict"]
        reason = (
            f"Fitted exponent in {var}{scope}: {num(decisive['observed'])} (CI [{num(ci[0])}, {num(ci[1])}], {decisive['method']}, "
            f"{decisive['n_seeds']} seeds) vs the card's {num(decisive['predicted'])} ± {num(claim['tolerance'])}; "
            f"AIC prefers “{best['model']}” (weight {best['weight']:.2f})"
        )
        if decisive["why"]:
            reason += f"; inconclusive: {decisive['why']}"
    else:
        reason = f"Inconclusive{scope}: {decisive['why']}"
    notes = sorted({n for pk, *_ in usable if (n := ev.estimate_note(label, pk, claim["bound"]))})
    if notes:
        reason += f"; the bound is evaluated at an estimated constant, {notes[0]} (its exponent in {var} may differ at the true value)"
    if skipped:
        reason += f"; the card does not apply at {len(skipped)} point{'s' * (len(skipped) != 1)} ({skipped[0]['reason']})"
    reason += failures_note(all_runs) + "."
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
