"""The database check: the live file is only read; the migrations and the encryption key are tried on a copy.
On PostgreSQL (DATABASE_URL) nothing is written either: the server, the schema version and the key are read."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from config import Settings
from storage import (
    DatabaseError,
    GrantKeyCipher,
    PostgresDatabase,
    Storage,
    backup_database,
    discover_migrations,
    stored_key_matches,
    wrong_key_message,
)

from .line import Check


async def check_database(settings: Settings) -> Check:
    if settings.database_url is not None:
        return await _check_postgres(settings.database_url, settings.key_encryption_key)
    path = settings.database_path
    if not path.exists():
        return _database_to_create(path)
    with tempfile.TemporaryDirectory(prefix="taubot-check-") as folder:
        copy = Path(folder) / "copy.sqlite3"
        try:
            # The live file is only read (SQLite's backup API, safe while the bot runs); the pending migrations
            # and the encryption key check then run on the copy, so a failing migration shows up here.
            version = await backup_database(path, copy)
            storage = await Storage.open(copy, settings.key_encryption_key)
        except DatabaseError as error:
            return Check("database", False, str(error).replace(str(copy), str(path)))
        try:
            migrated = await storage.database.schema_version()
            linked = await storage.grant_keys.count()
            open_payments = len(await storage.payments.open_rows())
        finally:
            await storage.close()
    notes = ""
    if migrated > version:
        notes += f"; {migrated - version} migration(s) will be applied at the next start (tried on a copy: ok)"
    if open_payments:
        notes += f"; {open_payments} payment(s) whose outcome is still being settled from Taubot's log"
    return Check("database", True, f"{path} (schema {version}, encryption key matches, "
                                   f"{linked} linked member(s){notes})")


async def _check_postgres(url: str, encryption_key: bytes) -> Check:
    try:
        database = await PostgresDatabase.connect(url)
    except DatabaseError as error:
        return Check("database", False, str(error))
    try:
        found = f"PostgreSQL {await database.server_version()} at {database.where}"
        version, known = await database.schema_version(), len(discover_migrations())
        if version == 0:
            return Check("database", True, f"{found}: no tables yet, created at first start")
        if version > known:
            return Check("database", False, f"{found} has schema version {version}, newer than this bot knows "
                                            f"({known}). Update the bot.")
        cipher = GrantKeyCipher(encryption_key)
        storage = Storage(database, cipher)
        linked = await storage.grant_keys.count()
        if await stored_key_matches(database, cipher) is False:
            return Check("database", False, wrong_key_message(database, holds_keys=linked > 0))
        open_payments = len(await storage.payments.open_rows()) if version == known else 0
    finally:
        await database.close()
    notes = f"; {known - version} migration(s) will be applied at the next start" if version < known else ""
    if open_payments:
        notes += f"; {open_payments} payment(s) whose outcome is still being settled from Taubot's log"
    return Check("database", True, f"{found} (schema {version}, encryption key matches, {linked} linked "
                                   f"member(s){notes})")


def _database_to_create(path: Path) -> Check:
    existing = next(folder for folder in path.parents if folder.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        return Check("database", False, f"no database yet at {path}, and it cannot be created: {existing} is not "
                                        "a folder this user may write to. Create the folder and give it to the "
                                        "user running the bot, or set DATABASE_PATH.")
    return Check("database", True, f"no database yet at {path}: it will be created at first start")

