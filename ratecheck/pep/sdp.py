"""The PEP of a delayed gradient method as a cvxpy SDP, solved with open solvers.

For ``N`` steps the unknowns are the Gram matrix ``G ∈ S^{N+2}_+`` of
``(x_0 − x*, g_0, …, g_N)`` and the values ``F = (f_0 − f*, …, f_N − f*)``. Constraints:
the interpolation inequalities of the smooth (strongly) convex class over the ``N + 2``
points ``x*, x_0, …, x_N`` (:mod:`.gram`, ``(N+2)(N+1)`` rows) and the initial
condition ``‖x_0 − x*‖² ≤ B`` or ``f_0 − f* ≤ B``. Every iterate is evaluated, even if
the method never queries its gradient; this does not change the worst case, since any
interpolable subset extends to a function of the class (Taylor et al. 2017, Thm 4).

Criteria (maximised): ``fgap`` f(x_N) − f*, ``gradnorm`` ‖∇f(x_N)‖², ``avggradnorm``
(1/N) Σ_{k=0}^{N−1} ‖∇f(x_k)‖² (the ``avg_grad_sq`` statistic of cards with range
``0..K-1``), ``minfgap`` min_{0≤k≤N} f(x_k) − f* (epigraph variable t ≤ f_k),
``dist`` ‖x_N − x*‖².

The SDP is always feasible (G = 0, F = 0) and bounded: from ‖x_0 − x*‖ ≤ D, or from
‖g_0‖² ≤ 2L(f_0 − f*), the steps, gradients and values stay bounded by induction —
except for ``dist`` under ``f_0 − f* ≤ Δ`` with μ = 0 (f constant), which is refused.
A solver's claim of infeasibility or unboundedness is therefore a numerical failure.

Accuracy. Every constraint but the initial condition has right-hand side 0, so the
dual objective is ``ν·B`` with ν the multiplier of the initial condition. After a
solve the primal point and the dual multipliers are checked directly: relative
duality gap ``|p − νB|/max(1, |p|)``; primal feasibility (smallest eigenvalue of G,
largest violated interpolation row, relative to the size of G and F); dual
feasibility (the stationarity residual in F (and t), the smallest eigenvalue of the
dual slack ``S = Σ λ_i A_i + ν A_init − C ⪰ 0``, negative multipliers, relative to
the size of the multipliers). A solve is ``optimal`` only when the solver says so and
all these are ≤ ``tol``; otherwise the status is ``solver-inaccurate`` (iteration
limit, inaccurate solve, tolerance not met, or a spurious infeasibility/unboundedness
certificate; the solver's raw status is kept in ``attempts``) or ``solver-error``
(the solver raised), and no value is given.

Solvers: Clarabel (interior point) first; with ``solver="auto"`` SCS is tried when
Clarabel fails or misses the tolerance.
"""

from __future__ import annotations

import contextlib
import sys
import time
import warnings
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np

from ..errors import SpecError
from .gram import Triplets, interpolation_rows
from .methods import DelayedGD

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


