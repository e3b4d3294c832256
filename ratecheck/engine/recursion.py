"""The compiled iterate recursion: replay an op stream for a batch of stepsizes.

For each problem oracle (:class:`~ratecheck.problems.base.FastOracle`) a kernel is
compiled once per process (:func:`recursion_kernel`). It applies the ops of
:mod:`.ops` to B iterates at once (one per stepsize γ_b, all sharing the schedule and
the noise draws) and, after every update, evaluates f(x_k) and ∇f(x_k) exactly to
maintain the statistics of :mod:`.trace` and record

* checkpoints at the iterations of a geometric grid, and
* the exact first iteration at which each statistic drops to each target.

A batch member whose iterate becomes inf/NaN is frozen and marked diverged at that
iteration; the others go on.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .ops import ASSIGN, BCAST, GRAD, STEP
from .trace import CHECKPOINT_FIELDS, STATISTICS

N_STATS = len(STATISTICS)
N_FIELDS = len(CHECKPOINT_FIELDS)
# counters in `ctr`
C_IT, C_APPLIED, C_MAXDELAY, C_CKPT, C_STAMP, C_BSTAMP, C_GRADROW, C_COMPUTED = range(8)
N_CTR = 8
# per-member scalars in `mem`
M_SUMGSQ, M_MINGSQ, M_ALIVE, M_DIVERGED_AT, M_DONE = range(5)
N_MEM = 5

_CACHE: dict = {}


def recursion_kernel(oracle):
    """The compiled replay kernel for ``oracle`` (memoised per oracle function pair)."""
    key = (oracle.stoch_grad, oracle.value_grad)
    if key not in _CACHE:
        _CACHE[key] = _make(oracle.stoch_grad, oracle.value_grad)
    return _CACHE[key]


def _make(stoch_grad, value_grad):
    @njit
    def record(data, b, X, XS, mem, LV, it, f_star, x_star, track_avg, gbuf):
        f = value_grad(data, X[b], gbuf)
        gsq = 0.0
        for j in range(gbuf.shape[0]):
            gsq += gbuf[j] * gbuf[j]
        if not (np.isfinite(f) and np.isfinite(gsq)):
            return False
        mem[b, M_SUMGSQ] += gsq
        if gsq < mem[b, M_MINGSQ]:
            mem[b, M_MINGSQ] = gsq
        LV[b, 0] = gsq
        LV[b, 1] = mem[b, M_SUMGSQ] / (it + 1)
        LV[b, 2] = mem[b, M_MINGSQ]
        LV[b, 3] = f - f_star
        if track_avg:
            xb = X[b] * 0.0
            for j in range(xb.shape[0]):
                xb[j] = XS[b, j] / (it + 1)
            LV[b, 4] = value_grad(data, xb, gbuf) - f_star
        else:
            LV[b, 4] = np.nan
        if x_star.shape[0] > 0:
            ds = 0.0
            for j in range(x_star.shape[0]):
                ds += (X[b, j] - x_star[j]) ** 2
            LV[b, 5] = ds
        else:
            LV[b, 5] = np.nan
        return True

    @njit
    def after_step(data, X, XS, mem, LV, ctr, t, f_star, x_star, track_avg, gbuf,
                   targets, H, hp, ckpt_iters, CK, stop_stat):
        it = ctr[C_IT]
        B = X.shape[0]
        T = targets.shape[0]
        all_done = True
        for b in range(B):
            if mem[b, M_ALIVE] == 0.0:
                continue
            if not record(data, b, X, XS, mem, LV, it, f_star, x_star, track_avg, gbuf):
                mem[b, M_ALIVE] = 0.0
                mem[b, M_DIVERGED_AT] = it
                for s in range(N_STATS):
                    LV[b, s] = np.nan
                continue
            for s in range(N_STATS):
                v = LV[b, s]
                while hp[b, s] < T and v <= targets[hp[b, s]]:
                    H[b, s, hp[b, s], 0] = it
                    H[b, s, hp[b, s], 1] = t
                    H[b, s, hp[b, s], 2] = ctr[C_COMPUTED]
                    hp[b, s] += 1
            if stop_stat >= 0 and hp[b, stop_stat] >= T:
                mem[b, M_DONE] = 1.0
            if mem[b, M_DONE] == 0.0:
                all_done = False
        ci = ctr[C_CKPT]
        if ci < ckpt_iters.shape[0] and it == ckpt_iters[ci]:
            for b in range(B):
                CK[b, ci, 0] = ctr[C_COMPUTED]
                CK[b, ci, 1] = it
                CK[b, ci, 2] = t
                CK[b, ci, 3] = ctr[C_COMPUTED]
                CK[b, ci, 4] = ctr[C_APPLIED]
                CK[b, ci, 5] = ctr[C_MAXDELAY]
                for s in range(N_STATS):
                    CK[b, ci, 6 + s] = LV[b, s]
            ctr[C_CKPT] = ci + 1
        return all_done and stop_stat >= 0

    @njit
    def replay(data, kind, ws, ss, cs, ts, ns, delays, m, Z, parts, gam, X, Y, P, ACC, XS,
               astamp, mem, LV, ctr, f_star, x_star, track_avg, gbuf,
               targets, H, hp, ckpt_iters, CK, stop_stat):
        B = X.shape[0]
        d = X.shape[1]
        for i in range(m):
            op = kind[i]
            if op == GRAD:
                w = ws[i]
                fresh = astamp[w] > ctr[C_BSTAMP]
                z = Z[ctr[C_GRADROW]]
                for b in range(B):
                    if mem[b, M_ALIVE] == 0.0:
                        continue
                    if fresh:
                        stoch_grad(data, Y[b, w], parts[w], ss[i], z, gbuf)
                    else:
                        stoch_grad(data, P[b], parts[w], ss[i], z, gbuf)
                    c = cs[i]
                    for j in range(d):
                        ACC[b, j] += c * gbuf[j]
                ctr[C_GRADROW] += 1
                ctr[C_APPLIED] += 1
                if delays[i] > ctr[C_MAXDELAY]:
                    ctr[C_MAXDELAY] = delays[i]
            elif op == STEP:
                ctr[C_IT] += 1
                ctr[C_COMPUTED] = ns[i]
                for b in range(B):
                    if mem[b, M_ALIVE] == 0.0:
                        continue
                    g = gam[b] * cs[i]
                    for j in range(d):
                        X[b, j] -= g * ACC[b, j]
                        ACC[b, j] = 0.0
                        XS[b, j] += X[b, j]
                if after_step(data, X, XS, mem, LV, ctr, ts[i], f_star, x_star, track_avg, gbuf,
                              targets, H, hp, ckpt_iters, CK, stop_stat):
                    return True
            elif op == ASSIGN:
                w = ws[i]
                ctr[C_STAMP] += 1
                astamp[w] = ctr[C_STAMP]
                for b in range(B):
                    for j in range(d):
                        Y[b, w, j] = X[b, j]
            else:  # BCAST
                ctr[C_STAMP] += 1
                ctr[C_BSTAMP] = ctr[C_STAMP]
                for b in range(B):
                    for j in range(d):
                        P[b, j] = X[b, j]
        return False

    return replay, after_step


def checkpoint_grid(max_iter: float, ratio: float = 1.05, dense: int = 20, cap: int = 2000) -> np.ndarray:
    """Iterations 0..dense, then a geometric grid with the given ratio (≤ cap points)."""
    pts = list(range(dense + 1))
    x = float(dense)
    top = min(max_iter, 1e15)
    while x < top and len(pts) < cap:
        x = max(x * ratio, x + 1)
        pts.append(int(round(x)))
    arr = np.unique(np.asarray(pts, np.int64))
    return arr[arr <= top] if np.isfinite(max_iter) else arr
