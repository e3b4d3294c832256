"""Row operations of the finite-sum families f(x) = (1/m) Σ_i φ(a_iᵀx, b_i) (``huber``,
``logistic``, ``robust-regression``), compiled and inlined into their oracles.

Sums run in the order j = 0, …, d−1 from the given start, so a family's oracle computes
the same floating-point numbers as when it wrote the loop itself.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, _nrt=False, inline="always")
def affine(a, i, x, start):
    """start + Σ_j a[i, j]·x[j] (e.g. the residual a_iᵀx − b_i with start = −b_i)."""
    r = start
    for j in range(x.shape[0]):
        r += a[i, j] * x[j]
    return r


@njit(cache=True, _nrt=False, inline="always")
def add_row(out, p, a, i):
    """out += p·a_i."""
    for j in range(out.shape[0]):
        out[j] += p * a[i, j]


@njit(cache=True, _nrt=False, inline="always")
def set_row(out, p, a, i):
    """out = p·a_i (a one-sample gradient φ'(a_iᵀx)·a_i)."""
    for j in range(out.shape[0]):
        out[j] = p * a[i, j]


@njit(cache=True, _nrt=False, inline="always")
def clear(out):
    """out = 0."""
    for j in range(out.shape[0]):
        out[j] = 0.0


@njit(cache=True, _nrt=False, inline="always")
def divide(out, m):
    """out /= m (the mean of the summed row gradients)."""
    for j in range(out.shape[0]):
        out[j] /= m
