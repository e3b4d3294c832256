"""`ratecheck check` end to end on a tiny spec: exit codes, bad input, bit-identical verdicts."""

import json
import math
import subprocess
import sys
import textwrap

import pytest

TINY = textwrap.dedent("""
    [check]
    name = "tiny"
    seeds = 5
    [problem]
    family = "quadratic"
    d = 3
    L = 1.0
    mu = 0.2
    sigma2 = 0.5
    [asynchrony]
    model = "fixed"
    n = 4
    profile = "sqrt"
    [sweep]
    eps = [0.5]
    [horizon]
    factor = 1.2
    stop_at_target = false
    [[algorithms]]
    label = "Ringmaster"
    method = "ringmaster-asgd"
    params = { R = "theory", gamma = "theory" }
    [[claims]]
    kind = "holds"
    algorithm = "Ringmaster"
    theorem = "ringmaster-asgd"
    bound = "iterations"
""")


def run(tmp_path, text, name="spec.toml", out="out"):
    spec = tmp_path / name
    spec.write_text(text)
    return subprocess.run([sys.executable, "-m", "ratecheck.cli", "check", str(spec), "--out", str(tmp_path / out),
                           "--backend", "serial", "--no-progress"], capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("edit,field", [
    (("seeds = 5", "sedes = 5"), "check.sedes"),
    (('method = "ringmaster-asgd"', 'method = "ringmastr"'), "algorithms[0].method"),
    (("L = 1.0", "L = -1.0"), "problem.L"),
    (('profile = "sqrt"', 'profile = "list"\ntau = [1.0, 0.0, 2.0, 3.0]'), "tau"),
])
def test_bad_input_exits_2_with_one_line_naming_the_field(tmp_path, edit, field):
    res = run(tmp_path, TINY.replace(*edit))
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0] and "Traceback" not in res.stderr


@pytest.mark.slow
def test_check_passes_and_verdicts_are_bit_identical(tmp_path):
    a = run(tmp_path, TINY, out="a")
    b = run(tmp_path, TINY, out="b")
    assert a.returncode == 0, a.stderr
    assert b.returncode == 0, b.stderr
    va = json.loads((tmp_path / "a" / "verdicts.json").read_text())
    assert (tmp_path / "a" / "verdicts.json").read_bytes() == (tmp_path / "b" / "verdicts.json").read_bytes()
    holds = [v for v in (va if isinstance(va, list) else va["verdicts"]) if v["kind"] == "holds"]
    assert holds and holds[0]["status"] in ("pass", "inconclusive")  # 3 seeds may be too few to pass
    assert (tmp_path / "a" / "report.html").stat().st_size > 1000


# --- parameters: "theory", explicit, and explicit values outside the card's conditions ----

def _plan(tmp_path, text):
    from ratecheck.plan import plan
    from ratecheck.spec import load_spec

    spec = tmp_path / "spec.toml"
    spec.write_text(text)
    return plan(load_spec(spec))


def test_an_explicit_gamma_outside_the_cards_conditions_is_recorded_and_still_run(tmp_path):
    # L = 1, σ² = 0.5, ε = 0.5: the card's R = max(1, ⌈σ²/ε⌉) = 1 and γ = min(1/(2RL), ε/(4Lσ²)) = min(0.5, 0.25)
    planned = _plan(tmp_path, TINY.replace('gamma = "theory"', "gamma = 0.9"))
    (pred,) = planned.prediction_dicts().values()
    assert pred["violations"] == ["gamma = 0.9 > 1/(2*L*R) = 0.5", "gamma = 0.9 > eps/(4*L*sigma2) = 0.25"]
    assert pred["card_parameters"] == {"R": 1, "gamma": 0.25}
    assert [f.params["gamma"] for f in planned.fragments] == [0.9] * 5  # the runs go on with the given γ
    # the bound is the card's at the parameters run (its iterations bound uses R, not γ)
    card = planned.cards["ringmaster-asgd"]
    assert pred["bounds"]["iterations"] == card.evaluate({**pred["inputs"], "R": 1}).as_dict()["bounds"]["iterations"]


