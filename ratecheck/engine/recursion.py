"""The compiled iterate recursion: replay an op stream for a batch of stepsizes.

For each problem oracle (:class:`~ratecheck.problems.base.FastOracle`) a kernel is
compiled once per process (:func:`recursion_kernel`). It applies the ops of
:mod:`.ops` to B iterates at once (one per stepsize γ_b, all sharing the schedule and
the noise draws) and, after every update, evaluates f(x_k) and ∇f(x_k) exactly to
maintain the statistics of :mod:`.trace` and record

* checkpoints at the iterations of a geometric grid, and
* the exact first iteration at which each statistic drops to each target.

A batch member whose iterate becomes non-finite or blows up (:mod:`.divergence`) is
frozen and marked diverged at that iteration; the others go on. The noise of a GRAD (computation k of worker w) is drawn
by :func:`~.noise.fill_normals` when the GRAD is replayed, once for the whole batch.

Speed: the statistics (``record``, ``after_step``) and an oracle compiled with
``inline="always"`` are inlined into the replay loop (numba's IR inlining; a call that
passes a dozen arrays costs more than the arithmetic at small d), at the price of a
longer first compilation (cached on disk, see :func:`_compiled_module`).

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
by :func:`new_update`); :func:`step_numpy` is the same rules for the numpy replay of
:mod:`.run`.

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

import hashlib
import importlib.util
import inspect
import os
import sys
import textwrap
from collections import namedtuple
from pathlib import Path

import numba
import numpy as np
from numba import njit

from .._cache import cache_root, source_hash
from .divergence import blown
from .noise import fill_normals
from .ops import ASSIGN, GRAD, STEP, TGRAD, TSCALE, TSWAP, TSYNC
from .trace import CHECKPOINT_FIELDS, STATISTICS

N_STATS = len(STATISTICS)
N_FIELDS = len(CHECKPOINT_FIELDS)
# counters in `ctr`
# C_ACCUSED: acc holds gradients (a GRAD since the last STEP); C_LASTSTEP: the index in
# the chunk of the last STEP replayed
C_IT, C_APPLIED, C_MAXDELAY, C_CKPT, C_STAMP, C_BSTAMP, C_COMPUTED, C_ACCUSED, C_LASTSTEP = range(9)
N_CTR = 9
# per-member scalars in `mem`: running sums, alive/done flags, the blow-up caps of
# :mod:`.divergence` and, once a member diverged, where (iteration, time, gradients
# computed), why (cause code) and its f − f*, ‖∇f‖², ‖x − x*‖² there
(M_SUMGSQ, M_MINGSQ, M_ALIVE, M_DIVERGED_AT, M_DONE, M_FCAP, M_GCAP, M_DCAP,
 M_CAUSE, M_DIV_T, M_DIV_COMPUTED, M_DIV_F, M_DIV_G, M_DIV_D) = range(14)
N_MEM = 14

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


_CACHE: dict = {}


def recursion_kernel(oracle):
    """The compiled replay kernel for ``oracle``: memoised per process and, where the
    oracle's functions are importable by name, cached on disk (:func:`_compiled_module`)."""
    key = (oracle.stoch_grad, oracle.value_grad)
    if key not in _CACHE:
        _CACHE[key] = _compiled_module(oracle) or _make(oracle.stoch_grad, oracle.value_grad)
    return _CACHE[key]


def kernel_cache_dir() -> Path:
    """Where the generated kernel modules live: ``kernels`` in :func:`~ratecheck._cache.cache_root`."""
    return cache_root() / "kernels"


