"""A member's default link, once made from its row, is reused while the row stays the same (grant_keys.py): every
read still reads the row, so a relink or unlink by another process, or in another OS process, is seen on the very
next read; an unchanged row is not decrypted again."""

import subprocess
import sys
from pathlib import Path

from storage import Storage, grant_keys
from storage.crypto import GrantKeyCipher

REPO = Path(__file__).resolve().parents[2]
FIRST, SECOND, THIRD = "eyJhbGciOiJSUzUxMiJ9.eyJzdWIiOiIxIn0.Zmlyc3Q", "eyJ.second.key", "eyJ.third.key"


async def put(storage, user_id, grant_key, account_id="a", account_type="USER"):
    await storage.grant_keys.put(user_id, grant_key, account_id=account_id, account_name="Alice",
                                 account_type=account_type)


def counting_decryptions(monkeypatch) -> list[int]:
    decrypted: list[int] = []
    decrypt = GrantKeyCipher.decrypt_for_user

    def counted(self, user_id, ciphertext):
        decrypted.append(user_id)
        return decrypt(self, user_id, ciphertext)

    monkeypatch.setattr(GrantKeyCipher, "decrypt_for_user", counted)
    return decrypted


async def test_an_unchanged_row_is_not_decrypted_again(storage, monkeypatch):
    await put(storage, 7, FIRST)
    decrypted = counting_decryptions(monkeypatch)
    first, again = await storage.grant_keys.get(7), await storage.grant_keys.get(7)
    assert first.grant_key == again.grant_key == FIRST
    assert decrypted == [7]


async def test_a_relink_or_unlink_by_another_process_is_seen_on_the_next_read(two_processes):
    here, there = two_processes
    await put(there, 7, FIRST)
    assert (await here.grant_keys.get(7)).grant_key == FIRST
    await put(there, 7, SECOND)  # the same account linked again: a new key in the same row
    assert (await here.grant_keys.get(7)).grant_key == SECOND
    await put(there, 7, THIRD, account_id="b")  # a new personal account replaces the old one
    assert ((linked := await here.grant_keys.get(7)).grant_key, linked.account_id) == (THIRD, "b")
    await put(there, 7, FIRST, account_id="c", account_type="CORPORATION")  # another link; the default stays
    assert (await here.grant_keys.get(7)).account_id == "b"
    assert await there.grant_keys.delete(7, "b")
    assert ((linked := await here.grant_keys.get(7)).grant_key, linked.account_id) == (FIRST, "c")
    assert await there.grant_keys.delete(7)
    assert await here.grant_keys.get(7) is None
    await put(there, 7, SECOND)
    assert (await here.grant_keys.get(7)).grant_key == SECOND


RELINK = """
import asyncio, sys
from pathlib import Path
from storage import Storage

async def main(path, key, user_id, grant_key):
    storage = await Storage.open(Path(path), bytes.fromhex(key))
    try:
        if grant_key:
            await storage.grant_keys.put(int(user_id), grant_key, account_id="a", account_name="Alice",
                                         account_type="USER")
        else:
            await storage.grant_keys.delete(int(user_id))
    finally:
        await storage.close()

asyncio.run(main(*sys.argv[1:]))
"""


def in_another_os_process(path: Path, key: bytes, user_id: int, grant_key: str = "") -> None:
    """Relink `user_id` with `grant_key` (or unlink them) from a separate Python process on the same file."""
    subprocess.run([sys.executable, "-c", RELINK, str(path), key.hex(), str(user_id), grant_key], cwd=REPO,
                   check=True, timeout=60)


async def test_a_relink_or_unlink_in_another_os_process_is_seen_on_the_next_read(tmp_path, key):
    path = tmp_path / "bot.sqlite3"
    storage = await Storage.open(path, key)
    try:
        await put(storage, 7, FIRST)
        assert (await storage.grant_keys.get(7)).grant_key == FIRST
        in_another_os_process(path, key, 7, SECOND)
        assert (await storage.grant_keys.get(7)).grant_key == SECOND
        in_another_os_process(path, key, 7)
        assert await storage.grant_keys.get(7) is None
        in_another_os_process(path, key, 7, THIRD)
        assert (await storage.grant_keys.get(7)).grant_key == THIRD
    finally:
        await storage.close()


async def test_only_the_most_recently_used_members_are_kept_and_an_unlink_forgets_at_once(storage, monkeypatch):
    monkeypatch.setattr(grant_keys, "DEFAULT_LINKS_KEPT", 2)
    for user_id in (1, 2, 3):
        await put(storage, user_id, FIRST)
        await storage.grant_keys.get(user_id)
    kept = storage.grant_keys._defaults
    assert list(kept) == [2, 3]
    await storage.grant_keys.delete(3)
    assert list(kept) == [2]
