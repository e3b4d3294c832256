"""Source forms, provenance that resolves in proofs/notes, cross-card imports, and the
first-principles facts the cards' lower-side checks rest on (card-audit.md §2)."""

import copy
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from ratecheck.errors import CardError
from ratecheck.theory import all_cards, load_card, read_card
from ratecheck.theory import language as lang
from ratecheck.theory.derivations import check
from ratecheck.theory.provenance import BUILTIN_NOTES

CARD = '''
id = "{id}"
title = "test card"
kind = "upper"
applies_to = ["ringmaster-asgd"]
statistic = "avg_grad_sq"
assumptions = ["smooth"]

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
formula = "ceiling(8*L/eps)"
provenance = "verified [P] fixed-computation.md §3.3"
constants = "explicit"

[bounds.iterations.source]
formula = "8*L/eps"
ref = "Thm 1: K ≥ 8L/ε"
provenance = "verified [P] fixed-computation.md §3.3"
relation = ">="
within = "source + 1"

[[conditions]]
relation = "gamma <= 1/(2*L)"
provenance = "verified [P] fixed-computation.md §3.3"
source = { relation = "2*L*gamma <= 1", ref = "Thm 1", provenance = "verified [P] fixed-computation.md §3.3" }
'''


def _card(tmp_path, text, name="t-card"):
    p = tmp_path / f"{name}.toml"
    p.write_text(text.replace("{id}", name))
    return p


def _results(card):
    return {d.name: check(card, d, samples=300) for d in card.derivations}


def test_source_forms_become_checks(tmp_path):
    c = read_card(_card(tmp_path, CARD))
    r = _results(c)
    assert set(r) == {"source:iterations", "source:conditions[0]"}
    assert all(x.status == "proven" and x.kind == "source" for x in r.values())
    # the condition's source arranges it differently (2Lγ ≤ 1): same set, not the same text
    assert r["source:conditions[0]"].trivial == ""
    assert c.summary()["bounds"]["iterations"]["source"]["relation"] == ">="


@pytest.mark.parametrize("old,new,reason", [
    ('formula = "ceiling(8*L/eps)"', 'formula = "ceiling(4*L/eps)"', "below the source"),
    ('formula = "ceiling(8*L/eps)"', 'formula = "ceiling(8*L/eps) + 2"', "above the matching side"),
    ('relation = "2*L*gamma <= 1"', 'relation = "4*L*gamma <= 1"', "a stricter condition"),
])
def test_a_card_off_its_source_fails(tmp_path, old, new, reason):
    c = read_card(_card(tmp_path, CARD.replace(old, new)))
    failed = [n for n, x in _results(c).items() if x.status == "failed"]
    assert len(failed) == 1 and "counterexample" in _results(c)[failed[0]].detail, reason


@pytest.mark.parametrize("old,new,field,msg", [
    ('within = "source + 1"\n', "", "bounds.iterations.source.within", "is required"),
    ('relation = ">="', 'relation = "<"', "bounds.iterations.source.relation", "must be one of"),
    ('ref = "Thm 1: K ≥ 8L/ε"', 'ref = "Thm 1"\nwhere = "x"', "bounds.iterations.source.where", "unknown field"),
    ('relation = "2*L*gamma <= 1"', 'relation = "2*L*gamma >= 1"', "conditions[0].source.relation", "must compare like"),
    ('provenance = "verified [P] fixed-computation.md §3.3"\nrelation',
     'provenance = "verified [P] fixed-computation.md §3.9"\nrelation', "bounds.iterations.source.provenance",
     "has no section §3.9"),
])
def test_malformed_sources(tmp_path, old, new, field, msg):
    assert old in CARD
    with pytest.raises(CardError) as exc:
        read_card(_card(tmp_path, CARD.replace(old, new)))
    assert str(exc.value).startswith(f"t-card.toml: {field}: ") and msg in str(exc.value)


# --- provenance resolves inside the repository --------------------------------------------

