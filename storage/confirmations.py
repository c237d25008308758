"""Payment confirmations waiting for the payer's Confirm or Cancel, in the database every bot process shares.

A confirmation shown by one process may be pressed on another (another shard, another host) or after a
restart: the press finds here exactly what was shown. Each change is one compare-and-set statement on the row,
so of two presses (in any processes) one confirms and the other finds it taken; an expired one is never sent.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from .backend import Database
from .clock import Clock, from_seconds, now, to_seconds


class ConfirmationState(enum.StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"  # Confirm was pressed: the payment is being sent, or was (see the payment journal)
    CANCELLED = "cancelled"
    EXPIRED = "expired"      # marked by the process that showed it; an open one past expires_at is expired too


@dataclass(frozen=True)
class Confirmation:
    intent_id: str
    payer_user_id: int
    from_account_id: str
    from_name: str | None
    to_account_id: str
    to_account_name: str
    to_account_type: str
    to_owner_id: int | None
    recipient_user_id: int | None
    amount: int
    balance_before: int | None
    memo: str | None
    request_id: int | None
    expires_at: datetime
    status: ConfirmationState = ConfirmationState.OPEN

    def is_open(self, at: datetime) -> bool:
        return self.status is ConfirmationState.OPEN and at < self.expires_at


_COLUMNS = ", ".join(field.name for field in fields(Confirmation))
# Rows this much past their expiry are deleted when new confirmations are shown: presses on them read as closed.
KEPT_AFTER_EXPIRY = timedelta(days=1)


class Confirmations:
    def __init__(self, database: Database, clock: Clock = now):
        self._db = database
        self._clock = clock

    async def show(self, confirmation: Confirmation) -> None:
        """Keep a confirmation about to be shown (status open)."""
        values = [getattr(confirmation, field.name) for field in fields(Confirmation)]
        values[-2] = to_seconds(confirmation.expires_at)
        values[-1] = ConfirmationState.OPEN.value
        await self._db.execute(
            f"INSERT INTO confirmations ({_COLUMNS}) VALUES ({', '.join('?' for _ in values)})", values)

    async def get(self, intent_id: str) -> Confirmation | None:
        row = await self._db.fetch_point(f"SELECT {_COLUMNS} FROM confirmations WHERE intent_id = ?", (intent_id,))
        if row is None:
            return None
        values = {name: row[name] for name in row.keys()}
        return Confirmation(**{**values, "expires_at": from_seconds(values["expires_at"]),
                               "status": ConfirmationState(values["status"])})

    async def claim(self, intent_id: str, state: ConfirmationState) -> bool:
        """Move an open confirmation to `state`; True only for the one caller that did. Confirm and Cancel
        claim only before its expiry; the expiry itself claims whatever is still open."""
        in_time = "" if state is ConfirmationState.EXPIRED else " AND expires_at > ?"
        parameters = [state.value, intent_id] + ([] if in_time == "" else [to_seconds(self._clock())])
        return await self._db.execute(
            f"UPDATE confirmations SET status = ? WHERE intent_id = ? AND status = 'open'{in_time}", parameters) > 0

    async def reopen(self, intent_id: str) -> None:
        """Confirm could not start (another payment held the account): the confirmation is open again."""
        await self._db.execute("UPDATE confirmations SET status = 'open' WHERE intent_id = ? AND status = 'confirmed'",
                               (intent_id,))

    async def forget_old(self) -> int:
        """Delete confirmations long past their expiry; return how many."""
        return await self._db.execute("DELETE FROM confirmations WHERE expires_at < ?",
                                      (to_seconds(self._clock() - KEPT_AFTER_EXPIRY),))
