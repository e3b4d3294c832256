"""Delay-capped ASGD: vanilla ASGD whose step shrinks once the delay exceeds a cap C.

Every arriving gradient is applied at once and its worker restarts at the new point:

    x^{k+1} = x^k − γ min(1, C/δ^k) ∇f(x^{k−δ^k}; ξ),    C ≥ 1,

δ^k the number of updates since the worker received its point (δ^k = 0 takes the full
step). **A demonstration method, not from a paper** (provenance: none; it shows that a
method is one file and one test, ``tests/test_algorithms_delay_capped.py``). It is the
delay-adaptive rule of Mishchenko, Bach, Even, Woodworth (NeurIPS 2022, arXiv:2206.07638)
and Koloskova, Stich, Jaggi (2022), rule (11), with the threshold a free parameter:
C = n is ``delay-adaptive-asgd`` bit for bit, and a C above every delay is vanilla ASGD.
No theorem card.
"""

from __future__ import annotations

from collections import namedtuple

from numba import njit

from ..engine.loop import apply_now, reassign
from ..engine.status import ITER
from . import ALGORITHMS
from .base import Algorithm, Param

Cap = namedtuple("Cap", "C")


@njit(cache=True, _nrt=False, inline="always")
def delay_capped_arrival(c, ops, prog, st, prm, t, w):
    """Apply the arriving gradient weighted min(1, C/δ); the worker restarts at the new point."""
    delay = prog[ITER] - st.disp[w]
    apply_now(c, ops, prog, w, t, min(1.0, prm.C / delay) if delay > 0 else 1.0, delay)
    reassign(c, ops, prog, st.disp, w, t)


@ALGORITHMS.register("delay-capped-asgd")
class DelayCappedASGD(Algorithm):
    parameters = {"C": Param("float", 1, "delay cap C ≥ 1")}
    example = {"C": 2.0}
    on_arrival = staticmethod(delay_capped_arrival)

    def kernel_params(self):
        return Cap(float(self.params["C"]))