def test_theory_parameters_follow_the_explicit_ones(tmp_path):
    # R = 4 given: the card's γ for it is min(1/(2·4·1), 0.25) = 0.125, its own choice stays R = 1, γ = 0.25
    planned = _plan(tmp_path, TINY.replace('R = "theory"', "R = 4"))
    (pred,) = planned.prediction_dicts().values()
    assert planned.fragments[0].params["R"] == 4 and planned.fragments[0].params["gamma"] == 0.125
    assert pred["parameters"] == {"R": 4, "gamma": 0.125} and pred["card_parameters"] == {"R": 1, "gamma": 0.25}
    assert pred["violations"] == []
    # K = ⌈8RLΔ/ε + 16σ²LΔ/ε²⌉ with R = 4
    D = pred["inputs"]["Delta"]
    assert pred["bounds"]["iterations"] == math.ceil(8 * 4 * D / 0.5 + 16 * 0.5 * D / 0.25)


GRID = TINY.replace("seeds = 3", "seeds = 5").split("[[algorithms]]")[0] + "".join(
    f"""
    [[algorithms]]
    label = "g{g}"
    method = "ringmaster-asgd"
    theorem = "ringmaster-asgd"
    params = {{ R = "theory", gamma = {g} }}
    """ for g in (0.0625, 0.25, 0.9)) + """
    [[claims]]
    kind = "holds"
    algorithm = "g0.9"
    theorem = "ringmaster-asgd"
    bound = "iterations"
    [[claims]]
    kind = "optimal-parameter"
    algorithm_grid = ["g0.0625", "g0.25", "g0.9"]
    parameter = "gamma"
    factor = 2.0  # 0.0625 and 0.9 lie outside ×2 of the card's 0.25: the claim can fail
    measure = "iterations"
    """


@pytest.mark.slow
def test_check_flags_violations_optimises_over_a_grid_and_regenerates_without_simulating(tmp_path, monkeypatch, capsys):
    import ratecheck.execute
    from ratecheck.check import run_check
    from ratecheck.sweep.store import ResultStore

    spec = tmp_path / "grid.toml"
    spec.write_text(textwrap.dedent(GRID))

    def opts():
        return {"store": ResultStore(tmp_path / "r.sqlite"), "backend": "serial"}

    # the best γ on the grid (0.9) lies outside ×2 of the card's 0.25: the claim fails, exit 1
    assert run_check(spec, tmp_path / "a", opts(), progress=False) == 1
    first = capsys.readouterr().out
    assert "15 simulated for 15 runs, 0 reused" in first
    assert "flagged: g0.9 at {\"eps\": 0.5} ran with gamma = 0.9 > 1/(2*L*R) = 0.5" in first
    verdicts = json.loads((tmp_path / "a" / "verdicts.json").read_text())
    holds, optimal = verdicts[0], verdicts[1]
    assert holds["status"] == "not-applicable" and "g0.9 ran with gamma = 0.9 > 1/(2*L*R) = 0.5" in holds["reason"]
    assert [v["algorithm"] for v in holds["violations"]] == ["g0.9", "g0.9"]
    assert optimal["predicted"] == 0.25 and optimal["observed"] == 0.9 and optimal["status"] == "fail"
    assert optimal["points"][0]["grid"] == [0.0625, 0.25, 0.9] and "flagged: g0.9 ran with gamma = 0.9" in optimal["reason"]
    md = (tmp_path / "a" / "report.md").read_text()
    assert "## Flags" in md and "| g0.9 | eps=0.5 | ringmaster-asgd | g0.9 ran with gamma = 0.9 > 1/(2*L*R) = 0.5" in md

    # regenerating from the stored results runs no simulation
    def no_simulation(fragment):
        raise AssertionError("simulated while regenerating a report")

    monkeypatch.setattr(ratecheck.execute, "run_fragment", no_simulation)
    assert run_check(spec, tmp_path / "b", opts(), progress=False) == 1
    assert "0 simulated for 0 runs, 15 reused" in capsys.readouterr().out
    assert (tmp_path / "a" / "verdicts.json").read_bytes() == (tmp_path / "b" / "verdicts.json").read_bytes()
    figs = sorted(p.name for p in (tmp_path / "a" / "figures").glob("*.svg"))
    assert figs and all((tmp_path / "a" / "figures" / f).read_bytes() == (tmp_path / "b" / "figures" / f).read_bytes() for f in figs)
    # the reports differ only in the run counts of the summary line
    diff = [(x, y) for x, y in zip(md.splitlines(), (tmp_path / "b" / "report.md").read_text().splitlines()) if x != y]
    assert len(diff) == 1 and "computed 15, reused 0" in diff[0][0] and "computed 0, reused 15" in diff[0][1]


