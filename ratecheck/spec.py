"""Check specifications (``problems/<check>.toml``), validated with pydantic.

A check names a problem, an asynchrony model, algorithms (parameters literal,
``"theory"``: taken from the algorithm's own theorem card at each sweep point, or
``"theory:CARD"``: taken from another card, which then judges nothing; a list, or
``{ base = b, powers = [lo, hi] }``: a grid, :mod:`ratecheck.grid`, optionally tuned on
seeds of its own, ``tune``, :mod:`ratecheck.tuning`), a sweep
(``eps`` always; other keys ``problem.NAME`` / ``asynchrony.NAME`` vary the instance),
seeds, a horizon and claims. Every error names its field, e.g.
``algorithms[1].parms: unknown key``. Values are parsed strictly (pydantic's strict
mode): no string, boolean or float is turned into a number, boolean or integer
(``seeds = 2.0``, ``stop_at_target = "yes"``, ``gamma = true`` are errors), and
numbers are finite (``factor = inf`` is an error).
"""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from .errors import SpecError
from .files import read_text
from .engine.trace import STATISTICS
from .stepsize import StepsizeSchedule
from .strict import Strict, first_error


class CheckTable(Strict):
    name: str
    title: str = ""
    description: str = ""
    seeds: int | list[int] = Field(default=8, description="number of seeds (0..seeds−1) or an explicit list; 8 lets a "
                                   "paired sign test decide over up to 12 points (2⁻⁸ ≤ 0.05/12)")
    #: plugin modules imported before the check (and in every worker): :mod:`ratecheck.plugins`
    imports: list[str] = Field(default=[], alias="import", description="plugin modules (importable names) that "
                               "register methods, problem families or asynchrony models")
    #: card folders added to the catalogue, relative to the spec's folder (:func:`ratecheck.theory.search_path`)
    proofs: list[str] = Field(default=[], description="theorem-card folders, relative to the spec, searched before "
                              "the built-in cards")

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v):
        if isinstance(v, int) and v < 1:
            raise ValueError("must be >= 1")
        if isinstance(v, list) and (not v or any(s < 0 for s in v)):
            raise ValueError("must be a non-empty list of non-negative integers")
        return v

    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)


class HorizonTable(Strict):
    iterations: float | None = Field(default=None, gt=0, description="cap on server updates")
    time: float | None = Field(default=None, gt=0, description="cap on virtual time")
    factor: float = Field(default=2.0, gt=0, description="run to factor × the card's iteration bound when it has one")
    stop_at_target: bool = True


class Powers(Strict):
    """A grid of powers of ``base``: ``base**p`` for the integers p from ``powers[0]`` to
    ``powers[1]`` (e.g. the papers' γ ∈ {5^p : p = −5…5}, Maranjyan et al. 2025, §3.7)."""

    base: float = Field(gt=0)
    powers: list[int]

    @field_validator("base")
    @classmethod
    def _base(cls, v):
        if v == 1:
            raise ValueError("must differ from 1 (every power would be 1)")
        return v

    @field_validator("powers")
    @classmethod
    def _powers(cls, v):
        if len(v) != 2 or v[0] > v[1]:
            raise ValueError(f"must be [lo, hi], two integers with lo <= hi (the range of exponents), got {v!r}")
        return v

    def values(self) -> list[float]:
        return [float(self.base) ** p for p in range(self.powers[0], self.powers[1] + 1)]


class TuneTable(Strict):
    """``tune = { over = "gamma", measure = "time", seeds = [100, 101, 102] }``: choose the
    grid member per sweep point on ``seeds`` (disjoint from the check's), :mod:`ratecheck.tuning`."""

    over: str
    measure: Literal["time", "iterations", "gradients"] = "time"
    seeds: list[int]

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v):
        if not v or any(s < 0 for s in v) or len(set(v)) != len(v):
            raise ValueError("must be a non-empty list of distinct non-negative integers")
        return v


