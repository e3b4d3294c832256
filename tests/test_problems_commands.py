"""``ratecheck problems`` and the family-wide contract checks, over every registered
family with the example it declares beside its code (``example``)."""

import argparse
import json

import numpy as np
import pytest

from ratecheck.constants import PROVENANCES
from ratecheck.errors import SpecError
from ratecheck.problems import PROBLEMS, commands, make_problem
from ratecheck.problems._common import SpecProblem
from ratecheck.testing import check_problem
from ratecheck.vocabulary import PROBLEM_PROPERTIES

FAMILIES = PROBLEMS.names()


def cli(argv):
    parser = argparse.ArgumentParser(prog="ratecheck")
    commands.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_the_bundled_families_are_registered():
    assert {"heterogeneous-quadratic", "logistic", "quadratic", "robust-regression", "separable-nonconvex",
            "tridiagonal", "zero-chain"} <= set(FAMILIES)


@pytest.mark.parametrize("family", FAMILIES)
def test_example_instances_honour_the_contract(family):
    cls = PROBLEMS.get(family)
    p = make_problem({"family": family, **cls.example})
    q = make_problem({"family": family, **cls.example})
    assert set(p.properties) <= set(PROBLEM_PROPERTIES)
    assert p.describe() == q.describe()  # same spec, same instance
    for name, c in p.constants.values.items():
        assert c.provenance in PROVENANCES and c.note, name
    assert p.x0.shape == (p.d,) and (p.x_star is None or p.x_star.shape == (p.d,))
    assert ("nonconvex" in p.properties) != ("convex" in p.properties)
    assert {"smooth", "lower-bounded", "unbiased", "bounded-variance"} <= set(p.properties)
    assert ("heterogeneous" in p.properties) == (p.n_parts > 1)
    assert ("finite-sum" in p.properties) == (p.n_samples > 0)
    fo = p.fast_oracle()
    out = np.empty(p.d)
    assert fo.value_grad(fo.data, p.x0, out) == pytest.approx(p.f(p.x0), rel=1e-12)
    assert json.dumps(p.describe(), default=float)


@pytest.mark.parametrize("family", FAMILIES)
def test_example_instances_pass_the_problem_conformance_suite(family):
    check_problem(make_problem({"family": family, **PROBLEMS.get(family).example}), np.random.default_rng(0))


def test_listing_json_has_every_family_with_provenance(capsys):
    assert cli(["problems", "--json"]) == 0
    entries = {e["family"]: e for e in json.loads(capsys.readouterr().out)}
    assert set(FAMILIES) == set(entries)
    log = entries["logistic"]["instance"]["constants"]
    assert log["L"]["provenance"] == "certified" and log["mu"]["provenance"] == "exact"
    assert entries["quadratic"]["required"] == ["d"]
    assert entries["zero-chain"]["instance"]["constants"]["Delta"]["provenance"] == "exact"


@pytest.mark.parametrize("family", FAMILIES)
def test_every_parameter_is_declared_with_a_type_and_a_description(family):
    entry = commands.describe_family(family)
    assert entry["parameters"] and entry["required"] == [n for n in entry["parameters"] if n in entry["required"]]
    for name, p in entry["parameters"].items():
        assert p["type"] and p["description"], (family, name)


def test_the_listing_shows_each_parameter_as_declared(capsys):
    assert cli(["problems", "quadratic"]) == 0
    out = capsys.readouterr().out
    assert "    d: int ≥ 1 (required) — dimension\n" in out
    assert "    D: float ≥ 0 | none (optional) — ‖x0 − x*‖: x0 = x* − D·1/√d\n" in out
    assert "    sigma2: float ≥ 0 (default 0.0) — E‖g − ∇f‖², the same at every point\n" in out
    assert '    noise: "gaussian" | "scalar" (default \'gaussian\')' in out
    assert cli(["problems", "logistic", "--json"]) == 0
    rare = json.loads(capsys.readouterr().out)["parameters"]["rare"]
    assert rare == {"type": "float > 0, < 1", "default": 0.02, "description": "with cost = rare: the fraction of costly samples"}


def test_a_user_family_without_declarations_is_listed_and_its_errors_are_spec_errors(monkeypatch):
    class Plain(SpecProblem):
        """A user's family whose constructor declares no types."""

        def __init__(self, d, scale=1.0):
            self.d = d

    monkeypatch.setitem(PROBLEMS._items, "plain", Plain)
    monkeypatch.setattr(Plain, "registry_name", "plain", raising=False)
    entry = commands.describe_family("plain")
    assert entry["parameters"] == {"d": {"type": "any", "default": None, "description": ""},
                                   "scale": {"type": "any", "default": 1.0, "description": ""}}
    assert entry["required"] == ["d"] and "missing 1 required positional argument: 'd'" in entry["instance_error"]
    with pytest.raises(SpecError) as info:
        make_problem({"family": "plain", "d": 2, "colour": "red"})
    assert info.value.field == "problem" and "colour" in str(info.value)


def test_one_family_with_parameters(capsys):
    assert cli(["problems", "tridiagonal", "--set", "d=1729", "--set", "noise=scalar"]) == 0
    out = capsys.readouterr().out
    assert "Delta" in out and "442.77" in out and "exact" in out
    assert cli(["problems", "quadratic", "--set", "d=3", "--set", "eigenvalues=[1, 2, 4]", "--json"]) == 0
    e = json.loads(capsys.readouterr().out)
    assert e["instance"]["constants"]["L"]["value"] == 4.0 and e["instance"]["constants"]["mu"]["value"] == 1.0


@pytest.mark.parametrize("argv,field", [
    (["problems", "quadratic", "--set", "d=-1"], "problem.d"),
    (["problems", "quadratic", "--set", "d"], "--set"),
    (["problems", "nonesuch"], "family"),
    (["problems", "--set", "d=3"], "--set"),
    (["problems", "quadratic", "--set", "d=3", "--set", "colour=red"], "problem.colour"),
])
def test_bad_input_is_a_spec_error(argv, field):
    with pytest.raises(SpecError) as info:
        cli(argv)
    assert info.value.field == field
