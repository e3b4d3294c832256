"""Compiled pieces every schedule kernel shares (see :mod:`.base` for the contract)."""

import numpy as np
from numba import njit

from ..engine.clock import start
from ..engine.ops import emit_bcast
from .base import DONE, INIT, ITER, NEED_WORK, OPS_FULL


@njit(cache=True, _nrt=False)
def start_all(c, ops, prog, m):
    """First call of a kernel: broadcast x⁰ and start workers 0, …, m−1 at t = 0."""
    emit_bcast(ops)
    for w in range(m):
        start(c, w, 0.0)
    prog[INIT] = 1


@njit(cache=True, _nrt=False)
def pause(c, ops, prog, lim, cap, room):
    """The status a kernel returns before its next event (DONE at the horizon, OPS_FULL
    when fewer than ``room`` op slots are left, NEED_WORK when a work table runs low),
    or −1 to process the event. (A one-line wrapper, so that only arrays cross the call:
    see the note above the verbs of :mod:`ratecheck.engine.clock`.)"""
    return _pause(prog, lim, cap, room, c.heap_t, c.size, c.low, ops.size)


@njit(cache=True, _nrt=False)
def _pause(prog, lim, cap, room, heap_t, heap_size, low, ops_size):
    if prog[ITER] >= lim[0] or (heap_t[0] if heap_size[0] > 0 else np.inf) > lim[1]:
        return DONE
    if ops_size[0] + room > cap:
        return OPS_FULL
    if low[0]:
        return NEED_WORK
    return -1
