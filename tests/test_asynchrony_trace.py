"""Trace replay: per-worker durations from a CSV, cycling, one replay per run, file errors."""

import numpy as np
import pytest

from ratecheck.asynchrony import make_model
from ratecheck.errors import SpecError

TRACE = "worker,duration,host\n0,1.5,a\n1,2.0,b\n0,0.5,a\n1,4.0,b\n0,3.0,a\n"


def trace(tmp_path, text=TRACE, **kw):
    path = tmp_path / "trace.csv"
    path.write_text(text)
    return make_model({"model": "trace", "file": str(path), **kw}), path


def test_replays_each_worker_in_file_order_and_cycles(tmp_path):
    m, _ = trace(tmp_path)
    assert m.n == 2
    np.testing.assert_array_equal(m.work(0, np.random.default_rng(0), np.zeros(7, np.int64)),
                                  [1.5, 0.5, 3.0, 1.5, 0.5, 3.0, 1.5])
    np.testing.assert_array_equal(m.tau_bounds(), [3.0, 4.0])
    np.testing.assert_allclose(m.mean_times(), [5 / 3, 3.0])
    assert "fixed-computation" in m.properties and m.statistics()["tau_max"] == 4.0


def test_chunked_calls_continue_and_each_run_restarts(tmp_path):
    m, _ = trace(tmp_path)
    g = np.random.default_rng(0)
    a = np.concatenate([m.work(0, g, np.zeros(2, np.int64)), m.work(0, g, np.zeros(3, np.int64))])
    np.testing.assert_array_equal(a, m.work(0, np.random.default_rng(0), np.zeros(5, np.int64)))
    # interleaved runs (different generators) each replay from the start
    g1, g2 = np.random.default_rng(1), np.random.default_rng(1)
    assert m.work(1, g1, np.zeros(1, np.int64)).tolist() == [2.0]
    assert m.work(1, g2, np.zeros(1, np.int64)).tolist() == [2.0]
    assert m.work(1, g1, np.zeros(1, np.int64)).tolist() == [4.0]


def test_engine_replays_the_trace(tmp_path):
    from ratecheck.testing import arrivals

    m, _ = trace(tmp_path)
    for _ in range(2):  # the same model instance, two runs
        times, workers = arrivals(m, 6, seed=0)
        np.testing.assert_allclose(times, [1.5, 2.0, 2.0, 5.0, 6.0, 6.5])
        assert workers.tolist() == [0, 0, 1, 0, 1, 0]


@pytest.mark.parametrize("text, line, what", [
    ("worker,time\n0,1\n", 1, "missing column 'duration'"),
    ("duration\n1\n", 1, "missing column 'worker'"),
    ("worker,duration\n0,1\n0,abc\n", 3, "must be a number"),
    ("worker,duration\n0,1\n0,-2\n", 3, "must be finite and > 0"),
    ("worker,duration\n0,1\n0,0\n", 3, "must be finite and > 0"),
    ("worker,duration\n0,1\nx,2\n", 3, "must be an integer"),
    ("worker,duration\n0,1\n-1,2\n", 3, "must be >= 0"),
    ("worker,duration\n0,1\n1\n0,2\n", 3, "no value in column 'duration'"),
    ("worker,host,duration\n0,a,1\n\n1,b,2\n0,c,\n", 5, "must be a number"),
    ("worker,duration\n0,1\n1,nan\n", 3, "must be finite and > 0"),
])
def test_file_errors_name_file_and_line(tmp_path, text, line, what):
    with pytest.raises(SpecError) as err:
        trace(tmp_path, text)
    assert err.value.field.endswith(f"trace.csv:{line}")
    assert what in str(err.value)


def test_file_level_errors(tmp_path):
    with pytest.raises(SpecError, match="worker 1 has no duration"):
        trace(tmp_path, "worker,duration\n0,1\n2,1\n")
    with pytest.raises(SpecError, match="no rows"):
        trace(tmp_path, "worker,duration\n")
    with pytest.raises(SpecError, match="cannot read"):
        make_model({"model": "trace", "file": str(tmp_path / "missing.csv")})
    with pytest.raises(SpecError) as err:
        trace(tmp_path, n=3)
    assert err.value.field == "asynchrony.n"


def test_a_spec_naming_a_bad_trace_reports_file_and_line(tmp_path):
    from ratecheck.spec import load_spec

    bad = tmp_path / "cluster.csv"
    bad.write_text("worker,duration\n0,1.5\n1,-0.5\n")
    spec = tmp_path / "spec.toml"
    spec.write_text(f"""
[check]
name = "trace"
[problem]
family = "quadratic"
[asynchrony]
model = "trace"
file = "{bad}"
[sweep]
eps = [0.1]
[[algorithms]]
label = "ASGD"
method = "asgd"
""")
    with pytest.raises(SpecError) as err:
        make_model(load_spec(spec).asynchrony)
    # the one line `ratecheck check` prints after "ratecheck: error: "
    assert str(err.value) == f"{bad}:3: column 'duration' must be finite and > 0, got '-0.5'"
