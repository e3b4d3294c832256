"""Theorem cards load, validate their fields, and reject malformed input naming file and field."""

import math
from pathlib import Path

import numpy as np
import pytest

from ratecheck.engine.trace import STATISTICS
from ratecheck.errors import CardError, SpecError
from ratecheck.theory import all_cards, load_card, proofs_dir, read_card
from ratecheck.theory.card import CARD_ONLY_STATISTICS
from ratecheck.vocabulary import VOCABULARY

ISSUE2 = ["ringmaster-asgd", "rennala-sgd", "asgd", "minibatch-sgd", "lower-bound-homogeneous"]
ALGORITHM_CARDS = ["asgd", "delay-adaptive-asgd", "malenia-sgd", "minibatch-sgd", "naive-optimal-asgd",
                   "rennala-sgd", "rescaled-asgd", "ringmaster-asgd"]


def test_every_card_loads_with_valid_fields():
    cards = all_cards()
    ids = {c.id for c in cards}
    assert len(cards) >= 23
    for want in ISSUE2 + ALGORITHM_CARDS + ["ringleader-asgd", "ata", "picky-sgd", "mu2-sgd",
                                             "constant-delay-sgd", "ormo", "ordered-momentum-dd", "ordered-mu2-dd",
                                             "lower-bound-heterogeneous", "lower-bound-homogeneous-convex",
                                             "lower-bound-heterogeneous-strongly-convex"]:
        assert want in ids
    for c in cards:
        assert c.kind in ("upper", "lower", "limit")
        assert c.statistic in STATISTICS or c.statistic in CARD_ONLY_STATISTICS
        assert all(a in VOCABULARY for a in c.assumptions)
        assert c.citation["authors"] and isinstance(c.citation["year"], int)
        for name in c.bounds:
            assert c.bound_constants(name) in ("explicit", "hidden")
        if c.kind == "lower":
            assert all(b.constants == "hidden" for b in c.bounds.values())


def test_proofs_dir_is_the_repository_folder():
    assert proofs_dir() == Path(__file__).resolve().parents[1] / "proofs"


def test_provenance_is_never_promoted():
    """Reconstructed constants stay reconstructed (fixed-computation.md §2.3 tags them [M])."""
    mal = load_card("malenia-sgd")
    assert mal.parameters["S"].provenance.level == "reconstructed"
    assert mal.parameters["gamma"].provenance.tags == ("M",)
    rm = load_card("ringmaster-asgd")
    assert str(rm.parameters["gamma"].provenance) == "verified [P] fixed-computation.md §3.3"
    assert rm.bounds["time"].provenance.level == "derived"
    # the Rescaled time formula is verbatim [P] but uses an inferred τ_H
    assert load_card("rescaled-asgd").bounds["time"].provenance.level == "reconstructed"
    assert any("NOT found" in x for x in load_card("rescaled-asgd").not_found)
    for c in all_cards():
        for e in [*c.parameters.values(), *c.bounds.values()]:
            assert e.provenance.note in ("fixed-computation.md", "delayed-and-momentum.md", "momentum-data-dependent.md",
                                         "card-audit.md")


def test_applicability_lists_missing_assumptions():
    c = load_card("ringmaster-asgd")
    props = {"smooth", "lower-bounded", "bounded-variance", "unbiased", "homogeneous",
             "fixed-computation", "times-independent-of-samples"}
    assert c.applicability(props) == []
    assert c.applicability(props - {"bounded-variance"}) == ["bounded-variance"]
    assert "bounded-variance" in c.explain(["bounded-variance"])
    assert load_card("ringleader-asgd").applicability(props) == ["ringleader-smooth", "heterogeneous"]


def test_check_conditions_messages():
    c = load_card("ringmaster-asgd")
    vals = {"L": 1.0, "Delta": 1.0, "sigma2": 0.0, "eps": 0.1}
    # 1/(2 R L) = 0.25 with R = 2, L = 1
    assert c.check_conditions({"gamma": 0.5, "R": 2}, vals) == ["gamma = 0.5 > 1/(2*L*R) = 0.25"]
    assert c.check_conditions({"gamma": 0.25, "R": 2}, vals) == []
    # the card's own choice satisfies its conditions; non-numeric algorithm settings are ignored
    ev = c.evaluate({"L": 3.0, "Delta": 2.0, "sigma2": 0.5, "eps": 0.01})
    assert c.check_conditions({**ev.parameters, "stops": "yes"}, ev.inputs) == []


