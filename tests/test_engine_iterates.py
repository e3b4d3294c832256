"""Iterate versions (ratecheck.engine.recursion.Iterates): ASSIGN and BCAST hand out a
slot index, STEP writes a new slot; every point handed out stays intact while referred
to, and n + 3 slots never run out."""

import numpy as np

from ratecheck.engine.recursion import BSLOT, CUR, NFREE, hand_out, install, new_iterates, take_slot


def test_slots_keep_every_point_handed_out():
    rng = np.random.default_rng(0)
    n, B, d = 5, 2, 3
    x = rng.standard_normal((B, d))
    its = new_iterates(x, n)
    points, bcast = {}, x.copy()
    for _ in range(4000):
        op = rng.integers(3)
        if op == 0:  # STEP: a new iterate in a free slot
            new = take_slot(its)
            x = rng.standard_normal((B, d))
            its.XH[:, new] = x
            install(its, new)
        elif op == 1:  # ASSIGN w
            w = int(rng.integers(n))
            hand_out(its, w)
            points[w] = x.copy()
        else:  # BCAST
            hand_out(its, -1)
            bcast = x.copy()
        np.testing.assert_array_equal(its.XH[:, its.top[CUR]], x)
        np.testing.assert_array_equal(its.XH[:, its.top[BSLOT]], bcast)
        for w, p in points.items():
            np.testing.assert_array_equal(its.XH[:, its.ptr[w]], p)
        held = [its.top[CUR], its.top[BSLOT]] + [s for s in its.ptr if s >= 0]
        np.testing.assert_array_equal(its.refs, np.bincount(held, minlength=n + 3))
        free = its.free[: its.top[NFREE]]
        assert sorted(free) == sorted(np.flatnonzero(its.refs == 0))
