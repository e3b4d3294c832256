"""`ratecheck theorems | show | bound | compare | optimal`: JSON contract, tables, errors (exit 2)."""

import json
import math

import pytest

import ratecheck.cli as cli

RMQ = ["--set", "L=1", "Delta=442.77", "sigma2=0.1729", "eps=0.01"]


@pytest.fixture
def run(monkeypatch, capsys):
    # only this subsystem's commands, so the test does not depend on the others' modules
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("ratecheck.theory.commands",))

    def _run(*argv):
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def test_bound_json_contract_ringmaster_rmq(run):
    code, out, _ = run("bound", "ringmaster-asgd", *RMQ, "--tau-profile", "linear:n=6174", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["theorem"] == "ringmaster-asgd"
    assert d["parameters"]["R"] == 18 and isinstance(d["parameters"]["R"], int)
    assert d["parameters"]["gamma"] == pytest.approx(min(1 / 36, 0.01 / (4 * 0.1729)), rel=1e-15)
    K = math.ceil(8 * 18 * 442.77 / 0.01 + 16 * 0.1729 * 442.77 / 0.01**2)
    assert d["bounds"]["iterations"] == K == 18_624_678
    assert d["provenance"]["iterations"] == "verified [P] fixed-computation.md §3.3"
    assert d["constants"] == {"iterations": "explicit", "block_time": "explicit", "time": "explicit"}
    assert d["missing"] == [] and d["conditions"] == []


def test_bound_text_and_missing(run):
    code, out, _ = run("bound", "rennala-sgd", "--set", "L=1", "Delta=2", "sigma2=0", "eps=0.5", "--tau", "1,2")
    assert code == 0
    assert "iterations" in out and "64 iterations" in out  # ⌈16·1·2/0.5⌉ = 64
    code, out, err = run("bound", "rennala-sgd", "--set", "L=1", "Delta=2", "sigma2=0", "eps=0.5")
    assert code == 2 and out == "" and err.startswith("ratecheck: error: tau: missing: rennala-sgd needs it")


def test_bound_tau_list_and_hidden(run):
    code, out, _ = run("bound", "minibatch-sgd", "--set", "L=1", "Delta=1", "sigma2=1", "eps=0.1",
                       "--tau", "1,2,4", "--json")
    d = json.loads(out)
    assert d["bounds"]["time"] == pytest.approx(4 * (1 / 0.1 + 1 / (3 * 0.01)))
    assert d["constants"]["time"] == "hidden" and d["parameters"]["B"] == 3


def test_bound_reports_violated_conditions(run):
    code, out, _ = run("bound", "ringmaster-asgd", *RMQ, "gamma=0.2", "R=6", "--tau-profile", "linear:n=6", "--json")
    d = json.loads(out)
    assert d["overridden"] == ["R", "gamma"]
    assert d["conditions"] == ["gamma = 0.2 > 1/(2*L*R) = 0.0833333", "gamma = 0.2 > eps/(4*L*sigma2) = 0.0144592"]


@pytest.mark.parametrize("argv,first", [
    (["bound", "nope", "--set", "L=1"], "ratecheck: error: theorem: unknown theorem card 'nope'"),
    (["bound", "ringmaster-asgd", "--set", "L"], "ratecheck: error: --set: expected NAME=VALUE"),
    (["bound", "ringmaster-asgd", "--set", "L="], "ratecheck: error: L: missing value"),
    (["bound", "ringmaster-asgd", "--set", "L=-1"], "ratecheck: error: L: must be > 0"),
    (["bound", "ringmaster-asgd", "--set", "L=abc"], "ratecheck: error: L: must be a number"),
    (["bound", "ringmaster-asgd", "--set", "sigma=1"], "ratecheck: error: sigma: not a symbol or parameter"),
    (["bound", "ringmaster-asgd", "--tau-profile", "cubic:n=3"], "ratecheck: error: --tau-profile: unknown profile"),
    (["bound", "ringmaster-asgd", "--tau-profile", "linear:n=0"], "ratecheck: error: --tau-profile: n must be >= 1"),
    (["bound", "ringmaster-asgd", "--tau", "1,-2"], "ratecheck: error: --tau: must be finite numbers > 0"),
    (["compare", "asgd", "nope"], "ratecheck: error: theorem: unknown theorem card"),
    (["optimal", "ringmaster-asgd", "--param", "Q"], "ratecheck: error: --param: card 'ringmaster-asgd' has no parameter"),
])
def test_bad_input_exit_2_one_line(run, argv, first):
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert err.startswith(first) and err.count("\n") == 1


def test_theorems_table_and_json(run):
    code, out, _ = run("theorems")
    assert code == 0 and "ringmaster-asgd" in out and "Maranjyan et al. 2025" in out
    code, out, _ = run("theorems", "--json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows["malenia-sgd"]["weakest"] == "reconstructed"
    assert rows["ringmaster-asgd"]["bounds"]["time"] == "explicit"


def test_show_prints_latex_and_derivation_status(run):
    code, out, _ = run("show", "lower-bound-homogeneous")
    assert code == 0
    assert r"\tau_h^{m}" in out and "two-forms-equal: proven" in out
    assert "m-star-equilibrium: spot-checked (" in out
    code, out, _ = run("show", "rescaled-asgd", "--no-check", "--json")
    d = json.loads(out)
    assert d["bounds"]["time"]["provenance"].startswith("reconstructed [P+inferred]")
    assert any("NOT found" in x for x in d["not_found"])


def test_compare_reproduces_ringleader_poster_table(run):
    """fixed-computation.md §4.4 with τ_i = i, n = 10, L = Δ = σ² = 1, ε = 0.01 (times by hand)."""
    code, out, _ = run("compare", "minibatch-sgd", "malenia-sgd", "ringleader-asgd", "lower-bound-heterogeneous",
                       "--set", "L=1", "L_rl=1", "Delta=1", "sigma2=1", "eps=0.01", "--tau-profile", "linear:n=10",
                       "--json")
    rows = {r["theorem"]: r for r in json.loads(out)}
    tau_n, tau_avg, n, a = 10.0, 5.5, 10, 1 / 0.01
    assert rows["minibatch-sgd"]["time"] == pytest.approx(a * (tau_n + tau_n * 1 / (n * 0.01)))  # 11000
    for i in ("malenia-sgd", "ringleader-asgd", "lower-bound-heterogeneous"):
        assert rows[i]["time"] == pytest.approx(a * (tau_n + tau_avg * 1 / (n * 0.01)))  # 6500
        assert rows[i]["time_ratio_to_smallest"] == pytest.approx(1.0)
    assert rows["minibatch-sgd"]["time_ratio_to_smallest"] == pytest.approx(11000 / 6500)
    assert "tau_max" in rows["minibatch-sgd"]["leading_term_eps_to_0"]
    assert "tau_avg" in rows["malenia-sgd"]["leading_term_eps_to_0"]


def test_compare_homogeneous_table_text(run):
    code, out, _ = run("compare", "minibatch-sgd", "asgd", "ringmaster-asgd", "lower-bound-homogeneous",
                       *RMQ, "--tau-profile", "linear:n=10")
    assert code == 0
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln and ln.split()[0] in
             ("minibatch-sgd", "asgd", "ringmaster-asgd", "lower-bound-homogeneous")}
    # explicit bounds in the first of each pair of columns, O(·) bounds in the second
    assert len(lines) == 4 and lines["ringmaster-asgd"].split()[2:6] == ["1.862e+07", "—", "1.975e+07", "—"]
    assert lines["asgd"].split()[2:6] == ["—", "—", "—", lines["asgd"].split()[5]] and lines["asgd"].split()[5] != "—"
    assert "concurrency, delay_max" in out  # asgd's iteration bound needs delay statistics


def test_optimal_ringmaster_R(run):
    code, out, _ = run("optimal", "ringmaster-asgd", "--param", "R", *RMQ, "--tau-profile", "linear:n=100", "--json")
    d = json.loads(out)
    assert d["card_value"] == 18 and d["best_objective"] <= d["card_objective"]
    assert d["symbolic"]["stationary"] == ["sqrt(2)*sqrt(m)*sqrt(sigma2)/sqrt(eps)"]


# --- theorems --check: every derivation and source form, exit 1 naming what fails ----------

#: The three mutations of issue 21 that passed every check before source forms existed,
#: as (card file, formula before, formula after, derivations that must then fail, and
#: those of the cards that import the mutated formula).
ACCEPTANCE = [
    ("ringmaster-asgd", 'formula = "2*Min_m(H(m)*(1 + R/m))"', 'formula = "2/8*Min_m(H(m)*(1 + R/m))"',
     {"source:block_time", "first-block-takes-a-fill", "time-at-least-K-completions"},
     {"ringmaster-asgd-universal: block-within-fixed-lemma"}),
    ("rennala-sgd", 'formula = "ceiling(16*L*Delta/eps)"', 'formula = "ceiling(8*L*Delta/eps)"',
     {"source:iterations", "source:time"}, set()),  # rennala-sgd-original's K ≥ the fragile K still holds
    ("ringleader-asgd", 'formula = "Max(1, tau_max/(2*tau_avg))"', 'formula = "2*Max(1, tau_max/(2*tau_avg))"',
     {"source:B", "B-is-one-for-equal-times"}, {"ringleader-asgd-universal: fixed-model-B-is-below"}),
]


def test_theorems_check_passes_on_the_catalogue(run):
    code, out, _ = run("theorems", "--check")
    assert code == 0 and "FAILED" not in out and " 0 failed" in out
    code, out, _ = run("theorems", "--check", "--json")
    d = json.loads(out)
    assert code == 0 and d["failed"] == 0 and d["checked"] >= 120
    assert {r["card"] for r in d["results"] if r["kind"] == "source"} >= {"ringmaster-asgd", "rennala-sgd"}


@pytest.mark.parametrize("card,old,new,names,others", ACCEPTANCE, ids=[a[0] for a in ACCEPTANCE])
def test_theorems_check_catches_the_acceptance_mutations(run, tmp_path, monkeypatch, card, old, new, names, others):
    import shutil
    from pathlib import Path

    dest = tmp_path / "proofs"
    shutil.copytree(Path(__file__).resolve().parents[1] / "proofs", dest)
    p = dest / f"{card}.toml"
    assert p.read_text().count(old) == 1
    p.write_text(p.read_text().replace(old, new))
    monkeypatch.setenv("RATECHECK_PROOFS", str(dest))
    code, out, _ = run("theorems", "--check")
    assert code == 1
    failed = {ln.split(": ")[1] for ln in out.splitlines() if ln.startswith(f"FAILED {card}: ")}
    assert failed == names
    # a card that reads the mutated formula through an import fails too, and no other
    elsewhere = {": ".join(ln[len("FAILED "):].split(": ")[:2]) for ln in out.splitlines()
                 if ln.startswith("FAILED") and not ln.startswith(f"FAILED {card}: ")}
    assert elsewhere == others


def test_show_flags_trivial_steps_and_prints_source_forms(run):
    code, out, _ = run("show", "ringmaster-asgd")
    assert code == 0
    assert "stepsize-condition: proven  [trivial: follows from the structure of Min/Max/ceiling alone]" in out
    assert "source, Lemma 1 (Lemma 4.1 of the arXiv version)" in out
    assert "source:gamma: proven  (verbatim)" in out and "source:block_time: proven\n" in out
    code, out, _ = run("show", "malenia-sgd", "--json")
    d = json.loads(out)
    steps = {r["name"]: r for r in d["derivations"]}
    assert steps["matches-lower-bound"]["trivial"] == "" and steps["source:time"]["kind"] == "source"
    assert d["bounds"]["time"]["source"]["provenance"] == "verified [P] fixed-computation.md §4.4"
