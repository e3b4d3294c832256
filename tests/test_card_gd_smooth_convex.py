"""The card ``gd-smooth-convex``: Drori & Teboulle (2014, arXiv 1206.3209), Theorem 3.1.

For L-smooth convex f with a minimiser x*, gradient descent x_{k+1} = x_k − (h/L)∇f(x_k)
with 0 < h ≤ 1 satisfies f(x_N) − f* ≤ L R² / (4Nh + 2), R = ‖x0 − x*‖ (tight).
With γ = h/L this is PEPit's L/(4NLγ + 2)·‖x0 − x*‖² (delayed-and-momentum.md §8, [V-code]).

The expected values below are computed here from the paper's form of the formula, never
read from the card.
"""

from fractions import Fraction

import pytest
import sympy as sp

from ratecheck.pep.card_overlay import card_overlay, pep_properties
from ratecheck.pep.estimate import FunctionClass, worst_case
from ratecheck.pep.methods import DelayedGD
from ratecheck.theory import all_cards, load_card
from ratecheck.theory.derivations import check_card

CARD = "gd-smooth-convex"


def paper_bound(N, L, h, R):
    """Drori & Teboulle, Thm 3.1, in the paper's variables (h = Lγ ∈ (0, 1])."""
    return L * R**2 / (4 * N * h + 2)


def first_N(L, gamma, D, eps):
    """Smallest N ≥ 1 at which the paper's bound is ≤ ε, by counting (no algebra)."""
    N = 1
    while paper_bound(N, L, L * gamma, D) > eps:
        N += 1
    return N


@pytest.fixture(scope="module")
def card():
    return load_card(CARD)


def test_card_loads_with_its_citation_and_provenance(card):
    assert card.id == CARD and CARD in {c.id for c in all_cards()}
    assert card.kind == "upper" and card.statistic == "fgap"
    assert list(card.applies_to) == []  # exact gradients: no simulated method is judged by it
    assert set(card.assumptions) == {"smooth", "convex"}
    assert card.citation["arxiv"] == "1206.3209" and card.citation["year"] == 2014
    assert "Theorem 3.1" in card.citation["where"]
    assert card.citation["authors"] == ["Y. Drori", "M. Teboulle"]
    assert card.tight["value"] is True
    # the formula was read in PEPit's code [V-code], never promoted to "verified"
    gap, its = card.bounds["gap"], card.bounds["iterations"]
    assert str(gap.provenance) == "code [V-code] delayed-and-momentum.md §8"
    assert gap.provenance.level == "code" and gap.provenance.tags == ("V-code",)
    assert its.provenance.level == "derived" and its.provenance.tags == ("V-code",)
    assert gap.constants == "explicit" and its.constants == "explicit"


@pytest.mark.parametrize("L,gamma,D,N", [
    (3.0, 1 / 3, 1.0, 4),      # PEPit's docstring example: 1/6
    (2.0, 0.25, 1.5, 5),       # 4.5/12 = 0.375
    (1.0, 1.0, 1.0, 3),        # 1/14, the test_pep_solver value
    (10.0, 0.01, 2.0, 7),
])
def test_gap_equals_the_paper_formula(card, L, gamma, D, N):
    ev = card.evaluate({"L": L, "gamma": gamma, "D": D, "N": N})
    assert ev.bounds["gap"] == pytest.approx(paper_bound(N, L, L * gamma, D), rel=1e-12)


def test_gap_by_hand():
    # exact fractions, independent of both the card and floating point
    assert Fraction(3) * 1 / (4 * 4 * 1 + 2) == Fraction(1, 6)
    assert load_card(CARD).evaluate({"L": 3.0, "gamma": 1 / 3, "D": 1.0, "N": 4}).bounds["gap"] == pytest.approx(1 / 6)
    assert load_card(CARD).evaluate({"L": 2.0, "gamma": 0.25, "D": 1.5, "N": 5}).bounds["gap"] == pytest.approx(0.375)


