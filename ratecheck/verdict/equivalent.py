"""``equivalent``: two algorithms reach ε within a factor c of each other, seed by seed.

Claim. Runs with the same seed share their random numbers, so at a sweep point the
comparison is paired, as for ``ordering`` (:mod:`.ordering`). With T^A_s, T^B_s the
measure (time, iterations, … to ε) of seed s and D_s = log(T^A_s / T^B_s), let θ be
the median of D. The claim, for ``factor`` c > 1, is that at every point

    −log c ≤ θ ≤ log c,   i.e. the median paired ratio T^A/T^B lies in [1/c, c].

Pass side: two one-sided tests (TOST; Schuirmann 1987, "A comparison of the two
one-sided tests procedure and the power approach for assessing the equivalence of
average bioavailability", J. Pharmacokinet. Biopharm. 15(6), 657–680). The null is
non-equivalence, H0: θ ≥ log c or θ ≤ −log c, the union of

* H0⁺: θ ≥ log c, rejected by many seeds with D_s < log c, and
* H0⁻: θ ≤ −log c, rejected by many seeds with D_s > −log c.

H0 is rejected at level α when *both* are (an intersection–union test, Berger 1982,
Technometrics 24(4), 295–300: no multiplicity correction is needed), so
p_pass = max(p⁺, p⁻). Each is an exact sign test (Dixon & Mood 1946,
:func:`~ratecheck.verdict.stats.sign_test`) of the median against its threshold t:
at θ = t a seed not tied with t lies below it with probability ½, so
p⁺ = P(Bin(n⁺, ½) ≥ #{D_s < log c}) with n⁺ the seeds not tied with log c (and
likewise p⁻ with the seeds above −log c); inside H0⁺ the count is stochastically
smaller, so the test has level α on all of H0⁺. Because the pass side needs seeds
*positively* inside [−log c, log c], "no difference found" (few or noisy seeds, whose
log-ratios spread past ±log c) leaves p_pass large: it reads ``inconclusive``, never
``pass``.

Fail side: the null is the claim, H0: |θ| ≤ log c, against θ > log c or θ < −log c.
q⁺ = P(Bin(n⁺, ½) ≥ #{D_s > log c}) tests θ ≤ log c and q⁻ = P(Bin(n⁻, ½) ≥
#{D_s < −log c}) tests θ ≥ −log c; either suffices, so p_fail = min(1, 2 min(q⁺, q⁻))
(Bonferroni over the two sides: when c is close to 1 both one-sided nulls can sit at
their boundaries at once, so the factor 2 is needed in general).

Both are exactly ``ratio-bounded``'s sign tests of a median against a band
(:func:`~ratecheck.verdict.ratio.band_p`), here on the band [1/c, c] of the paired
ratio, then :mod:`.decision` (Holm on both sides across the m points). With n paired
seeds the smallest p_pass is 2^−n and the smallest p_fail 2^(1−n)
(:func:`~ratecheck.verdict.ratio.min_p`); the spec loader refuses a claim whose seeds
can never reach α/m on either side (:mod:`.reach`). A point with fewer than
``min_seeds`` paired seeds tests nothing (p = 1).

Censoring, as ``ordering``: a censored run's value is a lower bound of its hit (a
diverged run never reaches ε: +∞; an errored one: unknown). Seed s is placed against a
threshold e^t by :func:`~ratecheck.verdict.ordering.pair_outcomes` applied to T^A and
e^t·T^B (scaling keeps a lower bound a lower bound): a censored A whose censoring value
is ≥ e^t·T^B lies above t, a censored B with e^t × its censoring value ≥ T^A below it;
otherwise (both censored, or the bound does not reach t) the seed is unknown at that
threshold and left out like a tie. A diverged A thus counts as a ratio of +∞ (against
A), a diverged B as 0.

Reported effect: the median paired ratio A/B, computed on the log scale (so A/B and
B/A are mirror images). Each seed's ratio is known to lie in [lo_s, hi_s] (lo_s = 0
when B is censored, hi_s = ∞ when A is), so the median lies in
[median lo, median hi], reported as a range when censoring leaves it open, with the
exact order-statistic interval (:func:`~ratecheck.verdict.stats.median_interval`) of
lo's lower and hi's upper end. Where both cards give explicit bounds, their ratio is
``predicted``.
"""

from __future__ import annotations

import math

import numpy as np

from . import stats
from .decision import decide_rows, decisive_row, sentence
from .evidence import Evidence, closing, make_verdict, no_points, num, where
from .ordering import pair_outcomes, predicted_ratio, seed_pairs
from .ratio import band_p


def against(va, ca, vb, cb, threshold: float) -> np.ndarray:
    """Per paired seed, +1 where T^A/T^B is known to be < ``threshold``, −1 where known to be
    > it, 0 for a tie or unknown: :func:`~ratecheck.verdict.ordering.pair_outcomes` of T^A
    against ``threshold``·T^B (module doc)."""
    with np.errstate(invalid="ignore"):
        return pair_outcomes(va, ca, threshold * vb, cb)


