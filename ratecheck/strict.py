"""Strict parsing of TOML tables with pydantic: a validation error as a field and one sentence.

Specs (:mod:`ratecheck.spec`), their claims (:mod:`ratecheck.verdict.claims`) and
theorem-card files (:mod:`ratecheck.theory.schema`) are validated by pydantic models in
strict mode (no string → number, number → bool, bool → number or float → int
coercion), built on :class:`Strict` and the shared field types below;
:func:`first_error` turns the first error into
``("algorithms[0].params.gamma", "must be a valid number or …, got true")``.

Problem families (:mod:`ratecheck.problems`) and asynchrony models
(:mod:`ratecheck.asynchrony`) declare their parameters once, in the annotated signature
of their constructor, which :func:`validated` checks with pydantic's ``validate_call`` in
the same strict mode; :func:`declared` reads those declarations back (type, default,
description) for ``ratecheck problems`` and ``ratecheck models``.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import os
import typing
from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError, validate_call

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


def _python(v):
    """A numpy scalar or array, or a tuple, as the Python value TOML would give
    (``np.float64(2.0)`` → 2.0, ``np.bool_(True)`` → True, arrays and tuples → lists)."""
    if isinstance(v, (np.generic, np.ndarray)):
        return v.tolist()
    return [_python(x) for x in v] if isinstance(v, (list, tuple)) else v


def _path_text(v):
    """A path object as its text (a spec table holds a path as a string)."""
    return os.fspath(v) if isinstance(v, os.PathLike) else v


def _integral(v):
    """An integral float as the integer it is (``4.0`` → 4; TOML numbers and swept values are
    floats); anything else, ``4.5`` or ``True`` included, is left to the integer check."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


#: A finite real number (an integer is one; a boolean or a string is not).
Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]
#: A finite number > 0.
Positive = Annotated[Finite, Field(gt=0)]
#: A finite number ≥ 0.
NonNegative = Annotated[Finite, Field(ge=0)]
#: An integer ≥ 1 (a dimension, a count); an integral float such as ``4.0`` is one.
Count = Annotated[int, Field(strict=True, ge=1), BeforeValidator(_integral)]
#: An integer ≥ 0 (a seed); an integral float such as ``4.0`` is one.
Index = Annotated[int, Field(strict=True, ge=0), BeforeValidator(_integral)]
#: A number c (meaning c·(1, …, 1)) or a list of numbers; its length is the caller's check.
Vector = Finite | list[Finite]
#: A non-empty string (a label, a name).
Label = Annotated[str, AfterValidator(_non_empty)]
#: A file's path: a string, or a path object (read as its text).
PathText = Annotated[str, BeforeValidator(_path_text)]


def validated(fn):
    """``fn`` with its arguments validated against its annotated signature (pydantic's
    ``validate_call``, strict as :class:`Strict`): each parameter is declared once, there,
    as ``name: Annotated[type, Field(description=…)] = default``. Python callers may pass
    numpy scalars and arrays or tuples (read as the numbers and lists a spec table holds).
    The first invalid, missing or unknown argument raises
    :class:`~ratecheck.errors.SpecError` naming it."""
    call = validate_call(config=Strict.model_config)(fn)
    names = list(inspect.signature(fn).parameters)

    @functools.wraps(fn)
    def checked(*args, **kwargs):
        args = [_python(a) for a in args]
        kwargs = {k: _python(v) for k, v in kwargs.items()}
        try:
            return call(*args, **kwargs)
        except ValidationError as exc:
            errors = [_named(e, names) for e in exc.errors()]
            if errors[0]["type"] == "unexpected_keyword_argument":
                allowed = ", ".join(n for n in names if n not in ("self", "cls"))
                raise SpecError(str(errors[0]["loc"][0]), f"unknown parameter (allowed: {allowed})") from None
            raise SpecError(*_first(dict(zip(names, args)) | kwargs, errors)) from None

    return checked


