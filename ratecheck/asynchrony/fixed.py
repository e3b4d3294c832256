"""The fixed computation model: worker i needs τ_i seconds for every gradient.

Mishchenko et al. (NeurIPS 2022) and Tyurin & Richtárik (NeurIPS 2023) let worker i
take *at most* τ_i seconds per stochastic gradient; this model takes exactly τ_i,
the worst case allowed (theory note fixed-computation.md §1). Profiles, i = 1, …, n,
all multiplied by ``scale``:

=================  ==========================================================
``equal``          τ_i = 1
``sqrt``           τ_i = √i            (Bridging paper BR-Q; Ringmaster code bases)
``linear``         τ_i = i             (Ringmaster / Ringleader experiments)
``quadratic``      τ_i = i²            (Bridging paper BR-Q, BR-R18)
``exponential``    τ_i = s^{(i−1)/(n−1)}, s = ``spread`` = τ_n/τ_1 (default 10)
``straggler``      τ_i = 1 for i < n, τ_n = ``spread`` (default 10); spread < 1
                   gives one fast worker (BR-Q: τ_1 = 0.01, τ_{i≥2} = 1)
``two-clusters``   τ_i = 1 for the first ⌊``fraction``·n⌋ workers (default ½),
                   ``spread`` for the rest
``list``           τ given explicitly by ``tau = [...]``
=================  ==========================================================

``order``: ``sorted`` (τ_1 ≤ … ≤ τ_n, the papers' w.l.o.g. convention), ``shuffled``
(a permutation drawn from ``shuffle_seed``, so the instance is deterministic; the
Ringmaster/Ringleader code permutes its bases, theory note §3.7, §9) or ``given``
(the profile's own order, e.g. the order of ``tau``).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from . import MODELS
from ..strict import Count, Index, NonNegative, Positive, validated
from ._common import SpecModel, worker_list
from .base import ComputeModel
from ..errors import SpecError

PROFILES = ("equal", "sqrt", "linear", "quadratic", "exponential", "straggler", "two-clusters", "list")
#: The profiles a per-worker parameter may name (``list``: give the list itself).
WORKER_PROFILES = tuple(p for p in PROFILES if p != "list")
ORDERS = ("sorted", "shuffled", "given")

# The profile's parameters, declared once for the models that take them (fixed, universal).
Profile = Annotated[Literal[PROFILES] | None, Field(description="named τ profile (default 'list' "
                                                                "with tau, else 'equal')")]
Tau = Annotated[list[Positive] | None, Field(description="τ_1, …, τ_n given explicitly (profile = 'list')")]
Spread = Annotated[Positive | None, Field(description="τ_n/τ_1 of 'exponential', τ_n of 'straggler', the slow "
                                                      "workers' τ of 'two-clusters' (default 10)")]
Fraction = Annotated[Positive | None, Field(description="'two-clusters': the first ⌊fraction·n⌋ workers "
                                                        "have τ = 1 (default ½)")]
#: A per-worker number ≥ 0 (> 0: :data:`PositivePerWorker`): a profile name, one number or a list of n numbers.
PerWorker = Literal[WORKER_PROFILES] | NonNegative | list[NonNegative]
PositivePerWorker = Literal[WORKER_PROFILES] | Positive | list[Positive]


def tau_profile(profile: str, n: int | None = None, *, spread=None, fraction=None, tau=None) -> np.ndarray:
    """The unscaled τ_1, …, τ_n of a named profile (table in the module docstring), from
    values that the calling model's declaration has checked (:data:`Profile`, …).

    Parameters that the profile does not use raise :class:`SpecError`, as does a
    profile that yields no worker or a τ list whose length is not n.
    """
    if profile == "list":
        if tau is None:
            raise SpecError("tau", "required with profile = 'list'")
        t = worker_list("tau", tau, n)
        unused = {"spread": spread, "fraction": fraction}
    else:
        if tau is not None:
            raise SpecError("tau", f"only used with profile = 'list', got profile = {profile!r}")
        if n is None:
            raise SpecError("n", f"required with profile = {profile!r}")
        i = np.arange(1, n + 1, dtype=float)
        s = 10.0 if spread is None else spread
        unused = {}
        if profile not in ("exponential", "straggler", "two-clusters"):
            unused["spread"] = spread
        if profile != "two-clusters":
            unused["fraction"] = fraction
        if profile == "equal":
            t = np.ones(n)
        elif profile == "sqrt":
            t = np.sqrt(i)
        elif profile == "linear":
            t = i
        elif profile == "quadratic":
            t = i**2
        elif profile == "exponential":
            t = s ** ((i - 1) / (n - 1)) if n > 1 else np.ones(1)
        elif profile == "straggler":
            t = np.ones(n)
            t[-1] = s
        else:
            f = 0.5 if fraction is None else fraction
            fast = int(np.floor(f * n))
            if not 1 <= fast <= n - 1:
                raise SpecError("fraction", f"⌊fraction·n⌋ = {fast} must be between 1 and n − 1 = {n - 1}")
            t = np.where(np.arange(n) < fast, 1.0, s)
    for name, value in unused.items():
        if value is not None:
            raise SpecError(name, f"not used by profile {profile!r}")
    return t


def per_worker(field: str, value, n: int | None) -> np.ndarray | float:
    """A per-worker parameter (:data:`PerWorker`, checked by the model's declaration) as
    the number or the n numbers it gives."""
    if isinstance(value, str):
        if n is None:
            raise SpecError("n", f"required when {field} is a profile name")
        return tau_profile(value, n)
    return worker_list(field, value, n) if isinstance(value, list) else value


@MODELS.register("fixed")
class FixedModel(SpecModel, ComputeModel):
    """Worker i computes every gradient in exactly τ_i seconds (see module docstring)."""

    kind = "duration"
    properties = frozenset({"fixed-computation", "times-independent-of-samples", "worker-induced-delays"})
    random = False

    @validated
    def __init__(
        self,
        n: Annotated[Count | None, Field(description="number of workers (not needed with tau)")] = None,
        profile: Profile = None,
        tau: Tau = None,
        scale: Annotated[Positive, Field(description="multiplies every τ_i")] = 1.0,
        spread: Spread = None,
        fraction: Fraction = None,
        order: Annotated[Literal[ORDERS], Field(description="τ sorted increasingly, shuffled with shuffle_seed, "
                                                            "or as the profile gives them")] = "sorted",
        shuffle_seed: Annotated[Index | None, Field(description="seed of the permutation (order = 'shuffled'; "
                                                                "default 0)")] = None,
    ):
        if profile is None:
            profile = "list" if tau is not None else "equal"
        base = tau_profile(profile, n, spread=spread, fraction=fraction, tau=tau)
        self.scale = scale
        self.order = order
        if shuffle_seed is not None and self.order != "shuffled":
            raise SpecError("shuffle_seed", f"only used with order = 'shuffled', got order = {self.order!r}")
        t = base * self.scale
        if self.order == "sorted":
            t = np.sort(t)
        elif self.order == "shuffled":
            self.shuffle_seed = 0 if shuffle_seed is None else shuffle_seed
            t = t[np.random.default_rng(self.shuffle_seed).permutation(t.size)]
        if not np.all(np.isfinite(t)):
            raise SpecError("scale", "τ_i · scale overflows")
        self.tau = t
        self.n = int(t.size)
        self.profile = profile
        self._params = {"n": self.n, "profile": profile, "scale": self.scale, "order": self.order}
        if profile == "list":
            self._params["tau"] = [float(v) for v in base]
        if spread is not None:
            self._params["spread"] = float(spread)
        if fraction is not None:
            self._params["fraction"] = float(fraction)
        if self.order == "shuffled":
            self._params["shuffle_seed"] = self.shuffle_seed

    def work(self, worker, gen, samples, problem=None):
        """τ_worker for each of the next ``len(samples)`` computations."""
        return np.full(len(samples), self.tau[worker], dtype=float)

    def constant_work(self):
        return self.tau.copy()

    def tau_bounds(self):
        return self.tau.copy()

    def mean_times(self):
        return self.tau.copy()

    def parameters(self):
        return dict(self._params)
