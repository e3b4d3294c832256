"""Mutation check of the bundled checks: every `ordering` claim, reversed, must fail.

A claim that cannot fail at its own spec's seeds is a defect (issue "Verdicts a
researcher can trust"). Each bundled spec is run once with every ordering claim
reversed (faster ↔ slower); the check must exit 1 and each reversed claim that passed
in the gallery must now be `fail`. Slow: it simulates every bundled check.
"""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SPECS = sorted(p for p in (ROOT / "problems").glob("*.toml") if any(c.get("kind") == "ordering" for c in tomllib.loads(p.read_text()).get("claims", [])))


def reversed_orderings(text: str) -> str:
    lines = text.splitlines()
    out = []
    for line in lines:
        if line.startswith("faster = "):
            line = "slower = " + line.split(" = ", 1)[1]
        elif line.startswith("slower = "):
            line = "faster = " + line.split(" = ", 1)[1]
        out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=[p.stem for p in SPECS])
def test_every_bundled_ordering_claim_reversed_fails(tmp_path, spec):
    gallery = ROOT / "reports" / "gallery" / spec.stem / "verdicts.json"
    passed = {v["index"] for v in json.loads(gallery.read_text()) if v["kind"] == "ordering" and v["status"] == "pass"}
    mutated = tmp_path / spec.name
    mutated.write_text(reversed_orderings(spec.read_text()))
    res = subprocess.run([sys.executable, "-m", "ratecheck.cli", "check", str(mutated), "--out", str(tmp_path / "out"), "--no-progress"],
                         capture_output=True, text=True, timeout=3600)
    assert res.returncode == 1, res.stdout[-2000:] + res.stderr
    verdicts = {v["index"]: v for v in json.loads((tmp_path / "out" / "verdicts.json").read_text()) if v["kind"] == "ordering"}
    for i in passed:
        assert verdicts[i]["status"] == "fail", verdicts[i]["reason"]
