"""``limit``: an algorithm's runs end within a tolerance of a point.

Claim. ``algorithm`` A, ``point`` p and ``tolerance`` ρ > 0. The point is ``"x_star"``
(the problem's minimiser), a point the problem family names
(:attr:`Problem.named_points <ratecheck.problems.base.Problem.named_points>`, e.g. the
heterogeneous quadratic's ``"frequency-weighted"``: argmin Σ_i w_i f_i with w_i ∝ 1/τ_i,
where vanilla ASGD drifts under fixed compute times), or a list of d numbers. A named point
depends on the instance (and the asynchrony model), so it is resolved at every sweep point
before anything runs (:func:`ratecheck.references.limit_point`; errors name
``claims[i].point``, or the model's field where the model does not determine the point).

Per seed: d_s = ‖x_final − p‖₂, the Euclidean distance (not squared: ρ is in the units of
x) from the iterate the run ends at (:attr:`RunResult.x_final
<ratecheck.engine.trace.RunResult.x_final>`) to p. A **diverged** run's distance is +∞:
it counts against the claim, never dropped. An **errored** run is left out and the claim
is ``error`` (:func:`~ratecheck.verdict.flag_errors`). A run without ``x_final`` (a result
stored before it was recorded), with another dimension than p, or with a non-finite one
without being marked diverged makes its point ``not-applicable``.

The claim is about θ, the **median** of d over seeds ("the typical run ends within ρ of
p"): θ ≤ ρ at every sweep point. Test, as a ``value`` claim's ``"<="`` (:mod:`.value`): the
exact sign test of the median against ρ, the dual of the distribution-free order-statistic
bound, so a point passes when the upper confidence bound of θ is below ρ, fails when the
lower bound is above it, and is inconclusive otherwise; Holm's correction across points
(:mod:`.decision`); a point with fewer than ``min_seeds`` seeds tests nothing. With n
seeds the smallest p is 2^−n on both sides (:func:`min_p`, :mod:`.reach`).

The runs must go to their horizon: runs that stop at their target ε end wherever they
first reach it, so a spec with ``horizon.stop_at_target`` is refused (:func:`spec_refusal`).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import SpecError
from .claims import point_text
from .decision import decide_rows, decisive_row, sentence
from .evidence import Evidence, make_verdict, no_points, num, where
from .horizon import ending
from .ordering import min_p as one_sided_min_p
from .value import median_row


def min_p(n_seeds: int, claim: dict) -> tuple[float, float]:
    """Smallest (p_pass, p_fail) of one point with ``n_seeds`` seeds: 2^−n each."""
    return one_sided_min_p(n_seeds)


def spec_refusal(claim: dict, horizon) -> SpecError | None:
    """Why the spec's ``[horizon]`` cannot give ``claim`` the iterates its runs end at, as
    the error to raise; None when it can."""
    if horizon.stop_at_target:
        return SpecError("horizon.stop_at_target", f"claims[{claim['index']}] reads where {claim['algorithm']}'s runs end, "
                         "but runs that stop at their target ε end where they first reach it, not at the horizon; set "
                         "stop_at_target = false")
    return None


def _distance(r, p: np.ndarray) -> tuple[float, str | None]:
    """‖x_final − p‖ of run ``r`` (+∞ if it diverged), or why it has none."""
    if r.status == "diverged":
        return math.inf, None
    who = f"{r.meta.get('algorithm')} seed {r.meta.get('seed')}"
    x = np.asarray(r.x_final, dtype=float)
    if x.size == 0:
        return math.nan, f"{who} has no final iterate (a result stored before x_final was recorded: rerun it)"
    if x.shape != p.shape:
        return math.nan, f"{who} ends at a point of dimension {x.size}, the claim's point has {p.size}"
    d = float(np.linalg.norm(x - p))
    if not math.isfinite(d):
        return math.nan, f"{who} ends at a non-finite point but is not marked diverged"
    return d, None


def evaluate_limit(claim: dict, ev: Evidence) -> dict:
    label, alpha, tol, name = claim["algorithm"], claim["alpha"], claim["tolerance"], point_text(claim["point"])
    rows, skipped, all_runs = [], [], []
    for pk in ev.point_keys(label):
        point, runs, p = ev.points[pk], ev.runs(label, pk), ev.reference(claim, "point", pk)
        known = [r for r in runs if r.status != "error"]
        got = [_distance(r, np.asarray(p, dtype=float)) for r in known] if p is not None else []
        why = f"the point {name!r} was not resolved at this point" if p is None else next((w for _, w in got if w), None)
        if why:
            skipped.append({"point": point, "status": "not-applicable", "reason": f"No distance to {name}: {why}"})
            continue
        all_runs += runs
        d = np.array([x for x, _ in got], dtype=float)
        rows.append({"point": point, "limit_point": list(p), "tolerance": tol, "n_seeds": len(known),
                     "seeds": [r.meta.get("seed") for r in known], "distances": d.tolist(),
                     "diverged": [r.status == "diverged" for r in known], **median_row(d, -math.inf, tol, alpha)})
    if not rows:
        return no_points(claim, skipped, f"no runs of {label}")
    m = len(rows)
    status = decide_rows(rows, "p_pass", "p_fail", alpha, claim["min_seeds"], count="n_seeds")
    decisive = decisive_row(rows, status, "p_pass", "p_fail", claim["min_seeds"], count="n_seeds")
    at = where(decisive["point"])
    reason = sentence(
        status, at, alpha=alpha, m=m, n=decisive["n_seeds"], min_seeds=claim["min_seeds"], seeds="seeds",
        counts=f"{decisive['inside']} of {decisive['n_seeds']} seeds within {tol:g}, {decisive['above']} farther",
        held=f"{label}'s runs end within {tol:g} of {name}: the sign test puts the median distance below it at all {m} points",
        p_held=decisive["p_pass"], refuted=f"{label}'s runs end farther than {tol:g} from {name}", p_refuted=decisive["p_fail"],
        unshown=f"Neither within nor beyond {tol:g} of {name} at {at}", p_both=f"{decisive['p_pass']:.2g} and {decisive['p_fail']:.2g}")
    lo, hi = decisive["median_ci"]
    reason += f"; median ‖x_final − {name}‖ = {num(decisive['median'])} (CI [{num(lo)}, {num(hi)}])"
    if isinstance(claim["point"], str):
        reason += f", {name} = [{', '.join(num(x) for x in decisive['limit_point'])}]"
    reason += ending(skipped, all_runs, diverged="distance +∞, counted against the claim", errored="left out")
    return make_verdict(
        claim, status, reason, observed=decisive["median"], predicted=tol, ratio=decisive["median"] / tol,
        ci=decisive["median_ci"], points=rows + skipped, algorithm=label, tolerance=tol, limit_point=decisive["limit_point"],
    )