def test_every_provenance_resolves_in_the_repository():
    assert BUILTIN_NOTES == Path(__file__).resolve().parents[1] / "proofs" / "notes"
    assert {p.name for p in BUILTIN_NOTES.glob("*.md")} >= {"fixed-computation.md", "delayed-and-momentum.md",
                                                            "momentum-data-dependent.md", "card-audit.md"}
    assert len(all_cards()) >= 30  # every card loads, so every provenance resolved


@pytest.mark.parametrize("prov,msg", [
    ("verified [P] fixed-computation.md §3.9", "fixed-computation.md has no section §3.9"),
    # §2.3 of fixed-computation.md holds [M] and [R], not [P]: the tag is not carried there
    ("verified [P] fixed-computation.md §2.3", "tag(s) ['P'] do not occur in fixed-computation.md §2.3"),
    ("derived [D] card-audit.md §2.9", "card-audit.md has no section §2.9"),
])
def test_provenance_must_point_at_a_section_that_carries_its_tag(tmp_path, prov, msg):
    text = CARD.replace('[parameters.gamma]\nformula = "1/(2*L)"\nprovenance = "verified [P] fixed-computation.md §3.3"',
                        f'[parameters.gamma]\nformula = "1/(2*L)"\nprovenance = "{prov}"')
    with pytest.raises(CardError, match=r"^t-card.toml: parameters.gamma.provenance: ") as exc:
        read_card(_card(tmp_path, text))
    assert msg in str(exc.value)


def test_a_card_folder_may_bring_its_own_notes(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "card-audit.md").write_text("# audit\n<!-- provenance tags: D=derived -->\n\n## 9. Mine **[D]**\nA fact.\n")
    text = CARD.replace('[parameters.gamma]\nformula = "1/(2*L)"\nprovenance = "verified [P] fixed-computation.md §3.3"',
                        '[parameters.gamma]\nformula = "1/(2*L)"\nprovenance = "derived [D] card-audit.md §9"')
    assert read_card(_card(tmp_path, text)).parameters["gamma"].provenance.sections == ("9",)
    # the folder's note replaces the repository's: its §2 does not exist
    with pytest.raises(CardError, match="card-audit.md has no section §2.1"):
        read_card(_card(tmp_path, text.replace("card-audit.md §9", "card-audit.md §2.1")))


def test_a_new_note_is_one_file_declaring_its_tags(tmp_path):
    (tmp_path / "notes").mkdir()
    note = tmp_path / "notes" / "mine.md"
    note.write_text("# mine\n<!-- provenance tags: Q=restated, G=reconstructed -->\n\n## 1. Lemma **[Q]**\nA fact.\n")
    text = CARD.replace('provenance = "verified [P] fixed-computation.md §3.3"', 'provenance = "restated [Q] mine.md §1"')
    assert read_card(_card(tmp_path, text)).parameters["gamma"].provenance.tags == ("Q",)
    with pytest.raises(CardError, match="promotes"):
        read_card(_card(tmp_path, text.replace("restated [Q]", "verified [Q]")))
    with pytest.raises(CardError, match="not used by mine.md"):
        read_card(_card(tmp_path, text.replace("[Q]", "[P]")))
    note.write_text("# mine\n\n## 1. Lemma **[Q]**\nA fact.\n")
    with pytest.raises(CardError, match="declares no provenance tags"):
        read_card(_card(tmp_path, text))


# --- imports: a comparison reads the other card ------------------------------------------

def _scratch(tmp_path):
    dest = tmp_path / "proofs"
    shutil.copytree(Path(__file__).resolve().parents[1] / "proofs", dest)
    return dest


def test_imports_read_the_other_card(tmp_path, monkeypatch):
    """Malenia's 'matches-lower-bound' compares with lower-bound-heterogeneous's formula:
    editing that card (not Malenia's) makes the step fail."""
    dest = _scratch(tmp_path)
    monkeypatch.setenv("RATECHECK_PROOFS", str(dest))
    name = "matches-lower-bound"
    d = next(x for x in load_card("malenia-sgd").derivations if x.name == name)
    assert check(load_card("malenia-sgd"), d).status == "proven"
    p = dest / "lower-bound-heterogeneous.toml"
    p.write_text(p.read_text().replace('formula = "tau_max*L*Delta/eps + tau_avg*sigma2*L*Delta/(n*eps**2)"',
                                       'formula = "tau_max*L*Delta/eps + tau_avg*sigma2*L*Delta/(2*n*eps**2)"'))
    assert check(load_card("malenia-sgd"), d).status == "failed"


