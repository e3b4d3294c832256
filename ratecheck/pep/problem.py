"""What a PEP of delayed GD poses and how a solver's answer is certified, for every backend.

For ``N`` steps the unknowns are the Gram matrix ``G`` of ``(x_0 − x*, g_0, …, g_N)``
(``N + 2`` columns) and the values ``F = (f_0 − f*, …, f_N − f*)``, with ``x* = 0``,
``g* = 0``, ``f* = 0`` (translation invariance). Constraints: the interpolation
inequalities of the smooth (strongly) convex class over the ``N + 2`` points
``x*, x_0, …, x_N`` (``(N+2)(N+1)`` rows) and the initial condition ``‖x_0 − x*‖² ≤ B`` or
``f_0 − f* ≤ B``. Every iterate is evaluated, even if the method never queries its
gradient; this does not change the worst case, since any interpolable subset extends to a
function of the class (Taylor, Hendrickx & Glineur 2017, *Math. Program.* 161:307–345, Thm 4).

Criteria (maximised): ``fgap`` f(x_N) − f*, ``gradnorm`` ‖∇f(x_N)‖², ``avggradnorm``
(1/N) Σ_{k=0}^{N−1} ‖∇f(x_k)‖² (the ``avg_grad_sq`` statistic of cards with range
``0..K-1``), ``minfgap`` min_{0≤k≤N} f(x_k) − f* (epigraph variable t ≤ f_k),
``dist`` ‖x_N − x*‖².

The SDP is always feasible (G = 0, F = 0) and bounded: from ‖x_0 − x*‖ ≤ D, or from
‖g_0‖² ≤ 2L(f_0 − f*), the steps, gradients and values stay bounded by induction —
except for ``dist`` under ``f_0 − f* ≤ Δ`` with μ = 0 (f constant), which is refused.
A solver's claim of infeasibility or unboundedness is therefore a numerical failure.

Accuracy (:func:`kkt_accuracy`). Write every constraint as ``a_F·F + ⟨A_G, G⟩ + b ≤ 0``
with multiplier λ ≥ 0 and the objective as ``c_F·F + ⟨C_G, G⟩``. Only the initial
condition has ``b ≠ 0`` (``b = −B``), so the dual objective is ``−λ·b = ν·B``. After a
solve the primal point and the multipliers are checked directly: relative duality gap
``|p − ν·B|/max(1, |p|)``; primal infeasibility (smallest eigenvalue of G, largest
violated row, relative to the size of G and F); dual infeasibility (the stationarity
residual ``Σ λ_i a_F,i − c_F``, the smallest eigenvalue of the dual slack
``S = Σ λ_i A_G,i − C_G ⪰ 0``, negative multipliers, relative to the size of the
multipliers). A solve is ``optimal`` only when the solver says so and all these are
≤ ``tol`` (default :data:`TOL` = 1e-6); otherwise the status is ``solver-inaccurate``
(iteration limit, inaccurate solve, tolerance not met, or a spurious
infeasibility/unboundedness certificate; the solver's raw status is kept in
``attempts``) or ``solver-error`` (the solver raised), and no value is given.

Solvers: Clarabel (interior point, its default stopping tolerances, 1e-8 on the gap)
first; with ``solver="auto"`` SCS (first order, ``eps_abs = eps_rel = 1e-9``, at most
:data:`SCS_MAX_ITERS` iterations) is tried when Clarabel fails or misses ``tol``.
The backends (:mod:`.backends`) differ only in how they build the SDP.
"""

from __future__ import annotations

import contextlib
import sys
import time
import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np

from ..errors import SpecError

CRITERIA = {
    "fgap": "f(x_N) − f*",
    "gradnorm": "‖∇f(x_N)‖²",
    "avggradnorm": "(1/N) Σ_{k<N} ‖∇f(x_k)‖²",
    "minfgap": "min_{0≤k≤N} f(x_k) − f*",
    "dist": "‖x_N − x*‖²",
}
INITIAL = {"dist": "‖x_0 − x*‖² ≤ D²", "fgap": "f(x_0) − f* ≤ Δ"}
SOLVERS = ("auto", "clarabel", "scs")
STATUSES = ("optimal", "solver-inaccurate", "solver-error")

#: Default relative tolerance of the accuracy checks (module docstring).
TOL = 1e-6
#: SCS iteration cap when the caller gives none (SCS is first order; it is the fallback).
SCS_MAX_ITERS = 20_000


@dataclass
class SDPSolve:
    """Outcome of one SDP solve, in the units the SDP was posed in.

    ``value`` (primal objective) and ``dual_value`` (ν·B) are ``None`` unless
    ``status == "optimal"``. ``attempts`` lists every solver tried with its raw status
    and the accuracy measures of its answer.
    """

    status: str
    value: float | None
    dual_value: float | None
    solver: str | None
    solve_time: float
    gram_dim: int
    n_constraints: int
    accuracy: dict = field(default_factory=dict)
    attempts: list = field(default_factory=list)


def check_choice(field_name: str, value: str, allowed) -> str:
    if value not in allowed:
        raise SpecError(field_name, f"unknown value {value!r} (known: {', '.join(allowed)})")
    return value


