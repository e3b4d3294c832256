"""The theorem-card overlay of ``ratecheck pep``: drawn only when comparable, with the reason otherwise."""

import pytest

from ratecheck.pep.card_overlay import card_overlay

CARD = """
id = "constant-delay-sgd"
title = "test card: K = ceil(L D² (delay_max + 1)/eps)"
kind = "upper"
applies_to = ["asgd"]
statistic = "{statistic}"
assumptions = ["smooth", "convex"{extra}]

[citation]
authors = ["A. Tester"]
title = "Test"
venue = "none"
year = 2000
arxiv = "none"
where = "none"

[tight]
value = false

[symbols]
L = "smoothness"
D = "initial distance"
eps = "target"
delay_max = {{ meaning = "largest delay", domain = "nonnegative" }}

[parameters.gamma]
formula = "1/(2*L*(delay_max + 1))"
provenance = "reconstructed [R] delayed-and-momentum.md §5"

[bounds.iterations]
formula = "ceiling(L*D**2*(delay_max + 1)/eps)"
provenance = "reconstructed [R] delayed-and-momentum.md §5"
constants = "{constants}"
integer = true

[[conditions]]
relation = "gamma <= 1/(L*(delay_max + 1))"
provenance = "reconstructed [R] delayed-and-momentum.md §5"
"""
INPUTS = {"L": 2.0, "mu": 0.0, "D": 1.5, "R": 1.5, "Delta": 1.0}


@pytest.fixture
def proofs(tmp_path, monkeypatch):
    monkeypatch.setenv("RATECHECK_PROOFS", str(tmp_path))

    def write(statistic="fgap", constants="explicit", extra=""):
        (tmp_path / "constant-delay-sgd.toml").write_text(
            CARD.format(statistic=statistic, constants=constants, extra=extra))
    return write


def test_explicit_card_is_inverted(proofs):
    proofs()
    o = card_overlay("fgap", INPUTS, [0, 2], [1, 2, 5], lambda N, tau: 0.25 / (tau + 1))
    assert o.curves and "reconstructed [R]" in o.note
    for tau in (0, 2):  # smallest ε with ceil(L D² (τ+1)/ε) ≤ N is L D² (τ+1)/N
        for N, eps in o.curves[tau]:
            assert eps == pytest.approx(2.0 * 2.25 * (tau + 1) / N, rel=1e-9)


def test_conditions_checked_at_the_pep_stepsize(proofs):
    proofs()
    o = card_overlay("fgap", INPUTS, [1], [1, 2], lambda N, tau: 1.0)  # γ = 1 > 1/(L(τ+1)) = 1/4
    assert not o.curves and "conditions fail" in o.note


@pytest.mark.parametrize(
    "card, criterion, reason",
    [
        (dict(constants="hidden"), "fgap", "hidden constants"),
        (dict(statistic="avg_grad_sq"), "fgap", "bounds 'avg_grad_sq'"),
        (dict(), "gradnorm", "the PEP criterion is 'gradnorm'"),
        (dict(extra=', "fixed-computation"'), "fgap", "does not apply"),
    ],
)
def test_not_drawn_with_reason(proofs, card, criterion, reason):
    proofs(**card)
    o = card_overlay(criterion, INPUTS, [0], [1, 2], lambda N, tau: 0.25)
    assert not o.curves and reason in o.note and not o.as_dict()["drawn"]


def test_missing_card(proofs, tmp_path, monkeypatch):
    monkeypatch.setattr("ratecheck.theory.builtin_proofs", lambda: tmp_path)  # RATECHECK_PROOFS adds to the built-in cards
    o = card_overlay("fgap", INPUTS, [0], [1], lambda N, tau: 0.25)
    assert not o.curves and "not available" in o.note
