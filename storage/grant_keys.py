"""Linked accounts: the Taubot accounts each Discord user acts for through the bot, each with the grant key
(encrypted) that acts for it.

A member has one row per account: their personal account and any other they linked (a company, a department…).
On Taubot v2 one grant may cover several accounts, so rows may hold the same key; on v2.1 a key is bound to one
account. Where a command names no account, the member's *default* link is used: their personal account, else
the one they linked first.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .backend import Database, Transaction
from .clock import from_optional_seconds, from_seconds, now, to_seconds
from .crypto import DecryptionFailed, GrantKeyCipher
from .notices import NOTICES_WAITING_COLUMN, NoticeBoard, note_seen_with_links

log = logging.getLogger("taubot_bot.storage")


@dataclass(frozen=True)
class LinkedAccount:
    discord_user_id: int
    grant_key: str = field(repr=False)
    account_id: str
    account_name: str
    account_type: str
    balance_visible: bool | None
    linked_at: datetime
    last_used_at: datetime | None
    key_expires_at: datetime | None = None  # from the key's own claims; None: it never expires (Taubot v2)
    transfers_allowed: bool | None = None   # what the last payment from it showed; None: not known yet

    @property
    def is_personal(self) -> bool:
        return self.account_type == PERSONAL_ACCOUNT_TYPE


@dataclass(frozen=True)
class ExpiringLink:
    """A link whose key expires soon (or has expired) and whose member has not been reminded yet."""

    discord_user_id: int
    account_id: str
    account_name: str
    key_expires_at: datetime


# /link-status shows "last used" as a relative time, so it need not move on every single command.
LAST_USED_PRECISION = timedelta(minutes=5)

PERSONAL_ACCOUNT_TYPE = "USER"  # Taubot's type of a member's personal account

_COLUMNS = (
    "discord_user_id, encrypted_grant_key, account_id, account_name, account_type, balance_visible, "
    "linked_at, last_used_at, key_expires_at, transfers_allowed"
)
# What storing a link again changes: everything, as a new row would have it (not yet used nor reminded).
_REPLACED = (
    "encrypted_grant_key = excluded.encrypted_grant_key, account_name = excluded.account_name, "
    "account_type = excluded.account_type, balance_visible = excluded.balance_visible, "
    "linked_at = excluded.linked_at, last_used_at = NULL, key_expires_at = excluded.key_expires_at, "
    "transfers_allowed = NULL, expiry_reminded_at = NULL"
)
# The default link first: the personal account, then the others in the order they were linked.
_DEFAULT_FIRST = "ORDER BY CASE WHEN account_type = 'USER' THEN 0 ELSE 1 END, linked_at, account_id"
# A member's links, and whether notices wait for them: the notices check after the command needs no read of its
# own when none did (notices.py).
_LINKS_OF_MEMBER = f"SELECT {_COLUMNS}, {NOTICES_WAITING_COLUMN} FROM linked_accounts WHERE discord_user_id = ?"


# Members whose default link, as last made from its row, is kept (the most recently used).
DEFAULT_LINKS_KEPT = 1_000


def _default_first(row: Any) -> tuple[bool, float, str]:
    """_DEFAULT_FIRST, as a sort key of a row."""
    return row["account_type"] != PERSONAL_ACCOUNT_TYPE, row["linked_at"], row["account_id"]


class GrantKeyStore:
    def __init__(self, database: Database, cipher: GrantKeyCipher, notices: NoticeBoard,
                 unreadable_notice: str | None = None):
        """unreadable_notice: what the member is told (once, on their next command) when their stored key could
        not be decrypted and their link was dropped."""
        self._db = database
        self._cipher = cipher
        self._notices = notices
        self._unreadable_notice = unreadable_notice
        # Each member's default link as last made from their row, with the row's values. Every command reads the
        # row (so another process's unlink or relink is seen at once); only a row unchanged since, ciphertext and
        # all, reuses what was made from it instead of being decrypted and converted again.
        self._defaults: OrderedDict[int, tuple[tuple[Any, ...], LinkedAccount]] = OrderedDict()

    async def put(self, discord_user_id: int, grant_key: str, **details: Any) -> LinkedAccount:
        """Store (or atomically replace) the user's link to `details["account_id"]` (`details`: the keywords of
        `put_within`); the account's old key is gone once this returns, the member's other links stay."""
        async with self._db.transaction() as connection:
            return await self.put_within(connection, discord_user_id, grant_key, **details)

    async def put_within(
        self,
        connection: Transaction,
        discord_user_id: int,
        grant_key: str,
        *,
        account_id: str,
        account_name: str,
        account_type: str,
        balance_visible: bool | None = None,
        linked_at: datetime | None = None,
        key_expires_at: datetime | None = None,
    ) -> LinkedAccount:
        """`put`, as one step of a transaction the caller holds (see `Storage.complete_link`). A new key has
        not been reminded of its expiry yet, nor shown what it may transfer."""
        linked_at = linked_at or now()
        ciphertext = self._cipher.encrypt_for_user(discord_user_id, grant_key)
        if account_type == PERSONAL_ACCOUNT_TYPE:  # a member has one personal account: a new one replaces it
            await connection.execute(
                "DELETE FROM linked_accounts WHERE discord_user_id = ? AND account_type = ? AND account_id <> ?",
                (discord_user_id, PERSONAL_ACCOUNT_TYPE, account_id))
        await connection.execute(
            f"INSERT INTO linked_accounts ({_COLUMNS}, expiry_reminded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, NULL) "
            f"ON CONFLICT (discord_user_id, account_id) DO UPDATE SET {_REPLACED}",
            (discord_user_id, ciphertext, account_id, account_name, account_type,
             _optional_flag(balance_visible), to_seconds(linked_at), _optional_seconds(key_expires_at)),
        )
        return LinkedAccount(discord_user_id, grant_key, account_id, account_name, account_type,
                             balance_visible, linked_at, None, key_expires_at)

    async def put_many(self, links: list[tuple[int, str, str, str, str]]) -> None:
        """Store many (user id, grant key, account id, account name, account type) at once, in one transaction:
        for imports and benchmarks, where one commit per row would dominate."""
        linked_at = to_seconds(now())
        rows = [(user_id, self._cipher.encrypt_for_user(user_id, key), account_id, name, kind, None, linked_at)
                for user_id, key, account_id, name, kind in links]
        async with self._db.transaction() as connection:
            await connection.execute_many(
                f"INSERT INTO linked_accounts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL) "
                f"ON CONFLICT (discord_user_id, account_id) DO UPDATE SET {_REPLACED}",
                rows,
            )

    async def get(self, discord_user_id: int) -> LinkedAccount | None:
        """The user's default link (their personal account, else the account they linked first) as committed
        right now (by any process), or None."""
        # Every command reads this. The member's few rows come in key order and the default is picked here: an
        # ORDER BY would make SQLite build a sorter on every read, half the cost of the read.
        rows = await self._db.fetch_points(_LINKS_OF_MEMBER, (discord_user_id,))
        if not rows:
            self._defaults.pop(discord_user_id, None)
            return None
        note_seen_with_links(discord_user_id, rows[0]["notices_waiting"])
        row = min(rows, key=_default_first)
        values = tuple(row)
        made = self._defaults.get(discord_user_id)
        if made is not None and made[0] == values:
            self._defaults.move_to_end(discord_user_id)
            return made[1]
        linked = await self._readable(row)
        if linked is None:
            self._defaults.pop(discord_user_id, None)
            return None
        self._defaults[discord_user_id] = (values, linked)
        self._defaults.move_to_end(discord_user_id)
        if len(self._defaults) > DEFAULT_LINKS_KEPT:
            self._defaults.popitem(last=False)
        return linked

    async def get_for(self, discord_user_id: int, account_id: str) -> LinkedAccount | None:
        """The user's link to this account, as committed right now, or None."""
        row = await self._db.fetch_point(
            f"SELECT {_COLUMNS} FROM linked_accounts WHERE discord_user_id = ? AND account_id = ?",
            (discord_user_id, account_id),
        )
        return await self._readable(row)

    async def all_of(self, discord_user_id: int) -> list[LinkedAccount]:
        """Every account the user linked, the default one first."""
        rows = await self._db.fetch_points(
            f"SELECT {_COLUMNS} FROM linked_accounts WHERE discord_user_id = ? {_DEFAULT_FIRST}",
            (discord_user_id,),
        )
        links = [await self._readable(row) for row in rows]
        return [link for link in links if link is not None]

    async def _readable(self, row: Any) -> LinkedAccount | None:
        if row is None:
            return None
        try:
            grant_key = self._cipher.decrypt_for_user(row["discord_user_id"], row["encrypted_grant_key"])
        except DecryptionFailed:
            await self._drop_unreadable(row["discord_user_id"], row["encrypted_grant_key"])
            return None
        return LinkedAccount(
            discord_user_id=row["discord_user_id"],
            grant_key=grant_key,
            account_id=row["account_id"],
            account_name=row["account_name"],
            account_type=row["account_type"],
            balance_visible=_flag(row["balance_visible"]),
            linked_at=from_seconds(row["linked_at"]),
            last_used_at=from_optional_seconds(row["last_used_at"]),
            key_expires_at=from_optional_seconds(row["key_expires_at"]),
            transfers_allowed=_flag(row["transfers_allowed"]),
        )

    async def _drop_unreadable(self, discord_user_id: int, ciphertext: bytes) -> None:
        """A row that cannot be decrypted (a copied database, rows swapped between users) can never be used
        again: drop it, so the member is not locked out of /link-account and /unlink-account, and tell them."""
        async with self._db.transaction() as connection:
            dropped = await connection.execute(
                "DELETE FROM linked_accounts WHERE discord_user_id = ? AND encrypted_grant_key = ?",
                (discord_user_id, ciphertext),
            ) > 0
            if dropped and self._unreadable_notice:
                await self._notices.post_within(connection, discord_user_id, self._unreadable_notice)
        if dropped:
            log.warning("The stored grant key of user %s cannot be decrypted (a copied database or swapped rows); "
                        "the link was dropped and the member will be told", discord_user_id)

    async def delete(self, discord_user_id: int, account_id: str | None = None) -> bool:
        """Forget the user's key for `account_id`, or every key of theirs (None); True if there was one."""
        self._defaults.pop(discord_user_id, None)  # no decrypted key of theirs kept in memory past their unlink
        if account_id is None:
            return await self._db.execute(
                "DELETE FROM linked_accounts WHERE discord_user_id = ?", (discord_user_id,)) > 0
        return await self._db.execute(
            "DELETE FROM linked_accounts WHERE discord_user_id = ? AND account_id = ?", (discord_user_id, account_id)
        ) > 0

    async def record_use(self, linked: LinkedAccount, *, balance_visible: bool | None = None) -> None:
        """Note that `linked` (the row as the caller just read it) was used, and what the read told about
        balance visibility (if anything). When the row already says so and was used recently, nothing is
        written, which keeps a database write off every command's path."""
        if _is_recent_and_same(linked, balance_visible):
            return
        await self._db.execute(
            "UPDATE linked_accounts SET last_used_at = ?, balance_visible = COALESCE(?, balance_visible) "
            "WHERE discord_user_id = ? AND account_id = ?",
            (to_seconds(now()), _optional_flag(balance_visible), linked.discord_user_id, linked.account_id),
        )

    async def record_transfers(self, linked: LinkedAccount, *, allowed: bool) -> None:
        """What a payment showed about the link: Taubot moved the money (allowed), or said OK and moved nothing
        (Taubot v2, without TRANSFER FUNDS). Only the key that sent it: a newer key starts unknown again."""
        if linked.transfers_allowed is allowed:
            return
        await self._db.execute(  # linked_at tells this key from a newer one stored meanwhile
            "UPDATE linked_accounts SET transfers_allowed = ? WHERE discord_user_id = ? AND account_id = ? "
            "AND linked_at = ?",
            (int(allowed), linked.discord_user_id, linked.account_id, to_seconds(linked.linked_at)),
        )

    async def expiring_before(self, moment: datetime, *, limit: int = 50) -> list[ExpiringLink]:
        """Links whose key expires before `moment` (or already has) and whose member was not reminded yet,
        soonest first."""
        rows = await self._db.fetch_all(
            "SELECT discord_user_id, account_id, account_name, key_expires_at FROM linked_accounts "
            "WHERE key_expires_at <= ? AND expiry_reminded_at IS NULL ORDER BY key_expires_at LIMIT ?",
            (to_seconds(moment), limit),
        )
        return [ExpiringLink(row["discord_user_id"], row["account_id"], row["account_name"],
                             from_seconds(row["key_expires_at"])) for row in rows]

    async def claim_expiry_reminder(self, link: ExpiringLink) -> bool:
        """Mark the member as reminded about this key; False if another process did already, or the key was
        replaced meanwhile (its expiry changed). Whoever gets True sends the one reminder."""
        return await self._db.execute(
            "UPDATE linked_accounts SET expiry_reminded_at = ? WHERE discord_user_id = ? AND account_id = ? "
            "AND key_expires_at = ? AND expiry_reminded_at IS NULL",
            (to_seconds(now()), link.discord_user_id, link.account_id, to_seconds(link.key_expires_at)),
        ) > 0

    async def release_expiry_reminder(self, link: ExpiringLink) -> None:
        """The reminder could not be sent this time: let a later round try again."""
        await self._db.execute(
            "UPDATE linked_accounts SET expiry_reminded_at = NULL WHERE discord_user_id = ? AND account_id = ? "
            "AND key_expires_at = ?",
            (link.discord_user_id, link.account_id, to_seconds(link.key_expires_at)),
        )

    async def count(self) -> int:
        """How many members have at least one link."""
        row = await self._db.fetch_one("SELECT COUNT(DISTINCT discord_user_id) AS linked FROM linked_accounts")
        return row["linked"] if row is not None else 0


def _is_recent_and_same(linked: LinkedAccount, balance_visible: bool | None) -> bool:
    unchanged = balance_visible is None or balance_visible == linked.balance_visible
    return unchanged and linked.last_used_at is not None and now() - linked.last_used_at < LAST_USED_PRECISION


def _optional_seconds(moment: datetime | None) -> float | None:
    return None if moment is None else to_seconds(moment)


def _optional_flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _flag(value: int | None) -> bool | None:
    return None if value is None else bool(value)