def check_setting(L: float, mu: float, criterion: str, initial: str) -> None:
    """Refuse what no backend can pose: unknown names, μ outside [0, L), an unbounded worst case."""
    check_choice("criterion", criterion, CRITERIA)
    check_choice("initial", initial, INITIAL)
    if not (0 <= mu < L):
        raise SpecError("mu", f"need 0 <= mu < L, got mu={mu!r}, L={L!r}")
    if criterion == "dist" and initial == "fgap" and mu == 0:
        raise SpecError("criterion", "‖x_N − x*‖² is unbounded given only f(x_0) − f* ≤ Δ when mu = 0")


def kkt_accuracy(primal: float, G: np.ndarray, F: np.ndarray, f_values: np.ndarray, a_f: np.ndarray,
                 a_g: np.ndarray, b: np.ndarray, lam: np.ndarray, c_f: np.ndarray, c_g: np.ndarray) -> dict:
    """Relative duality gap, primal and dual infeasibility (module docstring) of a solution.

    Rows ``a_f @ F + a_g @ vec(G) + b ≤ 0`` (``a_g`` on the row-major flattening of G) with
    multipliers ``lam``; objective ``c_f @ F + ⟨c_g, G⟩`` of value ``primal``; ``f_values``
    (the f_k − f*) set the size of the primal point with the diagonal of G.
    """
    G = 0.5 * (G + G.T)
    dual = -float(lam @ b)
    r_f = a_f.T @ lam - c_f
    S = (a_g.T @ lam).reshape(G.shape) - c_g
    S = 0.5 * (S + S.T)
    size_p = max(1.0, float(np.abs(np.diag(G)).max()), float(np.abs(f_values).max()))
    size_d = max(1.0, float(np.abs(lam).max()))
    return {
        "primal": primal,
        "dual": dual,
        "rel_gap": abs(primal - dual) / max(1.0, abs(primal)),
        "primal_infeasibility": max(0.0, -float(np.linalg.eigvalsh(G).min()),
                                    float((a_f @ F + a_g @ G.ravel() + b).max())) / size_p,
        "dual_infeasibility": max(float(np.abs(r_f).max()), -min(0.0, float(lam.min())),
                                  -float(np.linalg.eigvalsh(S).min())) / size_d,
    }


def solver_call(solver: str, max_iters: int | None) -> tuple[str, dict]:
    """cvxpy's name of ``solver`` ("clarabel" or "scs") and its options (module docstring)."""
    if solver == "clarabel":
        return cp.CLARABEL, ({"max_iter": max_iters} if max_iters else {})
    return cp.SCS, {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": max_iters or SCS_MAX_ITERS}


class PEPProblem(ABC):
    """A backend's SDP: subclasses set ``gram_dim`` and ``n_constraints`` and implement
    :meth:`_run` (one solver call, returns the solver's raw status) and :meth:`accuracy`
    (:func:`kkt_accuracy` of the current solution); :meth:`_session` is where the
    attempts run (for a backend with global state, a lock and a fresh model)."""

    gram_dim: int
    n_constraints: int

    @abstractmethod
    def _run(self, name: str, options: dict) -> str:
        """Solve once with cvxpy solver ``name`` and ``options``; the solver's raw status."""

    @abstractmethod
    def accuracy(self) -> dict:
        """:func:`kkt_accuracy` of the solution of the last :meth:`_run`."""

    def _session(self):
        return contextlib.nullcontext()

    def _attempt(self, solver: str, max_iters: int | None) -> tuple[str, str]:
        """Run one solver; return (our status before the accuracy check, the solver's raw status)."""
        try:
            # SCS prints failures to Python's stdout: send them to stderr so --json output stays clean
            with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
                warnings.simplefilter("ignore")  # inaccuracy is reported as a status
                raw = self._run(*solver_call(solver, max_iters))
        except cp.SolverError as exc:
            return "solver-error", f"SolverError: {exc}"
        return ("optimal" if raw == cp.OPTIMAL else "solver-inaccurate"), raw

    def solve(self, solver: str = "auto", max_iters: int | None = None, tol: float = TOL) -> SDPSolve:
        check_choice("solver", solver, SOLVERS)
        if max_iters is not None and (isinstance(max_iters, bool) or int(max_iters) != max_iters or max_iters < 1):
            raise SpecError("max_iters", f"must be an integer >= 1, got {max_iters!r}")
        order = ("clarabel", "scs") if solver == "auto" else (solver,)
        attempts, total = [], 0.0
        status, acc, used = "solver-error", {}, None
        with self._session():
            for name in order:
                t0 = time.perf_counter()
                status, raw = self._attempt(name, max_iters)
                elapsed = time.perf_counter() - t0
                total += elapsed
                acc = self.accuracy() if status == "optimal" else {}
                if acc and max(acc["rel_gap"], acc["primal_infeasibility"], acc["dual_infeasibility"]) > tol:
                    status = "solver-inaccurate"
                attempts.append({"solver": name, "status": status, "solver_status": raw, "time": elapsed, **acc})
                used = name
                if status == "optimal":
                    break
        ok = status == "optimal"
        return SDPSolve(
            status=status,
            value=acc["primal"] if ok else None,
            dual_value=acc["dual"] if ok else None,
            solver=used,
            solve_time=total,
            gram_dim=self.gram_dim,
            n_constraints=self.n_constraints,
            accuracy={k: acc[k] for k in ("rel_gap", "primal_infeasibility", "dual_infeasibility")} if ok else {},
            attempts=attempts,
        )
