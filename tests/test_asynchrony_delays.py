"""Delay-sequence models and the delayed-SGD engine (ratecheck.engine.delayed)."""

import numpy as np
import pytest

from ratecheck.asynchrony import make_model
from ratecheck.engine.delayed import run_delayed
from ratecheck.errors import SpecError
from ratecheck.problems import make_problem


def quadratic(**kw):
    return make_problem({"family": "quadratic", "d": 4, "L": 1.0, "mu": 0.1, **kw})


def direct(problem, gamma, delays, K):
    """x_{k+1} = x_k − γ ∇f(x_{k − min(δ_k, k)}), kept in full."""
    xs = [np.array(problem.x0, dtype=float)]
    for k in range(K):
        xs.append(xs[k] - gamma * problem.grad(xs[k - min(delays[k], k)]))
    return xs


@pytest.mark.parametrize("force_python", [False, True])
def test_constant_delay_matches_the_direct_recursion(force_python):
    p = quadratic()
    K, tau, gamma = 300, 3, 0.2
    r = run_delayed(p, make_model({"model": "constant", "tau": tau}), gamma, 0, K,
                    targets=[1e-1, 1e-4], statistics=["grad_sq", "fgap", "dist_sq", "fgap_avg"],
                    force_python=force_python)
    xs = direct(p, gamma, [tau] * K, K)
    it = r.checkpoints["iteration"].astype(int)
    assert it[0] == 0 and it[-1] == K
    np.testing.assert_allclose(r.checkpoints["fgap"], [p.f(xs[k]) - p.f_star for k in it], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(r.checkpoints["dist_sq"], [np.sum((xs[k] - p.x_star) ** 2) for k in it], rtol=1e-12)
    avg = np.cumsum(xs, axis=0) / np.arange(1, K + 2)[:, None]
    np.testing.assert_allclose(r.checkpoints["fgap_avg"], [p.f(avg[k]) - p.f_star for k in it], rtol=1e-12)
    gsq = np.array([np.sum(p.grad(x) ** 2) for x in xs])
    np.testing.assert_allclose(r.checkpoints["avg_grad_sq"], np.cumsum(gsq)[it] / (it + 1), rtol=1e-12)
    for j, eps in enumerate(r.targets):  # exact first hits
        assert r.hits["grad_sq"][j, 0] == np.flatnonzero(gsq <= eps)[0]
    assert r.delay_counts.tolist() == [1, 1, 1, K - 3]  # δ_k clipped to k
    assert r.tau_max == 3 and r.final["iteration"] == K and r.status == "ok"


def test_compiled_and_python_paths_agree_with_noise():
    p = quadratic(sigma2=0.5)
    m = make_model({"model": "uniform", "tau_max": 6})
    a = run_delayed(p, m, 0.1, 7, 500, targets=[1e-1])
    b = run_delayed(p, m, 0.1, 7, 500, targets=[1e-1], force_python=True)
    assert a.meta["path"] == "delayed" and b.meta["path"] == "delayed-python"
    np.testing.assert_allclose(a.checkpoints["fgap"], b.checkpoints["fgap"], rtol=1e-12)
    np.testing.assert_array_equal(a.delay_counts, b.delay_counts)
    assert a.delay_counts.size == 7 and a.delay_counts.sum() == 500
    # same seed → same run; another seed → another run
    c = run_delayed(p, m, 0.1, 8, 500)
    np.testing.assert_array_equal(a.checkpoints["fgap"], run_delayed(p, m, 0.1, 7, 500).checkpoints["fgap"])
    assert not np.array_equal(a.checkpoints["fgap"], c.checkpoints["fgap"])


def test_divergence_is_reported_with_its_iteration():
    """The run stops at the first iterate past the blow-up cap (engine/divergence.py),
    checked against the delayed recursion computed directly."""
    from ratecheck.engine.divergence import caps

    p = quadratic()
    r = run_delayed(p, make_model({"model": "constant", "tau": 5}), 5.0, 0, 5000)
    assert r.status == "diverged"
    k = r.final["diverged"]["iteration"]
    assert f"at iteration {k}" in r.reason
    x0 = np.asarray(p.x0, dtype=float)
    cap = caps(p.f(x0) - p.f_star, float(p.grad(x0) @ p.grad(x0)), float(((x0 - p.x_star) ** 2).sum()))

    def blown(x):
        g = p.grad(x)
        return not (p.f(x) - p.f_star <= cap[0] and g @ g <= cap[1] and ((x - p.x_star) ** 2).sum() <= cap[2])

    with np.errstate(all="ignore"):
        xs = direct(p, 5.0, [5] * k, k)
        assert not any(blown(xs[j]) for j in range(k)) and blown(xs[k])


def test_stop_statistic_ends_the_run():
    r = run_delayed(quadratic(), make_model({"model": "constant", "tau": 1}), 0.5, 0, 10**6,
                    targets=[1e-3, 1e-6], stop_statistic="fgap")
    assert r.final["iteration"] == r.hits["fgap"][0, 0]  # the smaller target is hit last
    assert r.final["iteration"] < 1000


def test_uniform_delays_are_bounded_and_uniform():
    d = make_model({"model": "uniform", "tau_max": 4}).delays(50000, np.random.default_rng(0))
    assert d.min() == 0 and d.max() == 4
    np.testing.assert_allclose(np.bincount(d) / d.size, 0.2, atol=0.01)
    assert make_model({"model": "uniform", "tau_max": 4}).statistics() == {"basis": "delay-sequence", "tau_max": 4, "tau_avg": 2.0}


def test_sequence_from_file(tmp_path):
    f = tmp_path / "delays.txt"
    f.write_text("0\n2\n\n1\n")
    m = make_model({"model": "sequence", "file": str(f), "bound": 3})
    assert m.tau_max == 3 and m.delays(3, None).tolist() == [0, 2, 1]
    with pytest.raises(SpecError, match="holds 3 delays"):
        m.delays(4, None)
    cyc = make_model({"model": "sequence", "values": [0, 2, 1], "when_exhausted": "cycle"})
    assert cyc.delays(7, None).tolist() == [0, 2, 1, 0, 2, 1, 0] and cyc.tau_max == 2
    # the engine applies the sequence (clipped to k) exactly
    p = quadratic()
    r = run_delayed(p, cyc, 0.3, 0, 7)
    xs = direct(p, 0.3, [0, 2, 1, 0, 2, 1, 0], 7)
    assert r.checkpoints["fgap"][-1] == pytest.approx(p.f(xs[7]) - p.f_star, rel=1e-12)
    assert r.delay_counts.tolist() == [3, 3, 1]  # δ_1 = 2 is clipped to 1


@pytest.mark.parametrize("text, bound, line, what", [
    ("1\n2\nx\n", None, 3, "one integer delay per line"),
    ("1\n2.5\n", None, 2, "one integer delay per line"),
    ("1\n-1\n", None, 2, "must be >= 0"),
    ("1\n\n9\n", 5, 3, "exceeds the declared bound 5"),
])
def test_sequence_file_errors_name_file_and_line(tmp_path, text, bound, line, what):
    f = tmp_path / "d.txt"
    f.write_text(text)
    spec = {"model": "sequence", "file": str(f), **({"bound": bound} if bound is not None else {})}
    with pytest.raises(SpecError) as err:
        make_model(spec)
    assert err.value.field == f"{f}:{line}" and what in str(err.value)


def test_sequence_file_level_errors(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n")
    with pytest.raises(SpecError) as err:
        make_model({"model": "sequence", "file": str(empty)})
    assert err.value.field == str(empty) and "holds no delays" in str(err.value)
    with pytest.raises(SpecError) as err:
        make_model({"model": "sequence", "file": str(tmp_path / "missing.txt")})
    assert err.value.field == str(tmp_path / "missing.txt") and "cannot read" in str(err.value)


def test_engine_rejects_a_delay_above_the_declared_bound():
    class Liar(type(make_model({"model": "constant", "tau": 2}))):
        def delays(self, count, gen):
            return np.full(count, 3, dtype=np.int64)

    with pytest.raises(SpecError, match="outside"):
        run_delayed(quadratic(), Liar(2), 0.1, 0, 10)


@pytest.mark.parametrize("spec, field", [
    ({"model": "constant", "tau": -1}, "asynchrony.tau"),
    ({"model": "constant", "tau": 1.5}, "asynchrony.tau"),
    ({"model": "uniform", "tau_max": "3"}, "asynchrony.tau_max"),
    ({"model": "sequence"}, "asynchrony.file"),
    ({"model": "sequence", "values": [1, 2], "file": "x"}, "asynchrony.values"),
    ({"model": "sequence", "values": [1, 7], "bound": 5}, "asynchrony.values[1]"),
    ({"model": "sequence", "values": []}, "asynchrony.values"),
    ({"model": "adversarial", "tau_max": 3, "objective": "loss"}, "asynchrony.objective"),
    ({"model": "adversarial", "tau_max": 3, "budget": -1}, "asynchrony.budget"),
])
def test_bad_input_names_the_field(spec, field):
    with pytest.raises(SpecError) as err:
        make_model(spec)
    assert err.value.field == field


@pytest.mark.parametrize("spectrum", ["linear", "two-level"])
@pytest.mark.parametrize("tau", [2, 5])
@pytest.mark.parametrize("c", [0.1, 0.5])
def test_adversary_harms_at_least_as_much_as_constant_and_uniform(spectrum, tau, c):
    # the usual stepsize regime of delayed SGD, γ ≤ 1/(2Lτ) (here c/(Lτ), L = 1)
    p = quadratic(spectrum=spectrum, mu=0.05)
    gamma, K = c / tau, 150
    harm = {}
    for name, spec in [("constant", {"model": "constant", "tau": tau}), ("uniform", {"model": "uniform", "tau_max": tau}),
                       ("adversarial", {"model": "adversarial", "tau_max": tau})]:
        r = run_delayed(p, make_model(spec), gamma, 0, K)
        harm[name] = (r.checkpoints["fgap"][-1], r.checkpoints["avg_grad_sq"][-1])
    for other in ("constant", "uniform"):
        assert harm["adversarial"][0] >= harm[other][0]
        assert harm["adversarial"][1] >= harm[other][1]


def test_adversary_is_the_greedy_argmax():
    # direct implementation: δ_k = the largest j ≤ min(k, τ_max) maximising f(x_k − γ∇f(x_{k−j}))
    p, gamma, tau, K = quadratic(), 0.5, 4, 40
    xs = [np.array(p.x0, dtype=float)]
    chosen = []
    for k in range(K):
        cands = [xs[k] - gamma * p.grad(xs[k - j]) for j in range(min(k, tau) + 1)]
        vals = [p.f(c) for c in cands]
        j = max(j for j in range(len(vals)) if vals[j] == max(vals))
        chosen.append(j)
        xs.append(cands[j])
    r = run_delayed(p, make_model({"model": "adversarial", "tau_max": tau}), gamma, 0, K)
    assert r.delay_counts.tolist() == np.bincount(chosen).tolist()
    assert r.checkpoints["fgap"][-1] == pytest.approx(p.f(xs[K]) - p.f_star, rel=1e-12)
    assert max(chosen) == tau  # this stepsize is large enough for stale gradients to hurt


def test_adversary_respects_bound_and_average_budget():
    p = quadratic()
    r = run_delayed(p, make_model({"model": "adversarial", "tau_max": 8, "budget": 2.5}), 0.5, 0, 200)
    delays = np.repeat(np.arange(r.delay_counts.size), r.delay_counts)
    assert delays.max() <= 8 and delays.sum() <= 2.5 * 200
    unbudgeted = run_delayed(p, make_model({"model": "adversarial", "tau_max": 8}), 0.5, 0, 200)
    assert unbudgeted.tau_avg > r.tau_avg > 2
    assert r.meta["path"] == "delayed-python" and r.meta["asynchrony"]["model"] == "adversarial"


def test_only_oblivious_sequences_are_independent_of_samples():
    for spec in ({"model": "constant", "tau": 1}, {"model": "uniform", "tau_max": 1}, {"model": "sequence", "values": [1]}):
        assert {"delay-sequence", "bounded-delay", "times-independent-of-samples"} <= make_model(spec).properties
    adv = make_model({"model": "adversarial", "tau_max": 1})
    assert "adversarial-delay" in adv.properties and "times-independent-of-samples" not in adv.properties


@pytest.mark.parametrize("kw, field", [
    ({"gamma": 0.0}, "algorithm.params.gamma"),
    ({"gamma": float("nan")}, "algorithm.params.gamma"),
    ({"max_iter": 0}, "horizon.iterations"),
    ({"max_iter": 2.5}, "horizon.iterations"),
    ({"max_iter": "10"}, "horizon.iterations"),
    ({"statistics": ["loss"]}, "statistic"),
])
def test_run_delayed_rejects_bad_arguments(kw, field):
    args = {"gamma": 0.1, "max_iter": 10, **kw}
    with pytest.raises(SpecError) as err:
        run_delayed(quadratic(), make_model({"model": "constant", "tau": 1}), args.pop("gamma"), 0, args.pop("max_iter"), **args)
    assert err.value.field == field


def test_specs_route_delay_sequences_to_the_delayed_engine():
    """A check fragment with a delay-sequence model runs x_{k+1} = x_k − γ g(x_{k−δ_k})
    (the same result as run_delayed), and refuses any method but plain delayed SGD."""
    from ratecheck.execute import run_fragment

    problem = {"family": "quadratic", "d": 4, "L": 1.0, "mu": 0.1}
    asyn = {"model": "constant", "tau": 3}
    frag = {"problem": problem, "asynchrony": asyn, "method": "asgd", "params": {"gamma": 0.2}, "seed": 0,
            "horizon": {"iterations": 300}, "targets": [0.1]}
    via_spec = run_fragment(frag)
    direct_run = run_delayed(quadratic(), make_model(asyn), 0.2, 0, 300, targets=[0.1])
    np.testing.assert_array_equal(via_spec.checkpoints["fgap"], direct_run.checkpoints["fgap"])
    assert via_spec.tau_max == 3
    with pytest.raises(SpecError, match="delay-sequence"):
        run_fragment({**frag, "method": "ringmaster-asgd", "params": {"gamma": 0.2, "R": 2}})
    with pytest.raises(SpecError, match="horizon.iterations"):
        run_fragment({**frag, "horizon": {"time": 10.0}})
