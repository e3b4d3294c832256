"""Stepsize schedules γ_k = γ · s(k): each member of the family against a numpy loop
written from the formula, on the compiled and python replays and the delay-sequence
path; the constant schedule changes nothing; a spec's table is validated field by field
and reaches a fragment only when it is not constant.

The hand trace: on f = ½‖x − x*‖² (quadratic, L = μ = 1, σ² = 0) with one worker every
path runs x_{k+1} = x_k − γ_k ∇f(x_k)."""

import json

import numpy as np
import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.engine.delayed import run_delayed
from ratecheck.engine.run import simulate
from ratecheck.engine.stepsize import record
from ratecheck.errors import SpecError
from ratecheck.execute import run_fragment
from ratecheck.spec import parse_spec
from ratecheck.stepsize import StepsizeSchedule, validated

TABLES = [
    {"decay": 0.5},
    {"decay": 1.0, "k0": 3.0},
    {"decay": 0.7, "k0": 0.5},
    {"warmup": 12},
    {"milestones": [5, 20], "factors": [0.5, 0.1]},
    {"decay": 0.5, "warmup": 6, "milestones": [30], "factors": [0.2]},
]
BALL = {"family": "quadratic", "d": 3, "L": 1.0, "mu": 1.0, "sigma2": 0.0}
ONE = {"model": "fixed", "n": 1, "profile": "equal"}
K, GAMMA = 60, 0.4


def s_by_hand(table: dict, K: int) -> np.ndarray:
    """s(0..K−1) from the formula: warm-up × (1 + k/k0)^(−p) × the factor of the last milestone ≤ k."""
    k = np.arange(K, dtype=float)
    W = table.get("warmup", 0)
    s = np.minimum(1.0, (k + 1) / W) if W else np.ones(K)
    s = s * (1 + k / table.get("k0", 1.0)) ** (-table.get("decay", 0.0))
    steps = np.r_[1.0, table.get("factors", [])]
    return s * steps[np.searchsorted(table.get("milestones", []), k, side="right")]


def by_hand(problem, table, gamma, K, beta=0.0):
    """x_{k+1} = x_k − γ_k ∇f(x_k) (+ β(x_k − x_{k−1}), the heavy-ball rule)."""
    x, v = np.asarray(problem.x0, float).copy(), 0.0
    for gk in gamma * s_by_hand(table, K):
        v = beta * v - gk * problem.grad(x)
        x = x + v
    return x


@pytest.fixture(scope="module")
def ball():
    from ratecheck.problems import make_problem

    return make_problem(BALL)


def test_the_hand_formula_is_the_family():
    s = s_by_hand({"decay": 0.5, "warmup": 4, "milestones": [10], "factors": [0.1]}, 12)
    assert s[0] == 0.25 and s[3] == pytest.approx(0.5) and s[9] == pytest.approx(1 / np.sqrt(10))
    assert s[10] == pytest.approx(0.1 / np.sqrt(11))


@pytest.mark.parametrize("force_python", [False, True])
@pytest.mark.parametrize("table", TABLES, ids=json.dumps)
def test_each_schedule_is_the_hand_loop_on_the_replay(ball, table, force_python):
    sched = record(**validated(table).model_dump())
    (r,) = simulate(ball, make_model(ONE), ALGORITHMS.get("asgd")({"gamma": GAMMA}), [GAMMA], 0, max_iter=K,
                    force_python=force_python, schedule=sched)
    np.testing.assert_allclose(r.x_final, by_hand(ball, table, GAMMA, K), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("force_python", [False, True])
@pytest.mark.parametrize("table", TABLES, ids=json.dumps)
def test_each_schedule_is_the_hand_loop_on_a_delay_sequence(ball, table, force_python):
    sched = record(**validated(table).model_dump())
    r = run_delayed(ball, make_model({"model": "constant", "tau": 0}), GAMMA, 0, K, force_python=force_python,
                    schedule=sched)
    np.testing.assert_allclose(r.x_final, by_hand(ball, table, GAMMA, K), rtol=1e-12, atol=1e-15)


def test_a_momentum_rule_takes_gamma_k_into_its_increment(ball):
    table = TABLES[-1]
    alg = ALGORITHMS.get("polyak-momentum-asgd")({"gamma": GAMMA, "beta": 0.5})
    (r,) = simulate(ball, make_model(ONE), alg, [GAMMA], 0, max_iter=K, schedule=record(**validated(table).model_dump()))
    np.testing.assert_allclose(r.x_final, by_hand(ball, table, GAMMA, K, beta=0.5), rtol=1e-12, atol=1e-15)


def fragment(schedule=None) -> dict:
    return {"problem": {**BALL, "sigma2": 0.1}, "asynchrony": {"model": "fixed", "n": 3, "profile": "sqrt"},
            "method": "asgd", "params": {"gamma": GAMMA}, "seed": 2, "horizon": {"iterations": 80},
            "targets": [0.1], "stop_statistic": None, "track_avg": False, "worker_time": False,
            **({"schedule": schedule} if schedule is not None else {})}


def test_the_constant_schedule_changes_nothing_and_stays_out_of_the_fragment():
    plain = json.dumps(run_fragment(fragment()).to_dict())
    for table in ({}, {"decay": 0}, {"warmup": 1}, {"milestones": [3], "factors": [1.0]}):
        assert StepsizeSchedule.model_validate(table).fragment() is None
        assert json.dumps(run_fragment(fragment(table)).to_dict()) == plain
    assert StepsizeSchedule.model_validate({"decay": 0.5, "k0": 1.0}).fragment() == {"decay": 0.5}
    assert json.dumps(run_fragment(fragment({"decay": 0.5})).to_dict()) != plain


def test_the_spec_key_reaches_the_fragment_and_its_errors_name_the_field():
    from ratecheck.plan import plan

    raw = {"check": {"name": "s", "seeds": 1}, "problem": {**BALL, "sigma2": 0.1},
           "asynchrony": {"model": "fixed", "n": 2, "profile": "sqrt"}, "sweep": {"eps": [0.1]},
           "horizon": {"iterations": 50},
           "algorithms": [{"label": "a", "method": "asgd", "theorem": "none", "params": {"gamma": 0.1},
                           "schedule": {"decay": 0.5, "warmup": 5}},
                          {"label": "b", "method": "asgd", "theorem": "none", "params": {"gamma": 0.1},
                           "schedule": {"decay": 0.0}}]}
    frags = plan(parse_spec(raw)).fragments
    assert frags[0].to_dict()["schedule"] == {"decay": 0.5, "warmup": 5} and "schedule" not in frags[1].to_dict()
    bad = [({"milestones": [10, 5], "factors": [0.1, 0.1]}, "algorithms[0].schedule.milestones"),
           ({"milestones": [10], "factors": [0.1, 0.2]}, "algorithms[0].schedule.factors"),
           ({"decay": -0.5}, "algorithms[0].schedule.decay"), ({"k0": 0}, "algorithms[0].schedule.k0"),
           ({"warmup": 2.5}, "algorithms[0].schedule.warmup"), ({"factors": [0.0]}, "algorithms[0].schedule.factors"),
           ({"decy": 0.5}, "algorithms[0].schedule.decy")]
    for table, field in bad:
        raw["algorithms"][0]["schedule"] = table
        with pytest.raises(SpecError) as err:
            parse_spec(raw)
        assert str(err.value).startswith(f"spec: {field}:"), (str(err.value), field)
    with pytest.raises(SpecError, match=r"^schedule\.decay:"):
        run_fragment(fragment({"decay": -1}))
