"""Fuzz test: hostile specs, cards, trace CSVs and command lines never give a traceback.

Hypothesis mutates a valid check spec, a valid theorem card and a valid trace CSV line
by line (values replaced by hostile ones: wrong types, 0, negatives, 1e300, NaN, huge
sizes, bytes that are not UTF-8, lines dropped or doubled) and draws command lines from
the options of every command, then runs ``ratecheck`` in this process and asserts:
exit code in {0, 1, 2, 3}, no exception escapes (no traceback), and exactly one line on
stderr for exit code 2.

Bounded in time for CI: the simulator is ``fake_engine`` (no compilation), the report
writer is reduced to ``verdicts.json`` (report writing has its own property test,
``test_report_robust``), the machine is taken to have 16 GiB, 100 examples per test are
drawn from a fixed seed (``derandomize``; ``RATECHECK_FUZZ_EXAMPLES=N`` draws N from a
random one), and nothing is shrunk. The
cases tried per exit code are printed at the end (``pytest -s``) and are Hypothesis
events (``--hypothesis-show-statistics``).
"""

import contextlib
import io
from collections import Counter
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

import fake_engine
from ratecheck.cli import main
from test_check_cli import TINY

ROOT = Path(__file__).resolve().parents[1]
CARD = (ROOT / "proofs" / "ringmaster-asgd.toml").read_text(encoding="utf-8")
TRACE = "worker,duration\n0,1.0\n1,2.5\n2,0.5\n0,1.5\n"

