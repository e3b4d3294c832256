"""The worst-case tridiagonal quadratic of the Ringmaster and ATA experiments.

f(x) = ½ xᵀ A x − bᵀ x with A = (s/4)·tridiag(−1, 2, −1) ∈ R^{d×d}, b = −(s/4) e₁,
x0 = √d·e₁ (Nesterov's worst-case quadratic; the KAUST simulator's
``create_worst_case(d, L=s)``, theory note fixed-computation.md §3.7, tag [C]).

Everything is closed form (T = tridiag(−1, 2, −1)):

* eigenvalues of T: 2 − 2cos(kπ/(d+1)) = 4 sin²(kπ/(2(d+1))), k = 1…d, so
  L = s·cos²(π/(2(d+1))) = (s/4)(2 − 2cos(dπ/(d+1))) and μ = s·sin²(π/(2(d+1)));
* T⁻¹e₁ = ((d+1−i)/(d+1))_{i=1..d}, so x*_i = −(d+1−i)/(d+1) and
  f* = −½ bᵀA⁻¹b = −(s/8)·d/(d+1);
* f(x0) = (s/4)(d + √d), Δ = (s/4)(d + √d) + (s/8)d/(d+1);
* ‖x0 − x*‖² = (√d + d/(d+1))² + (d−1)d(2d−1)/(6(d+1)²).

For d = 1729, s = 1 these give L ≈ 0.99999917, Δ ≈ 442.77, ‖x0 − x*‖² ≈ 2388.3 (the
note's numbers). Noise: ``noise = "scalar"`` (the experiment's) adds ν ζ 1 with one
ζ ~ N(0, 1), ``"gaussian"`` adds ν z with z ~ N(0, I_d); both have σ² = d ν² exactly
(ν = ``noise_std``, 0.01 in Ringmaster, 0.001 in ATA).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from numba import njit
from pydantic import Field

from ..constants import ConstantSet, exact
from . import PROBLEMS
from ..strict import NonNegative, Positive, Vector, validated
from ._common import Dimension, SpecProblem, vector
from ._noise import add_noise, noise_mode, with_noise
from .base import FastOracle


@njit(cache=True, _nrt=False)
def _value_grad(data, x, out):
    par = data[0]
    q = par[0]  # s/4
    d = x.shape[0]
    v = 0.0
    for i in range(d):
        ax = 2.0 * x[i]
        if i > 0:
            ax -= x[i - 1]
        if i < d - 1:
            ax -= x[i + 1]
        ax *= q
        out[i] = ax
        v += x[i] * ax
    v = 0.5 * v + q * x[0]  # − bᵀx with b = −q e₁
    out[0] += q
    return v


@njit(cache=True, _nrt=False)
def _stoch_grad(data, y, part, sample, z, out):
    _value_grad(data, y, out)
    par = data[0]
    add_noise(out, z, par[1], par[2])


@PROBLEMS.register("tridiagonal")
class Tridiagonal(SpecProblem):
    """Worst-case quadratic ½xᵀAx − bᵀx, A = (s/4)·tridiag(−1, 2, −1), b = −(s/4)e₁."""

    example = {"d": 100}

    @validated
    def __init__(
        self,
        d: Dimension,
        scale: Annotated[Positive, Field(description="s; λ_max(A) = s·cos²(π/(2(d+1))) < s")] = 1.0,
        noise_std: Annotated[NonNegative, Field(description="ν; σ² = d ν²")] = 0.01,
        noise: Annotated[Literal["scalar", "gaussian"], Field(description="additive noise, one scalar on "
                                                                          "all coordinates or per coordinate")] = "scalar",
        x0: Annotated[Vector | None, Field(description="start (default √d·e₁)")] = None,
    ):
        self.d = d
        self.scale = s = scale
        self.noise_std = nu = noise_std
        self.noise = noise
        if x0 is None:
            self.x0 = np.zeros(d)
            self.x0[0] = math.sqrt(d)
        else:
            self.x0 = vector("x0", x0, d)
        self._given = dict(d=d, scale=scale, noise_std=noise_std, noise=noise)
        if x0 is not None:
            self._given["x0"] = np.asarray(x0, dtype=float).tolist()

        i = np.arange(1, d + 1)
        self.x_star = -(d + 1 - i) / (d + 1)
        self.f_star = -(s / 8) * d / (d + 1)
        self.eigenvalues = s * np.sin(i * np.pi / (2 * (d + 1))) ** 2
        L = s * math.cos(math.pi / (2 * (d + 1))) ** 2
        mu = s * math.sin(math.pi / (2 * (d + 1))) ** 2
        self.sigma2 = d * nu**2
        self.noise_dim = 0 if nu == 0 else (1 if self.noise == "scalar" else d)
        r0 = self.x0 - self.x_star
        self.constants = ConstantSet({
            "L": exact(L, "s·cos²(π/(2(d+1))): largest eigenvalue of (s/4)·tridiag(−1,2,−1)"),
            "mu": exact(mu, "s·sin²(π/(2(d+1))): smallest eigenvalue"),
            "sigma2": exact(self.sigma2, f"d·ν² of the {self.noise} additive noise, the same at every x"),
            "Delta": exact(self.f(self.x0) - self.f_star, "f(x0) − f*, f* = −(s/8)·d/(d+1)"),
            "D": exact(float(np.linalg.norm(r0)), "‖x0 − x*‖, x*_i = −(d+1−i)/(d+1)"),
            "f_star": exact(self.f_star, "−(s/8)·d/(d+1)"),
        })
        self.properties = frozenset({"smooth", "lower-bounded", "convex", "strongly-convex", "bounded-variance",
                                     "unbiased", "homogeneous", "quadratic"})

    def matvec(self, x) -> np.ndarray:
        """A x in O(d)."""
        x = np.asarray(x, dtype=float)
        ax = 2.0 * x
        ax[1:] -= x[:-1]
        ax[:-1] -= x[1:]
        return (self.scale / 4) * ax

    def hessian(self) -> np.ndarray:
        q = self.scale / 4
        return q * (2 * np.eye(self.d) - np.eye(self.d, k=1) - np.eye(self.d, k=-1))

    def grad(self, x):
        g = self.matvec(x)
        g[0] += self.scale / 4
        return g

    def f(self, x):
        x = np.asarray(x, dtype=float)
        return 0.5 * float(np.dot(x, self.matvec(x))) + (self.scale / 4) * float(x[0])

    def stochastic_grad(self, y, part, sample, z):
        return with_noise(self.grad(y), z, self.noise_std, self.noise)

    def fast_oracle(self) -> FastOracle:
        mode = float(noise_mode(self.noise, self.noise_dim))
        return FastOracle((np.array([self.scale / 4, self.noise_std, mode]),), _stoch_grad, _value_grad)

    def parameters(self):
        return dict(self._given)
