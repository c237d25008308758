"""The database check: the live file is only read; the migrations and the encryption key are tried on a copy."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from config import Settings
from storage import DatabaseError, Storage, backup_database

from .line import Check


async def check_database(settings: Settings) -> Check:
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


def _database_to_create(path: Path) -> Check:
    existing = next(folder for folder in path.parents if folder.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        return Check("database", False, f"no database yet at {path}, and it cannot be created: {existing} is not "
                                        "a folder this user may write to. Create the folder and give it to the "
                                        "user running the bot, or set DATABASE_PATH.")
    return Check("database", True, f"no database yet at {path}: it will be created at first start")

