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

import numpy as np
from numba import njit

from ..engine.clock import cancel, current_sample, peek_time, pop, start
from ..engine.ops import emit_bcast, emit_grad, emit_step
from ..errors import SpecError
from . import ALGORITHMS
from ._kernel import start_all
from .base import COMPUTED, DONE, INIT, ITER, NEED_WORK, OPS_FULL, Algorithm, Param

# scalar state: number buffered, flush position, phase (0 collect, 1 flush),
# count of workers with B_i = 0, stop event's `computed`
NBUF, POS, PHASE, ZEROS, STOPN = range(5)
TIE_SLACK = 1e-12


@njit(cache=True, _nrt=False)
def malenia_kernel(c, ops, prog, st, prm, lim, cap):
    B, bw, bk, bs, sc, stop_t = st
    n = B.shape[0]
    bound = n * n / prm[0] * (1.0 + TIE_SLACK)
    bmax = int(prm[1])
    if prog[INIT] == 0:
        start_all(c, ops, prog, n)
        sc[ZEROS] = n
    while True:
        if sc[PHASE] == 1:
            while sc[POS] < sc[NBUF]:
                if ops.size[0] + 1 > cap:
                    return OPS_FULL
                i = sc[POS]
                emit_grad(ops, bw[i], bk[i], bs[i], 1.0 / B[bw[i]], 0)
                sc[POS] = i + 1
            if ops.size[0] + 2 > cap:
                return OPS_FULL
            t = stop_t[0]
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
        if prog[ITER] >= lim[0] or peek_time(c) > lim[1]:
            return DONE
        if c.low[0]:
            return NEED_WORK
        t, w = pop(c)
        prog[COMPUTED] += 1
        i = sc[NBUF]
        bw[i] = w
        bk[i] = c.k[w]
        bs[i] = current_sample(c, w)
        sc[NBUF] = i + 1
        if B[w] == 0:
            sc[ZEROS] -= 1
        B[w] += 1
        reached = False
        if sc[ZEROS] == 0:
            inv = 0.0
            for v in range(n):
                inv += 1.0 / B[v]
            reached = inv <= bound
        if reached:
            sc[PHASE] = 1
            sc[STOPN] = prog[COMPUTED]
            stop_t[0] = t
        elif B[w] < bmax:
            start(c, w, t)


@ALGORITHMS.register("malenia-sgd")
class MaleniaSGD(Algorithm):
    parameters = {
        "gamma": Algorithm.parameters["gamma"],
        "S": Param("int", 1, "batch parameter S ≥ 1: stop once (1/n Σ 1/B_i)^{-1} ≥ S/n"),
        "max_local_batch": Param("int", 1, "cap b on each B_i (buffer size n·b; b ≥ S/n)", default=1024),
    }
    theorem = "malenia-sgd"
    kernel = staticmethod(malenia_kernel)

    def state(self, n):
        b, S = self.params["max_local_batch"], self.params["S"]
        if b < math.ceil(S / n):
            raise SpecError("algorithm.params.max_local_batch", f"must be ≥ ⌈S/n⌉ = {math.ceil(S / n)} (S = {S}, n = {n}) or the stop is never reached, got {b}")
        size = n * b
        return (np.zeros(n, np.int64), np.zeros(size, np.int64), np.zeros(size, np.int64), np.zeros(size, np.int64),
                np.zeros(5, np.int64), np.zeros(1, np.float64))

    def kernel_params(self):
        return np.array([self.params["S"], self.params["max_local_batch"]], np.float64)

    def ops_per_event(self, n):
        return n + 4

    @staticmethod
    def buffered(state) -> int:
        """Gradients computed but not yet applied (collected for the unfinished step)."""
        sc = state[4]
        return int(sc[NBUF] - sc[POS]) if sc[PHASE] else int(sc[NBUF])
