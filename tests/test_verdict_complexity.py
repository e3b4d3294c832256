"""observed_complexity and value_at on synthetic runs with hand-computed hits."""

import math

import numpy as np
import pytest

from ratecheck.verdict import observed_complexity
from ratecheck.verdict.complexity import value_at
from test_verdict_synthetic import make_run

PT = {"eps": 0.01}


def test_values_are_the_exact_hits_sorted_by_seed():
    cs = {3: 1.0, 1: 2.0, 2: 3.0}
    runs = [make_run("a", s, PT, c, dt=0.5) for s, c in cs.items()]
    oc = observed_complexity(runs, "avg_grad_sq", 0.01, "time")
    assert oc["seeds"] == [1, 2, 3]
    assert oc["values"] == [100.0, 150.0, 50.0]  # ⌈c/ε⌉ · dt
    assert oc["censored"] == [False, False, False]
    assert oc["median"]["value"] == 100.0
    assert oc["mean"]["value"] == pytest.approx(100.0) and not oc["mean"]["lower_bound"]
    lo, hi = oc["mean"]["ci"]
    assert 50.0 <= lo <= 100.0 <= hi <= 150.0
    assert oc["unit"] == "virtual seconds"


def test_censored_and_failed_seeds_are_kept_as_infinite():
    runs = [make_run("a", s, PT, 1.0) for s in range(3)]  # hits at 100
    runs.append(make_run("a", 3, PT, 1e9, horizon=10**5))  # never reaches ε
    runs.append(make_run("a", 4, PT, 1.0, status="diverged"))
    oc = observed_complexity(runs, "avg_grad_sq", 0.01, "iterations")
    assert oc["censored"] == [False, False, False, True, True]
    assert oc["values"][3] == 1e5  # censored at the horizon
    assert oc["n_censored"] == 2 and oc["statuses"][4] == "diverged"
    assert oc["median"]["value"] == 100.0  # 3 of 5 known, all below the censored ones
    assert oc["mean"]["lower_bound"] and oc["mean"]["ci"] is None
    assert oc["median"]["ci"][1] == math.inf  # resamples with ≥ 3 censored seeds


def test_observed_complexity_is_reproducible_and_rejects_unknown_measures():
    runs = [make_run("a", s, PT, 1.0 + 0.1 * s) for s in range(6)]
    a = observed_complexity(runs, "avg_grad_sq", 0.01, "computed")
    b = observed_complexity(list(reversed(runs)), "avg_grad_sq", 0.01, "computed")
    assert a == b
    with pytest.raises(ValueError):
        observed_complexity(runs, "avg_grad_sq", 0.01, "seconds")


def test_value_at_reads_the_first_checkpoint_past_the_bound():
    r = make_run("a", 0, PT, 10.0, horizon=10**4)
    grid = r.checkpoints["iteration"]
    j = int(np.searchsorted(grid, 500.0))
    v, at, state = value_at(r, "avg_grad_sq", "iterations", 500.0)
    assert state == "ok" and at == grid[j] >= 500.0 and grid[j - 1] < 500.0
    assert v == pytest.approx(10.0 / grid[j])
    assert value_at(r, "avg_grad_sq", "iterations", 2e4)[2] == "short"
    assert value_at(make_run("a", 1, PT, 10.0, status="error"), "avg_grad_sq", "iterations", 5.0)[:1] == (math.inf,)
