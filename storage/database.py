"""The SQLite backend (see backend.py): file creation, pragmas, migrations and serialised write transactions.

One aiosqlite connection serves the whole bot. Its statements run one at a time on aiosqlite's thread, but
coroutines could still interleave *between* the statements of two transactions, so every multi-statement
write goes through `transaction()`, which holds an asyncio lock for its whole duration. Reads take the same
lock: on one shared connection they would otherwise see another coroutine's uncommitted (maybe rolled back)
rows. The one exception is `fetch_point`, the read by key that every command makes: a read-only connection of
its own serves it at once, seeing only what is committed (point_reads.py).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from .backend import ConstraintViolation, Database, Row, Transaction
from .damage import SQLITE_HEADER, diagnosed, integrity_problems, is_damage, zeroed
from .errors import DatabaseError
from .file_identity import WATCH_EVERY, FileIdentity
from .migration_files import Migration, discover_migrations, newer_than_known
from .point_reads import PointReader

BUSY_TIMEOUT_MS = 5_000

__all__ = ["BUSY_TIMEOUT_MS", "Migration", "SqliteDatabase", "backup_database", "discover_migrations"]


class SqliteTransaction(Transaction):
    def __init__(self, connection: aiosqlite.Connection):
        self._connection = connection

    async def execute(self, sql: str, parameters: Iterable = ()) -> int:
        with _constraints():
            async with self._connection.execute(sql, tuple(parameters)) as cursor:
                return cursor.rowcount

    async def insert(self, sql: str, parameters: Iterable = ()) -> int:
        with _constraints():
            async with self._connection.execute(sql, tuple(parameters)) as cursor:
                assert cursor.lastrowid is not None, "an INSERT gives its row's id"
                return cursor.lastrowid

    async def execute_many(self, sql: str, rows: Iterable[Iterable]) -> None:
        with _constraints():
            await self._connection.executemany(sql, [tuple(row) for row in rows])

    async def fetch_one(self, sql: str, parameters: Iterable = ()) -> Row | None:
        rows = await self._connection.execute_fetchall(sql, tuple(parameters))
        return next(iter(rows), None)

    async def fetch_all(self, sql: str, parameters: Iterable = ()) -> list[Row]:
        return list(await self._connection.execute_fetchall(sql, tuple(parameters)))


@contextmanager
def _constraints() -> Iterator[None]:
    """sqlite3's IntegrityError as the backend-neutral ConstraintViolation."""
    try:
        yield
    except sqlite3.IntegrityError as error:
        raise ConstraintViolation(str(error)) from None


