"""Theorem cards (``proofs/*.toml``): load, evaluate, check derivations.

Cards are looked up by id along a search path (:func:`search_path`), first match wins:
the folders a check adds (its spec's ``[check] proofs``, :func:`added_proofs`), then the
folders of the ``RATECHECK_PROOFS`` environment variable (``os.pathsep``-separated),
then the built-in catalogue — the repository's ``proofs/`` folder, or its copy installed
with the package (:func:`ratecheck.bundled.data_folder`). A folder on the path adds
cards to the catalogue; a card whose id is also built in takes its place.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CardError, SpecError

if TYPE_CHECKING:
    from .card import Card

__all__ = ["Card", "Evaluation", "added_proofs", "load_card", "all_cards", "builtin_proofs", "proofs_dir", "read_card",
           "search_path", "sibling"]

_CACHE: dict[tuple[str, str], Card] = {}
#: Folders added by the check being run (:func:`added_proofs`), searched first.
_ADDED: list[Path] = []

#: Imported on first use (they import sympy): ``ratecheck theorems`` lists cached cards without them.
_LAZY = {"Card": ".card", "read_card": ".card", "Evaluation": ".evaluation"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def builtin_proofs() -> Path:
    """The built-in catalogue: ``<repo>/proofs``, or its copy installed with the package."""
    from ..bundled import data_folder

    return data_folder("proofs")


def _environment_folders() -> list[Path]:
    env = os.environ.get("RATECHECK_PROOFS") or ""
    folders = [Path(p) for p in env.split(os.pathsep) if p]
    for d in folders:
        if not d.is_dir():
            raise SpecError("RATECHECK_PROOFS", f"theorem-card folder {str(d)!r} does not exist")
    return folders


def search_path() -> list[Path]:
    """The card folders, searched in order (module docstring)."""
    return [*_ADDED, *_environment_folders(), builtin_proofs()]


def proofs_dir() -> Path:
    """The first folder of ``$RATECHECK_PROOFS``, else the built-in catalogue."""
    return (_environment_folders() or [builtin_proofs()])[0]


@contextmanager
def added_proofs(folders, field: str = "check.proofs"):
    """Search ``folders`` (absolute paths) first while the block runs; a folder that does
    not exist is a SpecError naming ``field[i]``."""
    folders = [Path(f) for f in folders]
    for i, d in enumerate(folders):
        if not d.is_dir():
            raise SpecError(f"{field}[{i}]", f"theorem-card folder {str(d)!r} does not exist")
    _ADDED[:0] = folders
    try:
        yield
    finally:
        del _ADDED[:len(folders)]


def card_paths() -> dict[str, Path]:
    """Every card on the search path by id (sorted), each the first file of that name."""
    found: dict[str, Path] = {}
    for folder in search_path():
        for p in folder.glob("*.toml"):
            found.setdefault(p.stem, p)
    return dict(sorted(found.items()))


def card_ids() -> list[str]:
    return list(card_paths())


def load_card(card_id: str) -> Card:
    """The card ``<card_id>.toml`` of the first folder on the search path that has it
    (cached until the file changes)."""
    if not isinstance(card_id, str) or not card_id or "/" in card_id or "\\" in card_id:
        raise SpecError("theorem", f"not a card id: {card_id!r}")
    paths = card_paths()
    if card_id not in paths:
        raise SpecError("theorem", f"unknown theorem card {card_id!r} (known: {', '.join(paths)})")
    path = paths[card_id]
    return _cached(path)


def _cached(path: Path) -> Card:
    """The card at ``path``, cached until its content changes."""
    key = (str(path), hashlib.sha1(path.read_bytes()).hexdigest())
    if key not in _CACHE:
        from .card import read_card

        _CACHE[key] = read_card(path)
    return _CACHE[key]


def sibling(card: Card, card_id: str) -> Card:
    """The card ``card_id`` of ``card``'s own folder, else of the search path (a
    derivation's ``cards`` import)."""
    if not isinstance(card_id, str) or not card_id or "/" in card_id or "\\" in card_id:
        raise SpecError("theorem", f"not a card id: {card_id!r}")
    path = card.path.parent / f"{card_id}.toml"
    if not path.is_file():
        path = card_paths().get(card_id)
    if path is None:
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