def _compiled_module(oracle):
    """(replay, after_step) compiled from a generated module, or None.

    numba cannot cache closures, so the body of :func:`_make` is written out as a module
    of its own in :func:`kernel_cache_dir`, with the oracle's two functions imported as
    the globals ``stoch_grad`` and ``value_grad``, and compiled with ``cache=True``: a
    new process loads the machine code instead of compiling for many seconds. The file
    name carries a hash of ratecheck's sources, of the oracle's module and of the numba
    version, so editing any of them compiles afresh. None (→ in-memory compilation) when the oracle's
    functions are not importable by name or the folder is not writable.
    """
    funcs = [getattr(f, "py_func", f) for f in (oracle.stoch_grad, oracle.value_grad)]
    mods = [sys.modules.get(f.__module__) for f in funcs]
    if any(m is None or getattr(getattr(m, f.__name__, None), "py_func", None) is not f for m, f in zip(mods, funcs)):
        return None
    try:
        lines = inspect.getsource(_make).splitlines()
        texts = [source_hash()] + [inspect.getsource(m) for m in mods]
    except (OSError, TypeError):
        return None
    if not (lines[0].startswith("def _make(") and lines[-1].strip().startswith("return ")):
        return None
    body = textwrap.dedent("\n".join(lines[1:-1])).replace("@njit(_nrt=False", "@njit(cache=True, _nrt=False")
    stamp = hashlib.sha256("\0".join(texts + [numba.__version__]).encode()).hexdigest()[:16]
    sg, vg = funcs
    name = f"replay_{sg.__module__.replace('.', '_')}_{sg.__name__}_{stamp}"
    source = (f"# Generated by ratecheck.engine.recursion for {sg.__module__}.{sg.__name__}; do not edit.\n"
              "from ratecheck.engine import recursion as _r\n"
              "globals().update({k: v for k, v in vars(_r).items() if not k.startswith('__')})\n"
              f"from {sg.__module__} import {sg.__name__} as stoch_grad\n"
              f"from {vg.__module__} import {vg.__name__} as value_grad\n\n{body}\n")
    path = kernel_cache_dir() / f"{name}.py"
    try:
        if not path.exists() or path.read_text() != source:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(source)
            os.replace(tmp, path)  # atomic: parallel sweep workers may write it at once
    except OSError:
        return None
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # numba's cache finds the module's globals by its name
    spec.loader.exec_module(module)
    return module.replay, module.after_step


