"""The worked examples of :mod:`ratecheck.examples`, tested as PEPit tests its examples:
each returns ``(observed, theoretical)`` and the theorem says ``observed ≤ theoretical``."""

import math

import pytest

from ratecheck import examples
from ratecheck.errors import SpecError


@pytest.mark.parametrize("name", sorted(examples.CARDS))
@pytest.mark.parametrize("measure", ["iterations", "time"])
def test_observed_complexity_is_within_the_cards_bound(name, measure):
    observed, theoretical = getattr(examples, name)(eps=0.2, measure=measure)
    assert 0 < observed <= theoretical and math.isfinite(theoretical)


def test_a_stepsize_beyond_the_cards_condition_breaks_the_bound():
    # γ = 4 > 1/(2RL) = 0.5: the iterates blow up, ε is never reached (+∞ > the bound)
    observed, theoretical = examples.observed_and_bound("ringmaster-asgd", eps=0.2, gamma=4.0)
    assert not observed <= theoretical


def test_a_card_without_a_live_example_is_refused():
    with pytest.raises(SpecError, match="^example: card 'delayed-sgd-explicit' has no live example"):
        examples.observed_and_bound("delayed-sgd-explicit")
