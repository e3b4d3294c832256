"""The results store's SQLite file: its layout, transactions, leases and damage recovery.

Why SQLite (WAL mode) rather than Parquet files queried with DuckDB: the store is one
file; every write is a transaction, so a sweep killed at any moment (SIGKILL included)
leaves each run either fully stored or absent, never half-written; several sweeps may
share a store, since WAL lets readers run beside the one writer and ``busy_timeout``
makes concurrent writers wait instead of failing; and it needs nothing beyond the
standard library. Parquet files are immutable, so incremental writes mean one file per
run (or rewrites) plus a compaction step, and a crash mid-write leaves a torn file.
The tidy table is exported to CSV or Parquet on demand
(:meth:`~ratecheck.sweep.store.ResultStore.export`).

``synchronous=NORMAL`` in WAL mode makes a commit durable against the death of the
process (the WAL is in the OS page cache); only a power loss can drop the last commits,
which a restart simply recomputes.

Table ``leases``, one row per run in progress: ``run_key``, ``owner`` (the process
computing it) and ``expires`` (Unix time). A sweep claims a run before starting it
(:meth:`StoreDatabase.claim`) and renews its leases while it works
(:class:`Heartbeat`, a thread); another sweep on the same store waits for that run
instead of recomputing it, and takes it over once the lease expires (its holder died
without storing it; at once if the holder was a process on this machine that no longer
runs). Storing the run ends its lease.

A database file that cannot be opened at all (SQLite: "malformed", "not a database")
is reported as one line naming the file and what to do: delete it, or rerun with
``--force``, which sets the damaged file aside (``<name>.damaged-<time>``) and starts
a new store. Damage found later resumes what it can: an entry on an unreadable page
counts as corrupt (recomputed), and a write the damaged file refuses rebuilds the store
from its readable runs (the damaged file is set aside) and goes on.

The table ``runs`` and what reads and writes it are :mod:`~ratecheck.sweep.store`'s.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Self

from ..errors import SpecError
from .codec import CorruptEntry, decode

log = logging.getLogger("ratecheck.sweep")

#: Layout version of the database, checked on open.
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS leases (
    run_key  TEXT PRIMARY KEY,
    owner    TEXT NOT NULL,
    expires  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_key  TEXT PRIMARY KEY,
    status   TEXT NOT NULL,
    reason   TEXT NOT NULL,
    fragment TEXT NOT NULL,
    payload  BLOB NOT NULL,
    checksum TEXT NOT NULL,
    version  TEXT NOT NULL,
    created  REAL NOT NULL,
    elapsed  REAL
);
"""


#: Seconds a lease lasts without renewal (a sweep renews every third of it).
LEASE_S = 60.0

#: SQLite result codes of a damaged database file.
_DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


def damaged(exc: BaseException) -> bool:
    """Whether a sqlite3 error says the database file itself is damaged."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(_DAMAGED) or "malformed" in str(exc) or "not a database" in str(exc)


def store_error(path: Path, exc: BaseException) -> SpecError:
    """The one-line error of a store that cannot be used, saying what to do about it."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if damaged(exc):
        return SpecError("--store", f"{path} is damaged ({exc}): delete it, or rerun with --force to set it "
                                    "aside and start a new store")
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")) or isinstance(exc, PermissionError):
        return SpecError("--store", f"cannot write {path}: it or its folder is read-only "
                                    "(give --store a writable path, or use --no-cache)")
    if name.startswith("SQLITE_FULL"):
        return SpecError("--store", f"cannot write {path}: the disk is full")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return SpecError("--store", f"{path} stayed locked by another process ({exc})")
    return SpecError("--store", f"cannot use {path} as a results store ({exc})")


