"""The backends that build a PEP's SDP: ``pepit`` (default, :mod:`.pepit_model`) and ``sdp``
(hand-written, :mod:`.sdp`). Both pose the SDP of :mod:`.problem` and are certified by
the same checks; ``benchmarks/pep.py`` times them, ``tests/test_pep_backends.py`` compares them."""

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
