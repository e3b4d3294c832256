"""Can a claim be decided at all with the spec's seeds and points?

A decision rule that cannot fail is a check that cannot fail. Before anything runs,
the spec loader asks, for every claim, whether both ``pass`` and ``fail`` are
reachable (:mod:`.decision`): each kind's test has a smallest p-value it can produce
at one point with n seeds, and Holm's first step needs it to reach α/m.

=====================  ===============================  ===============================
kind                   smallest p_pass                  smallest p_fail
=====================  ===============================  ===============================
``ordering``           2^−n (sign test)                 2^−n
``ratio-bounded``      2^−n (sign test)                 2^(1−n) (two sides)
``equivalent``         2^−n (sign tests, TOST)          2^(1−n) (two sides)
``holds``              1/(B + 1) (bootstrap)            1/(B + 1)
``optimal-parameter``  1/(B + 1), and a grid value      1/(B + 1), and a grid value
                       inside the card's window         outside it
``scaling``            0 (Student t) with ≥ 3 values    0
                       of the variable
``value``              2^−n (sign test)                 2^−n; 2^(1−n) for ``≈`` (two
                                                        sides)
``limit``              2^−n (sign test)                 2^−n
=====================  ===============================  ===============================

and every kind needs ``min_seeds`` seeds, below which no point tests anything.
:func:`undecidable` returns the one-line reason for the spec's error, naming the
number of seeds that would do.
"""

from __future__ import annotations

from .decision import reachable, seeds_needed
from .limit import min_p as limit_min_p
from .ordering import min_p as ordering_min_p
from .ratio import min_p as ratio_min_p
from .stats import BOOT_MIN_P
from .value import min_p as value_min_p

#: kind → ((n seeds, claim) → (smallest p_pass, smallest p_fail)).
MIN_P = {
    "ordering": lambda n, c: ordering_min_p(n),
    "ratio-bounded": lambda n, c: ratio_min_p(n),
    "equivalent": lambda n, c: ratio_min_p(n),  # the same band test of a median, on [1/c, c] (.equivalent)
    "holds": lambda n, c: (BOOT_MIN_P, BOOT_MIN_P),
    "optimal-parameter": lambda n, c: (BOOT_MIN_P, BOOT_MIN_P),
    "scaling": lambda n, c: (0.0, 0.0),
    "value": value_min_p,  # one-sided, or two-sided for ≈
    "limit": limit_min_p,
}


def undecidable(claim: dict, n_seeds: int, m: int) -> str | None:
    """Why ``claim`` (validated) can never pass or never fail with ``n_seeds`` seeds at
    ``m`` points (groups, for ``scaling``), or None when both outcomes are reachable."""
    kind, alpha = claim["kind"], claim["alpha"]
    what = f"with {n_seeds} seed{'s' * (n_seeds != 1)} and {m} point{'s' * (m != 1)} this {kind} claim"
    if n_seeds < claim["min_seeds"]:
        return f"{what} can never pass or fail (min_seeds = {claim['min_seeds']}); use seeds ≥ {claim['min_seeds']} or lower min_seeds"
    can_pass, can_fail = reachable(*MIN_P[kind](n_seeds, claim), m, alpha)
    if can_pass and can_fail:
        return None
    never = "pass or fail" if not (can_pass or can_fail) else "pass" if not can_pass else "fail"
    need = seeds_needed(lambda n: max(MIN_P[kind](n, claim)), m, alpha, start=max(n_seeds, claim["min_seeds"]))
    fix = f"use seeds ≥ {need}" if need else "use fewer points"
    return f"{what} can never {never} at α = {alpha:g} (Holm's first step needs p ≤ {alpha / m:.3g}); {fix}"