class SqliteDatabase(Database):
    dialect = "sqlite"

    def __init__(self, connection: aiosqlite.Connection, path: Path):
        self.connection = connection
        self.path = path
        self._write_lock = asyncio.Lock()
        self._point_reader: PointReader | None = None  # opened once the schema is up to date
        self.file: FileIdentity | None = None  # the file opened, watched from open() until close()
        self._watcher: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path, migrations: Iterable[Migration] | None = None) -> SqliteDatabase:
        """Open (creating if needed) the database at `path` and bring its schema up to date.

        Any reason the file cannot be used becomes one DatabaseError naming DATABASE_PATH, for the self-hoster.
        """
        path = Path(path)
        try:
            _create_private_file(path)
        except NotADatabase as error:
            raise (zeroed(path) if error.zeroed else _not_a_database(path)) from None
        except OSError as error:
            raise _unusable(path, error) from None
        # isolation_level=None: no implicit transactions; `transaction()` issues BEGIN itself.
        try:
            connection = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as error:
            raise _unusable(path, error) from None
        connection.row_factory = aiosqlite.Row  # the stores read each column by its name
        database = cls(connection, path)
        try:
            await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA synchronous = NORMAL")
            await connection.execute("PRAGMA foreign_keys = ON")
            await database.migrate(discover_migrations() if migrations is None else list(migrations))
            database._point_reader = PointReader.open(path)
            database.file = FileIdentity(path)
        except sqlite3.Error as error:
            await connection.close()
            raise await _explained(path, error) from None
        except BaseException:
            await connection.close()
            raise
        database._watcher = asyncio.create_task(database._watch_file(), name="database-file-watch")
        return database

    async def _watch_file(self) -> None:
        """Notice a deleted or replaced file while nothing reads or writes (file_identity.py)."""
        while True:
            await asyncio.sleep(WATCH_EVERY)
            if self.file is None or not self.file.check_now():
                return

    def _before_write(self) -> None:
        if self.file is not None:
            self.file.before_write()

    def _before_read(self) -> None:
        if self.file is not None:
            self.file.before_read()

    @property
    def where(self) -> str:
        return str(self.path)

    async def integrity_problems(self) -> list[str]:
        return await integrity_problems(self.path)

    async def diagnose(self, error: BaseException) -> DatabaseError | None:
        return await diagnosed(self.path, error) if isinstance(error, sqlite3.Error) else None

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
        if self._point_reader is not None:
            self._point_reader.close()  # first: the writer's close then checkpoints and removes the WAL
        await self.connection.close()

    async def schema_version(self) -> int:
        return await _pragma(self.connection, "user_version")

    async def migrate(self, migrations: list[Migration]) -> list[int]:
        """Apply the migrations newer than the database, each in its own transaction; return their versions."""
        applied = []
        current = await self.schema_version()
        if (refusal := newer_than_known(str(self.path), current, migrations)) is not None:
            raise refusal
        for migration in migrations:
            if migration.version <= current:
                continue
            async with self._write_lock:
                script = f"BEGIN IMMEDIATE;\n{migration.sql}\nPRAGMA user_version = {migration.version};\nCOMMIT;"
                try:
                    await self.connection.executescript(script)
                except Exception as error:
                    if self.connection.in_transaction:
                        await self.connection.execute("ROLLBACK")
                    if is_damage(error):
                        raise  # open() tells the damage apart, with SQLite's integrity check
                    raise DatabaseError(
                        f"migration {migration.path.name} failed and was rolled back: {error}"
                    ) from error
            applied.append(migration.version)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on error) that no other coroutine enters."""
        self._before_write()
        async with self._write_lock:
            try:
                await self.connection.execute("BEGIN IMMEDIATE")
                yield SqliteTransaction(self.connection)
                await self.connection.execute("COMMIT")
            except BaseException:
                # Also when cancelled (a shutdown) while BEGIN or COMMIT was still queued: aiosqlite runs
                # statements in order, so this ROLLBACK comes after them, and the shield keeps a second
                # cancellation from skipping it. Otherwise the shared connection would stay inside a
                # transaction that every later write joins and nothing ever commits.
                await asyncio.shield(self._roll_back())
                raise

    async def _roll_back(self) -> None:
        try:
            await self.connection.execute("ROLLBACK")
        except sqlite3.OperationalError:
            pass  # no transaction was open: BEGIN never ran, or COMMIT went through

    async def fetch_one(self, sql: str, parameters: Iterable = ()) -> Row | None:
        # One trip to aiosqlite's thread instead of three (execute, fetch, close): every command reads a key.
        self._before_read()
        async with self._write_lock:  # on the shared connection, a read mid-transaction would see uncommitted rows
            rows = await self.connection.execute_fetchall(sql, tuple(parameters))
        return next(iter(rows), None)

    async def fetch_point(self, sql: str, parameters: Iterable = ()) -> Row | None:
        """One row by its key, for the reads every command makes: read at once, without queueing behind the
        writer connection's statements (see point_reads.py). Sees only committed rows, of every process."""
        if self._point_reader is None:
            return await self.fetch_one(sql, parameters)  # a Database made without open(): same rows, queued
        self._before_read()
        return self._point_reader.fetch_one(sql, parameters)

    async def fetch_points(self, sql: str, parameters: Iterable = ()) -> list[Row]:
        """The few rows under one key (a member's links), read like `fetch_point`: at once, committed only."""
        if self._point_reader is None:
            return await self.fetch_all(sql, parameters)
        self._before_read()
        return self._point_reader.fetch_all(sql, parameters)

    async def fetch_all(self, sql: str, parameters: Iterable = ()) -> list[Row]:
        self._before_read()
        async with self._write_lock:
            return list(await self.connection.execute_fetchall(sql, tuple(parameters)))

    async def execute(self, sql: str, parameters: Iterable = ()) -> int:
        """Run one write statement on its own (atomic by itself); return the number of rows it changed."""
        self._before_write()
        async with self._write_lock:
            with _constraints():
                async with self.connection.execute(sql, tuple(parameters)) as cursor:
                    return cursor.rowcount

    async def backup_to(self, destination: Path) -> None:
        """A consistent copy of the live database (SQLite's online backup API), readable only by its owner."""
        destination = Path(destination)
        _create_private_file(destination)
        async with aiosqlite.connect(destination) as target:
            await self.connection.backup(target)


