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
from .replay import Counters, ReplayState, compiled_kernels, compiled_once, new_ends, python_kernels
from .schedule import ScheduleDriver
from .stepsize import Schedule, record
from .tally import new_diverged, new_tally
from .trace import CHECKPOINT_FIELDS, STATISTICS, RunResult


def simulate(problem, model, algorithm, gammas, seed: int, *, max_iter=math.inf, max_time=math.inf,
             targets=(), stop_statistic: str | None = None, track_avg: bool = False,
             meta: dict | None = None, force_python: bool = False, worker_time: bool = False,
             schedule: Schedule | None = None) -> list[RunResult]:
    """Simulate ``algorithm`` on ``problem`` under ``model`` for each stepsize in ``gammas``.

    Parameters
    ----------
    gammas : sequence of float
        Stepsizes; all share one schedule and one set of noise draws. Result b is bit
        for bit that of ``simulate(..., gammas=[gammas[b]])`` (every field: final state,
        checkpoints, hits, delay histogram, x_final), whatever the other members do:
        each member's run ends where its single run would (:mod:`.replay`). Runs that
        differ only in γ may share a call where :func:`batchable` says so.
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
    schedule : :class:`~.stepsize.Schedule`, optional
        The stepsize schedule: update k (x_k → x_{k+1}, k = 0, 1, …) uses γ_b · s(k)
        (:mod:`.stepsize`); default constant.

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
                    max_iter, stop_statistic, track_avg, schedule if schedule is not None else record())
    ctr, end, B = st.ctr, st.end, gam.size
    counts = [None] * B  # each member's delay histogram: the driver's at the end of the chunk its run ended in
    with np.errstate(all="ignore"):  # the numpy oracle's overflow is the divergence check's to report
        last_t, early = 0.0, kernels.after_step(data, st, 0.0)
        _histograms(counts, end, np.zeros(1, np.int64))
        if not early:
            for ops in driver.chunks(max_iter, max_time):
                before = int(ctr.it[0])
                with compiled_once(kernels.replay):
                    early = kernels.replay(data, ops, st)
                if ctr.it[0] > before:  # time of the last update replayed (the replay may stop mid-chunk)
                    last_t = float(ops.t[ctr.last_step[0]])
                _end(st, ~st.alive, last_t)  # without a stop statistic, a diverged member's run ends with its chunk
                _histograms(counts, end, driver.ops.delay_counts)
                if early or not np.any(st.alive):
                    break
    _end(st, st.alive, last_t)
    _histograms(counts, end, driver.ops.delay_counts)
    finals, wt = _final_states(driver, algorithm, model, problem, seed, st, max_iter,
                               ~st.alive if stop_statistic is not None else np.zeros(B, bool), worker_time)
    tl = st.tally
    H = np.concatenate([tl.H, wt], axis=3)
    path = "replay" if oracle is not None else "replay-python"
    order = np.argsort(tl.targets)
    XF = np.where(st.alive[:, None], st.its.XH[:, st.its.top[CUR]], st.XF)
    results = []
    for b in range(B):
        fin = finals[b]
        rows = tl.CK[b, : tl.ckpt[0]]
        rows = rows[rows[:, 1] <= fin["iteration"]]
        last = np.array([fin["computed"], fin["iteration"], fin["time"], fin["computed"], fin["applied"],
                         end.max_delay[b], *tl.LV[b]])
        if rows.shape[0] == 0 or rows[-1, 1] != fin["iteration"]:
            rows = np.vstack([rows, last[None, :]])
        status, reason = "ok", ""
        if st.div.cause[b] != 0:
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
            delay_counts=counts[b],
            final=fin,
            x_final=XF[b].copy(),
        ))
    return results


def batchable(model, algorithm) -> bool:
    """Whether runs of ``algorithm`` under ``model`` that differ only in γ may be one
    :func:`simulate` call (each member's result then is its single run's): the schedule
    must not depend on γ nor on the iterates.

    A compute model's times depend on the worker's random stream and on the sample
    drawn (the ``data-dependent`` model), never on an iterate; a method's schedule
    depends on its kernel parameters and state, its update rule's parameters (shared by
    the batch) and its table rows, which are checked here not to change with γ. A
    delay-sequence model (no ``kind``: :mod:`.delayed`, one γ per run; an adversary
    chooses δ_k from the iterates and γ) is never batched."""
    if getattr(model, "kind", None) not in ("duration", "rate"):
        return False
    gamma = algorithm.params.get("gamma", 1.0)
    other = type(algorithm)({**algorithm.params, "gamma": 2.0 * gamma})

    def schedule(alg):  # arrays by their bytes (NaN equals NaN)
        arrays = [np.asarray(a) for a in (*alg.state_for(model), alg.update_params())]
        return alg.kernel_params(), [(a.dtype.str, a.shape, a.tobytes()) for a in arrays], alg.table_rows(model.n), alg.update

    return schedule(algorithm) == schedule(other)


def _new_state(problem, algorithm, gam, seed: int, parts, targets, max_iter, stop_statistic, track_avg,
               schedule) -> ReplayState:
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
        ctr=Counters(*np.zeros((len(Counters._fields), 1), np.int64)), alive=np.ones(B, np.bool_),
        div=new_diverged(B), tally=new_tally(B, targets, checkpoint_grid(max_iter if math.isfinite(max_iter) else 1e12)),
        XF=np.zeros((B, d)), end=new_ends(B), sched=schedule)


def _end(st, members, t: float) -> None:
    """End the runs of ``members`` (a mask) not ended yet at the replay's last update, at time t."""
    e, ctr = st.end, st.ctr
    now = members & (e.it < 0)
    e.it[now], e.t[now], e.applied[now], e.max_delay[now] = ctr.it[0], t, ctr.applied[0], ctr.max_delay[0]


