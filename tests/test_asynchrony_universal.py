"""The universal computation model: rate tables, outages, periods, the reference clock."""

import math

import numpy as np
import pytest

from ratecheck.asynchrony import make_model
from ratecheck.asynchrony.universal import finish_time, integral
from ratecheck.testing import arrivals
from ratecheck.errors import SpecError


def universal(**kw):
    return make_model({"model": "universal", **kw})


def completions(row_b, row_r, period, count):
    """Finish times of a worker that computes gradients back to back from t = 0."""
    t, out = 0.0, []
    for _ in range(count):
        t = finish_time(row_b, row_r, period, t, 1.0)
        out.append(t)
    return np.array(out)


def test_finish_time_hand_values():
    b, r = [0.0, 2.0, 5.0, 10.0], [1.0, 0.0, 1.0, 2.0]
    assert finish_time(b, r, 0, 1.5, 1.0) == 5.5  # 0.5 before the outage, 0.5 after it
    assert finish_time(b, r, 0, 0.0, 20.0) == 16.5  # 7 by t = 10, then 13 at rate 2
    assert finish_time(b, r, 0, 3.0, 0.0) == 3.0
    assert integral(b, r, 0, 0.0, 20.0) == 27.0
    assert finish_time([0.0, 1.0], [1.0, 0.0], 0, 0.5, 1.0) == math.inf  # power stops for good
    # periodic: rate 1 on [0, 5), 0 on [5, 10), period 10
    b, r = [0.0, 5.0], [1.0, 0.0]
    assert [finish_time(b, r, 10.0, t, w) for t, w in [(0, 5), (0, 5.5), (4.5, 1), (0, 10), (3, 17)]] == \
        [5.0, 10.5, 10.5, 15.0, 35.0]
    assert integral(b, r, 10.0, 3.0, 37.0) == 2 + 5 + 5 + 5  # [3, 5), [10, 15), [20, 25), [30, 35)


def test_finish_time_inverts_the_integral():
    rng = np.random.default_rng(0)
    b = np.concatenate([[0.0], np.sort(rng.uniform(0, 9, 6))])
    r = rng.choice([0.0, 0.3, 1.0, 2.5], size=7)
    r[0] = 0.7
    for period in (0.0, 10.0):
        for _ in range(200):
            t, w = rng.uniform(0, 30), rng.uniform(0, 12)
            T = finish_time(b, r, period, t, w)
            assert integral(b, r, period, t, T) == pytest.approx(w, abs=1e-9)
            assert integral(b, r, period, t, T - 1e-6) < w  # the first such T


def test_outage_blocks_completions_inside_the_window():
    m = universal(n=2, rate=[2.0, 1.0], outages=[{"worker": 0, "start": 3.0, "end": 7.5}])
    b, r, p = m.rate_table()
    t = completions(b[0], r[0], p[0], 12)
    assert not np.any((t > 3.0) & (t < 7.5))
    np.testing.assert_allclose(t[:8], [0.5, 1, 1.5, 2, 2.5, 3, 8, 8.5])
    # worker 1 is untouched
    np.testing.assert_allclose(completions(b[1], r[1], p[1], 4), [1, 2, 3, 4])


def test_periodic_outage_and_long_run_mean():
    m = universal(rate=[1.0, 0.5], period=10.0, outages=[{"worker": 0, "start": 5.0, "end": 10.0}])
    b, r, p = m.rate_table()
    t = completions(b[0], r[0], p[0], 10)
    np.testing.assert_allclose(t, [1, 2, 3, 4, 5, 11, 12, 13, 14, 15])
    np.testing.assert_allclose(m.mean_times(), [2.0, 2.0])
    assert "fixed-computation" not in m.properties


def test_constant_rates_reproduce_the_fixed_model():
    m = universal(n=4, profile="linear", scale=0.5)
    f = make_model({"model": "fixed", "n": 4, "profile": "linear", "scale": 0.5})
    np.testing.assert_allclose(m.tau_bounds(), f.tau)
    assert "fixed-computation" in m.properties and "universal-computation" in m.properties
    assert m.statistics()["H"] == pytest.approx(f.statistics()["H"])
    b, r, p = m.rate_table()
    np.testing.assert_allclose(completions(b[2], r[2], p[2], 3), [1.5, 3.0, 4.5])


def test_pieces_padding_and_later_pieces_win():
    m = universal(n=3, rate=1.0, pieces=[{"worker": "all", "start": 4.0, "rate": 3.0},
                                       {"worker": [1], "start": 2.0, "end": 6.0, "rate": 0.5}])
    b, r, p = m.rate_table()
    assert b.shape == r.shape == (3, 3)
    assert np.all(np.diff(b, axis=1) > 0) and np.all(b[:, 0] == 0)
    for w, expected in [(0, 1 * 4 + 3 * 6), (1, 2 + 0.5 * 4 + 3 * 4), (2, 1 * 4 + 3 * 6)]:
        assert integral(b[w], r[w], p[w], 0.0, 10.0) == pytest.approx(expected)
    np.testing.assert_array_equal(m.work(0, None, np.zeros(4, np.int64)), np.ones(4))
    assert m.tau_bounds().tolist() == [1.0, 2.0, 1.0]  # 1 / min power


