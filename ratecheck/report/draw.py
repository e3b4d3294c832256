"""The report's figures, drawn: matplotlib code only, imported on a figure-cache miss.

Figures are built on matplotlib's Agg canvas directly (no pyplot, so no global
backend or state is touched) inside seaborn's ``whitegrid`` style, and returned as PNG
bytes by :func:`render`. Axes carry units: iterations, virtual seconds, gradients
computed. The public entry points, cached by the figure's data, are in
:mod:`ratecheck.report.figures`.
"""

from __future__ import annotations

import io
import warnings
import math
from collections import defaultdict

import matplotlib as mpl
import numpy as np
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from ..verdict.claims import at_text
from ..verdict.complexity import MEASURES
from ..verdict.evidence import where
from .bands import DRAWABLE, drawable, seed_band

PALETTE = sns.color_palette("colorblind", 10)
STAT_LABELS = {
    "grad_sq": r"$\|\nabla f(x_k)\|^2$",
    "avg_grad_sq": r"$\mathrm{avg}_{k\leq K}\,\|\nabla f(x_k)\|^2$",
    "min_grad_sq": r"$\min_{k\leq K}\|\nabla f(x_k)\|^2$",
    "fgap": r"$f(x_k) - f^*$",
    "fgap_avg": r"$f(\bar x_K) - f^*$",
    "dist_sq": r"$\|x_k - x^*\|^2$",
}
DPI = 100


def _axis_label(measure: str) -> str:
    return {"iterations": "iterations (server updates)", "time": "time (virtual seconds)", "computed": "gradients computed"}[measure]


def _var_label(var: str) -> str:
    return r"target $\varepsilon$" if var == "eps" else var


#: The report's style: seaborn's ``whitegrid`` in the ``notebook`` context, fonts × 0.8.
STYLE = {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook", font_scale=0.8)}


def render(name: str, *args, **kwargs) -> tuple[bytes | None, bool]:
    """Draw figure ``name`` (a function of this module) in the report's style:
    ``(PNG bytes or None when it has nothing to draw, whether it could be drawn)``.

    A figure that matplotlib cannot draw from the numbers it is given (a log axis with
    no positive data, a singular transform over an extreme range) is left out with a
    warning: ``(None, False)``, and the report is written without it.
    """
    fn = globals()[name]
    with mpl.rc_context(STYLE), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            fig = fn(*args, **kwargs)
            if fig is None:
                return None, True
            buf = io.BytesIO()
            FigureCanvasAgg(fig)
            fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
        except (ValueError, ArithmeticError) as exc:  # LinAlgError is a ValueError
            warnings.warn(f"figure {name} not drawn: {exc}")
            return None, False
        return buf.getvalue(), True


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _decade(value: float, _pos=None) -> str:
    """Tick label 10ⁿ in plain text (mathtext labels dominate the drawing time); none
    for a tick at 0 or beyond the largest float (an axis over values near 1e308)."""
    if not (0 < value < math.inf):
        return ""
    e = math.log10(value)
    return f"10{str(round(e)).translate(_SUPERSCRIPT)}" if abs(e - round(e)) < 1e-9 else f"{value:.3g}"


def _plain(value: float, _pos=None) -> str:
    return f"{value:.3g}"


def _log(ax, x: bool = True) -> None:
    """Log scales with at most ~6 labelled decades and no minor ticks; call after plotting.

    An axis spanning less than two decades also gets ticks at 2 and 5 times powers of 10.
    """
    if x:
        ax.set_xscale("log")
    ax.set_yscale("log")
    for axis, lim in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())) if x else ((ax.yaxis, ax.get_ylim()),):
        lo, hi = sorted(lim)
        narrow = lo > 0 and math.log10(hi / lo) < 2
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if narrow else (1.0,), numticks=6))
        axis.set_major_formatter(FuncFormatter(_plain if narrow else _decade))
        axis.set_minor_locator(NullLocator())


