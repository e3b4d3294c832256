"""Ordered momentum: OrMo / OrMo-DA (Shi, Yang, Li 2024) and the data-dependent-delay
methods of Dahan, Reshef, Goldstein, Levy (2026), all reconstructed (see their modules).

* a hand trace with n = 3 workers and out-of-order arrivals: the weight each gradient
  gets from its designated iteration, read off the op stream;
* each rule against a direct numpy transcription in *closed form* (every arrived
  gradient summed with the weight of its own iteration, not a recursion);
* one worker: each ordered method is its synchronous counterpart step for step;
  three workers: it is not the arrival-order baseline;
* compiled = numpy replay, conformance, parameter errors.

Setting as in test_algorithms_momentum.py: fixed τ = (1, 2, 3), every worker starts at
t = 0, ties go to the lowest worker index; (worker, delay) of the first 11 updates:
"""

import numpy as np
import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.engine.noise import noise_key, normals
from ratecheck.engine.ops import GRAD, STEP
from ratecheck.engine.run import simulate
from ratecheck.errors import SpecError
from ratecheck.problems import make_problem
from ratecheck.testing import check_algorithm, op_stream

#: t = 1..11: worker 2's gradient of x⁰ arrives 5th, after gradients of x¹…x⁴ (out of order)
FIRST = [(0, 0), (0, 0), (1, 2), (0, 1), (2, 4), (0, 1), (1, 3), (0, 1), (0, 0), (1, 2), (2, 5)]
STEADY = [(0, 2), (0, 0), (1, 3), (0, 1), (2, 4), (0, 1), (1, 3), (0, 1), (0, 0), (1, 2), (2, 5)]
PATTERN = FIRST + 2 * STEADY
K = len(PATTERN)
#: worked out by hand for FIRST: the point x^u the gradient was computed at (u = t − 1 − δ),
#: its designated iteration k = u + 1, and for OrMo (periods of n = 3 updates) how many
#: periods late it is, m = ⌊(t − 1)/3⌋ − ⌊u/3⌋
HAND_U = [0, 1, 0, 2, 0, 4, 3, 6, 8, 7, 5]
HAND_K = [1, 2, 1, 3, 1, 5, 4, 7, 9, 8, 6]
HAND_M = [0, 0, 0, 1, 1, 0, 1, 0, 0, 1, 2]
SEED, GAMMA, BETA = 4, 0.3, 0.4

METHODS = {
    "ormo-asgd": {"beta": BETA},
    "ormo-da-asgd": {"beta": BETA},
    "ordered-momentum-asgd": {"beta": BETA},
    "ordered-mu2-asgd": {},
}


@pytest.fixture(scope="module")
def quad():
    return make_problem({"family": "quadratic", "d": 4, "L": 1.0, "mu": 0.2, "spectrum": "linear", "sigma2": 0.5})


def model(tau=(1.0, 2.0, 3.0)):
    return make_model({"model": "fixed", "profile": "list", "tau": list(tau), "order": "given"})


def run(problem, method, params, iterations=K, gammas=(GAMMA,), tau=(1.0, 2.0, 3.0), **kw):
    alg = ALGORITHMS.get(method)({"gamma": gammas[0], **params})
    return simulate(problem, model(tau), alg, list(gammas), SEED, max_iter=iterations, **kw)


def trajectory(res):
    return np.column_stack([res.checkpoints[f] for f in ("iteration", "time", "fgap", "dist_sq")])


def stream(method, params, iterations=len(FIRST)):
    return op_stream(ALGORITHMS.get(method)({"gamma": 1.0, **params}), model(), None, 0, iterations)


# --- the hand trace ------------------------------------------------------------------------
def test_hand_trace_is_the_asgd_schedule():
    for u, k, (w, delay), t in zip(HAND_U, HAND_K, FIRST, range(1, 12)):
        assert u == t - 1 - delay and k == u + 1
    for method, params in METHODS.items():
        s = stream(method, params, K)
        g = s.kind == GRAD
        assert list(zip(s.w[g].tolist(), s.delay[g].tolist())) == PATTERN, method


