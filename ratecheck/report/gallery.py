"""The gallery index: one page linking every report of a folder, with its verdict counts.

``python -m ratecheck.report.gallery [FOLDER]`` (default ``reports/gallery``) writes
``FOLDER/index.html``: one row per subfolder holding a report (``report.html`` and
``verdicts.json``), in name order, with the report's title (its HTML ``<title>``), the
number of claims passed, failed and inconclusive (and any other status; the tightness
rows, status ``info``, are not claims) and whether the report is partial. It reads only
those files, so it is regenerated in a second after any report changes; like a report,
the page is self-contained (inline style, no script) and written atomically.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

from ..verdict.evidence import INFO, STATUSES
from .document import CSS, Link, Table, _table_html

#: The counts every row shows, in this order (other statuses follow when present).
SHOWN = ("pass", "fail", "inconclusive")
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def entry(folder: Path) -> dict:
    """``{"name", "title", "counts", "partial"}`` of the report in ``folder``."""
    data = json.loads((folder / "verdicts.json").read_text(encoding="utf-8"))
    partial = isinstance(data, dict) and not data.get("complete", True)
    verdicts = data["verdicts"] if isinstance(data, dict) else data
    counts = Counter(v.get("status") for v in verdicts if v.get("status") != INFO)
    m = _TITLE.search((folder / "report.html").read_text(encoding="utf-8"))
    title = html.unescape(m.group(1)).strip() if m else folder.name
    return {"name": folder.name, "title": title, "counts": dict(counts), "partial": partial}


def summary(counts: dict) -> str:
    """One line: "2 pass, 0 fail, 1 inconclusive", then any other status with a count."""
    rest = [s for s in (*STATUSES, *sorted(set(counts) - set(STATUSES))) if s not in SHOWN and counts.get(s)]
    return ", ".join(f"{counts.get(s, 0)} {s}" for s in (*SHOWN, *rest))


def _row_class(counts: dict) -> str:
    return "fail" if counts.get("fail") or counts.get("error") else "inconclusive" if counts.get("inconclusive") else "pass"


def index_html(entries: list[dict]) -> str:
    """The index page of ``entries`` (:func:`entry`)."""
    total = Counter()
    for e in entries:
        total.update(e["counts"])
    rows = [[Link(e["name"], f"{e['name']}/report.html"), e["title"] + (" (partial)" if e["partial"] else ""),
             summary(e["counts"])] for e in entries]
    table = _table_html(Table(["report", "title", "status"], rows, [_row_class(e["counts"]) for e in entries]))
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n<link rel="icon" href="data:,">\n'
            f"<title>ratecheck gallery</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>ratecheck gallery</h1>\n"
            f"<p>{len(entries)} reports; claims over all of them: {html.escape(summary(dict(total)))}.</p>\n"
            f"{table}\n<p class=\"note\">Regenerate with <code>python -m ratecheck.report.gallery</code> after "
            "rewriting a report (each report is written by <code>ratecheck check SPEC --out FOLDER</code>).</p>\n"
            "</body>\n</html>\n")


def write_index(folder) -> Path:
    """Write ``folder/index.html`` for every report in ``folder``; its path."""
    folder = Path(folder)
    entries = [entry(p) for p in sorted(folder.iterdir()) if (p / "verdicts.json").is_file() and (p / "report.html").is_file()]
    out = folder / "index.html"
    fd, tmp = tempfile.mkstemp(prefix=".index-", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(index_html(entries))
    os.replace(tmp, out)
    return out


if __name__ == "__main__":
    print(write_index(sys.argv[1] if len(sys.argv) > 1 else "reports/gallery"))
