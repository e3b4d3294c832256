"""The PEP of a delayed gradient method as a cvxpy SDP, solved with open solvers.

For ``N`` steps the unknowns are the Gram matrix ``G ∈ S^{N+2}_+`` of
``(x_0 − x*, g_0, …, g_N)`` and the values ``F = (f_0 − f*, …, f_N − f*)``. Constraints:
the interpolation inequalities of the smooth (strongly) convex class over the ``N + 2``
points ``x*, x_0, …, x_N`` (:mod:`.gram`, ``(N+2)(N+1)`` rows) and the initial
condition ``‖x_0 − x*‖² ≤ 1`` or ``f_0 − f* ≤ 1``. Every iterate is evaluated, even if
the method never queries its gradient; this does not change the worst case, since any
interpolable subset extends to a function of the class (Taylor et al. 2017, Thm 4).

Criteria (maximised): ``fgap`` f(x_N) − f*, ``gradnorm`` ‖∇f(x_N)‖², ``minfgap``
min_{0≤k≤N} f(x_k) − f* (epigraph variable), ``dist`` ‖x_N − x*‖².

Accuracy. All constraints but the initial condition have right-hand side 0, so the
dual objective is the multiplier λ of the initial condition: λ is the solver's
worst-case *upper bound* (exact when the dual is feasible), the primal objective a
*lower bound* attained by a near-feasible Gram matrix. A solve counts as ``optimal``
only when the solver says so **and** ``|primal − λ| ≤ gap_tol``, the Gram matrix's
smallest eigenvalue is ``≥ −feas_tol`` and no interpolation row is violated by more
than ``feas_tol`` (all in the normalised units L = 1, initial measure 1). Otherwise
the status is one of ``solver-inaccurate``, ``infeasible``, ``unbounded``,
``solver-error`` and no value is given.

Solvers: Clarabel (interior point) first; with ``solver="auto"`` SCS is tried when
Clarabel fails or is inaccurate.
"""

from __future__ import annotations

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
    "minfgap": "min_{0≤k≤N} f(x_k) − f*",
    "dist": "‖x_N − x*‖²",
}
INITIAL = {"dist": "‖x_0 − x*‖² ≤ D²", "fgap": "f(x_0) − f* ≤ Δ"}
SOLVERS = ("auto", "clarabel", "scs")
STATUSES = ("optimal", "solver-inaccurate", "infeasible", "unbounded", "solver-error")

#: Defaults of the acceptance test described in the module docstring.
GAP_TOL = 1e-6
FEAS_TOL = 1e-7

_CVXPY_STATUS = {
    cp.OPTIMAL: "optimal",
    cp.OPTIMAL_INACCURATE: "solver-inaccurate",
    cp.USER_LIMIT: "solver-inaccurate",
    cp.INFEASIBLE: "infeasible",
    cp.INFEASIBLE_INACCURATE: "infeasible",
    cp.UNBOUNDED: "unbounded",
    cp.UNBOUNDED_INACCURATE: "unbounded",
}


@dataclass
class SDPSolve:
    """Outcome of one SDP solve in normalised units (L = 1, initial measure 1).

    ``value`` (primal objective) and ``dual_value`` (λ) are ``None`` unless
    ``status == "optimal"``. ``attempts`` lists every solver tried with its raw status.
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
    """The SDP for ``method`` (already normalised to L = 1) on the class ``F_{q,1}``, q = μ/L."""

    def __init__(self, method: DelayedGD, q: float, criterion: str, initial: str):
        check_choice("criterion", criterion, CRITERIA)
        check_choice("initial", initial, INITIAL)
        if not (0 <= q < 1):
            raise SpecError("mu", f"need 0 <= mu < L, got mu/L = {q!r}")
        self.method, self.q, self.criterion, self.initial = method, q, criterion, initial
        N = method.N
        d = N + 2
        xs = np.vstack([np.zeros(d), method.iterates()])
        gs = np.vstack([np.zeros(d), np.eye(d)[1:]])
        fs = np.concatenate([[-1], np.arange(N + 1)])
        self.a_f, self.a_g = interpolation_rows(Triplets(xs, gs, fs), N + 1, 1.0, q)
        self.gram_dim = d
        self.x_last = xs[-1]

        self.G = cp.Variable((d, d), PSD=True)
        self.F = cp.Variable(N + 1)
        self.rows = self.a_f @ self.F + self.a_g @ cp.vec(self.G, order="C") <= 0
        init = self.G[0, 0] if initial == "dist" else self.F[0]
        self.init = init <= 1
        constraints = [self.rows, self.init]
        if criterion == "fgap":
            objective = self.F[N]
        elif criterion == "gradnorm":
            objective = self.G[N + 1, N + 1]
        elif criterion == "dist":
            objective = self.x_last @ self.G @ self.x_last
        else:
            t = cp.Variable()
            constraints.append(t <= self.F)
            objective = t
        self.problem = cp.Problem(cp.Maximize(objective), constraints)
        # scalar constraints (interpolation rows, initial condition, epigraph rows) + one PSD cone
        self.n_constraints = self.a_f.shape[0] + 1 + (N + 1 if criterion == "minfgap" else 0)

    def _accuracy(self) -> dict:
        G = np.asarray(self.G.value)
        F = np.asarray(self.F.value)
        lam = float(self.init.dual_value)
        primal = float(self.problem.value)
        return {
            "primal": primal,
            "dual": lam,
            "gap": abs(primal - lam),
            "min_eig_gram": float(np.linalg.eigvalsh(0.5 * (G + G.T)).min()),
            "max_violation": float(max(0.0, (self.a_f @ F + self.a_g @ G.ravel()).max())),
        }

    def _solve_with(self, solver: str, max_iters: int | None) -> tuple[str, str]:
        """Run one solver; return (our status, the solver's raw status)."""
        if solver == "clarabel":
            kwargs = {"max_iter": max_iters} if max_iters else {}
            name = cp.CLARABEL
        else:
            kwargs = {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": max_iters or 200_000}
            name = cp.SCS
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # inaccuracy is reported as a status
                self.problem.solve(solver=name, **kwargs)
        except cp.SolverError as exc:
            return "solver-error", f"SolverError: {exc}"
        raw = str(self.problem.status)
        return _CVXPY_STATUS.get(raw, "solver-error"), raw

    def solve(self, solver: str = "auto", max_iters: int | None = None,
              gap_tol: float = GAP_TOL, feas_tol: float = FEAS_TOL) -> SDPSolve:
        check_choice("solver", solver, SOLVERS)
        if max_iters is not None and (int(max_iters) != max_iters or max_iters < 1):
            raise SpecError("max_iters", f"must be an integer >= 1, got {max_iters!r}")
        order = ("clarabel", "scs") if solver == "auto" else (solver,)
        attempts, total = [], 0.0
        status, acc, used = "solver-error", {}, None
        for name in order:
            t0 = time.perf_counter()
            status, raw = self._solve_with(name, max_iters)
            elapsed = time.perf_counter() - t0
            total += elapsed
            acc = {}
            if status == "optimal":
                acc = self._accuracy()
                if acc["gap"] > gap_tol or acc["min_eig_gram"] < -feas_tol or acc["max_violation"] > feas_tol:
                    status = "solver-inaccurate"
            attempts.append({"solver": name, "status": status, "solver_status": raw, "time": elapsed, **acc})
            used = name
            if status in ("optimal", "unbounded", "infeasible"):
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
            accuracy={k: acc[k] for k in ("gap", "min_eig_gram", "max_violation")} if ok else {},
            attempts=attempts,
        )
