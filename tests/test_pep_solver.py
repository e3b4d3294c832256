"""Solver statuses, accuracy reporting and input validation of ratecheck.pep."""

import numpy as np
import pytest

from ratecheck.errors import SpecError
from ratecheck.pep.estimate import FunctionClass, worst_case, worst_delays
from ratecheck.pep.methods import DelayedGD
from ratecheck.pep.backends import pep_problem
from ratecheck.pep.problem import STATUSES, TOL, kkt_accuracy


def test_optimal_solve_reports_size_time_and_accuracy():
    r = worst_case(DelayedGD.constant_delay(1.0, 1, 3))
    assert r.status == "optimal" and r.solver == "clarabel"
    assert r.gram_dim == 5 and r.n_constraints == 5 * 4 + 1
    assert r.solve_time > 0
    assert set(r.accuracy) == {"rel_gap", "primal_infeasibility", "dual_infeasibility"}
    assert max(r.accuracy.values()) <= TOL
    assert abs(r.value - r.dual_value) <= TOL * max(1, r.value)


def test_iteration_limit_is_a_status_not_a_value():
    r = worst_case(DelayedGD.constant_delay(1.0, 1, 4), solver="clarabel", max_iters=2)
    assert r.status == "solver-inaccurate"
    assert r.value is None and r.dual_value is None and r.normalized_value is None
    assert r.attempts == [pytest.approx(r.attempts[0])] and r.attempts[0]["solver_status"] == "user_limit"


def test_fallback_tries_scs_and_keeps_failure(capfd):
    r = worst_case(DelayedGD.constant_delay(1.0, 1, 4), solver="auto", max_iters=2)
    assert [a["solver"] for a in r.attempts] == ["clarabel", "scs"]
    assert r.status in STATUSES and r.status != "optimal" and r.value is None
    assert capfd.readouterr().out == ""  # solver chatter goes to stderr, never into --json output


def test_scs_alone_reaches_the_tight_value():
    r = worst_case(DelayedGD.constant_delay(1.0, 0, 3), solver="scs")
    assert r.status == "optimal" and r.solver == "scs"
    assert r.value == pytest.approx(1 / 14, rel=1e-4)


def test_worst_delay_failure_gives_no_maximum():
    w = worst_delays(1.0, 3, 1, solver="clarabel", max_iters=2)
    assert w.n_sequences == 4 and len(w.failed) == 4
    assert w.status == "solver-inaccurate" and w.value is None and w.worst_delays is None


def test_too_many_sequences_is_refused():
    with pytest.raises(SpecError) as exc:
        worst_delays(0.5, 12, 3, max_sequences=100)
    assert exc.value.field == "tau_max"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(criterion="fval"), "criterion"),
        (dict(initial="box"), "initial"),
        (dict(solver="mosek"), "solver"),
        (dict(max_iters=0), "max_iters"),
        (dict(D=-1.0), "D"),
        (dict(initial="fgap", Delta=None), "Delta"),
        (dict(initial="fgap", Delta=1.0, criterion="dist"), "criterion"),  # unbounded for mu = 0
    ],
)
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(SpecError) as exc:
        worst_case(DelayedGD.constant_delay(1.0, 0, 2), **kwargs)
    assert exc.value.field == field


@pytest.mark.parametrize("L, mu, field", [(0.0, 0.0, "L"), (1.0, 1.0, "mu"), (1.0, -0.1, "mu")])
def test_bad_function_class(L, mu, field):
    with pytest.raises(SpecError) as exc:
        FunctionClass(L, mu)
    assert exc.value.field == field


def test_strongly_convex_distance_from_gap_is_bounded():
    """With mu > 0, ‖x_0 − x*‖² ≤ 2Δ/μ, so the dist criterion under f(x_0) − f* ≤ Δ is finite:
    with N = 0 steps it would be exactly 2Δ/μ; after GD steps it can only shrink."""
    r = worst_case(DelayedGD.constant_delay(1.0, 0, 1), FunctionClass(1.0, 0.5), "dist", "fgap", Delta=1.0)
    assert r.status == "optimal" and 0 < r.value <= 2 / 0.5 + 1e-6


def test_direct_sdp_rejects_unbounded_combination():
    with pytest.raises(SpecError):
        pep_problem(DelayedGD.constant_delay(1.0, 0, 2), 1.0, 0.0, "dist", "fgap")


def test_kkt_accuracy_by_hand():
    """max F + G_11 s.t. F ≤ G_00, G_00 ≤ 1, G_11 ≤ 1, G_00 ≤ 1 (twice): optimum F = 1, G = I, value 2,
    multipliers (1, 1, 1, 0) with dual slack S = −E_00 + E_00 + E_11 − E_11 = 0; each perturbation
    shows in its measure."""
    E00, E11 = np.diag([1.0, 0.0]), np.diag([0.0, 1.0])
    a_f = np.array([[1.0], [0.0], [0.0], [0.0]])
    a_g = np.array([-E00.ravel(), E00.ravel(), E11.ravel(), E00.ravel()])
    b = np.array([0.0, -1.0, -1.0, -1.0])

    def acc(G, lam, primal=2.0):
        return kkt_accuracy(primal, G, np.ones(1), np.ones(1), a_f, a_g, b, np.array(lam), np.ones(1), E11)

    exact = acc(np.eye(2), [1.0, 1.0, 1.0, 0.0])
    assert exact["dual"] == 2.0 and max(exact["rel_gap"], exact["primal_infeasibility"], exact["dual_infeasibility"]) == 0
    assert acc(np.eye(2), [1.0, 1.0, 0.5, 0.0])["dual_infeasibility"] == 0.5  # S = −½E_11
    assert acc(np.eye(2), [0.5, 1.0, 1.0, 0.0])["dual_infeasibility"] == 0.5  # stationarity in F: ½ − 1
    assert acc(np.eye(2), [1.0, 1.25, 1.0, -0.25])["dual_infeasibility"] == 0.25 / 1.25  # S = 0, λ_4 < 0
    assert acc(np.diag([1.0, 1.5]), [1.0, 1.0, 1.0, 0.0])["primal_infeasibility"] == pytest.approx(0.5 / 1.5)
    assert acc(np.diag([1.0, -0.2]), [1.0, 1.0, 1.0, 0.0])["primal_infeasibility"] == pytest.approx(0.2)
    assert acc(np.eye(2), [1.0, 1.0, 1.0, 0.0], primal=2.5)["rel_gap"] == pytest.approx(0.5 / 2.5)
