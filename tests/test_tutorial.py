"""The tutorial (issue 20, item 7): ``reports/tutorial/ratecheck-tutorial.ipynb`` is executed again,
in a temporary copy with its folder as working directory, so it never rots. No cell may raise, and
what each section teaches must still come out: the ASGD and Ringmaster timelines, delays below
Ringmaster's threshold R (Maranjyan, Tyurin, Richtárik, ICML 2025, arXiv:2501.16168, Thm 2), the true
claims passing and the false ordering failing. The committed notebook's stored outputs of those cells
must be the ones its code gives now (a notebook edited but not re-executed fails)."""

import os
import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "reports" / "tutorial" / "ratecheck-tutorial.ipynb"


def tagged(nb, tag):
    """The code cell tagged ``tag`` (exactly one)."""
    cells = [c for c in nb.cells if c.cell_type == "code" and tag in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def text(cell) -> str:
    """The printed output of a cell (its streams)."""
    return "".join(o.text for o in cell.outputs if o.output_type == "stream")


def has_image(cell) -> bool:
    return any("image/png" in o.get("data", {}) for o in cell.outputs)


def test_the_tutorial_executes_and_teaches_what_it_says(tmp_path, monkeypatch):
    copy = tmp_path / NOTEBOOK.name
    shutil.copyfile(NOTEBOOK, copy)
    stored = nbformat.read(NOTEBOOK, as_version=4)
    nb = nbformat.read(copy, as_version=4)
    # the kernel imports this checkout's ratecheck (and shares the tests' compiled-kernel cache)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]

    assert has_image(tagged(nb, "asgd-timeline")) and has_image(tagged(nb, "ringmaster-delays"))
    assert "ASGD: largest delay 20," in text(tagged(nb, "asgd-delays"))  # the slowest worker, τ = 8
    ringmaster = text(tagged(nb, "ringmaster-delays"))  # with stops, and without: the arrival rule δ < R
    assert "Ringmaster (R=3): largest applied delay 2 (< R)" in ringmaster
    assert "without stops: largest applied delay 2 (< R)" in ringmaster
    true = text(tagged(nb, "true-verdicts"))
    assert "verdict of the true claim (holds): pass" in true and "verdict of the true claim (ordering): pass" in true
    assert "verdict of the false claim: fail\n" in text(tagged(nb, "false-verdict"))

    for tag in ("asgd-delays", "ringmaster-delays", "true-verdicts", "false-verdict"):
        assert text(tagged(stored, tag)) == text(tagged(nb, tag)), f"{tag}: stored outputs are stale, re-execute"