def _legend(ax) -> None:
    """A legend, if anything drawn on ``ax`` carries a label (all of it may be off the plot)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")


def _figure(nrows: int, ncols: int, width: float, height: float, sharey: bool = False):
    """A figure with fixed margins (in inches; a constrained layout doubles the drawing time)."""
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=0.85 / width, right=1 - 0.25 / width, bottom=0.6 / height, top=1 - 0.45 / height,
                        wspace=0.32, hspace=0.55 * nrows / max(height / 3.0, 1.0))
    return fig, fig.subplots(nrows, ncols, squeeze=False, sharey="row" if sharey else False)


def _finite(a) -> np.ndarray:
    """``a`` with NaN for what no axis can draw: non-finite values and magnitudes beyond 1e150."""
    a = np.asarray(a, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(a) & (np.abs(a) <= DRAWABLE[1]), a, np.nan)


def _groups(points: list[dict], var: str) -> dict[str, list[dict]]:
    """Evaluated point rows grouped by the coordinates other than ``var``, sorted by ``var``."""
    out = defaultdict(list)
    for r in points:
        if "values" in r and isinstance(r["point"].get(var), (int, float)):
            out[where({k: v for k, v in r["point"].items() if k != var})].append(r)
    return {g: sorted(rows, key=lambda r: r["point"][var]) for g, rows in sorted(out.items())}


def _swept_variable(points: list[dict]) -> str:
    keys = sorted({k for r in points for k in r["point"]})
    return "eps" if "eps" in keys or not keys else keys[0]


def _observed_vs_bound(ax, verdict: dict, var: str, band=None) -> bool:
    """Per-seed complexities, their median and IQR, and the card's bound, over ``var``."""
    drew = False
    for gi, (glabel, rows) in enumerate(_groups(verdict["points"], var).items()):
        color = PALETTE[gi % len(PALETTE)]
        xs = np.array([r["point"][var] for r in rows], dtype=float)
        med, q1, q3 = [], [], []
        for x, r in zip(xs, rows):
            v, c = np.asarray(r["values"], dtype=float), np.asarray(r["censored"], dtype=bool)
            ax.scatter(np.full(int((~c).sum()), x), _finite(v[~c]), s=9, color=color, alpha=0.35, linewidths=0)
            if c.any():
                ax.scatter(np.full(int(c.sum()), x), _finite(v[c]), marker="^", s=26, facecolors="none", edgecolors=color)
            open_v = np.where(c, np.inf, v)
            med.append(np.median(open_v))
            q1.append(np.quantile(open_v, 0.25, method="inverted_cdf"))
            q3.append(np.quantile(open_v, 0.75, method="inverted_cdf"))
        suffix = f" ({glabel})" if glabel else ""
        ax.fill_between(xs, _finite(q1), _finite(q3), color=color, alpha=0.18, linewidth=0)
        ax.plot(xs, _finite(med), "-o", color=color, ms=4, label=f"{verdict.get('algorithm', '')} median, IQR{suffix}")
        bounds = _finite([r["bound"] for r in rows])
        ax.plot(xs, bounds, "--", color=color, lw=1.6, label=f"card bound{suffix}")
        if band is not None:
            ax.fill_between(xs, band[0] * bounds, band[1] * bounds, color=color, alpha=0.08, hatch="//", linewidth=0, label=f"[{band[0]:g}, {band[1]:g}] × bound")
        drew = True
    if drew:
        _log(ax)
        ax.set_xlabel(_var_label(var))
        ax.set_ylabel(f"{MEASURES[verdict['measure']][2]} to ε")
        ax.scatter([], [], marker="^", facecolors="none", edgecolors="0.3", label="censored (ended first)")
        _legend(ax)
    return drew


