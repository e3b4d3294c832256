"""The worker timeline (issue 20, item 5): the schedule driver's events as computations, against
the hand traces of tests/test_engine_schedule.py (n = 3, fixed τ = (1, 2, 3), ties to the lowest
worker), and its Gantt chart in the report."""

import math

import pandas as pd
import pytest

from ratecheck.algorithms import ALGORITHMS
from ratecheck.asynchrony import make_model
from ratecheck.report import write_report
from ratecheck.report.figures import timeline_figure
from ratecheck.timeline import COLUMNS, fragment_timeline, worker_timeline

TAU3 = make_model({"model": "fixed", "profile": "list", "tau": [1.0, 2.0, 3.0]})


def timeline(method, params, events=8):
    return worker_timeline(ALGORITHMS.get(method)({"gamma": 1.0, **params}), TAU3, None, 0, events)


def test_asgd_applies_every_computation_with_the_hand_traced_delays():
    df = timeline("asgd", {})
    applied = df[df.outcome == "applied"].sort_values(["applied_at", "worker"])
    # (time, worker, delay) of the first updates, as in test_asgd_hand_trace
    assert list(zip(applied.applied_at, applied.worker, applied.delay)) == [
        (1, 0, 0), (2, 0, 0), (2, 1, 2), (3, 0, 1), (3, 2, 4), (4, 0, 1), (4, 1, 3), (5, 0, 1)]
    assert (applied.end == applied.applied_at).all() and (applied.end - applied.start == [1, 1, 2, 1, 3, 1, 2, 1]).all()
    assert set(df.outcome) == {"applied", "running"} and list(df.columns) == list(COLUMNS)


def test_ringmaster_stops_and_discards_are_marked():
    stops = timeline("ringmaster-asgd", {"R": 3, "stops": 1})
    w2 = stops[stops.worker == 2]
    assert list(zip(w2.start, w2.end, w2.outcome)) == [(0, 2, "stopped"), (2, 4, "stopped"), (4, 6, "stopped")]
    discard = timeline("ringmaster-asgd", {"R": 2, "stops": 0})
    dropped = discard[discard.outcome == "discarded"]
    # worker 1 is discarded at t = 2 and 4, worker 2 at t = 3 (test_ringmaster_R2_discard_variant_hand_trace)
    assert sorted(zip(dropped.worker, dropped.end)) == [(1, 2), (1, 4), (2, 3)]
    assert (dropped.delay == -1).all() and dropped.applied_at.isna().all()


def test_a_batch_applies_its_gradients_at_the_update_and_waits_at_the_end():
    df = timeline("minibatch-sgd", {})
    first = df[df.k == 0].sort_values("worker")
    assert list(first.end) == [1, 2, 3] and list(first.applied_at) == [3, 3, 3] and list(first.delay) == [0, 0, 0]
    assert set(df[df.start == 6].outcome) == {"buffered", "running"}  # arrived after the last update of the window


def test_the_timeline_figure_is_drawn_and_a_report_shows_it(tmp_path):
    df = timeline("ringmaster-asgd", {"R": 2, "stops": 0})
    tl = {"label": "Ringmaster", "method": "ringmaster-asgd", "seed": 0, "point": {"eps": 0.1}, "events": 8,
          "computations": {c: df[c].tolist() for c in COLUMNS}}
    svg = timeline_figure(tl, formats=("svg",))["svg"]
    assert b"<svg" in svg[:400]
    assert timeline_figure({**tl, "computations": {c: [] for c in COLUMNS}}, formats=("svg",)) is None
    write_report(tmp_path, {"title": "t", "timeline": tl})
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Worker timeline" in md and "](figures/timeline.svg)" in md and "Ringmaster at eps=0.1, seed 0" in md
    write_report(tmp_path / "none", {"title": "t"})
    assert "No worker timeline" in (tmp_path / "none" / "report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("model,expected", [({"model": "fixed", "n": 4, "profile": "sqrt"}, True),
                                            ({"model": "constant", "tau": 2}, False)])
def test_a_fragment_gets_a_timeline_unless_its_model_has_no_clock(model, expected):
    frag = {"problem": {"family": "quadratic", "d": 3}, "asynchrony": model, "method": "asgd",
            "params": {"gamma": 0.1}, "seed": 1, "meta": {"algorithm": "ASGD", "point": {"eps": 0.5}}}
    tl = fragment_timeline(frag, events=6)
    assert (tl is not None) == expected
    if expected:
        assert tl["label"] == "ASGD" and tl["seed"] == 1 and sum(o != "running" for o in tl["computations"]["outcome"]) >= 6
        assert all(math.isfinite(s) for s in tl["computations"]["start"])


def test_a_report_timeline_draws_at_most_max_rows_workers_ended_ones_first():
    # 200 workers with τ_i = i: in 30 arrivals only the fast workers finish anything; the
    # chart keeps those (by index), then running ones, at most MAX_ROWS rows, and says so
    from ratecheck.timeline import MAX_ROWS, shown_workers

    frag = {"problem": {"family": "quadratic", "d": 2}, "asynchrony": {"model": "fixed", "n": 200, "profile": "linear"},
            "method": "asgd", "params": {"gamma": 0.1}, "seed": 0, "meta": {"algorithm": "ASGD", "point": {}}}
    tl = fragment_timeline(frag, events=30)
    workers = sorted(set(tl["computations"]["worker"]))
    assert tl["workers"] == 200 and tl["shown"] == len(workers) == MAX_ROWS
    ended = {w for w, o in zip(tl["computations"]["worker"], tl["computations"]["outcome"]) if o != "running"}
    assert ended and ended < set(workers) and max(ended) < min(set(workers) - ended)
    df = pd.DataFrame({"worker": [5, 5, 1, 9, 3], "outcome": ["running", "applied", "running", "stopped", "running"]})
    assert shown_workers(df, rows=3) == [5, 9, 1]
