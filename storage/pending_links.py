"""Links in progress: the ref_id registered with Taubot, who started it, when it expires, where its DM is, and
the key retrieved for it while that key is being checked (encrypted like every grant key). A link that finished
stays, with what its DM must say, until the DM says it (see Storage.complete_link)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .backend import Database, Row, Transaction
from .clock import from_seconds, now, to_seconds
from .crypto import GrantKeyCipher


@dataclass(frozen=True)
class PendingLink:
    ref_id: str
    discord_user_id: int
    created_at: datetime
    expires_at: datetime
    dm_channel_id: int | None
    dm_message_id: int | None
    next_poll_at: datetime
    poll_count: int
    held_key: str | None = field(default=None, repr=False)  # retrieved from Taubot, not yet checked
    account_id: str | None = None    # the account this link is for; None: the member's personal account
    account_name: str | None = None
    linked_message: str | None = None  # once the member is linked by it: what its DM must still say

    @property
    def finished(self) -> bool:
        """It linked its member; only its DM may still have to say so."""
        return self.linked_message is not None

    def is_expired(self, at: datetime | None = None) -> bool:
        return (at or now()) >= self.expires_at


_COLUMNS = (
    "ref_id, discord_user_id, created_at, expires_at, dm_channel_id, dm_message_id, next_poll_at, poll_count, "
    "encrypted_held_key, account_id, account_name, linked_message"
)


class PendingLinkStore:
    def __init__(self, database: Database, cipher: GrantKeyCipher):
        self._db = database
        self._cipher = cipher

    async def start(
        self, ref_id: str, discord_user_id: int, *, lifetime: timedelta, first_poll_after: timedelta,
        account_id: str | None = None, account_name: str | None = None,
    ) -> tuple[PendingLink, PendingLink | None]:
        """Record a new link for the user (for `account_id`, or their personal account), replacing theirs if one
        was pending; return (new, replaced). (One that already linked them is dropped, not returned as replaced:
        its DM is left as it is.)"""
        created = now()
        link = PendingLink(ref_id, discord_user_id, created, created + lifetime, None, None,
                           created + first_poll_after, 0, account_id=account_id, account_name=account_name)
        async with self._db.transaction() as connection:
            replaced_row = await connection.fetch_one(
                f"SELECT {_COLUMNS} FROM pending_links WHERE discord_user_id = ?", (discord_user_id,))
            await connection.execute("DELETE FROM pending_links WHERE discord_user_id = ?", (discord_user_id,))
            await connection.execute(
                f"INSERT INTO pending_links ({_COLUMNS}) VALUES (?, ?, ?, ?, NULL, NULL, ?, 0, NULL, ?, ?, NULL)",
                (ref_id, discord_user_id, to_seconds(link.created_at), to_seconds(link.expires_at),
                 to_seconds(link.next_poll_at), account_id, account_name),
            )
        replaced = self._from_row(replaced_row) if replaced_row else None
        return link, None if replaced is None or replaced.finished else replaced

    # Both reads by key are point reads (point_reads.py): /link-status, /unlink-account and the link's buttons
    # answer at once, never queued behind a write that waits for another process's lock.
    async def get(self, ref_id: str) -> PendingLink | None:
        row = await self._db.fetch_point(f"SELECT {_COLUMNS} FROM pending_links WHERE ref_id = ?", (ref_id,))
        return self._from_row(row) if row else None

    async def for_user(self, discord_user_id: int) -> PendingLink | None:
        """The user's link in progress (not one that linked them already)."""
        row = await self._db.fetch_point(
            f"SELECT {_COLUMNS} FROM pending_links WHERE discord_user_id = ? AND linked_message IS NULL",
            (discord_user_id,),
        )
        return self._from_row(row) if row else None

    async def set_dm(self, ref_id: str, *, channel_id: int | None, message_id: int | None) -> None:
        """Where the link's DM is now (None: shown in a private answer, or about to be shown again)."""
        await self._db.execute(
            "UPDATE pending_links SET dm_channel_id = ?, dm_message_id = ? WHERE ref_id = ?",
            (channel_id, message_id, ref_id),
        )

    async def hold_key(self, link: PendingLink, grant_key: str) -> bool:
        """Keep the key just retrieved for `link`, encrypted, before anything else is done with it (Taubot v2.1
        hands a key out once); False if the link is gone (cancelled, replaced or finished meanwhile)."""
        ciphertext = self._cipher.encrypt_for_user(link.discord_user_id, grant_key)
        return await self._db.execute(
            "UPDATE pending_links SET encrypted_held_key = ? WHERE ref_id = ? AND discord_user_id = ?",
            (ciphertext, link.ref_id, link.discord_user_id),
        ) > 0

    async def drop_held_key(self, link: PendingLink) -> None:
        """Forget a held key that did not work (where Taubot can be asked for the key again)."""
        await self._db.execute("UPDATE pending_links SET encrypted_held_key = NULL WHERE ref_id = ?", (link.ref_id,))

    async def reschedule_poll(self, ref_id: str, next_poll_at: datetime) -> None:
        await self._db.execute(
            "UPDATE pending_links SET next_poll_at = ?, poll_count = poll_count + 1 WHERE ref_id = ?",
            (to_seconds(next_poll_at), ref_id),
        )

    async def due_for_poll(self, at: datetime | None = None, *, limit: int = 50) -> list[PendingLink]:
        """Links whose next poll time has come, oldest first: expired ones included, so they can be closed, and
        finished ones whose DM was not told yet (their finisher stopped), so it can be."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM pending_links WHERE next_poll_at <= ? ORDER BY next_poll_at LIMIT ?",
            (to_seconds(at or now()), limit),
        )
        return [self._from_row(row) for row in rows]

    async def finish_within(self, connection: Transaction, ref_id: str, discord_user_id: int,
                            linked_message: str) -> bool:
        """Mark the user's pending link as having linked them, with what its DM must say (its held key goes),
        inside a transaction the caller holds; False if it was already gone or finished (cancelled, replaced,
        expired or finished)."""
        return await connection.execute(
            "UPDATE pending_links SET linked_message = ?, encrypted_held_key = NULL "
            "WHERE ref_id = ? AND discord_user_id = ? AND linked_message IS NULL",
            (linked_message, ref_id, discord_user_id)) > 0

    async def delete(self, ref_id: str) -> bool:
        """Remove the link; True only for the caller that actually removed it (so one finisher wins)."""
        return await self._db.execute("DELETE FROM pending_links WHERE ref_id = ?", (ref_id,)) > 0

    async def all(self) -> list[PendingLink]:
        rows = await self._db.fetch_all(f"SELECT {_COLUMNS} FROM pending_links ORDER BY created_at")
        return [self._from_row(row) for row in rows]

    def _from_row(self, row: Row) -> PendingLink:
        held = row["encrypted_held_key"]
        return PendingLink(
            ref_id=row["ref_id"], discord_user_id=row["discord_user_id"],
            created_at=from_seconds(row["created_at"]), expires_at=from_seconds(row["expires_at"]),
            dm_channel_id=row["dm_channel_id"], dm_message_id=row["dm_message_id"],
            next_poll_at=from_seconds(row["next_poll_at"]), poll_count=row["poll_count"],
            held_key=None if held is None else self._cipher.decrypt_for_user(row["discord_user_id"], held),
            account_id=row["account_id"], account_name=row["account_name"], linked_message=row["linked_message"],
        )