def test_hand_trace_ormo_weighs_by_periods_late():
    """STEP weight β^m, m = periods of 3 updates between the gradient's point and now."""
    s = stream("ormo-asgd", {"beta": BETA})
    np.testing.assert_allclose(s.c[s.kind == STEP], BETA ** np.array(HAND_M), rtol=1e-15)
    np.testing.assert_array_equal(s.c[s.kind == GRAD], 1.0)


def test_hand_trace_ormo_da_shrinks_only_long_delays():
    """OrMo-DA: as OrMo, and the gradients with δ > n = 3 (t = 5: δ = 4, t = 11: δ = 5)
    weighted n/δ."""
    s = stream("ormo-da-asgd", {"beta": BETA})
    np.testing.assert_allclose(s.c[s.kind == STEP], BETA ** np.array(HAND_M), rtol=1e-15)
    want = np.ones(len(FIRST))
    want[4], want[10] = 3 / 4, 3 / 5
    np.testing.assert_allclose(s.c[s.kind == GRAD], want, rtol=1e-15)


def test_hand_trace_ordered_momentum_enters_at_designated_iteration():
    """GRAD weight (1 − β)^(t − k): the gradient of x⁰ arriving at t = 5 has weight (1 − β)⁴."""
    s = stream("ordered-momentum-asgd", {"beta": BETA})
    t = np.arange(1, len(FIRST) + 1)
    np.testing.assert_allclose(s.c[s.kind == GRAD], (1 - BETA) ** (t - np.array(HAND_K)), rtol=1e-15)


def test_hand_trace_ordered_mu2_weighs_by_designated_iteration():
    """STEP weight α_k/α_t = k/t."""
    s = stream("ordered-mu2-asgd", {})
    t = np.arange(1, len(FIRST) + 1)
    np.testing.assert_allclose(s.c[s.kind == STEP], np.array(HAND_K) / t, rtol=1e-15)


# --- closed-form references ----------------------------------------------------------------
def anytime(ws):
    """x_t = Σ_{τ≤t} τ w_τ / Σ_{τ≤t} τ (Anytime-SGD, α_τ = τ)."""
    a = np.arange(1, len(ws) + 1, dtype=float)
    return (a[:, None] * np.asarray(ws)).sum(axis=0) / a.sum()


