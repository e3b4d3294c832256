"""The simulation engine: schedule (who finishes when) + recursion (the iterates).

* :mod:`.rng` — per-worker random streams (common random numbers).
* :mod:`.clock` — compiled event clock: virtual time, the heap of finish times, the
  documented tie-breaking rule, work tables drawn from the asynchrony model.
* :mod:`.ops` — the op stream a schedule emits and the recursion replays.
* :mod:`.status` — the schedule kernel's progress counters and return statuses.
* :mod:`.loop` — the one event loop, compiled per method from the method's hooks.
* :mod:`.schedule` — drives an algorithm's compiled schedule kernel chunk by chunk.
* :mod:`.recursion` — the replay's state: iterate versions, rule state, update rules.
* :mod:`.replay` — the replay template, built per problem oracle (compiled, or run as
  Python around a numpy oracle), batched over stepsizes; also the delay-sequence loop.
* :mod:`.tally` — the statistics: running values, exact first hits, checkpoints.
* :mod:`.run` — :func:`simulate`, the one entry point (a sweep's fragment reaches it
  through :mod:`ratecheck.execute`).
* :mod:`.delayed` — the delay-sequence path x_{k+1} = x_k − γ g(x_{k−δ_k}).
* :mod:`.stepsize` — stepsize schedules γ_k = γ · s(k), evaluated in the replay.

The compiled modules take ``njit`` from :mod:`ratecheck._jit`, which points numba's cache
for the package's code at a folder keyed by the kernels' sources; importing the package
itself (e.g. for :mod:`.trace`) imports no numba.
"""
