"""The ``[[claims]]`` tables of a check spec: their schema, validation and wording.

Kinds and their fields (``*`` = required; every kind also takes ``alpha``, the error
level, default 0.05, ``min_seeds``, default 5, and ``statistic``, default the runs'
``meta["statistic"]``, i.e. the statistic the card bounds):

=====================  ==============================================================
``holds``              ``algorithm*``, ``theorem*``, ``bound*`` (a key of the card's
                       ``bounds``), ``measure`` (default ``bound``)
``scaling``            ``algorithm*``, ``theorem*``, ``bound*``, ``tolerance*`` (> 0, on
                       the exponent), ``variable`` (default ``"eps"``), ``measure``
``ratio-bounded``      ``algorithm*``, ``theorem*``, ``bound*``, ``c_lo*`` (≥ 0),
                       ``c_hi*`` (> ``c_lo``), ``measure``
``optimal-parameter``  ``algorithm_grid*`` (≥ 2 labels), ``parameter*``, ``factor*``
                       (≥ 1), ``reference`` (the grid label whose card evaluation
                       holds the card's choice), ``theorem``, ``measure`` (default
                       ``"time"``)
``ordering``           ``faster*``, ``slower*``, ``measure`` (default ``"time"``), or
                       ``at`` (``"horizon"``, ``{ time = T }``, ``{ iterations = K }``:
                       compare the statistic's value there, :mod:`.horizon`; then no
                       ``measure``)
``equivalent``         ``algorithms*`` (exactly 2 labels), ``factor*`` (> 1), ``measure``
                       (default ``"time"``)
``value``              ``algorithm*``, ``relation*`` (``"<="``, ``">="``, ``"≈"``),
                       ``reference*`` (a number, or a formula in the instance's exact
                       constants), ``rtol`` or ``atol`` (one of them, > 0, with ``≈``
                       only), ``at`` (default ``"horizon"``; forms as for ``ordering``):
                       :mod:`.value`
``limit``              ``algorithm*``, ``point*`` (``"x_star"``, a named point of the
                       problem, or a list of d numbers), ``tolerance*`` (> 0, on
                       ‖x_final − point‖); no ``statistic``: :mod:`.limit`
=====================  ==============================================================

``measure`` is ``iterations``, ``time``, ``computed`` or ``worker_time``; when ``bound`` is not one of
those names, ``measure`` must be given.

Each kind is a pydantic model (strict, as the spec: :mod:`ratecheck.spec`), the claim a
discriminated union on ``kind``; every error names its field, e.g.
``claims[1].faster: unknown algorithm 'x' (known: a, b)``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

from pydantic import Field, TypeAdapter, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..engine.trace import STATISTICS
from ..errors import SpecError
from ..strict import Finite, Label, Strict, message, one_of
from .complexity import MEASURES

DEFAULT_ALPHA = 0.05
DEFAULT_MIN_SEEDS = 5


def _field_error(name: str, text: str) -> PydanticCustomError:
    """An error a model validator attributes to the field ``name`` (not to the model)."""
    return PydanticCustomError("claim_field", "{text}", {"field": name, "text": text})


def _known(name: str, value: str, info: ValidationInfo) -> str:
    """``value`` is a label of the spec's algorithms (``labels`` in the context; ``None``: any)."""
    labels = (info.context or {}).get("labels")
    if labels is not None and value not in labels:
        raise _field_error(name, f"unknown algorithm {value!r} (known: {', '.join(sorted(labels))})")
    return value


class _Claim(Strict):
    """Fields every kind takes: the error level, the seeds a point needs, the statistic."""

    alpha: Annotated[Finite, Field(gt=0, lt=0.5)] = DEFAULT_ALPHA
    min_seeds: Annotated[int, Field(ge=2)] = DEFAULT_MIN_SEEDS
    statistic: Annotated[str | None, one_of(STATISTICS)] = None


class _OfOne(_Claim):
    """A claim about one algorithm of the spec (a label of its tables)."""

    algorithm: Label

    @field_validator("algorithm")
    @classmethod
    def _label(cls, v, info: ValidationInfo):
        return _known("algorithm", v, info)


