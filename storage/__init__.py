"""Everything the bot keeps on disk, behind small stores with intention-revealing methods.

No SQL lives outside this package. `Storage.open` creates/migrates the database and refuses to start with a
KEY_ENCRYPTION_KEY other than the one the database was created with.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .crypto import DecryptionFailed, GrantKeyCipher
from .database import Database, DatabaseError, backup_database
from .grant_keys import ExpiringLink, GrantKeyStore, LinkedAccount
from .payments import DuplicatePayment, Payment, PaymentJournal, PaymentStatus
from .pending_links import PendingLink, PendingLinkStore

__all__ = [
    "Database",
    "DatabaseError",
    "DecryptionFailed",
    "DuplicatePayment",
    "ExpiringLink",
    "GrantKeyCipher",
    "GrantKeyStore",
    "LinkedAccount",
    "Payment",
    "PaymentJournal",
    "PaymentStatus",
    "PendingLink",
    "PendingLinkStore",
    "Storage",
    "WrongEncryptionKey",
    "backup_database",
]

_KEY_CHECK = "key_check"


class WrongEncryptionKey(DatabaseError):
    """KEY_ENCRYPTION_KEY is not the key this database's grant keys were encrypted with."""


class Storage:
    def __init__(self, database: Database, cipher: GrantKeyCipher):
        self.database = database
        self.grant_keys = GrantKeyStore(database, cipher)
        self.pending_links = PendingLinkStore(database, cipher)
        self.payments = PaymentJournal(database)

    @classmethod
    async def open(cls, path: Path, encryption_key: bytes) -> Storage:
        cipher = GrantKeyCipher(encryption_key)
        database = await Database.open(path)
        try:
            await _verify_encryption_key(database, cipher)
        except BaseException:
            await database.close()
            raise
        return cls(database, cipher)

    async def close(self) -> None:
        await self.database.close()

    async def complete_link(
        self, ref_id: str, discord_user_id: int, grant_key: str, *, account_id: str, account_name: str,
        account_type: str, balance_visible: bool | None, key_expires_at: datetime | None = None,
    ) -> LinkedAccount | None:
        """Finish a pending link: remove its row and store (or replace) the user's key, in one transaction.

        Taking the pending row is a link's single commit point: if a Cancel, a newer /link-account, an unlink
        or expiry took it first, nothing is stored and None is returned."""
        async with self.database.transaction() as connection:
            if not await self.pending_links.take_within(connection, ref_id, discord_user_id):
                return None
            return await self.grant_keys.put_within(connection, discord_user_id, grant_key, account_id=account_id,
                                                    account_name=account_name, account_type=account_type,
                                                    balance_visible=balance_visible,
                                                    key_expires_at=key_expires_at)


async def _verify_encryption_key(database: Database, cipher: GrantKeyCipher) -> None:
    """Record a check value on first use; afterwards, insist the configured key decrypts it."""
    async with database.transaction() as connection:
        async with connection.execute("SELECT value FROM meta WHERE name = ?", (_KEY_CHECK,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            await connection.execute(
                "INSERT INTO meta (name, value) VALUES (?, ?)", (_KEY_CHECK, cipher.make_check_value())
            )
            return
    if not cipher.matches_check_value(row["value"]):
        raise WrongEncryptionKey(
            f"KEY_ENCRYPTION_KEY does not match the key the database at {database.path} was created with, "
            "so its stored grant keys cannot be read. Restore the original KEY_ENCRYPTION_KEY, or move the "
            "database aside to start fresh (every member will have to run /link-account again)."
        )
