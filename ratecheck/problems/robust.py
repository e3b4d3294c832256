r"""Non-convex robust regression on synthetic linear data with outliers.

f(x) = (1/m) Σ_i ρ(a_iᵀx − b_i), with a redescending loss of scale c:

* ``cauchy``:         ρ(r) = (c²/2) log(1 + (r/c)²),   ρ' = r/(1 + (r/c)²),
  ρ'' = (1 − (r/c)²)/(1 + (r/c)²)² ∈ [−1/8, 1]  (min at (r/c)² = 3);
* ``geman-mcclure``:  ρ(r) = (c²/2)(r/c)²/(1 + (r/c)²),   ρ' = r/(1 + (r/c)²)²,
  ρ'' = (1 − 3(r/c)²)/(1 + (r/c)²)³ ∈ [−1/4, 1]  (min at (r/c)² = 1).

Both have max |ρ''| = ρ''(0) = 1, so ∇²f(x) = Aᵀ diag(ρ''(r_i)) A/m ⪯ AᵀA/m in norm and
``L`` = ‖A‖₂²/m (certified upper bound, SVD with guard); it is attained when all residuals
can vanish (no noise, no outliers). The stochastic gradient of sample ξ (uniform in
[0, m)) is ρ'(r_ξ) a_ξ; its variance is at most E‖ρ'(r_ξ) a_ξ‖² ≤ (max|ρ'|)² (1/m) Σ ‖a_i‖²
for every x (``sigma2``, certified), with max|ρ'| = c/2 (Cauchy, at |r| = c) and
9c/(16√3) (Geman–McClure, at |r| = c/√3).

f ≥ 0, so ``f_star`` = 0 is a certified lower bound (exact when b = A x_true, i.e. no
noise and no outliers); ``f_local`` = f(x̂) at a stationary point x̂ found by L-BFGS from
x0 is a certified *upper* bound on f*. ``Delta`` = f(x0) − 0 is a certified upper bound.

Data (seeded): a_i ~ N(0, I_d), x_true ~ N(0, I_d), b_i = a_iᵀx_true + noise·N(0, 1); a
fraction ``outliers`` of the b_i is replaced by outlier_scale·N(0, 1).

``sample_cost`` (for data-dependent delay models): ``uniform`` (all 1) or ``gradient``
(∝ ‖ρ'(r_i(x̂)) a_i‖ at the stationary point x̂ found from x0, normalised to mean 1: the
samples that pull hardest at x̂ are slow, as logistic's ``gradient`` cost).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from numba import njit
from pydantic import Field
from scipy.optimize import minimize

from ..constants import ConstantSet, certified, exact
from . import PROBLEMS
from ..strict import Finite, NonNegative, Positive, validated
from ._common import DataSeed, Dimension, Samples, SpecProblem, Start, spectral_norm_upper, vector
from ._rows import add_row, affine, clear, divide, set_row
from .base import FastOracle

EPS = np.finfo(float).eps
LOSSES = ("cauchy", "geman-mcclure")
COSTS = ("uniform", "gradient")
#: max_r |ρ'(r)| / c for each loss (see the module docstring).
DPSI_MAX = {"cauchy": 0.5, "geman-mcclure": 9.0 / (16.0 * math.sqrt(3.0))}


@njit(cache=True, _nrt=False)
def _rho(r, c, kind):
    u = (r / c) ** 2
    if kind == 0:
        return 0.5 * c * c * math.log1p(u)
    return 0.5 * c * c * u / (1.0 + u)


@njit(cache=True, _nrt=False)
def _drho(r, c, kind):
    u = (r / c) ** 2
    if kind == 0:
        return r / (1.0 + u)
    return r / ((1.0 + u) * (1.0 + u))


@njit(cache=True, _nrt=False)
def _value_grad(data, x, out):
    a, b, par = data
    c, kind = par[0], par[1]
    m = a.shape[0]
    clear(out)
    v = 0.0
    for i in range(m):
        r = affine(a, i, x, -b[i])
        v += _rho(r, c, kind)
        add_row(out, _drho(r, c, kind), a, i)
    divide(out, m)
    return v / m


@njit(cache=True, _nrt=False)
def _stoch_grad(data, y, part, sample, z, out):
    a, b, par = data
    c, kind = par[0], par[1]
    r = affine(a, sample, y, -b[sample])
    set_row(out, _drho(r, c, kind), a, sample)


@PROBLEMS.register("robust-regression")
class RobustRegression(SpecProblem):
    """Non-convex robust regression (Cauchy or Geman–McClure loss) with certified constants."""

    @validated
    def __init__(
        self,
        m: Samples = 200,
        d: Dimension = 10,
        loss: Annotated[Literal[LOSSES], Field(description="the redescending loss ρ")] = "cauchy",
        c: Annotated[Positive, Field(description="loss scale")] = 1.0,
        noise: Annotated[NonNegative, Field(description="std of the Gaussian label noise")] = 0.1,
        outliers: Annotated[Finite, Field(ge=0, le=1, description="fraction of labels replaced by "
                                                                  "outliers")] = 0.1,
        outlier_scale: Annotated[NonNegative, Field(description="std of the outlier labels")] = 10.0,
        x0: Start = 0.0,
        seed: DataSeed = 0,
        cost: Annotated[Literal[COSTS], Field(description="per-sample compute cost for data-dependent "
                                                          "delay models")] = "uniform",
    ):
        self.n_samples = m
        self.d = d
        self.loss = loss
        self.c = c_v = c
        self.cost = cost
        self.x0 = vector("x0", x0, d)
        self._given = dict(m=m, d=d, loss=loss, c=c, noise=noise, outliers=outliers, outlier_scale=outlier_scale,
                           x0=np.asarray(x0, dtype=float).tolist(), seed=seed)
        if self.cost != "uniform":
            self._given["cost"] = cost

        rng = np.random.default_rng(seed)
        a = rng.standard_normal((m, d))
        self.x_true = rng.standard_normal(d)
        b = a @ self.x_true + noise * rng.standard_normal(m)
        bad = rng.permutation(m)[: int(round(outliers * m))]
        b[bad] = outlier_scale * rng.standard_normal(bad.size)
        self.A, self.b = a, b
        self._kind = 0.0 if self.loss == "cauchy" else 1.0

        res = minimize(lambda x: (self.f(x), self.grad(x)), self.x0, jac=True, method="L-BFGS-B",
                       options=dict(maxiter=20000, gtol=1e-12, ftol=1e-16))
        self.x_local = res.x
        w = np.abs(self._dpsi(self.residuals(self.x_local))) * np.linalg.norm(a, axis=1)
        w = np.ones(m) if self.cost == "uniform" else w
        self.sample_cost = (w / w.mean()).reshape(1, m)
        self.x_star = None
        self.f_star = 0.0
        exact_zero = noise == 0 and bad.size == 0
        if exact_zero:
            self.x_star = self.x_true.copy()
        row_sq = np.sum(a**2, axis=1)
        L = spectral_norm_upper(a) ** 2 / m
        sigma2 = (DPSI_MAX[self.loss] * c_v) ** 2 * float(np.mean(row_sq)) * (1 + 4 * m * EPS)
        f0 = self.f(self.x0) * (1 + 4 * m * EPS)
        consts = {
            "L": certified(L, "‖A‖₂²/m: max|ρ''| = ρ''(0) = 1, SVD with guard"),
            "sigma2": certified(sigma2, "(max|ρ'|)²·(1/m)Σ‖a_i‖² ≥ sup_x E‖∇f_ξ(x) − ∇f(x)‖²"),
            "Delta": certified(f0, "f(x0) − 0 (f ≥ 0)"),
            "f_star": (exact(0.0, "f ≥ 0 = f(x_true): no noise, no outliers") if exact_zero
                       else certified(0.0, "lower bound: f ≥ 0")),
            "f_local": certified(self.f(self.x_local) * (1 + 4 * m * EPS),
                                 f"upper bound on f*: f at an L-BFGS stationary point, ‖∇f‖ = "
                                 f"{np.linalg.norm(self.grad(self.x_local)):.1e}"),
        }
        self.constants = ConstantSet(consts)
        self.properties = frozenset({"smooth", "lower-bounded", "nonconvex", "bounded-variance", "unbiased",
                                     "homogeneous", "finite-sum"})

    def residuals(self, x):
        return self.A @ np.asarray(x, dtype=float) - self.b

    def f(self, x):
        u = (self.residuals(x) / self.c) ** 2
        per = np.log1p(u) if self.loss == "cauchy" else u / (1 + u)
        return float(0.5 * self.c**2 * np.mean(per))

    def _dpsi(self, r):
        u = (r / self.c) ** 2
        return r / (1 + u) if self.loss == "cauchy" else r / (1 + u) ** 2

    def grad(self, x):
        return self.A.T @ self._dpsi(self.residuals(x)) / self.n_samples

    def stochastic_grad(self, y, part, sample, z):
        r = float(self.A[sample] @ np.asarray(y, dtype=float)) - self.b[sample]
        return self._dpsi(r) * self.A[sample]

    def fast_oracle(self) -> FastOracle:
        data = (np.ascontiguousarray(self.A), self.b.copy(), np.array([self.c, self._kind]))
        return FastOracle(data, _stoch_grad, _value_grad)

    def parameters(self):
        return dict(self._given)
