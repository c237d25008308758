"""Storage against a real SQLite file: migrations, file mode, the stores, and concurrent writers."""

import asyncio
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from config import generate_encryption_key
from storage import (
    ConstraintViolation,
    DatabaseError,
    DecryptionFailed,
    DuplicatePayment,
    Outcome,
    PaymentStatus,
    Storage,
    WrongEncryptionKey,
    open_database,
)
from storage.database import Migration, SqliteDatabase, discover_migrations
from tests.databases import ON_SQLITE

GRANT_KEY = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoiYWxpY2UifQ.c2lnbmF0dXJlLWZvci1hbGljZQ"


async def test_opening_creates_folder_and_private_file_and_migrates(tmp_path, key):
    path = tmp_path / "nested" / "folder" / "bot.sqlite3"
    opened = await Storage.open(path, key)
    try:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert await opened.database.schema_version() == len(discover_migrations())
        journal_mode = await opened.database.fetch_one("PRAGMA journal_mode")
        assert journal_mode[0] == "wal"
        foreign_keys = await opened.database.fetch_one("PRAGMA foreign_keys")
        assert foreign_keys[0] == 1
        busy = await opened.database.fetch_one("PRAGMA busy_timeout")
        assert busy[0] >= 1000
    finally:
        await opened.close()


async def test_an_existing_file_with_loose_permissions_is_tightened(tmp_path, key):
    path = tmp_path / "bot.sqlite3"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    await (await Storage.open(path, key)).close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


async def test_migrations_are_idempotent_on_reopen(database_location, key):
    path = database_location
    first = await Storage.open(path, key)
    await first.grant_keys.put(1, GRANT_KEY, account_id="a", account_name="Alice", account_type="USER")
    await first.close()
    again = await open_database(path)
    try:
        assert await again.migrate(discover_migrations()) == []
        assert await again.schema_version() == len(discover_migrations())
    finally:
        await again.close()
    reopened = await Storage.open(path, key)
    try:
        assert (await reopened.grant_keys.get(1)).grant_key == GRANT_KEY
    finally:
        await reopened.close()


