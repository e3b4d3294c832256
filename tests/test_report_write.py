"""write_report: files, self-containment, determinism, and that it only reads results."""

import ast
import base64
import io
import json
import math
import re
from xml.etree import ElementTree
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from ratecheck.engine.trace import RunResult
from ratecheck.report import verdicts_json, write_report
from ratecheck.report.bands import seed_band
from ratecheck.report.sections import card_blocks, fmt
from ratecheck.report.document import to_markdown
from ratecheck.verdict import evaluate_claims, point_key
from test_verdict_synthetic import make_run, prediction

EPS = [0.1, 0.03, 0.01]


def small_context(claims_kinds=("holds", "scaling", "ratio-bounded", "ordering", "optimal-parameter"), eps=EPS):
    """A small check: two algorithms × 3 ε × 6 seeds, one diverged run, every claim kind."""
    rng = np.random.default_rng(7)
    z = rng.standard_normal(6)
    runs, preds = [], {}
    for e in eps:
        pt = {"eps": e}
        for s in range(6):
            runs.append(make_run("ringmaster", s, pt, 4 / e * math.exp(0.2 * z[s]), targets=eps, dt=0.5, horizon=10**6,
                                 theorem="rm-thm", params={"gamma": 0.1}, delays=[0, 40, 30, 10, 3]))
            runs.append(make_run("asgd", s, pt, 6 / e * math.exp(0.2 * z[s]), targets=eps, dt=0.5, horizon=10**6,
                                 theorem="asgd-thm", params={"gamma": 0.2}, delays=[0, 10, 20, 20, 10, 5, 2]))
        preds[("ringmaster", point_key(pt))] = prediction("rm-thm", 12 / e**2, time=6 / e**2, parameters={"gamma": 0.12})
        preds[("asgd", point_key(pt))] = prediction("asgd-thm", 40 / e**2, hidden=True)
    runs[1] = make_run("asgd", 0, {"eps": 0.1}, 1.0, status="diverged", targets=eps, theorem="asgd-thm", params={"gamma": 0.2})
    all_claims = {
        "holds": {"kind": "holds", "algorithm": "ringmaster", "theorem": "rm-thm", "bound": "iterations"},
        "scaling": {"kind": "scaling", "algorithm": "ringmaster", "theorem": "rm-thm", "bound": "iterations", "tolerance": 0.25},
        "ratio-bounded": {"kind": "ratio-bounded", "algorithm": "asgd", "theorem": "asgd-thm", "bound": "iterations", "c_lo": 0.01, "c_hi": 1.0},
        "ordering": {"kind": "ordering", "faster": "ringmaster", "slower": "asgd", "statistic": "avg_grad_sq"},
        "optimal-parameter": {"kind": "optimal-parameter", "algorithm_grid": ["ringmaster", "asgd"], "parameter": "gamma", "factor": 2.0,
                              "reference": "ringmaster", "statistic": "avg_grad_sq"},
    }
    claims = [all_claims[k] for k in claims_kinds]
    return {
        "title": "Synthetic check | with a pipe",
        "spec": {"problem": {"family": "quadratic", "d": 4}, "claims": claims},
        "problem": {"family": "quadratic", "parameters": {"d": 4}, "d": 4, "n_parts": 1, "properties": ["smooth"],
                    "constants": {"L": {"value": 2.0, "provenance": "exact", "note": "λ_max"},
                                  "sigma2": {"value": 0.5, "provenance": "estimate", "ci": [0.4, 0.6], "note": "Monte Carlo"}}},
        "model": {"model": "fixed", "n": 4, "parameters": {"tau": [1, 2, 3, 4]}, "properties": ["fixed-computation"]},
        "cards": {"rm-thm": {"title": "Ringmaster Theorem", "citation": "Maranjyan et al. 2025", "provenance": "reconstructed [R]",
                             "assumptions": ["smooth"], "parameters": {"gamma": "1/(2*R*L)"}, "bounds": {"iterations": "8*R*L*Delta/eps"},
                             "steps": [{"claim": "a", "check": "sympy"}]},
                  "asgd-thm": "an O(·) card given as a plain string"},
        "runs": runs, "predictions": preds, "verdicts": evaluate_claims(claims, runs, preds),
        "summary": {"computed": len(runs), "reused": 0, "failed": 1},
    }


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    ctx = small_context()
    out = tmp_path_factory.mktemp("report")
    write_report(out, ctx)
    return ctx, out


def _svg_is_drawn(data: bytes) -> bool:
    """A whole SVG document with axes, lines and text drawn (matplotlib draws text as paths)."""
    root = ElementTree.fromstring(data)
    return root.tag.endswith("svg") and len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 30


