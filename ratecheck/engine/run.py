"""Run one simulation: :func:`simulate` (a fragment is run by :mod:`ratecheck.execute`).

Paths (see ``benchmarks/README.md`` for which algorithm × model uses which):

* **replay, compiled** — the algorithm has a schedule kernel and the problem a
  :class:`~ratecheck.problems.base.FastOracle`: the schedule is generated once and
  replayed by the compiled recursion for every stepsize of the batch;
* **replay, python** — same op stream, replayed by the same template (:mod:`.replay`)
  run as plain Python around the problem's numpy oracle (problems without a fast
  oracle; also an independent cross-check of the compiled oracle);
* **delay sequences** — :mod:`.delayed` (x_{k+1} = x_k − γ g(x_{k−δ_k}), adversaries);
  :func:`ratecheck.execute.run_fragment` sends a delay-sequence model there (method
  ``asgd`` only).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import SpecError
from . import divergence, rng
from .clock import worker_time_until
from .noise import noise_key
from .recursion import CUR, checkpoint_grid, new_iterates, new_update
from .replay import Counters, ReplayState, compiled_kernels, python_kernels
from .schedule import ScheduleDriver
from .tally import new_diverged, new_tally
from .trace import CHECKPOINT_FIELDS, STATISTICS, RunResult


def simulate(problem, model, algorithm, gammas, seed: int, *, max_iter=math.inf, max_time=math.inf,
             targets=(), stop_statistic: str | None = None, track_avg: bool = False,
             meta: dict | None = None, force_python: bool = False, worker_time: bool = False) -> list[RunResult]:
    """Simulate ``algorithm`` on ``problem`` under ``model`` for each stepsize in ``gammas``.

    Parameters
    ----------
    gammas : sequence of float
        Stepsizes; all share one schedule and one set of noise draws.
    max_iter, max_time : float
        Horizon in server updates and in virtual seconds (at least one finite).
    targets : sequence of float
        ε values; the first hit of each statistic at each target is recorded exactly.
    stop_statistic : str, optional
        Stop a member once this statistic has hit every target.
    track_avg : bool
        Evaluate f(x̄_k) at every iteration (needed for ``fgap_avg`` hits).
    worker_time : bool
        Also record the worker time W(t) = ∫_0^t (number of busy workers) of each hit
        (the fourth hit column; NaN otherwise). It costs a second pass of the schedule
        up to the last hit (:func:`_schedule_states`, the pass that also recounts the
        final state of a run that stopped before its iteration horizon), so only claims
        on total worker time ask for it.

    Returns one :class:`RunResult` per stepsize.
    """
    if not (math.isfinite(max_iter) or math.isfinite(max_time)):
        raise SpecError("horizon", "set a finite number of iterations or a finite time")
    gam = np.asarray(gammas, np.float64).reshape(-1)
    if gam.size == 0 or not np.all(np.isfinite(gam)) or np.any(gam <= 0):
        raise SpecError("algorithm.params.gamma", f"stepsizes must be finite and > 0, got {gammas}")
    if stop_statistic is not None and stop_statistic not in STATISTICS:
        raise SpecError("stop_statistic", f"unknown statistic {stop_statistic!r} (known: {', '.join(STATISTICS)})")
    driver = ScheduleDriver(algorithm, model, problem, seed, rng.WorkerStreams(seed))
    oracle = None if force_python else problem.fast_oracle()
    kernels, data = (compiled_kernels(oracle), oracle.data) if oracle is not None else (python_kernels(problem), None)
    st = _new_state(problem, algorithm, gam, seed, driver.parts, np.sort(np.asarray(targets, np.float64))[::-1].copy(),
                    max_iter, stop_statistic, track_avg)
    ctr = st.ctr
    with np.errstate(all="ignore"):  # the numpy oracle's overflow is the divergence check's to report
        finished = kernels.after_step(data, st, 0.0)
        last_t, early = 0.0, finished
        if not finished:
            for ops in driver.chunks(max_iter, max_time):
                before = int(ctr.it[0])
                early = kernels.replay(data, ops, st)
                if ctr.it[0] > before:  # time of the last update replayed (the replay may stop mid-chunk)
                    last_t = float(ops.t[ctr.last_step[0]])
                if early or not np.any(st.alive):
                    break
    final, wt = _final_state(driver, algorithm, model, problem, seed, st, max_iter, last_t, early, worker_time)
    tl = st.tally
    H = np.concatenate([tl.H, wt], axis=3)
    dc = driver.ops.delay_counts
    nz = np.flatnonzero(dc)
    delay_counts = dc[: nz[-1] + 1].copy() if nz.size else np.zeros(1, np.int64)
    path = "replay" if oracle is not None else "replay-python"
    order = np.argsort(tl.targets)
    XF = np.where(st.alive[:, None], st.its.XH[:, st.its.top[CUR]], st.XF)  # a diverged member's: where it diverged
    results = []
    for b in range(gam.size):
        rows = tl.CK[b, : tl.ckpt[0]]
        last = np.array([final["computed"], final["iteration"], final["time"], final["computed"], final["applied"],
                         st.ctr.max_delay[0], *tl.LV[b]])
        if rows.shape[0] == 0 or rows[-1, 1] != final["iteration"]:
            rows = np.vstack([rows, last[None, :]])
        status, reason, fin = "ok", "", dict(final)
        if not st.alive[b]:
            dv = st.div
            status = "diverged"
            fin["diverged"] = divergence.record(int(dv.cause[b]), dv.fgap[b], dv.gsq[b], dv.dsq[b], int(dv.iteration[b]),
                                                dv.time[b], int(dv.computed[b]))
            reason = divergence.reason(fin["diverged"], st.caps)
        results.append(RunResult(
            meta={**(meta or {}), "gamma": float(gam[b]), "seed": int(seed), "path": path,
                  "method": algorithm.registry_name, "params": {**algorithm.params, "gamma": float(gam[b])}},
            status=status,
            reason=reason,
            checkpoints={f: rows[:, j].copy() for j, f in enumerate(CHECKPOINT_FIELDS)},
            targets=tl.targets[order].copy(),
            hits={s: H[b, j][order].copy() for j, s in enumerate(STATISTICS)},
            delay_counts=delay_counts,
            final=fin,
            x_final=XF[b].copy(),
        ))
    return results


def _new_state(problem, algorithm, gam, seed: int, parts, targets, max_iter, stop_statistic, track_avg) -> ReplayState:
    """The replay's state at x₀ for the stepsizes ``gam``: every member alive, no statistic yet."""
    B, d, n = gam.size, problem.d, parts.size
    X = np.tile(np.asarray(problem.x0, np.float64), (B, 1))
    return ReplayState(
        gam=gam, key=noise_key(seed), z=np.zeros(problem.noise_dim), parts=parts, f_star=float(problem.f_star),
        x_star=np.asarray(problem.x_star, np.float64) if problem.x_star is not None else np.zeros(0),
        caps=start_caps(problem), track_avg=bool(track_avg),
        stop=STATISTICS.index(stop_statistic) if stop_statistic else -1,
        its=new_iterates(X, n), upd=new_update(algorithm.update, algorithm.update_params(), X, n, algorithm.table_rows(n)),
        ACC=np.zeros((B, d)), XS=X.copy(), astamp=np.zeros(n, np.int64), gbuf=np.zeros((2, d)),
        ctr=Counters(*np.zeros((len(Counters._fields), 1), np.int64)), alive=np.ones(B, np.bool_), done=np.zeros(B, np.bool_),
        div=new_diverged(B), tally=new_tally(B, targets, checkpoint_grid(max_iter if math.isfinite(max_iter) else 1e12)),
        XF=np.zeros((B, d)))