async def test_a_failing_migration_is_rolled_back_entirely(tmp_path):
    good = tmp_path / "0001_good.sql"
    good.write_text("CREATE TABLE kept (x INTEGER);")
    bad = tmp_path / "0002_bad.sql"
    bad.write_text("CREATE TABLE half_done (x INTEGER);\nTHIS IS NOT SQL;")
    database = await SqliteDatabase.open(tmp_path / "m.sqlite3", migrations=[])
    try:
        with pytest.raises(DatabaseError, match=r"0002_bad\.sql failed and was rolled back"):
            await database.migrate([Migration(1, good), Migration(2, bad)])
        assert await database.schema_version() == 1
        tables = {row[0] for row in await database.fetch_all("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "kept" in tables
        assert "half_done" not in tables
    finally:
        await database.close()


async def test_a_database_newer_than_the_code_is_refused(tmp_path):
    database = await SqliteDatabase.open(tmp_path / "m.sqlite3")
    try:
        await database.execute("PRAGMA user_version = 99")
        with pytest.raises(DatabaseError, match="schema version 99, newer than this bot knows"):
            await database.migrate(discover_migrations())
    finally:
        await database.close()


def test_migration_files_must_be_numbered_without_gaps(tmp_path):
    (tmp_path / "0001_first.sql").write_text("")
    (tmp_path / "0003_third.sql").write_text("")
    with pytest.raises(DatabaseError, match="without gaps"):
        discover_migrations(tmp_path)


async def test_grant_keys_are_encrypted_at_rest_and_round_trip(storage):
    await storage.grant_keys.put(42, GRANT_KEY, account_id="acc-1", account_name="Alice", account_type="USER")
    linked = await storage.grant_keys.get(42)
    assert linked.grant_key == GRANT_KEY
    assert (linked.account_id, linked.account_name, linked.account_type) == ("acc-1", "Alice", "USER")
    assert linked.balance_visible is None and linked.last_used_at is None
    assert GRANT_KEY not in repr(linked)
    raw = await storage.database.fetch_one("SELECT encrypted_grant_key FROM linked_accounts")
    assert GRANT_KEY.encode() not in raw[0]
    assert b"eyJ" not in raw[0]
    if storage.database.dialect == "sqlite":
        assert GRANT_KEY.encode() not in storage.database.path.read_bytes()


async def test_a_ciphertext_copied_to_another_user_does_not_decrypt_and_the_link_is_dropped(database_location, key):
    """A row that cannot be decrypted (rows swapped, a copied database) would lock its member out: it is
    dropped, and the member is told once, on their next command."""
    storage = await Storage.open(database_location, key, unreadable_link_notice="Your link was dropped.")
    await storage.grant_keys.put(1, GRANT_KEY, account_id="a", account_name="Alice", account_type="USER")
    await storage.grant_keys.put(2, "eyJ.other.key", account_id="b", account_name="Bob", account_type="USER")
    await storage.database.execute(
        "UPDATE linked_accounts SET encrypted_grant_key = "
        "(SELECT encrypted_grant_key FROM linked_accounts WHERE discord_user_id = 1) WHERE discord_user_id = 2"
    )
    with pytest.raises(DecryptionFailed):  # the cipher itself refuses it
        storage.grant_keys._cipher.decrypt_for_user(2, (await storage.database.fetch_one(
            "SELECT encrypted_grant_key FROM linked_accounts WHERE discord_user_id = 2"))[0])
    assert await storage.grant_keys.get(2) is None
    assert await storage.grant_keys.count() == 1
    assert [notice.text for notice in await storage.notices.waiting(2)] == ["Your link was dropped."]
    assert await storage.grant_keys.get(2) is None
    assert len(await storage.notices.waiting(2)) == 1  # dropped once, told once
    assert (await storage.grant_keys.get(1)).grant_key == GRANT_KEY
    await storage.close()


async def test_starting_with_another_encryption_key_fails_at_once(database_location, key):
    path = database_location
    first = await Storage.open(path, key)
    await first.close()
    import base64
    other = base64.urlsafe_b64decode(generate_encryption_key())
    with pytest.raises(WrongEncryptionKey, match="KEY_ENCRYPTION_KEY does not match the key the database"):
        await Storage.open(path, other)
    reopened = await Storage.open(path, key)  # the right key still works after the refusal
    await reopened.close()


async def test_put_replaces_a_link_atomically_and_delete_forgets_it(storage):
    old = await storage.grant_keys.put(7, "eyJ.old.key", account_id="a", account_name="Old", account_type="USER")
    await storage.grant_keys.record_use(old, balance_visible=True)
    await storage.grant_keys.put(7, GRANT_KEY, account_id="b", account_name="New", account_type="USER")
    linked = await storage.grant_keys.get(7)
    assert (linked.grant_key, linked.account_name, linked.last_used_at) == (GRANT_KEY, "New", None)
    assert await storage.grant_keys.count() == 1
    assert await storage.grant_keys.delete(7) is True
    assert await storage.grant_keys.delete(7) is False
    assert await storage.grant_keys.get(7) is None


async def test_put_many_stores_every_link_encrypted(storage):
    await storage.grant_keys.put_many([(user_id, f"eyJ.key.{user_id}", f"acc-{user_id}", f"User {user_id}", "USER")
                                       for user_id in range(1, 1001)])
    assert await storage.grant_keys.count() == 1000
    linked = await storage.grant_keys.get(500)
    assert (linked.grant_key, linked.account_id) == ("eyJ.key.500", "acc-500")


async def test_record_use_keeps_visibility_unless_told(storage):
    stored = await storage.grant_keys.put(3, GRANT_KEY, account_id="a", account_name="A", account_type="USER")
    await storage.grant_keys.record_use(stored, balance_visible=False)
    await storage.grant_keys.record_use(stored)
    linked = await storage.grant_keys.get(3)
    assert linked.balance_visible is False
    assert linked.last_used_at is not None


async def test_one_pending_link_per_user_and_replacement_is_reported(storage):
    hour = timedelta(hours=1)
    _, replaced = await storage.pending_links.start("ref-1", 5, lifetime=hour, first_poll_after=timedelta())
    assert replaced is None
    second, replaced = await storage.pending_links.start("ref-2", 5, lifetime=hour, first_poll_after=timedelta())
    assert replaced.ref_id == "ref-1"
    assert await storage.pending_links.get("ref-1") is None
    assert (await storage.pending_links.for_user(5)).ref_id == "ref-2"
    assert second.expires_at - second.created_at == hour


async def test_pending_link_dm_polling_and_single_winner_delete(storage):
    link, _ = await storage.pending_links.start("ref-9", 9, lifetime=timedelta(minutes=30),
                                                first_poll_after=timedelta(seconds=-1))
    await storage.pending_links.set_dm("ref-9", channel_id=111, message_id=222)
    (due,) = await storage.pending_links.due_for_poll()
    assert (due.dm_channel_id, due.dm_message_id, due.poll_count) == (111, 222, 0)
    await storage.pending_links.reschedule_poll("ref-9", link.created_at + timedelta(minutes=5))
    assert await storage.pending_links.due_for_poll() == []
    assert (await storage.pending_links.get("ref-9")).poll_count == 1
    results = await asyncio.gather(*(storage.pending_links.delete("ref-9") for _ in range(5)))
    assert results.count(True) == 1


async def test_a_completed_link_stays_with_what_its_dm_must_say_until_it_is_deleted(storage):
    await storage.pending_links.start("ref-7", 7, lifetime=timedelta(minutes=30), first_poll_after=timedelta(0))
    await storage.pending_links.set_dm("ref-7", channel_id=111, message_id=222)
    completions = await asyncio.gather(*(storage.complete_link(
        "ref-7", 7, "grant-key", account_id="acct", account_name="Seven", account_type="USER", balance_visible=True,
        linked_message="Linked to Seven.") for _ in range(3)))
    assert [linked is not None for linked in completions].count(True) == 1  # marking the row is the commit point
    assert (await storage.grant_keys.get(7)).account_id == "acct"

    assert await storage.pending_links.for_user(7) is None  # no longer a link in progress…
    kept = await storage.pending_links.get("ref-7")  # …but kept until its DM says so, by whoever finds it
    assert (kept.linked_message, kept.dm_message_id, kept.held_key) == ("Linked to Seven.", 222, None)
    assert [link.ref_id for link in await storage.pending_links.due_for_poll()] == ["ref-7"]
    _, replaced = await storage.pending_links.start("ref-8", 7, lifetime=timedelta(minutes=30),
                                                    first_poll_after=timedelta(0))
    assert replaced is None  # a newer link drops it, without calling it replaced
    assert await storage.pending_links.get("ref-7") is None


async def test_payment_journal_records_pending_then_outcome_and_refuses_duplicates(storage):
    payment = await storage.payments.begin(
        intent_id="intent-1", payer_user_id=1, from_account_id="a", to_account_id="b",
        to_account_name="Bob", amount=1250, recipient_user_id=2, balance_before=10_000,
    )
    assert payment.status is PaymentStatus.PENDING
    assert [p.id for p in await storage.payments.open_rows()] == [payment.id]
    with pytest.raises(DuplicatePayment):
        await storage.payments.begin(intent_id="intent-1", payer_user_id=1, from_account_id="a",
                                     to_account_id="b", to_account_name="Bob", amount=1250)
    assert await storage.payments.finish(payment.id, Outcome(PaymentStatus.PAID, "verified", balance_after=8_750))
    done = await storage.payments.by_intent("intent-1")
    assert (done.status, done.balance_after, done.detail) == (PaymentStatus.PAID, 8_750, "verified")
    assert await storage.payments.open_rows() == []
    # Recorded once: a second process settling the same row finds it settled.
    assert not await storage.payments.finish(payment.id, Outcome(PaymentStatus.FAILED, "absent"))
    assert (await storage.payments.get(payment.id)).status is PaymentStatus.PAID
    with pytest.raises(ValueError):
        await storage.payments.finish(payment.id, Outcome(PaymentStatus.PENDING))


async def test_the_journal_itself_refuses_non_positive_amounts_and_self_transfers(storage):
    for amount, to_account in ((0, "b"), (-5, "b"), (5, "a")):
        with pytest.raises(ConstraintViolation):
            await storage.payments.begin(intent_id=f"i{amount}{to_account}", payer_user_id=1,
                                         from_account_id="a", to_account_id=to_account,
                                         to_account_name="x", amount=amount)


async def test_many_concurrent_writers_on_one_connection(storage):
    async def link_and_pay(user_id: int):
        await storage.grant_keys.put(user_id, f"eyJ.key.{user_id}", account_id=f"acc-{user_id}",
                                     account_name=f"User {user_id}", account_type="USER")
        await storage.pending_links.start(f"ref-{user_id}", user_id, lifetime=timedelta(minutes=5),
                                          first_poll_after=timedelta(seconds=10))
        payment = await storage.payments.begin(intent_id=f"intent-{user_id}", payer_user_id=user_id,
                                               from_account_id=f"acc-{user_id}", to_account_id="gov",
                                               to_account_name="Government", amount=user_id)
        await storage.payments.finish(payment.id, Outcome(PaymentStatus.PAID))

    await asyncio.gather(*(link_and_pay(user_id) for user_id in range(1, 201)))
    assert await storage.grant_keys.count() == 200
    assert len(await storage.pending_links.all()) == 200
    assert await storage.payments.open_rows() == []
    for user_id in (1, 100, 200):
        assert (await storage.grant_keys.get(user_id)).grant_key == f"eyJ.key.{user_id}"


async def test_two_processes_worth_of_connections_share_the_database(database_location, key):
    path = database_location
    first, second = await Storage.open(path, key), await Storage.open(path, key)
    try:
        async def write(store, start):
            for user_id in range(start, start + 50):
                await store.grant_keys.put(user_id, f"eyJ.k.{user_id}", account_id="a", account_name="A",
                                           account_type="USER")

        await asyncio.gather(write(first, 0), write(second, 1000))
        assert await first.grant_keys.count() == 100
        assert (await second.grant_keys.get(10)).grant_key == "eyJ.k.10"
    finally:
        await first.close()
        await second.close()


@ON_SQLITE
async def test_backup_is_a_consistent_private_copy(storage, tmp_path, key):
    await storage.grant_keys.put(1, GRANT_KEY, account_id="a", account_name="Alice", account_type="USER")
    copy_path = tmp_path / "backups" / "copy.sqlite3"
    await storage.database.backup_to(copy_path)
    assert stat.S_IMODE(os.stat(copy_path).st_mode) == 0o600
    copy = await Storage.open(copy_path, key)
    try:
        assert (await copy.grant_keys.get(1)).grant_key == GRANT_KEY
    finally:
        await copy.close()


# -- a DATABASE_PATH that cannot be used ----------------------------------------------------------------


async def test_a_path_whose_folder_cannot_exist_is_one_clear_database_error(key):
    with pytest.raises(DatabaseError) as raised:
        await Storage.open(Path("/proc/nope/bot.db"), key)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("DATABASE_PATH (/proc/nope/bot.db) cannot be opened:")
    assert "Set DATABASE_PATH to a file" in message


async def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(tmp_path, key):
    path = tmp_path / "notes.txt"
    path.write_text("my shopping list, not a database\n")
    os.chmod(path, 0o644)
    with pytest.raises(DatabaseError, match=r"is a file that is not a SQLite database") as raised:
        await Storage.open(path, key)
    assert "DATABASE_PATH" in str(raised.value)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert path.read_text() == "my shopping list, not a database\n"


async def test_a_corrupted_sqlite_file_is_a_database_error_not_a_sqlite_traceback(tmp_path, key):
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)  # right header, garbage pages
    with pytest.raises(DatabaseError, match=r"^the database at .* is damaged: SQLite's integrity check found: "):
        await Storage.open(path, key)


async def test_an_unwritable_folder_is_a_database_error(tmp_path, key):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(DatabaseError, match="Permission denied"):
            await Storage.open(locked / "bot.sqlite3", key)
    finally:
        locked.chmod(0o700)


# -- reads and open transactions ------------------------------------------------------------------------


async def test_a_read_never_sees_an_open_transactions_rows_and_on_sqlite_waits_for_it(storage):
    inside = asyncio.Event()
    release = asyncio.Event()

    async def write_then_roll_back():
        with pytest.raises(RuntimeError):
            async with storage.database.transaction() as connection:
                await connection.execute(
                    "INSERT INTO pending_links (ref_id, discord_user_id, created_at, expires_at, dm_channel_id, "
                    "dm_message_id, next_poll_at, poll_count) VALUES ('ghost', 7, 0, 9e9, NULL, NULL, 0, 0)")
                inside.set()
                await release.wait()
                raise RuntimeError("changed my mind")

    writer = asyncio.create_task(write_then_roll_back())
    await inside.wait()
    assert await storage.pending_links.get("ghost") is None  # a point read: at once, committed rows only
    reader = asyncio.create_task(storage.pending_links.all())
    await asyncio.sleep(0.05)
    if storage.database.dialect == "sqlite":
        assert not reader.done()  # a read on the shared connection waits for the transaction to end
    else:
        assert await reader == []  # a pooled connection of its own: committed rows, at once
    release.set()
    await writer
    assert await reader == []


@pytest.mark.parametrize("cancel_after_steps", [1, 2, 3])
async def test_a_write_cancelled_midway_leaves_the_connection_usable(storage, database_location, key,
                                                                     cancel_after_steps):
    """A shutdown cancels work at any await, including while BEGIN or the statement is still queued in
    aiosqlite's thread; the connection must not stay inside a transaction that nothing ever commits."""
    async def start_a_link():
        await storage.pending_links.start("cut-off", 7, lifetime=timedelta(minutes=5),
                                          first_poll_after=timedelta(seconds=10))

    task = asyncio.create_task(start_a_link())
    for _ in range(cancel_after_steps):
        await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    await storage.grant_keys.put(8, GRANT_KEY, account_id="acct-8", account_name="Alice", account_type="USER")
    await storage.close()
    reopened = await Storage.open(database_location, key)
    try:  # what the later write stored is on disk, committed
        assert (await reopened.grant_keys.get(8)).grant_key == GRANT_KEY
    finally:
        await reopened.close()