def _png_is_drawn(data: bytes) -> bool:
    img = mpimg.imread(io.BytesIO(data), format="png")
    rgb = img[..., :3]
    return img.shape[0] > 200 and img.shape[1] > 300 and float((rgb < 0.95).mean()) > 0.01 and float(rgb.std()) > 0.02


def test_report_files_and_verdict_table_first(report):
    ctx, out = report
    md = (out / "report.md").read_text(encoding="utf-8")
    for name in ("report.md", "report.html", "verdicts.json"):
        assert (out / name).stat().st_size > 0
    table = md.index("## Verdicts")
    assert table < md.index("## Claims in detail") < md.index("## Convergence curves") < md.index("## Theorem cards")
    # one row per claim, in order, with its status; the pipe in the title does not break Markdown tables
    rows = [l for l in md[table:md.index("## Claims in detail")].splitlines() if re.match(r"\| \d+ \|", l)]
    assert len(rows) == 5
    assert [r.split(" | ")[2] for r in rows] == [v["status"] for v in ctx["verdicts"] if v["kind"] != "tightness"]
    assert "reconstructed [R]" in md  # the card's provenance tag is kept
    assert "| sigma2 | 0.5 | estimate | [0.4, 0.6] | Monte Carlo |" in md
    assert "| asgd | gamma: 0.2 | eps=0.1 | 0 | diverged | synthetic diverged |" in md  # the failed run is listed, with its parameters


def test_every_figure_exists_is_drawn_and_is_embedded(report):
    _, out = report
    md = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    refs = re.findall(r"\]\((figures/[^)]+\.svg)\)", md)
    kinds = {"claim-00-holds", "claim-01-scaling", "claim-02-ratio-bounded", "claim-03-ordering", "claim-04-optimal-parameter", "delays"}
    assert kinds <= {Path(r).stem for r in refs}
    assert sorted(p.name for p in (out / "figures").glob("*.svg")) == sorted(Path(r).name for r in refs)
    srcs = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(srcs) == len(refs)
    for ref, src in zip(refs, srcs):
        data = (out / ref).read_bytes()
        assert base64.b64decode(src) == data
        assert _svg_is_drawn(data), ref
    assert not re.search(r'(src|href)="(?!data:)', html)  # self-contained: no external resource


