"""The op stream: what a schedule emits and the recursion replays.

A schedule kernel never sees an iterate; it emits ops that the recursion applies to
every stepsize of the batch:

===========  ===================================================================
``BCAST``    P ← x (the point every worker that was not assigned since reads)
``ASSIGN w`` Y_w ← x (worker w now computes at the current point)
``GRAD w``   acc ← acc + c · g(point_w; ξ) for computation k of worker w, with
             sample ``s``; ``delay`` is its delay (updates since point_w was handed out)
``STEP``     x ← x − γ · c · (acc + Σ_{r<n} T_r); acc ← 0; iteration += 1 (``t`` = time
             of the update, ``n`` = gradients computed so far; the table sum is
             empty for algorithms without a gradient table)
``TGRAD w``  T_row ← T_row + c · g(point_w; ξ), fields as GRAD, the row in ``n``
``TSCALE``   T_row ← a · T_row, row in ``w``, a in ``c`` (a = 0 clears the row)
``TSWAP``    swap rows T_r and T_s, r in ``w``, s in ``n``
``TSYNC``    recompute the running table sum Σ_{r<n} T_r exactly (no fields)
===========  ===================================================================

The point of worker w is Y_w if w was assigned after the last broadcast, else P.

**Gradient table** (IA²SGD, Ringleader ASGD): a method that reuses a stored gradient in
many updates declares ``table_rows(n)`` rows T_0, …, T_{R−1} (per batch member, zero at
the start); STEP reads the sum of the first n rows (one per worker; rows n… are
scratch, e.g. Ringleader's next-round table). A TGRAD still uses its computation once
(it enters the table once) and records its delay at that moment. The replay keeps
Σ_{r<n} T_r as a running sum; its rounding errors persist when the gradients shrink,
so a kernel emits TSYNC from time to time (e.g. once per n updates) to recompute it.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

BCAST, ASSIGN, GRAD, STEP, TGRAD, TSCALE, TSWAP, TSYNC = 0, 1, 2, 3, 4, 5, 6, 7

Ops = namedtuple("Ops", "kind w k s c t n delay size delay_counts")
Ops.__doc__ = "Op buffer (arrays of equal capacity) plus the persistent delay histogram."

MAX_DELAY_BIN = 1 << 16


def is_gradient(kind: np.ndarray) -> np.ndarray:
    """Mask of the ops that use a computation (GRAD and TGRAD)."""
    return (kind == GRAD) | (kind == TGRAD)


def new_ops(capacity: int) -> Ops:
    return Ops(
        kind=np.zeros(capacity, np.int8),
        w=np.zeros(capacity, np.int64),
        k=np.zeros(capacity, np.int64),
        s=np.zeros(capacity, np.int64),
        c=np.zeros(capacity, np.float64),
        t=np.zeros(capacity, np.float64),
        n=np.zeros(capacity, np.int64),
        delay=np.zeros(capacity, np.int64),
        size=np.zeros(1, np.int64),
        delay_counts=np.zeros(MAX_DELAY_BIN + 1, np.int64),
    )


# --- emitters, called from compiled schedule kernels -------------------------------
from .._jit import njit  # noqa: E402


@njit(cache=True, _nrt=False, inline="always")
def _push(ops, kind, w, k, s, c, t, n, delay):
    i = ops.size[0]
    ops.kind[i] = kind
    ops.w[i] = w
    ops.k[i] = k
    ops.s[i] = s
    ops.c[i] = c
    ops.t[i] = t
    ops.n[i] = n
    ops.delay[i] = delay
    ops.size[0] = i + 1


@njit(cache=True, _nrt=False, inline="always")
def emit_bcast(ops):
    _push(ops, BCAST, -1, -1, -1, 0.0, 0.0, 0, 0)


@njit(cache=True, _nrt=False, inline="always")
def emit_assign(ops, w):
    _push(ops, ASSIGN, w, -1, -1, 0.0, 0.0, 0, 0)


@njit(cache=True, _nrt=False, inline="always")
def emit_grad(ops, w, k, s, c, delay):
    """Use computation k of worker w (sample s) with weight c; record its delay."""
    _push(ops, GRAD, w, k, s, c, 0.0, 0, delay)
    ops.delay_counts[min(delay, MAX_DELAY_BIN)] += 1


@njit(cache=True, _nrt=False, inline="always")
def emit_step(ops, c, t, computed):
    _push(ops, STEP, -1, -1, -1, c, t, computed, 0)


@njit(cache=True, _nrt=False, inline="always")
def emit_tgrad(ops, w, k, s, c, delay, row):
    """Add computation k of worker w (sample s), weighted c, to table row ``row``."""
    _push(ops, TGRAD, w, k, s, c, 0.0, row, delay)
    ops.delay_counts[min(delay, MAX_DELAY_BIN)] += 1


@njit(cache=True, _nrt=False, inline="always")
def emit_tscale(ops, row, a):
    _push(ops, TSCALE, row, -1, -1, a, 0.0, 0, 0)


@njit(cache=True, _nrt=False, inline="always")
def emit_tswap(ops, r, s):
    _push(ops, TSWAP, r, -1, -1, 0.0, 0.0, s, 0)


@njit(cache=True, _nrt=False, inline="always")
def emit_tsync(ops):
    _push(ops, TSYNC, -1, -1, -1, 0.0, 0.0, 0, 0)
