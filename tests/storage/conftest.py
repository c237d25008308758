"""Fixtures of the storage tests: a fresh encryption key, and storage opened on a real database: a SQLite file
and a PostgreSQL schema (each test taking `storage` runs on both; see tests/databases.py)."""

import base64

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
