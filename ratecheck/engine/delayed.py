"""Delayed SGD driven by a delay sequence: x_{k+1} = x_k − γ g(x_{k−δ_k}; ξ_k).

The classical delayed-gradient setting (Arjevani, Shamir & Srebro 2020; Stich &
Karimireddy 2020; Cohen et al. 2021; theory note delayed-and-momentum.md §0, §4–§6):
no workers and no clock, the delays δ_k come from a
:class:`~ratecheck.asynchrony.base.DelayModel`.

* δ_k is clipped to ≤ k: before iteration τ the gradient is taken at the oldest iterate
  there is, x_{k−min(δ_k, k)} (x_0 at the start). ``delay_counts`` records the clipped
  delays actually applied.
* Memory: a ring buffer of the last τ_max + 1 iterates, O(τ_max·d).
* Randomness, from :class:`~ratecheck.engine.rng.WorkerStreams` (SeedSequence(seed)) as
  for worker 0: the delays from the MODEL stream, ξ_k from the SAMPLE stream (for a
  heterogeneous problem the part is drawn uniformly first, so g is unbiased for
  ∇f = (1/n) Σ ∇f_i), the standard normals z_k from the NOISE stream;
  g = ``problem.stochastic_grad(y, part, ξ_k, z_k)``.
* Adaptive (adversarial) models see the candidate next iterates
  x_k − γ g(x_{k−j}; ξ_k, z_k), j = 0..min(k, τ_max), all with the same ξ_k and z_k.
* There is no virtual time: ``time`` and ``worker_time`` are NaN.

Problems with a :class:`~ratecheck.problems.base.FastOracle` run the numba-compiled
loop; the same loop runs as plain Python with the numpy oracle otherwise (and for
adaptive models, which call back into Python every step).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..errors import SpecError
from . import divergence, rng
from .divergence import NONFINITE, blown
from .recursion import checkpoint_grid
from .trace import CHECKPOINT_FIELDS, STATISTICS, RunResult

N_STATS = len(STATISTICS)
# ctr: iteration, next checkpoint row, max delay applied, iteration that diverged (−1 none)
C_IT, C_CKPT, C_MAXDELAY, C_DIVERGED = range(4)
RUNNING, DIVERGED, STOPPED = 0, 1, 2
#: normals drawn per block (32 MB of float64)
NOISE_BUDGET = 1 << 22

def _record(k, f, gsq, favg, dsq, LV, mem, tg, H, hp, track, grid, CK, ctr, f_star):
    """Statistics of x_k from f(x_k), ‖∇f(x_k)‖², f(x̄_k), ‖x_k − x*‖²: hits and checkpoint."""
    mem[0] += gsq
    mem[1] = min(mem[1], gsq)
    LV[0] = gsq
    LV[1] = mem[0] / (k + 1)
    LV[2] = mem[1]
    LV[3] = f - f_star
    LV[4] = favg - f_star
    LV[5] = dsq
    for s in range(LV.size):
        if track[s]:
            while hp[s] < tg.size and LV[s] <= tg[hp[s]]:
                H[s, hp[s], 0] = k
                H[s, hp[s], 1] = np.nan
                H[s, hp[s], 2] = k
                hp[s] += 1
    ci = ctr[C_CKPT]
    if ci < grid.size and k == grid[ci]:
        CK[ci, 0] = k
        CK[ci, 1] = k
        CK[ci, 2] = np.nan
        CK[ci, 3] = k
        CK[ci, 4] = k
        CK[ci, 5] = ctr[C_MAXDELAY]
        for s in range(LV.size):
            CK[ci, 6 + s] = LV[s]
        ctr[C_CKPT] = ci + 1


_record_jit = njit(cache=True)(_record)


@njit
def _steps_fast(stoch_grad, value_grad, data, k0, k1, x, buf, xs, delays, parts, samples, Z, gamma, counts,
                LV, mem, tg, H, hp, track, stop, grid, CK, ctr, f_star, x_star, caps, div, g, tmp):
    """Iterations k0..k1−1 with a compiled oracle; the block arrays (delays, parts,
    samples, Z) start at k0. Scalar loops: they compile much faster than array slices."""
    S = buf.shape[0]
    d = x.size
    for k in range(k0, k1):
        i = k - k0
        delta = min(delays[i], k)
        stoch_grad(data, buf[(k - delta) % S], parts[i], samples[i], Z[i], g)
        finite = True
        row = (k + 1) % S
        for j in range(d):
            x[j] -= gamma * g[j]
            buf[row, j] = x[j]
            xs[j] += x[j]
            finite = finite and np.isfinite(x[j])
        counts[delta] += 1
        ctr[C_MAXDELAY] = max(ctr[C_MAXDELAY], delta)
        ctr[C_IT] = k + 1
        if not finite:
            ctr[C_DIVERGED] = k + 1
            div[0] = NONFINITE
            return DIVERGED
        f = value_grad(data, x, g)
        gsq = 0.0
        for j in range(d):
            gsq += g[j] * g[j]
        dsq = np.nan
        if x_star.size:
            dsq = 0.0
            for j in range(d):
                dsq += (x[j] - x_star[j]) ** 2
        favg = np.nan
        if track[4] or (ctr[C_CKPT] < grid.size and k + 1 == grid[ctr[C_CKPT]]):
            for j in range(d):
                tmp[j] = xs[j] / (k + 2)
            favg = value_grad(data, tmp, g)
        code = blown(f, f - f_star, gsq, dsq, caps[0], caps[1], caps[2])
        if code != 0:
            ctr[C_DIVERGED] = k + 1
            div[0], div[1], div[2], div[3] = code, f - f_star, gsq, dsq
            return DIVERGED
        _record_jit(k + 1, f, gsq, favg, dsq, LV, mem, tg, H, hp, track, grid, CK, ctr, f_star)
        if stop >= 0 and hp[stop] >= tg.size:
            return STOPPED
    return RUNNING


def _steps_python(problem, k0, k1, x, buf, xs, delays, parts, samples, Z, gamma, counts,
                  LV, mem, tg, H, hp, track, stop, grid, CK, ctr, f_star, x_star, caps, div):
    """The same iterations with the problem's numpy oracle."""
    S = buf.shape[0]
    for k in range(k0, k1):
        i = k - k0
        delta = min(int(delays[i]), k)
        x -= gamma * problem.stochastic_grad(buf[(k - delta) % S], int(parts[i]), int(samples[i]), Z[i])
        buf[(k + 1) % S] = x
        xs += x
        counts[delta] += 1
        ctr[C_MAXDELAY] = max(ctr[C_MAXDELAY], delta)
        ctr[C_IT] = k + 1
        if not np.all(np.isfinite(x)):
            ctr[C_DIVERGED] = k + 1
            div[0] = NONFINITE
            return DIVERGED
        f, gsq, dsq = _stats(problem, x, x_star)
        at_ckpt = ctr[C_CKPT] < grid.size and k + 1 == grid[ctr[C_CKPT]]
        favg = problem.f(xs / (k + 2)) if track[4] or at_ckpt else np.nan
        code = blown.py_func(f, f - f_star, gsq, dsq, *caps)
        if code:
            ctr[C_DIVERGED] = k + 1
            div[:] = code, f - f_star, gsq, dsq
            return DIVERGED
        _record(k + 1, f, gsq, favg, dsq, LV, mem, tg, H, hp, track, grid, CK, ctr, f_star)
        if stop >= 0 and hp[stop] >= tg.size:
            return STOPPED
    return RUNNING


