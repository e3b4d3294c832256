"""The asynchrony contracts (DESIGN.md, "Asynchrony").

:class:`ComputeModel` — n workers, each computing one stochastic gradient at a time.
The engine asks the model for the *work* of each computation, one worker at a time
and in order (k = 0, 1, 2, … for worker w), from the worker's own random stream, so
the k-th computation of worker w costs the same for every algorithm under the same
seed (common random numbers). A started computation consumes its draw even if the
algorithm later stops it.

* ``kind == "duration"``: the work is a duration in virtual seconds; a computation
  started at t finishes at t + duration.
* ``kind == "rate"``: the work is an amount of computation (1 gradient = 1 unit) and
  worker w has a piecewise-constant power v_w(t) (Tyurin 2025's universal model); a
  computation started at t finishes at the first T with ∫_t^T v_w = work.
  :meth:`ComputeModel.rate_table` returns the pieces.

Data-dependent models receive the sample indices drawn for the same computations
(``samples``) and the problem, so that the time can depend on the sample.

:class:`DelayModel` — the classical delayed-SGD setting x_{k+1} = x_k − γ g(x_{k−δ_k})
with the delay sequence given directly (no workers, no time).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..registry import construct


class _FromSpec:
    registry_name: ClassVar[str] = "?"

    @classmethod
    def from_spec(cls, spec: dict, field: str = "asynchrony"):
        """Build from a spec table; unknown keys raise :class:`SpecError`."""
        return construct(cls, spec, field)


class ComputeModel(_FromSpec):
    """n workers with compute-time draws; see the module docstring.

    Attributes
    ----------
    n : int
        Number of workers.
    kind : {"duration", "rate"}
    properties : frozenset of str
        Terms of :mod:`ratecheck.vocabulary` (e.g. ``fixed-computation``).
    random : bool
        False when every draw is deterministic (the engine then skips RNG streams).
    """

    n: int
    kind: ClassVar[str] = "duration"
    properties: frozenset = frozenset()
    random: bool = True

    def work(self, worker: int, gen: np.random.Generator | None, samples: np.ndarray, problem=None) -> np.ndarray:
        """Work of the worker's next ``len(samples)`` computations (float64 array)."""
        raise NotImplementedError

    def constant_work(self) -> np.ndarray | None:
        """Per-worker work when every computation of a worker takes the same, whatever
        its sample (the fixed model); None otherwise. The engine then fills its work
        tables once instead of per worker and per refill."""
        return None

    def tau_bounds(self) -> np.ndarray | None:
        """Per-worker upper bounds τ_i on compute time, if the model has them (fixed model)."""
        return None

    def mean_times(self) -> np.ndarray | None:
        """E[compute time] per worker, where it is known in closed form."""
        return None

    def rate_table(self):
        """For ``kind == "rate"``: ``(breaks, rates, period)``; breaks and rates of shape (n, P)."""
        raise NotImplementedError

    def parameters(self) -> dict[str, Any]:
        return {}

    def describe(self) -> dict[str, Any]:
        out = {"model": self.registry_name, "n": self.n, "parameters": self.parameters(), "properties": sorted(self.properties)}
        stats = self.statistics() if hasattr(self, "statistics") else {}
        if stats.get("basis"):
            out["statistics"] = stats
        return out


class DelayModel(_FromSpec):
    """A delay sequence δ_0, δ_1, … for x_{k+1} = x_k − γ g(x_{k−δ_k}) (δ_k ≤ k).

    ``adaptive = True`` models choose δ_k from the iterates (adversaries); the engine
    then calls :meth:`choose` with the candidate next iterates.
    """

    properties: frozenset = frozenset({"delay-sequence"})
    adaptive: ClassVar[bool] = False
    tau_max: int

    def delays(self, count: int, gen: np.random.Generator) -> np.ndarray:
        """The first ``count`` delays (before clipping to δ_k ≤ k)."""
        raise NotImplementedError

    def choose(self, k: int, candidates: np.ndarray, problem) -> int:
        """Adaptive models: pick δ_k given candidate next iterates, row j = delay j."""
        raise NotImplementedError

    def parameters(self) -> dict[str, Any]:
        return {}

    def describe(self) -> dict[str, Any]:
        return {"model": self.registry_name, "parameters": self.parameters(), "properties": sorted(self.properties)}
