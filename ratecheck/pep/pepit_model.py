"""The PEPit backend (the default): delayed GD written in PEPit, solved through PEPit's cvxpy wrapper.

The method is :meth:`DelayedGD.run <ratecheck.pep.methods.DelayedGD.run>` applied to PEPit
points (Goujaud, Moucer, Glineur, Hendrickx, Taylor & Dieuleveut 2024, *Math. Program.
Comput.* 16:337–367, arXiv 2201.04040): ``x_0`` is PEPit's initial point, the gradient
oracle is ``func.gradient`` of a ``SmoothConvexFunction`` (μ = 0) or
``SmoothStronglyConvexFunction``, so PEPit writes the interpolation conditions (Taylor,
Hendrickx & Glineur 2017, Thm 4) over every pair of evaluated points. The optimum is PEPit's
null point with zero gradient and value (``x* = 0, g* = 0, f* = 0``, as in :mod:`.problem`),
not ``func.stationary_point()``: the Gram matrix is then the ``(N+2) × (N+2)`` one of
:mod:`.problem` and of the hand-written backend (:mod:`.sdp`), with the same rows. Where a
stepsize is 0 (filtered rule) the next iterate is the same point and PEPit evaluates it
once: the SDP is smaller, its value the same. ``minfgap`` is an epigraph leaf ``t ≤ f_k``
added as ordinary constraints, so that every multiplier of :func:`.problem.kkt_accuracy`
is a constraint PEPit exposes.

PEPit keeps its model in class attributes (a new ``PEP()`` resets them), so one PEP is
built and solved at a time in a process: the model is built inside the solve, under
a lock. PEPit returns the solver's primal value; the accuracy checks and statuses are
:mod:`.problem`'s, the same as the hand-written backend's. ``solve_time`` counts the solver
calls (PEPit's translation to cvxpy and its post-processing included), not the building of
the model, as for the hand-written backend.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np
from PEPit import PEP, Expression, null_expression, null_point
from PEPit.functions import SmoothConvexFunction, SmoothStronglyConvexFunction
from PEPit.tools.expressions_to_matrices import expression_to_matrices

from .methods import DelayedGD
from .problem import PEPProblem, check_setting, kkt_accuracy

_LOCK = threading.Lock()


class PEPitDelayedGD(PEPProblem):
    """The PEP of ``method`` on L-smooth μ-strongly convex functions, initial measure ≤ ``bound``,
    built with PEPit (module docstring); same interface as :class:`.sdp.DelayedGDPEP`."""

    def __init__(self, method: DelayedGD, L: float = 1.0, mu: float = 0.0, criterion: str = "fgap",
                 initial: str = "dist", bound: float = 1.0):
        check_setting(L, mu, criterion, initial)
        self.method, self.L, self.mu = method, L, mu
        self.criterion, self.initial, self.bound = criterion, initial, bound
        self.gram_dim = self.n_constraints = 0  # known once built (:meth:`_session`)

    def _build(self) -> None:
        N = self.method.N
        self.pep = PEP()
        if self.mu > 0:
            self.func = self.pep.declare_function(SmoothStronglyConvexFunction, L=self.L, mu=self.mu)
        else:
            self.func = self.pep.declare_function(SmoothConvexFunction, L=self.L)
        self.func.add_point((null_point, null_point, null_expression))  # x* = 0, ∇f(x*) = 0, f* = 0
        x0 = self.pep.set_initial_point()
        xs, gs = self.method.run(x0, self.func.gradient)
        self.values = [self.func.value(x) for x in xs]
        self.pep.set_initial_condition(x0 ** 2 <= self.bound if self.initial == "dist" else self.values[0] <= self.bound)
        if self.criterion == "minfgap":
            t = Expression(is_leaf=True)
            for f in self.values:
                self.pep.add_constraint(t <= f)
            self.metric = t
        elif self.criterion == "fgap":
            self.metric = self.values[N]
        elif self.criterion == "gradnorm":
            self.metric = gs[N] ** 2
        elif self.criterion == "avggradnorm":
            self.metric = sum(g ** 2 for g in gs[:N]) / N
        else:
            self.metric = xs[N] ** 2
        self.pep.set_performance_metric(self.metric)
        m = len(self.func.list_of_points)  # the optimum and the distinct iterates
        self.gram_dim = m  # x_0 − x* and one gradient per iterate
        self.n_constraints = m * (m - 1) + len(self.pep.list_of_constraints)

    @contextlib.contextmanager
    def _session(self):
        with _LOCK:
            self._build()
            yield

    def _run(self, name: str, options: dict) -> str:
        # PEPit post-processes even an unconverged answer (its duality-gap warning is printed,
        # and sent to stderr by :meth:`.problem.PEPProblem._attempt`); the status decides.
        self.pep.solve(wrapper="cvxpy", solver=name, verbose=0, return_primal_or_dual="primal", **options)
        return str(self.pep.wrapper.prob.status)

    def accuracy(self) -> dict:
        constraints = self.func.list_of_class_constraints + self.pep.list_of_constraints
        rows = [expression_to_matrices(c.expression) for c in constraints]
        a_g = np.array([r[0].ravel() for r in rows])
        a_f = np.array([r[1] for r in rows])
        b = np.array([r[2] for r in rows], dtype=float)
        lam = np.array([c.eval_dual() for c in constraints], dtype=float)
        c_g, c_f, c_0 = expression_to_matrices(self.metric)
        G, F = np.asarray(self.pep.G_value), np.asarray(self.pep.F_value)
        primal = float(c_f @ F + np.sum(c_g * G) + c_0)
        values = np.array([f.eval() for f in self.values], dtype=float)
        return kkt_accuracy(primal, G, F, values, a_f, a_g, b, lam, c_f, c_g)
