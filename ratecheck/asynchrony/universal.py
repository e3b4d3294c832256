"""The universal computation model: worker i has a computation power v_i(t) ≥ 0.

Tyurin (ICLR 2025, arXiv 2408.04929): worker i completes ⌊∫_{t0}^{t1} v_i⌋ gradients
in [t0, t1]; a gradient started at t finishes at the first T with ∫_t^T v_i = 1.
v_i ≡ 1/τ_i gives the fixed model back (theory note fixed-computation.md §1, §7.1).
Here v_i is piecewise constant, optionally periodic; that covers outages (v_i = 0 on
an interval), trends (steps) and periodic patterns.

Building v_i (workers are 0-based in ``outages`` and ``pieces``):

* base power: ``rate`` (a number or a list of n numbers), or a fixed-model profile
  (``profile``, ``tau``, ``scale``, ``spread``, ``fraction`` as in ``model = "fixed"``)
  giving v_i = 1/τ_i; or the whole table ``breaks`` / ``rates`` (one list per worker,
  breaks starting at 0 and strictly increasing);
* ``pieces``: tables ``{worker, start, end, rate}`` setting v = rate on [start, end)
  (``worker`` an index, a list or ``"all"``; ``end`` omitted = forever); applied in
  order, later pieces win;
* ``outages``: tables ``{worker, start, end}``, pieces with rate 0;
* ``period`` (a number or a list; 0 = none): the pattern on [0, period) repeats.

A model whose every rate is > 0 also satisfies the fixed computation model with
τ_i = 1/min_t v_i(t) (a gradient needs one unit of work at power ≥ min v_i) and declares
``fixed-computation``; tight when v_i is constant.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import Field
from typing_extensions import NotRequired, TypedDict

from . import MODELS
from ..strict import Count, Finite, Index, NonNegative, Positive, validated
from ._common import SpecModel, worker_list
from .base import ComputeModel
from .fixed import Fraction, Profile, Spread, Tau, tau_profile
from ..errors import SpecError


def finish_time(breaks, rates, period, t, work) -> float:
    """First T ≥ t with ∫_t^T v = work for one worker's piecewise-constant power.

    ``breaks`` (increasing, from 0) and ``rates`` are one row of a rate table; the last
    piece extends to +∞, or to ``period`` when period > 0 and the pattern repeats.
    Reference implementation (walks the pieces); ∞ if the work is never done.
    """
    b = np.asarray(breaks, dtype=float)
    r = np.asarray(rates, dtype=float)
    P = b.size
    rem = float(work)
    if rem <= 0:
        return float(t)
    if period <= 0:
        j = int(np.searchsorted(b, t, side="right")) - 1
        x = float(t)
        while True:
            e = b[j + 1] if j + 1 < P else math.inf
            if r[j] > 0 and r[j] * (e - x) >= rem:
                return x + rem / r[j]
            if math.isinf(e):
                return math.inf
            rem -= r[j] * (e - x)
            x, j = e, j + 1
    ends = np.append(b[1:], period)
    per_cycle = float(np.sum(r * (ends - b)))
    if per_cycle <= 0:
        return math.inf
    origin = math.floor(t / period) * period
    x = float(t) - origin
    j = int(np.searchsorted(b, x, side="right")) - 1
    skipped = False
    while True:
        while j < P:
            if r[j] > 0 and r[j] * (ends[j] - x) >= rem:
                return origin + x + rem / r[j]
            rem -= r[j] * (ends[j] - x)
            x, j = ends[j], j + 1
        origin, x, j = origin + period, 0.0, 0
        if not skipped:
            m = max(math.ceil(rem / per_cycle) - 1, 0)
            origin += m * period
            rem -= m * per_cycle
            skipped = True


def integral(breaks, rates, period, t0, t1) -> float:
    """∫_{t0}^{t1} v for one worker's rate-table row (t0 ≤ t1)."""
    return _cumulative(breaks, rates, period, t1) - _cumulative(breaks, rates, period, t0)


def _cumulative(breaks, rates, period, t) -> float:
    b = np.asarray(breaks, dtype=float)
    r = np.asarray(rates, dtype=float)
    total = 0.0
    if period > 0:
        ends = np.append(b[1:], period)
        cycles = math.floor(t / period)
        total = cycles * float(np.sum(r * (ends - b)))
        t = t - cycles * period
    else:
        ends = np.append(b[1:], math.inf)
    for j in range(b.size):
        if t <= b[j]:
            break
        total += r[j] * (min(t, ends[j]) - b[j])
    return total


