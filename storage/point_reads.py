"""Single-row reads by primary key, served on the caller's thread by a read-only connection of their own.

Every command reads its member's grant key. Through aiosqlite that read queues behind every other statement
on the one worker thread, and in a burst of commands the queue is hundreds of milliseconds long; a
primary-key read from SQLite's page cache takes microseconds, less than handing it to a thread at all. So
these reads skip the queue: a second connection, opened read-only, called directly on the event loop.

Why it stays correct: the database is in WAL mode and this connection never opens a transaction, so every
statement is a read transaction of its own that starts from the latest commit of any connection, in this
process or another. Nothing is cached above SQLite, so an unlink or relink made by another bot process on
the same file is seen by the very next read; and a transaction still open on the writer connection is never
seen half-done (which is why these reads need no lock). A PostgreSQL backend would serve the same
`fetch_point` with an ordinary pooled query.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

# A reader waits only while SQLite recovers the write-ahead log after a crash; the loop waits with it, so briefly.
READ_BUSY_TIMEOUT_MS = 200


class PointReader:
    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection

    @classmethod
    def open(cls, path: Path) -> PointReader:
        """A read-only connection to the (already created, WAL-mode) database at `path`."""
        connection = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        try:
            connection.row_factory = sqlite3.Row
            connection.execute(f"PRAGMA busy_timeout = {READ_BUSY_TIMEOUT_MS}")
        except BaseException:
            connection.close()
            raise
        return cls(connection)

    def fetch_one(self, sql: str, parameters: Iterable = ()) -> sqlite3.Row | None:
        # fetchall, not fetchone: the statement runs to its end and resets, so no read transaction (and no
        # old snapshot that would hold back checkpoints) outlives the call.
        rows = self._connection.execute(sql, tuple(parameters)).fetchall()
        return rows[0] if rows else None

    def fetch_all(self, sql: str, parameters: Iterable = ()) -> list[sqlite3.Row]:
        return self._connection.execute(sql, tuple(parameters)).fetchall()

    def close(self) -> None:
        self._connection.close()
