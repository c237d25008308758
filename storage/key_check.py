"""At start: is KEY_ENCRYPTION_KEY the key this database's grant keys were encrypted with?

A check value encrypted with the key is stored when the database is created. When it does not decrypt, that
is either another key (the grant keys cannot be read: the bot must not start) or a damaged file (the check
value's own bytes were flipped). Which one is settled by SQLite's integrity check and by the grant keys
themselves: if the configured key opens them, it is the right key, and only the check value is rewritten.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .backend import Database
from .crypto import DecryptionFailed, GrantKeyCipher
from .damage import damaged
from .errors import DatabaseError

log = logging.getLogger("taubot_bot.storage")

KEY_CHECK = "key_check"  # its row in the meta table
KEYS_TRIED = 20  # grant keys tried against a check value that does not decrypt


class WrongEncryptionKey(DatabaseError):
    """KEY_ENCRYPTION_KEY is not the key this database's grant keys were encrypted with."""


async def verify_encryption_key(database: Database, cipher: GrantKeyCipher) -> None:
    """Record a check value on first use; afterwards, insist the configured key is the database's."""
    try:
        if await _check_value_matches(database, cipher):
            return
        await _explain_mismatch(database, cipher)
    except Exception as error:
        damage = await database.diagnose(error)
        if damage is None:
            raise
        raise damage from None


async def stored_key_matches(database: Database, cipher: GrantKeyCipher) -> bool | None:
    """Read only (for `check`): whether the database's check value opens with `cipher`; None before it has one."""
    row = await database.fetch_one("SELECT value FROM meta WHERE name = ?", (KEY_CHECK,))
    return None if row is None else cipher.matches_check_value(row["value"])


async def _check_value_matches(database: Database, cipher: GrantKeyCipher) -> bool:
    async with database.transaction() as connection:
        row = await connection.fetch_one("SELECT value FROM meta WHERE name = ?", (KEY_CHECK,))
        if row is None:
            await connection.execute("INSERT INTO meta (name, value) VALUES (?, ?)",
                                     (KEY_CHECK, cipher.make_check_value()))
            return True
    return cipher.matches_check_value(row["value"])


async def _explain_mismatch(database: Database, cipher: GrantKeyCipher) -> None:
    """The check value did not decrypt: rewrite it if the key is proven right, else raise why not."""
    problems = await database.integrity_problems()
    if problems:
        raise damaged(Path(database.where), problems)  # only SQLite finds any
    stored = await database.fetch_all("SELECT discord_user_id, encrypted_grant_key FROM linked_accounts LIMIT ?",
                                      (KEYS_TRIED,))
    if any(_opens(cipher, row["discord_user_id"], row["encrypted_grant_key"]) for row in stored):
        await database.execute("UPDATE meta SET value = ? WHERE name = ?", (cipher.make_check_value(), KEY_CHECK))
        log.warning("The database's key check value at %s was damaged, but KEY_ENCRYPTION_KEY opens its grant keys: "
                    "the check value was written again. Make a backup now (python bot.py backup PATH) and watch "
                    "the disk.", database.where)
        return
    raise WrongEncryptionKey(wrong_key_message(database, holds_keys=bool(stored)))


def _opens(cipher: GrantKeyCipher, user_id: int, ciphertext: bytes) -> bool:
    try:
        cipher.decrypt_for_user(user_id, ciphertext)
    except DecryptionFailed:
        return False
    return True


def wrong_key_message(database: Database, *, holds_keys: bool) -> str:
    if database.dialect != "sqlite":
        return _wrong_key_message_on_server(database, holds_keys=holds_keys)
    path = database.where
    if not holds_keys:
        lost = ("It holds no grant keys yet, so a new database file would lose no links, only the payment journal: "
                f"copy {path} aside first (cp {path} {path}.old), then point DATABASE_PATH at a new file name.")
    else:
        lost = (f"Only if that key is lost for good: copy the database aside first (cp {path} {path}.old), then "
                "point DATABASE_PATH at a new file name. Every member will then have to run /link-account again; the "
                "payment journal stays in the old file.")
    return (f"KEY_ENCRYPTION_KEY does not match the key the database at {path} was created with: "
            + ("none of its grant keys decrypt with it, and " if holds_keys else "")
            + "the file passed SQLite's integrity check, so it is the key that differs. Put back the original "
            f"KEY_ENCRYPTION_KEY (from your backup of the .env file). {lost}")


def _wrong_key_message_on_server(database: Database, *, holds_keys: bool) -> str:
    """`wrong_key_message` for a PostgreSQL database (no file to copy aside; its integrity is the server's)."""
    if not holds_keys:
        lost = ("It holds no grant keys yet, so a new database would lose no links, only the payment journal: keep "
                "this one (pg_dump it first), then point DATABASE_URL at a new, empty database.")
    else:
        lost = ("Only if that key is lost for good: dump the database first (pg_dump), then point DATABASE_URL at a "
                "new, empty database. Every member will then have to run /link-account again; the payment journal "
                "stays in the old database.")
    return (f"KEY_ENCRYPTION_KEY does not match the key the database at {database.where} was created with: its "
            "key check value does not decrypt with it. "
            + f"Put back the original KEY_ENCRYPTION_KEY (from your backup of the .env file). {lost}")
