"""Falsifier: search a theorem card's assumptions for the instance that maximises observed/bound.

``ratecheck falsify ID`` (:mod:`.commands`): the search space (:mod:`.space`), the
objective observed statistic at the card's K over ε (:mod:`.objective`), the seeded
global search and its confirmation (:mod:`.search`), and the report (:mod:`.report`).
"""

from .search import Outcome, falsify

__all__ = ["Outcome", "falsify"]
