"""Compiled pieces every schedule kernel shares (see :mod:`.base` for the contract)."""

from numba import njit

from ..engine.clock import peek_time, start
from ..engine.ops import emit_bcast
from .base import DONE, INIT, ITER, NEED_WORK, OPS_FULL


@njit(cache=True)
def start_all(c, ops, prog, m):
    """First call of a kernel: broadcast x⁰ and start workers 0, …, m−1 at t = 0."""
    emit_bcast(ops)
    for w in range(m):
        start(c, w, 0.0)
    prog[INIT] = 1


@njit(cache=True)
def pause(c, ops, prog, lim, cap, room):
    """The status a kernel returns before its next event (DONE at the horizon, OPS_FULL
    when fewer than ``room`` op slots are left, NEED_WORK when a work table runs low),
    or −1 to process the event."""
    if prog[ITER] >= lim[0] or peek_time(c) > lim[1]:
        return DONE
    if ops.size[0] + room > cap:
        return OPS_FULL
    if c.low[0]:
        return NEED_WORK
    return -1
