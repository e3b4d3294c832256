"""A worst delay pattern from performance estimation, for the falsifier's delay sequences.

For delayed gradient descent x_{k+1} = x_k − γ ∇f(x_{k−δ_k}) with δ_k ≤ τ_max,
:func:`ratecheck.pep.estimate.worst_delays` solves one PEP SDP per delay sequence over a
short horizon of :data:`HORIZON` steps (L-smooth convex f with f(x0) − f* ≤ Δ, criterion
the average squared gradient norm) and keeps the worst sequence. By the PEP scaling law
(:mod:`ratecheck.pep.estimate`) that sequence depends on γL and τ_max only, so it is
cached on them. The falsifier cycles it as a delay sequence: a heuristic adversary for the
long run, exact only over the horizon, and only for convex f.

The search runs on the hand-written SDP backend (``backend="sdp"``): it solves up to 96
SDPs per (γL, τ_max), 5.5× faster than PEPit's for the same worst sequence
(``benchmarks/pep.py``; the two backends are tested against each other in
``tests/test_pep_backends.py``).
"""

from __future__ import annotations

from functools import lru_cache

from ..errors import SpecError

#: Steps of the PEP horizon; (τ_max + 1)! / … sequences are enumerated, one SDP each.
HORIZON = 5


@lru_cache(maxsize=64)
def _worst(gamma_L: float, tau_max: int) -> tuple[int, ...]:
    from ..pep.estimate import worst_delays

    res = worst_delays(gamma_L, HORIZON, tau_max, criterion="avggradnorm", initial="fgap", D=None, Delta=1.0,
                       backend="sdp")
    if res.worst_delays is None:
        raise SpecError("pep", f"the PEP of delayed GD at γL = {gamma_L:g}, τ_max = {tau_max} was not solved ({res.status})")
    return tuple(int(d) for d in res.worst_delays)


def worst_pattern(gamma_L: float, tau_max: int) -> list[int]:
    """The PEP-worst delays over :data:`HORIZON` steps for γL (rounded to 6 digits) and τ_max."""
    return list(_worst(round(float(gamma_L), 6), int(tau_max)))