class _Bound(_OfOne):
    """A claim about one algorithm against one bound of a card."""

    theorem: Label
    bound: Label
    measure: str | None = None

    @model_validator(mode="after")
    def _measure_of_bound(self):
        given = "measure" in self.model_fields_set
        self.measure = self.measure if given else self.bound
        if self.measure not in MEASURES:
            raise _field_error("measure" if given else "bound", f"measure must be one of {', '.join(MEASURES)} (give "
                               f"`measure` when the bound is named otherwise), got {self.measure!r}")
        return self


class Holds(_Bound):
    kind: Literal["holds"]


class Scaling(_Bound):
    kind: Literal["scaling"]
    tolerance: Annotated[Finite, Field(gt=0)]
    variable: Label = "eps"


class RatioBounded(_Bound):
    kind: Literal["ratio-bounded"]
    c_lo: Annotated[Finite, Field(ge=0)]
    c_hi: Annotated[Finite, Field(gt=0)]

    @model_validator(mode="after")
    def _order(self):
        if self.c_hi <= self.c_lo:
            raise _field_error("c_hi", f"must be > c_lo = {self.c_lo}, got {self.c_hi}")
        return self


class OptimalParameter(_Claim):
    kind: Literal["optimal-parameter"]
    algorithm_grid: list[Label]
    parameter: Label
    factor: Annotated[Finite, Field(ge=1)]
    theorem: Label | None = None
    reference: Label | None = None
    measure: Annotated[str, one_of(MEASURES)] = "time"

    @field_validator("algorithm_grid")
    @classmethod
    def _grid(cls, v, info: ValidationInfo):
        if len(v) < 2:
            raise ValueError(f"must be a list of at least 2 algorithm labels, got {v!r}")
        for j, g in enumerate(v):
            _known(f"algorithm_grid[{j}]", g, info)
        if len(set(v)) != len(v):
            raise ValueError("lists an algorithm twice")
        return v

    @model_validator(mode="after")
    def _reference(self):
        if self.reference is not None and self.reference not in self.algorithm_grid:
            raise _field_error("reference", f"must be one of algorithm_grid, got {self.reference!r}")
        return self


def parse_at(v: Any) -> str | dict | None:
    """An ordering's ``at``: ``"horizon"``, ``{"time": T}`` (T > 0) or ``{"iterations": K}``
    (a whole number ≥ 1), normalised; raises ValueError with the sentence to show."""
    forms = 'must be "horizon", { time = T } or { iterations = K }'
    if v is None or v == "horizon":
        return v
    if not isinstance(v, dict) or len(v) != 1 or next(iter(v)) not in ("time", "iterations"):
        raise ValueError(f"{forms}, got {v!r}")
    (key, x), = v.items()
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or x <= 0:
        raise ValueError(f"{forms}: {key} must be a finite number > 0, got {x!r}")
    if key == "iterations":
        if x != int(x):
            raise ValueError(f"{forms}: iterations must be a whole number, got {x!r}")
        return {"iterations": int(x)}
    return {"time": float(x)}


def at_text(at: str | dict) -> str:
    """``at the horizon``, ``at time 100``, ``after 5000 iterations``."""
    if at == "horizon":
        return "at the horizon"
    if "time" in at:
        return f"at time {at['time']:g}"
    return f"after {at['iterations']} iterations"


class Ordering(_Claim):
    """``faster`` reaches ε sooner than ``slower`` (:mod:`.ordering`), or, with ``at``, has
    the lower value of the statistic at the horizon (:mod:`.horizon`)."""

    kind: Literal["ordering"]
    faster: Label
    slower: Label
    measure: Annotated[str, one_of(MEASURES)] = "time"
    at: Any = None

    @field_validator("faster", "slower")
    @classmethod
    def _label(cls, v, info: ValidationInfo):
        return _known(info.field_name, v, info)

    @field_validator("at")
    @classmethod
    def _at(cls, v):
        return parse_at(v)

    @model_validator(mode="after")
    def _differ(self):
        if self.faster == self.slower:
            raise _field_error("slower", "must differ from faster")
        if self.at is not None and "measure" in self.model_fields_set:
            raise _field_error("measure", "not used with `at`: the claim compares the statistic's value "
                               f"{at_text(self.at)}, not a measure to ε; remove one of them")
        return self


