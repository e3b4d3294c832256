"""The fast engine against the plain reference simulator of ``benchmarks/reference.py``
(a heapq loop with one numpy update per event, sharing no code with the engine): for
the same seed and noise draws, every replayable method gives the same trajectory."""

import sys
from pathlib import Path

import numpy as np
import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.engine.noise import noise_key, normals
from ratecheck.engine.run import simulate
from ratecheck.problems import make_problem

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from reference import reference_run  # noqa: E402

SEED, K = 7, 400
CASES = [
    ("asgd", {}),
    ("delay-adaptive-asgd", {}),
    ("delay-filtered-sgd", {"threshold": 3}),
    ("ringmaster-asgd", {"R": 3, "stops": 1}),
    ("ringmaster-asgd", {"R": 2, "stops": 0}),
    ("rennala-sgd", {"S": 4}),
    ("minibatch-sgd", {}),
]


@pytest.fixture(scope="module")
def quad():
    return make_problem({"family": "quadratic", "d": 6, "L": 1.0, "mu": 0.1, "spectrum": "linear", "sigma2": 0.5})


@pytest.mark.parametrize("profile", ["sqrt", "equal"])
@pytest.mark.parametrize("method,params", CASES)
def test_engine_trajectory_equals_reference(quad, method, params, profile):
    n, gamma = 5, 0.15
    model = make_model({"model": "fixed", "n": n, "profile": profile})
    (res,) = simulate(quad, model, ALGORITHMS.get(method)({"gamma": gamma, **params}), [gamma], SEED, max_iter=K)
    key = noise_key(SEED)
    xs = reference_run(method, quad.eigenvalues, quad.x_star, quad.noise_scale, model.tau, gamma, K,
                       noise=lambda w, k: normals(key, np.array([w]), np.array([k]), quad.d)[0],
                       x0=quad.x0, **params)
    fgap = np.array([quad.f(x) - quad.f_star for x in xs])
    dist = np.array([np.sum((x - quad.x_star) ** 2) for x in xs])
    its = res.checkpoints["iteration"].astype(int)
    assert its[-1] == K
    np.testing.assert_allclose(res.checkpoints["fgap"], fgap[its], rtol=1e-12)
    np.testing.assert_allclose(res.checkpoints["dist_sq"], dist[its], rtol=1e-12)


@pytest.mark.parametrize("method,params", [("asgd", {}), ("rennala-sgd", {"S": 3})])
def test_long_runs_refill_the_work_tables_correctly(quad, method, params):
    """Two workers and 12 000 updates: each worker computes past the 4096 draws its work
    table holds, so the refills (constant-work tables: only the base moves) are exercised."""
    gamma, K = 0.05, 12_000
    model = make_model({"model": "fixed", "tau": [1.0, 1.7]})
    (res,) = simulate(quad, model, ALGORITHMS.get(method)({"gamma": gamma, **params}), [gamma], SEED, max_iter=K)
    key = noise_key(SEED)
    xs = reference_run(method, quad.eigenvalues, quad.x_star, quad.noise_scale, model.tau, gamma, K,
                       noise=lambda w, k: normals(key, np.array([w]), np.array([k]), quad.d)[0],
                       x0=quad.x0, **params)
    assert res.final["computed"] > 2 * 4096
    its = res.checkpoints["iteration"].astype(int)
    fgap = np.array([quad.f(xs[i]) - quad.f_star for i in its])
    np.testing.assert_allclose(res.checkpoints["fgap"], fgap, rtol=1e-12)


def test_many_workers_refill_narrow_constant_tables(quad):
    """5000 workers: the constant-work tables are 32 draws wide (they are kept ≤ 2¹⁷
    entries), so the fast workers refill them many times within 20 000 updates."""
    n, gamma, K = 5000, 0.002, 20_000
    model = make_model({"model": "fixed", "n": n, "profile": "sqrt"})
    (res,) = simulate(quad, model, ALGORITHMS.get("asgd")({"gamma": gamma}), [gamma], SEED, max_iter=K)
    key = noise_key(SEED)
    xs = reference_run("asgd", quad.eigenvalues, quad.x_star, quad.noise_scale, model.tau, gamma, K,
                       noise=lambda w, k: normals(key, np.array([w]), np.array([k]), quad.d)[0], x0=quad.x0)
    its = res.checkpoints["iteration"].astype(int)
    assert its[-1] == K
    fgap = np.array([quad.f(xs[i]) - quad.f_star for i in its])
    np.testing.assert_allclose(res.checkpoints["fgap"], fgap, rtol=1e-12)
