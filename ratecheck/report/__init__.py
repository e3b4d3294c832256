"""Reports: ``report.md``, a self-contained ``report.html``, ``figures/*.png``, ``verdicts.json``.

:func:`write_report` only *reads* results: the runs in its context are stored
:class:`~ratecheck.engine.trace.RunResult` objects (e.g. reloaded with
``RunResult.from_dict``) and the verdicts come from
:func:`ratecheck.verdict.evaluate_claims`; nothing here simulates, so a report can be
regenerated from a results store at any time without rerunning anything.
"""

from __future__ import annotations

from pathlib import Path

from .document import to_html, to_markdown
from .jsonout import verdicts_json
from .sections import build


def write_report(out_dir, context: dict) -> None:
    """Write the report of a check into ``out_dir`` (created if needed).

    ``context`` keys (all optional but ``verdicts`` and ``runs`` make the report
    useful): ``spec`` (parsed spec dict), ``title``, ``problem``
    (``Problem.describe()``), ``model`` (``ComputeModel.describe()``), ``cards``
    (id → card summary dict), ``runs`` (list of RunResult), ``predictions``
    (``{(label, point_key): card evaluation}``), ``verdicts`` (list of verdict
    dicts), ``summary`` (e.g. ``{"computed": 40, "reused": 0, "failed": 1}``).

    ``verdicts.json`` holds only the verdicts, with sorted keys and no time stamp, so
    identical inputs give a byte-identical file; NaN is written as ``null`` and
    ±∞ as the strings ``"inf"``/``"-inf"``. The figures in ``figures/`` are
    replaced as a whole.
    """
    out = Path(out_dir)
    figdir = out / "figures"
    figdir.mkdir(parents=True, exist_ok=True)
    blocks, figs = build(context)
    for old in figdir.glob("*.png"):
        if f"figures/{old.name}" not in figs:
            old.unlink()
    for name, png in figs.items():
        (out / name).write_bytes(png)
    title = context.get("title") or "ratecheck report"
    (out / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
    (out / "report.html").write_text(to_html(blocks, title), encoding="utf-8")
    (out / "verdicts.json").write_text(verdicts_json(context.get("verdicts") or []), encoding="utf-8")


__all__ = ["verdicts_json", "write_report"]