def bound_figure(verdict: dict):
    """holds / ratio-bounded / tightness: observed complexity against the card's bound.

    ``holds`` gets a second panel with the decision quantity: the seed-mean of the
    statistic at the bound, over ε, with its one-sided confidence bounds.
    """
    var = _swept_variable(verdict["points"])
    holds = verdict["kind"] == "holds"
    fig, axes = _figure(1, 2 if holds else 1, 11 if holds else 6.5, 4.2)
    band = verdict.get("band") if verdict["kind"] == "ratio-bounded" else None
    if not _observed_vs_bound(axes[0, 0], verdict, var, band):
        return None
    axes[0, 0].set_title("observed vs card bound")
    if holds:
        ax = axes[0, 1]
        for gi, (glabel, rows) in enumerate(_groups(verdict["points"], var).items()):
            xs = np.array([r["point"][var] for r in rows], dtype=float)
            mean = _finite([r["mean_at_bound"] / r["eps"] for r in rows])
            lo = _finite([r["mean_at_bound_lcb"] / r["eps"] for r in rows])
            hi = _finite([r["mean_at_bound_ucb"] / r["eps"] for r in rows])
            color = PALETTE[gi % len(PALETTE)]
            ax.errorbar(xs, mean, yerr=[np.nan_to_num(mean - lo), np.nan_to_num(hi - mean)], fmt="o", color=color, capsize=3, label=f"seed-mean, confidence bounds{f' ({glabel})' if glabel else ''}")
        ax.axhline(1.0, color="k", ls="--", lw=1.2, label="ε (the theorem's claim: ≤ 1)")
        _log(ax)
        ax.set_xlabel(_var_label(var))
        stat = next((r["statistic"] for r in verdict["points"] if "statistic" in r), "")
        ax.set_ylabel("statistic at the bound / ε")
        ax.set_title(f"{STAT_LABELS.get(stat, stat)} at the bound (censored = ∞, off the plot)")
        _legend(ax)
    return fig


def scaling_figure(verdict: dict):
    """Log-log fit of complexity against the swept variable, with the card's slope."""
    var = verdict.get("variable", "eps")
    fits = [f for f in verdict.get("fits", []) if "observed" in f]
    if not fits:
        return None
    fig, axes = _figure(1, 1, 6.5, 4.4)
    ax = axes[0, 0]
    rows_by_group = _groups(verdict["points"], var)
    for gi, f in enumerate(fits):
        color = PALETTE[gi % len(PALETTE)]
        glabel = where(f["group"])
        rows = rows_by_group.get(glabel, [])
        xs = np.asarray(f["values"], dtype=float)
        for r in rows:
            v, c = np.asarray(r["values"], dtype=float), np.asarray(r["censored"], dtype=bool)
            ax.scatter(np.full(int((~c).sum()), r["point"][var]), v[~c], s=9, color=color, alpha=0.3, linewidths=0)
        gm = np.asarray(f["geomean"], dtype=float)
        lx, ly = np.log(xs), np.log(gm)
        cx, cy = lx.mean(), ly.mean()
        grid = np.linspace(lx.min(), lx.max(), 50)
        lo, hi = f["ci"]
        suffix = f" ({glabel})" if glabel else ""
        ax.plot(xs, gm, "o", color=color, ms=5, label=f"geometric mean over seeds{suffix}")
        ax.plot(np.exp(grid), np.exp(cy + f["observed"] * (grid - cx)), "-", color=color, label=f"fit: slope {f['observed']:.3g} [{lo:.3g}, {hi:.3g}]")
        lb = np.log([r["bound"] for r in rows]) if rows else lx * f["predicted"]
        ax.plot(xs, np.exp(lb - lb.mean() + cy), "--", color="k", lw=1.2, label=f"card bound, rescaled: local slope {f['predicted']:.3g}")
    _log(ax)
    ax.set_xlabel(_var_label(var))
    ax.set_ylabel(f"{MEASURES[verdict['measure']][2]} to ε")
    ax.set_title(f"scaling in {var} (tolerance ± {verdict.get('tolerance', 0):g} on the slope)")
    _legend(ax)
    return fig


