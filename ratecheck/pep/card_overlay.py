"""The deterministic-case bound of a theorem card, as a curve to draw next to PEP worst cases.

A card bounds a statistic through ``bounds.iterations`` = K(ε), the number of steps after
which the statistic is ≤ ε (``proofs/README.md``). For the comparison the card is
evaluated with ``sigma2 = 0`` (deterministic case), the PEP's ``L``, ``mu``, ``D`` (= ``R``),
``Delta``, the delay as ``delay_max`` (the name the delay cards use) and the stepsize as
``gamma`` (a stepsize the card would choose is overridden, and the card's conditions are
checked at that γ), and inverted: ε(N) = the smallest ε with K(ε) ≤ N (bisection on
log ε; K must be non-increasing in ε).

Nothing is drawn, and the reason is returned, when the card is missing, bounds another
statistic than the PEP criterion, assumes something the PEP setting does not satisfy,
hides its constants (O-notation), needs inputs the PEP does not have, or its conditions
fail at the PEP's stepsize.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import RatecheckError
from ..theory import load_card

CARD_ID = "constant-delay-sgd"
#: PEP criterion → (statistic, statistic_range) a card must bound for the curves to be comparable.
STATISTIC = {"fgap": ("fgap", None), "gradnorm": ("grad_sq", None), "dist": ("dist_sq", None),
             "avggradnorm": ("avg_grad_sq", "0..K-1")}


def pep_properties(mu: float) -> list[str]:
    """What the PEP's setting satisfies, in the terms of :mod:`ratecheck.vocabulary`: one
    deterministic (σ² = 0, hence unbiased, bounded-variance) smooth convex function, delays
    given as a bounded sequence."""
    props = ["smooth", "lower-bounded", "convex", "bounded-variance", "unbiased", "homogeneous",
             "delay-sequence", "bounded-delay"]
    return props + (["strongly-convex"] if mu > 0 else [])


@dataclass
class Overlay:
    """Card curves ``{tau: [(N, ε), ...]}``; empty with ``note`` saying why when not drawn."""

    card: str
    note: str
    curves: dict = field(default_factory=dict)
    provenance: str = ""

    def as_dict(self) -> dict:
        return {"card": self.card, "drawn": bool(self.curves), "note": self.note, "provenance": self.provenance,
                "curves": {str(t): [[n, e] for n, e in pts] for t, pts in self.curves.items()}}


def _inputs(inputs: dict, tau: int, gamma: float, eps: float) -> dict:
    return {**inputs, "sigma2": 0.0, "eps": eps, "delay_max": tau, "gamma": gamma}


def _epsilon(card, inputs: dict, tau: int, gamma: float, N: int) -> float | None:
    """Smallest ε with K(ε) ≤ N, or None when K does not reach N on ε ∈ [1e-12, 1e12]."""
    def K(eps):
        return card.evaluate(_inputs(inputs, tau, gamma, eps)).bounds["iterations"]
    lo, hi = math.log(1e-12), math.log(1e12)
    if K(math.exp(hi)) > N:
        return None
    if K(math.exp(lo)) <= N:
        return math.exp(lo)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if K(math.exp(mid)) > N else (lo, mid)
    return math.exp(hi)


def card_overlay(criterion: str, inputs: dict, taus, Ns, gamma_of, card_id: str = CARD_ID) -> Overlay:
    """Curves of the card's bound for each delay τ over ``Ns``.

    ``inputs``: the PEP's constants by card symbol name (L, mu, D, R, Delta);
    ``gamma_of(N, tau)``: the PEP's stepsize.
    """
    try:
        card = load_card(card_id)
    except RatecheckError as exc:
        return Overlay(card_id, f"theorem card {card_id!r} not available ({exc})")
    stat, rng = STATISTIC.get(criterion, (None, None))
    if card.statistic != stat or (rng is not None and card.statistic_range != rng):
        return Overlay(card_id, f"card {card_id!r} bounds {card.statistic!r} over {card.statistic_range}, "
                                f"the PEP criterion is {criterion!r}")
    missing = card.applicability(pep_properties(inputs.get("mu", 0.0)))
    if missing:
        return Overlay(card_id, f"card {card_id!r} does not apply to the PEP setting: {card.explain(missing)}")
    if "iterations" not in card.bounds:
        return Overlay(card_id, f"card {card_id!r} has no 'iterations' bound")
    entry = card.bounds["iterations"]
    if entry.constants != "explicit":
        return Overlay(card_id, f"card {card_id!r} states its iteration bound with hidden constants (O-notation)")
    try:
        curves = _curves(card, inputs, taus, Ns, gamma_of)
    except RatecheckError as exc:
        return Overlay(card_id, f"card {card_id!r} cannot be evaluated at the PEP's inputs: {exc}")
    if isinstance(curves, str):
        return Overlay(card_id, curves)
    return Overlay(card_id, f"card {card_id!r}: bound on {card.statistic} with σ² = 0, iterations bound "
                            f"inverted in ε; provenance {entry.provenance}", curves, str(entry.provenance))


def _curves(card, inputs, taus, Ns, gamma_of):
    """``{tau: [(N, ε)]}``, or a string saying why the card cannot be drawn."""
    curves = {}
    for tau in taus:
        pts = []
        for N in Ns:
            gamma = gamma_of(N, tau)
            ev = card.evaluate(_inputs(inputs, tau, gamma, 1.0))
            if "iterations" not in ev.bounds:
                return f"card {card.id!r} needs inputs the PEP does not give: {', '.join(ev.missing)}"
            bad = card.check_conditions(ev.parameters, ev.inputs)
            if bad:
                return f"card {card.id!r}'s conditions fail at the PEP stepsize (N={N}, tau={tau}): {'; '.join(bad)}"
            eps = _epsilon(card, inputs, tau, gamma, N)
            if eps is not None:
                pts.append((N, eps))
        curves[tau] = pts
    return curves
