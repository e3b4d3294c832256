"""Run one simulation: :func:`simulate` (objects) and :func:`run_fragment` (a JSON spec).

Paths (see ``benchmarks/README.md`` for which algorithm × model uses which):

* **replay, compiled** — the algorithm has a schedule kernel and the problem a
  :class:`~ratecheck.problems.base.FastOracle`: the schedule is generated once and
  replayed by the compiled recursion for every stepsize of the batch;
* **replay, python** — same op stream, replayed with the problem's numpy oracle
  (problems without a fast oracle; also an independent cross-check of the kernel);
* **delay sequences** — :mod:`.delayed` (x_{k+1} = x_k − γ g(x_{k−δ_k}), adversaries);
  :func:`run_fragment` sends a delay-sequence model there (method ``asgd`` only).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

import numpy as np

from ..asynchrony.base import DelayModel
from ..errors import SpecError
from . import rng
from .noise import fill_normals, noise_key
from .ops import ASSIGN, GRAD, STEP, TGRAD, TSCALE, TSWAP, TSYNC
from . import divergence
from .recursion import (BSLOT, C_APPLIED, C_BSTAMP, C_CKPT, C_COMPUTED, C_IT, C_LASTSTEP, C_MAXDELAY, C_STAMP, CUR,
                        M_ALIVE, M_CAUSE, M_DCAP, M_DIV_COMPUTED, M_DIV_D, M_DIV_F, M_DIV_G, M_DIV_T,
                        M_DIVERGED_AT, M_FCAP, M_GCAP, M_MINGSQ, MU2, N_CTR, N_FIELDS, N_MEM, N_STATS, PLAIN,
                        R_ACC2, R_XPREV, checkpoint_grid, hand_out, install, new_iterates, new_update,
                        recursion_kernel, step_numpy, take_slot)
from .clock import worker_time_until
from .schedule import ScheduleDriver
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
        up to the last hit (:func:`worker_time_at`), so only claims on total worker time
        ask for it.

    Returns one :class:`RunResult` per stepsize.
    """
    if not (math.isfinite(max_iter) or math.isfinite(max_time)):
        raise SpecError("horizon", "set a finite number of iterations or a finite time")
    gam = np.asarray(gammas, np.float64).reshape(-1)
    if gam.size == 0 or not np.all(np.isfinite(gam)) or np.any(gam <= 0):
        raise SpecError("algorithm.params.gamma", f"stepsizes must be finite and > 0, got {gammas}")
    if stop_statistic is not None and stop_statistic not in STATISTICS:
        raise SpecError("stop_statistic", f"unknown statistic {stop_statistic!r} (known: {', '.join(STATISTICS)})")
    streams = rng.WorkerStreams(seed)
    driver = ScheduleDriver(algorithm, model, problem, seed, streams)
    key = noise_key(seed)
    tg = np.sort(np.asarray(targets, np.float64))[::-1].copy()
    B, d, n = gam.size, problem.d, model.n
    oracle = None if force_python else problem.fast_oracle()
    path = "replay" if oracle is not None else "replay-python"

    X = np.tile(np.asarray(problem.x0, np.float64), (B, 1))
    its = new_iterates(X, n)
    ACC = np.zeros((B, d))
    XS = X.copy()
    astamp = np.zeros(n, np.int64)
    mem = np.zeros((B, N_MEM))
    mem[:, M_ALIVE] = 1.0
    mem[:, M_MINGSQ] = np.inf
    cap = start_caps(problem)
    mem[:, M_FCAP:M_DCAP + 1] = cap
    LV = np.full((B, N_STATS), np.nan)
    ctr = np.zeros(N_CTR, np.int64)
    grid = checkpoint_grid(max_iter if math.isfinite(max_iter) else 1e12)
    CK = np.full((B, grid.size, N_FIELDS), np.nan)
    H = np.full((B, N_STATS, tg.size, 3), np.nan)
    hp = np.zeros((B, N_STATS), np.int64)
    x_star = np.asarray(problem.x_star, np.float64) if problem.x_star is not None else np.zeros(0)
    stop = STATISTICS.index(stop_statistic) if stop_statistic else -1
    gbuf = np.zeros((2, d))  # the recursion's gradient output and a scratch row
    z = np.zeros(problem.noise_dim)  # the noise of the computation being replayed
    f_star = float(problem.f_star)
    upd = new_update(algorithm.update, algorithm.update_params(), X, n, algorithm.table_rows(n))

    if oracle is not None:
        replay, after_step = recursion_kernel(oracle)
        data = oracle.data
    else:
        replay, after_step = _python_replay(problem), _python_after_step(problem)
        data = None
    parts = driver.parts
    finished = after_step(data, its, XS, mem, LV, ctr, 0.0, f_star, x_star, track_avg, gbuf, tg, H, hp, grid, CK, stop)
    last_t, early = 0.0, finished
    if not finished:
        for ops in driver.chunks(max_iter, max_time):
            m = int(ops.size[0])
            kind = ops.kind[:m]
            before = int(ctr[C_IT])
            early = replay(data, kind, ops.w[:m], ops.k[:m], ops.s[:m], ops.c[:m], ops.t[:m], ops.n[:m], ops.delay[:m], m,
                           key, z, parts, gam, its, ACC, XS, astamp, mem, LV, ctr, f_star, x_star, track_avg, gbuf,
                           tg, H, hp, grid, CK, stop, upd)
            if ctr[C_IT] > before:  # time of the last update replayed (the replay may stop mid-chunk)
                last_t = float(ops.t[ctr[C_LASTSTEP]])
            if early or not np.any(mem[:, M_ALIVE]):
                break
    final = {"iteration": int(ctr[C_IT]), "time": last_t, "applied": int(ctr[C_APPLIED])}
    if not early and ctr[C_IT] >= max_iter:  # the schedule stopped right after the last update
        final.update(computed=int(driver.prog[1]), discarded=int(driver.prog[3]),
                     worker_time=worker_time_until(driver.clock, last_t))
    elif ctr[C_IT] > 0:  # it ran past the last update (early stop, time horizon): recount up to it
        final.update(_schedule_states(algorithm, model, problem, seed, [int(ctr[C_IT])], [last_t])[0])
    else:
        final.update(computed=0, discarded=0, worker_time=0.0)
    # mean number of busy workers over [0, time]: the concurrency the asynchronous
    # analyses use (Koloskova et al. 2022; Mishchenko et al. 2022), as observed
    final["concurrency"] = final["worker_time"] / last_t if last_t > 0 else math.nan
    wt = _worker_time_column(H, algorithm, model, problem, seed) if worker_time else np.full(H.shape[:3] + (1,), np.nan)
    H = np.concatenate([H, wt], axis=3)
    dc = driver.ops.delay_counts
    nz = np.flatnonzero(dc)
    delay_counts = dc[: nz[-1] + 1].copy() if nz.size else np.zeros(1, np.int64)
    results = []
    for b in range(B):
        rows = CK[b, : ctr[C_CKPT]]
        last = np.array([final["computed"], final["iteration"], final["time"], final["computed"], final["applied"],
                         ctr[C_MAXDELAY], *LV[b]])
        if rows.shape[0] == 0 or rows[-1, 1] != final["iteration"]:
            rows = np.vstack([rows, last[None, :]])
        status, reason, fin = "ok", "", dict(final)
        if mem[b, M_ALIVE] == 0.0:
            status = "diverged"
            fin["diverged"] = divergence.record(int(mem[b, M_CAUSE]), mem[b, M_DIV_F], mem[b, M_DIV_G], mem[b, M_DIV_D],
                                                int(mem[b, M_DIVERGED_AT]), mem[b, M_DIV_T], int(mem[b, M_DIV_COMPUTED]))
            reason = divergence.reason(fin["diverged"], cap)
        order = np.argsort(tg)
        results.append(RunResult(
            meta={**(meta or {}), "gamma": float(gam[b]), "seed": int(seed), "path": path,
                  "method": algorithm.registry_name, "params": {**algorithm.params, "gamma": float(gam[b])}},
            status=status,
            reason=reason,
            checkpoints={f: rows[:, j].copy() for j, f in enumerate(CHECKPOINT_FIELDS)},
            targets=tg[order].copy(),
            hits={s: H[b, j][order].copy() for j, s in enumerate(STATISTICS)},
            delay_counts=delay_counts,
            final=fin,
        ))
    return results