def test_missing_inputs_omit_bounds_and_are_listed():
    c = load_card("ringmaster-asgd")
    ev = c.evaluate({"L": 1.0, "eps": 0.1})
    assert ev.bounds == {}
    assert set(ev.missing) == {"sigma2", "Delta", "tau"}
    ev = c.evaluate({"L": 1.0, "Delta": 1.0, "sigma2": 1.0, "eps": 0.1})
    assert set(ev.bounds) == {"iterations"} and ev.missing == ["tau"]
    d = ev.as_dict()
    assert d["theorem"] == "ringmaster-asgd" and d["constants"] == {"iterations": "explicit"}
    assert d["provenance"]["R"].startswith("verified")


def test_parameter_override_and_alias():
    c = load_card("ringmaster-asgd")
    ev = c.evaluate({"L": 1.0, "Delta": 1.0, "sigma2": 1.0, "eps": 0.1, "R": 6})
    assert ev.parameters["R"] == 6 and ev.overridden == ["R"]
    assert ev.parameters["gamma"] == pytest.approx(min(1 / 12, 0.1 / 4))
    assert ev.bounds["iterations"] == math.ceil(8 * 6 * 1 / 0.1 + 16 * 1 / 0.01)
    assert "R" not in ev.as_dict()["provenance"]
    no = load_card("naive-optimal-asgd")
    ev = no.evaluate({"L": 1.0, "Delta": 1.0, "sigma2": 1.0, "eps": 0.1}, tau=[1.0, 1.0, 100.0])
    assert ev.parameters["m"] == ev.parameters["m_star"] == 2


def test_bad_values_raise_spec_error_naming_the_field():
    c = load_card("ringmaster-asgd")
    with pytest.raises(SpecError, match="^L: must be > 0"):
        c.evaluate({"L": -1.0})
    with pytest.raises(SpecError, match="^sigma2: must be >= 0"):
        c.evaluate({"sigma2": -0.1})
    with pytest.raises(SpecError, match="^foo: not a symbol"):
        c.evaluate({"foo": 1.0}, strict=True)
    with pytest.raises(SpecError, match="^tau:"):
        c.evaluate({"L": 1.0}, tau=np.array([1.0, -2.0]))
    with pytest.raises(SpecError, match="^theorem: unknown theorem card 'nope'"):
        load_card("nope")


# --- malformed cards ------------------------------------------------------------------

GOOD = '''
id = "{id}"
title = "test card"
kind = "upper"
applies_to = ["asgd"]
statistic = "avg_grad_sq"
assumptions = ["smooth"]
notes = []

[citation]
authors = ["A. Author"]
title = "A paper"
venue = "Nowhere"
year = 2020
arxiv = "2001.00001"
where = "Thm 1"

[tight]
value = false

[symbols]
L = "smoothness"
eps = "target"

[parameters.gamma]
formula = "1/(2*L)"
provenance = "verified [P] fixed-computation.md §3.3"

[bounds.iterations]
formula = "L/eps"
provenance = "restated [R] fixed-computation.md §2.3"
constants = "explicit"
'''


def _write(tmp_path, text, name="t-card"):
    p = tmp_path / f"{name}.toml"
    p.write_text(text.replace("{id}", name))
    return p


def test_minimal_card_loads_and_evaluates(tmp_path, monkeypatch):
    _write(tmp_path, GOOD)
    monkeypatch.setenv("RATECHECK_PROOFS", str(tmp_path))
    c = load_card("t-card")
    ev = c.evaluate({"L": 2.0, "eps": 0.5})
    assert ev.parameters == {"gamma": 0.25} and ev.bounds == {"iterations": 4.0}


