"""Quadratics with a prescribed spectrum: f(x) = ½ (x − x*)ᵀ A (x − x*) + f*.

A = diag(λ) (or Q diag(λ) Qᵀ with a seeded random orthogonal Q when ``dense``), so
every constant is known in closed form:

* L = max λ, μ = min λ (μ = 0 allowed: convex, not strongly convex);
* Δ = f(x0) − f* = ½ (x0 − x*)ᵀ A (x0 − x*), D = ‖x0 − x*‖;
* σ²: the stochastic gradient is g(y; z) = A (y − x*) + noise with

  - ``noise = "gaussian"``: noise = √(σ²/d) z, z ~ N(0, I_d), covariance (σ²/d) I, so
    E‖g − ∇f‖² = σ² exactly;
  - ``noise = "scalar"``: noise = s ζ 1 with one ζ ~ N(0, 1) shared by all coordinates
    and s = √(σ²/d), so E‖g − ∇f‖² = d s² = σ² exactly (the noise of the Ringmaster
    quadratic experiment, Maranjyan, Tyurin & Richtárik, ICML 2025; theory note
    fixed-computation.md §3.7).

Spectra (i = 0, …, d − 1; the end points are set to μ and L exactly):
``linear`` λ_i = μ + (L − μ) i/(d − 1); ``geometric`` λ_i = μ (L/μ)^{i/(d−1)} (μ > 0);
``two-level`` λ_i = μ for i < ⌊d/2⌋ and L otherwise; or an explicit list ``eigenvalues``.

Defaults: x* = (1, …, 1), x0 = 0 (so D = √d). ``D`` instead of ``x0`` puts
x0 = x* − D·1/√d. With σ² = 0 the oracle is exact and consumes no normals
(``noise_dim = 0``); otherwise ``noise_dim`` is d (gaussian) or 1 (scalar).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from numba import njit
from pydantic import Field

from ..constants import ConstantSet, exact
from ..errors import SpecError
from . import PROBLEMS
from ..strict import Finite, Index, NonNegative, Positive, Vector, validated
from ._common import AdditiveVariance, Dimension, SpecProblem, curvature_range, vector
from ._noise import GAUSSIAN, NOISES, add_noise, noise_mode, with_noise
from .base import FastOracle

SPECTRA = ("linear", "geometric", "two-level")


def spectrum_values(kind: str, d: int, L: float, mu: float) -> np.ndarray:
    """The eigenvalues λ_0 ≤ … ≤ λ_{d−1} of a named spectrum, with λ_0 = μ and λ_{d−1} = L exactly."""
    if d == 1 or mu == L:
        return np.full(d, L)
    t = np.arange(d) / (d - 1)
    if kind == "linear":
        lam = mu + (L - mu) * t
    elif kind == "geometric":
        lam = mu * (L / mu) ** t
    else:
        lam = np.where(np.arange(d) < d // 2, mu, L)
    lam[0], lam[-1] = mu, L
    return lam


def random_orthogonal(d: int, seed: int) -> np.ndarray:
    """Haar-distributed orthogonal matrix: QR of a Gaussian matrix with sign(diag R) fixed (Mezzadri 2007)."""
    g = np.random.default_rng(seed).standard_normal((d, d))
    q, r = np.linalg.qr(g)
    return q * np.sign(np.diag(r))


@njit(cache=True, _nrt=False, inline="always")
def _value_grad(data, x, out):
    lam, xs, a, par, flags = data
    d = x.shape[0]
    v = 0.0
    if flags[0] == 0:
        for i in range(d):
            r = x[i] - xs[i]
            g = lam[i] * r
            out[i] = g
            v += g * r
    else:
        for i in range(d):
            s = 0.0
            for j in range(d):
                s += a[i, j] * (x[j] - xs[j])
            out[i] = s
        for i in range(d):
            v += out[i] * (x[i] - xs[i])
    return 0.5 * v + par[0]


@njit(cache=True, _nrt=False, inline="always")
def _stoch_grad(data, y, part, sample, z, out):
    lam, xs, _, par, flags = data
    mode = flags[1]
    s = par[1]
    d = y.shape[0]
    if flags[0] == 0 and mode == GAUSSIAN:  # diagonal, Gaussian noise: one pass
        for i in range(d):
            out[i] = lam[i] * (y[i] - xs[i]) + s * z[i]
        return
    _value_grad(data, y, out)
    add_noise(out, z, s, mode)


@PROBLEMS.register("quadratic")
class Quadratic(SpecProblem):
    """f(x) = ½ (x − x*)ᵀ A (x − x*) + f* with a prescribed spectrum."""

    example = {"d": 10}

    @validated
    def __init__(
        self,
        d: Dimension,
        L: Annotated[Positive | None, Field(description="largest eigenvalue (default 1); with eigenvalues, read off "
                                                        "the list (and, if given, must match it)")] = None,
        mu: Annotated[NonNegative | None, Field(description="smallest eigenvalue (default 0), as L")] = None,
        spectrum: Annotated[Literal[SPECTRA] | None, Field(description="the eigenvalues from mu to L "
                                                                       "(default linear)")] = None,
        eigenvalues: Annotated[NonNegative | list[NonNegative] | None, Field(description="d eigenvalues, one > 0 "
                                                                                          "(instead of spectrum)")] = None,
        x_star: Annotated[Vector | None, Field(description="minimiser (default all ones)")] = None,
        x0: Annotated[Vector | None, Field(description="start (default zeros); exclusive with D")] = None,
        D: Annotated[NonNegative | None, Field(description="‖x0 − x*‖: x0 = x* − D·1/√d")] = None,
        f_star: Annotated[Finite, Field(description="f(x*)")] = 0.0,
        sigma2: AdditiveVariance = 0.0,
        noise: Annotated[Literal[NOISES], Field(description="additive noise, per coordinate or one "
                                                            "scalar on all")] = "gaussian",
        dense: Annotated[bool, Field(description="rotate A by a seeded random orthogonal matrix "
                                                 "(A is then a full matrix)")] = False,
        seed: Annotated[Index, Field(description="seed of the rotation")] = 0,
    ):
        self.d = d
        if eigenvalues is not None:
            if spectrum is not None:
                raise SpecError("spectrum", "give either spectrum or eigenvalues, not both")
            lam = vector("eigenvalues", eigenvalues, d)
            if lam.max() <= 0:
                raise SpecError("eigenvalues", "at least one must be > 0")
            for name, given, actual in (("L", L, lam.max()), ("mu", mu, lam.min())):
                if given is not None and given != actual:
                    raise SpecError(name, f"= {given!r} contradicts eigenvalues (which give {actual!r})")
            self.L_value, self.mu_value = float(lam.max()), float(lam.min())
            spectrum_name = "explicit"
        else:
            spectrum_name = "linear" if spectrum is None else spectrum
            Lv, muv = curvature_range(L, mu, 0.0, d, "the spectrum")
            if spectrum_name == "geometric" and muv == 0:
                raise SpecError("mu", "a geometric spectrum needs mu > 0")
            lam = spectrum_values(spectrum_name, d, Lv, muv)
            self.L_value, self.mu_value = Lv, muv
        self.eigenvalues = lam
        self.spectrum = spectrum_name

        self.x_star = np.ones(d) if x_star is None else vector("x_star", x_star, d)
        if x0 is not None and D is not None:
            raise SpecError("D", "give either x0 or D, not both")
        if D is not None:
            self.x0 = self.x_star - D / math.sqrt(d)
        else:
            self.x0 = np.zeros(d) if x0 is None else vector("x0", x0, d)
        self.f_star = f_star
        self.sigma2 = sigma2
        self.noise = noise
        self.dense = dense
        self.seed = seed

        if self.dense:
            q = random_orthogonal(d, seed)
            a = (q * lam) @ q.T
            self.A = 0.5 * (a + a.T)
            self.Q = q
        else:
            self.A = None
            self.Q = None
        self.noise_scale = math.sqrt(self.sigma2 / d)
        self.noise_dim = 0 if self.sigma2 == 0 else (d if self.noise == "gaussian" else 1)
        self._given = dict(d=d, L=L, mu=mu, spectrum=spectrum, eigenvalues=eigenvalues, x_star=x_star, x0=x0,
                           D=D, f_star=f_star, sigma2=sigma2, noise=noise, dense=dense, seed=seed)

        r0 = self.x0 - self.x_star
        if self.dense:
            delta = 0.5 * float(np.dot(self.Q.T @ r0, lam * (self.Q.T @ r0)))
        else:
            delta = 0.5 * float(np.dot(r0, lam * r0))
        rot = " (A = Q diag(λ) Qᵀ, Q seeded orthogonal; stored A differs by rounding ~1e-16·L)" if self.dense else ""
        self.constants = ConstantSet({
            "L": exact(self.L_value, "max eigenvalue of A (prescribed)" + rot),
            "mu": exact(self.mu_value, "min eigenvalue of A (prescribed)" + rot),
            "sigma2": exact(self.sigma2, f"E‖g − ∇f‖² of the {self.noise} additive noise, the same at every x"),
            "Delta": exact(delta, "½ (x0 − x*)ᵀ A (x0 − x*)"),
            "D": exact(float(np.linalg.norm(r0)), "‖x0 − x*‖"),
            "f_star": exact(self.f_star, "f(x*), A ⪰ 0"),
        })
        props = {"smooth", "lower-bounded", "convex", "bounded-variance", "unbiased", "homogeneous", "quadratic"}
        if self.mu_value > 0:
            props.add("strongly-convex")
        self.properties = frozenset(props)

    # --- oracle -------------------------------------------------------------------
    def hessian(self) -> np.ndarray:
        """The matrix A (dense array)."""
        return self.A.copy() if self.dense else np.diag(self.eigenvalues)

    def grad(self, x):
        r = np.asarray(x, dtype=float) - self.x_star
        return self.A @ r if self.dense else self.eigenvalues * r

    def f(self, x):
        r = np.asarray(x, dtype=float) - self.x_star
        return 0.5 * float(np.dot(r, self.grad(x))) + self.f_star

    def stochastic_grad(self, y, part, sample, z):
        return with_noise(self.grad(y), z, self.noise_scale, self.noise)

    def fast_oracle(self) -> FastOracle:
        a = self.A if self.dense else np.zeros((0, 0))
        mode = noise_mode(self.noise, self.noise_dim)
        data = (self.eigenvalues.copy(), self.x_star.copy(), np.ascontiguousarray(a),
                np.array([self.f_star, self.noise_scale]), np.array([int(self.dense), mode], dtype=np.int64))
        return FastOracle(data, _stoch_grad, _value_grad)

    def parameters(self):
        out = {}
        for k, v in self._given.items():
            if v is None:
                continue
            out[k] = np.asarray(v).tolist() if isinstance(v, (list, tuple, np.ndarray)) else v
        return out