def _override(bp: list, rt: list, start: float, end: float, rate: float):
    """Set v = rate on [start, end) in the piecewise-constant (bp, rt); merge equal pieces."""
    points = sorted(set(bp) | {start} | ({end} if math.isfinite(end) else set()))
    out_b, out_r = [], []
    for p in points:
        v = rate if start <= p < end else rt[int(np.searchsorted(bp, p, side="right")) - 1]
        if not out_r or v != out_r[-1]:
            out_b.append(p)
            out_r.append(v)
    return out_b, out_r


class Outage(TypedDict):
    """A table of ``outages``: no power on [start, end) (``end`` left out: forever)."""

    worker: Index | list[Index] | Literal["all"]
    start: NonNegative
    end: NotRequired[Positive | None]


class Piece(Outage):
    """A table of ``pieces``: power ``rate`` on [start, end)."""

    rate: NonNegative


@MODELS.register("universal")
class Universal(SpecModel, ComputeModel):
    """Piecewise-constant, optionally periodic computation powers v_i(t) (module docstring)."""

    kind = "rate"
    random = False

    @validated
    def __init__(
        self,
        n: Annotated[Count | None, Field(description="number of workers (optional when a list fixes it)")] = None,
        rate: Annotated[Positive | list[Positive] | None, Field(description="base power v_i: one number or "
                                                                            "n numbers")] = None,
        profile: Profile = None,
        tau: Tau = None,
        scale: Annotated[Positive | None, Field(description="multiplies every τ_i of the profile: "
                                                            "v_i = 1/(scale·τ_i) (default 1)")] = None,
        spread: Spread = None,
        fraction: Fraction = None,
        breaks: Annotated[list[list[Finite]] | None, Field(description="the whole table: per worker, the times "
                                                                       "its pieces start (0 first, increasing)")] = None,
        rates: Annotated[list[list[NonNegative]] | None, Field(description="the whole table: per worker, the "
                                                                           "power of each piece")] = None,
        pieces: Annotated[list[Piece] | None, Field(description="tables {worker, start, end, rate}: v = rate on "
                                                                "[start, end), later ones win (worker an index, "
                                                                "a list or 'all'; no end: forever)")] = None,
        outages: Annotated[list[Outage] | None, Field(description="tables {worker, start, end}: pieces with "
                                                                  "rate 0")] = None,
        period: Annotated[NonNegative | list[NonNegative] | None, Field(description="the pattern on [0, period) "
                                                                                    "repeats (one number or n; "
                                                                                    "0: none)")] = None,
    ):
        rows = self._base_rows(n, rate, profile, tau, scale, spread, fraction, breaks, rates)
        n = len(rows)
        self.n = n
        per = self._period(period, n)
        for key, items in (("pieces", pieces), ("outages", outages)):
            for idx, item in enumerate(items or []):
                f = f"{key}[{idx}]"
                start, end, value, workers = self._piece(f, item, n)
                for w in workers:
                    if per[w] > 0 and (start >= per[w] or end > per[w]):
                        raise SpecError(f, f"must lie in [0, period) = [0, {per[w]!r}) of worker {w}")
                    bp, rt = _override(*rows[w], start, end, value)
                    if per[w] > 0 and bp[-1] >= per[w]:  # the point `end = period` starts the next cycle
                        bp, rt = bp[:-1], rt[:-1]
                    rows[w] = (bp, rt)
        for w, (bp, rt) in enumerate(rows):
            if per[w] > 0 and bp[-1] >= per[w]:
                raise SpecError("breaks", f"worker {w}: break {bp[-1]!r} is not inside [0, period = {per[w]!r})")
            never = (per[w] > 0 and not any(v > 0 for v in rt)) or (per[w] <= 0 and rt[-1] == 0)
            if never:
                raise SpecError("rates", f"worker {w} has zero power from t = {0.0 if per[w] > 0 else bp[-1]!r} on: "
                                         "it would never finish a gradient")
        self._rows = rows
        self.period = per
        self.properties = frozenset({"universal-computation", "times-independent-of-samples", "worker-induced-delays"}
                                    | ({"fixed-computation"} if all(min(rt) > 0 for _, rt in rows) else set()))
        self._params = {k: v for k, v in dict(n=n, rate=rate, profile=profile, tau=tau, scale=scale, spread=spread,
                                              fraction=fraction, breaks=breaks, rates=rates, pieces=pieces,
                                              outages=outages, period=period).items() if v is not None}

    # --- construction helpers --------------------------------------------------------
    @staticmethod
    def _base_rows(n, rate, profile, tau, scale, spread, fraction, breaks, rates):
        fixed_args = {"profile": profile, "tau": tau, "scale": scale, "spread": spread, "fraction": fraction}
        given = [k for k, v in fixed_args.items() if v is not None]
        if breaks is not None or rates is not None:
            clash = [k for k in ["rate", *fixed_args] if (rate if k == "rate" else fixed_args[k]) is not None]
            if clash:
                raise SpecError(clash[0], "give either the table (breaks, rates) or a base power, not both")
            if breaks is None or rates is None:
                raise SpecError("breaks" if breaks is None else "rates", "breaks and rates go together")
            return Universal._table(n, breaks, rates)
        if rate is not None:
            if given:
                raise SpecError(given[0], "give either rate or a fixed-model profile, not both")
            if isinstance(rate, list):
                v = worker_list("rate", rate, n)
            elif n is None:
                raise SpecError("n", "required with a single rate")
            else:
                v = np.full(n, rate)
        else:
            if profile is None and tau is None:
                profile = "equal"
            elif profile is None:
                profile = "list"
            t = tau_profile(profile, n, spread=spread, fraction=fraction, tau=tau)
            v = 1.0 / (t * (1.0 if scale is None else scale))
        return [([0.0], [float(x)]) for x in v]

    @staticmethod
    def _table(n, breaks, rates):
        if len(breaks) != len(rates) or not breaks:
            raise SpecError("breaks", "breaks and rates must be non-empty lists with one row per worker")
        if n is not None and len(breaks) != n:
            raise SpecError("breaks", f"must have n = {n} rows, got {len(breaks)}")
        rows = []
        for w, (bp, rt) in enumerate(zip(breaks, rates)):
            if len(bp) != len(rt) or not bp:
                raise SpecError(f"breaks[{w}]", "must be a non-empty list as long as rates[w]")
            if bp[0] != 0:
                raise SpecError(f"breaks[{w}][0]", f"must be 0, got {bp[0]!r}")
            for j in range(1, len(bp)):
                if bp[j] <= bp[j - 1]:
                    raise SpecError(f"breaks[{w}][{j}]", f"must exceed the previous break {bp[j - 1]!r}, got {bp[j]!r}")
            rows.append((bp, rt))
        return rows

    @staticmethod
    def _period(period, n):
        if period is None:
            return np.zeros(n)
        return worker_list("period", period, n) if isinstance(period, list) else np.full(n, period)

    @staticmethod
    def _piece(f, item: Piece | Outage, n):
        start = item["start"]
        end = math.inf if item.get("end") is None else item["end"]
        if end <= start:
            raise SpecError(f"{f}.end", f"must exceed start = {start!r}, got {end!r}")
        value = item.get("rate", 0.0)
        wk = item["worker"]
        if wk == "all":
            workers = range(n)
        else:
            workers = wk if isinstance(wk, list) else [wk]
            for x in workers:
                if x >= n:
                    raise SpecError(f"{f}.worker", f"must be < n = {n}, got {x}")
        return start, end, value, workers

    # --- the contract -----------------------------------------------------------------
    def work(self, worker, gen, samples, problem=None):
        """One unit of work per gradient."""
        return np.ones(len(samples))

    def rate_table(self):
        """(breaks, rates, period), rows padded to a common width with pieces of equal rate."""
        P = max(len(bp) for bp, _ in self._rows)
        breaks = np.zeros((self.n, P))
        rates = np.zeros((self.n, P))
        for w, (bp, rt) in enumerate(self._rows):
            extra = P - len(bp)
            top = self.period[w] if self.period[w] > 0 else bp[-1] + extra + 1.0
            pad = bp[-1] + (top - bp[-1]) * np.arange(1, extra + 1) / (extra + 1)
            breaks[w] = np.concatenate([bp, pad])
            rates[w] = np.concatenate([rt, np.full(extra, rt[-1])])
        return breaks, rates, self.period.copy()

    def tau_bounds(self):
        if "fixed-computation" not in self.properties:
            return None
        return np.array([1.0 / min(rt) for _, rt in self._rows])

    def mean_times(self):
        """Long-run seconds per gradient: period/∫_0^period v (periodic) or 1/v of the last piece."""
        out = np.empty(self.n)
        for w, (bp, rt) in enumerate(self._rows):
            p = self.period[w]
            if p > 0:
                out[w] = p / float(np.sum(np.array(rt) * np.diff(np.append(bp, p))))
            else:
                out[w] = 1.0 / rt[-1]
        return out

    def parameters(self):
        return dict(self._params)
