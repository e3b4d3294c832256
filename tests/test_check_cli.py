"""`ratecheck check` end to end on a tiny spec: exit codes, bad input, bit-identical verdicts."""

import json
import subprocess
import sys
import textwrap

import pytest

TINY = textwrap.dedent("""
    [check]
    name = "tiny"
    seeds = 3
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
    (("seeds = 3", "sedes = 3"), "check.sedes"),
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
    va = json.loads((tmp_path / "a" / "verdicts.json").read_text())
    assert (tmp_path / "a" / "verdicts.json").read_bytes() == (tmp_path / "b" / "verdicts.json").read_bytes()
    holds = [v for v in (va if isinstance(va, list) else va["verdicts"]) if v["kind"] == "holds"]
    assert holds and holds[0]["status"] in ("pass", "inconclusive")  # 3 seeds may be too few to pass
    assert (tmp_path / "a" / "report.html").stat().st_size > 1000
