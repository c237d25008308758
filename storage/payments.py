"""The payment journal: every transfer the bot attempts, written before the request and closed after it.

Each row records the process that sends it (`instance_id`), the grant key's id (the `actor_id` Taubot's log
gives the transfer), where the log stood just before the POST (`log_mark`) and, once found paid, the log entry
it claimed (`log_entry`, unique: one entry proves one payment). A row still 'pending' or 'unknown' is settled
from Taubot's log later (cogs/pay/settling.py). Nothing here ever retries a payment.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .backend import ConstraintViolation, Database, Row, Transaction
from .clock import Clock, from_optional_seconds, from_seconds, now, to_seconds
from .locks import PaymentLock, PaymentLocks


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"      # written, request about to go out or under way
    PAID = "paid"            # verified: the money moved
    FAILED = "failed"        # Taubot refused it, or it never reached Taubot; nothing moved
    NOT_MOVED = "not_moved"  # Taubot said OK, but its log shows no such transfer
    UNKNOWN = "unknown"      # the outcome is not known yet; looked up again until `check_until`, never retried


OPEN_STATUSES = (PaymentStatus.PENDING, PaymentStatus.UNKNOWN)


class DuplicatePayment(Exception):
    """A payment for this confirmation was already started; it must not be sent again."""


class EntryClaimed(Exception):
    """Another journal row claimed this log entry first: it proves that row's payment, not this one."""


class RequestNotOpen(Exception):
    """The money request this payment would pay is no longer open (paid, being paid, declined, cancelled or
    expired): nothing may be sent."""


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
    instance_id: str | None = None
    key_id: str | None = None
    log_mark: str | None = None
    log_entry: str | None = None
    posted_at: datetime | None = None
    taubot_answer: str | None = None
    check_until: datetime | None = None
    settled_by: str | None = None
    memo: str | None = None        # the payer's note (Taubot keeps none)
    request_id: int | None = None  # the money request it pays
    from_account_name: str | None = None  # the paying account's name when not the payer's personal account

    @property
    def sent_at(self) -> datetime:
        """When the row was claimed for its POST (a row never claimed, or from before the journal recorded it:
        when it was written)."""
        return self.posted_at or self.created_at


@dataclass(frozen=True)
class Outcome:
    """What a settled row records."""

    status: PaymentStatus
    detail: str = ""
    balance_after: int | None = None
    log_entry: str | None = None       # the log entry that proves a paid row
    taubot_answer: str | None = None   # what the POST got back (kept from before when None)
    check_until: datetime | None = None  # for 'unknown': until when the log is looked up again


_COLUMNS = (
    "id, intent_id, payer_user_id, from_account_id, to_account_id, to_account_name, recipient_user_id, amount, "
    "status, detail, balance_before, balance_after, created_at, updated_at, instance_id, key_id, log_mark, "
    "log_entry, posted_at, taubot_answer, check_until, settled_by, memo, request_id, from_account_name"
)


