"""When a run has diverged: non-finite, or blown up far beyond where it started.

A run is ``diverged`` at the first iterate x_k where f(x_k), ‖∇f(x_k)‖² or
‖x_k − x*‖² is non-finite, or where one of them exceeds

    cap = 10^BLOWUP_DECADES · max(1, its value at x₀)

(f measured as the gap f − f*; the ‖x − x*‖² cap only where x* is known). A run that
climbs a million-fold above its start has left the regime every convergence theorem
describes: stepsizes past the stability limit make the iterates grow geometrically,
and without a cap such a run would stay "ok" with f − f* ≈ 1e180 until it overflows,
or end at its horizon with no hit and be read as merely slow. The cap is relative,
so a problem's scale does not matter, and generous, so the transient overshoot of a
convergent run (heavy-ball or delayed updates can grow a few-fold before contracting)
never trips it.

The check runs at every iterate, in the compiled replay, its numpy twin and the
delay-sequence engine alike (:func:`blown`). Where it trips is recorded: the
iteration, the virtual time, the number of gradients computed (the event index of
the schedule) and the offending value (:func:`reason`).
"""

from __future__ import annotations

import math

import numpy as np
from .._jit import njit

from .trace import BLOWUP_DECADES


#: Causes, by the code :func:`blown` returns (0: none).
CAUSES = ("", "non-finite", "f − f*", "‖∇f‖²", "‖x − x*‖²")
NONFINITE, F_GAP, GRAD_SQ, DIST_SQ = 1, 2, 3, 4


def caps(fgap0: float, gsq0: float, dsq0: float) -> np.ndarray:
    """``[f − f*, ‖∇f‖², ‖x − x*‖²]`` caps from the values at x₀ (``inf`` where unknown)."""
    out = np.full(3, np.inf)
    for j, v in enumerate((fgap0, gsq0, dsq0)):
        if v is not None and math.isfinite(v):
            out[j] = 10.0**BLOWUP_DECADES * max(1.0, abs(float(v)))
    return out


@njit(cache=True, _nrt=False, inline="always")
def blown(f, fgap, gsq, dsq, fcap, gcap, dcap):
    """0 when x_k is fine, else the cause's code (:data:`CAUSES`). ``dsq`` is NaN (or 0)
    where x* is unknown: it is then not capped."""
    if not (np.isfinite(f) and np.isfinite(gsq)) or np.isinf(dsq):
        return NONFINITE
    if fgap > fcap:
        return F_GAP
    if gsq > gcap:
        return GRAD_SQ
    if dsq > dcap:
        return DIST_SQ
    return 0


def record(code: int, fgap: float, gsq: float, dsq: float, iteration: int, time: float, computed: int) -> dict:
    """Where and why a run diverged, as stored in ``RunResult.final["diverged"]``."""
    if code == NONFINITE:
        value = next((v for v in (fgap, gsq, dsq) if not math.isfinite(v) and not math.isnan(v)), math.nan)
    else:
        value = {F_GAP: fgap, GRAD_SQ: gsq, DIST_SQ: dsq}.get(code, math.nan)
    return {"cause": CAUSES[code] if 0 < code < len(CAUSES) else CAUSES[NONFINITE], "value": float(value),
            "iteration": int(iteration), "time": float(time) if time is not None else math.nan,
            "computed": int(computed) if computed is not None else -1}


def reason(where: dict, cap: np.ndarray) -> str:
    """One line: what blew up, where (iteration, virtual time, gradients computed)."""
    at = f"iteration {where['iteration']}"
    if math.isfinite(where.get("time", math.nan)):
        at += f", time {where['time']:.6g}"
    if where.get("computed", -1) >= 0:
        at += f", {where['computed']} gradients computed"
    cause = where["cause"]
    if cause not in CAUSES[F_GAP:]:
        return f"iterate became non-finite at {at}"
    limit = float(cap[CAUSES.index(cause) - F_GAP])
    return (f"{cause} = {where['value']:.3g} exceeded 10^{BLOWUP_DECADES}·max(1, its value at x0) = {limit:.3g} "
            f"at {at}")
