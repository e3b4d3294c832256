"""Parameter grids in algorithm tables (ratecheck.grid): members, labels, refusals, run keys."""

import copy

import pytest

from ratecheck.errors import SpecError
from ratecheck.grid import claim_labels, expand_claims, members
from ratecheck.plan import plan, validate_check
from ratecheck.spec import load_spec, parse_spec
from ratecheck.sweep.keys import run_key

BASE = {
    "check": {"name": "g", "seeds": 2},
    "problem": {"family": "quadratic", "d": 3, "L": 1.0, "mu": 0.2, "sigma2": 0.5},
    "asynchrony": {"model": "fixed", "n": 4, "profile": "sqrt"},
    "sweep": {"eps": [0.5]},
    "horizon": {"iterations": 100.0},
    "algorithms": [{"label": "A", "method": "ringmaster-asgd", "params": {"gamma": [0.5, 0.25], "R": [2, 4, 8]}}],
}


def spec_with(**changes):
    raw = copy.deepcopy(BASE)
    for path, value in changes.items():
        node = raw
        *head, last = path.split("__")
        for k in head:
            node = node[int(k)] if isinstance(node, list) else node[k]
        node[last] = value
    return raw


def test_product_labels_in_written_order():
    spec = parse_spec(spec_with())
    labels = [m.label for m in members(spec.algorithms[0])]
    assert labels == ["A[gamma=0.5,R=2]", "A[gamma=0.5,R=4]", "A[gamma=0.5,R=8]",
                      "A[gamma=0.25,R=2]", "A[gamma=0.25,R=4]", "A[gamma=0.25,R=8]"]
    assert members(spec.algorithms[0])[4].params == {"gamma": 0.25, "R": 4}
    # every member runs, under its label, with its own parameters
    frags = plan(parse_spec(spec_with())).fragments
    assert sorted({(f.label, f.params["gamma"], f.params["R"]) for f in frags}) == sorted(
        (m.label, m.params["gamma"], m.params["R"]) for m in members(spec.algorithms[0]))
    assert claim_labels(spec) == labels


def test_powers_grid_and_shortest_numbers():
    spec = parse_spec(spec_with(algorithms__0__params={"gamma": {"base": 2, "powers": [-3, -1]}, "R": 2}))
    assert [m.label for m in members(spec.algorithms[0])] == ["A[gamma=0.125]", "A[gamma=0.25]", "A[gamma=0.5]"]
    spec = parse_spec(spec_with(algorithms__0__params={"gamma": [0.1, 1e-05], "R": 2}))
    assert [m.label for m in members(spec.algorithms[0])] == ["A[gamma=0.1]", "A[gamma=1e-05]"]


@pytest.mark.parametrize("changes, field", [
    ({"algorithms__0__params": {"gamma": [0.5, 0.5]}}, "algorithms[0].params"),
    ({"algorithms__0__params": {"gamma": []}}, "algorithms[0].params"),
    ({"algorithms__0__params": {"gamma": {"base": 2, "powers": [1, 0]}}}, "algorithms[0].params.gamma"),
    ({"algorithms__0__tune": {"over": "gamma", "seeds": [5]}}, "algorithms[0].tune.over"),  # R is a grid too
    ({"algorithms__0__params": {"gamma": [0.5, 0.25], "R": 2}, "algorithms__0__tune": {"over": "gamma", "seeds": [1, 5]}},
     "algorithms[0].tune.seeds"),  # seed 1 is also a check seed
    ({"algorithms__0__params": {"gamma": [0.5, 0.25], "R": 2}, "algorithms__0__tune": {"over": "gamma", "seeds": [5], "measure": "x"}},
     "algorithms[0].tune.measure"),
])
def test_refusals_name_the_field(changes, field):
    with pytest.raises(SpecError) as err:
        parse_spec(spec_with(**changes))
    assert err.value.field.startswith(f"spec: {field}")


def test_member_label_collision_is_refused():
    raw = spec_with()
    raw["algorithms"].append({"label": "A[gamma=0.5,R=2]", "method": "asgd", "params": {"gamma": 0.1}})
    with pytest.raises(SpecError, match="also a label"):
        parse_spec(raw)


def test_run_keys_of_a_spec_without_lists_do_not_change():
    # computed with the code before grids existed (main at 8b237e9)
    frags = plan(load_spec("problems/quickstart.toml")).fragments
    assert len(frags) == 96
    assert run_key(frags[0].to_dict()) == "015907c5ab38b9832af298c1d010d82dc2f28612cc3c0a76c2bc21efd247ade3"
    assert run_key(frags[-1].to_dict()) == "cdd0e18956dcafc224497f8182ace0266b3f5763eaf5d2c76519fb18d4f77987"


def test_optimal_parameter_names_a_grid_table():
    raw = spec_with(algorithms__0__params={"gamma": [0.5, 0.25, 0.125], "R": 2})
    raw["check"]["seeds"] = 6
    raw["claims"] = [{"kind": "optimal-parameter", "algorithm": "A", "parameter": "gamma", "factor": 2.5}]
    spec = parse_spec(raw)
    (claim,) = expand_claims(spec)
    assert claim["algorithm_grid"] == ["A[gamma=0.5]", "A[gamma=0.25]", "A[gamma=0.125]"] and "algorithm" not in claim
    assert validate_check(spec)[0]["algorithm_grid"] == claim["algorithm_grid"]
    raw["claims"][0]["parameter"] = "R"
    with pytest.raises(SpecError) as err:
        validate_check(parse_spec(raw))
    assert err.value.field == "claims[0].algorithm"