class Equivalent(_Claim):
    """Two algorithms within a factor of each other on a measure (:mod:`.equivalent`)."""

    kind: Literal["equivalent"]
    algorithms: list[Label]
    factor: Annotated[Finite, Field(gt=1)]
    measure: Annotated[str, one_of(MEASURES)] = "time"

    @field_validator("algorithms")
    @classmethod
    def _pair(cls, v, info: ValidationInfo):
        if len(v) != 2:
            raise ValueError(f"must be a list of exactly 2 algorithm labels, got {v!r}")
        for j, g in enumerate(v):
            _known(f"algorithms[{j}]", g, info)
        if v[0] == v[1]:
            raise _field_error("algorithms[1]", "must differ from algorithms[0]")
        return v


#: The relations a ``value`` claim states between the median value and its reference.
RELATIONS = ("<=", ">=", "≈")


class Value(_OfOne):
    """``algorithm``'s statistic at a horizon is ≤, ≥ or ≈ a reference (:mod:`.value`)."""

    kind: Literal["value"]
    relation: Annotated[str, one_of(RELATIONS)]
    reference: Any
    rtol: Annotated[Finite, Field(gt=0)] | None = None
    atol: Annotated[Finite, Field(gt=0)] | None = None
    at: Any = "horizon"

    @field_validator("at")
    @classmethod
    def _at(cls, v):
        return parse_at(v)

    @field_validator("reference")
    @classmethod
    def _reference(cls, v):
        if isinstance(v, str) and v.strip():
            return v
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            return float(v)
        raise ValueError(f"must be a finite number or a formula string (e.g. \"2*sigma2/n\"), got {v!r}")

    @model_validator(mode="after")
    def _tolerance(self):
        given = [k for k in ("rtol", "atol") if getattr(self, k) is not None]
        if self.relation == "≈" and len(given) != 1:
            raise _field_error(given[-1] if given else "rtol", "relation = \"≈\" needs exactly one tolerance: rtol "
                               "(relative to |reference|) or atol (absolute)" + (", not both" if given else ""))
        if self.relation != "≈" and given:
            raise _field_error(given[0], f"only used with relation = \"≈\", got relation = {self.relation!r}")
        return self


class Limit(_OfOne):
    """Every run of ``algorithm`` ends within ``tolerance`` of ``point`` (:mod:`.limit`)."""

    kind: Literal["limit"]
    point: Any
    tolerance: Annotated[Finite, Field(gt=0)]

    @field_validator("point")
    @classmethod
    def _point(cls, v):
        if isinstance(v, str) and v:
            return v
        if isinstance(v, list) and v and all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in v):
            return [float(x) for x in v]
        raise ValueError(f"must be a point's name (\"x_star\", or one the problem family names) or a non-empty list "
                         f"of finite numbers, got {v!r}")

    @model_validator(mode="after")
    def _no_statistic(self):
        if self.statistic is not None:
            raise _field_error("statistic", "not used by a limit claim: it judges ‖x_final − point‖, the distance of "
                               "the final iterate to the point")
        return self


def reference_text(claim: dict) -> str:
    """``≤ 0.5``, ``≈ 2*sigma2 (± 10%)``, ``≥ eps``: a value claim's relation and reference."""
    ref = claim["reference"]
    ref = f"{ref:g}" if isinstance(ref, (int, float)) else ref
    rel = {"<=": "≤", ">=": "≥"}.get(claim["relation"], claim["relation"])
    tol = ""
    if claim.get("rtol") is not None:
        tol = f" (± {100 * claim['rtol']:g}%)"
    elif claim.get("atol") is not None:
        tol = f" (± {claim['atol']:g})"
    return f"{rel} {ref}{tol}"


def point_text(point) -> str:
    """``x_star``, ``frequency-weighted``, ``[1, -0.5]``: a limit claim's point."""
    return point if isinstance(point, str) else "[" + ", ".join(f"{x:g}" for x in point) + "]"


#: The kinds of claim, by ``kind``.
MODELS = {"holds": Holds, "scaling": Scaling, "ratio-bounded": RatioBounded, "optimal-parameter": OptimalParameter,
          "ordering": Ordering, "equivalent": Equivalent, "value": Value, "limit": Limit}