def _make(stoch_grad, value_grad):
    # The oracle is inlined where it runs for every event (an oracle compiled with
    # inline="always"); the rarer calls (μ²'s second gradient, f(x̄_k)) go through these
    # wrappers, so that each rare site does not inline (and type) the oracle again.
    @njit(_nrt=False)
    def stoch_grad_call(data, y, part, sample, z, out):
        stoch_grad(data, y, part, sample, z, out)

    @njit(_nrt=False)
    def value_grad_call(data, x, out):
        return value_grad(data, x, out)

    @njit(_nrt=False, inline="always")
    def record(data, b, x, mem, LV, it, f_star, x_star, gbuf):
        """The statistics of member b at x = x_k, except f(x̄_k) (LV[b, 4], see after_step)."""
        g = gbuf[0]  # gradient output (no allocation: NRT is off)
        f = value_grad(data, x, g)
        gsq = 0.0
        ds = 0.0
        if x_star.shape[0] > 0:  # ‖∇f‖² and ‖x − x*‖² in one pass (−0.01 µs per member, event)
            for j in range(g.shape[0]):
                gsq += g[j] * g[j]
                ds += (x[j] - x_star[j]) ** 2
        else:
            for j in range(g.shape[0]):
                gsq += g[j] * g[j]
        code = blown(f, f - f_star, gsq, ds, mem[b, M_FCAP], mem[b, M_GCAP], mem[b, M_DCAP])
        if code != 0:
            mem[b, M_CAUSE] = code
            mem[b, M_DIV_F] = f - f_star
            mem[b, M_DIV_G] = gsq
            mem[b, M_DIV_D] = ds if x_star.shape[0] > 0 else np.nan
            return False
        mem[b, M_SUMGSQ] += gsq
        if gsq < mem[b, M_MINGSQ]:
            mem[b, M_MINGSQ] = gsq
        LV[b, 0] = gsq
        LV[b, 1] = mem[b, M_SUMGSQ] / (it + 1)
        LV[b, 2] = mem[b, M_MINGSQ]
        LV[b, 3] = f - f_star
        LV[b, 5] = ds if x_star.shape[0] > 0 else np.nan
        return True

    @njit(_nrt=False, inline="always")
    def after_step(data, its, XS, mem, LV, ctr, t, f_star, x_star, track_avg, gbuf,
                   targets, H, hp, ckpt_iters, CK, stop_stat):
        it = ctr[C_IT]
        XH = its.XH
        cur = its.top[CUR]
        B = XH.shape[0]
        T = targets.shape[0]
        if track_avg:  # f(x̄_k) in a loop of its own: a call inside the main loop slows it, taken or not
            g, xb = gbuf[0], gbuf[1]
            for b in range(B):
                if mem[b, M_ALIVE] != 0.0:
                    for j in range(xb.shape[0]):
                        xb[j] = XS[b, j] / (it + 1)
                    LV[b, 4] = value_grad_call(data, xb, g) - f_star
        all_done = True
        for b in range(B):
            if mem[b, M_ALIVE] == 0.0:
                continue
            if not record(data, b, XH[b, cur], mem, LV, it, f_star, x_star, gbuf):
                mem[b, M_ALIVE] = 0.0
                mem[b, M_DIVERGED_AT] = it
                mem[b, M_DIV_T] = t
                mem[b, M_DIV_COMPUTED] = ctr[C_COMPUTED]
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

    @njit(_nrt=False)
    def replay(data, kind, ws, ks, ss, cs, ts, ns, delays, m, key, z, parts, gam, its, ACC, XS,
               astamp, mem, LV, ctr, f_star, x_star, track_avg, gbuf,
               targets, H, hp, ckpt_iters, CK, stop_stat, upd):
        XH, ptr, top = its.XH, its.ptr, its.top
        B = XH.shape[0]
        d = XH.shape[2]
        rule, S, Yp, Pp, T, Tsum = upd.rule, upd.S, upd.Yp, upd.Pp, upd.T, upd.Tsum
        two = rule == MU2
        g = gbuf[0]
        nw = ptr.shape[0]
        table = T.shape[1] > 0
        for i in range(m):
            op = kind[i]
            if op == GRAD or op == TGRAD:
                w = ws[i]
                row = ns[i]
                fresh = astamp[w] > ctr[C_BSTAMP]
                pt = ptr[w] if fresh else top[BSLOT]  # the slot of the worker's point
                # acc = 0 and c = 1 (e.g. every ASGD update): the oracle writes acc itself
                direct = op == GRAD and cs[i] == 1.0 and ctr[C_ACCUSED] == 0
                if z.shape[0] > 0:  # the computation's noise, shared by the batch
                    fill_normals(key, w, ks[i], z)
                for b in range(B):
                    if mem[b, M_ALIVE] == 0.0:
                        continue
                    c = cs[i]
                    if direct:
                        stoch_grad(data, XH[b, pt], parts[w], ss[i], z, ACC[b])
                    else:
                        stoch_grad(data, XH[b, pt], parts[w], ss[i], z, g)
                        if op == GRAD:
                            for j in range(d):
                                ACC[b, j] += c * g[j]
                        else:
                            for j in range(d):
                                T[b, row, j] += c * g[j]
                            if row < nw:
                                for j in range(d):
                                    Tsum[b, j] += c * g[j]
                if two:  # same sample and noise at the worker's previous point (a loop of its
                    for b in range(B):  # own: a call inside the loop above slows it, taken or not)
                        if mem[b, M_ALIVE] == 0.0:
                            continue
                        if fresh:
                            stoch_grad_call(data, Yp[b, w], parts[w], ss[i], z, g)
                        else:
                            stoch_grad_call(data, Pp[b], parts[w], ss[i], z, g)
                        for j in range(d):
                            S[b, R_ACC2, j] += cs[i] * g[j]
                ctr[C_APPLIED] += 1
                if op == GRAD:
                    ctr[C_ACCUSED] = 1
                if delays[i] > ctr[C_MAXDELAY]:
                    ctr[C_MAXDELAY] = delays[i]
            elif op == STEP:
                ctr[C_IT] += 1
                ctr[C_COMPUTED] = ns[i]
                ctr[C_ACCUSED] = 0
                ctr[C_LASTSTEP] = i
                cur = top[CUR]
                new = take_slot(its)
                for b in range(B):
                    if mem[b, M_ALIVE] == 0.0:
                        continue
                    if table:
                        for j in range(d):
                            ACC[b, j] += Tsum[b, j]
                    if rule == PLAIN:
                        xo, xn = XH[b, cur], XH[b, new]
                        gc = gam[b] * cs[i]
                        for j in range(d):
                            xn[j] = xo[j] - gc * ACC[b, j]
                            ACC[b, j] = 0.0
                if rule != PLAIN:  # a loop of its own, as for μ² above
                    for b in range(B):
                        if mem[b, M_ALIVE] != 0.0:
                            momentum_step(rule, upd.prm, ctr[C_IT], gam[b], cs[i], XH[b, cur], XH[b, new], ACC[b], S[b])
                            for j in range(d):
                                ACC[b, j] = 0.0
                if track_avg:  # Σ x_k, only for f(x̄_k)
                    for b in range(B):
                        if mem[b, M_ALIVE] != 0.0:
                            for j in range(d):
                                XS[b, j] += XH[b, new, j]
                install(its, new)
                if after_step(data, its, XS, mem, LV, ctr, ts[i], f_star, x_star, track_avg, gbuf,
                              targets, H, hp, ckpt_iters, CK, stop_stat):
                    return True
            elif op == ASSIGN:
                w = ws[i]
                ctr[C_STAMP] += 1
                astamp[w] = ctr[C_STAMP]
                hand_out(its, w)
                if two:
                    for b in range(B):
                        for j in range(d):
                            Yp[b, w, j] = S[b, R_XPREV, j]
            elif op == TSCALE:
                row, a = ws[i], cs[i]
                for b in range(B):
                    if mem[b, M_ALIVE] == 0.0:
                        continue
                    if row < nw:
                        for j in range(d):
                            Tsum[b, j] += (a - 1.0) * T[b, row, j]
                    for j in range(d):
                        T[b, row, j] *= a
            elif op == TSWAP:
                r, q = ws[i], ns[i]
                lo = r if r < nw else q  # the row Tsum sees, if exactly one is below n
                one = (r < nw) != (q < nw)
                for b in range(B):
                    if mem[b, M_ALIVE] == 0.0:
                        continue
                    for j in range(d):
                        old = T[b, lo, j]
                        T[b, r, j], T[b, q, j] = T[b, q, j], T[b, r, j]
                        if one:
                            Tsum[b, j] += T[b, lo, j] - old
            elif op == TSYNC:
                for b in range(B):
                    if mem[b, M_ALIVE] == 0.0:
                        continue
                    for j in range(d):
                        Tsum[b, j] = 0.0
                    for r in range(nw):
                        for j in range(d):
                            Tsum[b, j] += T[b, r, j]
            else:  # BCAST
                ctr[C_STAMP] += 1
                ctr[C_BSTAMP] = ctr[C_STAMP]
                hand_out(its, -1)
                if two:
                    for b in range(B):
                        for j in range(d):
                            Pp[b, j] = S[b, R_XPREV, j]
        return False

    return replay, after_step


