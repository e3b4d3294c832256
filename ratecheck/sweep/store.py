"""The results store: one SQLite file holding every finished run, keyed by its run key.

The file itself — its layout, transactions, leases of runs in progress and recovery
from damage — is :mod:`~ratecheck.sweep.database`'s; a run's payload is encoded by
:mod:`~ratecheck.sweep.codec`. This module writes and reads the runs.

Table ``runs``, one row per run key:

===========  =========================================================================
run_key      :func:`~ratecheck.sweep.keys.run_key` of the fragment (primary key)
status       ``ok`` / ``diverged`` / ``error`` (:data:`~ratecheck.engine.trace.STATUSES`)
reason       one line (why it diverged or failed)
fragment     canonical JSON of the fragment
payload      zlib-compressed JSON of :meth:`RunResult.to_dict`
checksum     sha256 (hex) of the uncompressed JSON
version      ratecheck version that computed it
created      Unix time of the write
elapsed      seconds the run took in its worker
===========  =========================================================================

An entry whose payload fails to decompress, whose checksum does not match, or which
does not decode to a :class:`RunResult` of the recorded status is *corrupt*: it is
reported (logged on ``ratecheck.sweep`` and listed in :attr:`ResultStore.corrupted`),
deleted, and treated as absent, so the run is recomputed — it is never used.
``error`` entries are kept as a record but never served as cached results
(:meth:`ResultStore.cached`); ``diverged`` is a deterministic outcome and is reused.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ratecheck

from ..engine.trace import CHECKPOINT_FIELDS, STATUSES, RunResult
from ..errors import SpecError
from .codec import CorruptEntry, decode, encode
from .database import StoreDatabase, damaged, log, store_error
from .keys import canonical_json

if TYPE_CHECKING:
    import pandas as pd

#: Statuses a cached entry may be reused with (``error`` is always recomputed).
REUSABLE = ("ok", "diverged")

#: Columns of :meth:`ResultStore.table`: the run key, then those of RunResult.rows().
TABLE_COLUMNS = (
    "run_key", "algorithm", "method", "parameters", "point", "seed", "status",
) + CHECKPOINT_FIELDS


def roundtrip(result: RunResult) -> RunResult:
    """``result`` as the store would return it (same dtypes whether cached or fresh)."""
    return decode(*encode(result))


class ResultStore(StoreDatabase):
    """A results store at ``path``: the runs in the file of :class:`StoreDatabase`
    (created, with its parent folder, if absent)."""

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 60.0, replace_damaged: bool = False):
        #: Keys of the corrupt entries found (and deleted) by this instance.
        self.corrupted: list[str] = []
        super().__init__(path, busy_timeout_s=busy_timeout_s, replace_damaged=replace_damaged)

    # --- writing --------------------------------------------------------------------
    def put(
        self, key: str, fragment: Mapping[str, Any], result: RunResult,
        elapsed: float | None = None,
    ) -> RunResult:
        """Store (or overwrite) one run in one transaction; return it as stored.

        The returned RunResult is the decoded stored form, so a fresh result and a
        cached one are indistinguishable (same dtypes, same floats).
        """
        if result.status not in STATUSES:
            raise ValueError(f"run {key}: status {result.status!r} is not one of {STATUSES}")
        payload, checksum = encode(result)
        row = (
            key, result.status, result.reason, canonical_json(fragment), payload, checksum,
            ratecheck.__version__, time.time(), elapsed,
        )

        def write(db: sqlite3.Connection) -> None:
            db.execute("INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?)", row)
            db.execute("DELETE FROM leases WHERE run_key = ?", (key,))

        self._write(write)
        return decode(payload, checksum)

    def delete(self, key: str) -> None:
        self._write(lambda db: db.execute("DELETE FROM runs WHERE run_key = ?", (key,)))

    # --- reading --------------------------------------------------------------------
    def get(self, key: str) -> RunResult | None:
        """The stored run (any status), or None if absent or corrupt (then deleted)."""
        try:
            row = self._db.execute(
                "SELECT payload, checksum, status FROM runs WHERE run_key = ?", (key,)
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            if not damaged(exc):
                raise store_error(self.path, exc) from None
            self._discard(key, f"unreadable ({exc})")
            return None
        if row is None:
            return None
        try:
            return decode(*row)
        except CorruptEntry as exc:
            self._discard(key, str(exc))
            return None

    def cached(self, key: str) -> RunResult | None:
        """The stored run if it may be reused (status ``ok`` or ``diverged``), else None."""
        result = self.get(key)
        return result if result is not None and result.status in REUSABLE else None

    def _discard(self, key: str, why: str) -> None:
        log.warning("results store %s: corrupt entry %s (%s): deleted, will be recomputed",
                    self.path, key, why)
        self.corrupted.append(key)
        try:
            self.delete(key)
        except SpecError:  # a damaged page may not take the deletion: the run is recomputed anyway
            pass

    def keys(self) -> list[str]:
        """All stored run keys, sorted."""
        with self._usable():
            return [k for (k,) in self._db.execute("SELECT run_key FROM runs ORDER BY run_key")]

    def __len__(self) -> int:
        with self._usable():
            return self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def __contains__(self, key: str) -> bool:
        with self._usable():
            return self._db.execute("SELECT 1 FROM runs WHERE run_key = ?", (key,)).fetchone() is not None

    def table(self, keys: Iterable[str] | None = None) -> "pd.DataFrame":
        """The tidy results table: ``RunResult.rows()`` of each run plus ``run_key``.

        Runs in the order of ``keys`` (default: every stored run, sorted by key); absent
        keys are skipped, corrupt entries reported and deleted. ``error`` runs have no
        checkpoints, hence no rows.
        """
        import pandas as pd  # here, not at module level: pool workers need not load it

        rows: list[dict[str, Any]] = []
        for key in self.keys() if keys is None else keys:
            result = self.get(key)
            if result is not None:
                rows.extend({"run_key": key, **r} for r in result.rows())
        if not rows:
            return pd.DataFrame(columns=list(TABLE_COLUMNS))
        frame = pd.DataFrame(rows)
        first = [c for c in TABLE_COLUMNS if c in frame.columns]
        return frame[first + [c for c in frame.columns if c not in first]]

    def export(self, path: str | Path, keys: Iterable[str] | None = None) -> Path:
        """Write :meth:`table` to ``path`` as CSV (``.csv``) or Parquet (``.parquet``)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise SpecError("export", f"{path}: the file name must end in .csv or .parquet")
        frame = self.table(keys)
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
        return path
