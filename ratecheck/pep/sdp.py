"""The hand-written backend: the PEP of delayed GD as one vectorised cvxpy SDP.

The SDP of :mod:`.problem`, written out directly: the Gram basis is
``(x_0 − x*, g_0, …, g_N)``, the iterates are the coefficient vectors of
:meth:`DelayedGD.run <ratecheck.pep.methods.DelayedGD.run>` in that basis, and all
``(N+2)(N+1)`` interpolation inequalities (:mod:`.gram`) are one matrix constraint.
Kept next to the PEPit backend (:mod:`.pepit_model`, the default) because it poses the
worst-delay search's SDPs many times faster (``benchmarks/pep.py``);
``tests/test_pep_backends.py`` checks that the two agree.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from .gram import Triplets, interpolation_rows
from .methods import DelayedGD
from .problem import PEPProblem, check_setting, kkt_accuracy


def gram_iterates(method: DelayedGD) -> np.ndarray:
    """Coefficients of x_0 − x*, …, x_N − x* in the basis (x_0 − x*, g_0, …, g_N); shape (N+1, N+2)."""
    basis = np.eye(method.N + 2)
    gradients = iter(basis[1:])  # run() evaluates x_0, x_1, … in order: g_k is basis vector k + 1
    xs, _ = method.run(basis[0], lambda x: next(gradients))
    return np.array(xs)


class DelayedGDPEP(PEPProblem):
    """The SDP of ``method`` on L-smooth μ-strongly convex functions, initial measure ≤ ``bound``.

    :func:`ratecheck.pep.estimate.worst_case` always poses it with L = 1, bound = 1
    and scales the value; other L and bounds are for checking that scaling law.
    """

    def __init__(self, method: DelayedGD, L: float = 1.0, mu: float = 0.0, criterion: str = "fgap",
                 initial: str = "dist", bound: float = 1.0):
        check_setting(L, mu, criterion, initial)
        self.criterion = criterion
        N = method.N
        d = N + 2
        xs = np.vstack([np.zeros(d), gram_iterates(method)])
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

    def _run(self, name: str, options: dict) -> str:
        self.problem.solve(solver=name, **options)
        return str(self.problem.status)

    def accuracy(self) -> dict:
        """The rows of :func:`kkt_accuracy`: interpolation, initial condition, epigraph t ≤ f_k
        (minfgap, whose F is extended by t)."""
        G, F = np.asarray(self.G.value), np.asarray(self.F.value)
        n = F.size
        a_f = np.vstack([self.a_f, self.init_f])
        a_g = np.vstack([self.a_g, self.init_g.ravel()])
        b = np.zeros(a_f.shape[0])
        b[-1] = -self.bound
        lam = np.append(np.asarray(self.rows.dual_value, dtype=float), float(self.init.dual_value))
        c_f = self.c_f
        values = F
        if self.criterion == "minfgap":  # rows t − f_k ≤ 0 on (F, t), objective t
            F = np.append(F, float(self.t.value))
            a_f = np.block([[a_f, np.zeros((a_f.shape[0], 1))], [-np.eye(n), np.ones((n, 1))]])
            a_g = np.vstack([a_g, np.zeros((n, a_g.shape[1]))])
            b = np.append(b, np.zeros(n))
            lam = np.append(lam, np.asarray(self.epi.dual_value, dtype=float))
            c_f = np.append(np.zeros(n), 1.0)
        return kkt_accuracy(float(self.problem.value), G, F, values, a_f, a_g, b, lam, c_f, self.c_g)
