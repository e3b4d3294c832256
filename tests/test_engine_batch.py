"""A batch of stepsizes is B single runs: member b of ``simulate(..., gammas)`` equals
``simulate(..., [gammas[b]])`` in every field, bit for bit, whatever the other members do
(diverge, hit their targets first, run on), and :func:`batchable` says when runs may share
a call.

The op stream is cut into tiny chunks (``CHUNK``) so that a diverged member's single
run, which replays to the end of the chunk it diverged in, ends well before the batch."""

import json
from collections import namedtuple

import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.algorithms.asgd import ASGD
from ratecheck.asynchrony import make_model
from ratecheck.engine import schedule
from ratecheck.engine.run import batchable, simulate
from ratecheck.problems import make_problem

#: a slow member, two that hit the targets at different updates, one that diverges
GAMMAS = [0.004, 0.05, 0.3, 40.0]


@pytest.fixture(scope="module")
def quad():
    return make_problem({"family": "quadratic", "d": 4, "L": 2.0, "mu": 0.2, "spectrum": "linear", "sigma2": 0.05})


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(schedule, "CHUNK", 64)


def random_model():
    return make_model({"model": "random", "n": 5})


def fields(r) -> dict:
    """Every field of a result as JSON (NaN-safe, floats by their repr: bit for bit)."""
    return {k: json.dumps(v, sort_keys=True) for k, v in r.to_dict().items()}


def assert_members_are_single_runs(problem, model, alg, gammas, **kw):
    batch = simulate(problem, model, alg, gammas, 3, **kw)
    for g, member in zip(gammas, batch):
        (alone,) = simulate(problem, model, alg, [g], 3, **kw)
        got, want = fields(member), fields(alone)
        for key in want:
            assert got[key] == want[key], f"γ = {g}: {key} differs from the single run's"
        # and the single run ends where it should: at its last checkpoint, not before it diverged
        assert alone.final["iteration"] == alone.checkpoints["iteration"][-1]
        assert alone.final["iteration"] >= alone.final.get("diverged", {}).get("iteration", 0)
    return batch


@pytest.mark.parametrize("stop", [None, "fgap"])
@pytest.mark.parametrize("name", ALGORITHMS.names())
def test_every_member_equals_its_single_run(quad, small_chunks, name, stop):
    """Every method, with and without a stop statistic (worker time with it, f(x̄) without)."""
    alg = ALGORITHMS.get(name)({"gamma": 1.0, **ALGORITHMS.get(name).example})
    batch = assert_members_are_single_runs(quad, random_model(), alg, GAMMAS, max_iter=400, targets=[0.3, 0.05],
                                           stop_statistic=stop, worker_time=stop is not None, track_avg=stop is None)
    assert [r.status for r in batch[:2]] == ["ok", "ok"] and batch[-1].status == "diverged"
    assert len({r.final["iteration"] for r in batch}) > 1  # the members' runs end at different updates


@pytest.mark.parametrize("force_python", [False, True])
@pytest.mark.parametrize("stop", [None, "fgap_avg"])
def test_time_horizon_and_the_python_replay(quad, small_chunks, force_python, stop):
    alg = ALGORITHMS.get("ringmaster-asgd")({"gamma": 1.0, "R": 2})
    batch = assert_members_are_single_runs(quad, random_model(), alg, GAMMAS, max_time=60.0, targets=[0.3, 0.05],
                                           stop_statistic=stop, track_avg=True, worker_time=True,
                                           force_python=force_python)
    ends = {r.final["iteration"] for r in batch}
    assert len(ends) > 1  # the members' runs end at different updates: the case under test


def test_a_member_done_at_x0_and_one_diverged_at_once(quad, small_chunks):
    """Targets above f(x₀) − f*: with a stop statistic every member is done at x₀ (no
    update, no delay) while the batch still ends; without, the members run on."""
    alg = ALGORITHMS.get("asgd")({"gamma": 1.0})
    high = float(quad.f(quad.x0) - quad.f_star) * 2
    done = assert_members_are_single_runs(quad, random_model(), alg, [0.05, 40.0], max_iter=200, targets=[high],
                                          stop_statistic="fgap")
    assert all(r.final["iteration"] == 0 and r.delay_counts.tolist() == [0] for r in done)


def test_batchable_is_true_for_compute_models_false_for_delay_sequences_and_gamma_schedules():
    fixed, data = make_model({"model": "fixed", "n": 4, "profile": "sqrt"}), make_model({"model": "random", "n": 3})
    for name in ALGORITHMS.names():
        alg = ALGORITHMS.get(name)({"gamma": 0.1, **ALGORITHMS.get(name).example})
        assert batchable(fixed, alg) and batchable(data, alg), name
    asgd = ALGORITHMS.get("asgd")({"gamma": 0.1})
    assert not batchable(make_model({"model": "constant", "tau": 2}), asgd)
    assert not batchable(make_model({"model": "adversarial", "tau_max": 2}), asgd)
    assert not batchable(fixed, _GammaSchedule({"gamma": 0.1}))


_Gamma = namedtuple("_Gamma", "gamma")


class _GammaSchedule(ASGD):
    """A schedule that would read γ (none of the catalog's does): not batchable."""

    def kernel_params(self):
        return _Gamma(self.params["gamma"])
