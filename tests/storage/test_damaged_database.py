"""A database file damaged on disk (pages of zeros, flipped bytes) at start: SQLite's integrity check says
which it is, the bot stops with one line saying what to do without losing anything, and changes nothing;
a damaged key check value is not mistaken for the wrong KEY_ENCRYPTION_KEY."""

import asyncio
import base64
import hashlib
import logging
import os
import sys
from pathlib import Path

import pytest

from config import generate_encryption_key
from storage import DamagedDatabase, Storage, WrongEncryptionKey

REPO = Path(__file__).resolve().parents[2]
PAGE = 4096  # SQLite's default page size, which the bot keeps


def new_key() -> bytes:
    return base64.urlsafe_b64decode(generate_encryption_key())


@pytest.fixture
def key() -> bytes:
    return new_key()


@pytest.fixture
async def database(tmp_path, key) -> Path:
    """A database with fifty linked members, closed (so it is all in the main file)."""
    path = tmp_path / "bot.sqlite3"
    storage = await Storage.open(path, key)
    await storage.grant_keys.put_many([(user, f"grant-key-{user}", f"account-{user}", f"Member {user}", "USER")
                                       for user in range(1, 51)])
    await storage.close()
    return path


def overwrite(path: Path, offset: int, data: bytes) -> None:
    with open(path, "r+b") as file:
        file.seek(offset)
        file.write(data)


def flip_check_value(path: Path) -> None:
    """Flip one byte inside the stored check value (a cell's data: SQLite's own structure stays intact)."""
    offset = path.read_bytes().index(b"key_check") + len(b"key_check") + 8
    overwrite(path, offset, bytes([path.read_bytes()[offset] ^ 0xFF]))


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def start_the_bot(path: Path, key: bytes, cwd: Path) -> tuple[int, str]:
    """`python bot.py` as a self-hoster starts it; the database is the first thing it opens."""
    env = {"PATH": os.environ.get("PATH", ""),
           "DISCORD_TOKEN": "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB",
           "TAUBOT_MASTER_KEY": "master-key", "TAUBOT_APP_ID": "123e4567-e89b-12d3-a456-426614174000",
           "KEY_ENCRYPTION_KEY": base64.urlsafe_b64encode(key).decode(), "TAUBOT_API_URL": "http://127.0.0.1:9/api",
           "DATABASE_PATH": str(path)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "bot.py"), "--env-file", os.devnull, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode, stderr.decode()


@pytest.mark.parametrize(("damage", "said"), [
    ("second page zeroed", "is damaged: SQLite's integrity check found: database disk image is malformed."),
    ("first page zeroed", "is damaged: its first page, where SQLite keeps its header, is all zeros."),
])
async def test_a_damaged_file_stops_the_bot_with_one_line_saying_so_and_nothing_changed(database, key, tmp_path,
                                                                                      damage, said):
    overwrite(database, PAGE if damage == "second page zeroed" else 0, bytes(PAGE))
    before = fingerprint(database)
    status, stderr = await start_the_bot(database, key, tmp_path)
    assert status == 2
    assert "Traceback" not in stderr
    (line,) = stderr.strip().splitlines()
    assert line.startswith(f"The bot cannot start: the database at {database} {said}")
    assert f"copy the file aside first (cp {database} {database}.damaged)" in line
    assert "python bot.py backup" in line and ".recover" in line
    assert "loses every member's link" in line and "KEY_ENCRYPTION_KEY" not in line
    assert fingerprint(database) == before


async def test_a_flipped_check_value_with_the_right_key_is_rewritten_and_the_links_kept(database, key, caplog):
    flip_check_value(database)
    with caplog.at_level(logging.WARNING, logger="taubot_bot.storage"):
        storage = await Storage.open(database, key)
    try:
        assert (await storage.grant_keys.get(7)).grant_key == "grant-key-7"
        assert await storage.grant_keys.count() == 50
    finally:
        await storage.close()
    assert "key check value" in caplog.text and "was damaged" in caplog.text
    await (await Storage.open(database, key)).close()  # the check value is whole again: no second warning
    assert caplog.text.count("was damaged") == 1


async def test_another_key_is_named_as_such_with_what_moving_the_file_would_lose(database):
    with pytest.raises(WrongEncryptionKey) as refused:
        await Storage.open(database, new_key())
    message = str(refused.value)
    assert message.startswith(f"KEY_ENCRYPTION_KEY does not match the key the database at {database} was created "
                              "with: none of its grant keys decrypt with it")
    assert "Put back the original KEY_ENCRYPTION_KEY" in message
    assert f"copy the database aside first (cp {database} {database}.old)" in message
    assert "Every member will then have to run /link-account again" in message


async def test_damage_inside_a_table_is_found_by_the_integrity_check_not_blamed_on_the_key(database, key):
    overwrite(database, 2 * PAGE, b"\x0d\xff\xff\xff")  # the third page's header: a cell count it does not have
    with pytest.raises(DamagedDatabase, match="SQLite's integrity check found"):
        await Storage.open(database, key)