def equivalence_p(va, ca, vb, cb, factor: float) -> dict:
    """The counts and (p_pass, p_fail) of one point (module doc): seeds below 1/c, inside
    (1/c, c), above c, and the one-sided p-values behind both sides."""
    at_c, at_lo = against(va, ca, vb, cb, factor), against(va, ca, vb, cb, 1.0 / factor)
    below_c, above_c = int((at_c == 1).sum()), int((at_c == -1).sum())
    below_lo, above_lo = int((at_lo == 1).sum()), int((at_lo == -1).sum())
    inside = int(((at_c == 1) & (at_lo == -1)).sum())
    p_pass, p_fail = band_p(above_lo, below_lo, above_c, below_c)
    return {
        "below": below_lo, "inside": inside, "above": above_c, "unknown": len(va) - below_lo - inside - above_c,
        "p_equivalent": p_pass, "p_outside": p_fail,
        "p_not_above": stats.sign_test(below_c, above_c), "p_not_below": stats.sign_test(above_lo, below_lo),
        "p_above": stats.sign_test(above_c, below_c), "p_below": stats.sign_test(below_lo, above_lo),
    }


def ratio_bounds(va, ca, vb, cb) -> tuple[np.ndarray, np.ndarray]:
    """Per seed, [lo, hi] ∋ T^A/T^B: lo = 0 where B is censored (or unknown), hi = ∞
    where A is; exact (lo = hi) where neither is."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = va / vb
    lo = np.where(cb, 0.0, r)
    hi = np.where(ca, math.inf, r)
    return np.where(np.isnan(lo), 0.0, lo), np.where(np.isnan(hi), math.inf, hi)


def log_median(x: np.ndarray) -> float:
    """exp(median(log x)): the median ratio, with an even count averaged on the log scale."""
    if not x.size:
        return math.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.exp(stats.median(np.log(x))))


def evaluate_equivalent(claim: dict, ev: Evidence) -> dict:
    (a_lab, b_lab), alpha, measure, c = claim["algorithms"], claim["alpha"], claim["measure"], claim["factor"]
    usable, skipped, all_runs = seed_pairs(claim, ev, a_lab, b_lab)
    if not usable:
        return no_points(claim, skipped, f"{a_lab} and {b_lab} share no sweep point")
    m = len(usable)
    rows = []
    for pk, point, stat, (common, va, ca, vb, cb) in usable:
        lo, hi = ratio_bounds(va, ca, vb, cb)
        med_lo, med_hi = log_median(lo), log_median(hi)
        ci = [stats.median_interval(lo, 1.0 - alpha)[0], stats.median_interval(hi, 1.0 - alpha)[1]] if common else [math.nan, math.nan]
        rows.append({
            "point": point, "n_pairs": len(common), "seeds": common, "statistic": stat,
            **equivalence_p(va, ca, vb, cb, c),
            "ratio": med_lo if med_lo == med_hi else math.nan, "ratio_range": [med_lo, med_hi], "ratio_ci": ci,
            "a_values": va.tolist(), "a_censored": ca.tolist(), "b_values": vb.tolist(), "b_censored": cb.tolist(),
            "predicted_ratio": predicted_ratio(ev, a_lab, b_lab, measure, pk),
        })
    status = decide_rows(rows, "p_equivalent", "p_outside", alpha, claim["min_seeds"])
    band = f"[1/{c:g}, {c:g}]"
    decisive = decisive_row(rows, status, "p_equivalent", "p_outside", claim["min_seeds"])
    at = where(decisive["point"])
    reason = sentence(
        status, at, alpha=alpha, m=m, n=decisive["n_pairs"], min_seeds=claim["min_seeds"], seeds="paired seeds",
        counts=(f"{decisive['inside']} of {decisive['n_pairs']} paired seeds inside {band}, {decisive['above']} above, "
                f"{decisive['below']} below" + (f", {decisive['unknown']} on an edge or unresolved by censoring" if decisive["unknown"] else "")),
        held=(f"{a_lab} and {b_lab} are within ×{c:g} at all {m} points: both one-sided sign tests (TOST) reject a "
              f"median ratio ≥ {c:g} and one ≤ 1/{c:g}"), p_held=decisive["p_equivalent"],
        refuted=f"the median {measure} ratio lies outside {band}", p_refuted=decisive["p_outside"],
        refuted_counts=(f"{decisive['above']} of {decisive['n_pairs']} paired seeds have {a_lab}/{b_lab} above {c:g}"
                        if decisive["p_above"] <= decisive["p_below"] else
                        f"{decisive['below']} of {decisive['n_pairs']} paired seeds have {a_lab}/{b_lab} below 1/{c:g}"),
        sides="×2 for the two sides; ",
        unshown=f"Equivalence within ×{c:g} is not shown at {at}, and no difference either",
        p_both=f"{decisive['p_equivalent']:.2g} for equivalence, {decisive['p_outside']:.2g} for a difference",
        caveat="; finding no difference is not evidence of equivalence")
    lo_m, hi_m = decisive["ratio_range"]
    reason += (f"; median {measure} ratio {a_lab}/{b_lab} {num(lo_m)}" if lo_m == hi_m else
               f"; median {measure} ratio {a_lab}/{b_lab} in [{num(lo_m)}, {num(hi_m)}] (censored seeds bound it)")
    reason += closing(skipped, all_runs, card=False)
    return make_verdict(
        claim, status, reason,
        observed=decisive["ratio"], predicted=decisive["predicted_ratio"], ratio=decisive["ratio"], ci=decisive["ratio_ci"],
        points=rows + skipped, algorithms=[a_lab, b_lab], measure=measure, factor=c, band=[1.0 / c, c],
    )
