"""One payment in flight per source account, across every process sharing the database.

A lock is a row with a lease. It is taken before the fresh balance read, its lease is extended in the same
transaction that journals the payment (to the moment Taubot can no longer apply the transfer), and it is
released with the outcome. An unknown outcome keeps it until the lease runs out, so a transfer that lands
late cannot be mistaken for the next payment's. A crashed holder's lock simply expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .backend import Database, Transaction
from .clock import Clock, now, to_seconds


@dataclass(frozen=True)
class PaymentLock:
    from_account_id: str
    intent_id: str    # the confirmation being sent
    instance_id: str  # the process sending it


class PaymentLocks:
    def __init__(self, database: Database, clock: Clock = now):
        self._db = database
        self._clock = clock

    async def take(self, lock: PaymentLock, lease: timedelta) -> bool:
        """Hold the account for `lease`; False while another payment's lease on it runs (one statement, so two
        processes taking it at once cannot both win)."""
        moment = self._clock()
        return await self._db.execute(
            "INSERT INTO payment_locks (from_account_id, intent_id, instance_id, lease_until) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (from_account_id) DO UPDATE SET intent_id = excluded.intent_id, "
            "instance_id = excluded.instance_id, lease_until = excluded.lease_until "
            "WHERE payment_locks.lease_until <= ?",
            (lock.from_account_id, lock.intent_id, lock.instance_id, to_seconds(moment + lease),
             to_seconds(moment)),
        ) > 0

    async def holder(self, from_account_id: str) -> str | None:
        """The intent id of the payment holding this account's lock right now, if any."""
        row = await self._db.fetch_one(
            "SELECT intent_id FROM payment_locks WHERE from_account_id = ? AND lease_until > ?",
            (from_account_id, to_seconds(self._clock())),
        )
        return row["intent_id"] if row is not None else None

    async def sending(self, intent_id: str) -> bool:
        """Whether this confirmation holds a lock right now, in any process."""
        row = await self._db.fetch_one(
            "SELECT 1 FROM payment_locks WHERE intent_id = ? AND lease_until > ?",
            (intent_id, to_seconds(self._clock())),
        )
        return row is not None

    async def extend_within(self, connection: Transaction, lock: PaymentLock, until: datetime) -> bool:
        """Inside the caller's transaction: keep the lock until `until`; False if it was lost (its lease ran out
        and someone else took it), in which case nothing may be sent."""
        return await connection.execute(
            "UPDATE payment_locks SET lease_until = ? WHERE from_account_id = ? AND intent_id = ? "
            "AND lease_until > ?",
            (to_seconds(until), lock.from_account_id, lock.intent_id, to_seconds(self._clock())),
        ) > 0

    async def release_within(self, connection: Transaction, lock: PaymentLock) -> None:
        await connection.execute("DELETE FROM payment_locks WHERE from_account_id = ? AND intent_id = ?",
                                 (lock.from_account_id, lock.intent_id))

    async def release(self, lock: PaymentLock) -> None:
        """Give the lock back when nothing was sent."""
        await self._db.execute("DELETE FROM payment_locks WHERE from_account_id = ? AND intent_id = ?",
                               (lock.from_account_id, lock.intent_id))
