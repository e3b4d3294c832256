"""The counter-based noise of ratecheck.engine.noise: Philox against numpy's, the
ziggurat's table against its defining equations, the normal law, and common random
numbers (a draw depends on (seed, worker, computation) only)."""

import math

import numpy as np
import pytest
from numba import uint64
from scipy import stats

from ratecheck.engine.noise import ZIGGURAT_R, noise_key, normals, philox4x64, ziggurat_tables


@pytest.mark.parametrize("counter,key", [([0, 0, 0, 0], [0, 0]), ([5, 17, 3, 0], [123456789, 987654321]),
                                         ([2**63 + 5, 2**64 - 2, 7, 2**40], [2**64 - 1, 2**62])])
def test_philox_matches_numpy(counter, key):
    """numpy's Philox increments its counter before each block: block 1 is at counter + 1."""
    ref = np.random.Philox(counter=np.array(counter, np.uint64), key=np.array(key, np.uint64)).random_raw(4)
    c = np.array(counter, np.uint64)
    c[0] += np.uint64(1)
    mine = philox4x64(*[uint64(v) for v in c], uint64(key[0]), uint64(key[1]))
    np.testing.assert_array_equal(np.array(mine, np.uint64), ref)


def test_ziggurat_layers_have_equal_area():
    k, w, f, v, x = ziggurat_tables()
    assert np.all(np.diff(x[1:]) < 0) and x[-1] == 0.0 and x[1] == ZIGGURAT_R
    areas = x[1:-1] * (f[2:] - f[1:-1])  # layers 1..255: width x_i, heights f(x_i)..f(x_{i+1})
    np.testing.assert_allclose(areas, v, rtol=1e-9)
    assert x[0] * f[1] == pytest.approx(v, rel=1e-12)  # base layer incl. the tail: pseudo-width v/f(r)
    assert k[-1] == 0 and np.all(k[:-1] > 0)


def test_standard_normal_law():
    Z = normals(noise_key(3), np.arange(100_000) % 7, np.arange(100_000) // 7, 10).ravel()
    N = Z.size
    assert abs(Z.mean()) < 4 / math.sqrt(N)
    assert abs(Z.var() - 1) < 4 * math.sqrt(2 / N)
    assert stats.kstest(Z, "norm").pvalue > 1e-3
    p = 2 * stats.norm.sf(ZIGGURAT_R)  # the tail branch
    assert abs(np.mean(np.abs(Z) > ZIGGURAT_R) - p) < 5 * math.sqrt(p / N)
    for q in (0.5, 1.5, 2.5):
        assert abs(np.mean(Z > q) - stats.norm.sf(q)) < 5 * math.sqrt(stats.norm.sf(q) / N)


def test_draws_depend_on_seed_worker_and_computation_only():
    key = noise_key(11)
    batch = normals(key, np.array([2, 0, 2, 1]), np.array([5, 0, 6, 3]), 6)
    alone = normals(key, np.array([2]), np.array([6]), 6)
    np.testing.assert_array_equal(batch[2], alone[0])  # same (w, k), any batch and order
    assert not np.allclose(batch[0], batch[2])  # other computation of the same worker
    assert not np.allclose(normals(noise_key(12), np.array([2]), np.array([6]), 6), alone)  # other seed
    rows = normals(key, np.repeat(np.arange(50), 200), np.tile(np.arange(200), 50), 4)
    c = np.corrcoef(rows.T)
    assert np.max(np.abs(c - np.eye(4))) < 4 / math.sqrt(rows.shape[0])  # coordinates uncorrelated


def _plain_normals(key, w, k, count):
    """The draws of computation k of worker w, written out plainly from the definitions
    (SplitMix64 words; bits 0–7 the layer, bit 8 the sign, bits 12–63 the uniform)."""
    M = (1 << 64) - 1
    kt, wt, ft, _, _ = ziggurat_tables()
    state = int(philox4x64(uint64(w), uint64(k), uint64(0), uint64(0), uint64(key[0]), uint64(key[1]))[0])

    def word():
        nonlocal state
        state = (state + 0x9E3779B97F4A7C15) & M
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        return z ^ (z >> 31)

    out = []
    while len(out) < count:
        wd = word()
        i, neg, u = wd & 0xFF, (wd >> 8) & 1, wd >> 12
        x = float(u) * wt[i]
        if u < int(kt[i]):
            out.append(-x if neg else x)
            continue
        if i == 0:  # Marsaglia's tail
            while True:
                a, b = word(), word()
                xx = -math.log((float(a >> 11) + 1.0) * 2.0**-53) / ZIGGURAT_R
                yy = -math.log((float(b >> 11) + 1.0) * 2.0**-53)
                if yy + yy > xx * xx:
                    out.append(-(ZIGGURAT_R + xx) if neg else ZIGGURAT_R + xx)
                    break
            continue
        y = ft[i] + float(word() >> 11) * 2.0**-53 * (ft[i + 1] - ft[i])
        if y < math.exp(-0.5 * x * x):
            out.append(-x if neg else x)
        # else: rejected, draw again
    return np.array(out)


def test_draws_equal_the_plain_ziggurat():
    """The compiled draw (sign folded into a 512-entry width table) equals the ziggurat
    written out with an explicit sign, also through wedge rejections and the tail."""
    key = noise_key(7)
    rows = [(0, 0), (3, 11), (9, 123456)]
    got = normals(key, np.array([r[0] for r in rows]), np.array([r[1] for r in rows]), 3000)
    for (w, k), row in zip(rows, got):
        np.testing.assert_allclose(row, _plain_normals(key, w, k, 3000), rtol=1e-15, atol=0)
    assert (np.abs(got) > ZIGGURAT_R).sum() > 0  # the tail was exercised
