"""The SQLite results store: round trip, corruption detection, error runs, export."""

import sqlite3
import threading
import zlib

import numpy as np
import pandas as pd
import pytest
from sweep_fixture import execute

from ratecheck.engine.trace import RunResult
from ratecheck.errors import SpecError
from ratecheck.sweep.keys import run_key
from ratecheck.sweep.store import TABLE_COLUMNS, ResultStore

FRAGMENT = {"seed": 7, "params": {"gamma": 1.0}}


def _put(store, fragment=FRAGMENT):
    key = run_key(fragment)
    return key, store.put(key, fragment, execute(fragment), elapsed=0.5)


def test_round_trip_is_bit_identical_and_wal(tmp_path):
    store = ResultStore(tmp_path / "deep" / "r.sqlite")
    fresh = execute(FRAGMENT)
    key, stored = _put(store)
    got = store.get(key)
    for r in (stored, got):
        assert r.status == "ok" and r.meta == fresh.meta and r.final == fresh.final
        for name, col in fresh.checkpoints.items():
            assert np.array_equal(r.checkpoints[name], col)  # exact float equality
        for s, h in fresh.hits.items():
            assert np.array_equal(r.hits[s], h, equal_nan=True)
    assert len(store) == 1 and key in store and store.keys() == [key]
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    row = db.execute("SELECT status, fragment, elapsed FROM runs").fetchone()
    assert row == ("ok", '{"params":{"gamma":1},"seed":7}', 0.5)


def _tamper(store, sql, *args):
    db = sqlite3.connect(store.path)
    with db:
        db.execute(sql, args)
    db.close()


@pytest.mark.parametrize("how", ["flipped byte", "garbage", "valid zlib, wrong json", "status column"])
def test_corrupt_entry_is_reported_deleted_and_never_used(tmp_path, how, caplog):
    store = ResultStore(tmp_path / "r.sqlite")
    key, _ = _put(store)
    (payload,) = sqlite3.connect(store.path).execute("SELECT payload FROM runs").fetchone()
    if how == "flipped byte":
        raw = bytearray(zlib.decompress(payload))
        raw[len(raw) // 2] ^= 0x01  # one bit: decompresses, checksum catches it
        _tamper(store, "UPDATE runs SET payload = ?", zlib.compress(bytes(raw)))
    elif how == "garbage":
        _tamper(store, "UPDATE runs SET payload = ?", b"not zlib at all")
    elif how == "valid zlib, wrong json":
        import hashlib
        raw = b'{"meta": {}}'
        _tamper(store, "UPDATE runs SET payload = ?, checksum = ?", zlib.compress(raw),
                hashlib.sha256(raw).hexdigest())
    else:
        _tamper(store, "UPDATE runs SET status = 'diverged'")
    with caplog.at_level("WARNING", logger="ratecheck.sweep"):
        assert store.cached(key) is None
    assert store.corrupted == [key]
    assert key not in store and len(store) == 0
    assert "corrupt entry" in caplog.text and key in caplog.text


def test_error_runs_are_recorded_but_not_served(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite")
    err = RunResult(meta={}, status="error", reason="ValueError: boom")
    div_fragment = {"seed": 1, "params": {"gamma": 3.0}, "iterations": 400}
    store.put("e" * 64, {"seed": 1}, err)
    dkey, _ = _put(store, div_fragment)
    assert store.get("e" * 64).reason == "ValueError: boom"
    assert store.cached("e" * 64) is None
    assert store.cached(dkey).status == "diverged"  # a deterministic outcome: reused
    with pytest.raises(ValueError, match="status 'weird'"):
        store.put("f" * 64, {}, RunResult(meta={}, status="weird"))


def test_table_and_export(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite")
    k1, r1 = _put(store, {"seed": 1, "params": {"gamma": 0.5}})
    k2, r2 = _put(store, {"seed": 2, "params": {"gamma": 1.0}})
    store.put("e" * 64, {"seed": 3}, RunResult(meta={}, status="error", reason="x"))
    table = store.table([k2, k1, "absent"])
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert len(table) == len(r1.rows()) + len(r2.rows()) == 16
    assert list(table.run_key) == [k2] * 8 + [k1] * 8
    assert np.array_equal(table.fgap[:8], r2.checkpoints["fgap"])
    assert table.parameters.iloc[0] == '{"gamma": 1.0}'
    assert len(store.table()) == 16  # the error run has no rows
    assert list(ResultStore(tmp_path / "empty.sqlite").table().columns) == list(TABLE_COLUMNS)

    csv = pd.read_csv(store.export(tmp_path / "out" / "t.csv"))
    pq = pd.read_parquet(store.export(tmp_path / "t.parquet"))
    whole = store.table()
    pd.testing.assert_frame_equal(pq, whole)
    assert np.allclose(csv.fgap, whole.fgap, rtol=1e-15) and list(csv.run_key) == list(whole.run_key)
    with pytest.raises(SpecError, match=r"export: .*\.csv or \.parquet"):
        store.export(tmp_path / "t.xlsx")


def test_bad_store_paths_are_spec_errors(tmp_path):
    with pytest.raises(SpecError, match="--store: .* is a folder"):
        ResultStore(tmp_path)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not an sqlite database, just some text" * 40)
    with pytest.raises(SpecError, match="--store: .*junk.sqlite is damaged .*delete it, or rerun with --force"):
        ResultStore(junk)
    other = tmp_path / "other.sqlite"
    ResultStore(other).close()
    _tamper(type("S", (), {"path": other}), "UPDATE meta SET value = '0' WHERE name = 'schema'")
    with pytest.raises(SpecError, match="store layout 0"):
        ResultStore(other)


def test_concurrent_writers_share_a_store(tmp_path):
    """Two connections writing at once (two sweeps on one store): nothing lost."""
    path = tmp_path / "r.sqlite"
    ResultStore(path).close()
    result = execute(FRAGMENT)

    def write(offset):
        with ResultStore(path) as s:
            for i in range(40):
                s.put(f"{offset + i:064d}", {"i": offset + i}, result)

    threads = [threading.Thread(target=write, args=(o,)) for o in (0, 1000)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with ResultStore(path) as s:
        assert len(s) == 80 and all(s.get(k) is not None for k in s.keys())
