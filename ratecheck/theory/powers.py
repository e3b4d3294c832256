"""Computation powers of the universal computation model, for card formulas.

Tyurin (ICLR 2025, arXiv 2408.04929; theory note fixed-computation.md §1, §7.1): worker
i has a power v_i(t) ≥ 0 and finishes ⌊∫_{t0}^{t1} v_i⌋ gradients in [t0, t1]. Here the
v_i are piecewise constant and optionally periodic, given as the rate table of
:meth:`ratecheck.asynchrony.base.ComputeModel.rate_table` — ``(breaks, rates, period)``,
breaks and rates of shape (n, P) (rows start at 0), period of shape (n,) (0 = none).

:meth:`Powers.blocks` evaluates the block recursions of the cards (card-audit.md §3.2):

    t_S(T) = min{t ≥ 0 : C(T, t) ≥ S},   T_k = T_{k−1} + t_S(T_{k−1}),   T_0 = 0,

with counts b_i = ⌊(1/c)∫_T^{T+t} v_i⌋ and C = Σ_i b_i (``Blocks``: Ringmaster's Lemma 5.1
with c = 4, Rennala's collection with c = 1) or C = ((1/n) Σ_i 1/b_i)^{-1}, 0 while some
b_i = 0 (``HBlocks``: Malenia's rounds, Ringleader's universal Phase 1). A block ends at
an event (some b_i steps up), found by bisection on t and then event by event, so T_k is
exact up to float rounding of the integrals.
"""

from __future__ import annotations

import math

import numpy as np

#: Relative slack when an integral lands on a whole number of units (float rounding).
_TOL = 1e-12