class AlgorithmTable(Strict):
    label: str
    method: str
    #: card id; default the method's own card; ``"none"``: evaluate no card
    theorem: str | None = None
    statistic: str | None = None
    params: dict[str, float | int | str | list[float | int] | Powers] = {}
    tune: TuneTable | None = None
    #: γ_k = γ · s(k) (:mod:`ratecheck.stepsize`); absent: constant
    schedule: StepsizeSchedule | None = None

    @field_validator("statistic")
    @classmethod
    def _stat(cls, v):
        if v is not None and v not in STATISTICS:
            raise ValueError(f"unknown statistic {v!r} (known: {', '.join(STATISTICS)})")
        return v

    @field_validator("params")
    @classmethod
    def _params(cls, v):
        for k, val in v.items():
            if isinstance(val, str) and not (val == "theory" or (val.startswith("theory:") and len(val) > 7)):
                raise ValueError(f"{k}: a parameter is a number, a list of numbers (a grid), \"theory\" (the method's "
                                 f"own card) or \"theory:CARD\" (another card's choice), got {val!r}")
            if isinstance(val, list) and (not val or len(set(val)) != len(val)):
                raise ValueError(f"{k}: a grid is a non-empty list of distinct numbers, got {val!r}")
        return v


class CheckSpec(Strict):
    check: CheckTable
    problem: dict[str, Any]
    asynchrony: dict[str, Any]
    sweep: dict[str, list[float]]
    horizon: HorizonTable = HorizonTable()
    algorithms: list[AlgorithmTable]
    claims: list[dict[str, Any]] = []

    @field_validator("sweep")
    @classmethod
    def _sweep(cls, v):
        if "eps" not in v:
            raise ValueError("needs an `eps` list (the accuracies to check)")
        for k, vals in v.items():
            if not vals:
                raise ValueError(f"{k}: empty list")
            if k != "eps" and not (k.startswith("problem.") or k.startswith("asynchrony.")):
                raise ValueError(f"{k}: swept keys are eps, problem.NAME or asynchrony.NAME")
        if any(e <= 0 for e in v["eps"]):
            raise ValueError("eps: every accuracy must be > 0")
        return v

    @field_validator("algorithms")
    @classmethod
    def _labels(cls, v):
        labels = [a.label for a in v]
        dup = {x for x in labels if labels.count(x) > 1}
        if dup:
            raise ValueError(f"duplicate labels {sorted(dup)}")
        if not v:
            raise ValueError("at least one algorithm")
        return v

    def points(self) -> list[dict[str, float]]:
        """The sweep points: the Cartesian product of the swept lists."""
        keys = sorted(self.sweep)
        return [dict(zip(keys, vals)) for vals in itertools.product(*(self.sweep[k] for k in keys))]

    def instance(self, point: dict[str, float]) -> tuple[dict, dict]:
        """Problem and asynchrony spec tables at a sweep point."""
        prob, asyn = dict(self.problem), dict(self.asynchrony)
        for k, v in point.items():
            if k.startswith("problem."):
                prob[k.split(".", 1)[1]] = v
            elif k.startswith("asynchrony."):
                asyn[k.split(".", 1)[1]] = v
        return prob, asyn


def load_spec(path: str | Path) -> CheckSpec:
    """Read and validate a check spec; raises :class:`SpecError` naming the field."""
    path = Path(path)
    try:
        raw = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(str(path), f"not valid TOML: {exc}") from None
    return parse_spec(raw, str(path), path.parent)


def parse_spec(raw: dict, source: str = "spec", folder: str | Path = ".") -> CheckSpec:
    """Validate a spec table (SpecError naming the field; grids checked by
    :func:`ratecheck.grid.check_grids`); ``check.proofs`` folders are made absolute,
    relative to ``folder`` (the spec file's)."""
    from .grid import check_grids

    try:
        spec = CheckSpec.model_validate(raw)
    except ValidationError as exc:
        where, message = first_error(raw, exc)
        raise SpecError(f"{source}: {where}", message) from None
    check_grids(spec, source)
    spec.check.proofs = [str((Path(folder) / p).resolve()) for p in spec.check.proofs]
    return spec
