"""``ratecheck pep``: JSON output, files, table, bad input."""

import json

import pytest

from ratecheck.cli import main


def run_json(capsys, *args):
    code = main(["pep", *args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_json_constant_delay(capsys):
    code, doc = run_json(capsys, "--method", "constant-delay", "--tau", "0,1", "--N", "1..3", "--criterion", "fgap")
    assert code == 0
    assert [(r["N"], r["tau"]) for r in doc["rows"]] == [(1, 0), (2, 0), (3, 0), (1, 1), (2, 1), (3, 1)]
    for r in doc["rows"]:
        assert r["status"] == "optimal" and r["gamma"] == 1.0 and r["gram_dim"] == r["N"] + 2
        if r["tau"] == 0:
            assert r["value"] == pytest.approx(1 / (4 * r["N"] + 2), rel=1e-4)
            assert r["reference"] == pytest.approx(1 / (4 * r["N"] + 2))
    # τ = 1, N = 2 at γ = 1/L: x_2 = x_0 − 2γ∇f(x_0); f = x²/2 gives f(x_2) = 1/2, the worst case
    assert doc["rows"][4]["value"] == pytest.approx(0.5, rel=1e-4)
    assert {"card", "scaling", "conventions", "total_time"} <= set(doc)
    assert doc["card"]["card"] == "constant-delay-sgd" and isinstance(doc["card"]["note"], str)


def test_json_scaling_and_gamma_formula(capsys):
    _, doc = run_json(capsys, "--tau", "0", "--N", "2", "--L", "4", "--D", "0.5", "--gamma", "1/(2*L*(tau+1))")
    r = doc["rows"][0]
    assert r["gamma"] == pytest.approx(1 / 8)
    assert r["value"] == pytest.approx(4 * 0.25 / (4 * 2 * 0.5 + 2), rel=1e-4)  # L D²/(4NLγ + 2)


def test_json_backends(capsys):
    """PEPit by default, the hand-written SDP on request: same value. The dropped steps show who
    solved: PEPit evaluates the repeated iterate x_2 = x_3 = x_4 once (Gram dimension 4, not 6)."""
    args = ["--method", "delay-sequence", "--delays", "0,3,3,3", "--gamma", "0.5", "--rule", "filtered", "--threshold", "1"]
    (_, pepit), (_, sdp) = run_json(capsys, *args), run_json(capsys, *args, "--backend", "sdp")
    assert (pepit["backend"], sdp["backend"]) == ("pepit", "sdp")
    assert (pepit["rows"][0]["gram_dim"], sdp["rows"][0]["gram_dim"]) == (4, 6)
    assert pepit["rows"][0]["value"] == pytest.approx(sdp["rows"][0]["value"], rel=1e-5)


def test_json_worst_delay(capsys):
    _, doc = run_json(capsys, "--method", "worst-delay", "--tau", "1", "--N", "3", "--gamma", "0.5")
    r = doc["rows"][0]
    assert r["n_sequences"] == 4 and r["status"] == "optimal" and len(r["worst_delays"]) == 3


def test_json_delay_sequence_with_rule(capsys):
    _, doc = run_json(capsys, "--method", "delay-sequence", "--delays", "0,3,3,3", "--gamma", "0.5",
                      "--rule", "filtered", "--threshold", "1")
    r = doc["rows"][0]
    assert (r["N"], r["tau"]) == (4, 3)
    assert r["method"]["effective_delays"] == [0, 1, 2, 3]
    assert r["method"]["stepsizes"] == [0.5, 0.5, 0.0, 0.0]
    # both applied steps use g_0, so x_4 = x_0 − ∇f(x_0): one GD step with γ = 1, worst case 1/6
    assert r["status"] == "optimal" and r["value"] == pytest.approx(1 / 6, rel=1e-4)


def test_table_and_files(tmp_path, capsys):
    code = main(["pep", "--tau", "0,2", "--N", "1..3", "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert code == 0
    assert "worst case" in out and "optimal" in out and "0.166667" in out
    doc = json.loads((tmp_path / "o" / "pep.json").read_text())
    assert len(doc["rows"]) == 6
    png = (tmp_path / "o" / "pep.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


@pytest.mark.parametrize(
    "args, field",
    [
        (["--N", "0"], "N:"),
        (["--N", "1..x"], "N:"),
        (["--tau", "-1"], "tau:"),
        (["--gamma", "-0.5"], "gamma:"),
        (["--gamma", "0"], "gamma:"),
        (["--gamma", "1/(L*x)"], "gamma:"),
        (["--method", "async"], "method:"),
        (["--rule", "filtered"], "threshold:"),
        (["--criterion", "loss"], "criterion:"),
        (["--backend", "mosek"], "backend:"),
        (["--mu", "2"], "mu:"),
        (["--method", "delay-sequence"], "delays:"),
        (["--method", "delay-sequence", "--delays", "0,-1"], "delays[1]:"),
        (["--method", "delay-sequence", "--delays", "0,1", "--N", "3"], "N:"),
        (["--method", "worst-delay", "--tau", "3", "--N", "12", "--max-sequences", "100"], "tau_max:"),
    ],
)
def test_bad_input_exit_2_names_field(capsys, args, field):
    assert main(["pep", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ratecheck: error: ") and field in err