class Powers:
    """Piecewise-constant, optionally periodic powers v_i(t) (module docstring)."""

    def __init__(self, breaks, rates, period):
        b = np.atleast_2d(np.asarray(breaks, dtype=float))
        r = np.atleast_2d(np.asarray(rates, dtype=float))
        p = np.broadcast_to(np.asarray(period, dtype=float), (b.shape[0],)).copy()
        if b.shape != r.shape or b.shape[1] == 0 or np.any(b[:, 0] != 0) or np.any(np.diff(b, axis=1) <= 0):
            raise ValueError("powers: breaks and rates must be (n, P) tables, rows increasing from 0")
        if np.any(r < 0) or not np.all(np.isfinite(r)) or np.any(p < 0):
            raise ValueError("powers: rates and periods must be finite and >= 0")
        self.breaks, self.rates, self.period, self.n = b, r, p, b.shape[0]
        periodic = p > 0
        self.ends = np.concatenate([b[:, 1:], np.where(periodic, p, math.inf)[:, None]], axis=1)
        with np.errstate(invalid="ignore"):  # inf·0 on a final zero-rate piece
            pieces = np.nan_to_num(r * (self.ends - b), nan=0.0)
        self.start_work = np.concatenate([np.zeros((self.n, 1)), np.cumsum(pieces, axis=1)[:, :-1]], axis=1)
        self.end_work = self.start_work + pieces
        self.cycle = np.where(periodic, pieces.sum(axis=1), math.inf)
        if np.any(periodic & (self.cycle <= 0)):
            raise ValueError("powers: a periodic worker has no power over its period")

    @classmethod
    def constant(cls, tau) -> "Powers":
        """v_i ≡ 1/τ_i: the fixed computation model."""
        t = np.asarray(tau, dtype=float).ravel()
        return cls(np.zeros((t.size, 1)), (1.0 / t)[:, None], np.zeros(t.size))

    def sup(self) -> np.ndarray:
        """sup_t v_i(t) per worker."""
        return self.rates.max(axis=1)

    def work(self, t: float) -> np.ndarray:
        """W_i(t) = ∫_0^t v_i, per worker."""
        periodic = self.period > 0
        cycles = np.where(periodic, np.floor(t / np.where(periodic, self.period, 1.0)), 0.0)
        local = t - cycles * np.where(periodic, self.period, 0.0)
        j = (self.breaks <= local[:, None]).sum(axis=1) - 1
        rows = np.arange(self.n)
        base = np.where(periodic, cycles * np.where(periodic, self.cycle, 0.0), 0.0)
        return base + self.start_work[rows, j] + self.rates[rows, j] * (local - self.breaks[rows, j])

    def when(self, w: np.ndarray) -> np.ndarray:
        """W_i^{-1}(w_i): the first t with W_i(t) ≥ w_i, per worker (∞ if never)."""
        w = np.asarray(w, dtype=float)
        periodic = self.period > 0
        cyc = np.where(periodic, self.cycle, 1.0)
        cycles = np.where(periodic & (w > 0), np.ceil(w / cyc) - 1.0, 0.0)
        local = w - np.where(periodic, cycles * cyc, 0.0)
        reach = self.end_work >= local[:, None]
        j = np.argmax(reach, axis=1)
        rows = np.arange(self.n)
        found = reach[rows, j]
        r = self.rates[rows, j]
        within = np.where(r > 0, (local - self.start_work[rows, j]) / np.where(r > 0, r, 1.0), 0.0)
        t = np.where(periodic, cycles * self.period, 0.0) + self.breaks[rows, j] + within
        return np.where(found | (local <= 0), np.where(local <= 0, np.where(periodic, cycles * self.period, 0.0), t),
                        math.inf)

    # --- blocks -----------------------------------------------------------------------
    def _counts(self, w0: np.ndarray, t0: float, t: float, c: float) -> np.ndarray:
        x = (self.work(t0 + t) - w0) / c
        return np.floor(x * (1 + _TOL) + _TOL)

    def _measure(self, b: np.ndarray, harmonic: bool) -> float:
        if not harmonic:
            return float(b.sum())
        return 0.0 if np.any(b < 1) else float(self.n / np.sum(1.0 / b))

    def block(self, t0: float, S: float, c: float, harmonic: bool = False) -> float:
        """t_S(T0) (module docstring); ∞ if the count never reaches S."""
        if S <= 0:
            return 0.0
        w0 = self.work(t0)
        # one worker with ⌈S⌉ units (a sum), every worker with ⌈S⌉ units (a harmonic mean)
        ends = self.when(w0 + c * math.ceil(S)) - t0
        hi = float(np.max(ends) if harmonic else np.min(ends))
        if not math.isfinite(hi):
            return math.inf
        # below lo the counts cannot reach S: Σ_i b_i ≤ t Σ_i sup v_i / c, and HM ≤ AM = Σ_i b_i / n
        lo = max(0.0, c * (math.ceil(S) - 1) * (self.n if harmonic else 1) / float(self.sup().sum()) * (1 - 1e-9))
        b_lo, b_hi = self._counts(w0, t0, lo, c), self._counts(w0, t0, hi, c)
        while b_hi.sum() - b_lo.sum() > self.n and hi - lo > 1e-15 * hi:
            mid = 0.5 * (lo + hi)
            b_mid = self._counts(w0, t0, mid, c)
            if self._measure(b_mid, harmonic) >= S:
                hi, b_hi = mid, b_mid
            else:
                lo, b_lo = mid, b_mid
        for _ in range(10 * self.n + 10):  # event by event: the measure changes only when a count steps up
            b = self._counts(w0, t0, lo, c)
            if self._measure(b, harmonic) >= S:
                return lo
            nxt = float(np.min(self.when(w0 + c * (b + 1)))) - t0
            lo = nxt if nxt > lo else lo + abs(lo) * 1e-12 + 1e-300
        return hi

    def blocks(self, k: float, S: float, c: float, harmonic: bool = False, limit: float = math.inf) -> float:
        """T_k of the recursion (module docstring); NaN when k exceeds ``limit`` (a cost cap
        for sampled checks, which then skip the sample)."""
        if k != math.floor(k) or k < 0:
            raise ValueError(f"the number of blocks must be a whole number >= 0, got {k}")
        if k > limit:
            return math.nan
        t = 0.0
        for _ in range(int(k)):
            t += self.block(t, S, c, harmonic)
            if not math.isfinite(t):
                return math.inf
        return t
