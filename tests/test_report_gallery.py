"""The gallery index (issue 20): one row per bundled report, its title and verdict counts,
regenerable (the committed page is what the generator writes from the reports)."""

import json
from pathlib import Path

from ratecheck.report.document import to_html
from ratecheck.report.gallery import entry, index_html, summary, write_index

GALLERY = Path(__file__).parents[1] / "reports" / "gallery"


def _report(folder: Path, title: str, verdicts) -> None:
    """The two files of a report the index reads (write_report's page and verdicts.json)."""
    folder.mkdir(parents=True)
    (folder / "report.html").write_text(to_html([], title), encoding="utf-8")
    (folder / "verdicts.json").write_text(json.dumps(verdicts), encoding="utf-8")


def test_an_entry_counts_the_claims_by_status_and_marks_partial_reports(tmp_path):
    verdicts = [{"status": s} for s in ("pass", "pass", "fail", "inconclusive", "info", "error")]
    _report(tmp_path / "r", "A & B", verdicts)
    e = entry(tmp_path / "r")
    assert e == {"name": "r", "title": "A & B", "counts": {"pass": 2, "fail": 1, "inconclusive": 1, "error": 1}, "partial": False}
    assert summary(e["counts"]) == "2 pass, 1 fail, 1 inconclusive, 1 error"
    assert summary({}) == "0 pass, 0 fail, 0 inconclusive"
    (tmp_path / "r" / "verdicts.json").write_text(json.dumps({"complete": False, "verdicts": verdicts[:1]}))
    e = entry(tmp_path / "r")
    assert e["partial"] and e["counts"] == {"pass": 1}
    assert "A &amp; B (partial)" in index_html([e]) and '<tr class="pass">' in index_html([e])


def test_the_index_lists_every_report_folder_in_name_order(tmp_path):
    for name in ("b", "a"):
        _report(tmp_path / name, name.upper(), [{"status": "fail"}] if name == "b" else [])
    (tmp_path / "empty").mkdir()
    page = write_index(tmp_path).read_text(encoding="utf-8")
    assert page.index('href="a/report.html"') < page.index('href="b/report.html"') and "empty" not in page
    assert '<tr class="fail"><td><a href="b/report.html">b</a></td><td>B</td><td class="status">0 pass, 1 fail, 0 inconclusive</td>' in page
    assert "2 reports; claims over all of them: 0 pass, 1 fail, 0 inconclusive." in page


def test_the_committed_gallery_index_is_up_to_date():
    """Regenerate with ``python -m ratecheck.report.gallery`` after rewriting a gallery report."""
    reports = sorted(p for p in GALLERY.iterdir() if (p / "verdicts.json").is_file())
    assert len(reports) >= 10
    committed = (GALLERY / "index.html").read_text(encoding="utf-8")
    assert committed == index_html([entry(p) for p in reports])
    for p in reports:
        assert f'href="{p.name}/report.html"' in committed
