"""Derivation steps: proven by sympy or spot-checked, and the checker rejects false steps."""

import copy

import pytest
import sympy as sp

from ratecheck.theory import all_cards, load_card
from ratecheck.theory import language as lang
from ratecheck.theory.derivations import check, check_card
from ratecheck.theory.symbolic import leading_term, prove

MUST_BE_PROVEN = {
    ("lower-bound-homogeneous", "two-forms-equal"),
    ("lower-bound-homogeneous", "source:time"),
    ("ringmaster-asgd", "stepsize-condition"),
    ("ringmaster-asgd", "R-at-least-variance-ratio"),
    ("ringmaster-asgd", "R1-is-SGD"),
    ("ringmaster-asgd", "R-max-delay-is-ASGD"),
    ("ringmaster-asgd", "source:iterations"),
    ("ringmaster-asgd", "source:block_time"),
    ("rennala-sgd", "batch-condition"),
    ("rennala-sgd", "source:step_time"),
    ("asgd", "not-faster-than-optimal"),
    ("asgd", "source:time"),
    ("minibatch-sgd", "koloskova-batches"),
    ("ringleader-asgd", "matches-lower-bound"),
    ("ringleader-asgd", "source:B"),
    ("constant-delay-sgd", "ringmaster-R-equals-delay"),
    ("picky-sgd", "source:iterations"),
    ("mu2-sgd", "rate-at-iterations"),
    ("delay-adaptive-asgd", "source:conditions[0]"),
}
MUST_BE_SAMPLED = {
    ("ringmaster-asgd", "within-96-of-optimal"),
    ("ringmaster-asgd", "sgd-quadratic-instance"),
    ("ringmaster-asgd", "first-block-takes-a-fill"),
    ("rennala-sgd", "step-takes-a-fill"),
    ("ringleader-asgd", "rounds-times-round-time"),
    ("lower-bound-homogeneous", "m-star-equilibrium"),
    ("lower-bound-heterogeneous", "homogeneous-below"),
}
#: Derivations the checker must flag as trivial (issue 21): they hold by the structure of
#: Min/Max/ceiling alone, so they keep a formula's shape, not its constants.
TRIVIAL = {("ringmaster-asgd", "stepsize-condition"), ("ringmaster-asgd", "R-at-least-variance-ratio"),
           ("rennala-sgd", "batch-condition")}


@pytest.fixture(scope="module")
def results():
    return {(r.card, r.name): r for c in all_cards() for r in check_card(c, samples=1000)}


def test_every_derivation_is_proven_or_spot_checked(results):
    assert len(results) >= 120
    for key, r in results.items():
        assert r.status == "proven" or r.status.startswith("spot-checked ("), (key, r.status, r.detail)


def test_labels(results):
    for key in MUST_BE_PROVEN:
        assert results[key].status == "proven", key
    for key in MUST_BE_SAMPLED:
        assert results[key].status.startswith("spot-checked") and results[key].samples >= 1000, key


def test_trivial_steps_are_flagged(results):
    flagged = {k for k, r in results.items() if r.trivial and r.kind == "step"}
    assert TRIVIAL <= flagged
    # a comparison with another card's formula is never trivial for this card, even when
    # the two formulas are the same (malenia's time is the heterogeneous lower bound's)
    assert not results[("malenia-sgd", "matches-lower-bound")].trivial
    assert not results[("ringmaster-asgd", "sgd-quadratic-instance")].trivial
    # a source form copied verbatim is marked as such; one in the source's own notation is not
    assert results[("ringmaster-asgd", "source:gamma")].trivial == "verbatim"
    assert results[("ringmaster-asgd", "source:block_time")].trivial == ""


def _variant(card_id, name, statement):
    c = load_card(card_id)
    d = copy.copy(next(x for x in c.derivations if x.name == name))
    d.statement = statement
    return c, d


def test_false_steps_fail_with_a_counterexample():
    # Ringmaster is within 96x of T_homog but not within 40x (ratio ≈ 48 on RM-Q, fixed-computation.md §10)
    T = sp.Symbol("T_homog", positive=True)
    c, d = _variant("ringmaster-asgd", "within-96-of-optimal", sp.Le(sp.Symbol("time", positive=True), 40 * T))
    r = check(c, d, samples=1000)
    assert r.status == "failed" and "counterexample" in r.detail
    # R = 1 iterations are at least 8(LΔ/ε + σ²LΔ/ε²), so "≤ 7 LΔ/ε" must fail
    L, D, e = (c.symbols[k].sym for k in ("L", "Delta", "eps"))
    c, d = _variant("ringmaster-asgd", "R1-is-SGD", sp.Le(sp.Symbol("iterations", positive=True), 7 * L * D / e))
    assert check(c, d, samples=500).status == "failed"
    # m* equilibrium with the inequality reversed
    c, d = _variant("lower-bound-homogeneous", "m-star-equilibrium",
                    sp.Le(sp.Symbol("t_star", positive=True), lang.tau(sp.Symbol("m_star", positive=True))))
    assert check(c, d, samples=1000).status == "failed"


def test_prover_never_claims_a_false_relation():
    x, y = sp.symbols("x y", positive=True)
    assert prove(sp.Le(x, x + y)) is True
    assert prove(sp.Le(x + y, x)) is None
    assert prove(sp.Le(sp.Min(x, y), x)) is True
    assert prove(sp.Le(sp.Max(x, y), x)) is None
    assert prove(sp.Le(sp.ceiling(x), x + 1)) is True
    assert prove(sp.Le(sp.ceiling(x), x)) is None
    assert prove(sp.Eq(lang.H(lang.M) / lang.M, 1 / lang.Rate(lang.M))) is True


def test_two_forms_with_explicit_symbolic_tau():
    """The T_homog identity, checked term by term for symbolic τ_1..τ_4 (fixed-computation.md §1)."""
    taus = sp.symbols("t1:5", positive=True)
    a, b = sp.symbols("a b", positive=True)  # a = LΔ/ε, b = σ²LΔ/ε²
    for m in range(1, 5):
        hm = lang.expand_tau(lang.H(m), list(taus))
        rate = lang.expand_tau(lang.Rate(m), list(taus))
        assert sp.simplify(hm * (a + b / m) - (m * a + b) / rate) == 0


def test_leading_terms_reproduce_the_rescaled_poster_comparison():
    """fixed-computation.md §6.5: leading ε^-2 terms, τ_max for minibatch, τ_avg for the others."""
    lead = {i: leading_term(load_card(i), "time") for i in
            ("minibatch-sgd", "malenia-sgd", "ringleader-asgd", "rescaled-asgd", "lower-bound-heterogeneous")}
    names = {i: {s.name for s in e.free_symbols} for i, e in lead.items()}
    assert "tau_max" in names["minibatch-sgd"] and "tau_avg" not in names["minibatch-sgd"]
    for i in ("malenia-sgd", "ringleader-asgd", "rescaled-asgd", "lower-bound-heterogeneous"):
        assert "tau_avg" in names[i] and "tau_max" not in names[i], i
    eps = load_card("rescaled-asgd").symbols["eps"].sym
    for e in lead.values():
        assert sp.degree(sp.together(e).as_numer_denom()[1], eps) == 2
