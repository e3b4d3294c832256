"""Best-of selection: hand-built runs with known hit times and final values."""

import json
import math

import numpy as np
import pytest

from ratecheck.engine.trace import RunResult
from ratecheck.errors import SpecError
from ratecheck.sweep.best import select_best

NAN = math.nan


def run(gamma, seed, time, *, n=4, iteration=None, final=1.0, status="ok", method="m"):
    """A run of `method` whose grad_sq first hits 1e-2 at (iteration, time); NaN = censored."""
    it = 10 * time if iteration is None else iteration
    return RunResult(
        meta={"method": method, "params": {"gamma": gamma, "R": 2}, "seed": seed, "point": {"n": n}},
        status=status,
        checkpoints={"grad_sq": np.array([5.0, final])},
        targets=np.array([1e-1, 1e-2]),
        hits={"grad_sq": np.array([[1, 0.5, 1], [it, time, it]], dtype=float)},
    )


def grid():
    return [
        # group n=4: medians 11, 6, inf (+ one error run, excluded)
        run(0.1, 0, 10), run(0.1, 1, 12), run(0.1, 2, 11), run(0.1, 3, 1, status="error"),
        run(0.2, 0, 6), run(0.2, 1, NAN), run(0.2, 2, 5),
        run(0.4, 0, 4), run(0.4, 1, NAN), run(0.4, 2, NAN, status="diverged"),
        # group n=8: medians 3 and (2 + 9) / 2 = 5.5
        run(0.1, 0, 3, n=8), run(0.1, 1, 3, n=8), run(0.2, 0, 2, n=8), run(0.2, 1, 9, n=8),
        # another method: ignored
        run(0.4, 0, 0.1, method="other"),
    ]


def test_time_to_eps_median_over_seeds_with_censoring():
    sel = select_best(grid(), method="m", param="gamma", statistic="grad_sq", target=1e-2)
    by_n = {c.group["point"]["n"]: c for c in sel.choices}
    assert by_n[4].value == 0.2 and by_n[4].score == 6.0 and not by_n[4].at_edge
    assert by_n[8].value == 0.1 and by_n[8].score == 3.0 and by_n[8].at_edge
    assert by_n[4].group == {"params": {"R": 2}, "point": {"n": 4}}
    t = sel.table
    g4 = t[t.group == json.dumps(by_n[4].group, sort_keys=True)]
    assert list(g4.gamma) == [0.1, 0.2, 0.4]
    assert list(g4["median"]) == [11.0, 6.0, math.inf]
    assert list(g4.runs) == [3, 3, 3] and list(g4.censored) == [0, 1, 2] and list(g4.errors) == [1, 0, 0]
    assert list(g4.best) == [False, True, False]
    assert list(t[t.group != g4.group.iloc[0]]["median"]) == [3.0, 5.5]
    assert len(t) == 5 and set(t.method) == {"m"}


def test_iterations_final_ties_and_no_choice():
    runs = [run(0.1, 0, 5, iteration=40), run(0.2, 0, 4, iteration=50)]
    by_iter = select_best(runs, method="m", param="gamma", criterion="iterations_to_eps",
                          statistic="grad_sq", target=1e-2)
    by_time = select_best(runs, method="m", param="gamma", statistic="grad_sq", target=1e-2)
    assert (by_iter.choices[0].value, by_iter.choices[0].score) == (0.1, 40.0)
    assert (by_time.choices[0].value, by_time.choices[0].score) == (0.2, 4.0)

    final = [run(0.1, 0, 1, final=0.3), run(0.2, 0, 1, final=0.3), run(0.4, 0, 1, final=1e-9, status="diverged")]
    sel = select_best(final, method="m", param="gamma", criterion="final", statistic="grad_sq")
    assert sel.choices[0].value == 0.1  # tie 0.3 = 0.3: first grid value; diverged = +inf
    assert list(sel.table["median"]) == [0.3, 0.3, math.inf]

    none = select_best([run(0.1, 0, NAN), run(0.2, 0, NAN)], method="m", param="gamma",
                       statistic="grad_sq", target=1e-2)
    assert none.choices[0].value is None and none.choices[0].score == math.inf
    assert not none.table.best.any()


@pytest.mark.parametrize("kwargs, field", [
    ({"criterion": "fastest"}, "criterion"),
    ({"statistic": "loss"}, "statistic"),
    ({"target": None}, "target"),
    ({"target": 0.5}, "target"),  # not a tracked target
    ({"method": "absent"}, "method"),
    ({"param": "beta"}, "params.beta"),
])
def test_bad_requests_name_the_field(kwargs, field):
    args = {"method": "m", "param": "gamma", "statistic": "grad_sq", "target": 1e-2, **kwargs}
    with pytest.raises(SpecError) as info:
        select_best(grid(), **args)
    assert info.value.field == field