def step_numpy(upd: Update, t: int, gam: np.ndarray, c: float, X: np.ndarray, ACC: np.ndarray, alive: np.ndarray):
    """:func:`momentum_step` for the alive members at once, in numpy (the python replay)."""
    rule, S = upd.rule, upd.S
    if rule == HEAVY_BALL:
        S[alive, R_MOM] = upd.prm[0] * S[alive, R_MOM] - (gam[alive] * c)[:, None] * ACC[alive]
        X[alive] += S[alive, R_MOM]
        return
    if rule == ORMO:
        beta = upd.prm[0]
        if t > 1 and (t - 1) % int(upd.prm[1]) == 0:
            X[alive] -= beta * S[alive, R_MOM]
            S[alive, R_MOM] *= beta
        S[alive, R_MOM] += (gam[alive] * c)[:, None] * ACC[alive]
        X[alive] -= (gam[alive] * (1.0 - beta * c) / (1.0 - beta))[:, None] * ACC[alive]
        return
    if rule == EMA:
        beta = upd.prm[0]
        S[alive, R_MOM] = (1.0 - beta) * S[alive, R_MOM] + beta * (c * ACC[alive])
        X[alive] -= gam[alive][:, None] * S[alive, R_MOM]
        return
    inv = 1.0 / t
    keep = 1.0 - inv
    S[alive, R_XPREV] = X[alive]
    S[alive, R_MOM] = c * ACC[alive] + keep * (S[alive, R_MOM] - S[alive, R_ACC2]) + (keep - (c - inv)) * S[alive, R_ACC2]
    S[alive, R_ACC2] = 0.0
    tot = 0.5 * t * (t + 1.0)
    S[alive, R_W] -= gam[alive][:, None] * S[alive, R_MOM]
    X[alive] = (t / tot) * S[alive, R_W] + ((tot - t) / tot) * X[alive]


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
