"""IA²SGD (DuDe-ASGD): asynchronous SGD on the average of every worker's latest gradient.

X. Wang, Y. Sun, H.-T. Wai, J. Zhang, "Dual-Delayed Asynchronous SGD for Arbitrarily
Heterogeneous Data", arXiv:2405.16966 (ICLR 2025 submission "Incremental Aggregated
Asynchronous SGD", OpenReview m3x4kDbYAK); only its abstract was read ("a server-side
buffer", "incremental aggregation"); its rate is quoted in the Ringleader poster's
comparison (theory note fixed-computation.md §4.4). The rule below is the Ringleader
authors' simulator's (cited further down). The server keeps a table of the latest
stochastic gradient g_i of each worker; when worker w's gradient arrives it replaces
g_w, the server steps with the table average and sends w the new point:

    g_w ← ∇f_w(x^{k−δ^k}; ξ),    x^{k+1} = x^k − γ (1/n) Σ_i g_i.

Every computation enters the table once (its delay is recorded then) and is reused
by every later update until its worker's next arrival replaces it (the second,
"data" lag of the paper's title). Table start: no update is made until every worker
has reported (arrivals before that fill or replace their row at x⁰); the arrival that
completes the table makes the first update. This warm-up is the Ringleader authors'
simulator's (vectozavr/ringmaster-lmo, code/experiments/asynchronous/algorithm.py, class
``IAASGD``, read for this file; not in the theory note); that code makes its first
update one arrival later, we make it at the completing arrival (our choice, the
paper's initialisation was not accessible). A fast worker's warm-up gradient can thus
be replaced before any update reads it; it still counts as applied (it entered the
table), the only computations of the method no update uses.

Op stream (:mod:`ratecheck.engine.ops`): per arrival of w, TSCALE w 0 (if the row is
filled), TGRAD → row w with c = 1, then STEP with c = 1/n once the table is full
(and TSYNC after every n-th update, :mod:`ratecheck.engine.ops`), and ASSIGN w.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from ..engine.clock import current_sample
from ..engine.loop import reassign
from ..engine.ops import emit_step, emit_tgrad, emit_tscale, emit_tsync
from ..engine.status import COMPUTED, ITER
from . import ALGORITHMS
from .base import Algorithm

#: dispatch iterations, whether each worker's row is filled, and how many are (nfilled[0])
Table = namedtuple("Table", "disp filled nfilled")


@njit(cache=True, _nrt=False, inline="always")
def ia2sgd_arrival(c, ops, prog, st, prm, t, w):
    """Replace worker w's table row by its gradient; update once the table is full; the
    worker restarts at the current point."""
    n = st.disp.shape[0]
    if st.filled[w]:
        emit_tscale(ops, w, 0.0)
    else:
        st.filled[w] = 1
        st.nfilled[0] += 1
    emit_tgrad(ops, w, c.k[w], current_sample(c, w), 1.0, prog[ITER] - st.disp[w], w)
    if st.nfilled[0] == n:
        prog[ITER] += 1
        emit_step(ops, 1.0 / n, t, prog[COMPUTED])
        if prog[ITER] % n == 0:
            emit_tsync(ops)
    reassign(c, ops, prog, st.disp, w, t)


@ALGORITHMS.register("ia2sgd")
class IA2SGD(Algorithm):
    on_arrival = staticmethod(ia2sgd_arrival)

    def state(self, n):
        return Table(np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(1, np.int64))

    def table_rows(self, n):
        return n

    def ops_per_event(self, n):
        return 5
