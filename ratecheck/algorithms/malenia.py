"""Malenia SGD: every worker contributes to every step, each with its own minibatch.

Tyurin & Richtárik (NeurIPS 2023), "Optimal Time Complexities of Parallel Stochastic
Optimization Methods Under a Fixed Computation Model", arXiv:2305.12387, in the weighted
form of the Bridging paper's Algorithm 1 with w_i = 1/B_i (theory note
fixed-computation.md §2.2, tag [R]). All workers compute at x^k; worker i's gradients
are summed into g_i with count B_i; once

    every B_i ≥ 1   and   ( (1/n) Σ_i 1/B_i )^{-1} ≥ S/n    ⟺    Σ_i 1/B_i ≤ n²/S,

the server steps with the uniform mean of the per-worker means,

    x^{k+1} = x^k − γ (1/n) Σ_i (1/B_i) Σ_{j ≤ B_i} ∇f_i(x^k; ξ_ij),

broadcasts x^{k+1} and restarts every worker there (unfinished computations are stopped).

Stopping condition, exactly as implemented: checked after each arrival, in the
non-strict form ≥ above (the restated loop "while (…)^{-1} ≤ S/n" stops at the strict
>; with ≥, S ≤ n with every worker once is the KAUST simulator's rule, §2.2 [C], and
with equal τ and S ≤ n the steps are minibatch SGD's; only the noise draws differ,
since a worker that has delivered starts another gradient, stopped at the step). Σ_i 1/B_i is summed in floating point in
label order and compared with n²/S with a relative slack of 1e-12, so exact ties count
as reached.

``max_local_batch`` b caps each B_i (not in the paper): a worker that has delivered b
gradients of the current step idles until the broadcast. It bounds the kernel's
buffer (n·b arrivals); b ≥ S/n guarantees the condition is reached. The paper's
method is b = ∞; choose b above the largest B_i the run needs (B_i ≤ t̄/τ_i with
t̄ = 2(τ_n + τ_avg S/n), §2.4).

Implementation: the coefficients 1/B_i are known only at the stop, so arrivals are
buffered in the kernel state and their GRAD ops (all reading the broadcast point) are
emitted just before the STEP, across several op chunks if need be.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit

from ..engine.clock import cancel, current_sample, start
from ..engine.loop import start_workers
from ..engine.ops import emit_bcast, emit_grad, emit_step
from ..engine.status import COMPUTED, ITER, OPS_FULL
from ..errors import SpecError
from . import ALGORITHMS
from .base import Algorithm, Param

#: B_i per worker; the buffered arrivals' worker, computation and sample; the scalars sc
#: (indices below); the stop event's time
Buffer = namedtuple("Buffer", "B bw bk bs sc stop_t")
MaleniaParams = namedtuple("MaleniaParams", "S max_local_batch")
# scalar state: number buffered, flush position, phase (0 collect, 1 flush),
# count of workers with B_i = 0, stop event's `computed`
NBUF, POS, PHASE, ZEROS, STOPN = range(5)
TIE_SLACK = 1e-12


@njit(cache=True, _nrt=False, inline="always")
def malenia_start(c, ops, prog, st, prm):
    """Every worker starts at x⁰, none has delivered yet."""
    start_workers(c, st.B.shape[0])
    st.sc[ZEROS] = st.B.shape[0]


@njit(cache=True, _nrt=False, inline="always")
def malenia_flush(c, ops, prog, st, prm, cap):
    """After the stop: emit the buffered GRADs (weight 1/B_i), the STEP and the broadcast,
    as many as fit the op buffer per call, then restart every worker at the new point."""
    B, sc = st.B, st.sc
    n = B.shape[0]
    if sc[PHASE] == 1:
        while sc[POS] < sc[NBUF]:
            if ops.size[0] + 1 > cap:
                return OPS_FULL
            i = sc[POS]
            emit_grad(ops, st.bw[i], st.bk[i], st.bs[i], 1.0 / B[st.bw[i]], 0)
            sc[POS] = i + 1
        if ops.size[0] + 2 > cap:
            return OPS_FULL
        t = st.stop_t[0]
        prog[ITER] += 1
        emit_step(ops, 1.0 / n, t, sc[STOPN])
        emit_bcast(ops)
        for v in range(n):
            B[v] = 0
            cancel(c, v, t)
            start(c, v, t)
        sc[NBUF] = 0
        sc[POS] = 0
        sc[PHASE] = 0
        sc[ZEROS] = n
    return -1


@njit(cache=True, _nrt=False, inline="always")
def malenia_arrival(c, ops, prog, st, prm, t, w):
    """Buffer the gradient (no op); stop once every B_i ≥ 1 and Σ_i 1/B_i ≤ n²/S (the flush
    then emits the step), else w goes on unless it has max_local_batch gradients."""
    B, sc = st.B, st.sc
    n = B.shape[0]
    i = sc[NBUF]
    st.bw[i] = w
    st.bk[i] = c.k[w]
    st.bs[i] = current_sample(c, w)
    sc[NBUF] = i + 1
    if B[w] == 0:
        sc[ZEROS] -= 1
    B[w] += 1
    reached = False
    if sc[ZEROS] == 0:
        inv = 0.0
        for v in range(n):
            inv += 1.0 / B[v]
        reached = inv <= n * n / prm.S * (1.0 + TIE_SLACK)
    if reached:
        sc[PHASE] = 1
        sc[STOPN] = prog[COMPUTED]
        st.stop_t[0] = t
    elif B[w] < prm.max_local_batch:
        start(c, w, t)


@ALGORITHMS.register("malenia-sgd")
class MaleniaSGD(Algorithm):
    parameters = {
        "S": Param("int", 1, "batch parameter S ≥ 1: stop once (1/n Σ 1/B_i)^{-1} ≥ S/n"),
        "max_local_batch": Param("int", 1, "cap b on each B_i (buffer size n·b; b ≥ S/n)", default=1024),
    }
    example = {"S": 6}
    theorem = "malenia-sgd"
    on_start = staticmethod(malenia_start)
    on_arrival = staticmethod(malenia_arrival)
    resume = staticmethod(malenia_flush)

    def state(self, n):
        b, S = self.params["max_local_batch"], self.params["S"]
        if b < math.ceil(S / n):
            raise SpecError("algorithm.params.max_local_batch", f"must be ≥ ⌈S/n⌉ = {math.ceil(S / n)} (S = {S}, n = {n}) or the stop is never reached, got {b}")
        size = n * b
        return Buffer(np.zeros(n, np.int64), np.zeros(size, np.int64), np.zeros(size, np.int64),
                      np.zeros(size, np.int64), np.zeros(5, np.int64), np.zeros(1, np.float64))

    def kernel_params(self):
        return MaleniaParams(self.params["S"], self.params["max_local_batch"])

    def ops_per_event(self, n):
        """An arrival only buffers; the step's ops come from the flush, which checks the
        room op by op."""
        return 0

    @staticmethod
    def buffered(state) -> int:
        """Gradients computed but not yet applied (collected for the unfinished step)."""
        sc = state.sc
        return int(sc[NBUF] - sc[POS]) if sc[PHASE] else int(sc[NBUF])