def _named(err: dict, names: list[str]) -> dict:
    """A ``validate_call`` error with a positional argument's index replaced by its name."""
    head = err["loc"][0] if err["loc"] else None
    if isinstance(head, int) and head < len(names):
        return {**err, "loc": (names[head], *err["loc"][1:])}
    return err


def declared(fn) -> dict[str, dict]:
    """The parameters a :func:`validated` function declares (``self`` left out): name →
    ``{"schema": JSON schema of its type (``{}``: unannotated), "default": …, "required": bool,
    "description": …}``."""
    hints = typing.get_type_hints(fn, include_extras=True)
    out = {}
    for name, p in inspect.signature(fn).parameters.items():
        if name in ("self", "cls"):
            continue
        schema = TypeAdapter(hints.get(name, Any)).json_schema()
        out[name] = {"schema": schema, "default": None if p.default is p.empty else p.default,
                     "required": p.default is p.empty, "description": schema.pop("description", "")}
    return out


def type_text(schema: dict) -> str:
    """A parameter's type, from the JSON schema of its declaration: ``int ≥ 1``,
    ``float > 0 | none``, ``"linear" | "geometric"``, ``float | list of float`` (``any``
    where a constructor leaves it unannotated)."""
    if "anyOf" in schema:
        return " | ".join(type_text(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    if schema.get("type") == "array":
        return f"list of {type_text(schema['items'])}"
    name = {"integer": "int", "number": "float", "boolean": "bool", "string": "str", "null": "none"}.get(schema.get("type"), "any")
    bounds = [f"{op} {schema[key]}" for key, op in (("exclusiveMinimum", ">"), ("minimum", "≥"), ("exclusiveMaximum", "<"),
                                                    ("maximum", "≤")) if key in schema]
    return " ".join([name, ", ".join(bounds)]) if bounds else name


def parameter_table(cls) -> dict:
    """What the listings (``ratecheck problems``, ``ratecheck models``) show of a registered
    class: the first line of its docstring (``summary``), its constructor's
    :func:`declared` parameters with their type as text, default and description, and
    which are ``required``."""
    doc = inspect.getdoc(cls) or ""
    params = declared(cls.__init__)
    return {
        "summary": doc.splitlines()[0] if doc else "",
        "parameters": {k: {"type": type_text(p["schema"]), "default": p["default"], "description": p["description"]}
                       for k, p in params.items()},
        "required": [k for k, p in params.items() if p["required"]],
    }


def first_error(raw: Any, exc: ValidationError) -> tuple[str, str]:
    """The field of the first error and one sentence saying what is wrong there."""
    return _first(raw, exc.errors())


def _first(raw: Any, errors: list[dict]) -> tuple[str, str]:
    """As :func:`first_error`, from pydantic's list of errors. Where a union member got
    further into the value (``x0 = [1, "a"]``: a number or a list of numbers), its error
    inside the first error's field is the one reported (``x0[1]``, not ``x0``)."""
    where = _field(raw, errors[0])
    inside = [e for e in errors if _field(raw, e).startswith((f"{where}[", f"{where}."))]
    if inside:
        where = _field(raw, inside[0])
        errors = inside
    if errors[0]["type"] == "extra_forbidden":
        return where, "unknown key (misspelled?)"
    if errors[0]["type"] in ("missing", "missing_argument"):
        return where, "missing"
    # a union (``seeds``: integer or list) gives one error per member: say them all
    return where, message([e for e in errors if _field(raw, e) == where])


def _field(raw: Any, err: dict) -> str:
    """The field of a pydantic error, e.g. ``algorithms[0].params.gamma``: its
    location up to the first part that is not in the data (a union member's tag such as
    ``int`` or ``list[int]``; the tag is passed over when the data there is a list, so
    ``x0[1]`` is named inside a list of numbers), or the key a ``missing`` error names."""
    loc, node = "", raw
    for i, part in enumerate(err["loc"]):
        if isinstance(node, list) and isinstance(part, str):  # the tag of the union member a list matched
            continue
        present = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
        if not present and not (err["type"] in ("missing", "missing_argument") and i == len(err["loc"]) - 1):
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
