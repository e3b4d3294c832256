"""The fixed computation model: profiles, ordering, statistics, spec errors."""

import math

import numpy as np
import pytest

from ratecheck.asynchrony import MODELS, make_model
from ratecheck.asynchrony.fixed import tau_profile
from ratecheck.errors import SpecError


def fixed(**kw):
    return make_model({"model": "fixed", **kw})


@pytest.mark.parametrize("profile, expected", [
    ("equal", [1, 1, 1, 1]),
    ("sqrt", [1, math.sqrt(2), math.sqrt(3), 2]),
    ("linear", [1, 2, 3, 4]),
    ("quadratic", [1, 4, 9, 16]),
    ("exponential", [1, 10 ** (1 / 3), 10 ** (2 / 3), 10]),
    ("straggler", [1, 1, 1, 10]),
    ("two-clusters", [1, 1, 10, 10]),
])
def test_profiles_match_hand_values(profile, expected):
    m = fixed(n=4, profile=profile, scale=2.0)
    np.testing.assert_allclose(m.tau, 2.0 * np.array(expected), rtol=1e-15)
    np.testing.assert_array_equal(m.work(3, None, np.zeros(5, np.int64)), np.full(5, m.tau[3]))


def test_profile_parameters():
    np.testing.assert_allclose(tau_profile("exponential", 3, spread=100.0), [1, 10, 100])
    np.testing.assert_allclose(tau_profile("two-clusters", 5, spread=3.0, fraction=0.4), [1, 1, 3, 3, 3])
    # spread < 1: one fast worker, sorted first (BR-Q: τ_1 = 0.01, τ_i = 1)
    np.testing.assert_allclose(fixed(n=3, profile="straggler", spread=0.01).tau, [0.01, 1, 1])


def test_list_profile_orders():
    assert fixed(tau=[3, 1, 2]).tau.tolist() == [1, 2, 3]
    assert fixed(tau=[3, 1, 2], order="given").tau.tolist() == [3, 1, 2]
    a = fixed(n=50, profile="linear", order="shuffled", shuffle_seed=7)
    b = fixed(n=50, profile="linear", order="shuffled", shuffle_seed=7)
    c = fixed(n=50, profile="linear", order="shuffled", shuffle_seed=8)
    assert a.tau.tolist() == b.tau.tolist() != c.tau.tolist()
    assert sorted(a.tau.tolist()) == list(range(1, 51))


def test_contract_attributes():
    m = fixed(n=3, profile="linear")
    assert MODELS.get("fixed") is type(m)
    assert m.kind == "duration" and m.random is False and m.n == 3
    assert m.properties == {"fixed-computation", "times-independent-of-samples", "worker-induced-delays"}
    np.testing.assert_array_equal(m.tau_bounds(), [1, 2, 3])
    np.testing.assert_array_equal(m.mean_times(), [1, 2, 3])
    d = m.describe()
    assert d["model"] == "fixed" and d["parameters"]["profile"] == "linear"


def test_statistics_hand_values():
    st = fixed(tau=[1, 2, 4]).statistics()
    assert st["tau_max"] == 4 and st["tau_min"] == 1 and st["tau_avg"] == pytest.approx(7 / 3)
    # H_m = m / Σ_{i≤m} 1/τ_i
    np.testing.assert_allclose(st["H"], [1, 2 / 1.5, 3 / 1.75])
    # harmonic means are computed over the sorted τ even when the order is given
    assert fixed(tau=[4, 1, 2], order="given").statistics()["H"] == st["H"]


def schedule(m, iterations):
    """(time, worker, delay) of each update of vanilla ASGD under model m (every worker busy)."""
    from ratecheck.algorithms.asgd import ASGD
    from ratecheck.engine.ops import GRAD, STEP
    from ratecheck.engine.schedule import ScheduleDriver

    rows, pending = [], None
    for ops in ScheduleDriver(ASGD({"gamma": 1.0}), m, None, seed=0).chunks(iterations, np.inf):
        for i in range(ops.size[0]):
            if ops.kind[i] == GRAD:
                pending = (int(ops.w[i]), int(ops.delay[i]))
            elif ops.kind[i] == STEP:
                rows.append((float(ops.t[i]), *pending))
    return rows


def test_profile_schedule_matches_hand_computation():
    # quadratic profile, scale ½: τ = (0.5, 2, 4.5). Worker i finishes at multiples of τ_i;
    # ties at t = 2, 4, 4.5 go to the lowest index; a delay counts the updates since the
    # worker got its point (all start at x⁰, t = 0).
    m = fixed(n=3, profile="quadratic", scale=0.5)
    assert m.tau.tolist() == [0.5, 2.0, 4.5]
    assert schedule(m, 12) == [(0.5, 0, 0), (1.0, 0, 0), (1.5, 0, 0), (2.0, 0, 0), (2.0, 1, 4), (2.5, 0, 1),
                               (3.0, 0, 0), (3.5, 0, 0), (4.0, 0, 0), (4.0, 1, 4), (4.5, 0, 1), (4.5, 2, 11)]
    # shuffled labels, τ = (4.5, 2, 0.5): the same times, but the fast worker now loses ties
    # to the lower-indexed slow ones, which changes the delays
    m = fixed(n=3, profile="quadratic", scale=0.5, order="shuffled", shuffle_seed=3)
    assert m.tau.tolist() == [4.5, 2.0, 0.5]
    assert schedule(m, 12) == [(0.5, 2, 0), (1.0, 2, 0), (1.5, 2, 0), (2.0, 1, 3), (2.0, 2, 1), (2.5, 2, 0),
                               (3.0, 2, 0), (3.5, 2, 0), (4.0, 1, 4), (4.0, 2, 1), (4.5, 0, 10), (4.5, 2, 1)]


@pytest.mark.parametrize("spec, field", [
    ({"n": 0}, "asynchrony.n"),
    ({"n": 2.5}, "asynchrony.n"),
    ({"tau": []}, "asynchrony.tau"),
    ({"tau": [1, -2]}, "asynchrony.tau[1]"),
    ({"tau": [1, 0]}, "asynchrony.tau[1]"),
    ({"profile": "linear"}, "asynchrony.n"),
    ({"n": 3, "profile": "cubic"}, "asynchrony.profile"),
    ({"n": 3, "scale": -1}, "asynchrony.scale"),
    ({"n": 3, "spread": 2.0}, "asynchrony.spread"),
    ({"n": 3, "profile": "two-clusters", "fraction": 0.2}, "asynchrony.fraction"),
    ({"n": 3, "order": "random"}, "asynchrony.order"),
    ({"n": 3, "shuffle_seed": 1}, "asynchrony.shuffle_seed"),
    ({"n": 3, "tau": [1, 2, 3], "profile": "linear"}, "asynchrony.tau"),
    ({"tau": [1, 2], "n": 3}, "asynchrony.tau"),
    ({"n": 3, "bogus": 1}, "asynchrony.bogus"),
])
def test_bad_input_names_the_field(spec, field):
    with pytest.raises(SpecError) as err:
        fixed(**spec)
    assert err.value.field == field
