"""Counter-based Gaussian noise: the draws of computation k of worker w, in O(1).

The noise vector of the k-th gradient computation of worker w is a pure function of
(seed, w, k): block j of it is the Philox4x64-10 output (Salmon, Moraes, Dror, Shaw,
"Parallel random numbers: as easy as 1, 2, 3", SC 2011; the generator behind
``numpy.random.Philox``) at counter (w, k, j, 0) under a key derived from the seed by
``numpy.random.SeedSequence``. Four 64-bit words give four uniforms on (0, 1] (53
bits each) and, by the Box–Muller transform, four independent standard normals.

Because no stream has to be advanced, any batch of (w, k) pairs is drawn in one
compiled pass: algorithms that see the same seed see the same noise for the same
(worker, computation) pair (common random numbers), whatever order they use them in.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

_M0 = uint64(0xD2E7470EE14C6C93)
_M1 = uint64(0xCA5A826395121157)
_W0 = uint64(0x9E3779B97F4A7C15)
_W1 = uint64(0xBB67AE8584CAA73B)
_LO = uint64(0xFFFFFFFF)
_S32 = uint64(32)
_S11 = uint64(11)
_TWO_PI = 2.0 * np.pi
_U53 = 1.0 / 9007199254740992.0  # 2**-53


def noise_key(seed: int) -> np.ndarray:
    """The 128-bit Philox key of a seed (SeedSequence's hash; disjoint from the
    spawn-keyed PCG64 streams of :mod:`.rng`)."""
    return np.random.SeedSequence(int(seed), spawn_key=(0x6E6F697365,)).generate_state(2, np.uint64)


@njit(cache=True, inline="always")
def _mulhilo(a, b):
    """(high, low) 64-bit halves of the 128-bit product a·b."""
    a0, a1 = a & _LO, a >> _S32
    b0, b1 = b & _LO, b >> _S32
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = (p00 >> _S32) + (p01 & _LO) + (p10 & _LO)
    hi = p11 + (p01 >> _S32) + (p10 >> _S32) + (mid >> _S32)
    return hi, a * b


@njit(cache=True)
def philox4x64(c0, c1, c2, c3, k0, k1):
    """Philox4x64-10 block at counter (c0, c1, c2, c3) under key (k0, k1)."""
    for _ in range(10):
        hi0, lo0 = _mulhilo(_M0, c0)
        hi1, lo1 = _mulhilo(_M1, c2)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
        k0 += _W0
        k1 += _W1
    return c0, c1, c2, c3


@njit(cache=True, inline="always")
def _box_muller(a, b, out, i, dim):
    u1 = ((a >> _S11) + uint64(1)) * _U53  # (0, 1]
    u2 = (b >> _S11) * _U53  # [0, 1)
    r = np.sqrt(-2.0 * np.log(u1))
    out[i] = r * np.cos(_TWO_PI * u2)
    if i + 1 < dim:
        out[i + 1] = r * np.sin(_TWO_PI * u2)


@njit(cache=True)
def fill_normals(key, w, k, out):
    """Write the standard normals of computation k of worker w into ``out``."""
    dim = out.shape[0]
    k0, k1 = uint64(key[0]), uint64(key[1])
    cw, ck = uint64(w), uint64(k)
    for j in range((dim + 3) // 4):
        x0, x1, x2, x3 = philox4x64(cw, ck, uint64(j), uint64(0), k0, k1)
        _box_muller(x0, x1, out, 4 * j, dim)
        if 4 * j + 2 < dim:
            _box_muller(x2, x3, out, 4 * j + 2, dim)


@njit(cache=True)
def normals(key, ws, ks, dim):
    """Row r: the ``dim`` standard normals of computation ks[r] of worker ws[r]."""
    out = np.empty((ws.shape[0], max(dim, 1)))
    if dim > 0:
        for r in range(ws.shape[0]):
            fill_normals(key, ws[r], ks[r], out[r])
    return out
