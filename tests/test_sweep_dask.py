"""Dask backends give the same results table as the other backends (bit for bit).

``test_local_pool_matches_serial`` shows local = serial; here dask-local (a 2-process
LocalCluster) = serial, and ``--backend dask --scheduler ADDRESS`` is exercised against
a scheduler started by the test (in-process workers, to keep the test short).
"""

import pandas as pd
from sweep_fixture import execute, fragments

from ratecheck.sweep import ResultStore, Task, run_tasks


def test_dask_backends_match_serial(tmp_path):
    from distributed import LocalCluster

    tasks = [Task.of(f) for f in fragments(16)]
    tasks.append(Task.of({"seed": 3, "params": {"gamma": 1.0}, "fail": True}))
    tasks.append(Task.of({"seed": 4, "params": {"gamma": 3.0}, "iterations": 400}))
    keys = [t.key for t in tasks]
    tables = {}
    for backend in ("serial", "dask-local", "dask"):
        store = ResultStore(tmp_path / f"{backend}.sqlite")
        if backend == "dask":  # an existing scheduler, as a SLURMCluster would give
            with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                              dashboard_address=":0") as cluster:
                out = run_tasks(tasks, execute, store, backend="dask",
                                scheduler=cluster.scheduler_address, progress=False)
        else:
            out = run_tasks(tasks, execute, store, backend=backend,
                            workers=2 if backend == "dask-local" else None, progress=False)
        assert (out.computed, out.failed, out.diverged) == (18, 1, 1), backend
        assert out.results[keys[-2]].reason == "ValueError: fixture failure (seed 3)"
        assert list(out.results) == keys
        tables[backend] = store.table(keys)
    assert len(tables["serial"]) == 16 * 8 + 10
    pd.testing.assert_frame_equal(tables["dask-local"], tables["serial"])
    pd.testing.assert_frame_equal(tables["dask"], tables["serial"])
