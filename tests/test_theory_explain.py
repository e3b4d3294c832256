"""``ratecheck explain``: the printed numbers are the card's, the live run is a plain simulate()."""

import math
import subprocess
import sys

import numpy as np
import pytest

from ratecheck.errors import SpecError
from ratecheck.problems import make_problem
from ratecheck.theory import load_card
from ratecheck.theory.explain import _no_live, _num, explain

SQRT8 = np.sqrt(np.arange(1, 9, dtype=float))


def default_delta() -> float:
    return make_problem({"family": "quadratic", "d": 10, "L": 1.0, "mu": 0.1, "sigma2": 1.0}).constants["Delta"].value


def test_printed_parameters_and_bounds_are_the_cards_on_the_default_instance():
    ex = explain("ringmaster-asgd", run=False)
    D = default_delta()
    ev = load_card("ringmaster-asgd").evaluate({"L": 1.0, "sigma2": 1.0, "Delta": D, "eps": 0.1, "n": 8}, SQRT8)
    assert ex.evaluation.bounds == ev.bounds and ex.evaluation.parameters == ev.parameters
    # by hand: R = ⌈σ²/ε⌉ = 10, γ = min(1/(2RL), ε/(4Lσ²)) = 0.025, K = ⌈8RLΔ/ε + 16σ²LΔ/ε²⌉ = ⌈2400 Δ⌉
    assert ev.parameters["R"] == 10 and ev.parameters["gamma"] == 0.025
    assert ev.bounds["iterations"] == math.ceil(2400 * D)
    text = ex.text
    assert f"= {math.ceil(2400 * D)}  — K with" in text
    assert "R = Max(1, ceiling(sigma2/eps)) = 10" in text and "= 0.025  — stepsize" in text
    assert "- bounded-variance: E‖g(x;ξ) − ∇f(x)‖² ≤ σ² for all x" in text  # vocabulary explained
    assert "over k = 0, …, K (K + 1 iterates)" in text
    assert "all hold here." in text and ex.live is None and "not run (--no-run)" in text


def test_set_overrides_parameters_and_reports_violated_conditions():
    ex = explain("ringmaster-asgd", {"R": 2, "gamma": 0.9}, run=False)
    D = default_delta()
    assert ex.evaluation.bounds["iterations"] == math.ceil(8 * 2 * D / 0.1 + 16 * D / 0.01)
    assert "(set by hand: 0.9)" in ex.text
    assert "violated here: gamma = 0.9 > 1/(2*L*R) = 0.25" in ex.text  # 1/(2·2·1)
    assert "violated here: gamma = 0.9 > eps/(4*L*sigma2) = 0.025" in ex.text
    # an instance knob rebuilds the instance: ε = 0.2 gives R = ⌈1/0.2⌉ = 5
    assert explain("ringmaster-asgd", {"eps": 0.2}, run=False).evaluation.parameters["R"] == 5


def test_cards_without_a_live_example_say_why():
    assert "a lower bound holds for every method" in explain("lower-bound-homogeneous").no_live
    assert "no method of the catalog" in explain("picky-sgd").no_live
    # no bundled card assumes more than the default instance declares: the reason, directly
    card = load_card("ordered-momentum-dd")
    why = _no_live(card, "ordered-momentum-asgd", {}, ["data-dependent-delays"], card.evaluate({}))
    assert "data-dependent-delays" in why and "write a check spec" in why
    ex = explain("ringmaster-asgd", {"Delta": 1.0})
    assert "Delta set by hand" in ex.no_live and ex.evaluation.bounds["iterations"] == math.ceil(2400 * 1.0)


def test_bad_input_names_the_field():
    with pytest.raises(SpecError) as e:
        explain("ringmaster-asgd", {"Lipschitz": 1.0}, run=False)
    assert e.value.field == "Lipschitz"
    res = subprocess.run([sys.executable, "-m", "ratecheck.cli", "explain", "ringmaster-asgd", "--no-run", "--tau-profile", "cubic:n=3"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "--tau-profile" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.slow
def test_live_example_is_a_plain_simulation_with_the_same_seed():
    from ratecheck.algorithms import ALGORITHMS
    from ratecheck.asynchrony import make_model
    from ratecheck.engine.run import simulate

    ex = explain("rennala-sgd", {"eps": 0.2}, seed=3)
    lv = ex.live
    assert lv["seeds"] == [3, 4, 5] and lv["prediction"]["bounds"]["iterations"] == ex.evaluation.bounds["iterations"]
    problem = make_problem({"family": "quadratic", "d": 10, "L": 1.0, "mu": 0.1, "sigma2": 1.0})
    model = make_model({"model": "fixed", "n": 8, "profile": "sqrt"})
    params = dict(lv["params"])
    for j, seed in enumerate(lv["seeds"]):
        (r,) = simulate(problem, model, ALGORITHMS.get("rennala-sgd")(params), [params["gamma"]], seed,
                        max_iter=lv["horizon"]["iterations"], targets=[0.2], stop_statistic="avg_grad_sq")
        k, t = r.hit("avg_grad_sq", 0.2)[:2]
        # Rennala's card averages over k = 0..K−1: K = the trace's first hit + 1
        assert lv["iterations"]["values"][j] == k + 1 and not lv["iterations"]["censored"][j]
        # its time is that of iteration K when K is a checkpoint, else the hit's own
        at = np.flatnonzero(r.checkpoints["iteration"] == k + 1)
        assert lv["time"]["values"][j] == (r.checkpoints["time"][at[0]] if at.size else t)
    med = float(np.median(lv["iterations"]["values"]))
    assert f"median observed {_num(med)} iterations" in ex.text
    assert lv["iterations"]["ratio"] == pytest.approx(med / ex.evaluation.bounds["iterations"])


def test_inputs_the_instance_fixes_come_from_the_schedule():
    """ASGD at τ = (1, 2, 3): delays 0, 0, 2, 1, 4, 1, 3, 1, 0, 2, 5 then the same every 6 seconds
    (tests/test_engine_schedule.py), so delay_max = 5; three workers at most in flight."""
    from ratecheck.asynchrony import make_model
    from ratecheck.theory.explain import schedule_inputs

    card, model = load_card("asgd"), make_model({"model": "fixed", "profile": "list", "tau": [1.0, 2.0, 3.0]})
    assert schedule_inputs(card, "asgd", model, None, {}, 0) == {"delay_max": 5, "concurrency": 3}
    assert schedule_inputs(card, "asgd", model, None, {"delay_max": 9.0}, 0) == {"concurrency": 3}
    ex = explain("asgd", run=False)  # the card's O(·) iteration bound is evaluated: a live example can run
    assert ex.values["concurrency"] == 8 and ex.values["delay_max"] >= 7 and "iterations" in ex.evaluation.bounds
    assert ex.no_live == "not run (--no-run)"


def test_a_card_with_a_time_bound_only_runs_to_a_multiple_of_it():
    from ratecheck.theory.explain import HIDDEN_FACTOR, MAX_ITERATIONS, _check_spec

    ex = explain("naive-optimal-asgd", run=False)
    assert "iterations" not in ex.evaluation.bounds and ex.no_live == "not run (--no-run)"
    spec = _check_spec(ex.card, "naive-optimal-asgd", {}, {"family": "quadratic"}, {"model": "fixed"}, 0.1, 0, ex.evaluation.bounds)
    assert spec["horizon"] == {"factor": HIDDEN_FACTOR, "time": HIDDEN_FACTOR * ex.evaluation.bounds["time"],
                               "iterations": MAX_ITERATIONS, "stop_at_target": True}
