"""The report's figures, drawn: matplotlib code only, imported on a figure-cache miss.

Figures are built on matplotlib's Agg canvas directly (no pyplot, so no global
backend or state is touched) inside seaborn's ``whitegrid`` style, and returned by
:func:`render` in the formats asked for (SVG, PDF, PNG at 200 dpi). Axes carry units:
iterations, virtual seconds, gradients computed. Each method keeps one colour and
marker in all of a report's figures (``styles``, :func:`.style.label_styles`), swept
values get ticks, log axes one number format, legends sit off the data
(:mod:`.style`). The public entry points, cached by the figure's data, are in
:mod:`ratecheck.report.figures`.
"""

from __future__ import annotations

import warnings
import math
from collections import defaultdict

import matplotlib as mpl
import numpy as np
import seaborn as sns

from ..verdict.claims import at_text
from ..verdict.complexity import MEASURES
from ..verdict.evidence import where
from .bands import DRAWABLE, drawable, seed_band
from . import gantt
from .style import RC, legend as _legend, log_axes as _log, method_style, new_figure as _figure, save

STAT_LABELS = {
    "grad_sq": r"$\|\nabla f(x_k)\|^2$",
    "avg_grad_sq": r"$\mathrm{avg}_{k\leq K}\,\|\nabla f(x_k)\|^2$",
    "min_grad_sq": r"$\min_{k\leq K}\|\nabla f(x_k)\|^2$",
    "fgap": r"$f(x_k) - f^*$",
    "fgap_avg": r"$f(\bar x_K) - f^*$",
    "dist_sq": r"$\|x_k - x^*\|^2$",
}


def _axis_label(measure: str) -> str:
    return {"iterations": "iterations (server updates)", "time": "time (virtual seconds)", "computed": "gradients computed"}[measure]


def _var_label(var: str) -> str:
    return r"target $\varepsilon$" if var == "eps" else var


