"""The backends that build a PEP's SDP: ``pepit`` (default, :mod:`.pepit_model`) and ``sdp``
(hand-written, :mod:`.sdp`). Both pose the SDP of :mod:`.problem` and are certified by
the same checks; ``tests/test_pep_backends.py`` checks that they agree.

Why two. The hand-written SDP would have been dropped unless it was *much* faster on the
worst-delay search, fixed beforehand as at least 3× less time: that search solves one SDP
per delay sequence (up to 96 per τ_max for ``ratecheck falsify --model pep-worst``, hundreds per
grid point of ``ratecheck pep --method worst-delay``), so a 3× slower backend turns its
seconds into the better part of a minute. ``benchmarks/pep.py`` measured 5.5–8.2× (CPU;
5.2–7.9× wall): PEPit builds every constraint as its own cvxpy expression, whose
canonicalisation dominates, where :mod:`.sdp` passes all rows as one matrix. So both stay;
pass ``backend="sdp"`` (``--backend sdp``) for long searches.
"""

from __future__ import annotations

from .methods import DelayedGD
from .pepit_model import PEPitDelayedGD
from .problem import PEPProblem, check_choice
from .sdp import DelayedGDPEP

BACKENDS = {"pepit": PEPitDelayedGD, "sdp": DelayedGDPEP}
DEFAULT_BACKEND = "pepit"


def pep_problem(method: DelayedGD, L: float = 1.0, mu: float = 0.0, criterion: str = "fgap",
                initial: str = "dist", bound: float = 1.0, backend: str = DEFAULT_BACKEND) -> PEPProblem:
    """The PEP of ``method`` (arguments of :class:`.sdp.DelayedGDPEP`) built by ``backend``."""
    return BACKENDS[check_choice("backend", backend, BACKENDS)](method, L, mu, criterion, initial, bound)
