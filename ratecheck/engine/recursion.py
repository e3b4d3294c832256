"""The state the replay updates and the update rules: iterate versions and rule state.

The replay (:mod:`.replay`) applies the ops of :mod:`.ops` to B iterates at once (one
per stepsize γ_b, all sharing the schedule and the noise draws). This module holds
what it updates besides the statistics: the iterate versions (:class:`Iterates`), the
rule state (:class:`Update`) and the update rules themselves (:func:`momentum_step`;
the plain rule is written inline in the replay's loop).

**Update rules.** STEP applies the algorithm's rule (:attr:`Algorithm.update
<ratecheck.algorithms.base.Algorithm.update>`, parameters from ``update_params()``) to
G = c · acc, the step's aggregated gradient; t = 1, 2, … counts the updates:

================  ==================================================================
``plain``         x ← x − γ G
``heavy-ball``    v ← β v − γ G;  x ← x + v   (x_{t+1} = x_t − γG_t + β(x_t − x_{t−1}))
``ema-momentum``  m ← (1 − β) m + β G;  x ← x − γ m   (m₀ = 0)
``mu2``           d ← c·acc + (1 − 1/t) d − (c − 1/t)·acc′;  w ← w − γ d;
                  x ← (t/S_t) w + (1 − t/S_t) x,  S_t = Σ_{τ≤t} τ
``ormo``          if t > 1 and K divides t − 1: x ← x − β u, u ← β u;  then
                  u ← u + γ c·acc,  x ← x − γ (1 − β c)/(1 − β)·acc   (u₀ = 0, K = n)
================  ==================================================================

x is the point workers read and the statistics are evaluated at (the *query* point of
the anytime rule ``mu2``, whose primal iterate is w; w₀ = x₀). Under ``mu2`` every GRAD
also evaluates the same sample and noise at the worker's *previous* point (the x before
the update that produced its point; x₋₁ = x₀) into acc′ (Dahan & Levy, ICLR 2025,
arXiv:2304.04172, the STORM-style correction), and STEP's c is the ratio α_k/α_t of the
weight of the increment's designated iteration k to the current one (α_t = t): c = 1
(μ²-SGD, increments weighted at arrival) gives d ← acc + (1 − 1/t)(d − acc′); the
ordered method of :mod:`ratecheck.algorithms.ordered_mu2` sets c = k/t. Under ``ormo``
(ordered momentum, :mod:`ratecheck.algorithms.ormo`) STEP's c is β^m for a gradient m
momentum periods of K = n updates late, the parameter u is the momentum; K is appended
to the parameters by :func:`new_update`. The rule state lives in :class:`Update` (built
by :func:`new_update`); :func:`momentum_step` applies every rule but ``plain``, in the
compiled replay and (called from Python) in the numpy one alike.

**Iterate versions.** The iterates live in :class:`Iterates`: XH (B, n + 3, d) holds
every version of x that is still needed (the current one, the last broadcast, and the
point each worker was handed) in reference-counted slots. STEP writes x_{k+1} into a
free slot (the same arithmetic as an in-place update), and ASSIGN and BCAST only move
a slot index, so handing out a point costs O(1) whatever d and B; a slot is freed when
nothing refers to it, and n + 3 slots always suffice (n workers, the current x, the
broadcast point, and the one being written).

**Gradient table.** For a method with ``table_rows(n) > 0`` the Update also holds the
table T (B, rows, d) of :mod:`.ops` and Tsum = Σ_{r<n} T_r, kept up to date by every
TGRAD, TSCALE and TSWAP that touches a row below n and recomputed (in row order) by
TSYNC; STEP adds Tsum to acc before the rule, so G = c · (acc + Tsum). Not defined
with ``mu2`` (its G′ needs every gradient's previous point).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from .._jit import njit

# update rules and the rows of the rule state S[b, row, :]
RULES = ("plain", "heavy-ball", "ema-momentum", "mu2", "ormo")
PLAIN, HEAVY_BALL, EMA, MU2, ORMO = range(5)
R_MOM, R_W, R_ACC2, R_XPREV = range(4)  # v / m / d / u; primal w; G′ accumulator; previous x
_ROWS = (0, 1, 1, 4, 1)

Iterates = namedtuple("Iterates", "XH ptr refs free top")
Iterates.__doc__ = ("Iterate versions (module docstring): slots XH (B, n + 3, d), the slot of each "
                    "worker's point ptr (n; −1 before its first ASSIGN), reference counts refs, a stack of "
                    "free slots, and top = (current slot, broadcast slot, number of free slots).")
CUR, BSLOT, NFREE = range(3)


def new_iterates(X0: np.ndarray, n: int) -> Iterates:
    """Versions for B starting points X0 (B, d) and n workers: x₀ in slot 0, current and broadcast."""
    B, d = X0.shape
    slots = n + 3
    XH = np.zeros((B, slots, d))
    XH[:, 0] = X0
    refs = np.zeros(slots, np.int64)
    refs[0] = 2
    return Iterates(XH, np.full(n, -1, np.int64), refs, np.arange(slots - 1, 0, -1, dtype=np.int64),
                    np.array([0, 0, slots - 1], np.int64))


@njit(cache=True, inline="always", _nrt=False)
def _release(refs, free, top, slot):
    refs[slot] -= 1
    if refs[slot] == 0:
        free[top[NFREE]] = slot
        top[NFREE] += 1


@njit(cache=True, _nrt=False, inline="always")
def take_slot(its):
    """A free slot for the next iterate (its reference: the current iterate, once installed)."""
    top = its.top
    top[NFREE] -= 1
    slot = its.free[top[NFREE]]
    its.refs[slot] = 1
    return slot


@njit(cache=True, _nrt=False, inline="always")
def install(its, slot):
    """Make ``slot`` (from :func:`take_slot`) the current iterate, releasing the old one."""
    old = its.top[CUR]
    its.top[CUR] = slot
    _release(its.refs, its.free, its.top, old)


@njit(cache=True, _nrt=False, inline="always")
def hand_out(its, w):
    """ASSIGN (w ≥ 0: worker w's point) or BCAST (w = −1: the broadcast point) of the current iterate."""
    cur = its.top[CUR]
    its.refs[cur] += 1
    if w < 0:
        old = its.top[BSLOT]
        its.top[BSLOT] = cur
    else:
        old = its.ptr[w]
        its.ptr[w] = cur
    if old >= 0:
        _release(its.refs, its.free, its.top, old)


Update = namedtuple("Update", "rule prm S Yp Pp T Tsum")
Update.__doc__ = ("Rule code, its float parameters (β), state S (B, rows, d), for mu2 the previous "
                  "points of the workers Yp (B, n, d) and of the last broadcast Pp (B, d), and the "
                  "gradient table T (B, table rows, d) with Tsum = Σ_{r<n} T_r (B, d; (B, 0) without a table).")


def new_update(rule: str, prm, X: np.ndarray, n: int, table_rows: int = 0) -> Update:
    """The initial rule state for iterates X (B, d) and n workers: v = m = d = u = 0, w = x₀,
    previous x = x₀, and a zero gradient table of ``table_rows`` rows (≥ n, or none).
    ``ormo`` gets its momentum period K = n appended to ``prm``."""
    if rule not in RULES:
        raise ValueError(f"unknown update rule {rule!r} (known: {', '.join(RULES)})")
    if table_rows and (table_rows < n or rule == "mu2"):
        raise ValueError(f"a gradient table needs at least n = {n} rows and a rule other than mu2 "
                         f"(got {table_rows} rows, rule {rule!r})")
    code = RULES.index(rule)
    if code == ORMO:
        prm = [*np.asarray(prm, np.float64).reshape(-1), float(n)]
    B, d = X.shape
    S = np.zeros((B, _ROWS[code], d))
    if code == MU2:
        S[:, R_W] = X
    two = code == MU2
    if two:
        S[:, R_XPREV] = X
    Yp = np.zeros((B, n if two else 0, d))
    Pp = X.copy() if two else np.zeros((B, 0))
    T = np.zeros((B, table_rows, d))
    Tsum = np.zeros((B, d if table_rows else 0))
    return Update(code, np.asarray(prm, np.float64).reshape(-1), S, Yp, Pp, T, Tsum)


@njit(cache=True, _nrt=False)
def momentum_step(rule, prm, t, gam, c, xo, xn, acc, Sb):
    """Update t (1, 2, …) of one member under a non-plain rule (module docstring):
    x_{t} = ``xo`` → ``xn``, STEP weight c, gradient sum acc, rule state Sb (rows, d)."""
    d = xo.shape[0]
    if rule == HEAVY_BALL:
        beta, gc = prm[0], gam * c
        for j in range(d):
            v = beta * Sb[R_MOM, j] - gc * acc[j]
            Sb[R_MOM, j] = v
            xn[j] = xo[j] + v
        return
    if rule == ORMO:
        beta = prm[0]
        fire = t > 1 and (t - 1) % int(prm[1]) == 0
        gu, gx = gam * c, gam * (1.0 - beta * c) / (1.0 - beta)
        for j in range(d):
            u, x = Sb[R_MOM, j], xo[j]
            if fire:
                x -= beta * u
                u *= beta
            Sb[R_MOM, j] = u + gu * acc[j]
            xn[j] = x - gx * acc[j]
        return
    if rule == EMA:
        beta = prm[0]
        for j in range(d):
            Sb[R_MOM, j] = (1.0 - beta) * Sb[R_MOM, j] + beta * (c * acc[j])
            xn[j] = xo[j] - gam * Sb[R_MOM, j]
        return
    # MU2: keep − (c − 1/t) is exactly 0 when c = 1 (μ²-SGD), so that case is bit for bit
    # c·acc + (1 − 1/t)(d − acc′)
    inv = 1.0 / t
    keep = 1.0 - inv
    late = keep - (c - inv)
    for j in range(d):
        Sb[R_XPREV, j] = xo[j]
        Sb[R_MOM, j] = c * acc[j] + keep * (Sb[R_MOM, j] - Sb[R_ACC2, j]) + late * Sb[R_ACC2, j]
        Sb[R_ACC2, j] = 0.0
    tot = 0.5 * t * (t + 1.0)
    a, r = t / tot, (tot - t) / tot
    for j in range(d):
        Sb[R_W, j] -= gam * Sb[R_MOM, j]
        xn[j] = a * Sb[R_W, j] + r * xo[j]


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