def _stats(problem, x, x_star):
    """f(x), ‖∇f(x)‖², ‖x − x*‖² (NaN without x*) with the numpy oracle."""
    gr = problem.grad(x)
    dsq = float(np.sum((x - x_star) ** 2)) if x_star.size else np.nan
    return float(problem.f(x)), float(gr @ gr), dsq


def run_delayed(problem, delay_model, gamma, seed, max_iter, targets=(), statistics=None, *,
                stop_statistic=None, meta=None, force_python=False) -> RunResult:
    """Run x_{k+1} = x_k − γ g(x_{k−δ_k}; ξ_k), k < max_iter (module docstring).

    Parameters
    ----------
    statistics : iterable of str, optional
        Statistics (:data:`~ratecheck.engine.trace.STATISTICS`) whose first hits of the
        ``targets`` are recorded exactly; default all but ``fgap_avg`` (which costs one
        more f evaluation per iteration). Checkpoints hold every statistic.
    stop_statistic : str, optional
        Stop once this (tracked) statistic has hit every target.
    force_python : bool
        Use the numpy oracle even when the problem has a compiled one.
    """
    gamma = float(gamma) if not isinstance(gamma, bool) else math.nan
    if not (math.isfinite(gamma) and gamma > 0):
        raise SpecError("algorithm.params.gamma", f"the stepsize must be finite and > 0, got {gamma!r}")
    numeric = isinstance(max_iter, (int, float, np.integer, np.floating)) and not isinstance(max_iter, bool)
    if not numeric or not math.isfinite(max_iter) or not float(max_iter).is_integer() or max_iter < 1:
        raise SpecError("horizon.iterations", f"must be an integer >= 1, got {max_iter!r}")
    K = int(max_iter)
    names = [s for s in STATISTICS if s != "fgap_avg"] if statistics is None else list(statistics)
    for s in names + ([stop_statistic] if stop_statistic is not None else []):
        if s not in STATISTICS:
            raise SpecError("statistic", f"unknown statistic {s!r} (known: {', '.join(STATISTICS)})")
    if stop_statistic is not None and stop_statistic not in names:
        names.append(stop_statistic)
    track = np.array([s in names for s in STATISTICS], dtype=np.int64)
    if track[5] and problem.x_star is None:
        raise SpecError("statistic", "dist_sq needs a problem with a known minimiser x*")
    tau_max = int(delay_model.tau_max)
    adaptive = bool(delay_model.adaptive)

    streams = rng.WorkerStreams(seed)
    gen_delay, gen_sample, gen_noise = (streams.gen(p, 0) for p in (rng.MODEL, rng.SAMPLE, rng.NOISE))
    delays = None if adaptive else _checked_delays(delay_model, K, gen_delay)

    d = problem.d
    x = np.array(problem.x0, dtype=np.float64)
    buf = np.empty((tau_max + 1, d))
    buf[0] = x
    xs = x.copy()
    counts = np.zeros(tau_max + 1, np.int64)
    LV = np.full(N_STATS, np.nan)
    mem = np.array([0.0, np.inf])
    tg = np.sort(np.asarray(targets, np.float64))[::-1].copy()
    H = np.full((N_STATS, tg.size, 3), np.nan)
    hp = np.zeros(N_STATS, np.int64)
    grid = checkpoint_grid(K)
    CK = np.full((grid.size, len(CHECKPOINT_FIELDS)), np.nan)
    ctr = np.array([0, 0, 0, -1], np.int64)
    f_star = float(problem.f_star)
    x_star = np.asarray(problem.x_star, np.float64) if problem.x_star is not None else np.zeros(0)
    stop = STATISTICS.index(stop_statistic) if stop_statistic is not None else -1

    oracle = None if (force_python or adaptive) else problem.fast_oracle()
    if oracle is not None:
        path = "delayed"
        g, tmp = np.zeros(d), np.zeros(d)

        def steps(*args):
            return _steps_fast(oracle.stoch_grad, oracle.value_grad, oracle.data, *args, g, tmp)
    else:
        path = "delayed-python"

        def steps(*args):
            return _steps_python(problem, *args)

    status = RUNNING
    with np.errstate(all="ignore"):
        f0, gsq0, dsq0 = _stats(problem, x, x_star)
    caps = divergence.caps(f0 - f_star, gsq0, dsq0)
    div = np.array([0.0, np.nan, np.nan, np.nan])
    if not (np.isfinite(f0) and np.isfinite(gsq0)):
        status, ctr[C_DIVERGED] = DIVERGED, 0
        div[:] = NONFINITE, f0 - f_star, gsq0, dsq0
    else:
        _record(0, f0, gsq0, f0, dsq0, LV, mem, tg, H, hp, track, grid, CK, ctr, f_star)
        if stop >= 0 and hp[stop] >= tg.size:
            status = STOPPED
    block = 1 if adaptive else int(max(1, min(K, 1 << 16, NOISE_BUDGET // max(problem.noise_dim, 1))))
    k0 = 0
    while status == RUNNING and k0 < K:
        k1 = min(K, k0 + block)
        parts, samples = _draw_samples(problem, gen_sample, k1 - k0)
        Z = gen_noise.standard_normal((k1 - k0, problem.noise_dim))
        if adaptive:
            blk = np.array([_choose(delay_model, problem, k0, buf, x, gamma, parts[0], samples[0], Z[0])], np.int64)
        else:
            blk = delays[k0:k1]
        with np.errstate(all="ignore"):
            status = steps(k0, k1, x, buf, xs, blk, parts, samples, Z, gamma, counts, LV, mem,
                           tg, H, hp, track, stop, grid, CK, ctr, f_star, x_star, caps, div)
        k0 = k1

    if status != DIVERGED and np.isnan(LV[4]):  # f(x̄_K) for the final row
        LV[4] = problem.f(xs / (ctr[C_IT] + 1)) - f_star
    where = divergence.record(int(div[0]), *div[1:], int(ctr[C_DIVERGED]), math.nan, int(ctr[C_DIVERGED])) if status == DIVERGED else None
    return _result(delay_model, gamma, seed, meta, path, status, ctr, counts, LV, CK, tg, H, where, caps)


def _checked_delays(model, K, gen) -> np.ndarray:
    raw = np.asarray(model.delays(K, gen))
    if raw.shape != (K,) or not np.issubdtype(raw.dtype, np.integer):
        raise SpecError("asynchrony", f"the delay model must give {K} integer delays, got shape {raw.shape}, dtype {raw.dtype}")
    bad = np.flatnonzero((raw < 0) | (raw > model.tau_max))
    if bad.size:
        k = int(bad[0])
        raise SpecError("asynchrony", f"delay δ_{k} = {raw[k]} is outside [0, tau_max = {model.tau_max}] declared by the model")
    return raw.astype(np.int64)


def _draw_samples(problem, gen, count):
    """(parts, samples) of ``count`` iterations: part uniform for heterogeneous problems."""
    if problem.n_parts == 1:
        return np.zeros(count, np.int64), np.asarray(problem.draw_samples(gen, 0, count), np.int64)
    parts = gen.integers(0, problem.n_parts, size=count, dtype=np.int64)
    samples = np.array([problem.draw_samples(gen, int(p), 1)[0] for p in parts], np.int64)
    return parts, samples


def _choose(model, problem, k, buf, x, gamma, part, sample, z) -> int:
    S = buf.shape[0]
    top = min(k, model.tau_max)
    cands = np.empty((top + 1, x.size))
    with np.errstate(all="ignore"):
        for j in range(top + 1):
            cands[j] = x - gamma * problem.stochastic_grad(buf[(k - j) % S], int(part), int(sample), z)
    j = model.choose(k, cands, problem)
    if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or not 0 <= j <= top:
        raise SpecError("asynchrony", f"the adversary chose δ_{k} = {j!r}, outside [0, {top}]")
    return int(j)


def _result(model, gamma, seed, meta, path, status, ctr, counts, LV, CK, tg, H, where, caps) -> RunResult:
    it = int(ctr[C_IT])
    rows = CK[: ctr[C_CKPT]]
    if status != DIVERGED and (rows.shape[0] == 0 or rows[-1, 1] != it):
        rows = np.vstack([rows, np.array([it, it, np.nan, it, it, ctr[C_MAXDELAY], *LV])[None, :]])
    nz = np.flatnonzero(counts)
    order = np.argsort(tg)
    return RunResult(
        meta={**(meta or {}), "method": "delayed-sgd", "params": {"gamma": gamma}, "gamma": gamma, "seed": int(seed),
              "path": path, "asynchrony": model.describe()},
        status="diverged" if status == DIVERGED else "ok",
        reason=divergence.reason(where, caps) if status == DIVERGED else "",
        checkpoints={f: rows[:, j].copy() for j, f in enumerate(CHECKPOINT_FIELDS)},
        targets=tg[order].copy(),
        hits={s: H[j][order].copy() for j, s in enumerate(STATISTICS)},
        delay_counts=counts[: nz[-1] + 1].copy() if nz.size else np.zeros(1, np.int64),
        final={"iteration": it, "time": math.nan, "computed": it, "applied": it, "discarded": 0, "events": it,
               "worker_time": math.nan, **({"diverged": where} if where else {})},
    )
