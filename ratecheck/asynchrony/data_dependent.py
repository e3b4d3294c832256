"""Data-dependent compute times: the time of a gradient is a function of its sample.

time = b_w + c · cost[part, ξ], where ξ is the sample index the engine drew for that
computation, ``cost = problem.sample_cost`` (shape (n_parts, n_samples)) and part = w for
a heterogeneous problem (one part per worker), 0 otherwise.

This is the setting of Dahan, Reshef, Goldstein & Levy (arXiv 2605.02043, 2026; theory
notes delayed-and-momentum.md §0–§1, momentum-data-dependent.md): when costly samples
have systematically different gradients, delay-filtered SGD (drop gradients with delay
above R) and delay-adaptive stepsizes under-weight them, so these methods settle at the
minimiser of a reweighted objective, not at x*. The model violates the usual assumption
that compute times are independent of the stochastic gradients (Tyurin & Richtárik,
NeurIPS 2024, Assumption 3), so it declares ``data-dependent-delays`` and not
``times-independent-of-samples``. It draws no random numbers of its own (``random`` is
False): all its randomness is the sample's.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from . import MODELS
from ..strict import Count, Positive, validated
from ._common import SpecModel
from .base import ComputeModel
from .fixed import PerWorker, per_worker
from ..errors import SpecError
from ..problems.base import Problem


@MODELS.register("data-dependent")
class DataDependent(SpecModel, ComputeModel):
    """time = base_w + scale · problem.sample_cost[part, sample] (module docstring).

    Parameters
    ----------
    n : int
        Workers (optional when ``base`` is a list).
    base : profile name, number ≥ 0 or list of n numbers
        b_w (profile names as in the fixed model: ``linear`` gives b_w = w + 1). Default 0.
    scale : float > 0
        c, seconds per unit of sample cost.
    """

    kind = "duration"
    random = False
    properties = frozenset({"data-dependent-delays", "worker-induced-delays"})

    @validated
    def __init__(
        self,
        n: Annotated[Count | None, Field(description="number of workers (optional when base is a list)")] = None,
        base: Annotated[PerWorker, Field(description="base times b_w ≥ 0: a fixed-model profile name, one number "
                                                     "or n numbers")] = 0.0,
        scale: Annotated[Positive, Field(description="c, seconds per unit of sample cost")] = 1.0,
    ):
        b = per_worker("base", base, n)
        if n is None:
            if np.ndim(b) == 0:
                raise SpecError("n", "required (base does not fix the number of workers)")
            n = b.size
        self.n = n
        self.base = np.broadcast_to(b, (n,)).astype(float)
        self.scale = scale
        self._params = {"n": n, "base": base if isinstance(base, str) else np.asarray(base, dtype=float).tolist(),
                        "scale": self.scale}

    def _costs(self, problem):
        cost = None if problem is None else problem.sample_cost
        if cost is None:
            raise SpecError("asynchrony.model", "'data-dependent' needs a problem with per-sample costs (sample_cost)")
        return np.asarray(cost, dtype=float)

    def work(self, worker, gen, samples, problem=None):
        """b_w + c · cost[part, ξ] for the given sample indices ξ."""
        cost = self._costs(problem)
        samples = np.asarray(samples, dtype=np.int64)
        if samples.size and (samples.min() < 0 or samples.max() >= cost.shape[1]):
            raise SpecError("asynchrony.model", f"'data-dependent' needs sample indices in [0, {cost.shape[1]}), "
                                                f"got {samples.min()}..{samples.max()}")
        part = worker if problem.n_parts > 1 else 0
        return self.base[worker] + self.scale * cost[part, samples]

    def mean_times_for(self, problem) -> np.ndarray | None:
        """E[time_w] = b_w + c · mean_ξ cost[part, ξ] when the problem samples ξ uniformly
        (the default :meth:`Problem.draw_samples`); None otherwise."""
        cost = self._costs(problem)
        if type(problem).draw_samples is not Problem.draw_samples:
            return None
        means = cost.mean(axis=1)
        parts = np.arange(self.n) if problem.n_parts > 1 else np.zeros(self.n, dtype=int)
        return self.base + self.scale * means[parts]

    def parameters(self):
        return dict(self._params)
