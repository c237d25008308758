"""The public copies of paid receipts that payers shared in a channel: at most one per payment.

Posting is claimed first (a row without a message id), so two presses, in one process or two, never post two
copies; the claim gets the message's id once it is posted, or is dropped if posting failed. A claim whose
poster died is taken over once it is older than `stale_after`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .clock import Clock, from_seconds, now, to_seconds
from .database import Database

STALE_CLAIM = timedelta(minutes=1)  # far longer than posting one message takes


@dataclass(frozen=True)
class SharedReceipt:
    payment_id: int
    guild_id: int | None
    channel_id: int
    message_id: int | None  # None: being posted
    with_memo: bool
    claimed_at: datetime


class SharedReceipts:
    def __init__(self, database: Database, clock: Clock = now, stale_after: timedelta = STALE_CLAIM):
        self._db = database
        self._clock = clock
        self._stale_after = stale_after

    async def get(self, payment_id: int) -> SharedReceipt | None:
        row = await self._db.fetch_one(
            "SELECT payment_id, guild_id, channel_id, message_id, with_memo, claimed_at FROM shared_receipts "
            "WHERE payment_id = ?", (payment_id,))
        if row is None:
            return None
        return SharedReceipt(row["payment_id"], row["guild_id"], row["channel_id"], row["message_id"],
                             bool(row["with_memo"]), from_seconds(row["claimed_at"]))

    async def claim(self, payment_id: int, *, guild_id: int | None, channel_id: int, with_memo: bool) -> bool:
        """Claim posting the public copy of `payment_id` here; False while it is posted (or being posted, by a
        claim not yet stale) elsewhere. One statement: of two claims at once, one wins."""
        moment = self._clock()
        return await self._db.execute(
            "INSERT INTO shared_receipts (payment_id, guild_id, channel_id, message_id, with_memo, claimed_at) "
            "VALUES (?, ?, ?, NULL, ?, ?) ON CONFLICT (payment_id) DO UPDATE SET guild_id = excluded.guild_id, "
            "channel_id = excluded.channel_id, with_memo = excluded.with_memo, claimed_at = excluded.claimed_at "
            "WHERE shared_receipts.message_id IS NULL AND shared_receipts.claimed_at < ?",
            (payment_id, guild_id, channel_id, int(with_memo), to_seconds(moment),
             to_seconds(moment - self._stale_after))) > 0

    async def posted(self, payment_id: int, message_id: int) -> None:
        """The claimed copy was posted as `message_id`."""
        await self._db.execute("UPDATE shared_receipts SET message_id = ? WHERE payment_id = ? AND message_id IS NULL",
                               (message_id, payment_id))

    async def updated(self, payment_id: int, *, with_memo: bool) -> None:
        """The posted copy now shows the memo, or no longer does."""
        await self._db.execute("UPDATE shared_receipts SET with_memo = ? WHERE payment_id = ?",
                               (int(with_memo), payment_id))

    async def release(self, payment_id: int) -> None:
        """Posting failed: nothing was posted, the claim goes."""
        await self._db.execute("DELETE FROM shared_receipts WHERE payment_id = ? AND message_id IS NULL",
                               (payment_id,))

    async def forget(self, payment_id: int, message_id: int) -> None:
        """The posted copy was deleted (by a moderator): the payment may be shared again."""
        await self._db.execute("DELETE FROM shared_receipts WHERE payment_id = ? AND message_id = ?",
                               (payment_id, message_id))