def reference(problem, method, beta=BETA, gamma=GAMMA, n=3):
    """Each method written as a sum over the arrived gradients, each weighted by its own
    iteration; returns x_0..x_K on the hand-set pattern."""
    key = noise_key(SEED)
    noise = {w: normals(key, np.full(K, w), np.arange(K), problem.noise_dim) for w in range(3)}
    used = {0: 0, 1: 0, 2: 0}
    xs, ws, arrived = [problem.x0.copy()], [], []  # arrived: (u, delay, g, g at the previous point)
    for t, (w, delay) in enumerate(PATTERN, start=1):
        u = t - 1 - delay  # the worker computes at x^u
        z = noise[w][used[w]]
        used[w] += 1
        arrived.append((u, delay, problem.stochastic_grad(xs[u], 0, -1, z),
                        problem.stochastic_grad(xs[max(u - 1, 0)], 0, -1, z)))
        if method in ("ormo-asgd", "ormo-da-asgd"):
            # x_t = x_0 − γ Σ_i a_i (1 + β + … + β^{P − p_i}) g_i, P = ⌊(t − 1)/n⌋, p_i = ⌊u_i/n⌋
            P = (t - 1) // n
            step = np.zeros(problem.d)
            for ui, di, g, _ in arrived:
                a = n / di if method == "ormo-da-asgd" and di > n else 1.0
                step += a * sum(beta**j for j in range(P - ui // n + 1)) * g
            xs.append(problem.x0 - gamma * step)
        elif method == "ordered-momentum-asgd":
            # m_t = Σ_i β (1 − β)^{t − k_i} g_i, x_{t+1} = x_t − γ m_t
            m = sum(beta * (1 - beta) ** (t - (ui + 1)) * g for ui, _, g, _ in arrived)
            xs.append(xs[-1] - gamma * m)
        else:  # ordered μ²: q_t = Σ_i k_i g(x_{k_i}) − (k_i − 1) g(x_{k_i − 1}), d_t = q_t / t
            q = sum((ui + 1) * g - ui * gp for ui, _, g, gp in arrived)
            ws.append((ws[-1] if ws else problem.x0) - gamma * q / t)
            xs.append(anytime(ws))
    return xs


@pytest.mark.parametrize("method", list(METHODS))
def test_rule_matches_closed_form(quad, method):
    (res,) = run(quad, method, METHODS[method])
    xs = reference(quad, method)
    its = res.checkpoints["iteration"].astype(int)
    assert its[-1] == K
    fgap = np.array([quad.f(x) - quad.f_star for x in xs])
    dist = np.array([np.sum((x - quad.x_star) ** 2) for x in xs])
    np.testing.assert_allclose(res.checkpoints["fgap"], fgap[its], rtol=1e-11)
    np.testing.assert_allclose(res.checkpoints["dist_sq"], dist[its], rtol=1e-11)


# --- synchronous counterparts and arrival-order baselines -------------------------------------
COUNTERPART = {  # method → (arrival-order baseline, its parameters, its stepsize)
    "ormo-asgd": ("polyak-momentum-asgd", {"beta": BETA}, GAMMA),
    "ormo-da-asgd": ("polyak-momentum-asgd", {"beta": BETA}, GAMMA),
    "ordered-momentum-asgd": ("polyak-momentum-asgd", {"beta": 1 - BETA}, GAMMA * BETA),
    "ordered-mu2-asgd": ("mu2-sgd", {}, GAMMA),
}


@pytest.mark.parametrize("method", list(METHODS))
def test_one_worker_is_the_synchronous_method(quad, method):
    """n = 1 (no delay): OrMo is SGD with heavy-ball momentum, the ordered EMA momentum is
    heavy-ball reparametrised (γβ, 1 − β), the ordered μ² is μ²-SGD (bit for bit)."""
    base, params, gamma = COUNTERPART[method]
    (a,) = run(quad, method, METHODS[method], iterations=300, tau=(1.0,))
    (b,) = run(quad, base, params, iterations=300, gammas=(gamma,), tau=(1.0,))
    if method == "ordered-mu2-asgd":
        np.testing.assert_array_equal(trajectory(a), trajectory(b))
    else:
        np.testing.assert_allclose(trajectory(a), trajectory(b), rtol=1e-10)


@pytest.mark.parametrize("method", list(METHODS))
def test_out_of_order_arrivals_differ_from_arrival_order(quad, method):
    """n = 3: the arrival-order baseline (Polyak momentum, μ²-SGD) is another method."""
    base, params, gamma = COUNTERPART[method]
    (a,) = run(quad, method, METHODS[method], iterations=300)
    (b,) = run(quad, base, params, iterations=300, gammas=(gamma,))
    diff = np.abs(a.checkpoints["fgap"] - b.checkpoints["fgap"])
    assert diff[1:].max() > 1e-6 * b.checkpoints["fgap"][1:].max()


def test_ormo_beta_zero_is_asgd_bit_for_bit(quad):
    (a,) = run(quad, "ormo-asgd", {"beta": 0.0}, iterations=300)
    (b,) = run(quad, "asgd", {}, iterations=300)
    np.testing.assert_array_equal(trajectory(a), trajectory(b))


def test_ormo_da_is_ormo_while_delays_stay_at_most_n(quad):
    """Equal τ: every delay is n − 1, so the adaptive rate never acts."""
    (a,) = run(quad, "ormo-da-asgd", {"beta": BETA}, iterations=300, tau=(1.0, 1.0, 1.0))
    (b,) = run(quad, "ormo-asgd", {"beta": BETA}, iterations=300, tau=(1.0, 1.0, 1.0))
    np.testing.assert_array_equal(trajectory(a), trajectory(b))


@pytest.mark.parametrize("method", list(METHODS))
def test_compiled_kernel_equals_numpy_replay(quad, method):
    kw = dict(iterations=200, gammas=(0.3, 0.05), targets=[0.1, 0.01], track_avg=True)
    fast = run(quad, method, METHODS[method], **kw)
    slow = run(quad, method, METHODS[method], force_python=True, **kw)
    for a, b in zip(fast, slow):
        for f in a.checkpoints:
            np.testing.assert_allclose(a.checkpoints[f], b.checkpoints[f], rtol=1e-12, equal_nan=True)
        for s in a.hits:
            np.testing.assert_array_equal(a.hits[s], b.hits[s])


@pytest.mark.parametrize("method", list(METHODS))
def test_conformance(method):
    check_algorithm(ALGORITHMS.get(method), METHODS[method])


@pytest.mark.parametrize("method,beta", [("ormo-asgd", 1.0), ("ormo-da-asgd", -0.1), ("ordered-momentum-asgd", 0.0),
                                         ("ordered-momentum-asgd", 1.0), ("ormo-asgd", float("nan"))])
def test_bad_beta_is_a_spec_error(method, beta):
    with pytest.raises(SpecError, match="params.beta"):
        ALGORITHMS.get(method)({"gamma": 0.1, "beta": beta})


def test_parameters_are_the_methods():
    with pytest.raises(SpecError, match="params.beta"):
        ALGORITHMS.get("ormo-asgd")({"gamma": 0.1})
    with pytest.raises(SpecError, match="params.beta"):
        ALGORITHMS.get("ordered-mu2-asgd")({"gamma": 0.1, "beta": 0.5})  # α_t = t, β_t = 1/t are fixed


# --- the bundled checks of the data-dependent-delay paper -------------------------------------
SPECS = ["data-dependent-momentum", "data-dependent-experiments-convex", "data-dependent-experiments-nonconvex",
         "data-dependent-max-delay", "data-dependent-max-delay-momentum", "data-dependent-schedules"]


@pytest.mark.parametrize("name", SPECS)
def test_bundled_spec_is_valid(name):
    """Methods, parameters and claims of the checks validate (without building instances)."""
    from pathlib import Path

    from ratecheck.spec import load_spec
    from ratecheck.theory import load_card
    from ratecheck.verdict.claims import validate_claim

    spec = load_spec(Path(__file__).resolve().parents[1] / "problems" / f"{name}.toml")
    labels = {a.label for a in spec.algorithms}
    methods = {a.label: a.method for a in spec.algorithms}
    for a in spec.algorithms:
        ALGORITHMS.get(a.method)(dict(a.params))
    assert any(m.startswith(("ordered-", "ormo")) for m in methods.values())
    for i, claim in enumerate(spec.claims):
        c = validate_claim(claim, i, labels)
        if "theorem" in c:  # a card judges only the methods it applies to
            assert methods[c["algorithm"]] in load_card(c["theorem"]).applies_to


def test_the_misattributed_methods_are_gone():
    """Arrival-order momentum is the Polyak baseline, not the paper's method (issue 16)."""
    from pathlib import Path

    from ratecheck.theory import all_cards

    assert not {"momentum-dd-asgd", "momentum-dd-anytime-asgd"} & set(ALGORITHMS.names())
    assert not [c.id for c in all_cards() if c.id.startswith("momentum-data-dependent")]
    for path in (Path(__file__).resolve().parents[1] / "problems").glob("*.toml"):
        assert '"momentum-dd-' not in path.read_text(), path.name
