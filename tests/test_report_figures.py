"""Paper-ready figures (issue 20, item 5): vector formats, one colour and marker per method,
ticks at the swept values, one number format on log axes, legends off the data, no empty
panels; the spec as TOML and card formulas as MathML."""

import io
import re
import tomllib

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib import image as mpimg
from matplotlib.colors import to_rgb
from matplotlib.transforms import Bbox

from ratecheck.report import draw, write_report
from ratecheck.report.document import to_html, to_markdown
from ratecheck.report.figures import bound_figure, figure_key, label_styles
from ratecheck.report.sections import build, card_blocks
from ratecheck.report.style import method_style, sci
from test_report_write import small_context
from test_verdict_synthetic import make_run

LOG_LABEL = re.compile(r"^((\d(\.\d+)?)×)?10[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+$")


@pytest.fixture(scope="module")
def ctx():
    return small_context(("holds", "scaling", "ordering", "optimal-parameter"), eps=[0.4, 0.2, 0.1])


def _drawn(name, *args, **kwargs):
    with mpl.rc_context(draw.STYLE):
        fig = getattr(draw, name)(*args, **kwargs)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    return fig


def test_formats_are_vector_by_default_and_png_is_200_dpi(ctx, tmp_path, monkeypatch):
    monkeypatch.setenv("RATECHECK_CACHE_DIR", str(tmp_path / "cache"))
    holds = ctx["verdicts"][0]
    out = {fmt: bound_figure(holds, formats=(fmt,))[fmt] for fmt in ("svg", "pdf", "png")}
    assert b"<svg" in out["svg"][:400] and out["pdf"].startswith(b"%PDF")
    img = mpimg.imread(io.BytesIO(out["png"]), format="png")
    assert img.shape[1] >= 6.5 * 200 * 0.9  # 6.5 inches wide at 200 dpi
    # the cache key includes the format: a second format of the same figure is not the first one's bytes
    assert figure_key("bound_figure", (holds,), {}, "svg") != figure_key("bound_figure", (holds,), {}, "png")
    assert bound_figure(holds, formats=("png",))["png"] == out["png"]
    # drawn again (no cache): the same bytes, vector formats included (no dates, fixed SVG ids)
    monkeypatch.setenv("RATECHECK_CACHE_DIR", str(tmp_path / "other-cache"))
    assert bound_figure(holds, formats=("svg", "pdf")) == {"svg": out["svg"], "pdf": out["pdf"]}


def test_a_pdf_report_writes_pdf_files_and_shows_them_as_svg(tmp_path):
    c = small_context(("holds",), eps=[0.1])
    write_report(tmp_path, {**c, "figure_format": "pdf"})
    files = sorted(p.suffix for p in (tmp_path / "figures").iterdir())
    assert files and set(files) == {".pdf"}
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count('<img src="data:image/svg+xml;base64,') == len(files) and "application/pdf" not in html
    assert "](figures/claim-00-holds.pdf)" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_each_method_keeps_one_colour_and_marker_across_figures(ctx):
    styles = label_styles(["Ringmaster", "ASGD", "Rennala", "Minibatch", None])
    looks = [method_style(lab, styles) for lab in styles]
    assert len({c for c, _ in looks}) == len({m for _, m in looks}) == 4  # the quickstart's four: all distinct
    mini, ring = (np.array(to_rgb(method_style(x, styles)[0])) for x in ("Minibatch", "Ringmaster"))
    assert np.abs(mini - ring).sum() > 0.5  # clearly distinct, not two shades of one hue

    styles = label_styles(r.meta["algorithm"] for r in ctx["runs"])
    holds = _drawn("bound_figure", ctx["verdicts"][0], styles=styles)  # ringmaster's claim
    curves = _drawn("curves_figure", [r for r in ctx["runs"] if r.meta["point"] == {"eps": 0.1}], {"eps": 0.1},
                    ["grad_sq"], styles=styles)
    colour = {}
    for line in curves.axes[0].get_lines():
        alg = line.get_label().split(" (")[0]
        if alg in styles:
            colour[alg] = (to_rgb(line.get_color()), line.get_marker())
    assert set(colour) == {"asgd", "ringmaster"} and colour["asgd"] != colour["ringmaster"]
    median = next(ln for ln in holds.axes[0].get_lines() if ln.get_label().startswith("ringmaster median"))
    assert (to_rgb(median.get_color()), median.get_marker()) == colour["ringmaster"]


