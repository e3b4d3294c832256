"""The per-point tables of ``value`` and ``limit`` verdicts: one algorithm's median over seeds
against a reference band (:mod:`ratecheck.verdict.value`) or a tolerance on the distance of
its final iterates to a point (:mod:`ratecheck.verdict.limit`)."""

from __future__ import annotations

from ..verdict.evidence import where
from .document import Table
from .sections import _with_ci, fmt


def _seeds(p: dict) -> str:
    div = sum(p.get("diverged", []))
    return f"{p['n_seeds']}" + (f" ({div} diverged)" if div else "")


def value_table(v: dict, pts: list[dict]) -> Table:
    rows = [[where(p["point"]), p["status"], fmt(p["reference"]), fmt(p["band"]), str(p["below"]), str(p["inside"]),
             str(p["above"]), f"{p['p_pass']:.3g}", f"{p['p_fail']:.3g}", _with_ci(p["median"], p["median_ci"]), _seeds(p)]
            for p in pts]
    return Table(["point", "status", "reference", "median allowed in", "seeds below", "inside", "above", "p (holds)",
                  "p (violated)", f"median {v.get('statistic')} [CI]", "seeds"], rows, [p["status"] for p in pts])


def limit_table(v: dict, pts: list[dict]) -> Table:
    rows = [[where(p["point"]), p["status"], fmt(p["limit_point"]), fmt(p["tolerance"]), str(p["inside"]), str(p["above"]),
             f"{p['p_pass']:.3g}", f"{p['p_fail']:.3g}", _with_ci(p["median"], p["median_ci"]), _seeds(p)] for p in pts]
    return Table(["point", "status", "limit point", "tolerance", "seeds within", "farther", "p (holds)", "p (violated)",
                  "median ‖x_final − point‖ [CI]", "seeds"], rows, [p["status"] for p in pts])


#: kind → (verdict, its evaluated points → table).
TABLES = {"value": value_table, "limit": limit_table}
