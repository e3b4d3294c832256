"""What a schedule kernel reports: its progress counters and the status it returns.

``prog`` is an int64 array of :data:`N_PROGRESS` counters that persists between the
kernel's calls (the kernel is re-entrant, :mod:`.loop`):

* :data:`ITER` — server updates made so far (STEPs emitted);
* :data:`COMPUTED` — gradients that have arrived (popped from the clock);
* :data:`INIT` — 1 once x⁰ is broadcast and the first workers are started;
* :data:`DISCARDED` — arrived gradients the method dropped.

A call returns at an event boundary with one of :data:`OPS_FULL` (fewer op slots left
than one event may emit), :data:`NEED_WORK` (a work table runs low: the driver refills
it and calls again), :data:`DONE` (the horizon) or, in a checked build only,
:data:`OVERFLOW` (an event emitted more ops than the method declares).
"""

ITER, COMPUTED, INIT, DISCARDED = 0, 1, 2, 3
N_PROGRESS = 4

OPS_FULL, NEED_WORK, DONE, OVERFLOW = 0, 1, 2, 3