def test_swept_values_get_ticks_and_log_axes_one_number_format(ctx):
    fig = _drawn("bound_figure", ctx["verdicts"][0])
    ax = fig.axes[0]
    assert list(ax.get_xticks()) == [0.1, 0.2, 0.4]  # ε = 0.4 gets a tick
    labels = [t.get_text() for a in fig.axes for t in (*a.get_xticklabels(), *a.get_yticklabels()) if t.get_text()]
    assert labels and all(LOG_LABEL.match(t) for t in labels), labels
    assert "4×10⁻¹" in labels and sci(1e4) == "10⁴"


def test_legends_are_off_the_data(ctx):
    figs = [_drawn("bound_figure", ctx["verdicts"][0]), _drawn("scaling_figure", ctx["verdicts"][1]),
            _drawn("ordering_figure", ctx["verdicts"][2]), _drawn("optimal_figure", ctx["verdicts"][3]),
            _drawn("curves_figure", ctx["runs"][:12], {"eps": 0.4}, ["fgap", "grad_sq"])]
    seen = 0
    for fig in figs:
        legends = [a.get_legend() for a in fig.axes if a.get_legend()] + list(fig.legends)
        seen += len(legends)
        for leg in legends:
            box = leg.get_window_extent()
            for ax in fig.axes:
                if ax.get_visible():
                    assert Bbox.intersection(box, ax.get_window_extent()) is None, (fig.axes[0].get_title(), leg)
    assert seen >= 6


def test_no_empty_panels_and_synchronous_methods_say_no_delays(tmp_path):
    runs = [make_run("async", s, {"eps": 0.1}, 50.0, targets=[0.1], dt=0.5, horizon=10**4, delays=[0, 5, 3]) for s in range(3)]
    runs += [make_run("sync", s, {"eps": 0.1}, 60.0, targets=[0.1], dt=0.5, horizon=10**4, delays=[9]) for s in range(3)]
    fig = _drawn("delays_figure", runs)
    assert [a.get_title().split(" (")[0] for a in fig.axes if a.get_visible()] == ["async"]
    assert draw.delays_figure(runs[3:]) is None
    curves = _drawn("curves_figure", runs, {"eps": 0.1}, ["fgap", "no-such-statistic"])
    assert len(curves.axes) == 3  # one row: no row of empty panels for a statistic no run records
    assert all(a.lines or a.collections for a in curves.axes)
    write_report(tmp_path, {"title": "t", "runs": runs})
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "No delays (every applied gradient has delay 0, no panel): sync." in md


def test_spec_section_is_readable_toml():
    spec = {"check": {"name": "q", "title": "τ_i = √i", "seeds": 8, "time": None},
            "sweep": {"eps": [0.4, 0.2]}, "claims": [{"kind": "holds", "band": (0.5, 2.0)}, {"kind": "ordering"}]}
    md = to_markdown(build({"spec": spec})[0])
    text = md.split("## Spec\n\n```\n")[1].split("\n```")[0]
    assert "\\u" not in text and "τ_i = √i" in text and "[[claims]]" in text
    assert tomllib.loads(text) == {"check": {"name": "q", "title": "τ_i = √i", "seeds": 8}, "sweep": {"eps": [0.4, 0.2]},
                                   "claims": [{"kind": "holds", "band": [0.5, 2.0]}, {"kind": "ordering"}]}


def test_card_formulas_are_mathml_in_html_and_text_in_markdown():
    cards = {"c": {"title": "T", "parameters": {"gamma": {"formula": "1/(2*R*L)", "provenance": "verified"}},
                   "bounds": {"time": "tau_H*(Delta*L/eps + sigma2/eps**2)", "odd": "not a formula ("}}}
    blocks = card_blocks(cards)
    html = to_html(blocks, "t")
    assert html.count("<math") == 2 and "<mfrac>" in html and "&#949;" in html  # eps printed ε
    assert "<small>provenance: verified</small>" in html and "not a formula (" in html
    md = to_markdown(blocks)
    assert "| gamma | formula: 1/(2*R*L); provenance: verified |" in md and "<math" not in md

