"""`check`, `backup` and `migrate-to` with PostgreSQL, run as the self-hoster runs them."""

import asyncio
import base64
import shlex
import uuid

from check.database import check_database
from config import Settings, generate_encryption_key
from storage import Outcome, PaymentStatus, PostgresDatabase, Storage, discover_migrations
from tests.cli.test_check_and_backup import run_bot_py
from tests.databases import ON_POSTGRESQL, ON_POSTGRESQL_NEW

SCHEMA = len(discover_migrations())
KEY = base64.urlsafe_b64decode(generate_encryption_key())


PASSWORD = "hunter2-secret"


def with_password(url: str) -> str:
    """The test URL with a password in it (trust authentication ignores it): it must never be shown."""
    return url.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@")


def settings_for(url: str, key: bytes = KEY) -> Settings:
    return Settings(discord_token="t", taubot_master_key="m", taubot_app_id=uuid.uuid4(),
                    key_encryption_key=key, database_url=url)


@ON_POSTGRESQL_NEW
async def test_check_reports_the_server_and_schema_and_writes_nothing(new_database_location):
    url = with_password(new_database_location)
    empty = await check_database(settings_for(url))
    assert empty.ok and empty.detail.startswith("PostgreSQL 15") and empty.detail.endswith(
        ": no tables yet, created at first start")
    assert "hunter2" not in empty.detail
    database = await PostgresDatabase.connect(url)
    try:
        assert await database.tables() == []  # check created nothing
    finally:
        await database.close()

    storage = await Storage.open(url, KEY)
    await storage.grant_keys.put(1, "eyJ.key.one", account_id="a", account_name="Alice", account_type="USER")
    await storage.close()
    found = await check_database(settings_for(url))
    assert found.ok, found.detail
    assert f"(schema {SCHEMA}, encryption key matches, 1 linked member(s))" in found.detail
    wrong = await check_database(settings_for(url, base64.urlsafe_b64decode(generate_encryption_key())))
    assert not wrong.ok and wrong.detail.startswith("KEY_ENCRYPTION_KEY does not match the key the database at ")
    assert "hunter2" not in wrong.detail


async def run(*command: str) -> str:
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, command
    return out.decode()


@ON_POSTGRESQL
async def test_backup_names_the_pg_dump_command_without_the_password_and_it_works(database_location, tmp_path):
    url = with_password(database_location)
    storage = await Storage.open(url, KEY)
    await storage.grant_keys.put(1, "eyJ.key.one", account_id="a", account_name="Alice", account_type="USER")
    await storage.close()
    status, out, err = await run_bot_py("backup", str(tmp_path / "nightly.dump"), env={"DATABASE_URL": url},
                                        cwd=tmp_path)
    assert status == 1, err  # nothing was backed up by the bot itself
    assert "hunter2" not in out + err
    command = next(line.strip() for line in out.splitlines() if line.strip().startswith("pg_dump "))
    await run(*shlex.split(command))  # the command shown, run as shown
    listing = await run("pg_restore", "--list", str(tmp_path / "nightly.dump"))
    assert "TABLE DATA" in listing and "linked_accounts" in listing


@ON_POSTGRESQL_NEW
async def test_migrate_to_copies_everything_still_encrypted_and_refuses_a_second_time(new_database_location,
                                                                                     tmp_path):
    sqlite_path = tmp_path / "bot.sqlite3"
    old = await Storage.open(sqlite_path, KEY)
    await old.grant_keys.put(1, "eyJ.key.one", account_id="a", account_name="Alice", account_type="USER")
    await old.grant_keys.put(2, "eyJ.key.two", account_id="b", account_name="Bob", account_type="USER")
    paid = await old.payments.begin(intent_id="i-1", payer_user_id=1, from_account_id="a", to_account_id="b",
                                    to_account_name="Bob", amount=1250, memo="lunch")
    await old.payments.finish(paid.id, Outcome(PaymentStatus.PAID, "verified", log_entry="entry-1"))
    await old.notices.post(2, "a note")
    encrypted = (await old.database.fetch_one(
        "SELECT encrypted_grant_key FROM linked_accounts WHERE discord_user_id = 1"))[0]
    await old.close()

    url = with_password(new_database_location)
    status, out, err = await run_bot_py("migrate-to", url, env={"DATABASE_PATH": str(sqlite_path)}, cwd=tmp_path)
    assert status == 0, err
    assert "hunter2" not in out + err
    assert "linked_accounts 2" in out and "payments 1" in out and "the counts match" in out
    assert "Next: set DATABASE_URL=" in out

    moved = await Storage.open(url, KEY)
    try:
        assert (await moved.grant_keys.get(1)).grant_key == "eyJ.key.one"
        assert (await moved.database.fetch_one(
            "SELECT encrypted_grant_key FROM linked_accounts WHERE discord_user_id = 1"))[0] == encrypted
        copied = await moved.payments.by_intent("i-1")
        assert (copied.id, copied.status, copied.memo, copied.log_entry) == (paid.id, PaymentStatus.PAID, "lunch",
                                                                            "entry-1")
        later = await moved.payments.begin(intent_id="i-2", payer_user_id=2, from_account_id="b",
                                           to_account_id="a", to_account_name="Alice", amount=1)
        assert later.id == paid.id + 1  # new ids continue after the copied ones
        assert [notice.text for notice in await moved.notices.waiting(2)] == ["a note"]
    finally:
        await moved.close()

    status, out, err = await run_bot_py("migrate-to", url, env={"DATABASE_PATH": str(sqlite_path)}, cwd=tmp_path)
    assert status == 1
    assert err.strip().startswith("migrate-to failed: the PostgreSQL database at ")
    assert "is not empty" in err and len(err.strip().splitlines()) == 1 and "hunter2" not in err