KINDS = tuple(MODELS)
#: A claim: one of the kinds, told apart by ``kind``.
Claim = Annotated[Union[tuple(MODELS.values())], Field(discriminator="kind")]
_CLAIM = TypeAdapter(Claim)


def _error(claim: dict, where: str, exc: ValidationError) -> SpecError:
    """The first error of ``exc`` as a :class:`SpecError` naming ``claims[i].field``."""
    err = exc.errors()[0]
    kind = claim.get("kind")
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return SpecError(f"{where}.kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    # after the union's tag; a model validator's error names its field itself
    loc = [err["ctx"]["field"]] if err["type"] == "claim_field" else err["loc"][1:]
    name = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
    if err["type"] == "extra_forbidden":
        allowed = ", ".join(sorted(MODELS[kind].model_fields))
        return SpecError(f"{where}{name}", f"unknown field for a {kind} claim (allowed: {allowed})")
    if err["type"] == "missing":
        return SpecError(f"{where}{name}", f"required for a {kind} claim")
    if err["type"] == "claim_field":
        return SpecError(f"{where}{name}", err["msg"])
    return SpecError(f"{where}{name}", message([e for e in exc.errors() if e["loc"] == err["loc"]]))


def validate_claim(claim: Any, index: int, labels=None) -> dict:
    """Validate ``claims[index]`` and return it normalised (defaults filled in).

    ``labels``: the algorithm labels of the spec (or of the runs); ``None`` skips that
    check. Raises :class:`~ratecheck.errors.SpecError` naming ``claims[i].field``.
    """
    where = f"claims[{index}]"
    if not isinstance(claim, dict):
        raise SpecError(where, f"must be a table, got {type(claim).__name__}")
    try:
        model = _CLAIM.validate_python(claim, context={"labels": labels})
    except ValidationError as exc:
        raise _error(claim, where, exc) from None
    return {"kind": model.kind, "index": index} | model.model_dump(exclude={"kind"})


def validate_claims(claims: Any, labels=None) -> list[dict]:
    """Validate the spec's ``claims`` list (see :func:`validate_claim`)."""
    if claims is None:
        return []
    if not isinstance(claims, list):
        raise SpecError("claims", f"must be a list of tables, got {type(claims).__name__}")
    return [validate_claim(c, i, labels) for i, c in enumerate(claims)]


def describe(claim: dict) -> str:
    """One readable line for the verdict table."""
    k, m = claim["kind"], claim.get("measure")
    unit = MEASURES[m][2] if m else ""
    if k == "holds":
        return f"{claim['algorithm']}: {unit} to ε ≤ the {claim['theorem']} {claim['bound']} bound at every point"
    if k == "scaling":
        return f"{claim['algorithm']}: {unit} to ε scale in {claim['variable']} like the {claim['theorem']} {claim['bound']} bound (exponent ± {claim['tolerance']:g})"
    if k == "ratio-bounded":
        return f"{claim['algorithm']}: {unit} to ε / {claim['theorem']} {claim['bound']} bound stays in [{claim['c_lo']:g}, {claim['c_hi']:g}]"
    if k == "optimal-parameter":
        return f"best {claim['parameter']} over {', '.join(claim['algorithm_grid'])} ({unit} to ε) lies within ×{claim['factor']:g} of the card's choice"
    if k == "value":
        stat = claim.get("statistic") or "statistic"
        return f"{claim['algorithm']}'s median {stat} {at_text(claim['at'])} {reference_text(claim)}"
    if k == "limit":
        return (f"{claim['algorithm']}'s final iterate lies within {claim['tolerance']:g} of {point_text(claim['point'])} "
                "(median ‖x_final − point‖ over seeds)")
    if k == "equivalent":
        a, b = claim["algorithms"]
        return f"{a} and {b} reach ε within ×{claim['factor']:g} of each other in {unit} (median paired ratio in [1/{claim['factor']:g}, {claim['factor']:g}])"
    if claim.get("at") is not None:
        stat = claim.get("statistic") or "statistic"
        return f"{claim['faster']}'s {stat} is below {claim['slower']}'s {at_text(claim['at'])} (paired over seeds)"
    return f"{claim['faster']} reaches ε in fewer {unit} than {claim['slower']}"
