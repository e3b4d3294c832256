"""The report's sections on the workers: the delays of applied gradients and the timeline
of the first events of one seed (who computes what, when; :mod:`ratecheck.timeline`).

A method whose every applied gradient has delay 0 (synchronous: minibatch SGD) gets a
row in the delay table but no histogram panel: the caption names it.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from ..verdict.evidence import where
from . import figures as F
from .document import Block, Paragraph, Table
from .numbers import fmt


def delay_table(runs: list) -> Table | None:
    by_alg = defaultdict(list)
    for r in runs:
        if np.asarray(r.delay_counts).sum() > 0:
            by_alg[str(r.meta.get("algorithm"))].append(r)
    if not by_alg:
        return None
    rows = []
    for alg in sorted(by_alg):
        rr = by_alg[alg]
        n = sum(float(np.asarray(r.delay_counts).sum()) for r in rr)
        avg = sum(float((np.arange(len(r.delay_counts)) * r.delay_counts).sum()) for r in rr) / n
        conc = [r.final.get("concurrency", math.nan) for r in rr]
        conc = [c for c in conc if c is not None and math.isfinite(c)]
        rows.append([alg, str(len(rr)), str(max(r.tau_max for r in rr)), fmt(avg),
                     fmt(float(np.mean(conc))) if conc else "—", fmt(int(n))])
    return Table(["algorithm", "runs", "τ_max (largest observed delay)", "τ_avg (mean delay)",
                  "concurrency (mean busy workers)", "applied gradients"], rows)


def delay_blocks(runs: list, figs: F.FigureSet) -> list[Block]:
    """The delay table, and the histogram of the methods that have delays."""
    table = delay_table(runs)
    if table is None:
        return [Paragraph("No delay histogram in the runs.")]
    blocks: list[Block] = [table]
    synchronous = sorted({str(r.meta.get("algorithm")) for r in runs} - {str(r.meta.get("algorithm")) for r in runs if np.asarray(r.delay_counts)[1:].sum() > 0})
    none = f" No delays (every applied gradient has delay 0, no panel): {', '.join(synchronous)}." if synchronous else ""
    if figs.draw("delays", F.delays_figure, runs):
        blocks.append(figs.block("delays", "Delays of applied gradients (server updates between hand-out and application), "
                                           f"all points and seeds; dashed: τ_max, dotted: τ_avg.{none}"))
    elif synchronous:
        blocks.append(Paragraph(none.strip()))
    return blocks


def timeline_blocks(timeline: dict | None, figs: F.FigureSet) -> list[Block]:
    """The Gantt chart of the first events of one seed, or why there is none."""
    if not timeline:
        return [Paragraph("No worker timeline (no method with a schedule, or the report was written without one).")]
    if not figs.draw("timeline", F.timeline_figure, timeline):
        return [Paragraph("The worker timeline has no computation to show.")]
    n, shown = timeline.get("workers"), timeline.get("shown")
    which = (f" ({shown} of the {n} workers: those whose computations ended in the window first, by index)"
             if n is not None and shown is not None and shown < n else "")
    return [figs.block("timeline", f"{timeline['label']} at {where(timeline.get('point') or {})}, seed {timeline['seed']}: "
                                   f"each worker's computations in the first {timeline['events']} arrivals{which}, from hand-out to "
                                   "arrival; filled: applied (number: its delay), dotted: waiting for a later update, hatched: "
                                   "discarded, dashed outline ending in ×: stopped, dotted outline: still running.")]
