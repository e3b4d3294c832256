"""The event loop every method runs, compiled once per method from the method's hooks.

A method (:class:`ratecheck.algorithms.base.Algorithm`) supplies only what is its own,
as small ``@njit(_nrt=False, inline="always")`` functions (class attributes):

* ``on_arrival(c, ops, prog, st, prm, t, w)`` — worker w's gradient arrived at time t:
  apply, buffer or discard it (emit ops, :mod:`.ops`), and start w (and any other
  worker) on its next computation (:func:`apply_now`, :func:`reassign`);
* ``on_start(c, ops, prog, st, prm)`` — optional, after the engine broadcast x⁰: start
  the first workers and set up the state (default :func:`start_every_worker`);
* ``resume(c, ops, prog, st, prm, cap)`` — optional, before every event: finish work
  left over from an earlier event that may not fit one op buffer (Malenia's flush);
  returns :data:`~.status.OPS_FULL` to stop the call, −1 to go on (default: none).

``c`` is the clock (:mod:`.clock`), ``ops`` the op buffer, ``prog`` the progress
counters (:mod:`.status`), ``st`` the method's named state arrays (``state_for``) and
``prm`` its named, typed parameters (``kernel_params``). The loop itself broadcasts x⁰,
pops events, counts them, and returns at an event boundary when the horizon is reached,
a work table runs low, or fewer op slots are left than ``room`` = the method's declared
``ops_per_event(n)`` (the driver passes it; it is declared once, by the method).

:func:`schedule_kernel` compiles the loop for one set of hooks: a copy of the template
:func:`_schedule` whose globals name those hooks, so numba inlines them into the loop
(a call that passes the clock's arrays costs more than the heap operation) and caches
it on disk under a name of its own. The **checked** build adds numba's bounds checks
and returns :data:`~.status.OVERFLOW` when one event emits more ops than ``room``; the
tests run it (``RATECHECK_CHECK_KERNELS=1``), the unchecked build writes past the op
buffer if a method under-declares.
"""

from __future__ import annotations

import types
from functools import lru_cache

from .._jit import njit

from .clock import _peek_time, current_sample, pop, start
from .ops import emit_assign, emit_bcast, emit_grad, emit_step
from .status import COMPUTED, DONE, INIT, ITER, NEED_WORK, OPS_FULL, OVERFLOW


# --- verbs for hooks ------------------------------------------------------------------------
@njit(cache=True, _nrt=False, inline="always")
def start_workers(c, m):
    """Start workers 0, …, m−1 at t = 0 (they compute at the broadcast x⁰)."""
    for w in range(m):
        start(c, w, 0.0)


@njit(cache=True, _nrt=False, inline="always")
def start_every_worker(c, ops, prog, st, prm):
    """The default ``on_start``: every worker starts at t = 0."""
    start_workers(c, c.k.shape[0])


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


@njit(cache=True, _nrt=False, inline="always")
def no_resume(c, ops, prog, st, prm, cap):
    """The default ``resume``: nothing is ever left over from an earlier event."""
    return -1


# --- the loop -------------------------------------------------------------------------------
@njit(cache=True, _nrt=False, inline="always")
def _pause(prog, lim, cap, room, heap_t, heap_size, low, ops_size):
    """The status to return before the next event, or −1 to process it (arrays only cross
    the call: see the note above the verbs of :mod:`.clock`)."""
    if prog[ITER] >= lim[0] or _peek_time(heap_t, heap_size) > lim[1]:
        return DONE
    if ops_size[0] + room > cap:
        return OPS_FULL
    if low[0]:
        return NEED_WORK
    return -1


# The template's hooks: module globals, so that it reads and lints as ordinary code;
# schedule_kernel() compiles copies of it whose globals name one method's hooks.
on_start, on_arrival, resume, CHECKED = start_every_worker, None, no_resume, False


def _schedule(c, ops, prog, st, prm, lim, cap, room):
    """kernel(clock, ops, prog, st, prm, lim, cap, room) -> status: run events until the
    horizon ``lim`` = [max_iterations, max_time], a full buffer (``cap`` slots, ``room``
    kept free per event) or a low work table (module docstring)."""
    if prog[INIT] == 0:
        emit_bcast(ops)
        on_start(c, ops, prog, st, prm)
        prog[INIT] = 1
    while True:
        status = resume(c, ops, prog, st, prm, cap)
        if status >= 0:
            return status
        status = _pause(prog, lim, cap, room, c.heap_t, c.size, c.low, ops.size)
        if status >= 0:
            return status
        t, w = pop(c)
        prog[COMPUTED] += 1
        before = ops.size[0]
        on_arrival(c, ops, prog, st, prm, t, w)
        if CHECKED and ops.size[0] - before > room:
            return OVERFLOW


def _name(hook) -> str:
    f = getattr(hook, "py_func", hook)
    return f"{f.__module__}.{f.__qualname__}"


@lru_cache(maxsize=None)
def schedule_kernel(start_hook, arrival_hook, resume_hook=no_resume, checked: bool = False):
    """The loop compiled with these hooks (checked: bounds checks and the room check).
    Cached on disk when every hook is ratecheck's own (the cache folder is keyed by
    ratecheck's sources, :mod:`ratecheck._cache`); a hook from elsewhere compiles once
    per process, since numba would not notice that its source changed."""
    hooks = (start_hook, arrival_hook, resume_hook)
    names = [_name(h) for h in hooks]
    qualname = "schedule." + "+".join(names) + (".checked" if checked else "")
    glb = {**_schedule.__globals__, "on_start": start_hook, "on_arrival": arrival_hook, "resume": resume_hook,
           "CHECKED": checked}
    fn = types.FunctionType(_schedule.__code__, glb, "schedule")
    fn.__qualname__ = qualname
    fn.__doc__ = _schedule.__doc__
    own = all(name.startswith("ratecheck.") for name in names)
    return njit(cache=own, _nrt=False, boundscheck=checked)(fn)


def kernel_for(method, checked: bool = False):
    """The compiled loop of a method (an object or class with the hooks as attributes)."""
    cls = method if isinstance(method, type) else type(method)
    return schedule_kernel(cls.on_start, cls.on_arrival, cls.resume, checked)
