"""Provenance tags of card formulas, tied to the theory notes in ``proofs/notes/``.

A card writes ``provenance = "LEVEL [TAG+TAG...] NOTE §where"``, e.g.
``"derived [P+D] fixed-computation.md §3.4"``. TAG is a tag exactly as the note
uses it; what it means depends on the note, which declares its tags and their levels
in one line, ``<!-- provenance tags: P=verified, R=restated, … -->`` (``[R]`` is
*restated* in fixed-computation.md but *reconstructed from memory* in
delayed-and-momentum.md). A new note is a new file in ``proofs/notes/``.
LEVEL is a word from :data:`LEVELS`; it may never be stronger than the weakest of the
tags (:func:`parse` enforces this), so a formula cannot be promoted by its card.

The notes live in the repository (``proofs/notes/``, next to the cards, and installed
with them, :func:`ratecheck.bundled.data_folder`; a card folder without a ``notes/``
folder of its own uses the built-in ones). :func:`resolve` checks
that a provenance points at something that is there: the note exists, every ``§``
section it cites is a heading of the note, and every tag it names is written in
those sections (``[P]``, ``**[R]**``, ``[V-src, …]``…) — a formula cannot cite a
section that does not carry its tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..bundled import data_folder

#: Strongest first.
LEVELS = ("verified", "code", "restated", "derived", "secondary", "reconstructed", "not-found")

#: The built-in notes (also used by card folders that have no ``notes/`` of their own).
BUILTIN_NOTES = data_folder("proofs") / "notes"

_RX = re.compile(r"^(?P<level>[a-z-]+) \[(?P<tags>[^\]]+)\] (?P<note>[\w.-]+\.md)(?: (?P<where>.+))?$")
_SECTION_REF = re.compile(r"§\s*([0-9]+[a-z]?(?:\.[0-9]+)*)")
_TAGS = re.compile(r"<!--\s*provenance tags:\s*(.*?)\s*-->")
_HEADING = re.compile(r"^(#{1,6})\s+(?:\*\*)?([0-9]+[a-z]?(?:\.[0-9]+)*)\.?[\s*]")


@dataclass(frozen=True)
class Provenance:
    level: str
    tags: tuple[str, ...]
    note: str
    where: str
    text: str

    @property
    def sections(self) -> tuple[str, ...]:
        """The ``§`` sections cited (empty: the whole note)."""
        return tuple(_SECTION_REF.findall(self.where))

    def __str__(self) -> str:
        return self.text


def parse(text) -> Provenance:
    """Parse a provenance string (its note and tags are checked by :func:`resolve`);
    raise ``ValueError`` with the reason."""
    if not isinstance(text, str):
        raise ValueError(f"must be a string like 'verified [P] fixed-computation.md §3.3', got {text!r}")
    mt = _RX.match(text.strip())
    if not mt:
        raise ValueError(f"{text!r} is not 'LEVEL [TAG] NOTE.md §where'")
    level, note = mt["level"], mt["note"]
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r} (one of {', '.join(LEVELS)})")
    tags = tuple(t.strip() for t in mt["tags"].split("+"))
    return Provenance(level, tags, note, mt["where"] or "", text.strip())


# --- the notes ----------------------------------------------------------------------------

_NOTES: dict[tuple[str, int], tuple[str, dict[str, str]]] = {}


def note_sections(path: Path) -> tuple[str, dict[str, str]]:
    """(whole text, {section id: its text with subsections}) of a note; fenced code is not a heading."""
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _NOTES:
        lines = path.read_text(encoding="utf-8").splitlines()
        heads, fence = [], False
        for i, line in enumerate(lines):
            if line.startswith("```"):
                fence = not fence
            if fence or not line.startswith("#"):
                continue
            m = _HEADING.match(line)
            heads.append((i, len(line) - len(line.lstrip("#")), m[2] if m else None))
        sections = {}
        for j, (i, level, sid) in enumerate(heads):
            if sid is not None:
                end = next((i2 for i2, lev2, _ in heads[j + 1:] if lev2 <= level), len(lines))
                sections[sid] = "\n".join(lines[i:end])
        _NOTES[key] = ("\n".join(lines), sections)
    return _NOTES[key]


def note_tags(path: Path) -> dict[str, str]:
    """The tags a note declares, tag → level, from its line
    ``<!-- provenance tags: P=verified, D=derived, … -->``; raise ``ValueError`` without one."""
    m = _TAGS.search(note_sections(path)[0])
    if m is None:
        raise ValueError(f"{path.name} declares no provenance tags (add a line "
                         "'<!-- provenance tags: TAG=LEVEL, … -->' to it)")
    tags = dict(pair.split("=", 1) for pair in m[1].replace(" ", "").split(",") if "=" in pair)
    bad = sorted(v for v in tags.values() if v not in LEVELS)
    if bad:
        raise ValueError(f"{path.name} declares unknown level(s) {bad} (one of {', '.join(LEVELS)})")
    return tags


def note_path(note: str, folders) -> Path | None:
    """The first ``folder/note`` that exists, else None."""
    for folder in folders:
        p = Path(folder) / note
        if p.is_file():
            return p
    return None


def resolve(p: Provenance, folders) -> None:
    """Check that ``p`` points into a note of ``folders``: the note, the tags it declares
    (:func:`note_tags`) and the level they allow, the sections cited, the tags there.

    Raises ``ValueError`` with the reason.
    """
    path = note_path(p.note, folders)
    if path is None:
        raise ValueError(f"note {p.note!r} is not in {' or '.join(str(f) for f in folders)}")
    known = note_tags(path)
    bad = [t for t in p.tags if t not in known]
    if bad:
        raise ValueError(f"tag(s) {bad} are not used by {p.note} (its tags: {', '.join(known)})")
    weakest = max(LEVELS.index(known[t]) for t in p.tags)
    if LEVELS.index(p.level) < weakest:
        raise ValueError(f"level {p.level!r} promotes tags {list(p.tags)} of {p.note} (at most {LEVELS[weakest]!r})")
    text, sections = note_sections(path)
    missing = [s for s in p.sections if s not in sections]
    if missing:
        raise ValueError(f"{p.note} has no section §{', §'.join(missing)}")
    body = "\n".join(sections[s] for s in p.sections) if p.sections else text
    absent = [t for t in p.tags if not re.search(r"\[" + re.escape(t) + r"[\],+ ]", body)]
    if absent:
        where = ", ".join(f"§{s}" for s in p.sections) or "the note"
        raise ValueError(f"tag(s) {absent} do not occur in {p.note} {where}: the cited text does not carry them")
