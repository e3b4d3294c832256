"""The report figures' look: one colour and marker per method, log axes, legends, formats.

Matplotlib helpers shared by :mod:`.draw` and :mod:`.gantt` (imported on a figure-cache
miss only). Colours are the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal
Design"; Wong 2011, Nature Methods 8:441), distinguishable under the common colour
vision deficiencies, reordered so that the first four are the most distinct and
without its yellow until the others are used; each method label of a report gets its
own colour and marker (:func:`ratecheck.report.figures.label_styles`), the same in
every figure. Log axes carry
one tick format, 10ⁿ or m×10ⁿ, and legends sit outside the axes.
"""

from __future__ import annotations

import io
import math

from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullLocator


#: Okabe–Ito: blue, orange, bluish green, reddish purple, sky blue, vermillion, black, yellow.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
#: Raster resolution (PNG); vector formats ignore it.
DPI = 200
#: Deterministic vector output: fixed SVG ids, no dates or software tags.
RC = {"svg.hashsalt": "ratecheck", "pdf.fonttype": 42}


def method_style(label, styles: dict | None, fallback: int = 0) -> tuple[str, str]:
    """(colour, marker) of a method label; ``fallback`` indexes labels not in ``styles``."""
    i = (styles or {}).get(str(label), fallback)
    return PALETTE[i % len(PALETTE)], MARKERS[i % len(MARKERS)]


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci(value: float, _pos=None) -> str:
    """Tick label of a log axis: 10ⁿ, or m×10ⁿ between powers (plain text: mathtext labels
    dominate the drawing time); none for 0 or beyond the largest float."""
    if not (0 < value < math.inf):
        return ""
    e = math.floor(math.log10(value) + 1e-9)
    m = value / 10.0**e
    power = f"10{str(e).translate(_SUPERSCRIPT)}"
    return power if abs(m - 1) < 1e-9 else f"{m:.3g}×{power}"


def log_axes(ax, x: bool = True, xticks=None) -> None:
    """Log scales with at most ~6 labelled decades and no minor ticks; call after plotting.

    An axis spanning less than two decades also gets ticks at 2 and 5 times powers of 10;
    ``xticks`` (the swept values, at most 8) replaces the x ticks.
    """
    if x:
        ax.set_xscale("log")
    ax.set_yscale("log")
    for axis, lim in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())) if x else ((ax.yaxis, ax.get_ylim()),):
        lo, hi = sorted(lim)
        narrow = lo > 0 and math.log10(hi / lo) < 2
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if narrow else (1.0,), numticks=6))
        axis.set_major_formatter(FuncFormatter(sci))
        axis.set_minor_locator(NullLocator())
    ticks = sorted({float(t) for t in xticks if 0 < t < math.inf}) if xticks is not None and x else []
    if 0 < len(ticks) <= 8:
        ax.xaxis.set_major_locator(FixedLocator(ticks))


def legend(ax, below: bool = False) -> None:
    """A legend outside the axes (right of them, or ``below`` their x label), if anything
    drawn on ``ax`` carries a label (all of it may be off the plot)."""
    if ax.get_legend_handles_labels()[0]:
        if below:
            ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, borderaxespad=0)
        else:
            ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)


def new_figure(nrows: int, ncols: int, width: float, height: float, sharey: bool = False):
    """A figure with fixed margins (in inches; a constrained layout doubles the drawing time)."""
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=0.85 / width, right=1 - 0.25 / width, bottom=0.6 / height, top=1 - 0.45 / height,
                        wspace=0.32, hspace=0.55 * nrows / max(height / 3.0, 1.0))
    return fig, fig.subplots(nrows, ncols, squeeze=False, sharey="row" if sharey else False)


def save(fig, formats) -> dict[str, bytes]:
    """``fig`` in each of ``formats`` (keys of :data:`ratecheck.report.document.FORMATS`), cropped to what is drawn
    (legends outside the axes included), without time stamps: same figure, same bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    out = {}
    for fmt in formats:
        meta = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
                "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None}}[fmt]
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=meta, bbox_inches="tight", pad_inches=0.05)
        out[fmt] = buf.getvalue()
    return out