def test_theorem_none_evaluates_no_card(tmp_path):
    """`theorem = "none"` opts out of the method's default card; "theory" then has nothing to read."""
    text = TINY.replace('params = { R = "theory", gamma = "theory" }', 'theorem = "none"\nparams = { R = 2, gamma = 0.1 }')
    text = text[: text.index("[[claims]]")].replace("factor = 1.2", "iterations = 100")
    planned = _plan(tmp_path, text)
    (pred,) = planned.prediction_dicts().values()
    frag = planned.fragments[0]
    assert planned.cards == {} and pred["bounds"] == {} and pred["theorem"] is None and frag.theorem is None
    assert frag.horizon["iterations"] == 100  # no card bound to scale: the spec's horizon
    from ratecheck.errors import SpecError

    with pytest.raises(SpecError, match="needs a theorem card"):
        _plan(tmp_path, TINY.replace('params = { R = "theory"', 'theorem = "none"\nparams = { R = "theory"'))


def test_errored_runs_make_their_claims_error_and_the_check_exit_3(tmp_path, monkeypatch):
    """One seed's runs raise: the claim that uses them is `error` (not inconclusive), the
    report lists the error with its message and seed, and the check exits 3."""
    import ratecheck.execute as engine_run
    from ratecheck.check import run_check

    real = engine_run.run_fragment

    def flaky(fragment):
        if fragment["seed"] == 2:
            raise RuntimeError("boom in the worker")
        return real(fragment)

    monkeypatch.setattr(engine_run, "run_fragment", flaky)
    spec = tmp_path / "spec.toml"
    spec.write_text(TINY)
    out = tmp_path / "out"
    rc = run_check(spec, out, {"store": None, "backend": "serial", "no_cache": True}, progress=False)
    assert rc == 3
    (holds,) = [v for v in json.loads((out / "verdicts.json").read_text()) if v["kind"] == "holds"]
    assert holds["status"] == "error" and "boom in the worker" in holds["reason"]
    md = (out / "report.md").read_text()
    assert "| Ringmaster | " in md and "| error | RuntimeError: boom in the worker |" in md


@pytest.mark.slow
def test_the_quickstart_with_faster_and_slower_swapped_fails_with_exit_1(tmp_path):
    """The issue's acceptance case, at one of the quickstart's points (ε = 0.4): Minibatch
    claimed faster than Ringmaster loses every paired seed, and the check says `fail`."""
    from pathlib import Path

    text = (Path(__file__).parents[1] / "problems" / "quickstart.toml").read_text()
    text = text.replace('faster = "Ringmaster"\nslower = "Minibatch"', 'faster = "Minibatch"\nslower = "Ringmaster"')
    text = text.replace("eps = [0.4, 0.2, 0.1]", "eps = [0.4]")
    assert 'faster = "Minibatch"' in text
    res = run(tmp_path, text)
    assert res.returncode == 1, res.stdout + res.stderr
    ordering = [v for v in json.loads((tmp_path / "out" / "verdicts.json").read_text()) if v["kind"] == "ordering"]
    assert ordering[0]["status"] == "fail" and ordering[0]["points"][0]["losses"] == 8


def test_a_finite_blow_up_is_listed_as_diverged_in_the_report(tmp_path):
    """The issue's case: quadratic d = 2, L = μ = 1, one worker, ASGD with γ = 3 for 300
    iterations. It used to end `ok` with f − f* ≈ 4e180; now it is `diverged` at the
    iteration where f − f* passes 10⁶·max(1, f(x₀) − f*) (4^k grows past it at k = 10)."""
    spec = textwrap.dedent("""
        [check]
        name = "blow-up"
        seeds = 2
        [problem]
        family = "quadratic"
        d = 2
        L = 1.0
        mu = 1.0
        sigma2 = 0.0
        [asynchrony]
        model = "fixed"
        n = 1
        profile = "equal"
        [sweep]
        eps = [0.1]
        [horizon]
        iterations = 300
        stop_at_target = false
        [[algorithms]]
        label = "ASGD"
        method = "asgd"
        theorem = "none"
        params = { gamma = 3.0 }
    """)
    res = run(tmp_path, spec)
    assert res.returncode == 0, res.stderr
    md = (tmp_path / "out" / "report.md").read_text()
    assert "2 of 2 runs did not finish normally: 2 diverged" in md
    assert "| ASGD | gamma: 3 | eps=0.1 | 0 | diverged | f − f* = 1.05e+06 exceeded 10^6·max(1, its value at x0) = 1e+06 at iteration 10, time 10, 10 gradients computed |" in md
