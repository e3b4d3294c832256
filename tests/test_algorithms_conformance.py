"""Every registered algorithm passes the conformance suite; broken kernels do not."""

import numpy as np
import pytest
from numba import njit

from ratecheck.algorithms import ALGORITHMS
from ratecheck.algorithms.asgd import ASGD
from ratecheck.algorithms.base import COMPUTED, DONE, INIT, ITER, NEED_WORK, OPS_FULL
from ratecheck.engine.clock import current_sample, peek_time, pop, start
from ratecheck.engine.ops import emit_assign, emit_bcast, emit_grad, emit_step
from ratecheck.testing import check_algorithm

PARAMS = {
    "ringmaster-asgd": {"R": 3},
    "rennala-sgd": {"S": 3},
    "malenia-sgd": {"S": 6},
    "delay-filtered-sgd": {"threshold": 2},
    "naive-optimal-asgd": {"m": 3},
    "gta": {"B": 3},
    "uta": {"B": 4},
    "fta": {"B": 4},
    "ata": {"B": 4, "alpha": 0.0},
    "ata-empirical": {"B": 4, "eta": 0.0},
    "polyak-momentum-asgd": {"beta": 0.5},
    "ormo-asgd": {"beta": 0.5},
    "ormo-da-asgd": {"beta": 0.5},
    "ordered-momentum-asgd": {"beta": 0.5},
}
#: selects workers by label, so relabelling changes the run by design
LABEL_DEPENDENT = {"naive-optimal-asgd"}


@pytest.mark.parametrize("name", ALGORITHMS.names())
def test_registered_algorithm_conforms(name):
    check_algorithm(ALGORITHMS.get(name), PARAMS.get(name, {}), permutation_invariant=name not in LABEL_DEPENDENT)


def test_label_dependent_method_fails_the_permutation_check():
    with pytest.raises(AssertionError, match="permutation"):
        check_algorithm(ALGORITHMS.get("naive-optimal-asgd"), {"m": 3})


@njit(cache=True)
def _broken_kernel(c, ops, prog, st, prm, lim, cap):
    """ASGD that reports delay 0 (prm[0] = 0) or applies each gradient twice (prm[0] = 1)."""
    disp = st[0]
    n = disp.shape[0]
    if prog[INIT] == 0:
        emit_bcast(ops)
        for w in range(n):
            start(c, w, 0.0)
        prog[INIT] = 1
    while True:
        if prog[ITER] >= lim[0] or peek_time(c) > lim[1]:
            return DONE
        if ops.size[0] + 4 > cap:
            return OPS_FULL
        if c.low[0]:
            return NEED_WORK
        t, w = pop(c)
        prog[COMPUTED] += 1
        delay = prog[ITER] - disp[w] if prm[0] == 1 else 0
        emit_grad(ops, w, c.k[w], current_sample(c, w), 1.0, delay)
        if prm[0] == 1:
            emit_grad(ops, w, c.k[w], current_sample(c, w), 1.0, delay)
        prog[ITER] += 1
        emit_step(ops, 1.0, t, prog[COMPUTED])
        emit_assign(ops, w)
        disp[w] = prog[ITER]
        start(c, w, t)


class _Broken(ASGD):
    kernel = staticmethod(_broken_kernel)

    def kernel_params(self):
        return np.array([self.mode])

    def ops_per_event(self, n):
        return 4


class _WrongDelay(_Broken):
    mode = 0.0


class _Twice(_Broken):
    mode = 1.0


def test_wrong_delay_is_caught():
    with pytest.raises(AssertionError, match="reports delay 0"):
        check_algorithm(_WrongDelay, iterations=50, permutation_invariant=False)


def test_double_use_is_caught():
    with pytest.raises(AssertionError, match="applied twice"):
        check_algorithm(_Twice, iterations=50, permutation_invariant=False)