def start_caps(problem) -> np.ndarray:
    """The blow-up caps of :mod:`.divergence` from f − f*, ‖∇f‖², ‖x − x*‖² at x₀."""
    x0 = np.asarray(problem.x0, np.float64)
    with np.errstate(all="ignore"):
        g = np.asarray(problem.grad(x0), np.float64)
        fgap = float(problem.f(x0)) - float(problem.f_star)
        dsq = float(((x0 - problem.x_star) ** 2).sum()) if problem.x_star is not None else math.nan
    return divergence.caps(fgap, float(g @ g), dsq)


def _worker_time_column(H, algorithm, model, problem, seed: int) -> np.ndarray:
    """The hits' worker time W(t) = ∫_0^t (number of busy workers), from their (iteration, time)."""
    out = np.full(H.shape[:3] + (1,), np.nan)
    hit = ~np.isnan(H[..., 0])
    if hit.any():
        ks, first = np.unique(H[..., 0][hit], return_index=True)
        w = worker_time_at(algorithm, model, problem, seed, ks, H[..., 1][hit][first])
        out[hit, 0] = w[np.searchsorted(ks, H[..., 0][hit])]
    return out


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


def worker_time_at(algorithm, model, problem, seed: int, iterations, times) -> np.ndarray:
    """Worker time W(t_j) (:func:`~.clock.worker_time_until`) at the updates k_j (ascending)."""
    return np.array([st["worker_time"] for st in _schedule_states(algorithm, model, problem, seed, iterations, times)])


