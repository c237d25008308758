"""The databases the suite runs on: a SQLite file in the test's folder, and a schema of its own in a real
PostgreSQL (TEST_DATABASE_URL, by default postgresql://postgres@127.0.0.1:5432/test?sslmode=disable), dropped
after the test.

A test that takes `database_location` (or a fixture built on it, like tests/storage's `storage`) runs once per
backend, ids `sqlite` and `postgresql`. A test about one backend's own behaviour is marked ON_SQLITE or
ON_POSTGRESQL. Where PostgreSQL cannot be reached the PostgreSQL runs are left out with one line at the end of
the run (tests/conftest.py), except when CI is set: then the run stops with that reason instead.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import asyncpg
import pytest

from storage import PostgresDatabase, discover_migrations, without_password

BACKENDS = ("sqlite", "postgresql")
ON_SQLITE = pytest.mark.parametrize("database_location", ["sqlite"], indirect=True)
ON_POSTGRESQL = pytest.mark.parametrize("database_location", ["postgresql"], indirect=True)
ON_SQLITE_BOT = pytest.mark.parametrize("bot_database", ["sqlite"], indirect=True)  # the cog suite's bot
ON_POSTGRESQL_NEW = pytest.mark.parametrize("new_database_location", ["postgresql"], indirect=True)
# sslmode=disable: over loopback TLS buys nothing, and asyncpg's TLS negotiation, when a connect is cancelled
# (a bot stopped mid-query), leaves a future whose error asyncio logs at ERROR later, failing whichever test
# then runs ("Future exception was never retrieved ... unexpected connection_lost() call").
DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test?sslmode=disable"


def test_database_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL


test_database_url.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def postgres_unreachable_reason() -> str | None:
    """Why the test PostgreSQL cannot be used (None: it can), asked once with a short timeout."""
    async def probe() -> None:
        connection = await asyncpg.connect(test_database_url(), timeout=3)
        await connection.close()

    try:
        asyncio.run(probe())
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        return f"{without_password(test_database_url())}: {str(error) or type(error).__name__}"
    return None


def in_schema(url: str, schema: str) -> str:
    """`url` with every connection's search_path set to `schema` (asyncpg passes unknown URL query
    parameters on as server settings)."""
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}search_path={schema}"


@asynccontextmanager
async def fresh_schema() -> AsyncIterator[str]:
    """A new, empty schema (no tables) in the test PostgreSQL, as a DATABASE_URL that uses it; dropped afterwards."""
    _used[0] = True
    admin = await asyncpg.connect(test_database_url())
    try:
        schema = await _created_schema(admin)
        try:
            yield in_schema(test_database_url(), schema)
        finally:
            await admin.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await admin.close()


# Migrated schemas emptied after their test, for the next one: creating and migrating a schema costs ~0.3 s,
# emptying ~2 ms. Each pytest process keeps its own (their names carry its pid); dropped at the session's end.
_emptied_schemas: list[str] = []


@asynccontextmanager
async def migrated_schema() -> AsyncIterator[str]:
    """A schema holding the bot's current, empty tables, as a DATABASE_URL that uses it. Emptied after the test
    (every row deleted, ids restarted), or dropped if the test left it at another schema version."""
    _used[0] = True
    admin = await asyncpg.connect(test_database_url())
    try:
        schema = _emptied_schemas.pop() if _emptied_schemas else await _migrated_schema(admin)
        url = in_schema(test_database_url(), schema)
        try:
            yield url
        finally:
            if await _at_current_version(admin, schema):
                await _empty(admin, schema)
                _emptied_schemas.append(schema)
            else:
                await admin.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await admin.close()


def postgres_was_used() -> bool:
    return _used[0]


_used = [False]


def drop_test_schemas() -> None:
    """At the end of the session: drop this process's emptied schemas, and those of test processes that died."""
    async def drop() -> None:
        admin = await asyncpg.connect(test_database_url())
        try:
            for (schema,) in await admin.fetch("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'test\\_%'"):
                pid = schema.split("_")[1]
                if not pid.isdigit() or int(pid) == os.getpid() or not _alive(int(pid)):
                    await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        finally:
            await admin.close()

    asyncio.run(drop())
    _emptied_schemas.clear()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _created_schema(admin: asyncpg.Connection) -> str:
    schema = f"test_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    return schema


async def _migrated_schema(admin: asyncpg.Connection) -> str:
    schema = await _created_schema(admin)
    database = await PostgresDatabase.open(in_schema(test_database_url(), schema))
    await database.close()
    return schema


async def _at_current_version(admin: asyncpg.Connection, schema: str) -> bool:
    if not await admin.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{schema}.schema_version"):
        return False
    version = await admin.fetchval(f"SELECT version FROM {schema}.schema_version")  # noqa: S608 - our own name
    return version == len(discover_migrations())


async def _empty(admin: asyncpg.Connection, schema: str) -> None:
    tables = [row[0] for row in await admin.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_version'", schema)]
    identities = [row[0] for row in await admin.fetch(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = $1 AND is_identity = 'YES'", schema)]
    # Names from the catalog of a schema the suite made.
    await admin.execute("; ".join(
        [f"DELETE FROM {schema}.{table}" for table in tables]  # noqa: S608
        + [f"SELECT setval(pg_get_serial_sequence('{schema}.{table}', 'id'), 1, false)" for table in identities]))
