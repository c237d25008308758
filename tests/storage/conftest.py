"""Fixtures of the storage tests: a fresh encryption key, and storage opened on a real database: a SQLite file
and a PostgreSQL schema (each test taking `storage` runs on both; see tests/databases.py)."""

import base64
from datetime import UTC, datetime

import pytest

from config import generate_encryption_key
from storage import Storage


@pytest.fixture
def key() -> bytes:
    return base64.urlsafe_b64decode(generate_encryption_key())


@pytest.fixture
async def storage(database_location, key):
    opened = await Storage.open(database_location, key)
    yield opened
    await opened.close()


class StoppedClock:
    """The stores' "now", moved on by the test (`clock.at += …`), never waited for."""

    def __init__(self) -> None:
        self.at = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> StoppedClock:
    return StoppedClock()


@pytest.fixture
async def two_processes(database_location, key, clock):
    """Two Storage objects on one database, standing for two processes (each has its own connections, as a
    process has), on one stopped clock."""
    here = await Storage.open(database_location, key, clock=clock)
    there = await Storage.open(database_location, key, clock=clock)
    yield here, there
    await there.close()
    await here.close()
