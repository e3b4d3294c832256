"""Compiled pieces every schedule kernel shares (see :mod:`.base` for the contract)."""

from numba import njit

from ..engine.clock import _peek_time, current_sample, start
from ..engine.ops import emit_assign, emit_bcast, emit_grad, emit_step
from .base import COMPUTED, DONE, INIT, ITER, NEED_WORK, OPS_FULL


@njit(cache=True, _nrt=False, inline="always")
def start_all(c, ops, prog, m):
    """First call of a kernel: broadcast x⁰ and start workers 0, …, m−1 at t = 0."""
    emit_bcast(ops)
    for w in range(m):
        start(c, w, 0.0)
    prog[INIT] = 1


@njit(cache=True, _nrt=False, inline="always")
def pause(c, ops, prog, lim, cap, room):
    """The status a kernel returns before its next event (DONE at the horizon, OPS_FULL
    when fewer than ``room`` op slots are left, NEED_WORK when a work table runs low),
    or −1 to process the event. (A one-line wrapper, so that only arrays cross the call:
    see the note above the verbs of :mod:`ratecheck.engine.clock`.)"""
    return _pause(prog, lim, cap, room, c.heap_t, c.size, c.low, ops.size)


@njit(cache=True, _nrt=False, inline="always")
def _pause(prog, lim, cap, room, heap_t, heap_size, low, ops_size):
    if prog[ITER] >= lim[0] or _peek_time(heap_t, heap_size) > lim[1]:
        return DONE
    if ops_size[0] + room > cap:
        return OPS_FULL
    if low[0]:
        return NEED_WORK
    return -1


@njit(cache=True, _nrt=False, inline="always")
def apply_now(c, ops, prog, w, t, coef, delay):
    """Apply worker w's arriving gradient, weighted ``coef``, as one update at time t."""
    emit_grad(ops, w, c.k[w], current_sample(c, w), coef, delay)
    prog[ITER] += 1
    emit_step(ops, 1.0, t, prog[COMPUTED])


@njit(cache=True, _nrt=False, inline="always")
def reassign(c, ops, prog, disp, w, t):
    """Hand worker w the current point (dispatched at update ``prog[ITER]``) and start it at t."""
    emit_assign(ops, w)
    disp[w] = prog[ITER]
    start(c, w, t)
