"""Money requests: one member asking another to pay them, kept until paid, declined, cancelled or expired.

Every change of a request is one compare-and-set statement on its row, so two presses, two processes or a
restart in between can never pay a request twice, nor decline one that is being paid. A request is paid only
through the payment journal (payments.py claims it when its payment is journaled, and settles it with the
payment's outcome, in the same transactions).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from .backend import Database, Row
from .clock import Clock, from_optional_seconds, from_seconds, now, to_seconds


class RequestState(enum.StrEnum):
    OPEN = "open"
    PAYING = "paying"        # a payment for it is being sent, or its outcome is still open
    PAID = "paid"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"      # open past its expiry (never stored: read from the time)


# Requests that count against a requester's limit and show in /requests: not closed, not expired.
ACTIVE_REQUESTS = (RequestState.OPEN, RequestState.PAYING)


@dataclass(frozen=True)
class MoneyRequest:
    id: int
    requester_user_id: int
    payer_user_id: int
    to_account_id: str
    to_account_name: str
    amount: int
    memo: str | None
    status: RequestState  # as stored: never EXPIRED (see `state`)
    payment_id: int | None
    created_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    dm_channel_id: int | None
    dm_message_id: int | None

    def state(self, at: datetime) -> RequestState:
        """Where the request stands at `at`: an open one past its expiry is expired."""
        if self.status is RequestState.OPEN and at >= self.expires_at:
            return RequestState.EXPIRED
        return self.status


class RequestLimitReached(Exception):
    """The requester already has as many active requests as they may."""


_COLUMNS = ("id, requester_user_id, payer_user_id, to_account_id, to_account_name, amount, memo, status, payment_id, "
            "created_at, expires_at, closed_at, dm_channel_id, dm_message_id")


class MoneyRequests:
    def __init__(self, database: Database, clock: Clock = now):
        self._db = database
        self._clock = clock

    async def create(self, *, requester_user_id: int, payer_user_id: int, to_account_id: str, to_account_name: str,
                     amount: int, memo: str | None, expires_at: datetime, most_active: int) -> MoneyRequest:
        """A new open request; RequestLimitReached when the requester already has `most_active` active ones
        (counted and written in one transaction)."""
        moment = self._clock()
        async with self._db.transaction() as connection:
            row = await connection.fetch_one(
                "SELECT COUNT(*) AS active FROM money_requests WHERE requester_user_id = ? AND "
                "(status = 'paying' OR (status = 'open' AND expires_at > ?))",
                (requester_user_id, to_seconds(moment)),
            )
            if row is not None and row["active"] >= most_active:
                raise RequestLimitReached(requester_user_id)
            request_id = await connection.insert(
                "INSERT INTO money_requests (requester_user_id, payer_user_id, to_account_id, to_account_name, amount, "
                "memo, status, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)",
                (requester_user_id, payer_user_id, to_account_id, to_account_name, amount, memo,
                 to_seconds(moment), to_seconds(expires_at)),
            )
        created = await self.get(request_id)
        assert created is not None, "the request just written is readable"
        return created

    async def get(self, request_id: int) -> MoneyRequest | None:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM money_requests WHERE id = ?", (request_id,))
        return _from_row(row) if row else None

    async def active_for(self, user_id: int, *, limit: int = 25) -> tuple[list[MoneyRequest], list[MoneyRequest]]:
        """(requests to `user_id`, requests by `user_id`) that are open or being paid, oldest first."""
        condition = "(status = 'paying' OR (status = 'open' AND expires_at > ?))"
        moment = to_seconds(self._clock())
        incoming = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM money_requests WHERE payer_user_id = ? AND {condition} ORDER BY id LIMIT ?",
            (user_id, moment, limit))
        outgoing = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM money_requests WHERE requester_user_id = ? AND {condition} ORDER BY id LIMIT ?",
            (user_id, moment, limit))
        return [_from_row(row) for row in incoming], [_from_row(row) for row in outgoing]

    async def decline(self, request_id: int, payer_user_id: int) -> bool:
        """The payer turns the request down; False unless it was open (and theirs)."""
        return await self._close(request_id, RequestState.DECLINED, "payer_user_id", payer_user_id)

    async def cancel(self, request_id: int, requester_user_id: int) -> bool:
        """The requester withdraws it; False unless it was open (and theirs)."""
        return await self._close(request_id, RequestState.CANCELLED, "requester_user_id", requester_user_id)

    async def _close(self, request_id: int, state: RequestState, member_column: str, user_id: int) -> bool:
        moment = to_seconds(self._clock())
        return await self._db.execute(
            f"UPDATE money_requests SET status = ?, closed_at = ? WHERE id = ? AND {member_column} = ? "
            "AND status = 'open' AND expires_at > ?",
            (state.value, moment, request_id, user_id, moment),
        ) > 0

    async def set_dm(self, request_id: int, *, channel_id: int, message_id: int) -> None:
        """Where the payer's DM about the request is, so it can be updated when the request closes."""
        await self._db.execute("UPDATE money_requests SET dm_channel_id = ?, dm_message_id = ? WHERE id = ?",
                               (channel_id, message_id, request_id))


def _from_row(row: Row) -> MoneyRequest:
    return MoneyRequest(
        id=row["id"], requester_user_id=row["requester_user_id"], payer_user_id=row["payer_user_id"],
        to_account_id=row["to_account_id"], to_account_name=row["to_account_name"], amount=row["amount"],
        memo=row["memo"], status=RequestState(row["status"]), payment_id=row["payment_id"],
        created_at=from_seconds(row["created_at"]), expires_at=from_seconds(row["expires_at"]),
        closed_at=from_optional_seconds(row["closed_at"]), dm_channel_id=row["dm_channel_id"],
        dm_message_id=row["dm_message_id"],
    )