# --- the python replay (problems without a fast oracle) ---------------------------------
def _python_replay(problem):
    def replay(data, kind, ws, ks, ss, cs, ts, ns, delays, m, key, z, parts, gam, its, ACC, XS, astamp, mem, LV, ctr,
               f_star, x_star, track_avg, gbuf, tg, H, hp, grid, CK, stop, upd):
        after = _python_after_step(problem)
        XH, T, Tsum, nw = its.XH, upd.T, upd.Tsum, its.ptr.size
        for i in range(m):
            op = kind[i]
            if op == GRAD or op == TGRAD:
                w = ws[i]
                fresh = astamp[w] > ctr[C_BSTAMP]
                if z.size:
                    fill_normals(key, w, ks[i], z)
                pt = its.ptr[w] if fresh else its.top[BSLOT]
                for b in range(XH.shape[0]):
                    if mem[b, M_ALIVE]:
                        y = XH[b, pt]
                        g = cs[i] * problem.stochastic_grad(y, int(parts[w]), int(ss[i]), z)
                        if op == GRAD:
                            ACC[b] += g
                        else:
                            T[b, ns[i]] += g
                            if ns[i] < nw:
                                Tsum[b] += g
                        if upd.rule == MU2:
                            yp = upd.Yp[b, w] if fresh else upd.Pp[b]
                            upd.S[b, R_ACC2] += cs[i] * problem.stochastic_grad(yp, int(parts[w]), int(ss[i]), z)
                ctr[C_APPLIED] += 1
                ctr[C_MAXDELAY] = max(ctr[C_MAXDELAY], delays[i])
            elif op == STEP:
                ctr[C_IT] += 1
                ctr[C_COMPUTED] = ns[i]
                ctr[C_LASTSTEP] = i
                alive = mem[:, M_ALIVE] != 0
                if T.shape[1]:
                    ACC[alive] += Tsum[alive]
                X = XH[:, its.top[CUR]].copy()
                with np.errstate(all="ignore"):
                    if upd.rule == PLAIN:
                        X[alive] -= (gam[alive] * cs[i])[:, None] * ACC[alive]
                    else:
                        step_numpy(upd, int(ctr[C_IT]), gam, cs[i], X, ACC, alive)
                ACC[:] = 0.0
                XS[alive] += X[alive]
                new = take_slot(its)
                XH[:, new] = X
                install(its, new)
                if after(data, its, XS, mem, LV, ctr, ts[i], f_star, x_star, track_avg, gbuf, tg, H, hp, grid, CK, stop):
                    return True
            elif op == TSCALE:
                alive = mem[:, M_ALIVE] != 0
                r, a = ws[i], cs[i]
                if r < nw:
                    Tsum[alive] += (a - 1.0) * T[alive, r]
                T[alive, r] *= a
            elif op == TSWAP:
                alive = mem[:, M_ALIVE] != 0
                r, q = ws[i], ns[i]
                lo = r if r < nw else q
                old = T[alive, lo]
                T[alive, r], T[alive, q] = T[alive, q], T[alive, r]
                if (r < nw) != (q < nw):
                    Tsum[alive] += T[alive, lo] - old
            elif op == TSYNC:
                alive = mem[:, M_ALIVE] != 0
                Tsum[alive] = 0.0
                for r in range(nw):
                    Tsum[alive] += T[alive, r]
            elif op == ASSIGN:
                ctr[C_STAMP] += 1
                astamp[ws[i]] = ctr[C_STAMP]
                hand_out(its, ws[i])
                if upd.rule == MU2:
                    upd.Yp[:, ws[i]] = upd.S[:, R_XPREV]
            else:
                ctr[C_STAMP] += 1
                ctr[C_BSTAMP] = ctr[C_STAMP]
                hand_out(its, -1)
                if upd.rule == MU2:
                    upd.Pp[:] = upd.S[:, R_XPREV]
        return False

    return replay


