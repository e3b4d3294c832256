"""Report writing survives any stored result: diverged, errored, censored, non-finite.

A Hypothesis property test draws small checks whose stored runs hold arbitrary
statuses and checkpoint values (NaN, ±inf, 0, negatives, 1e300, …), passes them through
the results store, judges them and writes the report: it must always be written, whole.
"""

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ratecheck.engine.trace import CHECKPOINT_FIELDS, STATISTICS, RunResult
from ratecheck.report import write_report
from ratecheck.report.style import sci
from ratecheck.sweep.store import roundtrip
from ratecheck.verdict import evaluate_claims, point_key
from test_verdict_synthetic import prediction

#: Values a stored checkpoint or hit may hold.
NASTY = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -1.0, 1e-300, 1e300, 7.7e294, 1.7e308]),
    st.floats(min_value=1e-12, max_value=1e12),
)


@st.composite
def stored_run(draw, label: str, seed: int, point: dict) -> RunResult:
    status = draw(st.sampled_from(["ok", "diverged", "error"]))
    meta = {"algorithm": label, "method": "asgd", "params": {"gamma": 0.1}, "seed": seed, "point": point,
            "theorem": "thm", "statistic": "avg_grad_sq"}
    if status == "error":
        return roundtrip(RunResult(meta=meta, status="error", reason="MemoryError: drawn"))
    n = draw(st.integers(1, 6))
    k = np.cumsum(draw(st.lists(st.integers(1, 10**6), min_size=n, max_size=n))).astype(float)
    cps = {f: k.copy() for f in CHECKPOINT_FIELDS[:6]}
    for s in STATISTICS:
        cps[s] = np.array(draw(st.lists(NASTY, min_size=n, max_size=n)))
    targets = np.array(sorted({0.5, point["eps"]}))
    hits = {s: np.array(draw(st.lists(st.lists(NASTY, min_size=4, max_size=4), min_size=targets.size,
                                       max_size=targets.size))) for s in STATISTICS}
    delays = np.array(draw(st.lists(st.integers(0, 50), min_size=1, max_size=8)), dtype=np.int64)
    final = {"iteration": float(k[-1]), "time": draw(NASTY), "computed": float(k[-1]), "applied": float(k[-1]),
             "discarded": 0.0, "events": float(k[-1]), "worker_time": draw(NASTY), "concurrency": draw(NASTY)}
    return roundtrip(RunResult(meta=meta, status=status, reason="" if status == "ok" else f"drawn {status}",
                               checkpoints=cps, targets=targets, hits=hits, delay_counts=delays, final=final))


@st.composite
def stored_check(draw) -> tuple[list, dict]:
    eps = draw(st.lists(st.sampled_from([0.3, 0.1, 0.01]), min_size=1, max_size=2, unique=True))
    runs, preds = [], {}
    for label in ("A", "B"):
        for e in eps:
            point = {"eps": e}
            runs += [draw(stored_run(label, s, point)) for s in range(draw(st.integers(1, 3)))]
            preds[(label, point_key(point))] = prediction("thm", draw(NASTY), time=draw(NASTY))
    return runs, preds


CLAIMS = [
    {"kind": "holds", "algorithm": "A", "theorem": "thm", "bound": "iterations", "min_seeds": 2},
    {"kind": "scaling", "algorithm": "A", "theorem": "thm", "bound": "iterations", "tolerance": 0.3},
    {"kind": "ratio-bounded", "algorithm": "B", "theorem": "thm", "bound": "time", "c_lo": 0.0, "c_hi": 2.0},
    {"kind": "ordering", "faster": "A", "slower": "B", "min_seeds": 2},
    {"kind": "optimal-parameter", "algorithm_grid": ["A", "B"], "parameter": "gamma", "factor": 2.0},
]


def test_decade_labels_no_tick_beyond_the_largest_float():
    # the diverging quadratic of issue 18 put a log tick at 1e309 = inf: OverflowError
    assert sci(math.inf) == "" and sci(0.0) == "" and sci(1e300) == "10³⁰⁰"
    assert (sci(0.4), sci(1e4), sci(2.5e-3), sci(1.0)) == ("4×10⁻¹", "10⁴", "2.5×10⁻³", "10⁰")  # one format: m×10ⁿ


def test_a_diverging_runs_curves_are_drawn_up_to_where_they_leave_the_plot():
    """A run like those of issue 18 (quadratic, γ = 100): ‖∇f‖² reaches 1.7e308, then NaN. The
    curves are drawn from the values a log axis can show, not dropped."""
    from ratecheck.report.figures import curves_figure

    k = np.array([0.0, 1, 2, 307, 323, 337])
    values = np.array([1.0, 5.0, 80.0, 7.7e294, 1.7e308, np.nan])
    cps = {f: k.copy() for f in CHECKPOINT_FIELDS[:6]} | {s: values.copy() for s in STATISTICS}
    runs = [roundtrip(RunResult(meta={"algorithm": "asgd", "seed": s, "point": {"eps": 0.1}, "statistic": "grad_sq"},
                                status="diverged", reason="iterate became non-finite at iteration 337", checkpoints=cps))
            for s in range(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "figure not drawn"
        assert curves_figure(runs, {"eps": 0.1}, ["fgap", "grad_sq"]) is not None


@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(check=stored_check())
def test_any_stored_results_give_a_whole_report(tmp_path_factory, check):
    runs, preds = check
    out = tmp_path_factory.mktemp("robust")
    verdicts = evaluate_claims(CLAIMS, runs, preds)
    write_report(out, {"title": "robust", "runs": runs, "predictions": preds, "verdicts": verdicts})
    assert {p.name for p in out.iterdir()} >= {"report.md", "report.html", "verdicts.json", "figures"}
    assert len(json.loads((out / "verdicts.json").read_text())) >= len(CLAIMS)
    assert "## Runs that diverged or failed" in (out / "report.md").read_text()


@pytest.mark.slow
@settings(max_examples=150, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(check=stored_check())
def test_any_stored_results_give_a_whole_report_many(tmp_path_factory, check):
    test_any_stored_results_give_a_whole_report.hypothesis.inner_test(tmp_path_factory, check)