def test_explicit_table():
    m = universal(breaks=[[0, 1], [0]], rates=[[1, 2], [0.25]], period=[3, 0])
    b, r, p = m.rate_table()
    assert integral(b[0], r[0], p[0], 0.0, 6.0) == pytest.approx(2 * (1 + 2 * 2))
    assert m.mean_times().tolist() == [0.6, 4.0]


def test_engine_clock_matches_the_reference():
    m = universal(rate=[1.0, 0.7, 2.0], period=[10.0, 0.0, 4.0],
                  outages=[{"worker": 0, "start": 2.0, "end": 6.0}, {"worker": 1, "start": 3.0, "end": 20.0},
                           {"worker": 2, "start": 1.0, "end": 2.5}])
    times, workers = arrivals(m, 60, seed=0)
    b, r, p = m.rate_table()
    for w in range(3):
        mine = times[workers == w]
        np.testing.assert_allclose(mine, completions(b[w], r[w], p[w], mine.size), rtol=1e-12)


def test_engine_produces_no_arrivals_inside_outages():
    m = universal(rate=[2.0, 1.0, 0.5, 1.5], period=[0.0, 0.0, 0.0, 4.0],
                  outages=[{"worker": 0, "start": 3.0, "end": 7.5}, {"worker": 2, "start": 1.0, "end": 20.0},
                           {"worker": 3, "start": 1.0, "end": 3.0}])
    times, workers = arrivals(m, 150, seed=0)
    assert times[-1] > 25
    t0, t1, t2, t3 = (times[workers == w] for w in range(4))
    assert not np.any((t0 > 3.0) & (t0 < 7.5))
    assert 3.0 in t0 and 8.0 in t0  # the gradient finished at the outage's start counts; the next one needs 0.5 s after it
    assert t2[0] == 21.0  # half a gradient done by t = 1, the other half after the outage
    assert np.sum((t1 > 3.0) & (t1 < 7.5)) == 4  # other workers carry on
    # periodic outage [1, 3) + 4j: never an arrival inside one
    phase = np.mod(t3, 4.0)
    assert not np.any((phase > 1.0) & (phase < 3.0))


def test_engine_completes_floor_of_the_integrated_power():
    # Tyurin (2025): in [0, T] worker i finishes ⌊∫_0^T v_i⌋ gradients when it computes back to back
    m = universal(rate=[1.3, 0.7, 2.0], period=[10.0, 0.0, 3.0],
                  pieces=[{"worker": 0, "start": 2.0, "end": 6.0, "rate": 0.4}, {"worker": 1, "start": 5.0, "rate": 2.5},
                          {"worker": 2, "start": 0.5, "end": 2.0, "rate": 0.0}])
    times, workers = arrivals(m, 400, seed=0)
    b, r, p = m.rate_table()
    assert times[-1] > 62.3
    for T in (0.45, 5.3, 8.6, 12.1, 33.3, 62.3):
        for w in range(3):
            work = integral(b[w], r[w], p[w], 0.0, T)
            assert abs(work - round(work)) > 1e-6  # T is not a finish time (no rounding ambiguity)
            assert np.sum(times[workers == w] <= T) == math.floor(work)


@pytest.mark.parametrize("spec, field", [
    ({"rate": 1.0}, "asynchrony.n"),
    ({"rate": []}, "asynchrony.rate"),
    ({"breaks": [], "rates": []}, "asynchrony.breaks"),
    ({"rate": [1.0, -1.0]}, "asynchrony.rate[1]"),
    ({"rate": [1.0], "outages": [{"worker": 1, "start": 0, "end": 1}]}, "asynchrony.outages[0].worker"),
    ({"rate": [1.0], "outages": [{"worker": 0, "start": 2, "end": 1}]}, "asynchrony.outages[0].end"),
    ({"rate": [1.0], "outages": [{"worker": 0, "start": 2}]}, "asynchrony.rates"),
    ({"rate": [1.0], "outages": [{"worker": 0, "start": 2, "end": 3, "level": 1}]}, "asynchrony.outages[0].level"),
    ({"rate": [1.0], "period": 5, "outages": [{"worker": 0, "start": 2, "end": 6}]}, "asynchrony.outages[0]"),
    ({"rate": [1.0], "period": 5, "outages": [{"worker": 0, "start": 0, "end": 5}]}, "asynchrony.rates"),
    ({"breaks": [[0, 2, 1]], "rates": [[1, 1, 1]]}, "asynchrony.breaks[0][2]"),
    ({"breaks": [[1]], "rates": [[1]]}, "asynchrony.breaks[0][0]"),
    ({"breaks": [[0]], "rates": [[1]], "rate": 1.0}, "asynchrony.rate"),
    ({"breaks": [[0, 6]], "rates": [[1, 1]], "period": 5}, "asynchrony.breaks"),
    ({"rate": [1.0], "period": [1, 2]}, "asynchrony.period"),
])
def test_bad_input_names_the_field(spec, field):
    with pytest.raises(SpecError) as err:
        universal(**spec)
    assert err.value.field == field
