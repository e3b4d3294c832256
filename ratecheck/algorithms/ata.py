"""Task allocation per round: ATA, ATA-Empirical, and the GTA, UTA and FTA baselines.

Maranjyan, Saad, Richtárik, Orabona, "ATA: Adaptive Task Allocation for Efficient
Resource Management in Distributed Machine Learning", ICML 2025, arXiv:2502.00775
(theory note fixed-computation.md §5).

Round k (k = 1, 2, …): the server hands x^k out and allocates B gradient tasks,
a^k ∈ N^n with Σ_i a_i^k = B; worker i runs its a_i^k tasks one after the other (the
round costs C(a^k) = max_{i: a_i > 0} Σ_{u ≤ a_i} X_i^{k,u}, §5.1 [P]); when all B
gradients are in, the server steps

    x^{k+1} = x^k − γ (1/B) Σ_{j=1}^{B} ∇f(x^k; ξ_j),

and the next round starts. Every finished task is one sample of X_i (its duration).
The rules differ only in how a^k is chosen:

* ``fta``  — the best fixed allocation a* = argmin_a max_i a_i μ_i, from the model's
  mean times μ_i (:meth:`~ratecheck.asynchrony.base.ComputeModel.mean_times`) [P];
* ``uta``  — uniform: a_i ∈ {⌊B/n⌋, ⌈B/n⌉}; the B tasks are dealt to the workers in
  label order, continuing next round where this one stopped (the rotation is ours);
* ``ata``  — a^k = argmin_a max_i a_i s_i^k with the lower confidence bounds
  s_i^k = max{μ̂_i^k − 2α(√(ln(2k²)/K_i^k) + ln(2k²)/K_i^k), 0} (§5.2 [P]);
* ``ata-empirical`` — s_i^k = μ̂_i^k · max{1 − 2η(√(ln(2k²)/K_i^k) + ln(2k²)/K_i^k), 0}
  (§5.2 [P]);

where K_i^k is the number of tasks worker i has finished before round k and μ̂_i^k
their mean duration. **Reconstructed** from the authors' simulator (§5.2 [C]): the
argmin is built one task at a time, each task to the worker with the smallest
(a_j + 1)s_j — which gives the exact argmin, since min_a max_j a_j s_j is the B-th
smallest of the values u·s_j (u ≥ 1) — and workers never sampled get one task first.
Ties go to the worker with fewer tasks, then to the lowest label (ours; the simulator
breaks ties toward "the fewest maxima"), so unsampled workers are taken in label order
when B < n.

``gta`` (greedy, asynchronous collection as in Rennala) asks every worker and keeps the
first B results; it is Rennala SGD's schedule with S = B and stops the other
computations at the step (their partial work counts in ``final["worker_time"]``).
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit

from ..engine.clock import current_sample, start
from ..engine.ops import emit_bcast, emit_grad, emit_step
from ..engine.status import COMPUTED, ITER
from ..errors import SpecError
from . import ALGORITHMS
from .base import Algorithm, Param
from .rennala import BatchParams, Rennala

#: allocation rules (kernel parameter)
R_UTA, R_FTA, R_ATA, R_ATA_EMPIRICAL = 0, 1, 2, 3
#: per worker: tasks left this round, tasks finished (K_i), their summed duration, the
#: model's mean time μ_i (FTA), the score s_i; gradients in this round; UTA's next worker
Rounds = namedtuple("Rounds", "left K total mu s count turn")
#: tasks per round, allocation rule, α or η
AllocationParams = namedtuple("AllocationParams", "B rule width")


@njit(cache=True, _nrt=False)
def scores(rule, width, k, K, total, mu, out):
    """s_i^k of the rule (FTA: μ_i; ATA / ATA-Empirical: the formulas of the module
    docstring, ``width`` = α or η); unsampled workers (K_i = 0) get 0."""
    L = math.log(2.0 * k * k)
    for i in range(K.shape[0]):
        if rule == R_FTA:
            out[i] = mu[i]
        elif K[i] == 0:
            out[i] = 0.0
        else:
            r = L / K[i]
            mean = total[i] / K[i]
            if rule == R_ATA:
                out[i] = max(mean - 2.0 * width * (math.sqrt(r) + r), 0.0)
            else:
                out[i] = mean * max(1.0 - 2.0 * width * (math.sqrt(r) + r), 0.0)


@njit(cache=True, _nrt=False)
def allocate(s, K, B, explore, a):
    """a = argmin_{Σa = B} max_j a_j s_j, greedily (module docstring); with ``explore``
    every worker with K_j = 0 first gets one task, in label order."""
    n = s.shape[0]
    a[:] = 0
    left = B
    if explore:
        for j in range(n):
            if left > 0 and K[j] == 0:
                a[j] = 1
                left -= 1
    for _ in range(left):
        best = 0
        for j in range(1, n):
            vj, vb = (a[j] + 1) * s[j], (a[best] + 1) * s[best]
            if vj < vb or (vj == vb and a[j] < a[best]):
                best = j
        a[best] += 1


@njit(cache=True, _nrt=False)
def begin_round(c, st, prm, k, t):
    """Choose a^k and start every worker with a task at time t."""
    left, turn = st.left, st.turn
    n = left.shape[0]
    if prm.rule == R_UTA:
        left[:] = 0
        for _ in range(prm.B):
            left[turn[0]] += 1
            turn[0] = (turn[0] + 1) % n
    else:
        scores(prm.rule, prm.width, k, st.K, st.total, st.mu, st.s)
        allocate(st.s, st.K, prm.B, prm.rule != R_FTA, left)
    for w in range(n):
        if left[w] > 0:
            start(c, w, t)
    st.count[0] = 0


@njit(cache=True, _nrt=False, inline="always")
def allocation_start(c, ops, prog, st, prm):
    """Round 1 starts at t = 0."""
    begin_round(c, st, prm, 1, 0.0)


@njit(cache=True, _nrt=False, inline="always")
def allocation_arrival(c, ops, prog, st, prm, t, w):
    """Collect the task's gradient and its duration; the B-th of the round makes the update
    and starts the next round, else w runs its next task if it has one."""
    emit_grad(ops, w, c.k[w], current_sample(c, w), 1.0, 0)
    st.K[w] += 1
    st.total[w] += t - c.start[w]
    st.left[w] -= 1
    st.count[0] += 1
    if st.count[0] == prm.B:
        prog[ITER] += 1
        emit_step(ops, 1.0 / prm.B, t, prog[COMPUTED])
        emit_bcast(ops)
        begin_round(c, st, prm, prog[ITER] + 1, t)
    elif st.left[w] > 0:
        start(c, w, t)


class NonNegative(Param):
    """A float parameter that may be 0 (a float :class:`Param` with low 0 means > 0)."""

    def validate(self, field, value):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value <= 0:
            if value < 0:
                raise SpecError(field, f"must be >= 0, got {value!r}")
            return 0.0
        return super().validate(field, value)


TASKS = Param("int", 1, "tasks (gradients) per round B ≥ 1")


class Allocation(Algorithm):
    """A round-based allocation rule (module docstring); subclasses fix ``rule``."""

    parameters = {"B": TASKS}
    example = {"B": 4}
    rule = -1
    width_name: str | None = None
    on_start = staticmethod(allocation_start)
    on_arrival = staticmethod(allocation_arrival)

    def state(self, n):
        return Rounds(np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n), np.zeros(n), np.zeros(n),
                      np.zeros(1, np.int64), np.zeros(1, np.int64))

    def kernel_params(self):
        width = self.params[self.width_name] if self.width_name else 0.0
        return AllocationParams(self.params["B"], self.rule, float(width))

    def samples(self, state):
        """(K_i, μ̂_i): tasks finished per worker and their mean duration (NaN if none)."""
        K, total = state.K, state.total
        with np.errstate(invalid="ignore", divide="ignore"):
            return K.copy(), np.where(K > 0, total / np.maximum(K, 1), np.nan)


@ALGORITHMS.register("uta")
class UTA(Allocation):
    rule = R_UTA


@ALGORITHMS.register("fta")
class FTA(Allocation):
    rule = R_FTA

    def state_for(self, model):
        mu = model.mean_times()
        if mu is None or not np.all(np.isfinite(mu)) or np.any(np.asarray(mu) <= 0):
            raise SpecError("asynchrony", f"fta needs finite mean compute times from the model; {model.registry_name!r} gives {mu}")
        st = self.state(model.n)
        st.mu[:] = mu
        return st


@ALGORITHMS.register("ata")
class ATA(Allocation):
    parameters = {**Allocation.parameters, "alpha": NonNegative("float", 0.0, "α ≥ 0, a bound on every ‖X_i − μ_i‖_ψ1")}
    example = {"B": 4, "alpha": 0.0}
    rule = R_ATA
    width_name = "alpha"
    theorem = "ata"


@ALGORITHMS.register("ata-empirical")
class ATAEmpirical(Allocation):
    parameters = {**Allocation.parameters,
                  "eta": NonNegative("float", 0.0, "η ≥ 0, a bound on max_i ‖X_i − μ_i‖_ψ1 / μ_i")}
    example = {"B": 4, "eta": 0.0}
    rule = R_ATA_EMPIRICAL
    width_name = "eta"
    theorem = None  # the ata card states ATA's guarantee; none is carded for the empirical variant


@ALGORITHMS.register("gta")
class GTA(Rennala):
    """Greedy task allocation: Rennala SGD's schedule with S = B (module docstring)."""

    parameters = {"B": TASKS}
    example = {"B": 3}
    theorem = None

    def kernel_params(self):
        return BatchParams(self.params["B"])