class PaymentJournal:
    def __init__(self, database: Database, locks: PaymentLocks, clock: Clock = now):
        self._db = database
        self._locks = locks
        self._clock = clock

    async def begin(self, *, lock: PaymentLock | None = None, lease_until: datetime | None = None,
                    **row) -> Payment | None:
        """Write the 'pending' row that must exist before the transfer is sent (`row`: the keywords of
        `_insert`); raises DuplicatePayment. With a lock, its lease is extended to `lease_until` in the same
        transaction, and None is returned (nothing written) if the lock was lost: nothing may be sent then. A
        payment of a money request claims it in the same transaction; RequestNotOpen when it cannot."""
        try:
            async with self._db.transaction() as connection:
                if lock is not None and lease_until is not None and not await self._locks.extend_within(
                        connection, lock, lease_until):
                    return None
                payment_id = await self._insert(connection, **row)
                if row.get("request_id") is not None:
                    await self._claim_request(connection, row["request_id"], payment_id)
                # Read back inside the transaction: after it, a read may queue (for the shared SQLite connection,
                # for a pooled PostgreSQL one) while posted_at ages, and the POST must follow posted_at closely.
                written = await connection.fetch_one(f"SELECT {_COLUMNS} FROM payments WHERE id = ?", (payment_id,))
        except ConstraintViolation as error:
            if "intent_id" in str(error):
                raise DuplicatePayment(row.get("intent_id")) from None
            raise
        assert written is not None, "the row just written is readable"
        return _from_row(written)

    async def _insert(self, connection: Transaction, *, intent_id: str, payer_user_id: int,
                      from_account_id: str, to_account_id: str, to_account_name: str, amount: int,
                      recipient_user_id: int | None = None, balance_before: int | None = None,
                      instance_id: str | None = None, key_id: str | None = None, log_mark: str | None = None,
                      memo: str | None = None, request_id: int | None = None,
                      from_account_name: str | None = None) -> int:
        # posted_at stays NULL until the sender claims the row for its POST (claim_for_sending).
        written = to_seconds(self._clock())
        return await connection.insert(
            "INSERT INTO payments (intent_id, payer_user_id, from_account_id, to_account_id, to_account_name, "
            "recipient_user_id, amount, status, balance_before, created_at, updated_at, instance_id, key_id, "
            "log_mark, memo, request_id, from_account_name) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (intent_id, payer_user_id, from_account_id, to_account_id, to_account_name, recipient_user_id, amount,
             balance_before, written, written, instance_id, key_id, log_mark, memo, request_id,
             from_account_name),
        )

    async def claim_for_sending(self, payment_id: int, *, instance_id: str, landing_window: timedelta) -> bool:
        """The sender's right to POST this row, taken right before the POST with one conditional statement: the
        row is still 'pending', unclaimed and this process's, and its account lock is still this payment's (held
        by this process) for at least `landing_window` more (so no next payment from the account can start
        before this transfer can no longer land). Stamps posted_at, from which settling counts the landing
        window. False: send nothing (another process settled the row, or this one stalled past its lease)."""
        async with self._db.transaction() as connection:
            moment = self._clock()  # inside the write transaction: the POST follows within milliseconds
            return await connection.execute(
                "UPDATE payments SET posted_at = ?, updated_at = ? WHERE id = ? AND status = 'pending' "
                "AND posted_at IS NULL AND instance_id = ? AND EXISTS (SELECT 1 FROM payment_locks WHERE "
                "from_account_id = payments.from_account_id AND intent_id = payments.intent_id "
                "AND instance_id = ? AND lease_until >= ?)",
                (to_seconds(moment), to_seconds(moment), payment_id, instance_id, instance_id,
                 to_seconds(moment + landing_window)),
            ) > 0

    async def _claim_request(self, connection: Transaction, request_id: int, payment_id: int) -> None:
        """The request is being paid by this payment, if it is still open (one statement: two payments of one
        request, in any processes, cannot both claim it)."""
        if not await connection.execute(
            "UPDATE money_requests SET status = 'paying', payment_id = ? WHERE id = ? AND status = 'open' "
            "AND expires_at > ?",
            (payment_id, request_id, to_seconds(self._clock())),
        ):
            raise RequestNotOpen(request_id)

    async def finish(self, payment_id: int, outcome: Outcome, *, settled_by: str | None = None,
                     open_statuses: Iterable[PaymentStatus] = (PaymentStatus.PENDING,),
                     release: PaymentLock | None = None, landed_after: timedelta | None = None) -> bool:
        """Record an outcome if the row is still in one of `open_statuses` (so two processes settling one row
        cannot both record it); release `release` in the same transaction. True for the caller that recorded
        it. Raises EntryClaimed if another row already claimed `outcome.log_entry`.

        `landed_after` (settling from the log): record it only if the row was claimed for sending at least this
        long ago, or never; a claim made after the log was read (its transfer may land yet) wins over the
        reading."""
        if outcome.status is PaymentStatus.PENDING:
            raise ValueError("finish() records an outcome; 'pending' is not one")
        statuses = [status.value for status in open_statuses]
        try:
            async with self._db.transaction() as connection:
                moment = self._clock()
                landed = moment - (landed_after or timedelta(0))
                recorded = await connection.execute(
                    "UPDATE payments SET status = ?, detail = ?, balance_after = COALESCE(?, balance_after), "
                    "log_entry = COALESCE(?, log_entry), taubot_answer = COALESCE(?, taubot_answer), "
                    "check_until = ?, settled_by = ?, updated_at = ? "
                    f"WHERE id = ? AND status IN ({', '.join('?' for _ in statuses)}) "
                    "AND (? = 0 OR posted_at IS NULL OR posted_at <= ?)",
                    (outcome.status.value, outcome.detail, outcome.balance_after, outcome.log_entry,
                     outcome.taubot_answer, _optional_seconds(outcome.check_until), settled_by,
                     to_seconds(moment), payment_id, *statuses, int(landed_after is not None), to_seconds(landed)),
                ) > 0
                if recorded:
                    await _settle_request_within(connection, payment_id, outcome.status, moment)
                if recorded and release is not None:
                    await self._locks.release_within(connection, release)
        except ConstraintViolation as error:
            if "log_entry" in str(error):
                raise EntryClaimed(outcome.log_entry) from None
            raise
        return recorded

    async def get(self, payment_id: int) -> Payment | None:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM payments WHERE id = ?", (payment_id,))
        return _from_row(row) if row else None

    async def by_intent(self, intent_id: str) -> Payment | None:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM payments WHERE intent_id = ?", (intent_id,))
        return _from_row(row) if row else None

    async def open_rows(self) -> list[Payment]:
        """Rows whose outcome is still open: 'pending', and 'unknown' ones still being looked up; oldest first."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM payments WHERE status = 'pending' OR (status = 'unknown' AND check_until > ?) "
            "ORDER BY id",
            (to_seconds(self._clock()),),
        )
        return [_from_row(row) for row in rows]

    async def around(self, payment: Payment) -> list[Payment]:
        """The rows from the same account whose transfers may share `payment`'s stretch of Taubot's log, in
        order: from the last row up to `payment` that read a log mark, to the first one after it that did (each
        payment from an account starts after the previous one's could still land; see cogs/pay/attribution.py)."""
        lower = await self._marked_neighbour(payment, "<=", "MAX")
        upper = await self._marked_neighbour(payment, ">", "MIN")
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM payments WHERE from_account_id = ? AND id >= ? AND id <= ? ORDER BY id",
            (payment.from_account_id, lower if lower is not None else 0,
             upper if upper is not None else 2**63 - 1),
        )
        return [_from_row(row) for row in rows]

    async def _marked_neighbour(self, payment: Payment, comparison: str, pick: str) -> int | None:
        row = await self._db.fetch_one(
            f"SELECT {pick}(id) AS found FROM payments WHERE from_account_id = ? AND id {comparison} ? "
            "AND log_mark IS NOT NULL",
            (payment.from_account_id, payment.id),
        )
        return row["found"] if row is not None else None

    async def claimed(self, entries: Iterable[str]) -> set[str]:
        """Which of these log entries some row has already claimed."""
        wanted = list(entries)
        if not wanted:
            return set()
        rows = await self._db.fetch_all(
            f"SELECT log_entry FROM payments WHERE log_entry IN ({', '.join('?' for _ in wanted)})", wanted)
        return {row["log_entry"] for row in rows}

    async def spent_with_key(self, key_id: str, *, refused_count: bool) -> int:
        """Cents this grant key has spent through the bot: what moved, and (where Taubot counts them against the
        spending limit) transfers it refused for want of money."""
        row = await self._db.fetch_point(  # /link-status reads it; never queued behind a write
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS spent FROM payments WHERE key_id = ? AND "
            "(status = 'paid' OR (? = 1 AND taubot_answer = 'rejected'))",
            (key_id, int(refused_count)),
        )
        return row["spent"] if row is not None else 0

    async def open_with_key(self, key_id: str) -> int:
        """Cents of this grant key's payments whose outcome is not known (yet): Taubot may or may not have
        counted them against the spending limit."""
        row = await self._db.fetch_point(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS still_open FROM payments WHERE key_id = ? AND "
            "status IN ('pending', 'unknown')", (key_id,))
        return row["still_open"] if row is not None else 0

    async def memos_of(self, entries: Iterable[str]) -> dict[str, str]:
        """The memos of the payments that claimed these log entries (made by the bot's keys), by entry."""
        wanted = list(entries)
        if not wanted:
            return {}
        rows = await self._db.fetch_all(
            f"SELECT log_entry, memo FROM payments WHERE log_entry IN ({', '.join('?' for _ in wanted)}) "
            "AND memo IS NOT NULL", wanted)
        return {row["log_entry"]: row["memo"] for row in rows}

    async def has_paid_with_key(self, key_id: str) -> bool:
        row = await self._db.fetch_one("SELECT 1 FROM payments WHERE key_id = ? AND status = 'paid' LIMIT 1",
                                       (key_id,))
        return row is not None

    async def recent_for_payer(self, payer_user_id: int, *, limit: int = 10) -> list[Payment]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM payments WHERE payer_user_id = ? ORDER BY id DESC LIMIT ?",
            (payer_user_id, limit),
        )
        return [_from_row(row) for row in rows]


