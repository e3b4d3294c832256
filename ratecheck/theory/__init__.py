"""Theorem cards (``proofs/*.toml``): load, evaluate, check derivations.

Cards live in the repository's ``proofs/`` folder (found next to the package, which is
the layout of the supported editable install) or in the folder named by the
``RATECHECK_PROOFS`` environment variable.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CardError, SpecError

if TYPE_CHECKING:
    from .card import Card

__all__ = ["Card", "Evaluation", "load_card", "all_cards", "proofs_dir", "read_card", "sibling"]

_CACHE: dict[tuple[str, str], Card] = {}

#: Imported on first use (they import sympy): ``ratecheck theorems`` lists cached cards without them.
_LAZY = {"Card": ".card", "read_card": ".card", "Evaluation": ".evaluation"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def proofs_dir() -> Path:
    """The folder holding the cards: ``$RATECHECK_PROOFS`` or ``<repo>/proofs``."""
    env = os.environ.get("RATECHECK_PROOFS")
    d = Path(env) if env else Path(__file__).resolve().parents[2] / "proofs"
    if not d.is_dir():
        field = "RATECHECK_PROOFS" if env else "proofs"
        raise SpecError(field, f"theorem-card folder {str(d)!r} does not exist")
    return d


def card_ids() -> list[str]:
    return sorted(p.stem for p in proofs_dir().glob("*.toml"))


def load_card(card_id: str) -> Card:
    """The card ``proofs/<card_id>.toml`` (cached until the file changes)."""
    if not isinstance(card_id, str) or not card_id or "/" in card_id or "\\" in card_id:
        raise SpecError("theorem", f"not a card id: {card_id!r}")
    path = proofs_dir() / f"{card_id}.toml"
    if not path.is_file():
        raise SpecError("theorem", f"unknown theorem card {card_id!r} (known: {', '.join(card_ids())})")
    return _cached(path)


def _cached(path: Path) -> Card:
    """The card at ``path``, cached until its content changes."""
    key = (str(path), hashlib.sha1(path.read_bytes()).hexdigest())
    if key not in _CACHE:
        from .card import read_card

        _CACHE[key] = read_card(path)
    return _CACHE[key]


def sibling(card: Card, card_id: str) -> Card:
    """The card ``card_id`` of ``card``'s own folder (a derivation's ``cards`` import)."""
    if not isinstance(card_id, str) or not card_id or "/" in card_id or "\\" in card_id:
        raise SpecError("theorem", f"not a card id: {card_id!r}")
    path = card.path.parent / f"{card_id}.toml"
    if not path.is_file():
        raise SpecError("theorem", f"card {card.id!r} imports unknown card {card_id!r}")
    return _cached(path)


def all_cards() -> list[Card]:
    """Every card, sorted by id; cross-references (``tight.with``) must name existing cards."""
    cards = [load_card(i) for i in card_ids()]
    check_references([(c.file, c.tight["with"], [(d.name, name, other) for d in c.derivations
                                                 for name, (other, *_) in d.imports.items()]) for c in cards])
    return cards


def check_references(cards) -> None:
    """Raise :class:`CardError` at the first cross-reference to a card not among
    ``cards``: (file, ``tight.with`` ids, [(derivation, import name, card id), ...]) of
    each card, in order (``ratecheck theorems`` checks its cached rows with it too)."""
    ids = {file.removesuffix(".toml") for file, _, _ in cards}
    for file, tight_with, imports in cards:
        for other in tight_with:
            if other not in ids:
                raise CardError(file, "tight.with", f"names unknown card {other!r}")
        for derivation, name, other in imports:
            if other not in ids:
                raise CardError(file, f"derivations.{derivation}.cards.{name}", f"names unknown card {other!r}")