def ordering_figure(verdict: dict):
    """Per-seed ratio T_faster / T_slower at each point, median and interval, line at 1."""
    rows = [r for r in verdict["points"] if "faster_values" in r]
    if not rows:
        return None
    fig, axes = _figure(1, 1, max(5.0, 1.3 * len(rows) + 2), 4.2)
    ax = axes[0, 0]
    for i, r in enumerate(rows):
        vf = np.where(r["faster_censored"], np.inf, r["faster_values"])
        vs = np.where(r["slower_censored"], np.inf, r["slower_values"])
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = _finite(vf / vs)
        jitter = np.linspace(-0.15, 0.15, ratio.size) if ratio.size > 1 else np.zeros(1)
        ax.scatter(i + jitter, ratio, s=10, color=PALETTE[0], alpha=0.45, linewidths=0)
        lo, hi = r["ratio_ci"]
        if np.isfinite(r["ratio"]):
            ax.errorbar([i], [r["ratio"]], yerr=[[max(r["ratio"] - _finite([lo])[0], 0) if np.isfinite(lo) else 0], [max(_finite([hi])[0] - r["ratio"], 0) if np.isfinite(hi) else 0]],
                        fmt="D", color="k", capsize=4, label="median, interval" if i == 0 else None)
        if r.get("predicted_ratio"):
            ax.plot([i], [r["predicted_ratio"]], "x", color=PALETTE[3], ms=9, mew=2, label="ratio of the card bounds" if i == 0 else None)
        ax.annotate(f"{r['wins']}–{r['losses']}", (i, 1.0), textcoords="offset points", xytext=(8, 6), fontsize="x-small")
    ax.axhline(1.0, color="0.3", ls="--", lw=1)
    ax.set_xticks(range(len(rows)), [where(r["point"]) for r in rows], rotation=20, fontsize="small")
    _log(ax, x=False)
    what = (f"{verdict.get('statistic')} {at_text(verdict['at'])}" if verdict.get("at") is not None
            else f"{MEASURES[verdict['measure']][2]} to ε")
    ax.set_ylabel(f"{verdict['faster']} / {verdict['slower']}  ({what})")
    ax.set_title("paired by seed; annotations: wins–losses of the faster")
    _legend(ax)
    return fig


def optimal_figure(verdict: dict):
    """Median complexity over the parameter grid, with the card's choice and its window."""
    rows = [r for r in verdict["points"] if "medians" in r]
    if not rows:
        return None
    fig, axes = _figure(1, 1, 6.5, 4.2)
    ax = axes[0, 0]
    factor = verdict.get("factor", 1.0)
    for i, r in enumerate(rows):
        color = PALETTE[i % len(PALETTE)]
        g = np.asarray(r["grid"], dtype=float)
        order = np.argsort(g)
        ax.plot(g[order], _finite(np.asarray(r["medians"])[order]), "-o", color=color, ms=4, label=f"median over seeds ({where(r['point'])})")
        ax.plot([r["best"]], [_finite([min(r["medians"])])[0]], "*", color=color, ms=13)
        ax.axvline(r["choice"], color=color, ls="--", lw=1.2, label=f"card's choice {r['choice']:.3g}")
        ax.axvspan(r["choice"] / factor, r["choice"] * factor, color=color, alpha=0.1)
    _log(ax)
    ax.set_xlabel(f"{verdict.get('parameter', 'parameter')} (★ = best; shaded: within ×{factor:g} of the card's choice)")
    ax.set_ylabel(f"{MEASURES[verdict['measure']][2]} to ε")
    _legend(ax)
    return fig


