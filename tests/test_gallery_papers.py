"""The seed papers' experiments bundled as specs (issue 23): each validates and plans at the
published scale without running anything, and a spec edited against its paper's setup is
refused before anything runs (exit 2, one line naming the field).

Specs: RM-Q (Ringmaster, arXiv:2501.16168), ATA-Q (arXiv:2502.00775), RS-toy (Rescaled ASGD,
arXiv:2605.13434), RL-heterogeneous (Ringleader, arXiv:2509.22860), BR-Q homogeneous and
heterogeneous (Tyurin & Richtárik, NeurIPS 2023, reconstructed); theory note
fixed-computation.md §9.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from ratecheck.plan import plan, validate_check, validate_grids
from ratecheck.references import resolve_references
from ratecheck.spec import load_spec

ROOT = Path(__file__).parents[1]

#: spec → (problem and asynchrony values the paper publishes, sweep points, planned runs incl. tuning)
PAPERS = {
    "ringmaster-quadratic": ({"problem.d": 1729, "problem.noise_std": 0.01, "asynchrony.n": 6174,
                              "asynchrony.family": "half-normal", "asynchrony.base": "linear",
                              "asynchrony.noise": "sqrt"}, 1, 3 * 11 * 3),
    "ata-quadratic": ({"problem.d": 100, "problem.noise_std": 0.001, "asynchrony.family": "exponential",
                       "asynchrony.base_scale": 29.0, "asynchrony.noise_scale": 29.0}, 4, 5 * 4 * 8),
    "rescaled-asgd-toy": ({"problem.d": 1, "asynchrony.n": 2}, 1, 2 * 10),
    "ringleader-heterogeneous": ({"problem.n": 100, "asynchrony.n": 100, "asynchrony.family": "half-normal",
                                  "asynchrony.base": "linear", "asynchrony.noise": "sqrt"}, 1, 4 * 11 * 3 + 30),
    "bridging-homogeneous": ({"problem.d": 100, "asynchrony.n": 100}, 1, 2 * 7 * 3),
    "bridging-heterogeneous": ({"problem.n": 100, "problem.d": 100, "asynchrony.n": 100}, 1, 2 * 8),
}


def spec_path(name):
    return ROOT / "problems" / f"{name}.toml"


@pytest.mark.parametrize("name", sorted(PAPERS))
def test_paper_spec_validates_and_plans_at_the_published_scale(name):
    spec = load_spec(spec_path(name))
    values, points, runs = PAPERS[name]
    for key, want in values.items():
        table, field = key.split(".")
        assert getattr(spec, table)[field] == want, key
    claims = validate_check(spec)
    the_plan = plan(spec)
    validate_grids(spec, claims, the_plan)
    resolve_references(claims, the_plan)
    assert len(spec.points()) == points
    assert len(the_plan.fragments) + len(the_plan.tuning) == runs


def test_ata_sweeps_the_papers_worker_counts():
    assert load_spec(spec_path("ata-quadratic")).sweep["asynchrony.n"] == [17, 51, 153, 459]


def check(tmp_path, name, old, new):
    text = spec_path(name).read_text()
    assert old in text
    edited = tmp_path / f"{name}.toml"
    edited.write_text(text.replace(old, new, 1))
    return subprocess.run([sys.executable, "-m", "ratecheck.cli", "check", str(edited), "--out", str(tmp_path / "out"),
                           "--backend", "serial", "--no-progress", "--no-cache"], capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("name,old,new,field", [
    # the card's iteration cap would stop runs before the compared time
    ("ringmaster-quadratic", 'theorem = "none"\n', "", "claims[0].at"),
    # the frequency-weighted point needs fixed compute times
    ("rescaled-asgd-toy", 'model = "fixed"\nn = 2\nprofile = "quadratic"',
     'model = "random"\nn = 2\nfamily = "half-normal"\nbase = "quadratic"', "asynchrony.model"),
    # 4 sweep points and Holm's correction: 6 seeds can never pass
    ("ata-quadratic", "seeds = 8", "seeds = 6", "claims[0]"),
    # BR-Q's one-fast-worker profile needs its 100 compute times
    ("bridging-homogeneous", "tau = [0.01, ", "tau = [", "tau"),
])
def test_an_edit_against_the_papers_setup_is_refused_with_exit_2(tmp_path, name, old, new, field):
    res = check(tmp_path, name, old, new)
    assert res.returncode == 2, res.stdout[-2000:] + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0] and "Traceback" not in res.stderr
