"""A method and a problem family registered from outside the ratecheck tree.

``plugin-halved-asgd``: vanilla ASGD that applies half of every arriving gradient,

    x^{k+1} = x^k − (γ/2) ∇f(x^{k−δ^k}; ξ),

i.e. ASGD with stepsize γ/2 (Koloskova, Stich, Jaggi 2022, arXiv:2206.08307, Alg. 1).
``plugin-quadratic``: the diagonal quadratic of :mod:`ratecheck.problems.quadratic`
under the plugin's name (its constants exact, as there).
"""

from __future__ import annotations

from numba import njit

from ratecheck.algorithms import ALGORITHMS
from ratecheck.algorithms.base import Algorithm
from ratecheck.engine.loop import apply_now, reassign
from ratecheck.engine.status import ITER
from ratecheck.problems import PROBLEMS
from ratecheck.problems.quadratic import Quadratic


@njit(cache=True, _nrt=False, inline="always")
def halved_arrival(c, ops, prog, st, prm, t, w):
    """Apply half of the arriving gradient; the worker restarts at the new point."""
    apply_now(c, ops, prog, w, t, 0.5, prog[ITER] - st.disp[w])
    reassign(c, ops, prog, st.disp, w, t)


@ALGORITHMS.register("plugin-halved-asgd")
class HalvedASGD(Algorithm):
    theorem = "plugin-halved-asgd"
    on_arrival = staticmethod(halved_arrival)


@PROBLEMS.register("plugin-quadratic")
class PluginQuadratic(Quadratic):
    """The quadratic family under a plugin's name."""
