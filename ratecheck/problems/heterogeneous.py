r"""Heterogeneous quadratics: f = (1/n) Σ_i f_i, f_i(x) = ½ (x − c_i)ᵀ A_i (x − c_i), A_i diagonal.

Worker i queries g_i(y; z) = A_i (y − c_i) + √(σ²/d) z (z ~ N(0, I_d)), so each worker's
variance is σ² exactly. With Ā = (1/n) Σ A_i and b = (1/n) Σ A_i c_i:
∇f(x) = Ā x − b, x* = Ā⁻¹ b (coordinates with ā_j = 0 are flat; there x*_j := x0_j, the
minimiser nearest to x0), and f(x) = ½ (x − x*)ᵀ Ā (x − x*) + f*. All constants are exact:

* ``L`` = L_f = max_j ā_j, ``mu`` = min_j ā_j, ``L_max`` = max_i λ_max(A_i).
* ``L_rl`` — Ringleader's Assumption 2 (Maranjyan & Richtárik, ICLR 2026; theory note
  fixed-computation.md §4.1): ‖∇f(x) − (1/n) Σ ∇f_i(y_i)‖² ≤ (L²/n) Σ ‖x − y_i‖².
  Here ∇f(x) − (1/n) Σ ∇f_i(y_i) = (1/n) Σ A_i u_i with u_i = x − y_i, and the u_i range
  over all of (R^d)^n. With v_i = u_i/√n the ratio is ‖(1/√n) Σ A_i v_i‖² / Σ‖v_i‖², whose
  supremum is the squared norm of the block row (A_1 … A_n)/√n, i.e.
  L_rl² = λ_max((1/n) Σ A_i²) = max_j (1/n) Σ_i a_ij² (exact, the smallest valid L).
  By Cauchy–Schwarz, ‖(1/n) Σ A_i u_i‖² ≤ ((1/n) Σ ‖A_i‖ ‖u_i‖)² ≤ ((1/n) Σ λ_max(A_i)²)·
  (1/n) Σ ‖u_i‖², so sqrt((1/n) Σ λ_max(A_i)²) is also valid (≥ L_rl; constant
  ``L_rl_cs``); and L_f ≤ L_rl ≤ L_max since Ā² ⪯ (1/n) Σ A_i² (Jensen).
* ``zeta2`` = sup_x (1/n) Σ ‖∇f_i(x) − ∇f(x)‖², finite iff all A_i are equal
  (∇f_i − ∇f = (A_i − Ā)x − (A_i c_i − b) is otherwise unbounded in x); then
  ζ² = (1/n) Σ ‖A(c_i − c̄)‖², c̄ = (1/n) Σ c_i. Declared ``bounded-heterogeneity`` only then.
* ``rho``, ``zeta2_rho`` — Rescaled ASGD's ‖∇f_i(x)‖² ≤ ζ² + ρ² ‖∇f(x)‖² for every i and x
  (Mahran, Maranjyan & Richtárik 2026; theory note §6.3). Writing g = ∇f(x) (which ranges
  over R^d on the curved coordinates), ∇f_i(x)_j = m_ij g_j + v_ij with m_ij = a_ij/ā_j and
  v_i = ∇f_i(x*). Per coordinate, sup_g (m g + v)² − ρ² g² = v² ρ²/(ρ² − m²) when ρ² > m²
  (the maximiser is g = m v/(ρ² − m²)). Hence for any ρ > max_ij m_ij the smallest valid ζ² is
  exactly ζ²(ρ) = max_i Σ_j v_ij² ρ²/(ρ² − m_ij²). Default ρ = √2·max_ij m_ij, which gives
  ζ²(ρ) ≤ 2 max_i ‖∇f_i(x*)‖².

:meth:`HeterogeneousQuadratic.weighted_minimizer` gives argmin Σ w_i f_i, the point vanilla
asynchronous SGD is biased towards when worker i contributes with frequency w_i (Rescaled
ASGD abstract; theory note §6.1, [inferred] weights w_i ∝ 1/τ_i). Under fixed compute
times that point is the named point ``"frequency-weighted"`` of a ``limit`` claim
(:meth:`HeterogeneousQuadratic.named_point`).
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
from ..strict import Count, Finite, Index, NonNegative, Positive, Vector, validated
from ._common import Dimension, SpecProblem, Start, curvature_range, vector
from .base import FastOracle
from .quadratic import spectrum_values


@njit(cache=True, _nrt=False)
def _value_grad(data, x, out):
    abar = data[2]
    xs = data[3]
    par = data[4]
    v = 0.0
    for j in range(x.shape[0]):
        r = x[j] - xs[j]
        g = abar[j] * r
        out[j] = g
        v += g * r
    return 0.5 * v + par[0]


@njit(cache=True, _nrt=False)
def _stoch_grad(data, y, part, sample, z, out):
    a = data[0]
    c = data[1]
    s = data[4][1]
    for j in range(y.shape[0]):
        out[j] = a[part, j] * (y[j] - c[part, j])
    if s != 0.0:
        for j in range(y.shape[0]):
            out[j] += s * z[j]


def _matrix(field, value, n, d):
    """A declared table (a list of rows of numbers) as an n × d array."""
    lengths = sorted({len(row) for row in value})
    if len(value) != n or lengths != [d]:
        raise SpecError(field, f"must have shape n × d = ({n}, {d}), got {len(value)} rows of length "
                               f"{' or '.join(map(str, lengths)) or '0'}")
    return np.array(value, dtype=float)


@PROBLEMS.register("heterogeneous-quadratic")
class HeterogeneousQuadratic(SpecProblem):
    """f = (1/n) Σ_i ½ (x − c_i)ᵀ A_i (x − c_i) with diagonal A_i."""

    example = {"n": 4, "d": 10}
    named_points = {"frequency-weighted": "argmin Σ_i w_i f_i with w_i ∝ 1/τ_i, the workers' arrival frequencies "
                                          "under fixed compute times τ_i"}

    @validated
    def __init__(
        self,
        n: Annotated[Count, Field(description="parts (workers)")],
        d: Dimension,
        L: Annotated[Positive | None, Field(description="per-worker spectrum: λ_i from mu to L, linear "
                                                        "(default 1)")] = None,
        mu: Annotated[NonNegative | None, Field(description="as L (default 0.1)")] = None,
        curvature: Annotated[Literal["distinct", "shared"] | None, Field(
            description="shared: A_i = diag(λ) for all i (then ζ² is finite); distinct (default): A_i = diag(π_i λ) "
                        "with a seeded random permutation π_i per worker")] = None,
        eigenvalues: Annotated[list[list[NonNegative]] | None, Field(
            description="n × d table: explicit diagonals of the A_i, one > 0 (instead of L, mu, curvature)")] = None,
        centers: Annotated[list[list[Finite]] | None, Field(description="n × d table: the c_i (default seeded, "
                                                           "c_i ~ spread·N(0, I_d))")] = None,
        spread: Annotated[NonNegative, Field(description="scale of the seeded centres")] = 1.0,
        sigma2: Annotated[NonNegative, Field(description="variance of every worker's oracle")] = 0.0,
        rho: Annotated[Positive | None, Field(description="ρ of the (ζ², ρ) bound, > max a_ij/ā_j "
                                                          "(default √2·max a_ij/ā_j)")] = None,
        x0: Start = 0.0,
        seed: Annotated[Index, Field(description="seed of the permutations and centres")] = 0,
    ):
        self.n_parts = n
        self.d = d
        rng = np.random.default_rng(seed)
        if eigenvalues is not None:
            for name, v in (("L", L), ("mu", mu), ("curvature", curvature)):
                if v is not None:
                    raise SpecError(name, "give either eigenvalues or L/mu/curvature, not both")
            a = _matrix("eigenvalues", eigenvalues, n, d)
            if not np.any(a > 0):
                raise SpecError("eigenvalues", "at least one must be > 0")
        else:
            Lv, muv = curvature_range(L, mu, 0.1, d, "each A_i")
            lam = spectrum_values("linear", d, Lv, muv)
            a = np.tile(lam, (n, 1))
            if curvature != "shared":
                a = np.array([lam[rng.permutation(d)] for _ in range(n)])
        cen = _matrix("centers", centers, n, d) if centers is not None else spread * rng.standard_normal((n, d))
        self.A = a
        self.centers = cen
        self.sigma2 = sigma2
        self.x0 = vector("x0", x0, d)
        self._given = {k: (np.asarray(v, dtype=float).tolist() if isinstance(v, (list, tuple, np.ndarray)) else v)
                       for k, v in dict(n=n, d=d, L=L, mu=mu, curvature=curvature, eigenvalues=eigenvalues,
                                        centers=centers, spread=spread, sigma2=sigma2, rho=rho, x0=x0,
                                        seed=seed).items() if v is not None}

        abar = a.mean(axis=0)
        self.abar = abar
        curved = abar > 0
        self.x_star = self.weighted_minimizer(np.ones(n))
        self.f_star = float(np.mean([self.f_part(i, self.x_star) for i in range(n)]))
        self.noise_scale = math.sqrt(self.sigma2 / d)
        self.noise_dim = d if self.sigma2 > 0 else 0

        r0 = self.x0 - self.x_star
        L_rl = math.sqrt(float(np.max(np.mean(a**2, axis=0))))
        L_rl_cs = math.sqrt(float(np.mean(a.max(axis=1) ** 2)))
        m = np.zeros_like(a)
        m[:, curved] = a[:, curved] / abar[curved]
        v = np.array([self.grad_part(i, self.x_star) for i in range(n)])
        m_max = float(m.max())
        if rho is None:
            rho_v = math.sqrt(2.0) * m_max
        else:
            rho_v = rho
            if rho_v <= m_max:
                raise SpecError("rho", f"must exceed max_ij a_ij/ā_j = {m_max!r} (else ζ² is infinite), got {rho!r}")
        zeta2_rho = float(np.max(np.sum(v**2 * rho_v**2 / (rho_v**2 - m**2), axis=1)))
        consts = {
            "L": exact(float(abar.max()), "L_f = max_j ā_j, Ā = (1/n)Σ A_i"),
            "mu": exact(float(abar.min()), "min_j ā_j"),
            "L_max": exact(float(a.max()), "max_i λ_max(A_i)"),
            "L_rl": exact(L_rl, "sqrt(λ_max((1/n)Σ A_i²)): the smallest L of Ringleader's Assumption 2"),
            "L_rl_cs": exact(L_rl_cs, "sqrt((1/n)Σ λ_max(A_i)²) ≥ L_rl (Cauchy–Schwarz bound)"),
            "sigma2": exact(self.sigma2, "per-worker E‖g_i − ∇f_i‖², the same at every x"),
            "Delta": exact(0.5 * float(np.dot(r0, abar * r0)), "½ (x0 − x*)ᵀ Ā (x0 − x*)"),
            "D": exact(float(np.linalg.norm(r0)), "‖x0 − x*‖ (x* nearest to x0 on flat coordinates)"),
            "f_star": exact(self.f_star, "(1/n)Σ f_i(x*), x* = Ā⁻¹ (1/n)Σ A_i c_i"),
            "rho": exact(rho_v, "ρ of ‖∇f_i‖² ≤ ζ² + ρ²‖∇f‖²" + (" (default √2·max a_ij/ā_j)" if rho is None else "")),
            "zeta2_rho": exact(zeta2_rho, "smallest ζ² for this ρ: max_i Σ_j v_ij² ρ²/(ρ² − m_ij²)"),
        }
        props = {"smooth", "lower-bounded", "convex", "bounded-variance", "unbiased", "heterogeneous",
                 "heterogeneity-zeta-rho", "ringleader-smooth", "quadratic"}
        if abar.min() > 0:
            props.add("strongly-convex")
        if np.all(a == a[0]):
            dev = a[0] * (cen - cen.mean(axis=0))
            consts["zeta2"] = exact(float(np.mean(np.sum(dev**2, axis=1))), "(1/n)Σ‖A(c_i − c̄)‖² (all A_i equal)")
            props.add("bounded-heterogeneity")
        self.constants = ConstantSet(consts)
        self.properties = frozenset(props)

    # --- oracle -------------------------------------------------------------------
    def f_part(self, part, x):
        r = np.asarray(x, dtype=float) - self.centers[part]
        return 0.5 * float(np.dot(r, self.A[part] * r))

    def grad_part(self, part, x):
        return self.A[part] * (np.asarray(x, dtype=float) - self.centers[part])

    def f(self, x):
        r = np.asarray(x, dtype=float) - self.x_star
        return 0.5 * float(np.dot(r, self.abar * r)) + self.f_star

    def grad(self, x):
        return self.abar * (np.asarray(x, dtype=float) - self.x_star)

    def stochastic_grad(self, y, part, sample, z):
        g = self.grad_part(part, y)
        return g + self.noise_scale * np.asarray(z, dtype=float) if self.noise_dim else g

    def fast_oracle(self) -> FastOracle:
        data = (np.ascontiguousarray(self.A), np.ascontiguousarray(self.centers), self.abar.copy(),
                self.x_star.copy(), np.array([self.f_star, self.noise_scale]))
        return FastOracle(data, _stoch_grad, _value_grad)

    # --- helpers --------------------------------------------------------------------
    @validated
    def weighted_minimizer(self, w: Vector) -> np.ndarray:
        """argmin_x Σ_i w_i f_i(x) = (Σ w_i A_i)⁻¹ Σ w_i A_i c_i (flat coordinates: x0_j).

        With w_i ∝ 1/τ_i this is the point vanilla ASGD drifts to in the fixed computation
        model (theory note fixed-computation.md §6.1, [inferred]).
        """
        w = vector("w", w, self.n_parts)
        if np.any(w < 0) or w.sum() <= 0:
            raise SpecError("w", "weights must be >= 0 with a positive sum")
        aw = w @ self.A
        bw = w @ (self.A * self.centers)
        x = self.x0.copy()
        curved = aw > 0
        x[curved] = bw[curved] / aw[curved]
        return x

    def named_point(self, name, model, field):
        """``"frequency-weighted"``: :meth:`weighted_minimizer` with w_i = 1/τ_i, the rate at
        which worker i delivers when each of its computations takes τ_i seconds (a worker
        starts its next gradient as it delivers one). Only a model whose every computation
        of a worker takes the same time gives τ_i (``constant_work`` of a duration model);
        under random, rate-based or data-dependent times the arrival frequencies are not
        known in closed form, and the spec is refused naming ``asynchrony.model``."""
        tau = model.constant_work() if getattr(model, "kind", None) == "duration" else None
        if tau is None:
            raise SpecError("asynchrony.model", f"{field} = {name!r} weighs worker i by its arrival frequency 1/τ_i, known "
                            "in closed form only when each worker's compute time is fixed (model 'fixed'), not under model "
                            f"{getattr(model, 'registry_name', '?')!r}")
        return self.weighted_minimizer(1.0 / np.asarray(tau, dtype=float))

    def parameters(self):
        return dict(self._given)