async def _settle_request_within(connection: Transaction, payment_id: int, status: PaymentStatus,
                                 at: datetime) -> None:
    """A request being paid by this payment follows its outcome: paid, or open again when nothing moved; an
    unknown outcome keeps it 'paying' (so it cannot be paid twice) until the log settles it."""
    if status is PaymentStatus.PAID:
        await connection.execute(
            "UPDATE money_requests SET status = 'paid', closed_at = ? WHERE payment_id = ? AND status = 'paying'",
            (to_seconds(at), payment_id))
    elif status in (PaymentStatus.FAILED, PaymentStatus.NOT_MOVED):
        await connection.execute(
            "UPDATE money_requests SET status = 'open', payment_id = NULL WHERE payment_id = ? AND status = 'paying'",
            (payment_id,))


def _optional_seconds(moment: datetime | None) -> float | None:
    return None if moment is None else to_seconds(moment)


def _from_row(row: Row) -> Payment:
    return Payment(
        id=row["id"], intent_id=row["intent_id"], payer_user_id=row["payer_user_id"],
        from_account_id=row["from_account_id"], to_account_id=row["to_account_id"],
        to_account_name=row["to_account_name"], recipient_user_id=row["recipient_user_id"], amount=row["amount"],
        status=PaymentStatus(row["status"]), detail=row["detail"], balance_before=row["balance_before"],
        balance_after=row["balance_after"], created_at=from_seconds(row["created_at"]),
        updated_at=from_seconds(row["updated_at"]), instance_id=row["instance_id"], key_id=row["key_id"],
        log_mark=row["log_mark"], log_entry=row["log_entry"], posted_at=from_optional_seconds(row["posted_at"]),
        taubot_answer=row["taubot_answer"], check_until=from_optional_seconds(row["check_until"]),
        settled_by=row["settled_by"], memo=row["memo"], request_id=row["request_id"],
        from_account_name=row["from_account_name"],
    )
