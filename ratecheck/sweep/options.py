"""The sweep options of a command line: ``--backend --workers --scheduler --force
--no-cache --store``.

A command (e.g. ``ratecheck check``) calls :func:`add_sweep_arguments` on its parser and
passes ``**sweep_options(args)`` to :func:`~ratecheck.sweep.runner.run_tasks`::

    ratecheck check spec.toml --out out/                      # all local cores
    ratecheck check spec.toml --backend dask-local --workers 8
    ratecheck check spec.toml --force                         # recompute, overwrite
    ratecheck check spec.toml --no-cache                      # store untouched

**On a SLURM cluster** start a Dask cluster whose workers are SLURM jobs with
dask-jobqueue (``pip install dask-jobqueue``), in a long-lived Python session on the
login node::

    from dask_jobqueue import SLURMCluster
    cluster = SLURMCluster(cores=1, processes=1, memory="4GB", walltime="02:00:00",
                           queue="normal")
    cluster.scale(jobs=64)            # or cluster.adapt(maximum_jobs=64)
    print(cluster.scheduler_address)  # tcp://10.0.0.5:8786

then point the sweep at it:
``ratecheck check spec.toml --backend dask --scheduler tcp://10.0.0.5:8786``.
ratecheck and its dependencies must be importable on the compute nodes (same
environment). Results travel back to the process that runs ``ratecheck check``, which
alone writes the store, so the store may sit on local disk; a sweep whose jobs are
pre-empted is resumed by running the same command again.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .runner import BACKENDS, check_options
from .store import ResultStore

#: Where the results store lives unless ``--store`` says otherwise (relative to the cwd).
DEFAULT_STORE = Path(".ratecheck") / "results.sqlite"


def add_sweep_arguments(
    parser: argparse.ArgumentParser, default_store: str | Path = DEFAULT_STORE
) -> argparse.ArgumentParser:
    """Add the sweep options, as an argument group, to ``parser``; return the parser."""
    group = parser.add_argument_group("sweep")
    group.add_argument("--backend", choices=BACKENDS, default="local",
                       help="where runs execute: serial, local process pool (default), "
                            "dask (an existing scheduler, see --scheduler), dask-local")
    group.add_argument("--workers", type=int, default=None, metavar="N",
                       help="processes for local / dask-local (default: all cores)")
    group.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="Dask scheduler address for --backend dask, e.g. tcp://host:8786")
    group.add_argument("--force", action="store_true",
                       help="recompute every run and overwrite the stored results (a damaged store "
                            "is set aside and a new one started)")
    group.add_argument("--no-cache", action="store_true",
                       help="neither read nor write the results store")
    group.add_argument("--store", type=Path, default=Path(default_store), metavar="PATH",
                       help=f"results store (SQLite file; default {default_store})")
    return parser


def sweep_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of ``run_tasks`` from parsed options (the store opened, or None
    with ``--no-cache``); bad combinations raise SpecError naming the option."""
    check_options(args.backend, args.workers, args.scheduler, args.force, args.no_cache)
    return {
        "store": None if args.no_cache else ResultStore(args.store, replace_damaged=args.force),
        "backend": args.backend,
        "workers": args.workers,
        "scheduler": args.scheduler,
        "force": args.force,
        "no_cache": args.no_cache,
    }
