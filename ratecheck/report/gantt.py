"""The worker timeline, drawn: a Gantt chart of the first computations of one seed.

One row per worker; one bar per computation, from the time it was handed out to the time
it arrived (or was stopped, or the window ended). An applied computation is filled in
its method's colour and labelled with its delay (server updates between hand-out and
application, as the engine counts it, :mod:`ratecheck.engine.ops`); one waiting for an
update after the window (a batch) is dotted; a discarded one is grey and hatched, a stopped one is an outline ending in ×, one still running at the end
of the window is an outline. The data come from :func:`ratecheck.timeline.worker_timeline`
(the engine's schedule replayed, never the iterates); matplotlib code only, imported on a
figure-cache miss by :mod:`.draw`.
"""

from __future__ import annotations

import numpy as np

from .style import legend, method_style, new_figure

#: How each outcome is drawn: face colour (None: the method's), hatch, edge style.
OUTCOMES = {
    "applied": (None, "", "-"),
    "buffered": ("white", "....", "-"),
    "discarded": ("0.82", "////", "-"),
    "stopped": ("white", "", "--"),
    "running": ("white", "", ":"),
}


def timeline_figure(timeline: dict, styles=None):
    """Gantt chart of ``timeline`` (:func:`ratecheck.timeline.fragment_timeline`'s dict)."""
    cols = timeline.get("computations") or {}
    if not cols.get("worker"):
        return None
    worker = np.asarray(cols["worker"], dtype=int)
    start, end = np.asarray(cols["start"], dtype=float), np.asarray(cols["end"], dtype=float)
    outcome, delay = list(cols["outcome"]), np.asarray(cols["delay"], dtype=int)
    rows = sorted(set(worker.tolist()))
    row_of = {w: i for i, w in enumerate(rows)}
    color, _ = method_style(timeline.get("label"), styles)
    fig, axes = new_figure(1, 1, 9.0, min(0.26 * len(rows) + 1.6, 11.0))
    ax = axes[0, 0]
    span = float(end.max() - start.min()) or 1.0
    for kind, (face, hatch, edge) in OUTCOMES.items():
        idx = [i for i, o in enumerate(outcome) if o == kind]
        if not idx:
            continue
        ys = [row_of[int(worker[i])] for i in idx]
        ax.barh(ys, end[idx] - start[idx], left=start[idx], height=0.62, color=face or color, hatch=hatch,
                edgecolor="0.25", linestyle=edge, linewidth=0.8, label=kind)
        if kind == "stopped":
            ax.scatter(end[idx], ys, marker="x", s=22, color="k", linewidths=1.2, zorder=3)
    for i, o in enumerate(outcome):
        if o == "applied" and end[i] - start[i] > 0.035 * span:
            ax.text((start[i] + end[i]) / 2, row_of[int(worker[i])], str(int(delay[i])), ha="center", va="center",
                    fontsize="x-small", color="white" if _dark(color) else "black")
    ax.set_yticks(range(len(rows)), [str(w) for w in rows], fontsize="x-small" if len(rows) > 16 else "small")
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.set_xlim(float(start.min()), float(end.max()))
    ax.set_xlabel("time (virtual seconds)")
    ax.set_ylabel("worker")
    ax.grid(axis="y", visible=False)
    ax.set_title(f"{timeline.get('label')}: the first {timeline.get('events')} arrivals of seed {timeline.get('seed')}"
                 f" (numbers: delay of each applied gradient)", fontsize="small")
    legend(ax)
    return fig


def _dark(color) -> bool:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(color)
    return 0.299 * r + 0.587 * g + 0.114 * b < 0.5