@pytest.mark.parametrize("L,gamma,D,eps", [
    (2.0, 0.25, 1.5, 0.01),
    (1.0, 1.0, 1.0, 1e-3),
    (3.0, 0.1, 0.7, 0.05),
    (1.0, 0.5, 1.0, 10.0),     # LD²/2 ≤ ε: one step is the theorem's smallest N
])
def test_iterations_is_the_first_N_meeting_eps(card, L, gamma, D, eps):
    ev = card.evaluate({"L": L, "gamma": gamma, "D": D, "eps": eps})
    assert ev.bounds["iterations"] == first_N(L, gamma, D, eps)
    assert "gap" not in ev.bounds and "N" in ev.missing  # no N given: the theorem's bound is omitted


def test_symbolic_against_the_source_forms(card):
    L, D, gamma, h = sp.symbols("L D gamma h", positive=True)
    N = sp.Symbol("N", integer=True, positive=True)
    subs = {card.symbols[k].sym: v for k, v in {"L": L, "D": D, "gamma": gamma, "N": N}.items()}
    mine = card.bounds["gap"].expr.xreplace(subs)
    paper = (L * D**2 / (4 * N * h + 2)).subs(h, L * gamma)          # Drori–Teboulle with h = Lγ
    pepit = L / (2 * (2 * N * L * gamma + 1)) * D**2                  # PEPit's theoretical_tau·‖x0 − x*‖²
    assert sp.simplify(mine - paper) == 0
    assert sp.simplify(mine - pepit) == 0
    # solving the theorem for N gives the card's threshold: bound(N0) = ε exactly
    eps = sp.Symbol("eps", positive=True)
    N0 = sp.solve(sp.Eq(L * D**2 / (4 * sp.Symbol("n") * L * gamma + 2), eps), sp.Symbol("n"))[0]
    assert sp.simplify(N0 - (D**2 / (4 * gamma * eps) - 1 / (2 * L * gamma))) == 0


def test_every_derivation_and_source_check_passes(card):
    results = {r.name: r for r in check_card(card, samples=500)}
    assert {"source:gap", "source:iterations", "source:conditions[0]", "K-steps-reach-eps"} <= set(results)
    assert all(r.status != "failed" for r in results.values()), {n: r.detail for n, r in results.items()}
    assert results["source:gap"].status == "proven" and results["source:conditions[0]"].status == "proven"
    verbatim = {d.name for d in card.derivations if getattr(d, "verbatim", False)}
    assert "source:gap" in verbatim  # the card's formula is the source's, as transcribed


def test_condition_gamma_at_most_one_over_L(card):
    assert card.check_conditions({"gamma": 1 / 3}, {"L": 3.0}) == []
    assert card.check_conditions({"gamma": 0.5}, {"L": 3.0}) != []


@pytest.mark.parametrize("gamma,N", [(1.0, 3), (0.5, 2), (0.25, 4)])
def test_tight_pep_worst_case_equals_the_card(card, gamma, N):
    """The PEP (undelayed GD, L = 1, ‖x0 − x*‖ ≤ 1) attains the theorem's bound."""
    r = worst_case(DelayedGD.constant_delay(gamma, 0, N), FunctionClass(L=1.0), "fgap", "dist", D=1.0)
    assert r.status == "optimal"
    want = paper_bound(N, 1.0, gamma, 1.0)
    assert r.value == pytest.approx(want, rel=1e-4)
    assert card.evaluate({"L": 1.0, "gamma": gamma, "D": 1.0, "N": N}).bounds["gap"] == pytest.approx(want, rel=1e-12)


def test_pep_overlay_draws_the_card(card):
    """``ratecheck pep``'s card overlay inverts ``iterations``: ε(N) is the theorem's bound."""
    assert card.applicability(pep_properties(0.0)) == []
    L, D = 2.0, 1.5
    o = card_overlay("fgap", {"L": L, "mu": 0.0, "D": D, "R": D}, [0], [1, 2, 5, 10],
                     lambda N, tau: 1 / L, card_id=CARD)
    assert o.curves, o.note
    for N, eps in o.curves[0]:
        assert eps == pytest.approx(paper_bound(N, L, 1.0, D), rel=1e-9)
    # a stepsize above 1/L is outside the theorem: nothing is drawn
    bad = card_overlay("fgap", {"L": L, "mu": 0.0, "D": D}, [0], [1], lambda N, tau: 1.5 / L, card_id=CARD)
    assert not bad.curves and "conditions fail" in bad.note