def test_bad_imports(tmp_path, monkeypatch):
    c = load_card("malenia-sgd")
    d = copy.copy(next(x for x in c.derivations if x.name == "matches-lower-bound"))
    d.imports = {"T_heter": ("lower-bound-heterogeneous", "nope", {}, {})}
    assert "has no parameter or bound 'nope'" in check(c, d).detail
    d.imports = {"T_heter": ("ringleader-asgd", "time", {}, {})}  # uses L_rl, which malenia lacks
    r = check(c, d)
    assert r.status == "failed" and "'L_rl', which 'malenia-sgd' does not have" in r.detail
    d.imports = {"T_heter": ("ringmaster-asgd", "time", {}, {"Q": sp.Integer(1)})}
    assert "'ringmaster-asgd' has no parameter 'Q'" in check(c, d).detail
    dest = _scratch(tmp_path)
    p = dest / "malenia-sgd.toml"
    p.write_text(p.read_text().replace('"lower-bound-heterogeneous:time"', '"ghost:time"'))
    monkeypatch.setenv("RATECHECK_PROOFS", str(dest))
    with pytest.raises(CardError, match="malenia-sgd.toml: derivations.matches-lower-bound.cards.T_heter: names unknown card 'ghost'"):
        all_cards()


# --- the facts behind the lower sides (card-audit.md §2) ----------------------------------

def test_fill_is_the_k_th_completion():
    ts = lang.TauStats([1.0, 2.0])  # completions at 1, 2, 2, 3, 4, 4, …
    assert [ts.fill(k, 1) for k in (1, 2, 3, 4, 5)] == [1.0, 2.0, 2.0, 3.0, 4.0]
    assert ts.fill(4, 1) <= min(h * (1 + 4 / m) for m, h in ((1, 1.0), (2, 4 / 3)))  # §2.4


def test_sgd_on_the_quadratic_in_closed_form():
    """card-audit.md §2.3 against the exact recursion of mean and variance:
    E x_{k+1} = (1 − γL) E x_k, Var x_{k+1} = (1 − γL)² Var x_k + γ² v."""
    L, Delta, gamma, v, K = 2.0, 3.0, 0.3, 0.7, 25
    m, var, total = math.sqrt(2 * Delta / L), 0.0, 0.0
    for _ in range(K + 1):
        total += L**2 * (m**2 + var)
        m, var = (1 - gamma * L) * m, (1 - gamma * L) ** 2 * var + gamma**2 * v
    q = (1 - gamma * L) ** 2
    A = (1 - q ** (K + 1)) / ((1 - q) * (K + 1))
    assert total / (K + 1) == pytest.approx(2 * L * Delta * A + L**2 * gamma**2 * v * (1 - A) / (1 - q), rel=1e-12)


def test_ringmaster_iteration_count_is_needed_on_the_quadratic():
    """Thm 1's K with its γ: σ = 0, R = 1 on f = (L/2)x² leaves (8LΔ/(3(K+1)))(1 − 4^{−(K+1)});
    the card's K = ⌈8LΔ/ε⌉ brings it to ≤ ε/3, a K eight times smaller would not (ε ≪ LΔ)."""
    L, Delta, eps = 1.0, 10.0, 0.01
    ev = load_card("ringmaster-asgd").evaluate({"L": L, "Delta": Delta, "sigma2": 0.0, "eps": eps})
    K = ev.bounds["iterations"]
    value = lambda k: 8 * L * Delta / (3 * (k + 1)) * (1 - 4.0 ** -(k + 1))  # noqa: E731
    assert K == 8000 and value(K) <= eps / 3 and value(K / 8) > eps
    assert np.isclose(ev.parameters["gamma"], 0.5)
