"""The replay: apply an op stream to a batch of iterates, for a problem's oracle.

:func:`build` is the one template of the engine's iterate loops. Given a problem's
oracle, two functions with the signatures of
:class:`~ratecheck.problems.base.FastOracle`, it returns

* ``replay(data, ops, st)`` — apply the ops of :mod:`.ops` (a chunk from the schedule
  driver) to the B iterates of the :class:`ReplayState` ``st`` (one per stepsize γ_b,
  all sharing the schedule and the noise draws), under the update rules of
  :mod:`.recursion`; True when every member is done (:attr:`ReplayState.stop`);
* ``after_step(data, st, t)`` — after every update, evaluate f(x_k) and ∇f(x_k) exactly
  and keep the statistics of :mod:`.tally` (checkpoints on a geometric grid, the exact
  first iteration at which each statistic drops to each target); a member whose
  iterate becomes non-finite or blows up (:mod:`.divergence`) is frozen and marked
  diverged at that iteration, the others go on; so is a member that has hit every
  target of the stop statistic (its single run returns there). The replay inlines it
  after each STEP; the one call per run at x_0 runs its plain Python function (the
  functions it calls are compiled on their own and cached): compiling it once more as a
  kernel of its own for that one call cost ~6 s of every cold start;
* ``delayed_steps(data, k0, k1, ds)`` — iterations k0..k1−1 of the delay-sequence
  recursion x_{k+1} = x_k − γ g(x_{k−δ_k}) of :mod:`.delayed`, with the same
  evaluation and statistics.

**Members are single runs.** Member b's result is exactly that of the run with γ_b
alone: nothing a member computes reads another's. What is batch-level is where the
replay stops; :class:`Ends` records, per member, where its single run would have:
with a stop statistic, at the update where the member hit its last target or
diverged (the single run's replay returns there, ``after_step`` records it); without,
a diverged member's single run replays to the end of the chunk it diverged in (the
caller records it there, :func:`ratecheck.engine.run.simulate`), and a member still
computed ends where the batch does.

The noise of a GRAD (computation k of worker w) is drawn by
:func:`~.noise.fill_normals` when the GRAD is replayed, once for the whole batch.

**One template, two modes.** :func:`compiled_kernels` builds it with numba for a
:class:`~ratecheck.problems.base.FastOracle` (the compiled path); :func:`python_kernels`
runs the very same functions as plain Python around a thin adapter of the problem's
numpy oracle (``stochastic_grad``, ``f``, ``grad``), for problems without a fast
oracle and as an independent check of the compiled path: the two differ only in the
oracle's arithmetic.

**Speed.** The statistics and an oracle compiled with ``inline="always"`` are inlined
into the loops (numba's IR inlining; a call that passes a dozen arrays costs more than
the arithmetic at small d), at the price of a longer first compilation; the rarer
oracle calls (μ²'s second gradient, f(x̄_k)) go through non-inlined wrappers, so that
each rare site does not inline (and type) the oracle again. The kernels are closures
over the oracle, cached on disk by :class:`_ClosureCache` (numba's own key pickles
the closure, and a pickled dispatcher carries a per-process id, so it never hits).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections import namedtuple
from functools import lru_cache

import numpy as np
from .._jit import njit
from numba.core.caching import FunctionCache

from .divergence import NONFINITE, blown
from .noise import fill_normals
from .ops import ASSIGN, GRAD, STEP, TGRAD, TSCALE, TSWAP, TSYNC
from .recursion import BSLOT, CUR, MU2, PLAIN, R_ACC2, R_XPREV, hand_out, install, momentum_step, take_slot
from .stepsize import factor
from .tally import FGAP_AVG, N_STATS, checkpoint, diverge, due, hits, note, reached

RUNNING, DIVERGED, STOPPED = 0, 1, 2

Kernels = namedtuple("Kernels", "replay after_step delayed_steps")

Counters = namedtuple("Counters", "it applied max_delay stamp bstamp computed acc_used last_step")
Counters.__doc__ = ("One-element int64 arrays: updates replayed, gradients applied, largest delay applied, the "
                    "stamp of the last ASSIGN or BCAST and of the last BCAST, gradients computed at the last STEP, "
                    "whether acc holds gradients (a GRAD since the last STEP), the chunk index of the last STEP.")

Ends = namedtuple("Ends", "it t applied max_delay")
Ends.__doc__ = ("Where each of B members' run ended, as its single run ends (module docstring): the update "
                "(−1: not yet), its time, and the gradients applied and largest delay applied by then.")

ReplayState = namedtuple("ReplayState", "gam key z parts f_star x_star caps track_avg stop its upd ACC XS astamp "
                                        "gbuf ctr alive div tally XF end sched")
ReplayState.__doc__ = """Everything the replay reads and updates, for B members.