def _python_after_step(problem):
    from .recursion import M_DONE, M_SUMGSQ

    def after(data, its, XS, mem, LV, ctr, t, f_star, x_star, track_avg, gbuf, tg, H, hp, grid, CK, stop):
        it = ctr[C_IT]
        X = its.XH[:, its.top[CUR]]
        all_done = True
        for b in range(X.shape[0]):
            if not mem[b, M_ALIVE]:
                continue
            with np.errstate(all="ignore"):
                f = problem.f(X[b])
                g = problem.grad(X[b])
                gsq = float(g @ g)
                dsq = float(((X[b] - x_star) ** 2).sum()) if x_star.size else np.nan
            code = divergence.blown.py_func(f, f - f_star, gsq, dsq, *mem[b, M_FCAP:M_DCAP + 1])
            if code:
                mem[b, M_ALIVE] = 0.0
                mem[b, [M_DIVERGED_AT, M_DIV_T, M_DIV_COMPUTED, M_CAUSE]] = (it, t, ctr[C_COMPUTED], code)
                mem[b, [M_DIV_F, M_DIV_G, M_DIV_D]] = (f - f_star, gsq, dsq)
                LV[b] = np.nan
                continue
            mem[b, M_SUMGSQ] += gsq
            mem[b, M_MINGSQ] = min(mem[b, M_MINGSQ], gsq)
            LV[b, 0] = gsq
            LV[b, 1] = mem[b, M_SUMGSQ] / (it + 1)
            LV[b, 2] = mem[b, M_MINGSQ]
            LV[b, 3] = f - f_star
            LV[b, 4] = problem.f(XS[b] / (it + 1)) - f_star if track_avg else np.nan
            LV[b, 5] = dsq
            for s in range(N_STATS):
                while hp[b, s] < tg.size and LV[b, s] <= tg[hp[b, s]]:
                    H[b, s, hp[b, s]] = (it, t, ctr[C_COMPUTED])
                    hp[b, s] += 1
            if stop >= 0 and hp[b, stop] >= tg.size:
                mem[b, M_DONE] = 1.0
            if not mem[b, M_DONE]:
                all_done = False
        ci = ctr[C_CKPT]
        if ci < grid.size and it == grid[ci]:
            for b in range(X.shape[0]):
                CK[b, ci, :6] = (ctr[C_COMPUTED], it, t, ctr[C_COMPUTED], ctr[C_APPLIED], ctr[C_MAXDELAY])
                CK[b, ci, 6:] = LV[b]
            ctr[C_CKPT] = ci + 1
        return all_done and stop >= 0

    return after


# --- fragments: the unit of work of a sweep ---------------------------------------------
@lru_cache(maxsize=16)
def _build(kind: str, spec_json: str):
    spec = json.loads(spec_json)
    if kind == "problem":
        from ..problems import make_problem

        return make_problem(spec)
    from ..asynchrony import make_model

    return make_model(spec)


def run_fragment(fragment: dict) -> RunResult:
    """Run the simulation a JSON-able fragment fully determines (the sweep's unit).

    Keys: ``problem`` and ``asynchrony`` (spec tables), ``method``, ``params`` (all
    numbers, ``gamma`` included), ``seed``, ``horizon`` (``iterations``, ``time``),
    ``targets``, ``stop_statistic``, ``track_avg``, ``worker_time``, ``meta`` (copied into the result).
    """
    from ..algorithms import ALGORITHMS

    problem = _build("problem", json.dumps(fragment["problem"], sort_keys=True))
    model = _build("asynchrony", json.dumps(fragment["asynchrony"], sort_keys=True))
    params = dict(fragment["params"])
    gamma = params.pop("gamma")
    h = fragment.get("horizon", {})
    if isinstance(model, DelayModel):
        if fragment["method"] != "asgd" or params:
            raise SpecError("algorithms.method", f"a delay-sequence model ({fragment['asynchrony'].get('model')!r}) drives "
                            "x_{k+1} = x_k − γ g(x_{k−δ_k}) only: use method 'asgd' with a stepsize alone")
        if not math.isfinite(float(h.get("iterations", math.inf))):
            raise SpecError("horizon.iterations", "a delay-sequence model has no clock: give a number of iterations")
        from .delayed import run_delayed

        return run_delayed(problem, model, gamma, int(fragment["seed"]), int(h["iterations"]),
                           targets=fragment.get("targets", ()), stop_statistic=fragment.get("stop_statistic"),
                           meta=fragment.get("meta"))
    algorithm = ALGORITHMS.get(fragment["method"])({**params, "gamma": gamma})
    (res,) = simulate(problem, model, algorithm, [gamma], int(fragment["seed"]),
                      max_iter=float(h.get("iterations", math.inf)), max_time=float(h.get("time", math.inf)),
                      targets=fragment.get("targets", ()), stop_statistic=fragment.get("stop_statistic"),
                      track_avg=bool(fragment.get("track_avg", False)), meta=fragment.get("meta"),
                      worker_time=bool(fragment.get("worker_time", False)))
    return res
