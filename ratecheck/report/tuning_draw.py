"""The tuning curve of a tuned grid (:mod:`ratecheck.tuning`): the measure to ε against
the grid parameter, median over the tuning seeds with the seeds' range, one line per
sweep point, the chosen value starred. Drawn through :func:`ratecheck.report.draw.render`
(style, cache: :func:`ratecheck.report.figures.tuning_figure`)."""

from __future__ import annotations

import numpy as np

from ..verdict.evidence import where
from .draw import _finite
from .style import PALETTE, legend as _legend, log_axes as _log, new_figure as _figure


def tuning_figure(table: dict, styles: dict | None = None):
    """Median and [min, max] over the tuning seeds of the measure per grid value; a
    value whose median is censored (+∞) is left out of the line, and the band where a
    seed is; a ★ marks the choice. One line per sweep point (``styles``, the report's
    colour per method, does not apply: the figure shows one method)."""
    rows = [r for r in table["points"] if any(np.isfinite(c["median"]) for c in r["curve"])]
    if not rows:
        return None
    fig, axes = _figure(1, 1, 6.5, 4.2)
    ax = axes[0, 0]
    for i, r in enumerate(rows):
        color = PALETTE[i % len(PALETTE)]
        x = np.array([c["value"] for c in r["curve"]], dtype=float)
        med, lo, hi = (_finite([c[k] for c in r["curve"]]) for k in ("median", "lo", "hi"))
        ax.plot(x, med, "-o", color=color, ms=4, label=f"median over tuning seeds ({where(r['point'])})")
        ax.fill_between(x, lo, hi, color=color, alpha=0.15, lw=0)  # open where a seed never reached ε
        if r["value"] is not None:
            ax.plot([r["value"]], [min(c["median"] for c in r["curve"] if c["value"] == r["value"])], "*", color=color, ms=13)
    _log(ax)
    ax.set_xlabel(f"{table['over']} (★ = chosen; band: range over the tuning seeds)")
    ax.set_ylabel(f"{table['measure']} to ε")
    ax.set_title(f"{table['label']} ({table['method']}) tuned on seeds {', '.join(map(str, table['seeds']))}")
    _legend(ax)
    return fig
