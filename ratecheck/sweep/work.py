"""What runs in a sweep's workers: one unit of runs called, its exception turned into
``error`` results (:func:`call_unit`), and the pool workers' set-up (:func:`worker_init`)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..engine.trace import RunResult
from .queue import alive

Execute = Callable[[dict[str, Any]], RunResult]
#: What a backend calls on a unit's fragments: their results and the seconds it took.
Work = Callable[[list[Mapping[str, Any]]], tuple[list[RunResult], float]]


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def error_result(exc: BaseException) -> RunResult:
    return RunResult(meta={}, status="error", reason=_one_line(exc))


def identity(fragment: Mapping[str, Any]) -> dict[str, Any]:
    """What names a run in its result's ``meta``: the fragment's ``meta`` (label, point,
    card), its seed, method and parameters (a failed run keeps them, so verdicts pair
    and count it)."""
    out = dict(fragment.get("meta") or {})
    for name in ("seed", "method", "params"):
        if fragment.get(name) is not None:
            out.setdefault(name, fragment[name])
    return out


def _call(fragment: Mapping[str, Any], execute: Execute) -> tuple[RunResult, float]:
    """``execute(fragment)`` and its duration; an exception becomes an ``error`` result."""
    start = time.perf_counter()
    try:
        result = execute(dict(fragment))
        if not isinstance(result, RunResult):
            raise TypeError(f"execute returned a {type(result).__name__}, not a RunResult")
    except Exception as exc:  # the sweep records it and goes on
        result = error_result(exc)
    return result, time.perf_counter() - start


def call_unit(fragments: list[Mapping[str, Any]], execute: Execute,
               run: Callable[[list[dict[str, Any]]], list[RunResult]] | None) -> tuple[list[RunResult], float]:
    """The results of a unit and its duration: ``execute`` for one fragment, ``run`` for
    several; an exception makes every result an ``error``."""
    if run is None or len(fragments) == 1:
        result, elapsed = _call(fragments[0], execute)
        return [result], elapsed
    start = time.perf_counter()
    try:
        results = run([dict(f) for f in fragments])
        if len(results) != len(fragments) or not all(isinstance(r, RunResult) for r in results):
            raise TypeError(f"a batch of {len(fragments)} runs returned {len(results)} results or not RunResults")
    except Exception as exc:  # the sweep records it for each run and goes on
        results = [error_result(exc) for _ in fragments]
    return results, time.perf_counter() - start


def worker_init(parent: int) -> None:
    """Pool workers ignore Ctrl-C (the parent stops them) and exit if orphaned.

    A worker checks twice a second that the sweep process ``parent`` is alive and exits
    once it is not (SIGKILL), so no worker outlives its sweep. (The forkserver cannot
    tell: every worker holds its "alive" pipe.)
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while alive(parent):
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="ratecheck-orphan-watch").start()
