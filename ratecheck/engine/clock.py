"""Compiled event clock: virtual time, finish-time heap, work tables.

Semantics (DESIGN.md, "Semantics that must be exact"):

* A worker that starts at time t on a computation with work c finishes at t + c
  (``kind == "duration"``) or at the first T with ∫_t^T v_w = c (``kind == "rate"``,
  piecewise-constant power v_w, Tyurin 2025's universal model).
* **Tie-breaking**: events are ordered by finish time, then by worker index (lowest
  first). The order is therefore a function of the draws alone.
* Each worker has at most one computation in flight; ``start`` consumes the worker's
  next work draw (k = 0, 1, …), also when the computation is later cancelled.

The heap is indexed (``pos[w]``) so that cancelling a computation is O(log n).
Work tables hold the next M draws of every worker; :func:`start` raises the ``low``
flag when a worker has fewer than 2 draws left, and the driver refills between
events (kernels return at event boundaries when ``low`` is set).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

DURATION, RATE = 0, 1

Clock = namedtuple(
    "Clock",
    "heap_t heap_w pos size k start work sample base low busy mode breaks rates cum period",
)


def new_clock(n: int, table_width: int, mode: int, breaks=None, rates=None, period=None) -> Clock:
    if mode == RATE:
        breaks = np.ascontiguousarray(breaks, np.float64)
        rates = np.ascontiguousarray(rates, np.float64)
        period = np.ascontiguousarray(period, np.float64)
        cum = np.zeros_like(breaks)
        cum[:, 1:] = np.cumsum(np.diff(breaks, axis=1) * rates[:, :-1], axis=1)
    else:
        breaks = rates = cum = np.zeros((n, 1))
        period = np.zeros(n)
    return Clock(
        heap_t=np.zeros(n, np.float64),
        heap_w=np.zeros(n, np.int64),
        pos=np.full(n, -1, np.int64),
        size=np.zeros(1, np.int64),
        k=np.full(n, -1, np.int64),
        start=np.zeros(n, np.float64),
        work=np.zeros((n, table_width), np.float64),
        sample=np.zeros((n, table_width), np.int64),
        base=np.zeros(n, np.int64),
        low=np.ones(1, np.int64),
        busy=np.zeros(1, np.float64),
        mode=np.full(1, mode, np.int64),
        breaks=breaks,
        rates=rates,
        cum=cum,
        period=period,
    )


# --- heap ordered by (time, worker); arrays passed explicitly (no tuple refcounting) ---
@njit(cache=True, inline="always")
def _less(ht, hw, i, j):
    ti, tj = ht[i], ht[j]
    return ti < tj or (ti == tj and hw[i] < hw[j])


@njit(cache=True, inline="always")
def _swap(ht, hw, pos, i, j):
    ht[i], ht[j] = ht[j], ht[i]
    hw[i], hw[j] = hw[j], hw[i]
    pos[hw[i]] = i
    pos[hw[j]] = j


@njit(cache=True)
def _sift_up(ht, hw, pos, i):
    while i > 0:
        p = (i - 1) >> 1
        if _less(ht, hw, i, p):
            _swap(ht, hw, pos, i, p)
            i = p
        else:
            break


@njit(cache=True)
def _sift_down(ht, hw, pos, n, i):
    while True:
        a = 2 * i + 1
        if a >= n:
            break
        b = a + 1
        m = b if (b < n and _less(ht, hw, b, a)) else a
        if _less(ht, hw, m, i):
            _swap(ht, hw, pos, m, i)
            i = m
        else:
            break


@njit(cache=True)
def _remove_at(ht, hw, pos, size, i):
    last = size[0] - 1
    w = hw[i]
    if i != last:
        _swap(ht, hw, pos, i, last)
    size[0] = last
    pos[w] = -1
    if i < last:
        _sift_down(ht, hw, pos, last, i)
        _sift_up(ht, hw, pos, i)


# --- universal model: cumulative work of a piecewise-constant power ---------------------
@njit(cache=True)
def _cumwork(c, w, t):
    """W_w(t) = ∫_0^t v_w."""
    br, rt, cu = c.breaks[w], c.rates[w], c.cum[w]
    per = c.period[w]
    full = 0.0
    if per > 0.0:
        cycles = np.floor(t / per)
        # work of one full period
        last = br.size - 1
        one = cu[last] + rt[last] * (per - br[last])
        full = cycles * one
        t = t - cycles * per
    j = np.searchsorted(br, t, side="right") - 1
    return full + cu[j] + rt[j] * (t - br[j])


@njit(cache=True)
def _time_of_work(c, w, target):
    """Smallest T with W_w(T) = target (inf if never reached)."""
    br, rt, cu = c.breaks[w], c.rates[w], c.cum[w]
    per = c.period[w]
    last = br.size - 1
    offset = 0.0
    if per > 0.0:
        one = cu[last] + rt[last] * (per - br[last])
        if one <= 0.0:
            return np.inf
        cycles = np.floor(target / one)
        offset = cycles * per
        target = target - cycles * one
        if target == 0.0 and cycles > 0:
            # land exactly at the end of a full cycle: find it in the previous one
            offset -= per
            target = one
    for j in range(last + 1):
        end_cum = cu[j + 1] if j < last else np.inf
        if per > 0.0 and j == last:
            end_cum = cu[last] + rt[last] * (per - br[last])
        if target <= end_cum and rt[j] > 0.0:
            return offset + br[j] + (target - cu[j]) / rt[j]
    return np.inf


# --- the clock's verbs --------------------------------------------------------------------
@njit(cache=True)
def start(c, w, t):
    """Worker w starts its next computation at time t; returns that computation's index k."""
    k = c.k[w] + 1
    c.k[w] = k
    col = k - c.base[w]
    wk = c.work[w, col]
    if c.mode[0] == DURATION:
        finish = t + wk
    else:
        finish = _time_of_work(c, w, _cumwork(c, w, t) + wk)
    if col + 2 >= c.work.shape[1]:
        c.low[0] = 1
    c.start[w] = t
    i = c.size[0]
    c.size[0] = i + 1
    c.heap_t[i] = finish
    c.heap_w[i] = w
    c.pos[w] = i
    _sift_up(c.heap_t, c.heap_w, c.pos, i)
    return k


@njit(cache=True)
def peek_time(c):
    return c.heap_t[0] if c.size[0] > 0 else np.inf


@njit(cache=True)
def pop(c):
    """Remove the next finishing computation; returns (time, worker)."""
    t = c.heap_t[0]
    w = c.heap_w[0]
    _remove_at(c.heap_t, c.heap_w, c.pos, c.size, 0)
    c.busy[0] += t - c.start[w]
    return t, w


@njit(cache=True)
def cancel(c, w, t):
    """Stop worker w's computation at time t (its work so far counts as busy time)."""
    i = c.pos[w]
    if i >= 0:
        _remove_at(c.heap_t, c.heap_w, c.pos, c.size, i)
        c.busy[0] += t - c.start[w]


@njit(cache=True)
def current_sample(c, w):
    return c.sample[w, c.k[w] - c.base[w]]