def curves_figure(runs: list, point: dict, statistics: list[str]):
    """Statistics against time, gradients computed and iterations: median and IQR over seeds."""
    by_alg = defaultdict(list)
    for r in runs:
        by_alg[r.meta.get("algorithm")].append(r)
    measures = ("time", "computed", "iterations")
    fig, axes = _figure(len(statistics), 3, 12, 2.9 * len(statistics) + 0.4, sharey=True)
    drew = False
    for i, stat in enumerate(statistics):
        for j, measure in enumerate(measures):
            ax = axes[i, j]
            key = MEASURES[measure][1]
            for a, (alg, rr) in enumerate(sorted(by_alg.items(), key=lambda kv: str(kv[0]))):
                band = seed_band([(r.checkpoints.get(key, []), r.checkpoints.get(stat, [])) for r in rr if stat in r.checkpoints and key in r.checkpoints])
                if band is None:
                    continue
                grid, q1, med, q3 = band
                color = PALETTE[a % len(PALETTE)]
                ax.fill_between(grid, q1, q3, color=color, alpha=0.2, linewidth=0, step="post")
                ax.step(grid, med, where="post", color=color, lw=1.4, label=f"{alg} ({len(rr)} seeds)")
                drew = True
                _mark_diverged(ax, rr, key, stat, color)
            if stat in (r.meta.get("statistic") for r in runs) and isinstance(point.get("eps"), (int, float)):
                ax.axhline(point["eps"], color="k", ls=":", lw=1, label="ε")
            _log(ax)
            ax.set_xlabel(_axis_label(measure))
            if j == 0:
                ax.set_ylabel(STAT_LABELS.get(stat, stat))
            else:
                ax.tick_params(labelleft=False)
            if i == 0 and j == 0:
                _legend(ax)
    if not drew:
        return None
    fig.suptitle(f"median and inter-quartile range over seeds at {where(point)}", fontsize="medium")
    return fig


def _mark_diverged(ax, runs: list, key: str, stat: str, color) -> None:
    """An × at the last finite checkpoint of every diverged run: where its curve stops.

    A diverged run's curve ends at the blow-up cap (:mod:`ratecheck.engine.divergence`),
    so it never stretches the axis; the marker says why it ends there."""
    xs, ys = [], []
    for r in runs:
        if r.status != "diverged":
            continue
        x, y = np.asarray(r.checkpoints.get(key, []), dtype=float), np.asarray(r.checkpoints.get(stat, []), dtype=float)
        ok = drawable(x) & drawable(y)
        if ok.any():
            xs.append(x[ok][-1])
            ys.append(y[ok][-1])
    if xs:
        ax.scatter(xs, ys, marker="x", s=30, color=color, linewidths=1.5, zorder=5, label="diverged (last finite value)")


def delays_figure(runs: list):
    """Histogram of applied delays per algorithm (all points and seeds), τ_max and τ_avg marked."""
    by_alg = defaultdict(list)
    for r in runs:
        if np.asarray(r.delay_counts).sum() > 0:
            by_alg[r.meta.get("algorithm")].append(r)
    if not by_alg:
        return None
    algs = sorted(by_alg, key=str)
    ncols = min(3, len(algs))
    nrows = math.ceil(len(algs) / ncols)
    fig, axes = _figure(nrows, ncols, 4.2 * ncols, 3.2 * nrows)
    for ax in axes.flat[len(algs):]:
        ax.set_visible(False)
    for k, alg in enumerate(algs):
        ax = axes.flat[k]
        rr = by_alg[alg]
        size = max(len(r.delay_counts) for r in rr)
        counts = np.zeros(size)
        for r in rr:
            counts[: len(r.delay_counts)] += np.asarray(r.delay_counts, dtype=float)
        share = counts / counts.sum()
        tau_max = max(r.tau_max for r in rr)
        tau_avg = float((np.arange(size) * counts).sum() / counts.sum())
        ax.stairs(share, np.arange(size + 1) - 0.5, fill=True, color=PALETTE[k % len(PALETTE)], alpha=0.8)
        ax.axvline(tau_max, color="k", ls="--", lw=1.2, label=rf"$\tau_{{\max}}$ = {tau_max}")
        ax.axvline(tau_avg, color=PALETTE[3], ls=":", lw=1.6, label=rf"$\tau_{{\mathrm{{avg}}}}$ = {tau_avg:.3g}")
        ax.set_title(f"{alg} ({len(rr)} runs, {int(counts.sum())} applied gradients)", fontsize="small")
        ax.set_xlabel("delay (server updates since hand-out)")
        ax.set_ylabel("share of applied gradients")
        _legend(ax)
    return fig


from . import tuning_draw  # noqa: E402  (a figure of its own module, drawn by name by render())

tuning_figure = tuning_draw.tuning_figure
