"""Databases full of linked members, made quickly: the real Storage and GrantKeyStore, bulk inserts."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from pathlib import Path

from storage import Storage

FIRST_SYNTHETIC_ID = 900_000_000_000_000_000  # far from the harness's snowflakes, so ids never collide
BATCH = 10_000


def synthetic_user_id(n: int) -> int:
    return FIRST_SYNTHETIC_ID + n


def jwt_shaped_key() -> str:
    """As long as a real Taubot grant key (header.claims.signature), so ciphertext sizes are realistic."""
    header = secrets.token_urlsafe(27)
    claims = secrets.token_urlsafe(96)
    return f"{header}.{claims}.{secrets.token_urlsafe(24)}"


async def fill(path: Path, encryption_key: bytes, users: int,
               extra: Sequence[tuple[int, str, str]] = ()) -> None:
    """Create (or extend) the database at `path` with `users` synthetic linked members, and the `extra` real
    ones: (Discord user id, grant key, account id)."""
    storage = await Storage.open(path, encryption_key)
    try:
        for start in range(0, users, BATCH):
            await storage.grant_keys.put_many([
                (synthetic_user_id(n), jwt_shaped_key(), str(uuid.uuid4()), f"Member {n}", "USER")
                for n in range(start, min(users, start + BATCH))
            ])
        if extra:
            await storage.grant_keys.put_many([(user_id, key, account_id, f"Member {user_id}", "USER")
                                               for user_id, key, account_id in extra])
    finally:
        await storage.close()


def size_on_disk(path: Path) -> int:
    """The database with its write-ahead log (closing checkpoints the log, so this is mostly the file)."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
