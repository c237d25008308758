"""Fixtures of the storage tests: a fresh encryption key, and storage opened on a real SQLite file."""

import base64

import pytest

from config import generate_encryption_key
from storage import Storage


@pytest.fixture
def key() -> bytes:
    return base64.urlsafe_b64decode(generate_encryption_key())


@pytest.fixture
async def storage(tmp_path, key):
    opened = await Storage.open(tmp_path / "bot.sqlite3", key)
    yield opened
    await opened.close()
