"""Grant keys are read by a read-only connection of their own, on the event loop (storage/point_reads.py):
committed rows of any process at once, never another coroutine's open transaction, no snapshot held."""

import asyncio

import pytest

from storage import Storage

GRANT_KEY = "eyJhbGciOiJSUzUxMiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


@pytest.fixture
async def storage(tmp_path, key):
    opened = await Storage.open(tmp_path / "bot.sqlite3", key)
    yield opened
    await opened.close()


@pytest.fixture
def key():
    return bytes(range(32))


async def put(storage, user_id, grant_key, account_id="a"):
    await storage.grant_keys.put(user_id, grant_key, account_id=account_id, account_name="Alice", account_type="USER")


async def test_a_key_read_neither_waits_for_nor_sees_an_open_transaction(storage):
    await put(storage, 7, GRANT_KEY)
    inside, release = asyncio.Event(), asyncio.Event()

    async def relink_slowly():
        async with storage.database.transaction() as connection:
            await storage.grant_keys.put_within(connection, 7, "eyJ.new.key", account_id="b", account_name="Alice",
                                                account_type="USER")
            inside.set()
            await release.wait()

    writer = asyncio.create_task(relink_slowly())
    await inside.wait()
    during = await asyncio.wait_for(storage.grant_keys.get(7), timeout=1)  # no waiting for the writer's lock
    assert (during.grant_key, during.account_id) == (GRANT_KEY, "a")  # what is committed, not half a relink
    release.set()
    await writer
    after = await storage.grant_keys.get(7)
    assert (after.grant_key, after.account_id) == ("eyJ.new.key", "b")


async def test_key_reads_hold_no_snapshot_that_would_block_a_checkpoint(storage):
    await put(storage, 1, GRANT_KEY)
    for _ in range(50):
        assert (await storage.grant_keys.get(1)).grant_key == GRANT_KEY
        assert await storage.grant_keys.get(2) is None
    await put(storage, 1, "eyJ.second.key")
    # TRUNCATE reports busy (1) when any reader still holds an old snapshot; 0 means the WAL was emptied.
    busy, _, _ = await storage.database.fetch_one("PRAGMA wal_checkpoint(TRUNCATE)")
    assert busy == 0
    assert (await storage.grant_keys.get(1)).grant_key == "eyJ.second.key"


async def test_the_key_reader_cannot_write(storage):
    with pytest.raises(Exception, match="readonly"):
        await storage.database.fetch_point("DELETE FROM linked_accounts")