async def _pragma(connection: aiosqlite.Connection, name: str) -> Any:
    """The value a one-value PRAGMA (user_version, integrity_check…) answers."""
    async with connection.execute(f"PRAGMA {name}") as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise DatabaseError(f"SQLite answered nothing to PRAGMA {name}.")
    return row[0]


class NotADatabase(DatabaseError):
    """A file already exists at the path and is not a SQLite database (`zeroed`: its first bytes, where SQLite's
    header belongs, are all zeros, as in a database whose first page was lost)."""

    def __init__(self, message: str, *, zeroed: bool = False):
        super().__init__(message)
        self.zeroed = zeroed


def _create_private_file(path: Path) -> None:
    """Create `path` (and its folder) if missing; the file holds encrypted keys, so only its owner may read it.

    An existing file is tightened only once it is known to be SQLite (or empty): a DATABASE_PATH pointing at
    someone's other file must not change that file at all.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        header = os.read(descriptor, len(SQLITE_HEADER))
        if header and header != SQLITE_HEADER:
            raise NotADatabase(f"{path} exists and is not a SQLite database; it was left untouched.",
                               zeroed=header == bytes(len(SQLITE_HEADER)))
        os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)


def _unusable(path: Path, error: OSError | sqlite3.Error) -> DatabaseError:
    """One line for the self-hoster: which path, what the system said, what to do."""
    reason = (error.strerror or str(error)) if isinstance(error, OSError) else str(error)
    if isinstance(error, sqlite3.DatabaseError) and "not a database" in reason:
        return _not_a_database(path)
    return DatabaseError(f"DATABASE_PATH ({path}) cannot be opened: {reason}. Set DATABASE_PATH to a file in a "
                         "folder that exists (or can be created) and belongs to the user running the bot.")


async def _explained(path: Path, error: sqlite3.Error) -> DatabaseError:
    """The one line for `error` at `path`: damage named as such after SQLite's integrity check, else `_unusable`."""
    return await diagnosed(path, error) or _unusable(path, error)


def _not_a_database(path: Path) -> DatabaseError:
    return DatabaseError(f"DATABASE_PATH ({path}) is a file that is not a SQLite database (it was left untouched). "
                         "Point DATABASE_PATH at the bot's database file, or at a new file name.")


async def backup_database(source: Path, destination: Path) -> int:
    """Copy the database at `source` to a new file `destination`, consistently even while the bot writes to it
    (SQLite's online backup API), check the copy's integrity, and return the copy's schema version."""
    source, destination = Path(source), Path(destination)
    if not source.is_file():
        raise DatabaseError(f"there is no database at {source}. Check DATABASE_PATH.")
    if destination.exists():
        raise DatabaseError(f"{destination} already exists; choose a new file name so no backup is overwritten.")
    _create_private_file(destination)
    try:
        async with aiosqlite.connect(source) as live, aiosqlite.connect(destination) as copy:
            await live.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await live.backup(copy)
            verdict = await _pragma(copy, "integrity_check")
            version = await _pragma(copy, "user_version")
    except sqlite3.Error as error:
        # One line naming DATABASE_PATH (e.g. a file that is not SQLite), not a sqlite3 traceback.
        destination.unlink(missing_ok=True)
        raise await _explained(source, error) from None
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    if verdict != "ok":
        destination.unlink(missing_ok=True)
        raise DatabaseError(f"the copy failed SQLite's integrity check ({verdict}); nothing was kept.")
    return version
