"""The PostgreSQL backend (see backend.py), chosen by DATABASE_URL: a pool of asyncpg connections shared by
every store, for shard processes on several hosts sharing one database.

SQLite serialises writers itself (BEGIN IMMEDIATE). Here every `transaction()` takes a transaction-scoped
advisory lock first, one per schema, so write transactions of every process sharing the database run one after
another exactly as on SQLite and no store needs a second way of being correct. They are short (a few statements,
never a network call), so the fleet's writes queue for milliseconds. A write outside a transaction is one
statement; PostgreSQL decides a conditional UPDATE against the row as committed, so compare-and-set claims
(leases, reminders, requests) hold across processes without the lock. Reads need no lock: each sees committed rows.

Waiting for the write lock gives up after LOCK_TIMEOUT, like SQLite's busy timeout. Within one process, write
transactions queue on an asyncio lock first (as on SQLite), so waiting writers hold one pooled connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime

import asyncpg

from .backend import ConstraintViolation, Database, Row, Transaction
from .errors import DatabaseError
from .migration_files import Migration, discover_migrations, newer_than_known
from .postgres_sql import numbered_placeholders, postgres_ddl
from .postgres_url import without_password

POOL_SIZE = 10
LOCK_TIMEOUT = "5s"  # as SQLite's busy timeout (database.BUSY_TIMEOUT_MS)
CONNECT_TIMEOUT_SECONDS = 10.0
# The advisory lock's first key says "the bot's write lock"; the second is the schema's, so databases in other
# schemas of one PostgreSQL database (the tests') do not wait for each other.
_WRITE_LOCK = (
    f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'; "
    "SELECT pg_advisory_xact_lock(20170417, hashtext(current_schema()))"
)
# The schema version of this database, in a table of one row (SQLite keeps it in PRAGMA user_version).
_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "one_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one_row), version INTEGER NOT NULL)"
)


class PostgresTransaction(Transaction):
    def __init__(self, connection: asyncpg.Connection):
        self._connection = connection

    async def execute(self, sql: str, parameters: Iterable = ()) -> int:
        with _constraints():
            return _changed(await self._connection.execute(numbered_placeholders(sql), *parameters))

    async def insert(self, sql: str, parameters: Iterable = ()) -> int:
        with _constraints():
            return await self._connection.fetchval(numbered_placeholders(sql) + " RETURNING id", *parameters)

    async def execute_many(self, sql: str, rows: Iterable[Iterable]) -> None:
        with _constraints():
            await self._connection.executemany(numbered_placeholders(sql), [tuple(row) for row in rows])

    async def fetch_one(self, sql: str, parameters: Iterable = ()) -> Row | None:
        return await self._connection.fetchrow(numbered_placeholders(sql), *parameters)

    async def fetch_all(self, sql: str, parameters: Iterable = ()) -> list[Row]:
        return list(await self._connection.fetch(numbered_placeholders(sql), *parameters))


class PostgresDatabase(Database):
    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str):
        self._pool = pool
        # This process's write transactions wait for the advisory lock one at a time, holding one pooled
        # connection: a burst of them must not take every connection while they wait, or the reads by key and
        # the heartbeat (which need none of the lock) would wait for a connection behind them.
        self._write_lock = asyncio.Lock()
        self._shown_url = without_password(url)

    @classmethod
    async def open(cls, url: str, migrations: Iterable[Migration] | None = None, *,
                   pool_size: int = POOL_SIZE) -> PostgresDatabase:
        """Connect to the database at `url` and bring its schema up to date; any reason it cannot be used becomes
        one DatabaseError naming DATABASE_URL (without its password)."""
        database = await cls.connect(url, pool_size=pool_size)
        try:
            await database.migrate(discover_migrations() if migrations is None else list(migrations))
        except BaseException:
            await database.close()
            raise
        return database

    @classmethod
    async def connect(cls, url: str, *, pool_size: int = POOL_SIZE) -> PostgresDatabase:
        """Connect to the database at `url` as it is, writing nothing (for `check`); see `open`."""
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size, timeout=CONNECT_TIMEOUT_SECONDS)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as error:
            raise unreachable(url, error) from None
        return cls(pool, url)

    @property
    def where(self) -> str:
        return self._shown_url

    async def server_version(self) -> str:
        """PostgreSQL's version, as `check` reports it (e.g. "15.4")."""
        return str(await self._pool.fetchval("SHOW server_version")).split(" ")[0]

    async def tables(self) -> list[str]:
        """The tables in the database's schema (the bot's, once migrated, and schema_version)."""
        return [row[0] for row in await self._pool.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name")]

    async def server_time(self) -> datetime:
        return await self._pool.fetchval("SELECT clock_timestamp()")

    async def schema_version(self) -> int:
        async with self._pool.acquire() as connection:
            return await _version(connection)

    async def migrate(self, migrations: list[Migration]) -> list[int]:
        """Apply the migrations newer than the database, each in its own transaction under the write lock (so
        processes starting together migrate once); return their versions."""
        applied = []
        async with self._pool.acquire() as connection:
            async with connection.transaction():
                await connection.execute(_WRITE_LOCK)
                await connection.execute(_VERSION_TABLE)
                await connection.execute("INSERT INTO schema_version (version) VALUES (0) ON CONFLICT DO NOTHING")
            current = await _version(connection)
            if (refusal := newer_than_known(self.where, current, migrations)) is not None:
                raise refusal
            for migration in migrations:
                try:
                    async with connection.transaction():
                        await connection.execute(_WRITE_LOCK)
                        if await _version(connection) >= migration.version:
                            continue  # another process applied it meanwhile
                        await connection.execute(postgres_ddl(migration.sql))
                        await connection.execute("UPDATE schema_version SET version = $1", migration.version)
                except asyncpg.PostgresError as error:
                    raise DatabaseError(
                        f"migration {migration.path.name} failed and was rolled back: {error}") from error
                applied.append(migration.version)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._write_lock, self._pool.acquire() as connection, connection.transaction():
            await connection.execute(_WRITE_LOCK)
            yield PostgresTransaction(connection)

    async def execute(self, sql: str, parameters: Iterable = ()) -> int:
        with _constraints():
            return _changed(await self._pool.execute(numbered_placeholders(sql), *parameters))

    async def fetch_one(self, sql: str, parameters: Iterable = ()) -> Row | None:
        return await self._pool.fetchrow(numbered_placeholders(sql), *parameters)

    async def fetch_all(self, sql: str, parameters: Iterable = ()) -> list[Row]:
        return list(await self._pool.fetch(numbered_placeholders(sql), *parameters))

    # A pooled query is already served at once and sees only committed rows: what SQLite's point reader adds.
    fetch_point = fetch_one
    fetch_points = fetch_all

    async def integrity_problems(self) -> list[str]:
        return []  # the server keeps its own pages whole; a damaged page is its error, not the bot's to diagnose

    async def diagnose(self, error: BaseException) -> DatabaseError | None:
        return None

    async def close(self) -> None:
        await self._pool.close()


async def _version(connection: asyncpg.Connection) -> int:
    if not await connection.fetchval("SELECT to_regclass('schema_version') IS NOT NULL"):
        return 0  # a new, empty database
    return int(await connection.fetchval("SELECT version FROM schema_version") or 0)


def _changed(status: str) -> int:
    """The rows a statement changed, from PostgreSQL's command tag ("UPDATE 3", "INSERT 0 1", "DELETE 0")."""
    count = status.rpartition(" ")[2]
    return int(count) if count.isdigit() else 0


@contextmanager
def _constraints() -> Iterator[None]:
    """asyncpg's integrity errors as the backend-neutral ConstraintViolation."""
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as error:
        raise ConstraintViolation(str(error)) from None


def unreachable(url: str, error: BaseException) -> DatabaseError:
    """One line for the self-hoster: which database (no password), what PostgreSQL or the network said."""
    reason = str(error).strip() or type(error).__name__
    return DatabaseError(f"DATABASE_URL ({without_password(url)}) cannot be used: {reason}. Check that PostgreSQL "
                         "runs there, that the database and user exist, and the password.")
