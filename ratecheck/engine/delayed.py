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

The loop is the replay template's ``delayed_steps`` (:mod:`.replay`), with the same
evaluation and statistics (:mod:`.tally`) as the op-stream replay: compiled for a
:class:`~ratecheck.problems.base.FastOracle`, run as plain Python around the numpy
oracle otherwise (and for adaptive models, which call back into Python every step).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import SpecError
from . import divergence, rng
from .divergence import NONFINITE
from .recursion import checkpoint_grid
from .replay import DIVERGED, RUNNING, STOPPED, DelayedState, compiled_kernels, python_kernels
from .stepsize import factor, record
from .tally import FGAP_AVG, checkpoint, diverge, due, hits, new_diverged, new_tally, note, reached
from .trace import CHECKPOINT_FIELDS, STATISTICS, RunResult

#: normals drawn per block (32 MB of float64)
NOISE_BUDGET = 1 << 22


def run_delayed(problem, delay_model, gamma, seed, max_iter, targets=(), statistics=None, *,
                stop_statistic=None, meta=None, force_python=False, schedule=None) -> RunResult:
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
    schedule : :class:`~.stepsize.Schedule`, optional
        The stepsize schedule: iteration k uses γ_k = γ · s(k); default constant.
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
    tg = np.sort(np.asarray(targets, np.float64))[::-1].copy()
    x_star = np.asarray(problem.x_star, np.float64) if problem.x_star is not None else np.zeros(0)
    f_star = float(problem.f_star)
    with np.errstate(all="ignore"):
        f0, gsq0, dsq0 = _stats(problem, x, x_star)
    caps = divergence.caps(f0 - f_star, gsq0, dsq0)
    empty = np.zeros(0, np.int64)
    ds = DelayedState(x=x, buf=buf, xs=x.copy(), delays=empty, parts=empty, samples=empty, Z=np.zeros((0, 0)),
                      gamma=gamma, counts=np.zeros(tau_max + 1, np.int64), it=np.zeros(1, np.int64),
                      max_delay=np.zeros(1, np.int64), f_star=f_star, x_star=x_star, caps=caps, div=new_diverged(1),
                      g=np.zeros(d), tmp=np.zeros(d), tally=new_tally(1, tg, checkpoint_grid(K), track),
                      stop=STATISTICS.index(stop_statistic) if stop_statistic is not None else -1,
                      sched=schedule if schedule is not None else record())
    oracle = None if (force_python or adaptive) else problem.fast_oracle()
    path = "delayed" if oracle is not None else "delayed-python"
    kernels, data = (compiled_kernels(oracle), oracle.data) if oracle is not None else (python_kernels(problem), None)

    status = RUNNING
    tl = ds.tally
    if not (np.isfinite(f0) and np.isfinite(gsq0)):
        status = DIVERGED
        diverge(ds.div, 0, NONFINITE, f0 - f_star, gsq0, dsq0, 0, math.nan, 0)
    else:  # x₀: its f(x̄_0) = f(x₀)
        note(tl, 0, 0, f0, gsq0, dsq0, f_star)
        tl.LV[0, FGAP_AVG] = f0 - f_star
        hits(tl, 0, 0, math.nan, 0)
        if due(tl, 0):
            checkpoint(tl, 0, 0, 0, math.nan, 0, 0, 0)
            tl.ckpt[0] += 1
        if reached(tl, 0, ds.stop):
            status = STOPPED
    block = 1 if adaptive else int(max(1, min(K, 1 << 16, NOISE_BUDGET // max(problem.noise_dim, 1))))
    k0 = 0
    while status == RUNNING and k0 < K:
        k1 = min(K, k0 + block)
        parts, samples = _draw_samples(problem, gen_sample, k1 - k0)
        Z = gen_noise.standard_normal((k1 - k0, problem.noise_dim))
        if adaptive:
            gk = gamma * factor(ds.sched, k0)
            blk = np.array([_choose(delay_model, problem, k0, buf, x, gk, parts[0], samples[0], Z[0])], np.int64)
        else:
            blk = delays[k0:k1]
        with np.errstate(all="ignore"):
            status = kernels.delayed_steps(data, k0, k1, ds._replace(delays=blk, parts=parts, samples=samples, Z=Z))
        k0 = k1

    if status != DIVERGED and np.isnan(tl.LV[0, FGAP_AVG]):  # f(x̄_K) for the final row
        tl.LV[0, FGAP_AVG] = problem.f(ds.xs / (ds.it[0] + 1)) - f_star
    dv = ds.div
    where = divergence.record(int(dv.cause[0]), dv.fgap[0], dv.gsq[0], dv.dsq[0], int(dv.iteration[0]), math.nan,
                              int(dv.computed[0])) if status == DIVERGED else None
    return _result(delay_model, gamma, seed, meta, path, status, ds, where)


def _stats(problem, x, x_star):
    """f(x), ‖∇f(x)‖², ‖x − x*‖² (NaN without x*) at x₀ with the numpy oracle (the caps' reference)."""
    gr = problem.grad(x)
    dsq = float(np.sum((x - x_star) ** 2)) if x_star.size else np.nan
    return float(problem.f(x)), float(gr @ gr), dsq


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


def _result(model, gamma, seed, meta, path, status, ds, where) -> RunResult:
    it = int(ds.it[0])
    tl = ds.tally
    rows = tl.CK[0, : tl.ckpt[0]]
    if status != DIVERGED and (rows.shape[0] == 0 or rows[-1, 1] != it):
        rows = np.vstack([rows, np.array([it, it, np.nan, it, it, ds.max_delay[0], *tl.LV[0]])[None, :]])
    nz = np.flatnonzero(ds.counts)
    order = np.argsort(tl.targets)
    return RunResult(
        meta={**(meta or {}), "method": "delayed-sgd", "params": {"gamma": gamma}, "gamma": gamma, "seed": int(seed),
              "path": path, "asynchrony": model.describe()},
        status="diverged" if status == DIVERGED else "ok",
        reason=divergence.reason(where, ds.caps) if status == DIVERGED else "",
        checkpoints={f: rows[:, j].copy() for j, f in enumerate(CHECKPOINT_FIELDS)},
        targets=tl.targets[order].copy(),
        hits={s: tl.H[0, j][order].copy() for j, s in enumerate(STATISTICS)},
        delay_counts=ds.counts[: nz[-1] + 1].copy() if nz.size else np.zeros(1, np.int64),
        final={"iteration": it, "time": math.nan, "computed": it, "applied": it, "discarded": 0, "events": it,
               "worker_time": math.nan, **({"diverged": where} if where else {})},
        x_final=ds.x.copy(),
    )
