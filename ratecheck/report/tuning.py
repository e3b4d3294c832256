"""The report's section on tuned algorithms (:mod:`ratecheck.tuning`): per tuned table,
its grid and tuning seeds, the tuning curve (:func:`ratecheck.report.figures.tuning_figure`)
and the member chosen at each sweep point."""

from __future__ import annotations

from ..verdict.evidence import where
from . import figures as F
from .document import Block, Heading, Paragraph, Table


def _num(x) -> str:
    return "∞" if x == float("inf") else ("—" if x != x else f"{x:.4g}")


def tuning_blocks(tables: list[dict], figs: F.FigureSet) -> list[Block]:
    """The section's blocks (none without a tuned table); its figures are drawn into ``figs``."""
    if not tables:
        return []
    blocks: list[Block] = [Heading(2, "Tuned algorithms", anchor="tuning")]
    for i, t in enumerate(tables):
        blocks.append(Heading(3, f"{t['label']} ({t['method']})"))
        blocks.append(Paragraph(
            f"{t['over']} ∈ {{{', '.join(f'{v:.4g}' for v in t['grid'])}}}, chosen at each sweep point by the median "
            f"{t['measure']} to ε over the tuning seeds {', '.join(map(str, t['seeds']))} (disjoint from the check's seeds; "
            "a seed that never reaches ε counts as ∞, ties go to the smaller value); only the chosen member runs on the "
            f"check's seeds, as {t['label']}."))
        if figs.draw(f"tuning-{i:02d}", F.tuning_figure, t):
            blocks.append(figs.block(f"tuning-{i:02d}", f"Tuning curve of {t['label']}: median {t['measure']} to ε over the "
                                     "tuning seeds against the grid, band: the seeds' range (open where a seed never reached ε), "
                                     "★: chosen."))
        rows = []
        for r in t["points"]:
            best = next((c for c in r["curve"] if c["value"] == r["value"]), None)
            rows.append([where(r["point"]), "none (no finite median)" if best is None else _num(r["value"]),
                         "—" if best is None else _num(best["median"]),
                         "—" if best is None else f"[{_num(best['lo'])}, {_num(best['hi'])}]",
                         "yes: the optimum may lie outside the grid" if r["at_edge"] else "no",
                         ", ".join(f"{_num(c['value'])}: {c['censored']}" + (f" (+{c['errors']} errored)" if c["errors"] else "")
                                   for c in r["curve"] if c["censored"] or c["errors"]) or "none"])
        blocks.append(Table(["point", f"chosen {t['over']}", f"median {t['measure']}", "seeds' range", "at the grid's edge",
                             "censored tuning seeds per value (errored runs are left out of the median)"], rows))
    return blocks
