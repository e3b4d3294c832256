"""The HTML report in headless Chromium: no console error, every figure loaded (as SVG),
formulas rendered as MathML, not blank; the gallery index links every report.

Under CI (``CI=true``) Chromium must be installed and this test runs; elsewhere it is
skipped when Chromium is absent.
"""

import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from matplotlib import image as mpimg

from ratecheck.report import write_report
from test_report_write import small_context

PROBE = "ratecheck-probe"
#: Logs, once the page has loaded, how many images it has, how many decoded, how many of
#: those are SVG, how many MathML formulas are laid out (a box with width) and its links.
SCRIPT = (
    '<script>window.addEventListener("load", () => { const im = [...document.images]; '
    'const ok = im.filter(i => i.complete && i.naturalWidth > 0); '
    'const ml = [...document.getElementsByTagName("math")]; '
    f'console.log("{PROBE} images=" + im.length + " loaded=" + ok.length + '
    '" svg=" + ok.filter(i => i.src.startsWith("data:image/svg+xml;base64,")).length + '
    '" math=" + ml.length + " mathrows=" + ml.filter(m => m.getBoundingClientRect().height > 0 && m.getElementsByTagName("mfrac").length + m.getElementsByTagName("mi").length > 0).length + '
    '" links=" + [...document.links].map(a => a.getAttribute("href")).join(",")); });</script>'
)


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required under CI (apt-get install -y chromium)")
        pytest.skip("chromium is not installed")
    return exe


def _load(exe: str, page, shot, profile) -> list[str]:
    """Open ``page``, save a 1200×2000 screenshot, return the page's console messages."""
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
           f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri()]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert shot.exists(), res.stderr[-2000:]
    return re.findall(r":CONSOLE[^\]]*\] (.*)", res.stderr)


def _probe(html: str) -> str:
    return html.replace("</body>", SCRIPT + "\n</body>")


def test_html_report_opens_cleanly_with_every_figure_loaded(tmp_path):
    exe = _chromium()
    out = tmp_path / "report"
    write_report(out, small_context(("holds", "ordering"), eps=[0.1, 0.01]))
    n_figures = len(list((out / "figures").glob("*.svg")))
    page = tmp_path / "probe.html"
    page.write_text(_probe((out / "report.html").read_text(encoding="utf-8")), encoding="utf-8")
    shot = tmp_path / "shot.png"
    console = _load(exe, page, shot, tmp_path / "profile")
    probes = [m for m in console if PROBE in m]
    assert probes, f"the probe did not report (console: {console})"
    assert f"images={n_figures} loaded={n_figures} svg={n_figures} math=2 mathrows=2" in probes[0]  # rm-thm: gamma, iterations
    assert [m for m in console if PROBE not in m] == []  # the report itself logs nothing: no error
    img = mpimg.imread(shot)[..., :3]
    assert img.shape[:2] == (2000, 1200)
    assert float((img < 0.9).any(axis=2).mean()) > 0.02  # text, tables, figures: not a blank page
    rgb = (img * 255).astype(np.uint32)
    colours = np.unique((rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2])
    assert colours.size > 50  # the colours of figures and status badges


def test_the_probe_detects_a_broken_figure(tmp_path):
    """The check above can fail: a figure that does not decode is counted as not loaded."""
    exe = _chromium()
    page = tmp_path / "broken.html"
    page.write_text(_probe('<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body><p>x</p>'
                           '<img src="data:image/png;base64,AAAA"></body></html>'), encoding="utf-8")
    console = _load(exe, page, tmp_path / "shot.png", tmp_path / "profile")
    assert any("images=1 loaded=0" in m for m in console), console


def test_the_gallery_index_opens_cleanly_and_links_every_report(tmp_path):
    from ratecheck.report.gallery import write_index

    exe = _chromium()
    write_report(tmp_path / "b-second", small_context(("holds", "ordering"), eps=[0.1]))
    write_report(tmp_path / "a-first", {"title": "Nothing <claimed>"})
    (tmp_path / "not-a-report").mkdir()
    page = tmp_path / "probe.html"
    page.write_text(_probe(write_index(tmp_path).read_text(encoding="utf-8")), encoding="utf-8")
    console = _load(exe, page, tmp_path / "shot.png", tmp_path / "profile")
    probes = [m for m in console if PROBE in m]
    assert probes and [m for m in console if PROBE not in m] == [], console
    links = probes[0].split("links=")[1].split('"')[0].split(",")
    assert links == ["a-first/report.html", "b-second/report.html"]
    assert all((tmp_path / link).is_file() for link in links)
