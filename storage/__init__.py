"""Everything the bot keeps on disk, behind small stores with intention-revealing methods.

No SQL lives outside this package. `Storage.open` creates/migrates the database and refuses to start with a
KEY_ENCRYPTION_KEY other than the one the database was created with (key_check.py), or with a damaged file,
named as such (damage.py).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .backend import ConstraintViolation, Database, Transaction
from .clock import Clock, now
from .confirmations import Confirmation, Confirmations, ConfirmationState
from .crypto import DecryptionFailed, GrantKeyCipher
from .damage import DamagedDatabase
from .database import DatabaseError, SqliteDatabase, backup_database
from .file_identity import DatabaseGone
from .fleet_clock import FleetClock
from .grant_keys import ExpiringLink, GrantKeyStore, LinkedAccount
from .instances import InstanceRegistry
from .key_check import WrongEncryptionKey, stored_key_matches, verify_encryption_key, wrong_key_message
from .leases import Lease, Leases
from .locks import PaymentLock, PaymentLocks
from .migration_files import Migration, discover_migrations
from .notices import Notice, NoticeBoard
from .payments import (
    OPEN_STATUSES,
    DuplicatePayment,
    EntryClaimed,
    Outcome,
    Payment,
    PaymentJournal,
    PaymentStatus,
    RequestNotOpen,
)
from .pending_links import PendingLink, PendingLinkStore
from .postgres import PostgresDatabase
from .postgres_copy import TargetNotEmpty, copy_sqlite_to_postgres
from .postgres_dump import pg_dump_command
from .postgres_url import SCHEMES as POSTGRES_SCHEMES
from .postgres_url import is_postgres_url, password_of, without_password
from .preferences import MemberPreferences
from .requests import ACTIVE_REQUESTS, MoneyRequest, MoneyRequests, RequestLimitReached, RequestState
from .shared_receipts import SharedReceipt, SharedReceipts

__all__ = [
    "ACTIVE_REQUESTS",
    "OPEN_STATUSES",
    "POSTGRES_SCHEMES",
    "Clock",
    "Confirmation",
    "ConfirmationState",
    "Confirmations",
    "ConstraintViolation",
    "DamagedDatabase",
    "Database",
    "DatabaseError",
    "DatabaseGone",
    "DecryptionFailed",
    "DuplicatePayment",
    "EntryClaimed",
    "ExpiringLink",
    "FleetClock",
    "GrantKeyCipher",
    "GrantKeyStore",
    "InstanceRegistry",
    "Lease",
    "Leases",
    "LinkedAccount",
    "MemberPreferences",
    "Migration",
    "MoneyRequest",
    "MoneyRequests",
    "Notice",
    "NoticeBoard",
    "Outcome",
    "Payment",
    "PaymentJournal",
    "PaymentLock",
    "PaymentLocks",
    "PaymentStatus",
    "PendingLink",
    "PendingLinkStore",
    "PostgresDatabase",
    "RequestLimitReached",
    "RequestNotOpen",
    "RequestState",
    "SharedReceipt",
    "SharedReceipts",
    "SqliteDatabase",
    "Storage",
    "TargetNotEmpty",
    "Transaction",
    "WrongEncryptionKey",
    "backup_database",
    "copy_sqlite_to_postgres",
    "discover_migrations",
    "is_postgres_url",
    "open_database",
    "password_of",
    "pg_dump_command",
    "stored_key_matches",
    "without_password",
    "wrong_key_message",
]


async def open_database(location: Path | str, migrations: list[Migration] | None = None) -> Database:
    """The database at `location`: a postgresql:// URL (DATABASE_URL), else a SQLite file path (DATABASE_PATH);
    created if new, its schema brought up to date (with `migrations`: up to the last of them)."""
    if is_postgres_url(location):
        return await PostgresDatabase.open(str(location), migrations)
    return await SqliteDatabase.open(Path(location), migrations)


class Storage:
    def __init__(self, database: Database, cipher: GrantKeyCipher, *, clock: Clock = now,
                 unreadable_link_notice: str | None = None):
        """clock: "now" for the payment stores (tests move it on). unreadable_link_notice: see GrantKeyStore."""
        self.database = database
        self.notices = NoticeBoard(database, clock)
        self.grant_keys = GrantKeyStore(database, cipher, self.notices, unreadable_link_notice)
        self.pending_links = PendingLinkStore(database, cipher)
        self.locks = PaymentLocks(database, clock)
        self.payments = PaymentJournal(database, self.locks, clock)
        self.instances = InstanceRegistry(database, clock)
        self.leases = Leases(database, clock)
        self.confirmations = Confirmations(database, clock)
        self.requests = MoneyRequests(database, clock)
        self.preferences = MemberPreferences(database, clock)
        self.shared_receipts = SharedReceipts(database, clock)

    @classmethod
    async def open(cls, location: Path | str, encryption_key: bytes, *, clock: Clock = now,
                   unreadable_link_notice: str | None = None) -> Storage:
        """Storage on the database at `location` (see `open_database`), refusing another encryption key."""
        cipher = GrantKeyCipher(encryption_key)
        database = await open_database(location)
        try:
            await verify_encryption_key(database, cipher)
        except BaseException:
            await database.close()
            raise
        return cls(database, cipher, clock=clock, unreadable_link_notice=unreadable_link_notice)

    async def close(self) -> None:
        await self.database.close()

    async def complete_link(
        self, ref_id: str, discord_user_id: int, grant_key: str, *, account_id: str, account_name: str,
        account_type: str, balance_visible: bool | None, key_expires_at: datetime | None = None,
        linked_message: str,
    ) -> LinkedAccount | None:
        """Finish a pending link: store (or replace) the user's key for that account and mark the pending link
        linked, with what its DM must say (`linked_message`), in one transaction. The row stays until the DM says
        it (then PendingLinkStore.delete): whoever finds it marked, after a crash, tells the member.

        Marking the pending row is a link's single commit point: if a Cancel, a newer /link-account, an unlink
        or expiry took it first, nothing is stored and None is returned."""
        async with self.database.transaction() as connection:
            if not await self.pending_links.finish_within(connection, ref_id, discord_user_id, linked_message):
                return None
            return await self.grant_keys.put_within(connection, discord_user_id, grant_key, account_id=account_id,
                                                    account_name=account_name, account_type=account_type,
                                                    balance_visible=balance_visible,
                                                    key_expires_at=key_expires_at)


