"""Additive gradient noise of the quadratic families (``quadratic``, ``tridiagonal``).

``"gaussian"``: g(x, z) = ∇f(x) + s·z with z ~ N(0, I_d), so σ² = s²·d;
``"scalar"``: g(x, z) = ∇f(x) + s·z₀·𝟙 with z₀ ~ N(0, 1), so σ² = s²·d as well, but every
coordinate moves together. The compiled oracles carry the choice as a mode number.
"""

from __future__ import annotations

import numpy as np
from numba import njit

NOISES = ("gaussian", "scalar")
#: noise modes in the compiled oracles
NO_NOISE, GAUSSIAN, SCALAR = 0, 1, 2


def noise_mode(noise: str, noise_dim: int) -> int:
    """The compiled oracle's mode for a family's ``noise`` choice (none when noise_dim = 0)."""
    return NO_NOISE if noise_dim == 0 else (SCALAR if noise == "scalar" else GAUSSIAN)


def with_noise(g: np.ndarray, z, s: float, noise: str) -> np.ndarray:
    """The Python oracle's g + s·z (``gaussian``) or g + s·z₀ (``scalar``); g itself when
    the family draws no noise (z empty)."""
    if len(z) == 0:
        return g
    if noise == "gaussian":
        return g + s * np.asarray(z, dtype=float)
    return g + s * float(z[0])


@njit(cache=True, _nrt=False, inline="always")
def add_noise(out, z, s, mode):
    """out += s·z (mode GAUSSIAN) or out += s·z₀ (mode SCALAR), in place."""
    if mode == GAUSSIAN:
        for i in range(out.shape[0]):
            out[i] += s * z[i]
    elif mode == SCALAR:
        e = s * z[0]
        for i in range(out.shape[0]):
            out[i] += e