def _histograms(counts: list, end, dc: np.ndarray) -> None:
    """Give the members whose runs have ended and have no delay histogram yet the driver's ``dc``
    (trimmed after its last nonzero bin)."""
    new = [b for b in np.flatnonzero(end.it >= 0) if counts[b] is None]
    if new:
        nz = np.flatnonzero(dc)
        h = dc[: nz[-1] + 1].copy() if nz.size else np.zeros(1, np.int64)
        for b in new:
            counts[b] = h


def _final_states(driver, algorithm, model, problem, seed: int, st, max_iter, early: np.ndarray,
                  worker_time: bool):
    """Each member's ``final`` (iteration, time, gradients applied, computed and discarded,
    worker time and concurrency) at the end of its run (``st.end``; ``early``: the runs a
    stop statistic ended), and the hits' worker-time column (NaN unless ``worker_time``).

    The schedule's state is needed at the hits (worker time) and, unless a member's run
    ended right after the batch's last update at the horizon (the driver's state), at its
    last update (an early stop or a time horizon ran past it): one more pass of the
    schedule alone gives them all."""
    H, end = st.tally.H, st.end
    at_horizon = ~early & (end.it >= max_iter)
    past = (end.it > 0) & ~at_horizon
    hit = ~np.isnan(H[..., 0]) if worker_time else np.zeros(H.shape[:3], bool)
    times = dict(zip(H[..., 0][hit].astype(np.int64).tolist(), H[..., 1][hit].tolist()))
    times.update(zip(end.it[past].tolist(), end.t[past].tolist()))
    ks = sorted(times)
    states = dict(zip(ks, _schedule_states(algorithm, model, problem, seed, ks, [times[k] for k in ks])))
    finals = []
    for b in range(end.it.size):
        it, t = int(end.it[b]), float(end.t[b])
        final = {"iteration": it, "time": t, "applied": int(end.applied[b])}
        if at_horizon[b]:  # the schedule stopped right after the last update
            final.update(computed=int(driver.prog[1]), discarded=int(driver.prog[3]),
                         worker_time=worker_time_until(driver.clock, t))
        else:
            final.update(states[it] if past[b] else {"computed": 0, "discarded": 0, "worker_time": 0.0})
        # mean number of busy workers over [0, time]: the concurrency the asynchronous
        # analyses use (Koloskova et al. 2022; Mishchenko et al. 2022), as observed
        final["concurrency"] = final["worker_time"] / t if t > 0 else math.nan
        finals.append(final)
    wt = np.full(H.shape[:3] + (1,), np.nan)
    wt[hit, 0] = [states[k]["worker_time"] for k in H[..., 0][hit].astype(np.int64).tolist()]
    return finals, wt


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
