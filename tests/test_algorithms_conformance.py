"""Every registered algorithm passes the conformance suite with its own example
parameters (``Algorithm.example``); broken methods do not, and a method that emits more
ops per event than it declares fails loudly in the checked build."""

from collections import namedtuple

import numpy as np
import pytest
from numba import njit

from ratecheck.algorithms import ALGORITHMS
from ratecheck.algorithms.asgd import ASGD
from ratecheck.asynchrony import make_model
from ratecheck.engine.clock import current_sample
from ratecheck.engine.loop import reassign
from ratecheck.engine.ops import emit_grad, emit_step, new_ops
from ratecheck.engine.schedule import ScheduleDriver
from ratecheck.engine.status import COMPUTED, ITER
from ratecheck.testing import check_algorithm


@pytest.mark.parametrize("name", ALGORITHMS.names())
def test_registered_algorithm_conforms(name):
    cls = ALGORITHMS.get(name)
    check_algorithm(cls, cls.example, permutation_invariant=cls.permutation_invariant)


def test_label_dependent_method_fails_the_permutation_check():
    with pytest.raises(AssertionError, match="permutation"):
        check_algorithm(ALGORITHMS.get("naive-optimal-asgd"), {"m": 3})


Mode = namedtuple("Mode", "mode")


@njit(_nrt=False, inline="always")
def _broken_arrival(c, ops, prog, st, prm, t, w):
    """ASGD that reports delay 0 (``prm.mode`` 0) or applies each gradient twice (1)."""
    delay = prog[ITER] - st.disp[w] if prm.mode == 1 else 0
    emit_grad(ops, w, c.k[w], current_sample(c, w), 1.0, delay)
    if prm.mode == 1:
        emit_grad(ops, w, c.k[w], current_sample(c, w), 1.0, delay)
    prog[ITER] += 1
    emit_step(ops, 1.0, t, prog[COMPUTED])
    reassign(c, ops, prog, st.disp, w, t)


class _Broken(ASGD):
    on_arrival = staticmethod(_broken_arrival)

    def kernel_params(self):
        return Mode(self.mode)

    def ops_per_event(self, n):
        return 4


class _WrongDelay(_Broken):
    mode = 0


class _Twice(_Broken):
    mode = 1


def test_wrong_delay_is_caught():
    with pytest.raises(AssertionError, match="reports delay 0"):
        check_algorithm(_WrongDelay, iterations=50, permutation_invariant=False)


def test_double_use_is_caught():
    with pytest.raises(AssertionError, match="applied twice"):
        check_algorithm(_Twice, iterations=50, permutation_invariant=False)


class _UnderDeclared(_Twice):
    """Emits 4 ops per arrival but declares 3."""

    def ops_per_event(self, n):
        return 3


def _run(capacity=None):
    model = make_model({"model": "fixed", "profile": "list", "tau": [1.0, 2.0]})
    drv = ScheduleDriver(_UnderDeclared({"gamma": 1.0}), model, None, 0, checked=True)
    if capacity:
        drv.ops, drv.capacity = new_ops(capacity), capacity
    for _ in drv.chunks(20, np.inf):
        pass


def test_more_ops_than_declared_fails_in_the_checked_build():
    with pytest.raises(RuntimeError, match=r"more ops than its ops_per_event\(n = 2\) = 3"):
        _run()


def test_a_write_past_the_op_buffer_fails_in_the_checked_build():
    with pytest.raises(IndexError):
        _run(capacity=4)  # BCAST, then room for 3: the event's 4th op lands at index 4
