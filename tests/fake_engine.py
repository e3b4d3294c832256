"""A stand-in for ``ratecheck.execute.run_fragment``: instant, deterministic, no numba.

For the fuzz and kill tests, which drive ``ratecheck check`` end to end without paying
for kernel compilation: :func:`run_fragment` (and :func:`run_fragments`, a batch) returns a run of ``sweep_fixture.execute``
(SGD on a separable quadratic) labelled with the fragment's algorithm, point and seed,
after sleeping ``FAKE_ENGINE_SLEEP`` seconds (environment variable, default 0). Being a
top-level function of an importable module, it also runs in pool workers (the tests put
this folder on ``PYTHONPATH``).

:func:`install` makes ``ratecheck check`` use it (``run_check`` imports
``run_fragment`` from its module at call time).
"""

from __future__ import annotations

import os
import time

from sweep_fixture import execute


def run_fragment(fragment: dict):
    time.sleep(float(os.environ.get("FAKE_ENGINE_SLEEP", "0")))
    targets = fragment.get("targets") or [0.1]
    result = execute({"seed": fragment["seed"], "params": {"gamma": 0.5}, "iterations": 200, "targets": targets})
    result.meta = {**fragment.get("meta", {}), "seed": fragment["seed"], "method": fragment["method"],
                   "params": fragment["params"], "path": "fake"}
    return result


def run_fragments(fragments: list[dict]):
    """The stand-in for a batch (``ratecheck.execute.run_fragments``): each fragment alone."""
    return [run_fragment(f) for f in fragments]


def install() -> None:
    import ratecheck.execute

    ratecheck.execute.run_fragment = run_fragment
    ratecheck.execute.run_fragments = run_fragments