def _final_state(driver, algorithm, model, problem, seed: int, st, max_iter, last_t: float, early: bool,
                 worker_time: bool):
    """``final`` of the results (iteration, time, gradients applied, computed and discarded,
    worker time and concurrency) and the hits' worker-time column (NaN unless ``worker_time``).

    The schedule's state is needed at the hits (worker time) and, unless the main pass
    stopped right after the last update, at the last update (an early stop or a time
    horizon ran past it): one more pass of the schedule alone gives both."""
    it, H = int(st.ctr.it[0]), st.tally.H
    final = {"iteration": it, "time": last_t, "applied": int(st.ctr.applied[0])}
    hit = ~np.isnan(H[..., 0]) if worker_time else np.zeros(H.shape[:3], bool)
    ks, first = np.unique(H[..., 0][hit], return_index=True)
    at_horizon = not early and it >= max_iter
    past = it > 0 and not at_horizon
    wanted = [*ks.astype(np.int64).tolist(), *([it] if past else [])]
    times = [*H[..., 1][hit][first].tolist(), *([last_t] if past else [])]
    states = _schedule_states(algorithm, model, problem, seed, wanted, times) if wanted else []
    if at_horizon:  # the schedule stopped right after the last update
        final.update(computed=int(driver.prog[1]), discarded=int(driver.prog[3]),
                     worker_time=worker_time_until(driver.clock, last_t))
    elif past:
        final.update(states[-1])
    else:
        final.update(computed=0, discarded=0, worker_time=0.0)
    # mean number of busy workers over [0, time]: the concurrency the asynchronous
    # analyses use (Koloskova et al. 2022; Mishchenko et al. 2022), as observed
    final["concurrency"] = final["worker_time"] / last_t if last_t > 0 else math.nan
    wt = np.full(H.shape[:3] + (1,), np.nan)
    if ks.size:
        wt[hit, 0] = np.array([s["worker_time"] for s in states[: ks.size]])[np.searchsorted(ks, H[..., 0][hit])]
    return final, wt


def start_caps(problem) -> np.ndarray:
    """The blow-up caps of :mod:`.divergence` from f − f*, ‖∇f‖², ‖x − x*‖² at x₀."""
    x0 = np.asarray(problem.x0, np.float64)
    with np.errstate(all="ignore"):
        g = np.asarray(problem.grad(x0), np.float64)
        fgap = float(problem.f(x0)) - float(problem.f_star)
        dsq = float(((x0 - problem.x_star) ** 2).sum()) if problem.x_star is not None else math.nan
    return divergence.caps(fgap, float(g @ g), dsq)


def _schedule_states(algorithm, model, problem, seed: int, iterations, times) -> list[dict]:
    """Gradients computed and discarded, and worker time W(t_j), at the updates k_j
    (ascending) that happen at times t_j: the schedule replayed alone (same seed, so the
    same draws), stopping right after each k_j."""
    drv = ScheduleDriver(algorithm, model, problem, seed)
    out = []
    for k, t in zip(iterations, times):
        for _ in drv.chunks(k, math.inf):
            pass
        out.append({"computed": int(drv.prog[1]), "discarded": int(drv.prog[3]), "worker_time": worker_time_until(drv.clock, t)})
    return out
