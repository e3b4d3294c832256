"""``value``: the median of an algorithm's statistic at a horizon is ≤, ≥ or ≈ a reference.

Claim. ``algorithm`` A, ``statistic`` s (default: the runs' own, as every claim), ``at`` a
horizon H (``"horizon"``, the default, ``{ time = T }`` or ``{ iterations = K }``), a
``relation`` and a ``reference`` r. The claim is about θ, the **median** over seeds of the
value of s at H (a median, not a mean: a diverged run has no finite value, and one such
run must not decide a mean). At every sweep point

* ``"<="``: θ ≤ r;   ``">="``: θ ≥ r;
* ``"≈"``: θ ∈ [r − δ, r + δ], δ = ``atol``, or ``rtol`` · |r|.

Values, as :mod:`.horizon` reads them for ``ordering`` with ``at``: seed s gives v_s, the
statistic at the run's last checkpoint, which is H exactly (the spec is refused otherwise,
naming the field: :func:`~ratecheck.verdict.horizon.spec_refusal`,
:func:`~ratecheck.verdict.horizon.plan_refusal`); a **diverged** run's value is +∞ (larger
than any reference: it counts against ``<=`` and ``≈``); an **errored** run's is unknown, it
is left out and the claim is ``error`` (:func:`~ratecheck.verdict.flag_errors`). A run
whose value is not exact at H (it ended elsewhere, or its value is NaN, or infinite without
the run being marked diverged) makes its point ``not-applicable``.

Test: exact sign tests of the median (Dixon & Mood 1946,
:func:`~ratecheck.verdict.stats.sign_test`) against the band's ends, ties with an end left
out. A sign test rejects "θ ≥ c" at level a exactly when the distribution-free
order-statistic upper confidence bound of θ at level 1 − a lies below c (Conover 1999,
*Practical Nonparametric Statistics*, §3.2), so each decision is a confidence interval's:

* ``"<="``: p_pass = P(Bin(b + a, ½) ≥ b), b seeds below r and a above (pass: the upper
  confidence bound of θ is below r); p_fail = P(Bin(b + a, ½) ≥ a) (fail: the lower bound
  is above r). ``">="`` mirrors it.
* ``"≈"``: two one-sided tests (TOST; Schuirmann 1987, J. Pharmacokinet. Biopharm. 15(6),
  657–680): p_pass = max(p(θ > r − δ), p(θ < r + δ)), i.e. both one-sided bounds lie inside
  the band, the interval inside the tolerance; p_fail = min(1, 2 min(p(θ > r + δ),
  p(θ < r − δ))) (Bonferroni over the two sides): ``ratio-bounded``'s band test,
  :func:`~ratecheck.verdict.ratio.band_p`. Seeds whose values spread past both ends ("no
  difference found") leave p_pass large: ``inconclusive``, never ``pass``.

Then :mod:`.decision`: Holm's correction across the m points on both sides; a point with
fewer than ``min_seeds`` seeds tests nothing. With n seeds the smallest p is 2^−n on both
sides of ``<=``/``>=`` and (2^−n, 2^(1−n)) for ``≈`` (:func:`min_p`): :mod:`.reach` refuses
a claim its seeds can never decide. Reported: the median with its two-sided (1 − α)
order-statistic interval (:func:`~ratecheck.verdict.stats.median_interval`), the reference
and band, the seeds below / inside / above it, both p-values.

Reference: a number, or a formula in the cards' language (:mod:`ratecheck.theory.language`)
over the instance's **exact** constants (``L``, ``mu``, ``sigma2``, ``Delta``, ``D``,
``f_star``…, as the problem family declares them), ``n``, ``eps`` and the compute-time
names of the model (``tau_max``, ``tau_avg``, ``tau(i)``, ``H(m)``…), evaluated at every
sweep point before anything runs (:func:`ratecheck.references.value_reference`; errors name
``claims[i].reference``).
A certified or estimated constant is refused: a one-sided or uncertain number is not a
reference to test against.
"""

from __future__ import annotations

import math

import numpy as np

from . import stats
from .claims import at_text, reference_text
from .decision import decide_rows, decisive_row, sentence
from .evidence import Evidence, make_verdict, no_points, num, where
from .horizon import ending, not_at_horizon, run_value
from .ordering import min_p as one_sided_min_p
from .ratio import band_p, min_p as two_sided_min_p


def min_p(n_seeds: int, claim: dict) -> tuple[float, float]:
    """Smallest (p_pass, p_fail) of one point with ``n_seeds`` seeds (module doc)."""
    return two_sided_min_p(n_seeds) if claim["relation"] == "≈" else one_sided_min_p(n_seeds)


def band(claim: dict, r: float) -> tuple[float, float]:
    """[lo, hi], the values of the median the claim allows at reference ``r`` (an infinite
    end for ``<=`` and ``>=``)."""
    if claim["relation"] == "<=":
        return -math.inf, r
    if claim["relation"] == ">=":
        return r, math.inf
    delta = claim["atol"] if claim.get("atol") is not None else claim["rtol"] * abs(r)
    return r - delta, r + delta


