"""Strict parsing of TOML tables with pydantic: a validation error as a field and one sentence.

Specs (:mod:`ratecheck.spec`), their claims (:mod:`ratecheck.verdict.claims`) and
theorem-card files (:mod:`ratecheck.theory.schema`) are validated by pydantic models in
strict mode (no string → number, number → bool, bool → number or float → int
coercion), built on :class:`Strict` and the shared field types below;
:func:`first_error` turns the first error into
``("algorithms[0].params.gamma", "must be a valid number or …, got true")``.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from .errors import SpecError


class Strict(BaseModel):
    """A TOML table: unknown keys are errors, nothing is coerced, numbers are finite."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def _non_empty(v: str) -> str:
    if not v:
        raise ValueError("must be a non-empty string, got \"\"")
    return v


def finite(field: str, value) -> float:
    """A finite number outside a model (command-line text, card inputs, problem
    parameters); raises :class:`~ratecheck.errors.SpecError` naming ``field``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SpecError(field, f"must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise SpecError(field, f"must be finite, got {value!r}")
    return v


def one_of(options) -> AfterValidator:
    """A value among ``options`` (``None`` passes: an optional field left out)."""
    def check(v):
        if v is not None and v not in options:
            raise ValueError(f"must be one of {', '.join(options)}, got {v!r}")
        return v

    return AfterValidator(check)


#: A finite real number (an integer is one; a boolean or a string is not).
Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]
#: A non-empty string (a label, a name).
Label = Annotated[str, AfterValidator(_non_empty)]


def first_error(raw: Any, exc: ValidationError) -> tuple[str, str]:
    """The field of the first error and one sentence saying what is wrong there."""
    errors = exc.errors()
    where = _field(raw, errors[0])
    if errors[0]["type"] == "extra_forbidden":
        return where, "unknown key (misspelled?)"
    if errors[0]["type"] == "missing":
        return where, "missing"
    # a union (``seeds``: integer or list) gives one error per member: say them all
    return where, message([e for e in errors if _field(raw, e) == where])


def _field(raw: Any, err: dict) -> str:
    """The field of a pydantic error, e.g. ``algorithms[0].params.gamma``: its
    location up to the first part that is not in the data (a union member's tag such as
    ``int`` or ``list[int]``), or the key a ``missing`` error names."""
    loc, node = "", raw
    for i, part in enumerate(err["loc"]):
        present = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
        if not present and not (err["type"] == "missing" and i == len(err["loc"]) - 1):
            break
        loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
        node = node[part] if present else None
    return loc


def message(errors: list[dict]) -> str:
    """One sentence for the errors at one field: ``must be a valid integer or a valid
    list, got 2.0`` (a union's members), or a validator's own message."""
    msgs = list(dict.fromkeys(e["msg"].removeprefix("Value error, ") for e in errors))
    if any(e["type"] == "value_error" for e in errors):
        return "; ".join(msgs)
    text = " or ".join(m.replace("Input should be", "must be" if i == 0 else "").strip() for i, m in enumerate(msgs))
    return f"{text}, got {_toml(errors[0].get('input'))}"


def _toml(value: Any) -> str:
    """A value as it reads in TOML (``true``, ``"5000"``, ``2.0``)."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