@pytest.mark.parametrize("old,new,field,msg", [
    ('formula = "L/eps"', 'formula = "L/(eps"', "bounds.iterations.formula", "cannot parse"),
    ('formula = "L/eps"', 'formula = "L/eps + sigma"', "bounds.iterations.formula", "undefined symbol(s) sigma"),
    ('formula = "L/eps"', 'formula = "foo(L)/eps"', "bounds.iterations.formula", "undefined function 'foo'"),
    ('formula = "L/eps"', 'formula = "m*L/eps"', "bounds.iterations.formula", "only defined inside Min_m"),
    ('formula = "1/(2*L)"', 'formula = "1/(2*L*iterations)"', "parameters.gamma.formula", "undefined symbol(s) iterations"),
    ('[citation]\nauthors = ["A. Author"]\ntitle = "A paper"\nvenue = "Nowhere"\nyear = 2020\narxiv = "2001.00001"\nwhere = "Thm 1"\n',
     "", "citation", "is required"),
    ('year = 2020', 'year = "2020"', "citation.year", 'must be a valid integer, got "2020"'),
    ('assumptions = ["smooth"]', 'assumptions = ["smoth"]', "assumptions", "unknown term"),
    ('statistic = "avg_grad_sq"', 'statistic = "grad_norm"', "statistic", "unknown statistic"),
    ('kind = "upper"', 'kind = "both"', "kind", "must be one of"),
    ('applies_to = ["asgd"]', '', "applies_to", "is required"),
    ('applies_to = ["asgd"]', 'applies_to = ["*"]', "applies_to", "lower bounds only"),
    ('applies_to = ["asgd"]', 'applies_to = ["asgd", "asgd"]', "applies_to", "distinct"),
    ('provenance = "verified [P] fixed-computation.md §3.3"', 'provenance = "verified [M] fixed-computation.md §2.3"',
     "parameters.gamma.provenance", "promotes"),
    ('provenance = "restated [R] fixed-computation.md §2.3"', 'provenance = "restated [R] delayed-and-momentum.md §2"',
     "bounds.iterations.provenance", "promotes"),
    ('provenance = "restated [R] fixed-computation.md §2.3"', 'provenance = "restated [Q] fixed-computation.md"',
     "bounds.iterations.provenance", "not used by"),
    ('constants = "explicit"', 'constants = "exact"', "bounds.iterations.constants", "must be one of"),
    ('notes = []', 'notes = []\nextra = 1', "extra", "unknown field"),
    ('eps = "target"', 'eps = "target"\ntau_max = "reserved"', "symbols.tau_max", "reserved"),
])
def test_malformed_card_names_file_and_field(tmp_path, old, new, field, msg):
    assert old in GOOD
    p = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(CardError) as exc:
        read_card(p)
    assert str(exc.value).startswith(f"t-card.toml: {field}: ")
    assert msg in str(exc.value)


def test_id_must_match_file_and_toml_errors(tmp_path):
    p = tmp_path / "other.toml"
    p.write_text(GOOD.replace("{id}", "t-card"))
    with pytest.raises(CardError, match="other.toml: id: must equal the file name"):
        read_card(p)
    p.write_text("id = ")
    with pytest.raises(CardError, match="other.toml: toml:"):
        read_card(p)


def test_tight_with_must_name_existing_cards(tmp_path, monkeypatch):
    _write(tmp_path, GOOD.replace("value = false", 'value = true\nwith = ["ghost"]'))
    monkeypatch.setenv("RATECHECK_PROOFS", str(tmp_path))
    with pytest.raises(CardError, match="t-card.toml: tight.with: names unknown card 'ghost'"):
        all_cards()


def test_missing_proofs_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("RATECHECK_PROOFS", str(tmp_path / "absent"))
    with pytest.raises(SpecError, match="^RATECHECK_PROOFS:"):
        load_card("ringmaster-asgd")


def test_every_card_names_registered_methods():
    """``applies_to`` names algorithm registry ids (or "*" for a lower bound): a card
    that names a method that does not exist could never be used, and one that names
    the wrong method would judge it by another method's theorem."""
    from ratecheck.algorithms import ALGORITHMS
    ALGORITHMS.load()
    for card in all_cards():
        for m in card.applies_to:
            assert m == "*" or m in ALGORITHMS.names(), (card.id, m)
        assert ("*" in card.applies_to) == (card.kind == "lower"), card.id
