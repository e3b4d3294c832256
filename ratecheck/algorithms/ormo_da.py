"""OrMo-DA: ordered momentum with a delay-adaptive learning rate (RECONSTRUCTED).

Shi, Yang, Li, "Ordered Momentum for Asynchronous SGD", NeurIPS 2024, arXiv:2407.19234:
the abstract proves convergence "with both constant and delay-adaptive learning rates";
Appendix C.3 of v2 analyses "OrMo-DA", whose learning rate η_t at iteration t depends on
the delay of the arriving gradient. The exact rule was not reachable here [NF]. This
method is :mod:`.ormo` (``ormo-asgd``) with the gradient's learning rate

    η_t = η · n / max(n, δ_t)          [reconstructed]

(δ_t its delay in updates, n = K workers) in both the momentum and the parameter step:
the delay-adaptive rule of Mishchenko, Bach, Even, Woodworth (NeurIPS 2022) used by
``delay-adaptive-asgd``, an instance of Koloskova, Stich, Jaggi (2022) rule (11) with
threshold τ_C = n. While every delay is ≤ n it is OrMo bit for bit.
"""

from __future__ import annotations

from . import ALGORITHMS
from .ormo import OrMoASGD


@ALGORITHMS.register("ormo-da-asgd")
class OrMoDAASGD(OrMoASGD):
    adaptive = True
