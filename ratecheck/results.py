"""The result of a check: runs, checkpoints and verdicts as tidy tables, its report and figures.

:class:`CheckResult` is what :func:`ratecheck.run` and :func:`ratecheck.load` return and
what ``ratecheck check`` writes (:func:`ratecheck.check.execute_check`, the one
pipeline). Its tables (pandas, one observation per row):

``runs``      one row per run: ``check``, ``run_key``, ``label``, ``method``, ``theorem``,
              ``seed``, the sweep point (``eps`` and every swept ``problem.NAME`` /
              ``asynchrony.NAME``, one column each), every method parameter as its own
              column (``gamma``, ``R``, …, resolved numbers), ``status``, ``reason``,
              ``statistic`` (the one the run's card bounds), the first hit of the run's ε
              by that statistic — ``iterations_to_eps``, ``time_to_eps``,
              ``gradients_to_eps``, ``worker_time_to_eps`` (NaN when censored) — the final
              state (``final_iteration``, ``final_time``, ``final_computed``,
              ``final_applied``, ``final_worker_time``, and each statistic at the last
              checkpoint, ``final_grad_sq`` …), and where it diverged
              (``diverged_iteration``, ``diverged_time``, ``diverged_computed``,
              ``diverged_cause``; NaN / None for a run that did not).
``hits``      long form of the hits: one row per (run, target ε ≥ the run's, statistic)
              with ``target``, ``statistic``, ``iterations``, ``time``, ``gradients``,
              ``worker_time`` — complexity to *each* ε a run tracked.
``curves``    long form of the checkpoints: one row per (run, checkpoint, statistic),
              with ``event``, ``iteration``, ``time``, ``computed``, ``applied``,
              ``max_delay``, ``statistic``, ``value`` (seaborn-ready).
``verdicts``  one row per verdict, the entries of ``verdicts.json`` (same values).

``ratecheck export DIR --format csv|parquet`` writes these tables.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine.trace import CHECKPOINT_FIELDS, STATISTICS

#: The tables :meth:`CheckResult.tables` returns (and ``ratecheck export`` writes).
TABLES = ("runs", "hits", "curves", "verdicts")
#: The record of a check in its report folder, read by :func:`ratecheck.stored.load`.
RECORD = "check.json"
#: The columns that name a run in every table (the sweep point's follow).
IDENTITY = ("check", "run_key", "label", "method", "theorem", "seed")
#: The hit columns, in the order of ``RunResult.hits`` rows.
HIT_COLUMNS = ("iterations", "time", "gradients", "worker_time")


def spec_table(spec) -> dict:
    """The spec as a table that :func:`ratecheck.spec.parse_spec` reads back; the
    plugin keys (``check.import``, ``check.proofs``) only where set."""
    table = spec.model_dump(by_alias=True)
    for key in ("import", "proofs"):
        if not table["check"][key]:
            del table["check"][key]
    return table


@dataclass
class CheckResult:
    """A check's outcome (module docstring). ``results``: the :class:`RunResult` of each
    run done, in plan order; ``verdict_list``: the verdict dicts; ``partial``:
    ``{"done", "planned"}`` when runs are missing (interrupted), else None."""

    spec: Any
    results: list
    verdict_list: list[dict]
    predictions: dict
    cards: dict
    problem: dict
    model: dict
    keys: list[str]
    summary: dict = field(default_factory=dict)
    partial: dict | None = None
    interrupted: bool = False
    store: str | None = None
    tuning: list = field(default_factory=list)
    tuning_results: list = field(default_factory=list)
    fragments: list = field(default_factory=list)

    # --- outcome ----------------------------------------------------------------------
    @property
    def exit_code(self) -> int:
        """``ratecheck check``'s exit code: 130 interrupted, 3 a run errored, 1 a claim
        failed, else 0."""
        if self.interrupted:
            return 130
        if any(r.status == "error" for r in self.results + self.tuning_results):
            return 3
        return 1 if any(v["status"] == "fail" for v in self.verdict_list) else 0

    def verdicts_json(self) -> str:
        """The text of ``verdicts.json`` (:func:`ratecheck.report.verdicts_json`)."""
        from .report.jsonout import verdicts_json

        return verdicts_json(self.verdict_list, self.partial)

    # --- tables -----------------------------------------------------------------------
    @property
    def verdicts(self):
        """One row per verdict: the entries of ``verdicts.json``, with its values."""
        import pandas as pd

        doc = json.loads(self.verdicts_json())
        return pd.DataFrame(doc if isinstance(doc, list) else doc["verdicts"])

    @property
    def runs(self):
        """One row per run (module docstring)."""
        import pandas as pd

        return pd.DataFrame([self._run_row(k, r) for k, r in zip(self.keys, self.results)])

    def _identity(self, key: str, r) -> dict:
        m = r.meta
        values = (self.spec.check.name, key, m.get("algorithm"), m.get("method"), m.get("theorem"), m.get("seed"))
        return {**dict(zip(IDENTITY, values)), **(m.get("point") or {})}

    def _run_row(self, key: str, r) -> dict:
        row = {**self._identity(key, r), **(r.meta.get("params") or {}), "status": r.status, "reason": r.reason,
               "statistic": r.meta.get("statistic")}
        eps = (r.meta.get("point") or {}).get("eps")
        hit = [math.nan] * 4
        if r.status != "error" and eps is not None and r.meta.get("statistic") in r.hits:
            hit = list(r.hit(r.meta["statistic"], eps))
        row.update({f"{c}_to_eps": v for c, v in zip(HIT_COLUMNS, hit)})
        for k in ("iteration", "time", "computed", "applied", "worker_time"):
            row[f"final_{k}"] = float(r.final.get(k, math.nan))
        for s in STATISTICS:
            values = r.checkpoints.get(s)
            row[f"final_{s}"] = float(values[-1]) if values is not None and len(values) else math.nan
        where = r.final.get("diverged") or {}
        row.update({f"diverged_{k}": float(where.get(k, math.nan)) for k in ("iteration", "time", "computed")})
        row["diverged_cause"] = where.get("cause")
        return row

    @property
    def hits(self):
        """One row per (run, target, statistic): the complexity to each ε a run tracked."""
        import pandas as pd

        rows = []
        for key, r in zip(self.keys, self.results):
            base = self._identity(key, r)
            for stat, table in r.hits.items():
                for target, values in zip(r.targets, table):
                    rows.append({**base, "target": float(target), "statistic": stat,
                                 **{c: float(v) for c, v in zip(HIT_COLUMNS, [*values, math.nan][:4])}})
        return pd.DataFrame(rows)

    @property
    def curves(self):
        """One row per (run, checkpoint, statistic): the convergence curves, long form."""
        import pandas as pd

        frames = []
        axes = [c for c in CHECKPOINT_FIELDS if c not in STATISTICS]
        for key, r in zip(self.keys, self.results):
            cols = {c: r.checkpoints[c] for c in CHECKPOINT_FIELDS if c in r.checkpoints}
            if not cols:
                continue
            wide = pd.DataFrame(cols).assign(**self._identity(key, r))
            frames.append(wide.melt(id_vars=[c for c in wide.columns if c not in STATISTICS],
                                    value_vars=[s for s in STATISTICS if s in cols], var_name="statistic"))
        if not frames:
            return pd.DataFrame(columns=[*IDENTITY, *axes, "statistic", "value"])
        return pd.concat(frames, ignore_index=True)

    def tables(self) -> dict:
        """``{name: DataFrame}`` of :data:`TABLES`."""
        return {name: getattr(self, name) for name in TABLES}

    # --- report and figures -------------------------------------------------------------
    def context(self, figure_format: str = "svg") -> dict:
        """The context of :func:`ratecheck.report.write_report` (figures in ``figure_format``)."""
        from .timeline import fragment_timeline

        return {
            "spec": spec_table(self.spec), "title": self.spec.check.title or self.spec.check.name,
            "problem": self.problem, "model": self.model, "cards": self.cards, "runs": self.results,
            "predictions": self.predictions, "verdicts": self.verdict_list, "summary": self.summary,
            "partial": self.partial, "tuning": self.tuning, "figure_format": figure_format,
            # the schedule alone (no iterate) of the spec's first method, first point, first seed
            "timeline": fragment_timeline(self.fragments[0]) if self.fragments else None,
        }

    def report(self, out, figure_format: str = "svg") -> Path:
        """Write the report (``report.html``, ``report.md``, ``figures/``,
        ``verdicts.json``) and the check's record (``check.json``: its spec and store,
        what :func:`ratecheck.load` and ``ratecheck report`` read) into ``out``."""
        from .files import output_folder
        from .report import write_report

        out = output_folder(out)
        write_report(out, self.context(figure_format))
        record = {"spec": spec_table(self.spec), "store": self.store}
        tmp = out / f".{RECORD}.tmp"
        tmp.write_text(json.dumps(record, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
        tmp.replace(out / RECORD)
        return out

    def figure_names(self) -> list[str]:
        """The figures :meth:`figure` draws: ``claim-NN`` (each claim with points),
        ``tightness-NN``, ``curves-NN`` (at the report's sweep points) and ``delays``."""
        from .report.figures import FIGURES, curve_points

        claims, tight = self._verdict_groups()
        names = [f"claim-{i:02d}" for i, v in enumerate(claims) if v["kind"] in FIGURES and v.get("points")]
        names += [f"tightness-{j:02d}" for j in range(len(tight))]
        names += [f"curves-{k:02d}" for k in range(len(curve_points(self.results)))]
        return names + ["delays"]

    def figure(self, name: str):
        """The report's figure ``name`` (:meth:`figure_names`) as a matplotlib Figure (None
        when it has nothing to draw), in the report's style."""
        import matplotlib as mpl

        from .errors import SpecError
        from .report import draw
        from .report.figures import FIGURES, curve_points
        from .verdict.complexity import point_key

        if name not in self.figure_names():
            raise SpecError("figure", f"no figure {name!r} (has: {', '.join(self.figure_names())})")
        kind, _, index = name.partition("-")
        claims, tight = self._verdict_groups()
        with mpl.rc_context(draw.STYLE):
            if kind == "claim":
                v = claims[int(index)]
                return getattr(draw, FIGURES[v["kind"]].__name__)(v)
            if kind == "tightness":
                return draw.bound_figure(tight[int(index)])
            if kind == "curves":
                point = curve_points(self.results)[int(index)]
                runs = [r for r in self.results if point_key(r.meta.get("point") or {}) == point_key(point)]
                stats = ["fgap", "grad_sq"] + sorted({r.meta["statistic"] for r in self.results
                                                      if r.meta.get("statistic") not in (None, "fgap", "grad_sq")})
                return draw.curves_figure(runs, point, stats)
            return draw.delays_figure(self.results)

    def _verdict_groups(self) -> tuple[list[dict], list[dict]]:
        """(claims, tightness rows) as the report numbers them."""
        from .verdict import INFO

        return ([v for v in self.verdict_list if v.get("status") != INFO],
                [v for v in self.verdict_list if v.get("status") == INFO])
