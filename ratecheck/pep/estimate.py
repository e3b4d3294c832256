"""Worst-case performance of delayed gradient methods: normalise, solve, scale back.

Homogeneity (scaling law). Let f be L-smooth and μ-strongly convex with minimiser x*.

* Initial condition ‖x_0 − x*‖² ≤ D²: ``h(y) = (f(x* + D y) − f*)/(L D²)`` is 1-smooth and
  (μ/L)-strongly convex with ‖y_0‖ ≤ 1, and the method with stepsizes γ_k on f is the
  method with stepsizes γ_k L on h (``y_k = (x_k − x*)/D``). Hence
  ``W(L, μ, γ, D) = s · W(1, μ/L, γL, 1)`` with ``s = L D²`` for ``fgap`` and ``minfgap``,
  ``L² D²`` for ``gradnorm`` and ``avggradnorm``, ``D²`` for ``dist``.
* Initial condition f(x_0) − f* ≤ Δ: ``h(y) = (f(x* + r y) − f*)/Δ`` with ``r = √(Δ/L)``
  is again 1-smooth, (μ/L)-strongly convex, with h(y_0) − h* ≤ 1 and stepsizes γ_k L;
  ``s = Δ`` for ``fgap``/``minfgap``, ``L Δ`` for the gradient criteria, ``Δ/L`` for ``dist``.

Every SDP is therefore solved with L = 1 and initial measure 1 (:mod:`.problem`), and the
value is multiplied by ``s`` (``tests/test_pep_scaling.py`` checks the law against SDPs
posed directly with L ≠ 1, D ≠ 1).

Measured with the hand-written backend (``backend="sdp"``; 2 CPU cores shared with other
jobs, load ≈ 7): one SDP takes 0.01–1.5 s for N ≤ 20 with Clarabel (Gram dimension
N + 2, (N+2)(N+1) interpolation rows). The grid N = 1..20 × τ = 0..5 at γ = 1/(L(τ+1))
(120 SDPs) took 35 s, all ``optimal``. At γ = 1/L (where delayed GD is unstable for τ ≥ 2
and the worst case grows to ~10²) Clarabel often stops ``optimal_inaccurate`` and SCS
takes over: N = 1..20 × τ ∈ {0, 1, 2, 5} took 46 s, the slowest single solve 10 s
(N = 20, τ = 5, which ends ``solver-inaccurate``). Enumerating delay sequences costs about
20 ms of CPU per sequence at N = 6. The PEPit backend (the default) poses the same SDPs
5–8 times slower (``benchmarks/pep.py``: about 140 ms of CPU per sequence at N = 6; 4–7 s
per N = 20 solve against 1 s), all certified at N = 20, τ ≤ 5, γ = 1/(L(τ+1)).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from ..errors import SpecError
from .methods import DelayedGD, StepRule
from .backends import DEFAULT_BACKEND, pep_problem
from .problem import CRITERIA, INITIAL, TOL, check_choice

#: Default cap on the number of delay sequences :func:`worst_delays` may enumerate.
MAX_SEQUENCES = 5000


@dataclass(frozen=True)
class FunctionClass:
    """L-smooth, μ-strongly convex functions (μ = 0: smooth convex), 0 ≤ μ < L."""

    L: float = 1.0
    mu: float = 0.0

    def __post_init__(self):
        if not (math.isfinite(self.L) and self.L > 0):
            raise SpecError("L", f"must be > 0, got {self.L!r}")
        if not (math.isfinite(self.mu) and 0 <= self.mu < self.L):
            raise SpecError("mu", f"must satisfy 0 <= mu < L = {self.L}, got {self.mu!r}")


def scale_factor(criterion: str, initial: str, L: float, bound: float) -> float:
    """``s`` of the scaling law (module docstring); ``bound`` is D² or Δ."""
    powers = {"fgap": 1, "minfgap": 1, "gradnorm": 2, "avggradnorm": 2, "dist": 0}
    if initial == "dist":
        return L ** powers[criterion] * bound
    return L ** (powers[criterion] - 1) * bound


@dataclass
class PEPResult:
    """Worst case of one method: ``value`` is ``None`` unless ``status == "optimal"``.

    ``value`` is the primal optimum (attained, up to solver tolerance, by an interpolable
    set of iterates); ``dual_value`` the solver's dual bound λ·s. Both are in the units of
    the given L, D or Δ; ``normalized_value`` is the value at L = 1, bound 1.
    """

    method: dict
    function_class: dict
    initial: dict
    criterion: str
    status: str
    value: float | None
    dual_value: float | None
    normalized_value: float | None
    scale: float
    solver: str | None
    solve_time: float
    gram_dim: int
    n_constraints: int
    backend: str
    accuracy: dict = field(default_factory=dict)
    attempts: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _initial(initial: str, D: float | None, Delta: float | None) -> float:
    check_choice("initial", initial, INITIAL)
    name, v = ("D", D) if initial == "dist" else ("Delta", Delta)
    if v is None:
        raise SpecError(name, f"required by the initial condition {INITIAL[initial]}")
    if not (math.isfinite(v) and v > 0):
        raise SpecError(name, f"must be > 0, got {v!r}")
    return v * v if initial == "dist" else v


def worst_case(method: DelayedGD, fclass: FunctionClass = FunctionClass(), criterion: str = "fgap",
               initial: str = "dist", D: float | None = 1.0, Delta: float | None = None,
               solver: str = "auto", max_iters: int | None = None, backend: str = DEFAULT_BACKEND) -> PEPResult:
    """Worst case of ``criterion`` after ``method.N`` steps over ``fclass`` (module docstring).

    Parameters
    ----------
    method : DelayedGD
        Stepsize, delay sequence and stepsize rule (:mod:`.methods`).
    criterion : {"fgap", "gradnorm", "avggradnorm", "minfgap", "dist"}
    initial : {"dist", "fgap"}
        ``‖x_0 − x*‖² ≤ D²`` or ``f(x_0) − f* ≤ Δ``.
    solver : {"auto", "clarabel", "scs"}
        ``auto``: Clarabel, then SCS if Clarabel does not reach the accuracy of :mod:`.problem`.
    max_iters : int, optional
        Iteration cap passed to the solver(s).
    backend : {"pepit", "sdp"}
        Who builds the SDP (:mod:`.backends`): PEPit (default) or the hand-written one.
    """
    check_choice("criterion", criterion, CRITERIA)
    bound = _initial(initial, D, Delta)
    s = scale_factor(criterion, initial, fclass.L, bound)
    sol = pep_problem(method.scaled(fclass.L), 1.0, fclass.mu / fclass.L, criterion, initial,
                      backend=backend).solve(solver, max_iters)
    ok = sol.value is not None
    return PEPResult(
        method=method.describe(),
        function_class={"L": fclass.L, "mu": fclass.mu},
        initial={"kind": initial, "condition": INITIAL[initial], **({"D": D} if initial == "dist" else {"Delta": Delta})},
        criterion=criterion,
        status=sol.status,
        value=s * sol.value if ok else None,
        dual_value=s * sol.dual_value if ok else None,
        normalized_value=sol.value if ok else None,
        scale=s,
        solver=sol.solver,
        solve_time=sol.solve_time,
        gram_dim=sol.gram_dim,
        n_constraints=sol.n_constraints,
        backend=backend,
        accuracy=sol.accuracy,
        attempts=sol.attempts,
    )


def delay_sequences(N: int, tau_max: int):
    """All effective delay sequences with d_k ≤ min(k, τ_max), k = 0..N−1.

    Requested delays above k read x_0 like d_k = k (:mod:`.methods`), so these are all the
    distinct methods with delays bounded by τ_max: ``∏_k (min(k, τ_max) + 1)`` of them.
    """
    return itertools.product(*(range(min(k, tau_max) + 1) for k in range(N)))


def count_delay_sequences(N: int, tau_max: int) -> int:
    return math.prod(min(k, tau_max) + 1 for k in range(N))


@dataclass
class WorstDelayResult:
    """Worst case over every delay sequence with delays ≤ τ_max (enumerated).

    ``value`` is the worst case over all sequences (up to solver accuracy, see ``worst``),
    reported only when every SDP was solved to the accuracy of :mod:`.problem`; otherwise ``status`` is the failure status
    and ``failed`` lists the sequences whose solve failed. ``worst`` is the result of
    the maximising sequence: the last one enumerated (lexicographically largest delays)
    whose value is within 2·TOL·max(1, v) of the largest v (normalised units; two certified
    solves of one SDP may differ that much). Ties — e.g. the last delay, which
    ``avggradnorm`` never sees — thus go to the most delayed sequence, not to solver noise,
    and both backends name the same one; the most delayed is the stronger adversary where
    the pattern is cycled beyond the horizon (:mod:`ratecheck.falsify.pepdelays`).
    ``value`` is that sequence's value.
    """

    tau_max: int
    N: int
    n_sequences: int
    status: str
    value: float | None
    worst_delays: list | None
    worst: PEPResult | None
    solve_time: float
    failed: list = field(default_factory=list)

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["worst"] = self.worst.as_dict() if self.worst else None
        return d


def worst_delays(gamma: float, N: int, tau_max: int, rule: StepRule = StepRule(),
                 fclass: FunctionClass = FunctionClass(), criterion: str = "fgap", initial: str = "dist",
                 D: float | None = 1.0, Delta: float | None = None, solver: str = "auto",
                 max_iters: int | None = None, max_sequences: int = MAX_SEQUENCES,
                 backend: str = DEFAULT_BACKEND) -> WorstDelayResult:
    """Worst case of ``criterion`` over f **and** over delay sequences bounded by ``tau_max``.

    Enumerates :func:`delay_sequences` (one SDP each) and keeps the maximum. Raises
    :class:`SpecError` when there are more than ``max_sequences`` sequences.
    """
    probe = DelayedGD.constant_delay(gamma, tau_max, N, rule)  # validates gamma, N, tau_max
    count = count_delay_sequences(probe.N, tau_max)
    if count > max_sequences:
        raise SpecError("tau_max", f"N={N} and tau_max={tau_max} give {count} delay sequences, "
                                   f"more than max_sequences={max_sequences}")
    solved, failed, total = [], [], 0.0
    for seq in delay_sequences(probe.N, tau_max):
        res = worst_case(DelayedGD(gamma, seq, rule), fclass, criterion, initial, D, Delta, solver, max_iters, backend)
        total += res.solve_time
        if res.value is None:
            failed.append({"delays": list(seq), "status": res.status})
        else:
            solved.append(res)
    best = None
    if solved:  # the last sequence within two certified accuracies of the largest value
        top = max(r.normalized_value for r in solved)
        best = [r for r in solved if r.normalized_value >= top - 2 * TOL * max(1.0, abs(top))][-1]
    status = failed[0]["status"] if failed else "optimal"
    return WorstDelayResult(
        tau_max=tau_max, N=probe.N, n_sequences=count, status=status,
        value=best.value if best is not None and not failed else None,
        worst_delays=best.method["delays"] if best is not None and not failed else None,
        worst=best if not failed else None,
        solve_time=total, failed=failed,
    )
