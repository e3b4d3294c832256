"""The types of a theorem-card file, checked strictly before the card is read.

:class:`~ratecheck.theory.card.Card` checks what a card *means* (known assumptions,
formulas that parse, required fields with their own messages); this schema only makes
sure every field it reads has the type it expects — a table where a table belongs, text
for formulas, ``true``/``false`` for flags, numbers for sample ranges — so a damaged or
hand-edited card is one line naming the file and the field, never a traceback. Fields
are optional here (the card says which are required); unknown keys of the top level,
citations, entries, conditions and derivations are left to the card, which lists the
allowed ones.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import CardError
from ..strict import first_error


class _Open(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class _Closed(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class Citation(_Open):
    authors: list[str] | None = None
    title: str | None = None
    venue: str | None = None
    year: int | None = None
    arxiv: str | None = None
    where: str | None = None


class Tight(_Closed):
    value: bool | None = None
    with_: list[str] | None = Field(default=None, alias="with")
    note: str | None = None
    provenance: str | None = None


class Symbol(_Closed):
    meaning: str | None = None
    domain: str | None = None


class Entry(_Open):
    formula: str | None = None
    provenance: str | None = None
    meaning: str | None = None
    integer: bool | None = None
    constants: str | None = None
    alias: str | None = None


class Condition(_Open):
    relation: str | None = None
    provenance: str | None = None
    meaning: str | None = None


class Derivation(_Open):
    name: str | None = None
    claim: str | None = None
    statement: str | None = None
    method: str | None = None
    given: str | None = None
    source: str | None = None
    set: dict[str, str | float] | None = None
    where: dict[str, str] | None = None
    symbols: dict[str, str | Symbol] | None = None
    sample: dict[str, list[float]] | None = None


class CardFile(_Open):
    id: str | None = None
    title: str | None = None
    kind: str | None = None
    applies_to: list[str] | None = None
    statistic: str | None = None
    statistic_range: str | None = None
    assumptions: list[str] | None = None
    citation: Citation | None = None
    see_also: list[Citation] | None = None
    tight: Tight | None = None
    symbols: dict[str, str | Symbol] | None = None
    parameters: dict[str, Entry] | None = None
    bounds: dict[str, Entry] | None = None
    conditions: list[Condition] | None = None
    derivations: list[Derivation] | None = None
    notes: list[str] | None = None
    not_found: list[str] | None = None


def check_types(data: dict, file: str) -> None:
    """Raise :class:`CardError` naming ``file`` and the field whose value has the wrong type."""
    try:
        CardFile.model_validate(data)
    except ValidationError as exc:
        where, message = first_error(data, exc)
        raise CardError(file, where, message) from None
