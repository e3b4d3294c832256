"""Reports: ``report.md``, a self-contained ``report.html``, ``figures/*.svg`` (or PDF, PNG), ``verdicts.json``.

:func:`write_report` only *reads* results: the runs in its context are stored
:class:`~ratecheck.engine.trace.RunResult` objects (e.g. reloaded with
``RunResult.from_dict``) and the verdicts come from
:func:`ratecheck.verdict.evaluate_claims`; nothing here simulates, so a report can be
regenerated from a results store at any time without rerunning anything.

A report is written atomically: every file goes into a hidden staging folder inside
the report folder (same file system), which then replaces the previous report by
renames — ``verdicts.json`` removed first and put back last, so a folder caught
between the two (a kill in those microseconds) has no verdicts rather than another
check's. Nothing of an earlier report survives beside a new one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from .document import Paragraph, to_html, to_markdown
from .jsonout import verdicts_json
from .sections import build

#: The report's files and folder, in the order a new report replaces them.
FILES = ("figures", "report.md", "report.html", "verdicts.json")
_STAGE = ".report-staging-"
#: A staging folder this old was left by a writer that died (writing takes seconds).
STALE_S = 3600.0


def write_report(out_dir, context: dict) -> None:
    """Write the report of a check into ``out_dir`` (created if needed), atomically.

    ``context`` keys (all optional but ``verdicts`` and ``runs`` make the report
    useful): ``spec`` (parsed spec dict), ``title``, ``problem``
    (``Problem.describe()``), ``model`` (``ComputeModel.describe()``), ``cards``
    (id → card summary dict), ``runs`` (list of RunResult), ``predictions``
    (``{(label, point_key): card evaluation}``), ``verdicts`` (list of verdict
    dicts), ``summary`` (e.g. ``{"computed": 40, "reused": 0, "failed": 1}``),
    ``partial`` (``{"done": runs done, "planned": runs planned}`` of an interrupted
    check: the title, the opening paragraph and ``verdicts.json`` say so),
    ``figure_format`` (``"svg"``, the default, ``"pdf"`` or ``"png"``: the figure files'
    format; the HTML page shows SVG, a PNG as is) and ``timeline``
    (:func:`ratecheck.timeline.fragment_timeline`: the worker timeline's Gantt chart).

    ``verdicts.json`` holds only the verdicts, with sorted keys and no time stamp, so
    identical inputs give a byte-identical file; NaN is written as ``null`` and
    ±∞ as the strings ``"inf"``/``"-inf"``. For a partial report it is an object
    ``{"complete": false, "runs_done", "runs_planned", "verdicts"}`` instead of the list.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    partial = context.get("partial")
    title = context.get("title") or "ratecheck report"
    if partial:
        title = f"Partial: {title}"
        context = {**context, "title": title}
    blocks, figs = build(context)
    if partial:
        blocks.insert(1, Paragraph(f"This report is partial: the check was interrupted with {partial['done']} of its "
                                   f"{partial['planned']} runs done. Claims marked partial were not judged; the others "
                                   "were judged on all their runs. Rerun the same command to finish it (done runs are "
                                   "reused)."))
    _clean_stale_stages(out)
    stage = Path(tempfile.mkdtemp(prefix=_STAGE, dir=out))
    try:
        (stage / "figures").mkdir()
        for name, png in figs.items():
            (stage / name).write_bytes(png)
        (stage / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
        (stage / "report.html").write_text(to_html(blocks, title), encoding="utf-8")
        (stage / "verdicts.json").write_text(verdicts_json(context.get("verdicts") or [], partial), encoding="utf-8")
        _swap_in(stage, out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _swap_in(stage: Path, out: Path) -> None:
    """Replace the report files of ``out`` by those of ``stage`` (renames only)."""
    (out / "verdicts.json").unlink(missing_ok=True)
    old = out / "figures"
    if old.is_dir() and not old.is_symlink():
        old.rename(stage / "figures.old")  # removed with the staging folder
    for name in FILES:
        os.replace(stage / name, out / name)


def _clean_stale_stages(out: Path) -> None:
    """Remove staging folders left by writers that died (older than :data:`STALE_S`)."""
    for p in out.glob(f"{_STAGE}*"):
        try:
            stale = time.time() - p.stat().st_mtime > STALE_S
        except OSError:  # removed meanwhile by its writer
            continue
        if stale:
            shutil.rmtree(p, ignore_errors=True)


__all__ = ["verdicts_json", "write_report"]
