"""The one decision rule of every claim kind: symmetric, with Holm's correction on both sides.

A claim is judged at m points (sweep points, or groups of points for ``scaling``).
At each point j the claim's evaluator computes two one-sided p-values:

* ``p_pass[j]`` tests H0 "the claim is false at j" (a small value is evidence that
  it holds there), e.g. the sign test of "faster wins" for an ``ordering``;
* ``p_fail[j]`` tests H0 "the claim is true at j" (a small value is evidence that
  it is violated there).

Both families are corrected for the m points by Holm's step-down procedure at the
claim's level α (Holm 1979, Scand. J. Statist. 6(2)):

* ``pass`` when Holm rejects *every* "false at j" hypothesis: the claim holds at all
  points, with family-wise error ≤ α;
* ``fail`` when Holm rejects *some* "true at j" hypothesis: the claim is violated
  somewhere, with family-wise error ≤ α;
* ``inconclusive`` otherwise: the data cannot tell at this level.

The two cannot both happen (a point that fails cannot pass), and both use the same
level and the same correction, so neither outcome is easier to reach than the other.
Holm's first step compares the smallest p-value with α/m; hence a claim can reach
``pass`` only if every point can show p ≤ α/m, and ``fail`` only if some point can:
:func:`reachable` is what the spec loader uses to refuse claims that the spec's seeds
can never decide.
"""

from __future__ import annotations

import numpy as np


def holm(pvalues, alpha: float) -> np.ndarray:
    """Holm's step-down rejections (bool per hypothesis) at family-wise level ``alpha``."""
    p = np.asarray(pvalues, dtype=float)
    m = p.size
    reject = np.zeros(m, dtype=bool)
    for rank, j in enumerate(np.argsort(p, kind="stable")):
        if not p[j] <= alpha / (m - rank):
            break
        reject[j] = True
    return reject


def decide(p_pass, p_fail, alpha: float) -> tuple[str, list[str]]:
    """Overall status and per-point statuses from the two p-value families (module doc).

    A point with ``p_pass = p_fail = 1`` (nothing to test, e.g. too few seeds there)
    can neither pass nor fail, so the claim cannot pass.
    """
    ok, bad = holm(p_pass, alpha), holm(p_fail, alpha)
    per = ["fail" if b else "pass" if o else "inconclusive" for o, b in zip(ok, bad)]
    if bad.any():
        return "fail", per
    if len(per) and ok.all():
        return "pass", per
    return "inconclusive", per


def decide_rows(rows: list[dict], pass_key: str, fail_key: str, alpha: float, min_seeds: int | None = None,
                count: str = "n_pairs") -> str:
    """:func:`decide` over per-point rows holding their two p-values under ``pass_key`` and
    ``fail_key``; sets each row's ``status`` and returns the claim's. With ``min_seeds``, a
    row of fewer seeds (under ``count``: paired seeds by default) tests nothing (both
    p-values count as 1)."""
    few = [min_seeds is not None and r[count] < min_seeds for r in rows]
    status, per = decide([1.0 if f else r[pass_key] for r, f in zip(rows, few)],
                         [1.0 if f else r[fail_key] for r, f in zip(rows, few)], alpha)
    for r, st in zip(rows, per):
        r["status"] = st
    return status


def decisive_row(rows: list[dict], status: str, pass_key: str, fail_key: str, min_seeds: int,
                 count: str = "n_pairs") -> dict:
    """The point a verdict's reason speaks of: on ``fail`` the most significant failing
    point, otherwise the one farthest from passing (a point with too few seeds first)."""
    if status == "fail":
        return min((r for r in rows if r["status"] == "fail"), key=lambda r: r[fail_key])
    return max(rows, key=lambda r: (r[count] < min_seeds, r[pass_key]))


def holm_level(m: int, alpha: float) -> float:
    """The level of Holm's first step, α/m: what the smallest p-value must reach."""
    return alpha / max(m, 1)


def reachable(min_p_pass: float, min_p_fail: float, m: int, alpha: float) -> tuple[bool, bool]:
    """Whether ``pass`` and ``fail`` can be reached at all, given the smallest p-value each
    side's test can produce at one point and m points (module doc)."""
    level = holm_level(m, alpha)
    return min_p_pass <= level, min_p_fail <= level


def seeds_needed(p_of_n, m: int, alpha: float, start: int = 2, limit: int = 10_000) -> int | None:
    """The smallest seed count n ≥ ``start`` with ``p_of_n(n) ≤ α/m`` (None past ``limit``)."""
    level = holm_level(m, alpha)
    for n in range(start, limit + 1):
        if p_of_n(n) <= level:
            return n
    return None


def sentence(status: str, at: str, *, alpha: float, m: int, n: int, min_seeds: int, seeds: str, counts: str,
             held: str, p_held: float, refuted: str, p_refuted: float, unshown: str, p_both: str,
             refuted_counts: str | None = None, sides: str = "", caveat: str = "") -> str:
    """The first sentence of a sign-test verdict's reason, one shape for every claim kind.

    ``at`` is the point the sentence speaks of (:func:`~ratecheck.verdict.evidence.where`), ``n``
    its number of ``seeds`` ("seeds" or "paired seeds") and ``counts`` what they showed there.

    * ``pass``: ``held`` (what holds at all m points), the largest p and the counts at ``at``;
    * ``fail``: where the claim is ``refuted``, the counts (``refuted_counts`` when they read
      otherwise) and the p-value against Holm's first step α/m (``sides``: a note on a
      two-sided test);
    * fewer than ``min_seeds`` at ``at``: that, and nothing tested;
    * otherwise ``unshown`` (why neither side was shown, naming ``at``), the counts, both
      p-values (``p_both``) and the level Holm's first step needs, then ``caveat``.

    >>> sentence("fail", "ε = 0.1", alpha=0.05, m=2, n=8, min_seeds=6, seeds="paired seeds",
    ...          counts="8 wins", held="", p_held=1.0, refuted="B is faster", p_refuted=0.0039,
    ...          unshown="", p_both="")
    'At ε = 0.1 B is faster: 8 wins, sign-test p = 0.0039 (Holm at α = 0.05, first step α/m = 0.025)'
    """
    level = holm_level(m, alpha)
    if status == "pass":
        return f"{held} (Holm at α = {alpha:g}; largest p = {p_held:.2g}; at {at}: {counts})"
    if status == "fail":
        return (f"At {at} {refuted}: {refuted_counts or counts}, sign-test p = {p_refuted:.2g} "
                f"({sides}Holm at α = {alpha:g}, first step α/m = {level:.2g})")
    if n < min_seeds:
        return f"Only {n} {seeds} at {at} (fewer than min_seeds = {min_seeds})"
    return f"{unshown}: {counts} (p = {p_both}; Holm at α = {alpha:g} needs ≤ {level:.2g} first){caveat}"
