"""Random compute times: worker i takes b_i + X_i seconds, X_i drawn afresh per gradient.

The noise X_i ≥ 0 has scale s_i and one of these laws (closed-form mean m_i):

=================  ==================================  ================================
``half-normal``    X = s|Z|, Z ~ N(0, 1)               m = s √(2/π)
``exponential``    X ~ Exp(mean s)                     m = s
``gamma``          X ~ Gamma(shape k, scale s)         m = k s
``lognormal``      X = s e^{σZ} (median s, σ = shape)  m = s e^{σ²/2}
``pareto``         X = s L, L ~ Lomax(α = shape),      m = s/(α − 1) for α > 1, else ∞
                   P(X > x) = (1 + x/s)^{−α}
=================  ==================================  ================================

So E[time_i] = b_i + m_i (:meth:`RandomTimes.mean_times`). Experiments reproduced:

* Ringmaster (Maranjyan, Tyurin & Richtárik, ICML 2025) and Ringleader: τ_i = i + |η_i|,
  η_i ~ N(0, i). **N(0, i) is read as variance i**, i.e. s_i = √i (``noise = "sqrt"``):
  the authors' simulator draws ``abs(normal(loc=0, scale=sqrt(index + 1)))`` with a
  0-based index (vectozavr/ringmaster-lmo @ 9013e25, code/experiments/mf_test.py; theory
  note fixed-computation.md §3.7). Spec: ``family = "half-normal"``, ``base = "linear"``,
  ``noise = "sqrt"``.
* ATA (Maranjyan et al., ICML 2025): X_i = β(i+1) + Exp(mean β(i+1)) with 0-based i, i.e.
  ``family = "exponential"``, ``base = "linear"``, ``noise = "linear"``,
  ``base_scale = noise_scale = β`` (theory note §5.4).

Draws. One uniform per computation from the worker's stream is mapped through the
inverse survival function, X = F̄⁻¹(W) with W = (2⌊2⁵²U⌋ + 1)·2⁻⁵³ ∈ (0, 1) (so X is
finite and > 0); a model therefore gives identical draws however the engine chunks its
requests (common random numbers), and the same uniforms drive every family.

Truncation. With ``bound`` = τ_i the noise is conditioned on b_i + X_i ≤ τ_i
(W uniform on (F̄(τ_i − b_i), 1)), so the model also satisfies the fixed computation
model with these τ_i (Mishchenko et al. 2022) and declares ``fixed-computation``.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import Field
from scipy import special

from . import MODELS
from ..strict import Count, Index, NonNegative, Positive, validated
from ._common import SpecModel, worker_list
from .base import ComputeModel
from .fixed import PerWorker, PositivePerWorker, per_worker
from ..errors import SpecError

FAMILIES = ("half-normal", "exponential", "gamma", "lognormal", "pareto")
_SHAPED = {"gamma": "k", "lognormal": "σ", "pareto": "α"}


def survival(family: str, x, s, shape=None):
    """F̄(x) = P(X > x) of the noise law with scale s."""
    x = np.asarray(x, dtype=float) / s
    if family == "half-normal":
        return special.erfc(x / math.sqrt(2.0))
    if family == "exponential":
        return np.exp(-x)
    if family == "gamma":
        return special.gammaincc(shape, x)
    if family == "lognormal":
        with np.errstate(divide="ignore"):
            return 0.5 * special.erfc(np.log(x) / (shape * math.sqrt(2.0)))
    return (1.0 + x) ** (-shape)


def inverse_survival(family: str, w, s, shape=None):
    """F̄⁻¹(w), the x with P(X > x) = w, for w in (0, 1)."""
    w = np.asarray(w, dtype=float)
    if family == "half-normal":
        q = math.sqrt(2.0) * special.erfcinv(w)
    elif family == "exponential":
        q = -np.log(w)
    elif family == "gamma":
        q = special.gammainccinv(shape, w)
    elif family == "lognormal":
        q = np.exp(shape * math.sqrt(2.0) * special.erfcinv(2.0 * w))
    else:
        q = np.expm1(-np.log(w) / shape)
    return s * q


def noise_mean(family: str, s: float, shape=None, cap: float = math.inf) -> float:
    """E[X | X ≤ cap] (E[X] when cap = ∞), closed form.

    Truncated means use E[X; X ≤ c] = ∫_0^c F̄ − c F̄(c) and the standard identities:
    half-normal s√(2/π)(1 − e^{−c²/2s²}); exponential s(1 − e^{−c/s}) − c e^{−c/s};
    gamma k s P(k+1, c/s); lognormal s e^{σ²/2} Φ((ln(c/s) − σ²)/σ); Lomax
    s/(α−1)(1 − (1+c/s)^{1−α}) − c(1+c/s)^{−α} (s ln(1+c/s) − c/(1+c/s) at α = 1),
    with P the regularised lower incomplete gamma function and Φ the normal CDF.
    """
    if math.isinf(cap):
        if family == "half-normal":
            return s * math.sqrt(2.0 / math.pi)
        if family == "exponential":
            return s
        if family == "gamma":
            return shape * s
        if family == "lognormal":
            return s * math.exp(shape**2 / 2)
        return s / (shape - 1) if shape > 1 else math.inf
    c = cap / s
    mass = 1.0 - float(survival(family, cap, s, shape))
    if family == "half-normal":
        part = s * math.sqrt(2.0 / math.pi) * -math.expm1(-c * c / 2)
    elif family == "exponential":
        part = s * -math.expm1(-c) - cap * math.exp(-c)
    elif family == "gamma":
        part = shape * s * special.gammainc(shape + 1, c)
    elif family == "lognormal":
        part = s * math.exp(shape**2 / 2) * special.ndtr((math.log(c) - shape**2) / shape)
    elif shape == 1:
        part = s * math.log1p(c) - cap / (1 + c)
    else:
        part = s / (shape - 1) * (1 - (1 + c) ** (1 - shape)) - cap * (1 + c) ** (-shape)
    return part / mass


@MODELS.register("random")
class RandomTimes(SpecModel, ComputeModel):
    """Worker i takes b_i + X_i seconds per gradient, X_i i.i.d. per computation (module docstring).

    Parameters
    ----------
    n : int
        Workers (optional when a list fixes it).
    family : {"half-normal", "exponential", "gamma", "lognormal", "pareto"}
    base, noise : profile name, number, or list of n numbers
        b_i ≥ 0 and the noise scale s_i > 0; profile names are those of the fixed
        model (``linear``: i, ``sqrt``: √i, …, i = 1..n). Defaults: b = 0, s = 1.
    base_scale, noise_scale : float
        Multiply b and s.
    shape : float
        k (gamma), σ (lognormal) or α (pareto); required by these families only.
    bound : number or list of n numbers, optional
        τ_i: truncate the time to b_i + X_i ≤ τ_i (must exceed b_i).
    order : {"given", "shuffled"}
        ``shuffled`` permutes the workers' (b_i, s_i, τ_i) jointly with ``shuffle_seed``.
    """

    kind = "duration"
    random = True

    @validated
    def __init__(
        self,
        n: Annotated[Count | None, Field(description="number of workers (optional when a list fixes it)")] = None,
        family: Annotated[Literal[FAMILIES], Field(description="law of the noise X_i")] = "half-normal",
        base: Annotated[PerWorker, Field(description="base times b_i ≥ 0: a fixed-model profile name, one number "
                                                     "or n numbers")] = 0.0,
        noise: Annotated[PositivePerWorker, Field(description="noise scales s_i > 0: a fixed-model profile name, "
                                                              "one number or n numbers")] = 1.0,
        base_scale: Annotated[NonNegative, Field(description="multiplies every b_i")] = 1.0,
        noise_scale: Annotated[Positive, Field(description="multiplies every s_i")] = 1.0,
        shape: Annotated[Positive | None, Field(description="k (gamma), σ (lognormal) or α (pareto); required "
                                                            "by these families only")] = None,
        bound: Annotated[Positive | list[Positive] | None, Field(description="τ_i: truncate the time to "
                                                                             "b_i + X_i ≤ τ_i (must exceed b_i)")] = None,
        order: Annotated[Literal["given", "shuffled"], Field(description="the workers as given, or their "
                                                                         "(b_i, s_i, τ_i) permuted jointly")] = "given",
        shuffle_seed: Annotated[Index | None, Field(description="seed of the permutation (order = 'shuffled'; "
                                                                "default 0)")] = None,
    ):
        self.family = family
        b = per_worker("base", base, n) * base_scale
        s = per_worker("noise", noise, n) * noise_scale
        sizes = {np.size(v) for v in (b, s) if np.ndim(v) == 1}
        if isinstance(bound, list):
            sizes.add(len(bound))
        if len(sizes) > 1:
            raise SpecError("n", f"base, noise and bound give different numbers of workers: {sorted(sizes)}")
        n = n if n is not None else (sizes.pop() if sizes else None)
        if n is None:
            raise SpecError("n", "required (no list fixes the number of workers)")
        self.n = n
        self.base = np.broadcast_to(b, (n,)).astype(float)
        self.scale = np.broadcast_to(s, (n,)).astype(float)
        if self.family in _SHAPED:
            if shape is None:
                raise SpecError("shape", f"required by family {self.family!r} (its {_SHAPED[self.family]})")
            self.shape = shape
        elif shape is not None:
            raise SpecError("shape", f"not used by family {self.family!r}")
        else:
            self.shape = None
        if bound is None:
            self.bound = None
        else:
            tau = worker_list("bound", bound, n) if isinstance(bound, list) else np.full(n, bound)
            low = np.flatnonzero(tau <= self.base)
            if low.size:
                i = int(low[0])
                raise SpecError("bound", f"τ_{i} = {tau[i]!r} must exceed the base time b_{i} = {self.base[i]!r}")
            self.bound = tau
        self.order = order
        if shuffle_seed is not None and self.order != "shuffled":
            raise SpecError("shuffle_seed", "only used with order = 'shuffled'")
        if self.order == "shuffled":
            self.shuffle_seed = 0 if shuffle_seed is None else shuffle_seed
            perm = np.random.default_rng(self.shuffle_seed).permutation(n)
            self.base, self.scale = self.base[perm], self.scale[perm]
            if self.bound is not None:
                self.bound = self.bound[perm]
        # survival of the truncation point: W is uniform on (w_low, 1)
        if self.bound is None:
            self._w_low = np.zeros(n)
        else:
            self._w_low = survival(self.family, self.bound - self.base, self.scale, self.shape)
        self.properties = frozenset({"random-computation", "times-independent-of-samples", "worker-induced-delays"}
                                    | ({"fixed-computation"} if self.bound is not None else set()))
        self._params = {"n": n, "family": self.family, "base": _plain(base), "noise": _plain(noise),
                        "base_scale": float(base_scale), "noise_scale": float(noise_scale), "order": self.order}
        for key, value in (("shape", self.shape), ("bound", None if bound is None else _plain(bound))):
            if value is not None:
                self._params[key] = value
        if self.order == "shuffled":
            self._params["shuffle_seed"] = self.shuffle_seed

    def work(self, worker, gen, samples, problem=None):
        """b_w + F̄⁻¹(W) for the next ``len(samples)`` computations, one uniform each."""
        u = gen.random(len(samples))
        w = (2.0 * np.floor(u * 2.0**52) + 1.0) * 2.0**-53
        lo = self._w_low[worker]
        if lo > 0:
            w = lo + (1.0 - lo) * w
        x = inverse_survival(self.family, w, self.scale[worker], self.shape)
        return self.base[worker] + x

    def tau_bounds(self):
        return None if self.bound is None else self.bound.copy()

    def mean_times(self):
        cap = self.bound - self.base if self.bound is not None else np.full(self.n, math.inf)
        return np.array([b + noise_mean(self.family, s, self.shape, c) for b, s, c in zip(self.base, self.scale, cap)])

    def parameters(self):
        return dict(self._params)


def _plain(v):
    return [float(x) for x in v] if np.ndim(v) == 1 else (v if isinstance(v, str) else float(v))
