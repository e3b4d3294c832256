r"""The zero-chain hard function of the non-convex lower bounds, scaled to given L and Δ.

F_T(x) = −Ψ(1)Φ(x_1) + Σ_{i=2}^{T} [Ψ(−x_{i−1})Φ(−x_i) − Ψ(x_{i−1})Φ(x_i)],
Ψ(z) = 0 for z ≤ 1/2, exp(1 − 1/(2z − 1)²) for z > 1/2,   Φ(z) = √e ∫_{−∞}^{z} e^{−t²/2} dt
(Carmon, Duchi, Hinder & Sidford, "Lower bounds for finding stationary points I", Math.
Program. 2020; Arjevani, Carmon, Duchi, Foster, Srebro & Woodworth, "Lower bounds for
non-convex stochastic optimization", Math. Program. 2023; definition as restated in the theory
note delayed-and-momentum.md §9, tag [R]).

**Constants derived here** (not taken from the papers). Ψ(1) = 1; 0 ≤ Ψ < e; 0 < Φ < √(2πe);
0 < Φ' ≤ √e; |Φ''| = √e|z|e^{−z²/2} ≤ 1. With s = (2z − 1)^{−2}: Ψ' = 4e^{1−s}s^{3/2}, maximal
at s = 3/2, so Ψ'_max = 4e^{−1/2}(3/2)^{3/2} ≈ 4.457; Ψ'' = e^{1−s}(16s³ − 24s²), whose
critical points are s = (9 ± √33)/4, so |Ψ''|_max ≈ 32.39 (at s = (9 + √33)/4). Since Ψ(z)
and Ψ(−z) are never both non-zero, the Hessian is tridiagonal with
|H_jj| ≤ e + |Ψ''|_max √(2πe) and |H_{j,j±1}| ≤ Ψ'_max √e, and Gershgorin gives
ℓ_T = e + |Ψ''|_max √(2πe) + 2Ψ'_max √e ≈ 151.3 ≥ sup‖∇²F_T‖ (certified). Likewise
‖∇F_T‖_∞ ≤ G_∞ = e^{3/2} + Ψ'_max √(2πe) ≈ 22.9. Every term of the sum exceeds
−Ψ(x_{i−1})Φ(x_i) > −e√(2πe), and all tend to that as x → +∞, so
inf F_T = −√(2πe)(1 + (T − 1)e) exactly (not attained) and F_T(0) = −Φ(0) = −√(πe/2).
(The papers' quoted constants ℓ₁ = 152, ‖∇F_T‖_∞ ≤ 23, F_T(0) − inf F_T ≤ 12T — tag [R] in
the theory note — are consistent with these.)

**Scaling.** f(x) = (Lλ²/ℓ_T) F_T(x/λ) with λ = sqrt(Δ ℓ_T/(L Δ_T)), Δ_T = F_T(0) − inf F_T,
so f is L-smooth (certified) and f(0) − inf f = Δ (exact).

**Zero chain.** If x_k = 0 for all k > j, then ∂_k f(x) = 0 for all k > j + 1 (Ψ and Ψ'
vanish on z ≤ 1/2), so a zero-respecting method started at 0 discovers at most one
new coordinate per gradient and needs ≥ T gradients to touch x_T. The papers add that
‖∇F_T(u)‖ > 1 whenever |u_T| < 1, i.e. ‖∇f(x)‖ > Lλ/ℓ_T whenever |x_T| < λ (:attr:`ZeroChain.grad_floor`) —
tag [R], **not verified here** (the tests only check it along gradient-descent paths).

**Oracle** (Arjevani et al.'s Bernoulli construction): with prog(x) = max{i : |x_i| > λ/4}
(0 if none), g(x; ξ) = ∇f(x) except coordinate prog(x) + 1, multiplied by ξ/p with
ξ ~ Bernoulli(p), ξ = 1{z < Φ_N⁻¹(p)} for one standard normal z. All other coordinates of
∇f vanish beyond prog + 1 (above), so E‖g − ∇f‖² = ∂_{prog+1}f² (1 − p)/p ≤ (Lλ G_∞/ℓ_T)²(1 − p)/p,
and p = c²/(c² + σ²), c = Lλ G_∞/ℓ_T, makes that bound exactly the requested σ² (certified).
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from numba import njit
from pydantic import Field
from scipy.special import ndtr, ndtri

from ..constants import ConstantSet, certified, exact
from . import PROBLEMS
from ..strict import Count, NonNegative, Positive, validated
from ._common import SpecProblem
from .base import FastOracle

E = math.e
PHI_MAX = math.sqrt(2 * math.pi * E)  # sup Φ
DPSI_MAX = 4 * math.exp(-0.5) * 1.5**1.5  # sup Ψ'
_S1, _S2 = (9 - math.sqrt(33)) / 4, (9 + math.sqrt(33)) / 4
D2PSI_MAX = max(abs(math.exp(1 - s) * (16 * s**3 - 24 * s**2)) for s in (_S1, _S2))  # sup |Ψ''|
ELL_T = E + D2PSI_MAX * PHI_MAX + 2 * DPSI_MAX * math.sqrt(E)  # certified Lipschitz bound of ∇F_T
G_INF = E**1.5 + DPSI_MAX * PHI_MAX  # certified bound on ‖∇F_T‖_∞


def inf_FT(T: int) -> float:
    return -PHI_MAX * (1 + (T - 1) * E)


def delta_T(T: int) -> float:
    """F_T(0) − inf F_T = √(2πe)(1 + (T − 1)e) − √(πe/2)."""
    return -math.sqrt(math.pi * E / 2) - inf_FT(T)


@njit(cache=True, _nrt=False)
def _psi(z):
    if z <= 0.5:
        return 0.0
    u = 2.0 * z - 1.0
    if u < 0.02:  # exp(1 − 1/u²) < 1e-1000: zero in double precision
        return 0.0
    return math.exp(1.0 - 1.0 / (u * u))


@njit(cache=True, _nrt=False)
def _dpsi(z):
    if z <= 0.5:
        return 0.0
    u = 2.0 * z - 1.0
    if u < 0.02:
        return 0.0
    return 4.0 * math.exp(1.0 - 1.0 / (u * u)) / (u * u * u)


@njit(cache=True, _nrt=False)
def _phi(z):
    return math.sqrt(2.0 * math.pi * math.e) * 0.5 * math.erfc(-z / math.sqrt(2.0))


@njit(cache=True, _nrt=False)
def _dphi(z):
    return math.sqrt(math.e) * math.exp(-0.5 * z * z)


@njit(cache=True, _nrt=False)
def _value_grad(data, x, out):
    par = data[0]
    lam, scale, gscale = par[0], par[1], par[2]
    T = x.shape[0]
    u0 = x[0] / lam
    v = -_phi(u0)
    out[0] = -_dphi(u0)
    for j in range(1, T):
        out[j] = 0.0
    for i in range(1, T):
        a = x[i - 1] / lam
        b = x[i] / lam
        pm, pp = _psi(-a), _psi(a)
        v += pm * _phi(-b) - pp * _phi(b)
        out[i] += -pm * _dphi(-b) - pp * _dphi(b)
        out[i - 1] += -_dpsi(-a) * _phi(-b) - _dpsi(a) * _phi(b)
    for j in range(T):
        out[j] *= gscale
    return scale * v


@njit(cache=True, _nrt=False)
def _stoch_grad(data, y, part, sample, z, out):
    _value_grad(data, y, out)
    par = data[0]
    lam, p, thr = par[0], par[3], par[4]
    if p < 1.0:
        k = 0
        for i in range(y.shape[0]):
            if abs(y[i]) > 0.25 * lam:
                k = i + 1
        if k < y.shape[0]:
            xi = 1.0 if z[0] < thr else 0.0
            out[k] *= xi / p


@PROBLEMS.register("zero-chain")
class ZeroChain(SpecProblem):
    """Carmon et al.'s zero-chain function in dimension T = d, scaled to L and Δ."""

    example = {"d": 10}

    @validated
    def __init__(
        self,
        d: Annotated[Count, Field(description="chain length T")],
        L: Annotated[Positive, Field(description="smoothness (certified: the true constant is at most L)")] = 1.0,
        Delta: Annotated[Positive, Field(description="f(0) − inf f (exact)")] = 1.0,
        sigma2: Annotated[NonNegative, Field(description="variance bound of the Bernoulli oracle "
                                                         "(0: exact gradients)")] = 0.0,
    ):
        self.d = T = d
        self.sigma2 = s2 = sigma2
        self._given = dict(d=T, L=L, Delta=Delta, sigma2=sigma2)
        self.lam = lam = math.sqrt(Delta * ELL_T / (L * delta_T(T)))
        self.scale = L * lam**2 / ELL_T
        self.gscale = L * lam / ELL_T
        self.grad_floor = self.gscale
        c = self.gscale * G_INF
        self.p = c**2 / (c**2 + s2)
        self._thr = float(ndtri(self.p)) if self.p < 1 else math.inf
        self.noise_dim = 1 if s2 > 0 else 0
        self.x0 = np.zeros(T)
        self.x_star = None
        self.f_star = self.scale * inf_FT(T)
        self.constants = ConstantSet({
            "L": certified(L, f"(L/ℓ_T)·sup‖∇²F_T‖ with Gershgorin bound ℓ_T = {ELL_T:.4f} ≥ sup‖∇²F_T‖"),
            "Delta": exact(self.f(self.x0) - self.f_star, "(Lλ²/ℓ_T)(F_T(0) − inf F_T), inf F_T = −√(2πe)(1 + (T−1)e)"),
            "f_star": exact(self.f_star, "(Lλ²/ℓ_T)·inf F_T (approached as x → +∞, not attained)"),
            "sigma2": certified(s2, f"(Lλ G_∞/ℓ_T)²(1 − p)/p, G_∞ = {G_INF:.4f} ≥ ‖∇F_T‖_∞, p = {self.p:.6g}"),
        })
        self.properties = frozenset({"smooth", "lower-bounded", "nonconvex", "bounded-variance", "unbiased",
                                     "homogeneous"})

    def _data(self):
        return (np.array([self.lam, self.scale, self.gscale, self.p, self._thr]),)

    def _pieces(self, x):
        u = np.asarray(x, dtype=float) / self.lam
        w = np.abs(2 * u) - 1  # ψ(±u) lives where w > 0
        on = w >= 0.02
        ws = np.where(on, w, 1.0)
        psi_abs = np.where(on, np.exp(1 - 1 / ws**2), 0.0)
        dpsi_abs = np.where(on, 4 * np.exp(1 - 1 / ws**2) / ws**3, 0.0)
        pos, neg = u > 0, u < 0
        return u, psi_abs * pos, psi_abs * neg, dpsi_abs * pos, dpsi_abs * neg

    def f(self, x):
        u, psi, psim, _, _ = self._pieces(x)
        phi, phim = PHI_MAX * ndtr(u), PHI_MAX * ndtr(-u)
        return float(self.scale * (-phi[0] + np.sum(psim[:-1] * phim[1:] - psi[:-1] * phi[1:])))

    def grad(self, x):
        u, psi, psim, dpsi, dpsim = self._pieces(x)
        phi, phim = PHI_MAX * ndtr(u), PHI_MAX * ndtr(-u)
        dphi, dphim = np.sqrt(E) * np.exp(-0.5 * u**2), np.sqrt(E) * np.exp(-0.5 * u**2)
        g = np.zeros(self.d)
        g[0] = -dphi[0]
        g[1:] += -psim[:-1] * dphim[1:] - psi[:-1] * dphi[1:]
        g[:-1] += -dpsim[:-1] * phim[1:] - dpsi[:-1] * phi[1:]
        return self.gscale * g

    def progress(self, x) -> int:
        """prog(x) = max{i : |x_i| > λ/4} (1-based; 0 when no coordinate qualifies)."""
        idx = np.nonzero(np.abs(np.asarray(x, dtype=float)) > 0.25 * self.lam)[0]
        return int(idx[-1] + 1) if idx.size else 0

    def stochastic_grad(self, y, part, sample, z):
        g = self.grad(y)
        k = self.progress(y)
        if self.noise_dim and k < self.d:
            xi = 1.0 if z[0] < self._thr else 0.0
            g[k] *= xi / self.p
        return g

    def fast_oracle(self) -> FastOracle:
        return FastOracle(self._data(), _stoch_grad, _value_grad)

    def parameters(self):
        return dict(self._given)
