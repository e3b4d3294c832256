"""Seed bands of checkpoint curves: median and inter-quartile range on a common x grid.

Each seed's checkpoints sit at its own x values (time and gradient counts differ across
seeds), so every curve is read as a step function, y(x) = the value at the last
checkpoint with abscissa ≤ x, on one log-spaced grid; the band at x uses the seeds
whose curve covers x, and is drawn only where at least half of the seeds do
(benchopt's default plot shades quantiles across repetitions the same way).
"""

from __future__ import annotations

import numpy as np

#: Values a log axis draws, margins included (beyond ~1e300 its transforms overflow);
#: a diverging run's last checkpoints lie outside and are left off the plot.
DRAWABLE = (1e-150, 1e150)


def drawable(a) -> np.ndarray:
    """Boolean mask of the entries of ``a`` that a log axis can show (within :data:`DRAWABLE`)."""
    a = np.asarray(a, dtype=float)
    with np.errstate(invalid="ignore"):
        return (a >= DRAWABLE[0]) & (a <= DRAWABLE[1])


def step_on_grid(x: np.ndarray, y: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """y at the last x ≤ grid point; NaN before the first and after the last checkpoint."""
    j = np.searchsorted(x, grid, side="right") - 1
    out = np.where(j >= 0, y[np.clip(j, 0, None)], np.nan)
    out[grid > x[-1]] = np.nan
    return out


def seed_band(curves: list[tuple[np.ndarray, np.ndarray]], n_grid: int = 160):
    """(grid, q25, median, q75) over seeds of positive, finite (x, y) curves on log axes.

    Points outside :data:`DRAWABLE` (non-positive, non-finite, or beyond 1e150) are
    left out: they have no place on a log plot.
    Returns ``None`` when no curve has a drawable point.
    """
    clean = []
    for x, y in curves:
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        keep = drawable(x) & drawable(y)
        if keep.any():
            clean.append((x[keep], y[keep]))
    if not clean:
        return None
    lo = min(float(x[0]) for x, _ in clean)
    hi = max(float(x[-1]) for x, _ in clean)
    grid = np.geomspace(lo, hi, n_grid) if hi > lo else np.array([lo])
    Y = np.vstack([step_on_grid(x, y, grid) for x, y in clean])
    count = np.sum(~np.isnan(Y), axis=0)
    q = column_quantiles(Y, count, (0.25, 0.5, 0.75))
    q[:, count * 2 < len(clean)] = np.nan
    return grid, q[0], q[1], q[2]


def column_quantiles(Y: np.ndarray, count: np.ndarray, qs) -> np.ndarray:
    """Linear-interpolation quantiles of each column's non-NaN entries (vectorised nanquantile)."""
    S = np.sort(Y, axis=0)  # NaN sort last
    cols = np.arange(Y.shape[1])
    out = np.full((len(qs), Y.shape[1]), np.nan)
    ok = count > 0
    for i, q in enumerate(qs):
        pos = q * (np.maximum(count, 1) - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, np.maximum(count, 1) - 1)
        frac = pos - lo
        val = S[lo, cols] + frac * (S[hi, cols] - S[lo, cols])
        out[i, ok] = val[ok]
    return out
