"""The PEPit backend (default) against the hand-written SDP and against PEPit's own textbook model."""

import threading

import pytest
from PEPit import PEP
from PEPit.functions import SmoothConvexFunction

from ratecheck.errors import SpecError
from ratecheck.pep.backends import BACKENDS, pep_problem
from ratecheck.pep.estimate import FunctionClass, worst_case, worst_delays
from ratecheck.pep.methods import DelayedGD, StepRule
from ratecheck.pep.problem import TOL

METHODS = [
    DelayedGD.constant_delay(1.0, 2, 5),
    DelayedGD(0.8, (0, 1, 0, 2, 1)),
    DelayedGD(0.9, (0, 3, 3, 3), StepRule("filtered", threshold=1)),
    DelayedGD(0.9, (0, 2, 2, 2), StepRule("adaptive", c=1.0)),
]


@pytest.mark.parametrize("method", METHODS, ids=lambda m: ",".join(map(str, m.delays)) + ":" + m.rule.kind)
@pytest.mark.parametrize("criterion, initial, mu", [
    ("fgap", "dist", 0.0), ("gradnorm", "dist", 0.0), ("avggradnorm", "fgap", 0.0),
    ("minfgap", "dist", 0.0), ("dist", "dist", 0.3), ("fgap", "fgap", 0.3),
])
def test_backends_agree(method, criterion, initial, mu):
    """Both certified (relative gap, infeasibilities ≤ TOL = 1e-6): the values agree to 1e-5."""
    res = {b: worst_case(method, FunctionClass(1.0, mu), criterion, initial, D=1.0, Delta=1.0, backend=b)
           for b in BACKENDS}
    assert all(r.status == "optimal" and max(r.accuracy.values()) <= TOL for r in res.values())
    assert res["pepit"].value == pytest.approx(res["sdp"].value, rel=1e-5, abs=1e-9)
    assert res["pepit"].backend == "pepit" and res["sdp"].backend == "sdp"


def test_same_sdp_size_unless_a_step_is_dropped():
    """The PEPit model has the hand-written Gram basis and rows; a zero step repeats a point, evaluated once."""
    for method in METHODS[:2]:
        d = method.N + 2
        for backend in BACKENDS:
            for criterion, extra in (("fgap", 0), ("minfgap", d - 1)):  # minfgap: epigraph rows t ≤ f_k
                sol = pep_problem(method, criterion=criterion, backend=backend).solve()
                assert (sol.gram_dim, sol.n_constraints) == (d, d * (d - 1) + 1 + extra)
    dropped = pep_problem(METHODS[2], backend="pepit").solve()  # x_3 = x_4 = x_2
    assert (dropped.gram_dim, dropped.n_constraints) == (4, 4 * 3 + 1)


def test_worst_delay_search_agrees():
    a, b = (worst_delays(0.5, 4, 2, backend=name) for name in ("pepit", "sdp"))
    assert a.status == b.status == "optimal"
    assert (a.worst.backend, b.worst.backend) == ("pepit", "sdp")
    assert a.value == pytest.approx(b.value, rel=1e-5) and a.worst_delays == b.worst_delays


def test_worst_delay_ties_go_to_the_most_delayed():
    """The average gradient norm never sees x_N, so the last delay ties exactly; solver noise
    (the hand-written SDP's made δ_4 = 0 look 3e-8 worse) must not pick the sequence: the
    last one enumerated, the most delayed."""
    for backend in BACKENDS:
        w = worst_delays(0.5, 5, 1, criterion="avggradnorm", initial="fgap", D=None, Delta=1.0, backend=backend)
        assert w.worst_delays == [0, 1, 1, 1, 1] and w.value == w.worst.value


def test_textbook_pepit_model_agrees():
    """PEPit as its gradient-descent example writes it (stationary point, loop over k)."""
    N, tau, gamma = 4, 1, 0.5
    problem = PEP()
    func = problem.declare_function(SmoothConvexFunction, L=1.0)
    xs = func.stationary_point()
    fs = func(xs)
    x = [problem.set_initial_point()]
    problem.set_initial_condition((x[0] - xs) ** 2 <= 1)
    for k in range(N):
        x.append(x[k] - gamma * func.gradient(x[max(k - tau, 0)]))
    problem.set_performance_metric(func(x[-1]) - fs)
    textbook = problem.solve(verbose=0, solver="CLARABEL")
    ours = worst_case(DelayedGD.constant_delay(gamma, tau, N)).value
    assert ours == pytest.approx(textbook, rel=1e-5)


def test_threads_solve_one_pep_at_a_time():
    """PEPit's model lives in class attributes: concurrent solves must not mix their models."""
    methods = [DelayedGD.constant_delay(1.0, 0, N) for N in (3, 5, 7, 9)]
    values = [None] * len(methods)

    def solve(i):
        values[i] = worst_case(methods[i]).value

    threads = [threading.Thread(target=solve, args=(i,)) for i in range(len(methods))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert values == pytest.approx([1 / (4 * m.N + 2) for m in methods], rel=1e-5)


def test_unknown_backend_names_the_field():
    with pytest.raises(SpecError) as exc:
        worst_case(DelayedGD.constant_delay(1.0, 0, 2), backend="mosek")
    assert exc.value.field == "backend"
