"""Compute times replayed from a recorded trace.

The file is a CSV with a header naming at least the columns ``worker`` (0-based integer
index) and ``duration`` (seconds, > 0); other columns are ignored. Worker w's k-th
computation takes the k-th duration listed for w, in file order; when a worker's
durations run out the replay cycles, starting again from that worker's first duration.
(It cannot stop with an error instead: the engine draws work ahead of need, in blocks,
so running past the end of the trace does not mean the run used those durations.)

Every duration of worker w is at most its largest recorded duration, so the replay
satisfies the fixed computation model (Mishchenko et al. 2022) with τ_w = max duration;
:meth:`TraceReplay.mean_times` gives the mean of each worker's durations (the long-run
mean of the replay).

Run identity. The engine hands each run fresh per-worker generators; this model draws
nothing from them but uses the generator object to tell runs apart, so that every run
replays the trace from its start (up to 8 interleaved runs per worker are tracked).
"""

from __future__ import annotations

import csv
import io
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import Field

from . import MODELS
from ..strict import Count, PathText, validated
from ._common import FileError, SpecModel
from .base import ComputeModel
from ..errors import SpecError
from ..files import read_text

_RUNS_TRACKED = 8


def read_trace(path) -> list[np.ndarray]:
    """Per-worker duration arrays from a trace CSV; errors name the file and line."""
    path = Path(path)
    per: dict[int, list[float]] = {}
    with io.StringIO(read_text(path), newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        for col in ("worker", "duration"):
            if col not in header:
                raise FileError(path, 1, f"missing column {col!r} (header: {', '.join(header) or 'empty'})")
        for row in reader:
            line = reader.line_num
            w_text, d_text = row["worker"], row["duration"]
            for col, text in (("worker", w_text), ("duration", d_text)):
                if text is None:
                    raise FileError(path, line, f"the row has no value in column {col!r}")
            try:
                w = int(str(w_text).strip())
            except ValueError:
                raise FileError(path, line, f"column 'worker' must be an integer, got {w_text!r}") from None
            if w < 0:
                raise FileError(path, line, f"column 'worker' must be >= 0, got {w}")
            try:
                d = float(str(d_text).strip())
            except ValueError:
                raise FileError(path, line, f"column 'duration' must be a number, got {d_text!r}") from None
            if not np.isfinite(d) or d <= 0:
                raise FileError(path, line, f"column 'duration' must be finite and > 0, got {d_text!r}")
            per.setdefault(w, []).append(d)
    if not per:
        raise FileError(path, None, "the trace has no rows")
    n = max(per) + 1
    missing = [w for w in range(n) if w not in per]
    if missing:
        raise FileError(path, None, f"worker {missing[0]} has no duration (workers are 0..{n - 1})")
    return [np.array(per[w]) for w in range(n)]


@MODELS.register("trace")
class TraceReplay(SpecModel, ComputeModel):
    """Compute times replayed per worker from a CSV trace (module docstring).

    Parameters
    ----------
    file : str
        Path of the CSV trace.
    n : int, optional
        Number of workers; must equal 1 + the largest worker index in the file.
    """

    kind = "duration"
    random = True
    properties = frozenset({"fixed-computation", "times-independent-of-samples", "worker-induced-delays"})

    @validated
    def __init__(
        self,
        file: Annotated[PathText, Field(description="path of the CSV trace (columns worker, duration)")],
        n: Annotated[Count | None, Field(description="number of workers: must be 1 + the largest worker "
                                                     "index in the file")] = None,
    ):
        self.file = file
        self.durations = read_trace(file)
        if n is not None and n != len(self.durations):
            raise SpecError("n", f"= {n} but the trace has workers 0..{len(self.durations) - 1}")
        self.n = len(self.durations)
        self._runs = [OrderedDict() for _ in range(self.n)]
        self._lock = threading.Lock()

    def work(self, worker, gen, samples, problem=None):
        """The worker's next ``len(samples)`` durations of the trace."""
        count = len(samples)
        d = self.durations[worker]
        with self._lock:
            runs = self._runs[worker]
            key = id(gen)
            entry = runs.pop(key, None)
            pos = entry[1] if entry is not None and entry[0] is gen else 0
            runs[key] = (gen, pos + count)
            while len(runs) > _RUNS_TRACKED:
                runs.popitem(last=False)
        return d[(pos + np.arange(count)) % d.size]

    def tau_bounds(self):
        return np.array([d.max() for d in self.durations])

    def mean_times(self):
        return np.array([d.mean() for d in self.durations])

    def parameters(self):
        return {"file": self.file, "n": self.n}
