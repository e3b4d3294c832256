"""The falsifier (`ratecheck falsify`): search space, hand-computed objective, verdicts, CLI.

Acceptance (issue 10): a copy of ringmaster-asgd whose iteration bound is divided by 100
is found `violated` within the default budget; the real card comes out `not violated`.
Issue 21: the space covers every problem family and every model of the card's computation
assumption (delay sequences included, with the PEP worst delays); the planted violation is
found on at least three families and on a delay-sequence card, none on the real cards.
"""

import json
import math

import numpy as np
import pytest

from ratecheck.asynchrony import make_model
from ratecheck.cli import main
from ratecheck.falsify import falsify
from ratecheck.falsify.objective import Objective
from ratecheck.falsify.space import EIG_FLOOR, SearchSpace
from ratecheck.problems import make_problem
from ratecheck.theory import load_card, proofs_dir

K_FORMULA = "ceiling(8*R*L*Delta/eps + 16*sigma2*L*Delta/eps**2)"


def _planted(tmp_path, monkeypatch, *cards):
    """The catalogue with these cards' iteration bounds divided by 100."""
    folder = tmp_path / "proofs"
    folder.mkdir()
    for p in proofs_dir().glob("*.toml"):
        text = p.read_text()
        if p.stem in cards:
            assert text.count(f'formula = "{K_FORMULA}"') == 1
            text = text.replace(f'formula = "{K_FORMULA}"',
                                'formula = "ceiling((8*R*L*Delta/eps + 16*sigma2*L*Delta/eps**2)/100)"')
        (folder / p.name).write_text(text)
    monkeypatch.setenv("RATECHECK_PROOFS", str(folder))
    return folder


@pytest.fixture
def wrong_card(tmp_path, monkeypatch):
    """ringmaster-asgd with its iteration bound's constant divided by 100."""
    return _planted(tmp_path, monkeypatch, "ringmaster-asgd")


QUADRATIC = {"families": ["quadratic"], "models": ["fixed"]}


