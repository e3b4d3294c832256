"""Provenance tags of card formulas, tied to the theory notes in ``shared/theory/``.

A card writes ``provenance = "LEVEL [TAG+TAG...] NOTE §where"``, e.g.
``"derived [P+D] fixed-computation.md §3.4"``. TAG is a tag exactly as the note
uses it; what it means depends on the note (``[R]`` is *restated* in
fixed-computation.md but *reconstructed from memory* in delayed-and-momentum.md).
LEVEL is a word from :data:`LEVELS`; it may never be stronger than the weakest of the
tags (:func:`parse` enforces this), so a formula cannot be promoted by its card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Strongest first.
LEVELS = ("verified", "code", "restated", "derived", "secondary", "reconstructed", "not-found")

#: Per note: its tag → level.
NOTE_TAGS = {
    "fixed-computation.md": {
        "P": "verified",  # primary author material (posters, slides, abstracts)
        "C": "code",  # the authors' simulation code
        "R": "restated",  # a later paper of the same group restates it
        "D": "derived",  # algebra by the note's author from verified pieces
        "S": "secondary",  # secondary summary or review only
        "M": "reconstructed",  # from memory, not verified
        "inferred": "reconstructed",
    },
    "delayed-and-momentum.md": {
        "V-src": "verified",
        "V-code": "code",
        "V-sec": "restated",  # quoted by a different paper
        "R": "reconstructed",  # reconstructed from memory, not verified
        "NF": "not-found",
    },
    "momentum-data-dependent.md": {"reconstructed": "reconstructed"},
}

_RX = re.compile(r"^(?P<level>[a-z-]+) \[(?P<tags>[^\]]+)\] (?P<note>[\w.-]+\.md)(?: (?P<where>.+))?$")


@dataclass(frozen=True)
class Provenance:
    level: str
    tags: tuple[str, ...]
    note: str
    where: str
    text: str

    def __str__(self) -> str:
        return self.text


def parse(text) -> Provenance:
    """Parse and check a provenance string; raise ``ValueError`` with the reason."""
    if not isinstance(text, str):
        raise ValueError(f"must be a string like 'verified [P] fixed-computation.md §3.3', got {text!r}")
    mt = _RX.match(text.strip())
    if not mt:
        raise ValueError(f"{text!r} is not 'LEVEL [TAG] NOTE.md §where'")
    level, note = mt["level"], mt["note"]
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r} (one of {', '.join(LEVELS)})")
    if note not in NOTE_TAGS:
        raise ValueError(f"unknown note {note!r} (one of {', '.join(NOTE_TAGS)})")
    tags = tuple(t.strip() for t in mt["tags"].split("+"))
    known = NOTE_TAGS[note]
    bad = [t for t in tags if t not in known]
    if bad:
        raise ValueError(f"tag(s) {bad} are not used by {note} (its tags: {', '.join(known)})")
    weakest = max(LEVELS.index(known[t]) for t in tags)
    if LEVELS.index(level) < weakest:
        raise ValueError(f"level {level!r} promotes tags {list(tags)} of {note} (at most {LEVELS[weakest]!r})")
    return Provenance(level, tags, note, mt["where"] or "", text.strip())
