"""``ratecheck falsify --out DIR``: ``falsify.md``, ``falsify.json``, ``falsify.png`` and
``counterexample.toml`` (the worst instance as a check spec for ``ratecheck check``)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402


def ratio_figure(outcome, path: Path) -> Path:
    """Ratio of every evaluated instance in search order, the running maximum, and 1."""
    r = np.array([t.ratio for t in outcome.history])  # NaN: a skipped instance
    shown = np.where(np.isfinite(r), r, np.nan)
    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    idx = np.arange(r.size)
    ax.scatter(idx, shown, s=14, color="tab:blue", label="instance")
    ax.plot(idx, np.fmax.accumulate(shown), color="tab:red", lw=1.5, label="worst so far")
    ax.axhline(1.0, color="black", ls="--", lw=1, label="bound (ratio 1)")
    if np.all(shown[np.isfinite(shown)] > 0):
        ax.set_yscale("log")
    ax.set_xlabel("evaluation")
    ax.set_ylabel(f"{outcome.card.statistic} at K / ε")
    ax.set_title(f"falsify {outcome.card.id}: {outcome.verdict}", fontsize=10)
    ax.legend(fontsize=8)
    n_inf, n_nan = int(np.sum(np.isinf(r))), int(np.sum(np.isnan(r)))
    if n_inf or n_nan:
        fig.text(0.01, 0.01, f"Not drawn: {n_inf} instance(s) diverged (ratio ∞), {n_nan} skipped (the card "
                             "cannot judge them).", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def _toml_value(v) -> str:
    """A TOML value for the JSON types of a spec table (numbers, strings, lists)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return repr(float(v)) if isinstance(v, float) else str(v)


def counterexample_spec(outcome) -> str:
    """A check spec running the worst instance with the confirmation seeds and a ``holds`` claim."""
    t = outcome.confirmation
    lines = [f"# Worst instance found by `ratecheck falsify {outcome.card.id}` (seed {outcome.settings['seed']}).",
             "# The holds claim reads the statistic at the first checkpoint at or past K.",
             "", "[check]", f'name = "counterexample-{outcome.card.id}"', f"seeds = {_toml_value([0, 1] if outcome.deterministic else t.seeds)}", "",
             "[problem]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in t.problem.items()]
    lines += ["", "[asynchrony]"] + [f"{k} = {_toml_value(v)}" for k, v in t.asynchrony.items()]
    lines += ["", "[sweep]", f"eps = [{t.eps!r}]", "", "[horizon]", "factor = 1.0", "stop_at_target = false", "",
              "[[algorithms]]", f'label = "{outcome.method}"', f'method = "{outcome.method}"',
              f'theorem = "{outcome.card.id}"',
              "params = { " + ", ".join(f'{p} = "theory"' for p in outcome.theory_params) + " }", "",
              "[[claims]]", 'kind = "holds"', f'algorithm = "{outcome.method}"', f'theorem = "{outcome.card.id}"',
              'bound = "iterations"'] + (["min_seeds = 2  # a deterministic instance: every seed gives the same run"]
                                         if outcome.deterministic else []) + [""]
    return "\n".join(lines)


def markdown(outcome, figure: str) -> str:
    doc = outcome.as_dict()
    w, s = doc["worst"], doc["settings"]
    inputs = ", ".join(f"{k} = {v:g}" for k, v in outcome.inputs.items())
    sets = " ".join(f"--set {k}={v!r}" for k, v in outcome.inputs.items())
    cells = " ".join(f"--family {f}" for f in sorted({c.space.family for c in outcome.cells}))
    cells += " " + " ".join(f"--model {m}" for m in sorted({c.space.model for c in outcome.cells}))
    repro = (f"ratecheck falsify {outcome.card.id} --budget {s['budget']} --seed {s['seed']} --seeds {s['seeds']} "
             f"--confirm {s['confirm']} --dim {s['dim']} --spread {s['spread']:g} --max-iterations "
             f"{s['max_iterations']} --method {outcome.method} {cells} {sets} --set n={s['workers']}")
    out = [
        f"# Falsifier: {outcome.card.id}",
        "",
        f"**Verdict: {outcome.statement()}.**",
        "",
        f"- Theorem: {outcome.card.title} ({outcome.card.citation_short()}); bound `iterations = "
        f"{doc['formula']}` (explicit constants).",
        f"- Ratio: {doc['statistic']} (range {doc['statistic_range']}) at the card's K, mean over noise seeds, over ε.",
        f"- Inputs: {inputs}; algorithm `{outcome.method}` with the card's parameters "
        + ", ".join(f"{k} = {v:.6g}" for k, v in w["parameters"].items()) + ".",
        f"- Space: {s['cells']} cells (problem family × asynchrony model), d ≤ {s['dim']}, n = {s['workers']} "
        f"workers, τ_max/τ_min ≤ {s['spread']:g}, K ≤ {s['max_iterations']}; the worst in {doc['space']['family']} × "
        f"{doc['space']['model']} ({len(doc['space']['dimensions'])} coordinates).",
        f"- Search: {s['optimizer']} per cell, seed {s['seed']} + cell index, population {s['population']}, "
        f"{s['generations']} generations, {len(outcome.history)} instances, "
        + ("deterministic (one run each)." if outcome.deterministic else
           f"{s['seeds']} noise seeds each; confirmation with {s['confirm']} fresh seeds, α = {s['alpha']:g}."),
        "",
        f"![ratio vs evaluation]({figure})",
        "",
        "## Coverage",
        "",
        "| cell | coordinates | judged | skipped | worst ratio |",
        "|---|---|---|---|---|",
        *(f"| {c['cell']} | {c['dimensions']} | {c['judged']} | "
          + (f"not searched: {c['not_searched']}" if not c["searched"] else
             "; ".join(f"{v}× {k}" for k, v in c["skipped"].items()) or "0")
          + f" | {'—' if c['worst_ratio'] is None else format(c['worst_ratio'], '.4g')} |" for c in doc["coverage"]),
        "",
        "## Worst instance",
        "",
        f"K = {w['K']:g}, statistic read at iteration {w['read_at']}; search ratio {doc['search_ratio']}, "
        f"confirmed ratio {doc['worst_ratio']}" + ("" if doc["ci"] is None else f", CI {doc['ci']}") + ".",
        "",
        f"Search point x = `{json.dumps(w['x'])}`, noise seeds {doc['confirmation']['seeds']}:",
        "",
        "```toml",
        "[problem]",
        *(f"{k} = {_toml_value(v)}" for k, v in w["problem"].items()),
        "",
        "[asynchrony]",
        *(f"{k} = {_toml_value(v)}" for k, v in w["asynchrony"].items()),
        "```",
        "",
        "Reproduce the search (bit-identical):",
        "",
        f"    {repro}",
        "",
        "or run the instance through the check pipeline: `ratecheck check counterexample.toml --out DIR`.",
        "",
    ]
    return "\n".join(out)


def write_report(outcome, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    ratio_figure(outcome, out / "falsify.png")
    (out / "falsify.json").write_text(json.dumps(outcome.as_dict(), indent=2, ensure_ascii=False))
    (out / "counterexample.toml").write_text(counterexample_spec(outcome))
    path = out / "falsify.md"
    path.write_text(markdown(outcome, "falsify.png"))
    return path
