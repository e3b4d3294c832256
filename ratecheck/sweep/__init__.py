"""Sweeps: run keys, the results store, the runner and its backends, best-of selection.

* :mod:`.keys` — :func:`run_key`, the hash of a run's fragment and the code version.
* :mod:`.store` — :class:`ResultStore`, the SQLite (WAL) results store and tidy table.
* :mod:`.runner` — :func:`run_tasks` over serial / local / dask / dask-local backends.
* :mod:`.queue` — :class:`WorkQueue`, the pending runs, each claimed (leased) in the
  store before it starts, so concurrent sweeps on one store share the work.
* :mod:`.options` — the ``--backend --workers --scheduler --force --no-cache --store``
  command-line options (and how SLURM users reach a cluster).
* :mod:`.best` — :func:`select_best`, the best grid value per group.
"""

from .best import Choice, Selection, select_best
from .keys import canonical_json, run_key
from .options import DEFAULT_STORE, add_sweep_arguments, sweep_options
from .runner import BACKENDS, SweepOutcome, Task, run_tasks
from .store import ResultStore

__all__ = [
    "BACKENDS", "Choice", "DEFAULT_STORE", "ResultStore", "Selection", "SweepOutcome", "Task",
    "add_sweep_arguments", "canonical_json", "run_key", "run_tasks", "select_best",
    "sweep_options",
]
