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
