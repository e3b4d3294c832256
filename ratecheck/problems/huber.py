r"""Huber regression on synthetic linear data: a smooth convex finite sum with exact L.

f(x) = (1/m) Σ_j h_δ(a_jᵀx − b_j), with Huber's loss of threshold δ (Huber, "Robust
estimation of a location parameter", Ann. Math. Statist. 35, 1964):

    h_δ(r) = r²/2 for |r| ≤ δ,   δ(|r| − δ/2) otherwise;   h_δ'(r) = clip(r, −δ, δ),
    h_δ''(r) = 1 for |r| < δ, 0 for |r| > δ.

Constants and what is known of them:

* ``L`` = λ_max(AᵀA)/m. Since 0 ≤ h_δ'' ≤ 1, ∇²f(x) = Aᵀ diag(h_δ''(r(x))) A/m ⪯ AᵀA/m
  (and h_δ' is 1-Lipschitz where h_δ'' jumps), so L is an upper bound everywhere. It is
  *exact* (the smallest such constant) when some x has every residual inside (−δ, δ):
  then ∇²f(x) = AᵀA/m. The data are built around x_true, whose residuals are the label
  noise, so L is declared ``exact`` when max_j |a_jᵀx_true − b_j| < δ and ``certified``
  otherwise; its value is :func:`spectral_norm_upper`'s guarded SVD (exact to rounding).
* ``mu`` = 0 exactly: along x = t·v, t → ∞, every residual with a_jᵀv ≠ 0 leaves
  (−δ, δ), so λ_min(∇²f) → 0 (Gaussian rows are nonzero almost surely).
* ``sigma2`` = δ²·(1/m) Σ ‖a_j‖² (certified): the stochastic gradient of sample ξ
  (uniform in [0, m)) is h_δ'(r_ξ) a_ξ, and E‖∇f_ξ(x) − ∇f(x)‖² ≤ E‖∇f_ξ(x)‖² ≤ δ² E‖a_ξ‖²
  at every x (in particular at x*).
* ``f_star`` = 0: a certified lower bound (f ≥ 0), exact when the labels carry no noise
  (then f(x_true) = 0 and ``x_star`` = x_true); ``Delta`` = f(x0) − 0 (certified upper
  bound on f(x0) − f*).

Data (seeded): a_j ~ N(0, I_d), x_true ~ N(0, I_d), b_j = a_jᵀx_true + noise·N(0, 1).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from numba import njit
from pydantic import Field

from ..constants import ConstantSet, certified, exact
from . import PROBLEMS
from ..strict import NonNegative, Positive, validated
from ._common import DataSeed, Dimension, Samples, SpecProblem, Start, spectral_norm_upper, vector
from ._rows import add_row, affine, clear, divide, set_row
from .base import FastOracle

EPS = np.finfo(float).eps


@njit(cache=True, _nrt=False)
def _value_grad(data, x, out):
    a, b, par = data
    delta = par[0]
    m = a.shape[0]
    clear(out)
    v = 0.0
    for i in range(m):
        r = affine(a, i, x, -b[i])
        if abs(r) <= delta:
            v += 0.5 * r * r
        else:
            v += delta * (abs(r) - 0.5 * delta)
        add_row(out, min(max(r, -delta), delta), a, i)
    divide(out, m)
    return v / m


@njit(cache=True, _nrt=False)
def _stoch_grad(data, y, part, sample, z, out):
    a, b, par = data
    delta = par[0]
    r = affine(a, sample, y, -b[sample])
    set_row(out, min(max(r, -delta), delta), a, sample)


@PROBLEMS.register("huber")
class HuberRegression(SpecProblem):
    """Huber regression with exact L, μ = 0 and a certified variance bound."""

    example = {"m": 100, "d": 5}

    @validated
    def __init__(
        self,
        m: Samples = 200,
        d: Dimension = 10,
        delta: Annotated[Positive, Field(description="Huber threshold δ")] = 1.0,
        noise: Annotated[NonNegative, Field(description="std of the Gaussian label noise")] = 0.1,
        x0: Start = 0.0,
        seed: DataSeed = 0,
    ):
        self.n_samples = m
        self.d = d
        self.delta = delta_v = delta
        self.x0 = vector("x0", x0, d)
        rng = np.random.default_rng(seed)
        self._given = dict(m=m, d=d, delta=delta, noise=noise, x0=np.asarray(x0, dtype=float).tolist(), seed=seed)

        self.A = a = rng.standard_normal((m, d))
        self.x_true = rng.standard_normal(d)
        self.b = a @ self.x_true + noise * rng.standard_normal(m)
        self.f_star = 0.0
        self.x_star = self.x_true.copy() if noise == 0 else None
        inside = float(np.max(np.abs(self.residuals(self.x_true)))) < delta_v
        L = spectral_norm_upper(a) ** 2 / m
        L_note = "λ_max(AᵀA)/m: 0 ≤ h'' ≤ 1, " + ("attained at x_true (every residual inside (−δ, δ))" if inside
                                                   else "an upper bound (x_true has a residual outside (−δ, δ))")
        f0 = self.f(self.x0) * (1 + 4 * m * EPS)
        self.constants = ConstantSet({
            "L": (exact if inside else certified)(L, L_note + ", SVD with guard"),
            "mu": exact(0.0, "inf_x λ_min(∇²f) = 0: far from x_true every residual is in a linear piece"),
            "sigma2": certified(delta_v**2 * float(np.mean(np.sum(a**2, axis=1))) * (1 + 4 * m * EPS),
                                "δ²·(1/m)Σ‖a_j‖² ≥ sup_x E‖∇f_ξ(x) − ∇f(x)‖² (|h'| ≤ δ)"),
            "Delta": certified(f0, "f(x0) − 0 (f ≥ 0)"),
            "f_star": (exact(0.0, "f ≥ 0 = f(x_true): no label noise") if noise == 0
                       else certified(0.0, "lower bound: f ≥ 0")),
        })
        self.properties = frozenset({"smooth", "lower-bounded", "convex", "bounded-variance", "unbiased",
                                     "homogeneous", "finite-sum"})

    def residuals(self, x):
        return self.A @ np.asarray(x, dtype=float) - self.b

    def f(self, x):
        r = np.abs(self.residuals(x))
        return float(np.mean(np.where(r <= self.delta, 0.5 * r**2, self.delta * (r - 0.5 * self.delta))))

    def grad(self, x):
        return self.A.T @ np.clip(self.residuals(x), -self.delta, self.delta) / self.n_samples

    def stochastic_grad(self, y, part, sample, z):
        r = float(self.A[sample] @ np.asarray(y, dtype=float)) - self.b[sample]
        return min(max(r, -self.delta), self.delta) * self.A[sample]

    def fast_oracle(self) -> FastOracle:
        return FastOracle((np.ascontiguousarray(self.A), self.b.copy(), np.array([self.delta])), _stoch_grad, _value_grad)

    def parameters(self):
        return dict(self._given)