#: Examples per test; ``RATECHECK_FUZZ_EXAMPLES=N`` runs a longer fuzz from a random seed.
EXAMPLES = int(os.environ.get("RATECHECK_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="RATECHECK_FUZZ_EXAMPLES" not in os.environ,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: Cases tried, by what was fuzzed and exit code.
TALLY: Counter = Counter()

#: Hostile TOML values (as written in a file).
VALUES = ["true", '"yes"', '"5000"', "2.0", "0", "-1", "-3", "0.5", "1e300", "-1e300", "nan", "inf", "1e-300",
          "1000000000", "100000000", "[]", '["0.1"]', "[0, -1]", "{}", '"theory"', '"none"', '""', '"ringmaster-asgdd"',
          '"delay"', "[1e-9]", '{ R = "theory" }', '{ gamma = true }', "[[1]]"]
#: Hostile bytes and fragments dropped into a line.
JUNK = [b"\xff", b"\xc3\x28", b"\x00", b"=", b"[", b'"', b"\n[[", b" = = ", b"\xe2\x82"]


@pytest.fixture(scope="module", autouse=True)
def bounded():
    """fake engine, verdicts-only report, 16 GiB; restored after the module."""
    import json

    import ratecheck.execute
    import ratecheck.guards
    import ratecheck.report
    from ratecheck.report.jsonout import verdicts_json

    def verdicts_only(out_dir, context):
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        (Path(out_dir) / "verdicts.json").write_text(verdicts_json(context.get("verdicts") or [], context.get("partial")))
        json.loads((Path(out_dir) / "verdicts.json").read_text())

    saved = (ratecheck.execute.run_fragment, ratecheck.execute.run_fragments, ratecheck.report.write_report,
             ratecheck.guards.machine_memory)
    ratecheck.execute.run_fragment, ratecheck.execute.run_fragments = fake_engine.run_fragment, fake_engine.run_fragments
    ratecheck.report.write_report = verdicts_only
    ratecheck.guards.machine_memory = lambda: 16.0 * 2**30
    yield
    (ratecheck.execute.run_fragment, ratecheck.execute.run_fragments, ratecheck.report.write_report,
     ratecheck.guards.machine_memory) = saved
    print(f"\nfuzz: {sum(TALLY.values())} cases: " + ", ".join(f"{k} {n}" for k, n in sorted(TALLY.items())))


def run(*argv) -> tuple[int, str]:
    """``ratecheck ARGV`` in this process: (exit code, stderr); an escaping exception fails."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse
            code = exc.code
    return code, err.getvalue()


def judge(code: int, err: str, what: str) -> None:
    event(f"{what}: exit {code}")
    TALLY[f"{what}: exit {code}"] += 1
    assert code in (0, 1, 2, 3), (code, err)
    assert "Traceback" not in err, err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ratecheck: error: "), err


@st.composite
def mutated(draw, text: str, min_edits: int = 1, max_edits: int = 3) -> bytes:
    """``text`` with a few lines edited: a value replaced, a line dropped or doubled, junk bytes."""
    lines = [line.encode() for line in text.splitlines()]
    for _ in range(draw(st.integers(min_edits, max_edits))):
        if not lines:
            lines = [b""]
        i = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["value", "value", "value", "drop", "double", "junk"]))
        if how == "value" and b"=" in lines[i]:
            key = lines[i].split(b"=", 1)[0]
            lines[i] = key + b"= " + draw(st.sampled_from(VALUES)).encode()
        elif how == "drop":
            del lines[i]
        elif how == "double":
            lines.insert(i, lines[i])
        else:
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(JUNK)) + lines[i][at:]
    return b"\n".join(lines) + b"\n"


def _scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="ratecheck-fuzz-"))


@FUZZ
@given(spec=mutated(TINY.replace("seeds = 3", "seeds = 2"), min_edits=0))
def test_fuzz_spec_tables(spec):
    tmp = _scratch()
    try:
        (tmp / "spec.toml").write_bytes(spec)
        judge(*run("check", tmp / "spec.toml", "--out", tmp / "out", "--backend", "serial", "--no-progress"), "spec")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@FUZZ
@given(card=mutated(CARD, max_edits=2), sets=st.lists(st.sampled_from(
    ["L=1", "Delta=1", "sigma2=1", "eps=0.1", "R=4", "R=-3", "R=0.5", "gamma=0.01", "L=1e300", "eps=1e-300"]),
    min_size=2, max_size=6))
def test_fuzz_card_tables(card, sets):
    tmp = _scratch()
    old = os.environ.get("RATECHECK_PROOFS")
    try:
        proofs = tmp / "proofs"
        shutil.copytree(ROOT / "proofs", proofs)
        (proofs / "ringmaster-asgd.toml").write_bytes(card)
        os.environ["RATECHECK_PROOFS"] = str(proofs)
        judge(*run("show", "ringmaster-asgd", "--no-check"), "card show")
        judge(*run("bound", "ringmaster-asgd", "--set", *sets, "--tau", "1,2,4"), "card bound")
    finally:
        if old is None:
            os.environ.pop("RATECHECK_PROOFS", None)
        else:
            os.environ["RATECHECK_PROOFS"] = old
        shutil.rmtree(tmp, ignore_errors=True)


TRACE_SPEC = re.sub(r'model = "fixed"\nn = 4\nprofile = "sqrt"', 'model = "trace"\nfile = "TRACE"',
                    TINY.replace("seeds = 3", "seeds = 2"))


@FUZZ
@given(trace=mutated(TRACE, max_edits=4),
       extra=st.lists(st.sampled_from(["0,-1", "1,nan", "1,inf", "x,1", "-1,1", "5,1", ",", "0,1e300", "0,1,2", ""]),
                      max_size=3))
def test_fuzz_trace_csvs(trace, extra):
    tmp = _scratch()
    try:
        (tmp / "trace.csv").write_bytes(trace + "\n".join(extra).encode())
        (tmp / "spec.toml").write_text(TRACE_SPEC.replace("TRACE", str(tmp / "trace.csv")))
        judge(*run("check", tmp / "spec.toml", "--out", tmp / "out", "--backend", "serial", "--no-progress"), "trace")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


#: Per command: a valid command line, and tokens the fuzz appends to it (hostile or not).
COMMANDS = {
    "bound": (["ringmaster-asgd", "--set", "L=1", "Delta=1", "sigma2=1", "eps=0.1"],
              ["asgd", "nope", "--set", "R=-3", "R=4", "eps=0", "L=nan", "Delta=", "x", "L=1e300", "--tau", "1,2",
               "0,1", "--tau-profile", "sqrt:n=4", "sqrt:n=1000000000", "cube:n=2", "--json"]),
    "compare": (["ringmaster-asgd", "rennala-sgd", "--set", "L=1", "Delta=1", "sigma2=1", "eps=0.1"],
                ["nope", "--set", "gamma=-1", "eps=-1", "--tau", "1,2", "--tau-profile", "linear:n=3", "--json"]),
    "optimal": (["ringmaster-asgd", "--param", "R", "--set", "L=1", "Delta=1", "sigma2=1", "eps=0.1"],
                ["--param", "gamma", "nope", "--max", "0", "5", "-2", "--objective", "iterations", "nope", "--tau",
                 "1,2", "--json"]),
    "explain": (["ringmaster-asgd", "--no-run"],
                ["asgd", "--set", "d=100000000", "d=2.5", "n=0", "n=3", "eps=1e-9", "mu=-1", "R=0.5", "R=2",
                 "--tau-profile", "sqrt:n=3", "--seed", "-1", "3"]),
    "show": (["ringmaster-asgd", "--no-check"], ["nope", "../etc/passwd", "--json", "asgd"]),
    "problems": ([], ["quadratic", "logistic", "nope", "--set", "d=100000000", "d=1e300", "L=true", "d=3", "--json"]),
    "pep": (["--N", "2"], ["--N", "0", "100000", "1..100000", "x", "--tau", "0,1", "-1", "--gamma", "1/L", "-1",
                           "L**", "--method", "worst-delay", "nope", "--out", "/etc/passwd", "OUT", "--mu", "2",
                           "--criterion", "nope"]),
    "check": (["SPEC", "--out", "OUT", "--backend", "serial", "--no-progress"],
              ["--out", "/etc/passwd", "--backend", "mpi", "--workers", "0", "2", "--max-events", "0", "10",
               "--store", "/etc/passwd/x", "--force", "--no-cache"]),
    "theorems": ([], ["--json", "--nope"]),
}


@FUZZ
@given(command=st.sampled_from(sorted(COMMANDS)), data=st.data())
def test_fuzz_command_lines(command, data):
    valid, extra = COMMANDS[command]
    argv = [command, *valid, *data.draw(st.lists(st.sampled_from(extra), max_size=4))]
    if command == "explain" and "--no-run" not in argv:
        argv.append("--no-run")  # a live example runs the real simulator
    tmp = _scratch()
    try:
        (tmp / "spec.toml").write_text(TINY.replace("seeds = 3", "seeds = 2"))
        argv = [tmp / "spec.toml" if a == "SPEC" else tmp / "out" if a == "OUT" else a for a in argv]
        judge(*run(*argv), command)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
