"""``ratecheck theorems``: one summary row per card, cached on disk so that listing the
cards needs neither sympy nor parsing their ~300 formulas.

A row is what the listing prints: id, kind, statistic, each bound's ``constants``, the
provenance levels of the card's formulas, title and short citation (:func:`row`). It
is computed from the fully loaded (validated) card the first time and kept in
``<cache_root>/cards/<key>.json`` (:func:`ratecheck._cache.cache_root`), where ``key``
is the SHA-256 of the card file's name and bytes and of everything its validation
depends on (:func:`environment`): the sources of the card-loading code, the theory
notes that provenances are resolved in, the sympy and pydantic releases. Editing a card,
a note or that code gives a new key: the card is loaded (and validated) again. A card
without a stored row is always loaded fully, so a broken card is the same error
(:class:`~ratecheck.errors.CardError` naming the field) as without the cache. The
cross-references that :func:`ratecheck.theory.all_cards` checks (``tight.with``,
derivations' ``cards``) are stored with the row and checked on every listing.

An unreadable or corrupt entry is a miss; an unwritable cache is not used.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from .._cache import cache_root, write_entry
from . import card_paths, check_references, load_card
from .provenance import BUILTIN_NOTES, LEVELS

#: Bump when the stored entry's layout changes.
FORMAT = b"ratecheck-card-listing-v1"

_PACKAGE = Path(__file__).resolve().parents[1]
#: The modules (outside ``theory/``, all of which is included) whose text decides
#: whether a card loads and what its row holds.
_CODE = ("errors.py", "files.py", "strict.py", "vocabulary.py", "engine/trace.py")
#: Libraries that parse and validate a card, and the file of each that names its release.
_LIBRARIES = (("sympy", "release.py"), ("pydantic", "version.py"))


def cache_dir() -> Path:
    """``<cache_root>/cards``."""
    return cache_root() / "cards"


def row(card) -> dict:
    """The listing's row of a loaded card (JSON-serialisable)."""
    levels = sorted({e.provenance.level for e in [*card.parameters.values(), *card.bounds.values()]}, key=LEVELS.index)
    return {
        "id": card.id, "kind": card.kind, "statistic": card.statistic,
        "bounds": {k: e.constants for k, e in card.bounds.items()},
        "weakest": levels[-1], "provenance": levels, "title": card.title, "citation": card.citation_short(),
    }


def _references(card) -> dict:
    """What :func:`~ratecheck.theory.check_references` needs of a card."""
    return {"tight_with": list(card.tight["with"]),
            "imports": [[d.name, name, other] for d in card.derivations for name, (other, *_) in d.imports.items()]}


@lru_cache(maxsize=None)
def code_hash(package: Path = _PACKAGE) -> bytes:
    """SHA-256 of the card code of ``package`` (every module of ``theory/`` and
    :data:`_CODE`, each with its path) and of the releases of :data:`_LIBRARIES`."""
    h = hashlib.sha256(FORMAT + b"\0")
    files = sorted((package / "theory").glob("*.py")) + [package / name for name in _CODE]
    for path in files:
        h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    for lib, release in _LIBRARIES:
        spec = find_spec(lib)
        origin = Path(spec.origin).parent / release if spec is not None and spec.origin else None
        try:
            h.update(f"{lib}\0".encode() + origin.read_bytes() + b"\0")
        except (AttributeError, OSError):
            h.update(f"{lib}=?\0".encode())
    return h.digest()


def environment(folder: Path) -> bytes:
    """What a card of ``folder`` loads against besides its own file: the card code
    (:func:`code_hash`) and the notes its provenances are resolved in (``folder/notes``,
    then the repository's)."""
    h = hashlib.sha256(code_hash())
    for notes in (folder / "notes", BUILTIN_NOTES):
        h.update(b"notes\0")
        for path in sorted(notes.glob("*.md")) if notes.is_dir() else []:
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.digest()


def _key(env: bytes, path: Path, data: bytes) -> str:
    return hashlib.sha256(env + path.name.encode() + b"\0" + data).hexdigest()


def _read(key: str) -> dict | None:
    try:
        entry = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or not {"row", "tight_with", "imports"} <= set(entry):
        return None
    return entry


def _write(key: str, entry: dict) -> None:
    write_entry(cache_dir() / f"{key}.json", json.dumps(entry, ensure_ascii=False).encode("utf-8"))


def rows() -> list[dict]:
    """The listing's rows, one per card of the search path sorted by id: what
    :func:`row` gives for each card of :func:`~ratecheck.theory.all_cards`, with the
    same errors, read from the cache where the card, its notes and the card code are
    unchanged."""
    envs: dict[Path, bytes] = {}
    entries = []
    for card_id, path in card_paths().items():
        if path.parent not in envs:
            envs[path.parent] = environment(path.parent)
        data = path.read_bytes()
        key = _key(envs[path.parent], path, data)
        entry = _read(key)
        if entry is None:
            card = load_card(card_id)
            entry = {"row": row(card), **_references(card)}
            if path.read_bytes() == data:  # the card loaded is the one the key names
                _write(key, entry)
        entries.append(entry)
    check_references([(f"{e['row']['id']}.toml", e["tight_with"], [(d, n, o) for d, n, o in e["imports"]])
                      for e in entries])
    return [e["row"] for e in entries]
