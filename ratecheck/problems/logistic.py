r"""ℓ2-regularised logistic regression on synthetic data, with certified constants.

f(x) = (1/m) Σ_i ℓ_i(x) + (λ/2)‖x‖², ℓ_i(x) = log(1 + exp(−y_i a_iᵀx)), y_i ∈ {−1, +1}.
The stochastic gradient of sample ξ (uniform in [0, m)) is ∇ℓ_ξ(x) + λx.

Data (seeded): a_i ~ N(0, I_d); labels from the logistic model P(y_i = 1) = s(a_iᵀw),
w a random direction of norm ``signal`` (s is the sigmoid).

Constants and what is certified (s' = s(1 − s) ≤ 1/4, even and decreasing in |t|):

* ``L`` = ‖A‖₂²/(4m) + λ (certified upper bound; :func:`spectral_norm_upper` guards the SVD).
  ∇²f(x) = Aᵀ diag(s'(a_iᵀx)) A/m + λI ⪯ ∇²f(0), so this is sup_x ‖∇²f(x)‖ itself.
* ``mu`` = λ exactly: inf_x λ_min(∇²f(x)) = λ (along x = t v, vᵀ∇²f v → λ as t → ∞).
* ``f_star`` — a certified *lower* bound on f*, ``x_star`` = x̂ to solver accuracy. x̂ is
  found by cvxpy (exponential cone, Clarabel), cross-checked with scipy's L-BFGS, and
  polished by Newton's method. The certificate is local strong convexity: on the ball
  B(x̂, r), ∇²f ⪰ μ_r I with μ_r = λ + λ_min(Aᵀ diag(s'(|a_iᵀx̂| + ‖a_i‖r)) A/m). If
  g = ‖∇f(x̂)‖ < μ_r r/2, then f > f(x̂) on the sphere ‖x − x̂‖ = r, so by convexity the
  minimiser x* exists, is unique and lies in the ball, and
  f(x̂) − g²/(2μ_r) ≤ f* ≤ f(x̂),   ‖x̂ − x*‖ ≤ g/μ_r.
  (With λ > 0 this is the classical f(x̂) − f* ≤ ‖∇f(x̂)‖²/(2λ), made tighter by the data
  curvature; with λ = 0 it also proves that a minimiser exists.) Rounding guards of a few
  m·ε are added to g, f(x̂) and λ_min.
* ``Delta`` = f(x0) − f_star and ``D`` = ‖x0 − x̂‖ + g/μ_r: certified upper bounds.
* ``sigma2`` = (1/m) Σ ‖a_i‖²: certified bound on sup_x E‖∇ℓ_ξ(x) − ∇f(x)‖², because the
  variance is at most E‖∇ℓ_ξ(x)‖² = (1/m) Σ s(−y_i a_iᵀx)² ‖a_i‖² and s < 1.
* ``sigma2_star`` — certified upper bound on the variance at x*: V(x̂) + e, where
  e = (1/m) Σ 2 B_i (‖a_i‖²/4 + L_data)·‖x̂ − x*‖ bounds |V(x̂) − V(x*)|
  (B_i = ‖a_i‖ + (1/m) Σ_j ‖a_j‖ bounds ‖∇ℓ_i − ∇ℓ̄‖, ‖a_i‖²/4 + L_data its Lipschitz constant).

``sample_cost`` (for data-dependent delay models): ``uniform`` (all 1), ``norm``
(∝ ‖a_i‖), ``gradient`` (∝ ‖∇ℓ_i(x*)‖, so slow samples are those that pull hardest at
the optimum and dropping them biases the limit; theory note momentum-data-dependent.md)
or ``rare`` (the fraction ``rare`` of samples with the largest ‖∇ℓ_i(x*)‖ cost
``rare_ratio`` times the others: rare costly samples whose ratio sets the largest delay
while the mean cost stays 1); normalised to mean 1.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from numba import njit
from pydantic import Field
from scipy.optimize import minimize
from scipy.special import expit

from ..constants import Constant, ConstantSet, certified, exact
from ..errors import SpecError
from . import PROBLEMS
from ..strict import Count, Finite, NonNegative, validated
from ._common import DataSeed, Samples, SpecProblem, Start, eigmin_lower, spectral_norm_upper, vector
from ._rows import add_row, affine, clear
from .base import FastOracle

EPS = np.finfo(float).eps
COSTS = ("uniform", "norm", "gradient", "rare")


@njit(cache=True, _nrt=False)
def _log1pexp_neg(t):
    """log(1 + exp(−t)) without overflow."""
    if t > 0:
        return math.log1p(math.exp(-t))
    return -t + math.log1p(math.exp(t))


@njit(cache=True, _nrt=False)
def _value_grad(data, x, out):
    a, y, par = data
    lam = par[0]
    m, d = a.shape
    clear(out)
    v = 0.0
    for i in range(m):
        t = affine(a, i, x, 0.0) * y[i]
        v += _log1pexp_neg(t)
        add_row(out, -y[i] / (1.0 + math.exp(t)), a, i)
    xx = 0.0
    for j in range(d):
        out[j] = out[j] / m + lam * x[j]
        xx += x[j] * x[j]
    return v / m + 0.5 * lam * xx


@njit(cache=True, _nrt=False)
def _stoch_grad(data, y, part, sample, z, out):
    a, lab, par = data
    lam = par[0]
    d = y.shape[0]
    t = affine(a, sample, y, 0.0) * lab[sample]
    c = -lab[sample] / (1.0 + math.exp(t))
    for j in range(d):
        out[j] = c * a[sample, j] + lam * y[j]


@PROBLEMS.register("logistic")
class Logistic(SpecProblem):
    """Logistic regression on seeded synthetic data with certified constants."""

    @validated
    def __init__(
        self,
        m: Samples = 200,
        d: Annotated[Count, Field(description="features")] = 10,
        lam: Annotated[NonNegative, Field(description="ℓ2 weight λ")] = 0.0,
        signal: Annotated[NonNegative, Field(description="norm of the planted weight vector "
                                                         "(larger: cleaner labels)")] = 2.0,
        cost: Annotated[Literal[COSTS], Field(description="per-sample compute cost for data-dependent "
                                                          "delay models")] = "uniform",
        x0: Start = 0.0,
        seed: DataSeed = 0,
        rare: Annotated[Finite, Field(gt=0, lt=1, description="with cost = rare: the fraction of "
                                                              "costly samples")] = 0.02,
        rare_ratio: Annotated[Finite, Field(ge=1, description="with cost = rare: their cost over "
                                                              "the others'")] = 10.0,
    ):
        self.n_samples = m
        self.d = d
        self.lam = lam_v = lam
        self.cost = cost
        self.rare = rare
        self.rare_ratio = rare_ratio
        self.x0 = vector("x0", x0, d)
        self._given = dict(m=m, d=d, lam=lam, signal=signal, cost=cost,
                           x0=np.asarray(x0, dtype=float).tolist(), seed=seed)
        if self.cost == "rare":
            self._given.update(rare=rare, rare_ratio=rare_ratio)

        rng = np.random.default_rng(seed)
        a = rng.standard_normal((m, d))
        w = rng.standard_normal(d)
        w *= signal / np.linalg.norm(w)
        y = np.where(rng.random(m) < expit(a @ w), 1.0, -1.0)
        self.A, self.y = a, y
        self.row_norms = np.linalg.norm(a, axis=1)

        x_hat, cert = self._solve()
        self.x_star = x_hat
        self.certificate = cert
        self.f_star = cert["f_lower"]
        L_data = spectral_norm_upper(a) ** 2 / (4 * m)
        self.L_data = L_data
        self.sample_cost = self._costs().reshape(1, m)

        resid = self._sample_grads(x_hat) - self._sample_grads(x_hat).mean(axis=0)
        v_hat = float(np.mean(np.sum(resid**2, axis=1)))
        bi = self.row_norms + self.row_norms.mean()
        e = float(np.mean(2 * bi * (self.row_norms**2 / 4 + L_data))) * cert["dist"]
        sigma2 = float(np.mean(self.row_norms**2)) * (1 + 4 * m * EPS)
        f0 = self.f(self.x0) + cert["f_guard"]
        solver_note = (f"x̂: cvxpy/Clarabel then Newton; ‖x_cvxpy − x̂‖ = {cert['gap_cvxpy']:.2e}, "
                       f"‖x_lbfgs − x̂‖ = {cert['gap_lbfgs']:.2e}")
        cert_note = (f"f(x̂) − g²/(2μ_r) with g = ‖∇f(x̂)‖ ≤ {cert['g']:.2e}, μ_r = {cert['mu_r']:.4g} on the ball "
                     f"r = {cert['r']:.3g}; {solver_note}")
        self.constants = ConstantSet({
            "L": certified(L_data + lam_v, "‖A‖₂²/(4m) + λ = sup_x‖∇²f(x)‖ (attained at x = 0), SVD with guard"),
            "mu": exact(lam_v, "λ = inf_x λ_min(∇²f(x))"),
            "sigma2": certified(sigma2, "(1/m)Σ‖a_i‖² ≥ sup_x E‖∇ℓ_ξ(x) − ∇f(x)‖² (sigmoid < 1)"),
            "sigma2_star": certified(v_hat + e, f"variance at x*: V(x̂) = {v_hat:.6g} plus |V(x̂) − V(x*)| ≤ {e:.2e}"),
            "Delta": certified(f0 - self.f_star, "f(x0) − (certified lower bound on f*)"),
            "D": certified(float(np.linalg.norm(self.x0 - x_hat)) * (1 + 4 * EPS) + cert["dist"],
                           f"‖x0 − x̂‖ + ‖x̂ − x*‖, ‖x̂ − x*‖ ≤ g/μ_r = {cert['dist']:.2e}"),
            "f_star": Constant(self.f_star, "certified", note="lower bound on f*: " + cert_note),
        })
        props = {"smooth", "lower-bounded", "convex", "bounded-variance", "unbiased", "homogeneous", "finite-sum"}
        if lam_v > 0:
            props.add("strongly-convex")
        self.properties = frozenset(props)

    # --- solving and certifying -----------------------------------------------------
    def _hessian(self, x, curv=None):
        t = self.A @ x
        c = expit(t) * expit(-t) if curv is None else curv
        return (self.A.T * c) @ self.A / self.n_samples + self.lam * np.eye(self.d)

    def _solve(self):
        import cvxpy as cp

        m, d, a, y = self.n_samples, self.d, self.A, self.y
        xv = cp.Variable(d)
        obj = cp.sum(cp.logistic(cp.multiply(-y, a @ xv))) / m + (self.lam / 2) * cp.sum_squares(xv)
        prob = cp.Problem(cp.Minimize(obj))
        try:
            prob.solve(solver=cp.CLARABEL)
        except cp.error.SolverError:
            pass
        x_cvx = np.asarray(xv.value, dtype=float) if xv.value is not None and prob.status in ("optimal", "optimal_inaccurate") else None
        res = minimize(lambda x: (self.f(x), self.grad(x)), np.zeros(d), jac=True, method="L-BFGS-B",
                       options=dict(maxiter=20000, gtol=1e-12, ftol=1e-16))
        x_lbfgs = res.x
        x = x_cvx if x_cvx is not None and np.all(np.isfinite(x_cvx)) else x_lbfgs.copy()
        for _ in range(50):  # Newton polish with backtracking
            g = self.grad(x)
            if np.linalg.norm(g) <= 1e-15 * (1 + np.linalg.norm(x)):
                break
            try:
                step = np.linalg.solve(self._hessian(x), g)
            except np.linalg.LinAlgError:
                break
            fx, t = self.f(x), 1.0
            while t > 1e-10 and self.f(x - t * step) > fx:
                t /= 2
            if t <= 1e-10:
                break
            x = x - t * step

        # local strong convexity certificate on B(x, r)
        r = 1.0 / float(self.row_norms.max())
        tt = np.abs(a @ x) + self.row_norms * r
        curv = expit(tt) * expit(-tt)
        mu_r = self.lam + eigmin_lower((a.T * curv) @ a / m) - m * EPS * float(np.mean(curv * self.row_norms**2))
        g = float(np.linalg.norm(self.grad(x))) + 2 * m * EPS * (float(self.row_norms.mean()) + self.lam * float(np.linalg.norm(x)))
        if not (mu_r > 0 and g < mu_r * r / 2):
            raise SpecError("lam", f"could not certify a minimiser (‖∇f(x̂)‖ = {g:.3g}, local curvature "
                            f"{mu_r:.3g}): the data are (nearly) separable or rank-deficient; set lam > 0")
        fx = self.f(x)
        f_guard = 4 * m * EPS * (abs(fx) + 1)
        return x, {
            "g": g, "mu_r": mu_r, "r": r, "dist": g / mu_r,
            "f_lower": fx - g**2 / (2 * mu_r) - f_guard, "f_guard": f_guard,
            "gap_cvxpy": float(np.linalg.norm(x_cvx - x)) if x_cvx is not None else float("inf"),
            "gap_lbfgs": float(np.linalg.norm(x_lbfgs - x)),
        }

    def _sample_grads(self, x):
        """Rows ∇ℓ_i(x) (without the λx term)."""
        t = self.y * (self.A @ x)
        return (-self.y * expit(-t))[:, None] * self.A

    def _costs(self):
        if self.cost == "uniform":
            return np.ones(self.n_samples)
        w = self.row_norms if self.cost == "norm" else np.linalg.norm(self._sample_grads(self.x_star), axis=1)
        if self.cost == "rare":
            top = np.argsort(-w, kind="stable")[: max(1, int(round(self.rare * self.n_samples)))]
            w = np.ones(self.n_samples)
            w[top] = self.rare_ratio
        return w / w.mean()

    # --- oracle -------------------------------------------------------------------
    def f(self, x):
        x = np.asarray(x, dtype=float)
        t = self.y * (self.A @ x)
        return float(np.mean(np.logaddexp(0.0, -t)) + 0.5 * self.lam * np.dot(x, x))

    def grad(self, x):
        x = np.asarray(x, dtype=float)
        t = self.y * (self.A @ x)
        return self.A.T @ (-self.y * expit(-t)) / self.n_samples + self.lam * x

    def stochastic_grad(self, y, part, sample, z):
        y = np.asarray(y, dtype=float)
        a_s, lab = self.A[sample], self.y[sample]
        return -lab * expit(-lab * float(a_s @ y)) * a_s + self.lam * y

    def fast_oracle(self) -> FastOracle:
        return FastOracle((np.ascontiguousarray(self.A), self.y.copy(), np.array([self.lam])), _stoch_grad, _value_grad)

    def parameters(self):
        return dict(self._given)