# --- refusals: exit 2, one line naming the field --------------------------------------------
@pytest.mark.parametrize("argv,needle", [
    (["asgd"], "iterations: cannot falsify 'asgd': bound has hidden constants"),
    (["lower-bound-homogeneous"], "kind: cannot falsify 'lower-bound-homogeneous': it is a lower bound"),
    (["ringmaster-asgd", "--set", "zeta2=1"], "zeta2: not an input of theorem 'ringmaster-asgd'"),
    (["ringmaster-asgd", "--set", "R=3"], "R: not an input of theorem 'ringmaster-asgd'"),
    (["ringmaster-asgd", "--set", "eps=-1"], "eps: must be > 0"),
    (["ringmaster-asgd", "--budget", "3"], "budget: must be an integer >= 5"),
    (["ringmaster-asgd", "--seeds", "x"], "seeds: must be an integer"),
    (["ringmaster-asgd", "--dim", "0"], "dim: must be >= 1"),
    (["rescaled-asgd"], "iterations: cannot falsify 'rescaled-asgd': it has no iteration bound"),
    (["asgd-heterogeneous-limit"], "kind: cannot falsify 'asgd-heterogeneous-limit': it is a limit statement"),
    (["ringmaster-asgd", "--method", "nope"], "method: unknown algorithm 'nope'"),
    (["ringmaster-asgd", "--family", "nope"], "family: unknown family 'nope' for card 'ringmaster-asgd'"),
    (["ringmaster-asgd", "--model", "constant"], "model: unknown model 'constant' for card 'ringmaster-asgd'"),
    (["ringmaster-asgd", "--family", "heterogeneous-quadratic"], "space: cannot falsify 'ringmaster-asgd': no instance"),
])
def test_bad_input_exits_2_naming_the_field(capsys, argv, needle):
    assert main(["falsify", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("ratecheck: error: ")
    assert needle in err


# --- the search space pins the card's constants exactly ----------------------------------------
def _random_points(space, count, seed=1):
    lo, hi = np.array(space.bounds).T
    return lo + (hi - lo) * np.random.default_rng(seed).random((count, len(space.dims)))


def test_space_instances_have_the_cards_constants():
    card = load_card("ringmaster-asgd")
    space = SearchSpace(card, {"L": 2.0, "Delta": 3.0, "sigma2": 0.5, "eps": 0.1}, n=5, d=6, spread=50.0)
    assert len(space.dims) == 5 + 6 + 1 + 5  # free eigenvalues, energy shares, noise switch, τ
    for x in _random_points(space, 8):
        prob_spec, asyn_spec = space.instance(x)
        problem, model = make_problem(prob_spec), make_model(asyn_spec)
        c = problem.constants.values
        assert c["L"].value == 2.0 and c["sigma2"].value == 0.5
        assert c["Delta"].value == pytest.approx(3.0, rel=1e-12)
        assert problem.eigenvalues.min() >= EIG_FLOOR * 2.0 * (1 - 1e-12)
        assert model.n == 5 and 1.0 <= model.tau.min() and model.tau.max() <= 50.0 * (1 + 1e-12)
        assert not card.applicability(problem.properties | model.properties)


def test_space_pins_mu_and_D_when_asked():
    card = load_card("ringmaster-asgd")
    space = SearchSpace(card, {"L": 1.0, "mu": 0.25, "D": 2.0, "sigma2": 0.0, "eps": 0.1}, n=2, d=3)
    assert [d.name for d in space.dims[:4]] == ["u[2]", "w[0]", "w[1]", "w[2]"]  # no noise switch at σ² = 0
    for x in _random_points(space, 5):
        problem = make_problem(space.instance(x)[0])
        assert problem.mu_value == 0.25 and problem.L_value == 1.0
        assert problem.constants.values["D"].value == pytest.approx(2.0, rel=1e-12)


def test_universal_space_has_outages_inside_the_period():
    card = load_card("ringmaster-asgd-universal")
    space = SearchSpace(card, {"L": 1.0, "Delta": 1.0, "sigma2": 0.0, "eps": 0.1}, n=3, d=1)
    x = space.center()
    x[[i for i, d in enumerate(space.dims) if d.name == "outage[1]"]] = 0.5
    model = make_model(space.instance(x)[1])
    assert "universal-computation" in model.properties
    assert "fixed-computation" not in model.properties  # a worker with zero power part of the time
    period = model.period[1]
    (bp, rt) = model._rows[1]
    assert bp == [0.0, 0.5 * period] and rt[1] == 0.0


# --- the objective, computed by hand ------------------------------------------------------------
@pytest.mark.parametrize("card_id,read_at", [("ringmaster-asgd", 16), ("rennala-sgd", 31)])
def test_objective_matches_gradient_descent_by_hand(card_id, read_at):
    """σ² = 0 and d = 1: Ringmaster with R = 1 and Rennala with S = 1 are gradient descent
    with γ = 1/(2L), so ‖∇f(x_k)‖² = 2LΔ·4^{−k} = 4^{−k} (L = 1, Δ = ½: x0 = −1 exactly).
    Ringmaster's K = ⌈8LΔ/ε⌉ = 16 averages k = 0..K; Rennala's K = ⌈16LΔ/ε⌉ = 32 averages
    k = 0..K−1."""
    card = load_card(card_id)
    space = SearchSpace(card, {"L": 1.0, "Delta": 0.5, "sigma2": 0.0, "eps": 0.25}, n=3, d=1)
    obj = Objective(card, space, "ringmaster-asgd" if card_id == "ringmaster-asgd" else "rennala-sgd")
    assert obj.probe() == (True, "")
    trial = obj.evaluate(space.center(), [0])
    assert trial.parameters["gamma"] == 0.5 and trial.read_at == read_at
    points = read_at + 1
    avg = (1 - 4.0 ** -points) / (1 - 0.25) / points
    assert trial.values == [pytest.approx(avg, rel=1e-12)]
    assert trial.ratio == pytest.approx(avg / 0.25, rel=1e-12)


# --- acceptance: wrong card violated, real card not ----------------------------------------------
def test_deterministic_wrong_card_is_violated_and_real_card_is_not(wrong_card, monkeypatch):
    wrong = falsify("ringmaster-asgd", {"sigma2": 0.0}, budget=40, **QUADRATIC)
    assert wrong.deterministic and wrong.violated and wrong.ratio > 1
    assert wrong.worst.K == 8  # ⌈800/100⌉
    monkeypatch.delenv("RATECHECK_PROOFS")
    real = falsify("ringmaster-asgd", {"sigma2": 0.0}, budget=40, **QUADRATIC)
    assert not real.violated and 0 < real.ratio < 1
    assert real.verdict == f"not violated (worst ratio {real.ratio:.4g})"
    assert len(real.history) == 40


PINNED = ["quadratic", "zero-chain", "separable-nonconvex", "tridiagonal"]


@pytest.mark.slow
def test_planted_violation_is_found_on_several_families(wrong_card, monkeypatch):
    """K/100 is caught on at least three problem families (σ² = 0 where a family pins it),
    fixed and random compute times; the real card on none of them.
    (Slow: ~1–2 min on two cores; the suite keeps the one-family case above.)"""
    wrong = falsify("ringmaster-asgd", {"sigma2": 0.0, "eps": 0.1}, budget=5, families=PINNED)
    found = {c.space.family for c in wrong.cells if c.violated}
    assert wrong.violated and len(found) >= 3, [c.as_dict() for c in wrong.cells]
    assert {c.space.model for c in wrong.cells} == {"fixed", "random"}
    cov = wrong.as_dict()["coverage"]
    assert len(cov) == 8 and all(c["evaluated"] == 5 for c in cov)
    monkeypatch.delenv("RATECHECK_PROOFS")
    real = falsify("ringmaster-asgd", {"sigma2": 0.0, "eps": 0.1}, budget=5, families=PINNED)
    assert not real.violated and not any(c.violated for c in real.cells)


def test_planted_violation_is_found_on_a_delay_sequence_card(tmp_path, monkeypatch):
    """delayed-sgd-explicit ÷ 100 is violated under constant, uniform, bursty and PEP-worst
    delays; the real card under none."""
    _planted(tmp_path, monkeypatch, "delayed-sgd-explicit")
    wrong = falsify("delayed-sgd-explicit", {"sigma2": 0.0, "eps": 0.1}, budget=5, families=["quadratic"])
    assert wrong.violated and {c.space.model for c in wrong.cells if c.violated} == {"constant", "uniform", "sequence",
                                                                                    "pep-worst"}
    assert wrong.worst.asynchrony["model"] in ("constant", "uniform", "sequence")
    monkeypatch.delenv("RATECHECK_PROOFS")
    real = falsify("delayed-sgd-explicit", {"sigma2": 0.0, "eps": 0.1}, budget=5, families=["quadratic"])
    assert not real.violated and not any(c.violated for c in real.cells)


def test_cells_a_card_does_not_admit_are_reported_not_searched():
    out = falsify("ringmaster-asgd", {"sigma2": 0.0, "eps": 0.5}, budget=5,
                  families=["quadratic", "heterogeneous-quadratic"], models=["fixed"])
    cov = {c["family"]: c for c in out.as_dict()["coverage"]}
    assert cov["heterogeneous-quadratic"]["not_searched"] == "its instances do not declare homogeneous"
    assert cov["heterogeneous-quadratic"]["evaluated"] == 0 and cov["quadratic"]["judged"] == 5


@pytest.mark.slow
def test_noisy_wrong_card_is_violated_on_every_kind_of_instance(wrong_card):
    """At the default noise, every family and both compute-time models."""
    wrong = falsify("ringmaster-asgd", {"eps": 0.1}, budget=5)
    assert not wrong.deterministic and wrong.violated and wrong.ci[0] > 1
    assert wrong.confirmation.seeds == list(range(4, 24))
    assert len({c.space.family for c in wrong.cells if c.violated}) >= 3


@pytest.mark.slow
@pytest.mark.parametrize("card", ["ringmaster-asgd", "rennala-sgd", "rennala-sgd-original", "delayed-sgd-explicit",
                                  "ringmaster-asgd-universal"])
def test_real_cards_are_not_violated_anywhere(card):
    real = falsify(card, {"eps": 0.1}, budget=5)
    assert not real.violated, real.statement()
    assert not any(c.violated for c in real.cells), [c.as_dict() for c in real.cells if c.violated]


def test_same_seed_bit_identical_other_seed_differs(wrong_card):
    a = falsify("ringmaster-asgd", {"sigma2": 0.0}, budget=10, seed=7, **QUADRATIC).as_dict()
    b = falsify("ringmaster-asgd", {"sigma2": 0.0}, budget=10, seed=7, **QUADRATIC).as_dict()
    c = falsify("ringmaster-asgd", {"sigma2": 0.0}, budget=10, seed=8, **QUADRATIC).as_dict()
    assert json.dumps(a) == json.dumps(b)
    assert a["history"] != c["history"]
    assert len(a["history"]) == 10


def test_cli_reports_violation_with_exit_1_and_writes_the_report(wrong_card, tmp_path, capsys):
    out = tmp_path / "rep"
    code = main(["falsify", "ringmaster-asgd", "--set", "sigma2=0", "eps=0.05", "--budget", "10", "--json",
                 "--family", "quadratic", "--model", "fixed", "--out", str(out)])
    assert code == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"] == "violated" and doc["inputs"]["eps"] == 0.05
    assert doc["worst"]["K"] == 2  # ⌈8·1·1/0.05/100⌉
    assert math.isclose(doc["worst_ratio"], max(h["ratio"] for h in doc["history"]))
    assert {p.name for p in out.iterdir()} == {"falsify.md", "falsify.png", "falsify.json", "counterexample.toml"}
    assert "**Verdict: violated" in (out / "falsify.md").read_text()
    assert 'kind = "holds"' in (out / "counterexample.toml").read_text()


def test_counterexample_is_a_spec_that_check_reproduces(tmp_path, monkeypatch):
    """The worst instance of a planted delay-card violation, run by ``ratecheck check``:
    its holds claim fails (exit 1)."""
    from ratecheck.falsify.report import write_report

    _planted(tmp_path, monkeypatch, "delayed-sgd-explicit")
    wrong = falsify("delayed-sgd-explicit", {"sigma2": 0.0, "eps": 0.1}, budget=5, families=["quadratic"],
                    models=["constant"])
    write_report(wrong, tmp_path / "rep")
    assert main(["check", str(tmp_path / "rep" / "counterexample.toml"), "--out", str(tmp_path / "chk")]) == 1
    verdicts = json.loads((tmp_path / "chk" / "verdicts.json").read_text())
    assert [v["status"] for v in verdicts if v["kind"] == "holds"] == ["fail"]