class StoreDatabase:
    """The SQLite file at ``path`` (created, with its parent folder, if absent) and its leases.

    One connection per process; the sweep runner writes from the parent process only.
    """

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 60.0, replace_damaged: bool = False):
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        if self.path.is_dir():
            raise SpecError("--store", f"{self.path} is a folder, not a results file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise SpecError("--store", f"{self.path.parent} is a file, not a folder") from None
        except OSError as exc:
            raise store_error(self.path, exc) from None
        try:
            schema = self._open()
        except sqlite3.DatabaseError as exc:
            if not (replace_damaged and damaged(exc)):
                raise store_error(self.path, exc) from None
            self._set_aside()
            schema = self._open()
        if schema != SCHEMA_VERSION:
            self._db.close()
            raise SpecError(
                "--store", f"{self.path} has store layout {schema}, this ratecheck reads {SCHEMA_VERSION}"
            )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=self.busy_timeout_s)
        db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
        return db

    def _open(self) -> str:
        """Connect, create the tables if absent; return the layout version (sqlite3 errors pass)."""
        try:
            self._db = self._connect()
        except sqlite3.OperationalError as exc:
            raise store_error(self.path, exc) from None
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(_SCHEMA)
        self._db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))
        (schema,) = self._db.execute("SELECT value FROM meta WHERE name='schema'").fetchone()
        return schema

    def _set_aside(self) -> None:
        """Move a damaged database file (and its WAL) aside: ``<name>.damaged-<time>``."""
        self._db.close()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for suffix in ("", "-wal", "-shm"):
            src = self.path.with_name(self.path.name + suffix)
            if src.exists():
                src.rename(self.path.with_name(f"{self.path.name}.damaged-{stamp}{suffix}"))
        log.warning("results store %s was damaged: set aside as %s.damaged-%s", self.path, self.path.name, stamp)

    @contextmanager
    def _usable(self) -> Iterator[None]:
        """Turn a sqlite3 error into the store's one-line :func:`store_error`."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise store_error(self.path, exc) from None

    # --- context manager ------------------------------------------------------------
    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- leases: runs in progress ---------------------------------------------------
    def claim(self, key: str, owner: str, lease_s: float = LEASE_S,
              gone: Callable[[str], bool] = lambda holder: False) -> bool:
        """Take the lease of run ``key`` for ``owner`` unless another holder has an
        unexpired one and is not ``gone`` (e.g. a dead process on this machine);
        True if ``owner`` holds it now."""
        def take(db: sqlite3.Connection) -> bool:
            now = time.time()
            row = db.execute("SELECT owner, expires FROM leases WHERE run_key = ?", (key,)).fetchone()
            if row is not None and row[0] != owner and row[1] > now and not gone(row[0]):
                return False
            db.execute("INSERT OR REPLACE INTO leases VALUES (?,?,?)", (key, owner, now + lease_s))
            return True

        return self._write(take)

    def release(self, owner: str) -> None:
        """Drop every lease ``owner`` holds (its runs are done or abandoned)."""
        self._write(lambda db: db.execute("DELETE FROM leases WHERE owner = ?", (owner,)))

    def heartbeat(self, owner: str, lease_s: float = LEASE_S) -> "Heartbeat":
        """A started :class:`Heartbeat` renewing ``owner``'s leases (stop it when done)."""
        return Heartbeat(self, owner, lease_s)

    # --- writing and recovery -------------------------------------------------------
    def _write(self, statements: Callable[[sqlite3.Connection], Any]) -> Any:
        """``statements(db)`` in one write transaction, its value returned. A damaged
        file is rebuilt from its readable runs (:meth:`_rebuild`) and the write retried
        once; any other failure is the store's one-line error."""
        for attempt in (0, 1):
            try:
                with self._transaction():
                    return statements(self._db)
            except sqlite3.DatabaseError as exc:
                if attempt or not damaged(exc):
                    raise store_error(self.path, exc) from None
                self._rebuild()

    def _rebuild(self) -> None:
        """Copy every readable, intact run into a new file that replaces the damaged one
        (set aside as ``<name>.damaged-<time>``); unreadable runs are recomputed."""
        keys: list[str] = []
        try:
            keys += [k for (k,) in self._db.execute("SELECT run_key FROM runs")]
        except sqlite3.DatabaseError:  # the scan stops at a damaged page: keep what it read
            pass
        rows = []
        for key in keys:
            try:
                row = self._db.execute("SELECT * FROM runs WHERE run_key = ?", (key,)).fetchone()
                decode(row[4], row[5], row[1])
            except (sqlite3.DatabaseError, CorruptEntry):
                continue
            rows.append(row)
        fresh = self.path.with_name(self.path.name + ".rebuilt")
        fresh.unlink(missing_ok=True)
        with closing(sqlite3.connect(fresh)) as db, db:
            db.executescript(_SCHEMA)
            db.execute("INSERT INTO meta (name, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))
            db.executemany("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?)", rows)
        self._set_aside()
        fresh.rename(self.path)
        self._open()
        log.warning("results store %s: rebuilt from its %d readable runs (the damaged ones are recomputed)",
                    self.path, len(rows))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``, ``ROLLBACK`` on any exception (Ctrl-C too).

        IMMEDIATE takes the write lock up front, so a concurrent writer waits on
        ``busy_timeout`` instead of failing on a lock upgrade.
        """
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


class Heartbeat:
    """A daemon thread renewing an owner's leases every third of ``lease_s``, on its own
    connection; :meth:`stop` ends it and releases the leases still held."""

    def __init__(self, store: StoreDatabase, owner: str, lease_s: float = LEASE_S):
        self.store, self.owner, self.lease_s = store, owner, lease_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="ratecheck-lease-heartbeat")
        self._thread.start()

    def _run(self) -> None:
        db = self.store._connect()
        try:
            while not self._stop.wait(self.lease_s / 3):
                try:
                    db.execute("UPDATE leases SET expires = ? WHERE owner = ?", (time.time() + self.lease_s, self.owner))
                except sqlite3.DatabaseError:  # busy or damaged: the next beat tries again
                    pass
        finally:
            db.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        try:
            self.store.release(self.owner)
        except SpecError:  # the store broke meanwhile; the leases expire by themselves
            pass