def test_identical_inputs_and_stored_results_give_a_bit_identical_report(tmp_path):
    """Determinism (no time stamps, sorted keys) and regeneration from a results store."""
    ctx = small_context(("holds", "ordering"), eps=[0.1])
    write_report(tmp_path / "a", ctx)
    again = small_context(("holds", "ordering"), eps=[0.1])  # everything recomputed from scratch ...
    stored = json.loads(json.dumps([r.to_dict() for r in again["runs"]]))
    again["runs"] = [RunResult.from_dict(d) for d in stored]  # ... and the runs reloaded from their stored form
    write_report(tmp_path / "b", again)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(files) >= 6
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    data = json.loads((tmp_path / "a" / "verdicts.json").read_bytes(), parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    assert [d["kind"] for d in data][:2] == ["holds", "ordering"]
    for d in data:
        assert {"claim", "theorem", "kind", "status", "observed", "predicted", "ratio", "ci", "reason", "points"} <= set(d)


def test_json_safe_values():
    text = verdicts_json([{"b": math.inf, "a": math.nan, "c": np.float64(1.5), "d": (np.int64(2), -math.inf), "e": np.array([1.0])}])
    assert json.loads(text) == [{"a": None, "b": "inf", "c": 1.5, "d": [2, "-inf"], "e": [1.0]}]
    assert text.index('"a"') < text.index('"b"')


def _ratecheck_imports(path: Path, package: str) -> list[str]:
    """Absolute names of the ratecheck modules a source file imports."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                out.append(".".join(base + ([node.module] if node.module else [])))
            else:
                out.append(node.module)
    return [m for m in out if m == "ratecheck" or m.startswith("ratecheck.")]


def test_reports_and_verdicts_import_no_simulator():
    """write_report only consumes stored RunResults: nothing under report/ or verdict/ imports
    the simulator, the sweep, algorithms or asynchrony models."""
    root = Path(__file__).parents[1] / "ratecheck"
    ok = ("ratecheck.report", "ratecheck.verdict")
    allowed = {"ratecheck", "ratecheck.engine.trace", "ratecheck.errors", "ratecheck.strict",
               "ratecheck._cache"}  # strict: pydantic field types; _cache: the figure cache's folder
    seen = set()
    for pkg in ("report", "verdict"):
        for f in (root / pkg).glob("*.py"):
            text = f.read_text(encoding="utf-8")
            assert not [w for w in ("import_module", "__import__", "find_spec", "spec_from") if w in text], f.name  # no import the scan misses
            for m in _ratecheck_imports(f, f"ratecheck.{pkg}"):
                seen.add(m)
                assert m in allowed or m.startswith(ok), f"{pkg}/{f.name} imports {m}"
    assert "ratecheck.engine.trace" in seen and "ratecheck.verdict.complexity" in seen  # the scan sees imports


def test_empty_context_still_writes_a_report(tmp_path):
    write_report(tmp_path, {})
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "The spec states no claim." in md and json.loads((tmp_path / "verdicts.json").read_text()) == []


def test_cards_are_rendered_defensively():
    md = to_markdown(card_blocks({"c1": {"title": "T", "bounds": {"time": "tau*K"}, "assumptions": {"smooth": "L-smooth"}, "extra": [1, 2.5]},
                                  "c2": None}))
    assert "### c1: T" in md and "| time | tau*K |" in md and "- smooth: L-smooth" in md and "extra: 1, 2.5" in md and "### c2" in md


def test_fmt_marks_censoring_and_missing_values():
    assert (fmt(math.inf), fmt(math.nan), fmt(None), fmt([1.23456, math.inf]), fmt(3)) == ("∞", "—", "—", "[1.235, ∞]", "3")


def test_seed_band_is_the_median_and_quartiles_of_step_curves():
    x = np.array([1.0, 10.0, 100.0])
    curves = [(x, np.array([8.0, 4.0, 2.0]) * k) for k in (1.0, 2.0, 3.0, 4.0)]
    grid, q1, med, q3 = seed_band(curves, n_grid=5)
    assert grid[0] == 1.0 and grid[-1] == 100.0
    assert med[0] == pytest.approx(8.0 * 2.5) and q1[0] == pytest.approx(8.0 * 1.75) and q3[0] == pytest.approx(8.0 * 3.25)
    assert med[2] == pytest.approx(4.0 * 2.5)  # grid[2] = 10: the step value of the second checkpoint
    assert seed_band([(x, -x)]) is None


def test_flags_section_lists_violations_and_estimated_bounds(tmp_path):
    ctx = small_context(("holds",), eps=[0.1])
    pk = point_key({"eps": 0.1})
    ctx["predictions"][("asgd", pk)]["violations"] = ["gamma = 0.2 > 1/(2*L*R) = 0.1"]
    ctx["predictions"][("ringmaster", pk)].update(
        estimates={"sigma2": {"value": 0.5, "ci": [0.4, 0.6]}}, estimated={"iterations": ["sigma2"]},
        bound_ranges={"iterations": [1000.0, 1400.0]})
    ctx["verdicts"] = evaluate_claims(ctx["spec"]["claims"], ctx["runs"], ctx["predictions"])
    write_report(tmp_path, ctx)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert md.index("## Verdicts") < md.index("## Flags") < md.index("## Claims in detail")
    assert "| asgd | eps=0.1 | asgd-thm | asgd ran with gamma = 0.2 > 1/(2*L*R) = 0.1, violating a condition of card asgd-thm |" in md
    assert "| ringmaster | eps=0.1 | rm-thm iterations | 1200 | [1000, 1400] | sigma2 = 0.5 CI [0.4, 0.6] |" in md
    assert "1200 (over the estimate's CI: [1000, 1400])" in md  # the holds point table
    assert "estimated constant, sigma2 = 0.5 (CI [0.4, 0.6])" in md  # the verdict's reason


def test_the_report_shows_the_models_tau_statistics():
    """τ = (1, 2, 4): τ_avg = 7/3 and H_3 = 3/(1 + 1/2 + 1/4) = 12/7; rows for m = 1, n/4, n/2, n."""
    from ratecheck.asynchrony import make_model
    from ratecheck.report.document import Table
    from ratecheck.report.sections import problem_blocks

    blocks = problem_blocks({}, make_model({"model": "fixed", "tau": [4, 1, 2]}).describe())
    (table,) = [b for b in blocks if isinstance(b, Table) and b.headers[0].startswith("statistic")]
    rows = dict(table.rows)
    assert rows["τ_max"] == "4" and float(rows["τ_avg = (1/n) Σ τ_i"]) == pytest.approx(7 / 3, rel=1e-3)
    assert float(rows["H_3 (harmonic mean of the 3 fastest)"]) == pytest.approx(12 / 7, rel=1e-3)
    assert "H_2 (harmonic mean of the 2 fastest)" not in rows  # n = 3: m ∈ {1, 1, 1, 3}


def test_the_specs_description_opens_the_report(tmp_path):
    write_report(tmp_path, {"title": "T", "spec": {"check": {"description": "Why this check exists."}}})
    lines = [ln for ln in (tmp_path / "report.md").read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert lines[0] == "# T" and lines[1] == "Why this check exists."