#: The report's style: seaborn's ``whitegrid`` in the ``notebook`` context, fonts × 0.8.
STYLE = {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook", font_scale=0.8), **RC}


def render(name: str, *args, formats=("svg",), **kwargs) -> tuple[dict[str, bytes] | None, bool]:
    """Draw figure ``name`` (a function of this module or of :mod:`.gantt`) in the report's style:
    ``({format: bytes} or None when it has nothing to draw, whether it could be drawn)``.

    A figure that matplotlib cannot draw from the numbers it is given (a log axis with
    no positive data, a singular transform over an extreme range) is left out with a
    warning: ``(None, False)``, and the report is written without it.
    """
    fn = globals().get(name) or getattr(gantt, name)
    with mpl.rc_context(STYLE), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            fig = fn(*args, **kwargs)
            if fig is None:
                return None, True
            out = save(fig, formats)
        except (ValueError, ArithmeticError) as exc:  # LinAlgError is a ValueError
            warnings.warn(f"figure {name} not drawn: {exc}")
            return None, False
        return out, True


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


def _group_colours(label, styles, count: int) -> list:
    """The method's colour for one group of points; shades of it, dark to light, for several."""
    color, _ = method_style(label, styles)
    return [color] if count == 1 else sns.dark_palette(color, count + 1)[1:][::-1]


def _observed_vs_bound(ax, verdict: dict, var: str, band=None, styles=None) -> bool:
    """Per-seed complexities, their median and IQR, and the card's bound, over ``var``."""
    drew = False
    groups = _groups(verdict["points"], var)
    colours = _group_colours(verdict.get("algorithm"), styles, len(groups))
    marker = method_style(verdict.get("algorithm"), styles)[1]
    swept = sorted({r["point"][var] for rows in groups.values() for r in rows})
    for gi, (glabel, rows) in enumerate(groups.items()):
        color = colours[gi]
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
        ax.plot(xs, _finite(med), "-", marker=marker, color=color, ms=4, label=f"{verdict.get('algorithm', '')} median, IQR{suffix}")
        bounds = _finite([r["bound"] for r in rows])
        ax.plot(xs, bounds, "--", color=color, lw=1.6, label=f"card bound{suffix}")
        if band is not None:
            ax.fill_between(xs, band[0] * bounds, band[1] * bounds, color=color, alpha=0.08, hatch="//", linewidth=0, label=f"[{band[0]:g}, {band[1]:g}] × bound")
        drew = True
    if drew:
        _log(ax, xticks=swept)
        ax.set_xlabel(_var_label(var))
        ax.set_ylabel(f"{MEASURES[verdict['measure']][2]} to ε")
        ax.scatter([], [], marker="^", facecolors="none", edgecolors="0.3", label="censored (ended first)")
        _legend(ax)
    return drew


def bound_figure(verdict: dict, styles=None):
    """holds / ratio-bounded / tightness: observed complexity against the card's bound.

    ``holds`` gets a second panel, below (each panel's legend on its right), with the
    decision quantity: the seed-mean of the statistic at the bound, over ε, with its
    one-sided confidence bounds.
    """
    var = _swept_variable(verdict["points"])
    holds = verdict["kind"] == "holds"
    fig, axes = _figure(2 if holds else 1, 1, 6.5, 8.4 if holds else 4.2)
    band = verdict.get("band") if verdict["kind"] == "ratio-bounded" else None
    if not _observed_vs_bound(axes[0, 0], verdict, var, band, styles):
        return None
    axes[0, 0].set_title("observed vs card bound")
    if holds:
        ax = axes[1, 0]
        groups = _groups(verdict["points"], var)
        colours = _group_colours(verdict.get("algorithm"), styles, len(groups))
        marker = method_style(verdict.get("algorithm"), styles)[1]
        for gi, (glabel, rows) in enumerate(groups.items()):
            xs = np.array([r["point"][var] for r in rows], dtype=float)
            mean = _finite([r["mean_at_bound"] / r["eps"] for r in rows])
            lo = _finite([r["mean_at_bound_lcb"] / r["eps"] for r in rows])
            hi = _finite([r["mean_at_bound_ucb"] / r["eps"] for r in rows])
            ax.errorbar(xs, mean, yerr=[np.nan_to_num(mean - lo), np.nan_to_num(hi - mean)], fmt=marker, color=colours[gi], capsize=3, label=f"seed-mean, confidence bounds{f' ({glabel})' if glabel else ''}")
        ax.axhline(1.0, color="k", ls="--", lw=1.2, label="ε (the theorem's claim: ≤ 1)")
        _log(ax, xticks=[r["point"][var] for rows in groups.values() for r in rows])
        ax.set_xlabel(_var_label(var))
        stat = next((r["statistic"] for r in verdict["points"] if "statistic" in r), "")
        ax.set_ylabel("statistic at the bound / ε")
        ax.set_title(f"{STAT_LABELS.get(stat, stat)} at the bound (censored = ∞, off the plot)")
        _legend(ax)
    return fig


def scaling_figure(verdict: dict, styles=None):
    """Log-log fit of complexity against the swept variable, with the card's slope."""
    var = verdict.get("variable", "eps")
    fits = [f for f in verdict.get("fits", []) if "observed" in f]
    if not fits:
        return None
    fig, axes = _figure(1, 1, 6.5, 4.4)
    ax = axes[0, 0]
    rows_by_group = _groups(verdict["points"], var)
    colours = _group_colours(verdict.get("algorithm"), styles, len(fits))
    marker = method_style(verdict.get("algorithm"), styles)[1]
    swept = []
    for gi, f in enumerate(fits):
        color = colours[gi]
        glabel = where(f["group"])
        rows = rows_by_group.get(glabel, [])
        xs = np.asarray(f["values"], dtype=float)
        swept += list(xs)
        for r in rows:
            v, c = np.asarray(r["values"], dtype=float), np.asarray(r["censored"], dtype=bool)
            ax.scatter(np.full(int((~c).sum()), r["point"][var]), v[~c], s=9, color=color, alpha=0.3, linewidths=0)
        gm = np.asarray(f["geomean"], dtype=float)
        lx, ly = np.log(xs), np.log(gm)
        cx, cy = lx.mean(), ly.mean()
        grid = np.linspace(lx.min(), lx.max(), 50)
        lo, hi = f["ci"]
        suffix = f" ({glabel})" if glabel else ""
        ax.plot(xs, gm, marker, color=color, ms=5, label=f"geometric mean over seeds{suffix}")
        ax.plot(np.exp(grid), np.exp(cy + f["observed"] * (grid - cx)), "-", color=color, label=f"fit: slope {f['observed']:.3g} [{lo:.3g}, {hi:.3g}]")
        lb = np.log([r["bound"] for r in rows]) if rows else lx * f["predicted"]
        ax.plot(xs, np.exp(lb - lb.mean() + cy), "--", color="k", lw=1.2, label=f"card bound, rescaled: local slope {f['predicted']:.3g}")
    _log(ax, xticks=swept)
    ax.set_xlabel(_var_label(var))
    ax.set_ylabel(f"{MEASURES[verdict['measure']][2]} to ε")
    ax.set_title(f"scaling in {var} (tolerance ± {verdict.get('tolerance', 0):g} on the slope)")
    _legend(ax)
    return fig


def ordering_figure(verdict: dict, styles=None):
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
        color, marker = method_style(verdict.get("faster"), styles)
        ax.scatter(i + jitter, ratio, s=10, color=color, marker=marker, alpha=0.45, linewidths=0)
        lo, hi = r["ratio_ci"]
        if np.isfinite(r["ratio"]):
            ax.errorbar([i], [r["ratio"]], yerr=[[max(r["ratio"] - _finite([lo])[0], 0) if np.isfinite(lo) else 0], [max(_finite([hi])[0] - r["ratio"], 0) if np.isfinite(hi) else 0]],
                        fmt="D", color="k", capsize=4, label="median, interval" if i == 0 else None)
        if r.get("predicted_ratio"):
            ax.plot([i], [r["predicted_ratio"]], "x", color="0.4", ms=9, mew=2, label="ratio of the card bounds" if i == 0 else None)
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


def optimal_figure(verdict: dict, styles=None):
    """Median complexity over the parameter grid, with the card's choice and its window."""
    rows = [r for r in verdict["points"] if "medians" in r]
    if not rows:
        return None
    fig, axes = _figure(1, 1, 6.5, 4.2)
    ax = axes[0, 0]
    factor = verdict.get("factor", 1.0)
    shades = ["k"] if len(rows) == 1 else sns.color_palette("viridis", len(rows))  # points, not methods: no method colour
    for i, r in enumerate(rows):
        color = shades[i]
        g = np.asarray(r["grid"], dtype=float)
        order = np.argsort(g)
        ax.plot(g[order], _finite(np.asarray(r["medians"])[order]), "-o", color=color, ms=4, label=f"median over seeds ({where(r['point'])})")
        ax.plot([r["best"]], [_finite([min(r["medians"])])[0]], "*", color=color, ms=13)
        ax.axvline(r["choice"], color=color, ls="--", lw=1.2, label=f"card's choice {r['choice']:.3g}")
        ax.axvspan(r["choice"] / factor, r["choice"] * factor, color=color, alpha=0.1)
    _log(ax, xticks=sorted({float(x) for r in rows for x in r["grid"]}))
    ax.set_xlabel(f"{verdict.get('parameter', 'parameter')} (★ = best; shaded: within ×{factor:g} of the card's choice)")
    ax.set_ylabel(f"{MEASURES[verdict['measure']][2]} to ε")
    _legend(ax)
    return fig


def curves_figure(runs: list, point: dict, statistics: list[str], styles=None):
    """Statistics against time, gradients computed and iterations: median and IQR over seeds.

    A statistic that no run records gets no row (no empty panels); the legend is below the panels.
    The bands and median lines (thousands of checkpoints) are rasterized inside a vector file
    (at the report's DPI), axes, ticks and text stay vector: a long run's curves were
    megabytes of SVG paths."""
    by_alg = defaultdict(list)
    for r in runs:
        by_alg[r.meta.get("algorithm")].append(r)
    measures = ("time", "computed", "iterations")
    statistics = [s for s in statistics if any(s in r.checkpoints for r in runs)]
    if not statistics:
        return None
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
                color, marker = method_style(alg, styles, a)
                ax.fill_between(grid, q1, q3, color=color, alpha=0.2, linewidth=0, step="post", rasterized=True)
                ax.step(grid, med, where="post", color=color, lw=1.4, marker=marker, ms=4, markevery=(a * 3, 24),
                        label=f"{alg} ({len(rr)} seeds)", rasterized=True)
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
    if not drew:
        return None
    seen = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(lab, h)
    fig.legend(list(seen.values()), list(seen), loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=min(4, len(seen)), fontsize="small")
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


def delayed(runs: list) -> dict:
    """Runs with at least one applied gradient of delay > 0, by algorithm (a synchronous
    method, whose every delay is 0, has no histogram to show)."""
    by_alg = defaultdict(list)
    for r in runs:
        if np.asarray(r.delay_counts)[1:].sum() > 0:
            by_alg[r.meta.get("algorithm")].append(r)
    return by_alg


def delays_figure(runs: list, styles=None):
    """Histogram of applied delays per algorithm (all points and seeds), τ_max and τ_avg
    marked; methods without delays get no panel."""
    by_alg = delayed(runs)
    if not by_alg:
        return None
    algs = sorted(by_alg, key=str)
    ncols = min(3, len(algs))
    nrows = math.ceil(len(algs) / ncols)
    fig, axes = _figure(nrows, ncols, 4.2 * ncols, 3.4 * nrows)
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
        ax.stairs(share, np.arange(size + 1) - 0.5, fill=True, color=method_style(alg, styles, k)[0], alpha=0.8)
        ax.axvline(tau_max, color="k", ls="--", lw=1.2)
        ax.axvline(tau_avg, color="0.35", ls=":", lw=1.6)
        ax.set_title(f"{alg} ({len(rr)} runs, {int(counts.sum())} applied gradients)\n"
                     f"τ_max = {tau_max} (dashed), τ_avg = {tau_avg:.3g} (dotted)", fontsize="small")
        ax.set_xlabel("delay (server updates since hand-out)")
        ax.set_ylabel("share of applied gradients")
    return fig


from . import tuning_draw  # noqa: E402  (a figure of its own module, drawn by name by render())

tuning_figure = tuning_draw.tuning_figure
