"""``pep.png``: PEP worst case against N, one line per delay τ, with the card's bound if drawable."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .card_overlay import Overlay  # noqa: E402


def pep_figure(rows: list[dict], ylabel: str, title: str, overlay: Overlay, path: Path) -> Path:
    """Draw the rows of a ``ratecheck pep`` run: one line per τ over N, broken where a solve
    gave no certified value (those are counted in the caption, never drawn); the known tight
    rate of undelayed GD where rows carry one; the card's curves when drawable. The caption
    says whether and why the card is drawn."""
    data = pd.DataFrame([{"N": r["N"], "tau": r["tau"], "value": r["value"], "reference": r.get("reference")}
                         for r in rows]).sort_values(["tau", "N"])
    data = data.astype({"value": float, "reference": float})
    n_failed = int(data["value"].isna().sum())
    taus = sorted(data["tau"].unique())
    sns.set_theme(style="whitegrid")
    palette = dict(zip(taus, sns.color_palette("viridis", len(taus))))
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for tau, part in data.groupby("tau"):
        ax.plot(part["N"], part["value"], marker="o", color=palette[tau], label=f"PEP, τ={tau}")  # NaN breaks the line
    ref = data[data["tau"] == 0].dropna(subset=["reference"])
    if not ref.empty:
        source = next(r["reference_source"] for r in rows if r["tau"] == 0 and r.get("reference") is not None)
        ax.plot(ref["N"], ref["reference"], ls=":", color="black", lw=1.5, label=f"τ=0 tight rate: {source}")
    for tau, pts in overlay.curves.items():
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], ls="--", color=palette.get(tau, "k"),
                    label=f"card bound, τ={tau}")
    values = data["value"].dropna()
    if not values.empty and (values > 0).all():
        ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("N (steps)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    caption = ("Card bound drawn: " if overlay.curves else "Card bound not drawn: ") + overlay.note
    if n_failed:
        caption += f"\n{n_failed} solve(s) without a certified value (see pep.json statuses) are not drawn."
    fig.text(0.01, 0.01, caption, fontsize=7, wrap=True, va="bottom")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path
