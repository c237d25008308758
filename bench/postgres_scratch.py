"""`python -m bench --database postgresql://…`: the bot under test on PostgreSQL, in a schema of its own that is
created empty for the run and dropped after it, so the database given is left as it was."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import asyncpg


@asynccontextmanager
async def scratch_schema(url: str) -> AsyncIterator[str]:
    """A new, empty schema in the database at `url`, as a DATABASE_URL using it; dropped on leaving."""
    schema = f"bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        try:
            yield f"{url}{'&' if urlsplit(url).query else '?'}search_path={schema}"
        finally:
            await admin.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await admin.close()


@asynccontextmanager
async def scratch_space(database: str | None) -> AsyncIterator[tuple[str, str | None]]:
    """The run's temporary folder, and the bot's DATABASE_URL: None (its SQLite file, in that folder), or a
    scratch schema in the PostgreSQL database `database`."""
    with tempfile.TemporaryDirectory(prefix="taubot-bench-") as folder:
        if database is None:
            yield folder, None
            return
        async with scratch_schema(database) as url:
            yield folder, url
