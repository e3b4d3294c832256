"""Gram-matrix form of the smooth (strongly) convex interpolation conditions.

A performance-estimation problem (PEP; Drori & Teboulle 2014, Taylor, Hendrickx &
Glineur 2017) looks for the worst function in a class by optimising over the values
a method could see instead of over functions. Points and gradients are coefficient
vectors in a basis ``e_0 = x_0 − x*, e_1 = g_0, …, e_{N+1} = g_N`` (``g_i = ∇f(x_i)``),
so every inner product is linear in the Gram matrix ``G = PᵀP ⪰ 0`` of that basis:
``⟨u, v⟩ = uᵀ G v``. With ``x* = 0``, ``g* = 0`` and ``f* = 0``, a set of triplets
``{(x_i, g_i, f_i)}`` is interpolable by an L-smooth μ-strongly convex function
(0 ≤ μ < L) if and only if, for every ordered pair i ≠ j (Taylor, Hendrickx &
Glineur 2017, *Math. Program.* 161:307–345, Theorem 4)::

    f_i ≥ f_j + ⟨g_j, x_i − x_j⟩
          + 1/(2(1 − μ/L)) · ( ‖g_i − g_j‖²/L + μ‖x_i − x_j‖² − 2(μ/L)⟨g_j − g_i, x_j − x_i⟩ ).

:func:`interpolation_rows` writes all these inequalities as rows ``a_F·F + a_G·vec(G) ≤ 0``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Triplets:
    """Evaluated points of a PEP, optimum included.

    Attributes
    ----------
    x, g : ndarray, shape (m, d)
        Coefficients of the points and of their gradients in the Gram basis.
    f : ndarray, shape (m,)
        Index of each function value in the vector ``F`` of unknowns, or ``-1`` for
        ``f* = 0`` (the optimum).
    """

    x: np.ndarray
    g: np.ndarray
    f: np.ndarray


def gram_form(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Symmetric matrices ``M`` with ``trace(M G) = ⟨u, v⟩``; ``u, v`` of shape (..., d) in the Gram basis."""
    uv = np.einsum("...i,...j->...ij", u, v)
    return 0.5 * (uv + np.swapaxes(uv, -1, -2))


def interpolation_rows(t: Triplets, n_values: int, L: float, mu: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``(A_F, A_G)`` of the interpolation conditions (Theorem 4 above), ``A_F F + A_G vec(G) ≤ 0``.

    One row per ordered pair ``(i, j)``, ``i ≠ j``, of the ``m`` points: ``m(m − 1)`` rows,
    pairs in row-major order. ``A_G`` acts on the row-major flattening of the ``d × d``
    Gram matrix.
    """
    if not (0 <= mu < L):
        raise ValueError(f"need 0 <= mu < L, got mu={mu}, L={L}")
    m, d = t.x.shape
    i, j = (a.ravel() for a in np.meshgrid(np.arange(m), np.arange(m), indexing="ij"))
    keep = i != j
    i, j = i[keep], j[keep]
    rows = np.arange(i.size)
    # f_j − f_i + ⟨g_j, x_i − x_j⟩ + c(‖g_i − g_j‖²/L + μ‖x_i − x_j‖² − 2(μ/L)⟨g_j − g_i, x_j − x_i⟩) ≤ 0
    a_f = np.zeros((i.size, n_values))
    fi, fj = t.f[i], t.f[j]
    np.add.at(a_f, (rows[fj >= 0], fj[fj >= 0]), 1.0)
    np.add.at(a_f, (rows[fi >= 0], fi[fi >= 0]), -1.0)
    dx = t.x[i] - t.x[j]
    dg = t.g[i] - t.g[j]
    c = 1.0 / (2.0 * (1.0 - mu / L))
    a_g = gram_form(t.g[j], dx) + c * (
        gram_form(dg, dg) / L + mu * gram_form(dx, dx) - 2.0 * (mu / L) * gram_form(dg, dx)
    )
    return a_f, a_g.reshape(i.size, d * d)