Run constants: stepsizes gam (B), the noise key and buffer z (noise_dim), each
worker's part, f*, x* (empty if unknown), the blow-up caps (3) of :mod:`.divergence`,
track_avg (evaluate f(x̄_k)), stop (the statistic whose targets end a member; −1: none).
State: iterate versions its (:class:`~.recursion.Iterates`), rule state upd
(:class:`~.recursion.Update`), the gradient accumulator ACC (B, d), Σ_k x_k XS (B, d),
each worker's assignment stamp astamp (n), scratch rows gbuf (2, d), :class:`Counters`
ctr, alive flags (B: the member is still computed), :class:`~.tally.Diverged` div, the
statistics :class:`~.tally.Tally` tally, XF (B, d): the iterate a frozen member ended at,
the :class:`Ends` end, and the stepsize schedule sched (:class:`~.stepsize.Schedule`:
update k uses γ_b · s(k))."""


def new_ends(B: int) -> Ends:
    return Ends(np.full(B, -1, np.int64), np.full(B, np.nan), np.zeros(B, np.int64), np.zeros(B, np.int64))

DelayedState = namedtuple("DelayedState", "x buf xs delays parts samples Z gamma counts it max_delay f_star "
                                          "x_star caps div g tmp tally stop sched")
DelayedState.__doc__ = ("The delay-sequence loop's state: x, the ring buffer of the last iterates buf, Σ x_k xs, "
                        "the block's delays, parts, samples and normals Z (starting at k0), γ, the delay "
                        "histogram, counters it and max_delay (1), f*, x*, caps, div and tally (one member), "
                        "scratch g and tmp (d), the stop statistic (−1: none), the stepsize schedule sched.")


def build(stoch_grad, value_grad, jit):
    """The kernels for an oracle (module docstring); ``jit(**options)`` is the decorator
    each function gets (numba's, or the identity for the Python mode)."""

    @jit()
    def stoch_grad_call(data, y, part, sample, z, out):
        stoch_grad(data, y, part, sample, z, out)

    @jit()
    def value_grad_call(data, x, out):
        return value_grad(data, x, out)

    @jit(inline="always")
    def evaluate(data, x, x_star, g):
        """f(x), ‖∇f(x)‖², ‖x − x*‖² (NaN without x*); ∇f(x) into g (one pass for both norms)."""
        f = value_grad(data, x, g)
        gsq = 0.0
        if x_star.shape[0] > 0:
            ds = 0.0
            for j in range(g.shape[0]):
                gsq += g[j] * g[j]
                ds += (x[j] - x_star[j]) ** 2
            return f, gsq, ds
        for j in range(g.shape[0]):
            gsq += g[j] * g[j]
        return f, gsq, np.nan

    @jit()  # not inlined: a rare branch, kept out of the loops' code
    def freeze(st, b, x, ends, t):
        """Stop computing member b (diverged, or done) at x; ``ends``: its run ends here, at time t."""
        st.alive[b] = False
        for j in range(x.shape[0]):
            st.XF[b, j] = x[j]
        if ends:
            ctr = st.ctr
            st.end.it[b], st.end.t[b] = ctr.it[0], t
            st.end.applied[b], st.end.max_delay[b] = ctr.applied[0], ctr.max_delay[0]

    @jit(inline="always")
    def after_step(data, st, t):
        ctr, tl = st.ctr, st.tally
        it = ctr.it[0]
        XH = st.its.XH
        cur = st.its.top[CUR]
        B = XH.shape[0]
        g = st.gbuf[0]
        if st.track_avg:  # f(x̄_k) in a loop of its own: a call inside the main loop slows it, taken or not
            xb = st.gbuf[1]
            for b in range(B):
                if st.alive[b]:
                    for j in range(xb.shape[0]):
                        xb[j] = st.XS[b, j] / (it + 1)
                    tl.LV[b, FGAP_AVG] = value_grad_call(data, xb, g) - st.f_star
        all_done = True
        for b in range(B):
            if not st.alive[b]:
                continue
            f, gsq, dsq = evaluate(data, XH[b, cur], st.x_star, g)
            code = blown(f, f - st.f_star, gsq, dsq, st.caps[0], st.caps[1], st.caps[2])
            if code != 0:
                diverge(st.div, b, code, f - st.f_star, gsq, dsq, it, t, ctr.computed[0])
                for s in range(N_STATS):
                    tl.LV[b, s] = np.nan
                freeze(st, b, XH[b, cur], st.stop >= 0, t)
                continue
            note(tl, b, it, f, gsq, dsq, st.f_star)
            hits(tl, b, it, t, ctr.computed[0])
            if reached(tl, b, st.stop):
                freeze(st, b, XH[b, cur], True, t)
            else:
                all_done = False
        if due(tl, it):
            for b in range(B):
                checkpoint(tl, b, ctr.computed[0], it, t, ctr.computed[0], ctr.applied[0], ctr.max_delay[0])
            tl.ckpt[0] += 1
        return all_done and st.stop >= 0

    @jit()
    def replay(data, ops, st):
        kind, ws, ks, ss, cs, ts, ns, delays = ops.kind, ops.w, ops.k, ops.s, ops.c, ops.t, ops.n, ops.delay
        its, upd, ctr, alive, ACC = st.its, st.upd, st.ctr, st.alive, st.ACC
        XH, ptr, top = its.XH, its.ptr, its.top
        B = XH.shape[0]
        d = XH.shape[2]
        rule, S, Yp, Pp, T, Tsum = upd.rule, upd.S, upd.Yp, upd.Pp, upd.T, upd.Tsum
        z, parts, gam = st.z, st.parts, st.gam
        two = rule == MU2
        sc = st.sched
        scheduled = sc.decay != 0.0 or sc.warmup > 1 or sc.milestones.shape[0] > 0
        g = st.gbuf[0]
        nw = ptr.shape[0]
        table = T.shape[1] > 0
        for i in range(ops.size[0]):
            op = kind[i]
            if op == GRAD or op == TGRAD:
                w = ws[i]
                row = ns[i]
                fresh = st.astamp[w] > ctr.bstamp[0]
                pt = ptr[w] if fresh else top[BSLOT]  # the slot of the worker's point
                # acc = 0 and c = 1 (e.g. every ASGD update): the oracle writes acc itself
                direct = op == GRAD and cs[i] == 1.0 and ctr.acc_used[0] == 0
                if z.shape[0] > 0:  # the computation's noise, shared by the batch
                    fill_normals(st.key, w, ks[i], z)
                for b in range(B):
                    if not alive[b]:
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
                        if not alive[b]:
                            continue
                        if fresh:
                            stoch_grad_call(data, Yp[b, w], parts[w], ss[i], z, g)
                        else:
                            stoch_grad_call(data, Pp[b], parts[w], ss[i], z, g)
                        for j in range(d):
                            S[b, R_ACC2, j] += cs[i] * g[j]
                ctr.applied[0] += 1
                if op == GRAD:
                    ctr.acc_used[0] = 1
                if delays[i] > ctr.max_delay[0]:
                    ctr.max_delay[0] = delays[i]
            elif op == STEP:
                sk = factor(sc, ctr.it[0]) if scheduled else 1.0  # γ_k = γ s(k) for the update x_k → x_{k+1}
                ctr.it[0] += 1
                ctr.computed[0] = ns[i]
                ctr.acc_used[0] = 0
                ctr.last_step[0] = i
                cur = top[CUR]
                new = take_slot(its)
                for b in range(B):
                    if not alive[b]:
                        continue
                    if table:
                        for j in range(d):
                            ACC[b, j] += Tsum[b, j]
                    if rule == PLAIN:
                        xo, xn = XH[b, cur], XH[b, new]
                        gc = gam[b] * sk * cs[i]
                        for j in range(d):
                            xn[j] = xo[j] - gc * ACC[b, j]
                            ACC[b, j] = 0.0
                if rule != PLAIN:  # a loop of its own, as for μ² above
                    for b in range(B):
                        if alive[b]:
                            momentum_step(rule, upd.prm, ctr.it[0], gam[b] * sk, cs[i], XH[b, cur], XH[b, new], ACC[b], S[b])
                            for j in range(d):
                                ACC[b, j] = 0.0
                if st.track_avg:  # Σ x_k, only for f(x̄_k)
                    for b in range(B):
                        if alive[b]:
                            for j in range(d):
                                st.XS[b, j] += XH[b, new, j]
                install(its, new)
                if after_step(data, st, ts[i]):
                    return True
            elif op == ASSIGN:
                w = ws[i]
                ctr.stamp[0] += 1
                st.astamp[w] = ctr.stamp[0]
                hand_out(its, w)
                if two:
                    for b in range(B):
                        for j in range(d):
                            Yp[b, w, j] = S[b, R_XPREV, j]
            elif op == TSCALE:
                row, a = ws[i], cs[i]
                for b in range(B):
                    if not alive[b]:
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
                    if not alive[b]:
                        continue
                    for j in range(d):
                        old = T[b, lo, j]
                        T[b, r, j], T[b, q, j] = T[b, q, j], T[b, r, j]
                        if one:
                            Tsum[b, j] += T[b, lo, j] - old
            elif op == TSYNC:
                for b in range(B):
                    if not alive[b]:
                        continue
                    for j in range(d):
                        Tsum[b, j] = 0.0
                    for r in range(nw):
                        for j in range(d):
                            Tsum[b, j] += T[b, r, j]
            else:  # BCAST
                ctr.stamp[0] += 1
                ctr.bstamp[0] = ctr.stamp[0]
                hand_out(its, -1)
                if two:
                    for b in range(B):
                        for j in range(d):
                            Pp[b, j] = S[b, R_XPREV, j]
        return False

    @jit()
    def delayed_steps(data, k0, k1, ds):
        x, buf, xs, g, tl = ds.x, ds.buf, ds.xs, ds.g, ds.tally
        S = buf.shape[0]
        d = x.shape[0]
        for k in range(k0, k1):
            i = k - k0
            delta = min(ds.delays[i], k)
            stoch_grad(data, buf[(k - delta) % S], ds.parts[i], ds.samples[i], ds.Z[i], g)
            finite = True
            row = (k + 1) % S
            gk = ds.gamma * factor(ds.sched, k)
            for j in range(d):  # the plain rule, x_{k+1} = x_k − γ_k g, kept in the ring buffer
                x[j] -= gk * g[j]
                buf[row, j] = x[j]
                xs[j] += x[j]
                finite = finite and np.isfinite(x[j])
            ds.counts[delta] += 1
            if delta > ds.max_delay[0]:
                ds.max_delay[0] = delta
            ds.it[0] = k + 1
            if not finite:
                diverge(ds.div, 0, NONFINITE, np.nan, np.nan, np.nan, k + 1, np.nan, k + 1)
                return DIVERGED
            f, gsq, dsq = evaluate(data, x, ds.x_star, g)
            favg = np.nan
            if tl.track[FGAP_AVG] != 0 or due(tl, k + 1):
                for j in range(d):
                    ds.tmp[j] = xs[j] / (k + 2)
                favg = value_grad(data, ds.tmp, g)
            code = blown(f, f - ds.f_star, gsq, dsq, ds.caps[0], ds.caps[1], ds.caps[2])
            if code != 0:
                diverge(ds.div, 0, code, f - ds.f_star, gsq, dsq, k + 1, np.nan, k + 1)
                return DIVERGED
            note(tl, 0, k + 1, f, gsq, dsq, ds.f_star)
            tl.LV[0, FGAP_AVG] = favg - ds.f_star
            hits(tl, 0, k + 1, np.nan, k + 1)
            if due(tl, k + 1):
                checkpoint(tl, 0, k + 1, k + 1, np.nan, k + 1, k + 1, ds.max_delay[0])
                tl.ckpt[0] += 1
            if reached(tl, 0, ds.stop):
                return STOPPED
        return RUNNING

    return Kernels(replay, getattr(after_step, "py_func", after_step), delayed_steps)


# --- the two modes ----------------------------------------------------------------------
_KERNELS: dict = {}


def compiled_kernels(oracle) -> Kernels:
    """The compiled kernels for a :class:`~ratecheck.problems.base.FastOracle`, memoised
    per process and, where the oracle's functions are importable by name, cached on disk."""
    key = (oracle.stoch_grad, oracle.value_grad)
    if key not in _KERNELS:
        cache = all(_importable(f) for f in key)

        def jit(**options):
            def wrap(func):
                kernel = njit(_nrt=False, **options)(func)
                if cache:
                    kernel._cache = _ClosureCache(kernel.py_func)
                return kernel
            return wrap

        _KERNELS[key] = build(*key, jit)
    return _KERNELS[key]


@contextlib.contextmanager
def compiled_once(kernel):
    """Around a call of a kernel of :func:`compiled_kernels`: while it has no compiled
    code in this process, hold a lock file beside its disk cache, so that processes
    that need it at the same moment (a sweep's workers starting their first runs)
    compile it once — the others wait, then load it from the cache. Without a disk
    cache (or ``fcntl``, or a writable cache folder) there is nothing to share: no lock."""
    cache = getattr(kernel, "_cache", None)
    if getattr(kernel, "overloads", True) or not isinstance(cache, _ClosureCache):
        yield
        return
    try:
        import fcntl

        os.makedirs(cache.cache_path, exist_ok=True)
        fh = open(os.path.join(cache.cache_path, cache._impl.filename_base + "lock"), "a")
    except (ImportError, OSError):
        yield
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def python_kernels(problem) -> Kernels:
    """The same kernels as plain Python around the problem's numpy oracle."""

    def stoch_grad(data, y, part, sample, z, out):
        out[:] = problem.stochastic_grad(y, int(part), int(sample), z)

    def value_grad(data, x, out):
        out[:] = problem.grad(x)
        return problem.f(x)

    return build(stoch_grad, value_grad, lambda **options: lambda func: func)


def _importable(func) -> bool:
    """Whether numba's function ``func`` is its module's attribute of its name."""
    py = getattr(func, "py_func", None)
    module = sys.modules.get(getattr(py, "__module__", None))
    return py is not None and getattr(getattr(module, py.__name__, None), "py_func", None) is py


@lru_cache(maxsize=None)
def _file_hash(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:16]


def _closure_id(func) -> str:
    """What a kernel closes over, by name: each compiled function's module, name and
    module file hash, recursively through the closures of :func:`build`."""
    parts = []
    for cell in func.__closure__ or ():
        py = cell.cell_contents.py_func
        module = sys.modules[py.__module__]
        parts.append(f"{py.__module__}.{py.__qualname__}@{_file_hash(module.__file__)}({_closure_id(py)})")
    return ",".join(parts)


class _ClosureCache(FunctionCache):
    """numba's on-disk cache of a kernel of :func:`build`, keyed as numba's own (signature,
    target, bytecode) but with the closure identified by :func:`_closure_id` instead of
    pickled (a pickled dispatcher carries a per-process id: numba's key never hits again).
    The sources the named functions inline are covered by the cache folder
    (:mod:`ratecheck._cache`)."""

    def _index_key(self, sig, codegen):
        code = hashlib.sha256(self._py_func.__code__.co_code).hexdigest()
        return sig, codegen.magic_tuple(), (code, hashlib.sha256(_closure_id(self._py_func).encode()).hexdigest())