class DelayedGDPEP:
    """The SDP of ``method`` on L-smooth μ-strongly convex functions, initial measure ≤ ``bound``.

    :func:`ratecheck.pep.estimate.worst_case` always poses it with L = 1, bound = 1
    and scales the value; other L and bounds are for checking that scaling law.
    """

    def __init__(self, method: DelayedGD, L: float = 1.0, mu: float = 0.0, criterion: str = "fgap",
                 initial: str = "dist", bound: float = 1.0):
        check_choice("criterion", criterion, CRITERIA)
        check_choice("initial", initial, INITIAL)
        if not (0 <= mu < L):
            raise SpecError("mu", f"need 0 <= mu < L, got mu={mu!r}, L={L!r}")
        if criterion == "dist" and initial == "fgap" and mu == 0:
            raise SpecError("criterion", "‖x_N − x*‖² is unbounded given only f(x_0) − f* ≤ Δ when mu = 0")
        self.criterion = criterion
        N = method.N
        d = N + 2
        xs = np.vstack([np.zeros(d), method.iterates()])
        gs = np.vstack([np.zeros(d), np.eye(d)[1:]])
        fs = np.concatenate([[-1], np.arange(N + 1)])
        self.a_f, self.a_g = interpolation_rows(Triplets(xs, gs, fs), N + 1, L, mu)
        self.gram_dim, self.bound = d, bound

        # objective c = (c_F, c_G) and initial condition row (init_F, init_G)
        self.c_f, self.c_g = np.zeros(N + 1), np.zeros((d, d))
        if criterion == "fgap":
            self.c_f[N] = 1.0
        elif criterion == "gradnorm":
            self.c_g[N + 1, N + 1] = 1.0
        elif criterion == "avggradnorm":
            self.c_g[np.arange(1, N + 1), np.arange(1, N + 1)] = 1.0 / N
        elif criterion == "dist":
            self.c_g = np.outer(xs[-1], xs[-1])
        self.init_f, self.init_g = np.zeros(N + 1), np.zeros((d, d))
        if initial == "dist":
            self.init_g[0, 0] = 1.0
        else:
            self.init_f[0] = 1.0

        self.G = cp.Variable((d, d), PSD=True)
        self.F = cp.Variable(N + 1)
        vec_g = cp.vec(self.G, order="C")
        self.rows = self.a_f @ self.F + self.a_g @ vec_g <= 0
        self.init = self.init_f @ self.F + self.init_g.ravel() @ vec_g <= bound
        constraints = [self.rows, self.init]
        if criterion == "minfgap":
            self.t = cp.Variable()
            self.epi = self.t <= self.F
            constraints.append(self.epi)
            objective = self.t
        else:
            objective = self.c_f @ self.F + self.c_g.ravel() @ vec_g
        self.problem = cp.Problem(cp.Maximize(objective), constraints)
        # scalar constraints (interpolation rows, initial condition, epigraph rows) + one PSD cone
        self.n_constraints = self.a_f.shape[0] + 1 + (N + 1 if criterion == "minfgap" else 0)

    def accuracy(self) -> dict:
        """Relative duality gap, primal and dual infeasibility of the current solution."""
        G, F = np.asarray(self.G.value), np.asarray(self.F.value)
        G = 0.5 * (G + G.T)
        lam = np.asarray(self.rows.dual_value, dtype=float)
        nu = float(self.init.dual_value)
        primal = float(self.problem.value)
        dual = nu * self.bound
        # stationarity of the Lagrangian in F (and t), dual slack in G
        r_f = self.a_f.T @ lam + nu * self.init_f - self.c_f
        r_t = 0.0
        neg = min(0.0, lam.min(), nu)
        if self.criterion == "minfgap":
            eta = np.asarray(self.epi.dual_value, dtype=float)
            r_f = r_f - eta
            r_t = float(eta.sum()) - 1.0
            neg = min(neg, float(eta.min()))
        S = (self.a_g.T @ lam).reshape(G.shape) + nu * self.init_g - self.c_g
        S = 0.5 * (S + S.T)
        size_p = max(1.0, float(np.abs(np.diag(G)).max()), float(np.abs(F).max()))
        size_d = max(1.0, abs(nu), float(np.abs(lam).max()))
        return {
            "primal": primal,
            "dual": dual,
            "rel_gap": abs(primal - dual) / max(1.0, abs(primal)),
            "primal_infeasibility": max(0.0, -float(np.linalg.eigvalsh(G).min()),
                                        float((self.a_f @ F + self.a_g @ G.ravel()).max())) / size_p,
            "dual_infeasibility": max(float(np.abs(r_f).max()), abs(r_t), -neg,
                                      -float(np.linalg.eigvalsh(S).min())) / size_d,
        }

    def _solve_with(self, solver: str, max_iters: int | None) -> tuple[str, str]:
        """Run one solver; return (our status before the accuracy check, the solver's raw status)."""
        if solver == "clarabel":
            name, kwargs = cp.CLARABEL, ({"max_iter": max_iters} if max_iters else {})
        else:
            name, kwargs = cp.SCS, {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": max_iters or SCS_MAX_ITERS}
        try:
            # SCS prints failures to Python's stdout: send them to stderr so --json output stays clean
            with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
                warnings.simplefilter("ignore")  # inaccuracy is reported as a status
                self.problem.solve(solver=name, **kwargs)
        except cp.SolverError as exc:
            return "solver-error", f"SolverError: {exc}"
        raw = str(self.problem.status)
        return ("optimal" if raw == cp.OPTIMAL else "solver-inaccurate"), raw

    def solve(self, solver: str = "auto", max_iters: int | None = None, tol: float = TOL) -> SDPSolve:
        check_choice("solver", solver, SOLVERS)
        if max_iters is not None and (isinstance(max_iters, bool) or int(max_iters) != max_iters or max_iters < 1):
            raise SpecError("max_iters", f"must be an integer >= 1, got {max_iters!r}")
        order = ("clarabel", "scs") if solver == "auto" else (solver,)
        attempts, total = [], 0.0
        status, acc, used = "solver-error", {}, None
        for name in order:
            t0 = time.perf_counter()
            status, raw = self._solve_with(name, max_iters)
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
