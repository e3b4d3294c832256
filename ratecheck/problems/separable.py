"""A separable non-convex function with exact constants.

f(x) = a Σ_j φ(x_j) + (b/2)‖x‖², φ(t) = t²/(1 + t²)   (a > 0, b ≥ 0).

φ'(t) = 2t/(1 + t²)², φ''(t) = (2 − 6t²)/(1 + t²)³. With u = t², the derivative of
(2 − 6u)/(1 + u)³ is 12(u − 1)/(1 + u)⁴, so φ'' decreases on u < 1 and increases after:
max φ'' = φ''(0) = 2, min φ'' = φ''(±1) = −1/2, and φ'' → 0 as |t| → ∞. Hence the
Hessian diag(a φ''(x_j) + b) has spectrum in [b − a/2, 2a + b], both ends attained:

* L = 2a + b exactly (the Lipschitz constant of ∇f is sup‖∇²f‖, attained at x = 0);
* f ≥ 0 = f(0), the unique minimiser is x* = 0 (φ'(t) = 0 only at t = 0), f* = 0;
* f is non-convex iff b < a/2; for b ≥ a/2 it is convex with μ = b − a/2.

Oracle: g(y; z) = ∇f(y) + √(σ²/d) z, z ~ N(0, I_d), so E‖g − ∇f‖² = σ² exactly.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from numba import njit
from pydantic import Field

from ..constants import ConstantSet, exact
from . import PROBLEMS
from ..strict import NonNegative, Positive, Vector, validated
from ._common import AdditiveVariance, Dimension, SpecProblem, vector
from .base import FastOracle


@njit(cache=True, _nrt=False)
def _value_grad(data, x, out):
    par = data[0]
    a, b = par[0], par[1]
    v = 0.0
    for j in range(x.shape[0]):
        t = x[j]
        q = 1.0 + t * t
        v += a * t * t / q + 0.5 * b * t * t
        out[j] = 2.0 * a * t / (q * q) + b * t
    return v


@njit(cache=True, _nrt=False)
def _stoch_grad(data, y, part, sample, z, out):
    _value_grad(data, y, out)
    s = data[0][2]
    if s != 0.0:
        for j in range(y.shape[0]):
            out[j] += s * z[j]


@PROBLEMS.register("separable-nonconvex")
class SeparableNonconvex(SpecProblem):
    """f(x) = a Σ_j x_j²/(1 + x_j²) + (b/2)‖x‖² with additive Gaussian noise."""

    example = {"d": 10}

    @validated
    def __init__(
        self,
        d: Dimension,
        a: Annotated[Positive, Field(description="weight of the non-convex sum")] = 1.0,
        b: Annotated[NonNegative, Field(description="weight of (1/2)‖x‖²")] = 0.0,
        sigma2: AdditiveVariance = 0.0,
        x0: Annotated[Vector, Field(description="start (default 2·(1, …, 1): every coordinate in the "
                                                "concave region |t| > 1/√3)")] = 2.0,
    ):
        self.d = d
        self.a = a_ = a
        self.b = b_ = b
        self.sigma2 = sigma2
        self.x0 = vector("x0", x0, d)
        self.x_star = np.zeros(d)
        self.f_star = 0.0
        self.noise_scale = math.sqrt(self.sigma2 / d)
        self.noise_dim = d if self.sigma2 > 0 else 0
        self._given = dict(d=d, a=a, b=b, sigma2=sigma2, x0=np.asarray(x0, dtype=float).tolist())
        consts = {
            "L": exact(2 * a_ + b_, "2a + b = sup‖∇²f‖, attained at x = 0 (max φ'' = φ''(0) = 2)"),
            "sigma2": exact(self.sigma2, "E‖g − ∇f‖² of isotropic Gaussian noise, the same at every x"),
            "Delta": exact(self.f(self.x0), "f(x0) − 0"),
            "D": exact(float(np.linalg.norm(self.x0)), "‖x0 − 0‖"),
            "f_star": exact(0.0, "f ≥ 0 = f(0)"),
        }
        props = {"smooth", "lower-bounded", "bounded-variance", "unbiased", "homogeneous"}
        if b_ >= a_ / 2:
            consts["mu"] = exact(b_ - a_ / 2, "b − a/2 = inf λ_min(∇²f) (min φ'' = −1/2 at |t| = 1)")
            props |= {"convex"} | ({"strongly-convex"} if b_ > a_ / 2 else set())
        else:
            props.add("nonconvex")
        self.constants = ConstantSet(consts)
        self.properties = frozenset(props)

    def f(self, x):
        x = np.asarray(x, dtype=float)
        return float(np.sum(self.a * x**2 / (1 + x**2)) + 0.5 * self.b * np.dot(x, x))

    def grad(self, x):
        x = np.asarray(x, dtype=float)
        return 2 * self.a * x / (1 + x**2) ** 2 + self.b * x

    def stochastic_grad(self, y, part, sample, z):
        g = self.grad(y)
        return g + self.noise_scale * np.asarray(z, dtype=float) if self.noise_dim else g

    def fast_oracle(self) -> FastOracle:
        return FastOracle((np.array([self.a, self.b, self.noise_scale]),), _stoch_grad, _value_grad)

    def parameters(self):
        return dict(self._given)
