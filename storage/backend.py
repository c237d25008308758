"""What every store needs from a database, whichever one it is: SQLite at DATABASE_PATH (database.py) or
PostgreSQL at DATABASE_URL (postgres.py).

The stores write their SQL once, in the subset both databases speak: `?` placeholders (PostgreSQL's backend
numbers them), `ON CONFLICT … DO UPDATE/NOTHING`, no PRAGMA, no `INSERT OR REPLACE`, sums cast to BIGINT.

The guarantee both backends give, which every store relies on:
- `transaction()` is a write transaction that no other write transaction, in this process or any other sharing
  the database, runs beside: BEGIN IMMEDIATE on SQLite; on PostgreSQL a transaction-scoped advisory lock taken
  first (postgres.py). So a store may read, decide and write inside one without thinking about interleavings.
- `execute()` outside a transaction is one statement, atomic by itself; a conditional UPDATE/DELETE (a
  compare-and-set) is decided against the row as committed, so two processes cannot both win it.
- `fetch_point`/`fetch_points` read committed rows at once, never queued behind a write.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from .errors import DatabaseError
from .migration_files import Migration

# A result row: sqlite3.Row or asyncpg.Record, both read by column name (row["id"]) and by position (row[0]).
Row = Any


class ConstraintViolation(Exception):
    """A write broke a UNIQUE, CHECK or NOT NULL constraint. str() is the database's own message, which names
    the column or the constraint (e.g. 'payments.intent_id' on SQLite, 'payments_intent_id_key' on PostgreSQL)."""


class Transaction(ABC):
    """The statements of one write transaction (see Database.transaction)."""

    @abstractmethod
    async def execute(self, sql: str, parameters: Iterable = ()) -> int:
        """Run one statement; return the number of rows it changed."""

    @abstractmethod
    async def insert(self, sql: str, parameters: Iterable = ()) -> int:
        """Run one INSERT into a table whose key is an `id` the database assigns; return the new row's id."""

    @abstractmethod
    async def execute_many(self, sql: str, rows: Iterable[Iterable]) -> None:
        """Run one statement once per row of parameters."""

    @abstractmethod
    async def fetch_one(self, sql: str, parameters: Iterable = ()) -> Row | None:
        """The first row the query returns, as this transaction sees it."""

    @abstractmethod
    async def fetch_all(self, sql: str, parameters: Iterable = ()) -> list[Row]:
        """Every row the query returns, as this transaction sees it."""


class Database(ABC):
    dialect: str  # "sqlite" or "postgresql"

    @property
    @abstractmethod
    def where(self) -> str:
        """Where the database is, for messages: the file's path, or the URL without its password."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """A write transaction (committed on leaving, rolled back on an error) that no other one runs beside."""

    @abstractmethod
    async def execute(self, sql: str, parameters: Iterable = ()) -> int:
        """Run one write statement on its own (atomic by itself); return the number of rows it changed."""

    @abstractmethod
    async def fetch_one(self, sql: str, parameters: Iterable = ()) -> Row | None:
        """The first row of a query, or None."""

    @abstractmethod
    async def fetch_all(self, sql: str, parameters: Iterable = ()) -> list[Row]:
        """Every row of a query."""

    @abstractmethod
    async def fetch_point(self, sql: str, parameters: Iterable = ()) -> Row | None:
        """One row by its key, for the reads every command makes: read at once, seeing only committed rows."""

    @abstractmethod
    async def fetch_points(self, sql: str, parameters: Iterable = ()) -> list[Row]:
        """The few rows under one key, read like `fetch_point`."""

    @abstractmethod
    async def schema_version(self) -> int:
        """The number of the newest migration applied to this database."""

    @abstractmethod
    async def migrate(self, migrations: list[Migration]) -> list[int]:
        """Apply the migrations newer than the database, each in its own transaction; return their versions."""

    async def server_time(self) -> datetime | None:
        """The database server's clock, which processes on several hosts agree on (storage/fleet_clock.py);
        None for a database only this machine's processes share, all on this machine's clock."""
        return None

    @abstractmethod
    async def integrity_problems(self) -> list[str]:
        """What the database's own integrity check finds wrong (nothing: an empty list)."""

    @abstractmethod
    async def diagnose(self, error: BaseException) -> DatabaseError | None:
        """The DatabaseError naming what `error` reveals about the database (damage), or None."""

    @abstractmethod
    async def close(self) -> None:
        """Close every connection."""