def band_test(v: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """(p_pass, p_fail) of "the median of ``v`` lies in [lo, hi]" by exact sign tests
    (module doc); an infinite end is no constraint, so one finite end is a one-sided test."""
    below_lo, above_lo = int((v < lo).sum()), int((v > lo).sum())
    below_hi, above_hi = int((v < hi).sum()), int((v > hi).sum())
    if math.isinf(lo):
        return stats.sign_test(below_hi, above_hi), stats.sign_test(above_hi, below_hi)
    if math.isinf(hi):
        return stats.sign_test(above_lo, below_lo), stats.sign_test(below_lo, above_lo)
    return band_p(above_lo, below_lo, above_hi, below_hi)


def median_row(v: np.ndarray, lo: float, hi: float, alpha: float) -> dict:
    """The numbers of one point: counts against [lo, hi], both p-values, the median and its
    (1 − α) order-statistic interval."""
    p_pass, p_fail = band_test(v, lo, hi)
    med, ci = math.nan, [math.nan, math.nan]
    if v.size:
        med = float(stats.median(v))
        ci = list(stats.median_interval(v, 1.0 - alpha)[:2])
    below, above = int((v < lo).sum()), int((v > hi).sum())
    return {"band": [lo, hi], "below": below, "inside": int(v.size) - below - above, "above": above,
            "p_pass": p_pass, "p_fail": p_fail, "median": med, "median_ci": ci}


# --- the verdict ------------------------------------------------------------------------------

def _counts(row: dict, relation: str) -> str:
    """``7 of 8 seeds ≤ 0.5, 1 above`` (one-sided) or the counts in and on either side of the band."""
    lo, hi = row["band"]
    n = row["n_seeds"]
    if relation == "<=":
        return f"{row['inside']} of {n} seeds ≤ {num(hi)}, {row['above']} above"
    if relation == ">=":
        return f"{row['inside']} of {n} seeds ≥ {num(lo)}, {row['below']} below"
    return f"{row['inside']} of {n} seeds inside [{num(lo)}, {num(hi)}], {row['below']} below, {row['above']} above"


def evaluate_value(claim: dict, ev: Evidence) -> dict:
    label, alpha, at, rel = claim["algorithm"], claim["alpha"], claim["at"], claim["relation"]
    rows, skipped, all_runs = [], [], []
    for pk in ev.point_keys(label):
        point, runs = ev.points[pk], ev.runs(label, pk)
        stat, r = ev.statistic(claim, runs), ev.reference(claim, "reference", pk)
        why = ("the runs track no statistic; give `statistic`" if stat is None else
               f"the formula {claim['reference']!r} was not evaluated at this point" if r is None else
               not_at_horizon(runs, stat, at))
        if why:
            skipped.append({"point": point, "status": "not-applicable", "reason": f"No exact value {at_text(at)}: {why}"})
            continue
        all_runs += runs
        known = [x for x in runs if x.status != "error"]
        v = np.array([run_value(x, stat) for x in known], dtype=float)
        rows.append({"point": point, "statistic": stat, "at": at, "n_seeds": len(known), "seeds": [x.meta.get("seed") for x in known],
                     "values": v.tolist(), "diverged": [x.status == "diverged" for x in known], "reference": r,
                     **median_row(v, *band(claim, r), alpha)})
    if not rows:
        return no_points(claim, skipped, f"no runs of {label}")
    m = len(rows)
    status = decide_rows(rows, "p_pass", "p_fail", alpha, claim["min_seeds"], count="n_seeds")
    when, ref = at_text(at), reference_text(claim)
    decisive = decisive_row(rows, status, "p_pass", "p_fail", claim["min_seeds"], count="n_seeds")
    stat, at_ = decisive["statistic"], where(decisive["point"])
    test = "both one-sided sign tests (TOST)" if rel == "≈" else "the sign test"
    reason = sentence(
        status, at_, alpha=alpha, m=m, n=decisive["n_seeds"], min_seeds=claim["min_seeds"], seeds="seeds",
        counts=_counts(decisive, rel), held=f"{label}'s median {stat} {when} is {ref} at all {m} points by {test}",
        p_held=decisive["p_pass"], refuted=f"{label}'s median {stat} {when} is not {ref}", p_refuted=decisive["p_fail"],
        sides="×2 for the two sides; " if rel == "≈" else "", unshown=f"Neither shown at {at_}",
        p_both=f"{decisive['p_pass']:.2g} for {ref}, {decisive['p_fail']:.2g} against",
        caveat="; finding no difference is not evidence of equality" if rel == "≈" else "")
    reason += (f"; median {stat} {num(decisive['median'])} (CI [{num(decisive['median_ci'][0])}, {num(decisive['median_ci'][1])}]), "
               f"reference {num(decisive['reference'])}")
    reason += ending(skipped, all_runs, errored="left out")
    med, r = decisive["median"], decisive["reference"]
    return make_verdict(
        claim, status, reason, observed=med, predicted=r, ratio=med / r if r > 0 else None, ci=decisive["median_ci"],
        points=rows + skipped, algorithm=label, statistic=stat, at=at, relation=rel, band=decisive["band"],
    )
