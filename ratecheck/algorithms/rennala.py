"""Rennala SGD: asynchronous minibatch collection of S gradients at one point.

Tyurin & Richtárik (NeurIPS 2023), "Optimal Time Complexities of Parallel Stochastic
Optimization Methods Under a Fixed Computation Model", arXiv:2305.12387 (Alg. 1 in the
weighted form restated by Tyurin, "Bridging the gap…", with w_i = n/Σ_j B_j):

    x^{k+1} = x^k − γ (1/S) Σ_{j=1}^{S} ∇f(x^k; ξ_j),

where the S gradients are the first S to finish among all workers computing at x^k.
After the step every worker is stopped and restarts at x^{k+1} (as in the authors'
simulator), so no gradient from an old point is ever applied.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from ..engine.clock import cancel, current_sample, start
from ..engine.ops import emit_bcast, emit_grad, emit_step
from ..engine.status import COMPUTED, ITER
from . import ALGORITHMS
from .base import Algorithm, Param

#: gradients collected for the current step (count[0])
Batch = namedtuple("Batch", "count")
BatchParams = namedtuple("BatchParams", "S")


@njit(cache=True, _nrt=False, inline="always")
def collect(c, ops, st, w, size):
    """Add worker w's gradient (computed at the broadcast point) to the batch; True when
    it is the ``size``-th, and the batch starts afresh."""
    emit_grad(ops, w, c.k[w], current_sample(c, w), 1.0, 0)
    st.count[0] += 1
    if st.count[0] == size:
        st.count[0] = 0
        return True
    return False


@njit(cache=True, _nrt=False, inline="always")
def rennala_arrival(c, ops, prog, st, prm, t, w):
    """Collect the gradient; the S-th of the step makes the update and restarts every
    worker at the new point (stopping the computations in flight)."""
    if collect(c, ops, st, w, prm.S):
        prog[ITER] += 1
        emit_step(ops, 1.0 / prm.S, t, prog[COMPUTED])
        emit_bcast(ops)
        for v in range(c.k.shape[0]):
            cancel(c, v, t)
            start(c, v, t)
    else:
        start(c, w, t)


@ALGORITHMS.register("rennala-sgd")
class Rennala(Algorithm):
    parameters = {
        "S": Param("int", 1, "batch size S ≥ 1 (gradients collected per step)"),
    }
    example = {"S": 3}
    theorem = "rennala-sgd"
    on_arrival = staticmethod(rennala_arrival)

    def state(self, n):
        return Batch(np.zeros(1, np.int64))

    def kernel_params(self):
        return BatchParams(self.params["S"])
