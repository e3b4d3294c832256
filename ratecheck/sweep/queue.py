"""The runs a sweep still has to do, handed to its backend one unit at a time (a unit:
runs that one call computes together, :class:`~ratecheck.sweep.runner.Batching`).

With a results store, each run is *claimed* before it is handed out: the sweep takes
the run's lease in the store (:meth:`~ratecheck.sweep.store.ResultStore.claim`). A run
whose lease another process holds is not recomputed: the queue sets it aside and, at
most every ``poll_s`` seconds, looks again: once the other process has stored the run,
its result is taken as reused; once the lease has expired (the other process died
without storing it), the run is claimed and handed out here — at once when the holder
was a process of this machine that no longer runs (e.g. a sweep killed and restarted).
So concurrent sweeps on one store share the work and none is lost.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.trace import RunResult
from .database import LEASE_S
from .store import ResultStore

if TYPE_CHECKING:
    from .runner import Task

#: Seconds between looks at runs that another process is computing.
POLL_S = 1.0


def new_owner() -> str:
    """A lease owner id unique to this sweep: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return not Path("/proc/self").exists()  # no procfs: trust kill()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def gone(owner: str) -> bool:
    """Whether a lease owner (:func:`new_owner`) was a process of this machine that no longer runs."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and not alive(int(pid))


class WorkQueue:
    """Pending units of tasks in order; :meth:`take` hands out the next tasks this sweep
    may run together (those of one unit it could claim).

    ``store=None`` (no cache): every task is handed out in order, nothing is claimed.
    ``force``: stored results are not reused, but leases are still respected.
    ``on_reuse(task, result)`` is called for a run another process stored meanwhile.
    """

    def __init__(self, todo: list[list["Task"]], store: ResultStore | None, *, force: bool = False,
                 lease_s: float = LEASE_S, poll_s: float = POLL_S,
                 on_reuse: Callable[["Task", RunResult], None] | None = None):
        self.store, self.force = store, force
        self.owner = new_owner()
        self.lease_s, self.poll_s = lease_s, poll_s
        self.on_reuse = on_reuse or (lambda task, result: None)
        self._fresh = deque(todo)
        self._waiting: list["Task"] = []
        self._looked = 0.0

    @property
    def empty(self) -> bool:
        """Nothing left to hand out or to wait for."""
        return not self._fresh and not self._waiting

    def take(self) -> list["Task"] | None:
        """The next tasks to run together, claimed (the claimable ones of the next unit; a
        task set aside and claimed later runs alone); None if every remaining one is
        another process's."""
        while self._fresh:
            unit = [task for task in self._fresh.popleft() if self._claim(task)]
            if unit:
                return unit
        if self._waiting and time.monotonic() - self._looked >= self.poll_s:
            self._looked = time.monotonic()
            waiting, self._waiting = self._waiting, []
            for i, task in enumerate(waiting):
                if self._claim(task):
                    self._waiting += waiting[i + 1:]
                    return [task]
        return None

    def wait(self) -> None:
        """Sleep until the runs of other processes are worth another look."""
        time.sleep(max(0.0, self._looked + self.poll_s - time.monotonic()) or self.poll_s / 10)

    def _claim(self, task: "Task") -> bool:
        """True: run it here. False: it was stored meanwhile (reused) or set aside (leased)."""
        if self.store is None:
            return True
        if not self.force:
            hit = self.store.cached(task.key)
            if hit is not None:
                self.on_reuse(task, hit)
                return False
        if self.store.claim(task.key, self.owner, self.lease_s, gone):
            return True
        self._waiting.append(task)
        return False
