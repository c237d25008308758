"""The payment journal: every transfer the bot attempts, written before the request and closed after it.

A row still 'pending' after a restart means the bot stopped between sending and recording; reconciliation
decides it from Taubot's transaction log or marks it 'unknown'. Nothing here ever retries a payment.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from .clock import from_seconds, now, to_seconds
from .database import Database


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"      # written, request about to go out or under way
    PAID = "paid"            # verified: the money moved
    FAILED = "failed"        # Taubot refused it; nothing moved
    NOT_MOVED = "not_moved"  # Taubot said OK but the balance did not change
    UNKNOWN = "unknown"      # the outcome could not be determined; never retried


class DuplicatePayment(Exception):
    """A payment for this confirmation was already started; it must not be sent again."""


@dataclass(frozen=True)
class Payment:
    id: int
    intent_id: str
    payer_user_id: int
    from_account_id: str
    to_account_id: str
    to_account_name: str
    recipient_user_id: int | None
    amount: int
    status: PaymentStatus
    detail: str
    balance_before: int | None
    balance_after: int | None
    created_at: datetime
    updated_at: datetime


_COLUMNS = (
    "id, intent_id, payer_user_id, from_account_id, to_account_id, to_account_name, recipient_user_id, amount, "
    "status, detail, balance_before, balance_after, created_at, updated_at"
)


class PaymentJournal:
    def __init__(self, database: Database):
        self._db = database

    async def begin(
        self,
        *,
        intent_id: str,
        payer_user_id: int,
        from_account_id: str,
        to_account_id: str,
        to_account_name: str,
        amount: int,
        recipient_user_id: int | None = None,
        balance_before: int | None = None,
    ) -> Payment:
        """Write the 'pending' row that must exist before the transfer is sent; raises DuplicatePayment."""
        started = to_seconds(now())
        try:
            async with self._db.transaction() as connection:
                cursor = await connection.execute(
                    "INSERT INTO payments (intent_id, payer_user_id, from_account_id, to_account_id, "
                    "to_account_name, recipient_user_id, amount, status, balance_before, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
                    (intent_id, payer_user_id, from_account_id, to_account_id, to_account_name,
                     recipient_user_id, amount, balance_before, started, started),
                )
                payment_id = cursor.lastrowid
        except aiosqlite.IntegrityError as error:
            if "intent_id" in str(error):
                raise DuplicatePayment(intent_id) from None
            raise
        payment = await self.get(payment_id) if payment_id is not None else None
        assert payment is not None, "the row just written is readable"
        return payment

    async def finish(
        self, payment_id: int, status: PaymentStatus, *, detail: str = "", balance_after: int | None = None
    ) -> None:
        """Record the outcome of a pending payment."""
        if status is PaymentStatus.PENDING:
            raise ValueError("finish() records an outcome; 'pending' is not one")
        await self._db.execute(
            "UPDATE payments SET status = ?, detail = ?, balance_after = COALESCE(?, balance_after), "
            "updated_at = ? WHERE id = ?",
            (status.value, detail, balance_after, to_seconds(now()), payment_id),
        )

    async def get(self, payment_id: int) -> Payment | None:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM payments WHERE id = ?", (payment_id,))
        return _from_row(row) if row else None

    async def by_intent(self, intent_id: str) -> Payment | None:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM payments WHERE intent_id = ?", (intent_id,))
        return _from_row(row) if row else None

    async def pending(self) -> list[Payment]:
        """Rows a crash left without an outcome, oldest first."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM payments WHERE status = 'pending' ORDER BY id"
        )
        return [_from_row(row) for row in rows]

    async def same_transfer(self, from_account_id: str, to_account_id: str, amount: int, *,
                            touched_since: datetime) -> list[Payment]:
        """Rows for the same from/to/amount that may own a log entry made since `touched_since`: those
        updated since then, and every row still pending (its transfer may have landed at any time)."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM payments WHERE from_account_id = ? AND to_account_id = ? AND amount = ? "
            "AND (updated_at >= ? OR status = 'pending') ORDER BY id",
            (from_account_id, to_account_id, amount, to_seconds(touched_since)),
        )
        return [_from_row(row) for row in rows]

    async def recent_for_payer(self, payer_user_id: int, *, limit: int = 10) -> list[Payment]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM payments WHERE payer_user_id = ? ORDER BY id DESC LIMIT ?",
            (payer_user_id, limit),
        )
        return [_from_row(row) for row in rows]


def _from_row(row: aiosqlite.Row) -> Payment:
    return Payment(
        id=row["id"], intent_id=row["intent_id"], payer_user_id=row["payer_user_id"],
        from_account_id=row["from_account_id"], to_account_id=row["to_account_id"],
        to_account_name=row["to_account_name"], recipient_user_id=row["recipient_user_id"], amount=row["amount"],
        status=PaymentStatus(row["status"]), detail=row["detail"], balance_before=row["balance_before"],
        balance_after=row["balance_after"], created_at=from_seconds(row["created_at"]),
        updated_at=from_seconds(row["updated_at"]),
    )
