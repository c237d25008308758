"""`python bot.py migrate-to URL`: an existing SQLite database copied into an empty PostgreSQL database.

The live file is only read (a consistent snapshot through SQLite's backup API, brought to this bot's schema);
the PostgreSQL database gets the same migrations, then every row of every table in one transaction, grant keys
still encrypted exactly as they were (the same KEY_ENCRYPTION_KEY opens them). Ids are kept, and the id
counters are moved past them. The row counts are compared afterwards.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from .backend import Database
from .clock import now, to_seconds
from .database import SqliteDatabase, backup_database
from .errors import DatabaseError
from .migration_files import discover_migrations
from .postgres import PostgresDatabase

# A process that beat this recently may still be writing to the SQLite file: rows written after the snapshot
# would be lost, so the copy waits until every bot process has stopped.
STILL_RUNNING_WITHIN = timedelta(seconds=60)


class TargetNotEmpty(DatabaseError):
    """The PostgreSQL database already holds the bot's rows: nothing was copied."""


async def copy_sqlite_to_postgres(source: Path, url: str) -> dict[str, int]:
    """Copy the SQLite database at `source` into the empty PostgreSQL database at `url`; return the rows copied,
    by table (verified on the PostgreSQL side). Raises DatabaseError (TargetNotEmpty…) with one line."""
    with tempfile.TemporaryDirectory(prefix="taubot-migrate-") as folder:
        snapshot = Path(folder) / "snapshot.sqlite3"
        await backup_database(source, snapshot)
        sqlite = await SqliteDatabase.open(snapshot)
        try:
            await _refuse_while_running(sqlite, source)
            target = await PostgresDatabase.connect(url)
            try:
                await _refuse_unless_empty(target)
                await target.migrate(discover_migrations())
                counts = await _copy(sqlite, target)
                await _verify(target, counts)
            finally:
                await target.close()
        finally:
            await sqlite.close()
    return counts


async def _refuse_while_running(sqlite: SqliteDatabase, source: Path) -> None:
    row = await sqlite.fetch_one("SELECT COUNT(*) AS running FROM instances WHERE stopped_at IS NULL "
                                 "AND heartbeat_at > ?", (to_seconds(now() - STILL_RUNNING_WITHIN),))
    if row is not None and row["running"]:
        raise DatabaseError(f"{row['running']} bot process(es) using {source} beat within the last minute: stop "
                            "every bot process first, so nothing is written after the copy is taken.")


async def _refuse_unless_empty(target: PostgresDatabase) -> None:
    """A database with none of the bot's tables, or with the bot's tables and no rows in them, is empty."""
    filled = [table for table in await target.tables() if table != "schema_version"
              and await target.fetch_one(f"SELECT 1 FROM {table} LIMIT 1") is not None]
    if filled:
        raise TargetNotEmpty(f"the PostgreSQL database at {target.where} is not empty (rows in {', '.join(filled)}); "
                             "nothing was copied. Give migrate-to a new, empty database.")


async def _copy(sqlite: SqliteDatabase, target: PostgresDatabase) -> dict[str, int]:
    counts = {}
    async with target.transaction() as copying:
        for table in await _tables(sqlite):
            columns = [row["name"] for row in await sqlite.fetch_all(f"PRAGMA table_info({table})")]
            rows = await sqlite.fetch_all(f"SELECT {', '.join(columns)} FROM {table}")
            if rows:
                await copying.execute_many(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                    [tuple(row) for row in rows])
            if "id" in columns:  # the next id PostgreSQL assigns comes after every id copied
                await copying.fetch_one(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) "
                    f"FROM {table}")
            counts[table] = len(rows)
    return counts


async def _verify(target: Database, counts: dict[str, int]) -> None:
    for table, expected in counts.items():
        row = await target.fetch_one(f"SELECT COUNT(*) AS copied FROM {table}")
        copied = row["copied"] if row is not None else 0
        if copied != expected:
            raise DatabaseError(f"after copying, {table} holds {copied} rows in PostgreSQL instead of {expected}.")


async def _tables(sqlite: SqliteDatabase) -> list[str]:
    return [row["name"] for row in await sqlite.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
