"""Which journal row a transfer in Taubot's log belongs to: a pure function of log entries and journal rows.

Every transfer in the log carries `actor_id`, the id of the key that made it, and the bot knows its keys' ids.
Before each POST the bot notes the newest log entry of the paying account (the row's `log_mark`); payments
from one account are serialised (a lock whose lease outlives Taubot's timeout), so the transfer of a row can
only appear between its own mark and the next row's mark. Within that stretch, an entry made by the row's key
with the same from/to/amount, that no other row claimed, is its transfer. Timestamps are never compared with
the bot's clock (Taubot's may be minutes off); entries are told apart by their whole identity and found by
their position in the log.

Rows without a mark (written before marks existed, or sent by a link that cannot read the log) share the
stretch from the previous marked row to the next one with the other rows in it; an entry is then theirs only
when the entries outnumber the other rows that could own one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from storage import OPEN_STATUSES, Payment, PaymentStatus
from taubot import Transaction

EMPTY_LOG = ""  # the log_mark of a payment sent while the account's log was empty


class Finding(enum.Enum):
    FOUND = "found"      # an unclaimed entry made by the row's key is the row's transfer
    ABSENT = "absent"    # no such entry, and none can appear any more
    UNCLEAR = "unclear"  # the log was not read far enough, or the entries may belong to other rows


@dataclass(frozen=True)
class Attribution:
    finding: Finding
    entry: str | None = None  # the identity of the entry found


def identity(entry: Transaction) -> str:
    """An entry's identity as the journal stores it (marks and claims): everything the log says about it."""
    return entry.identity


def newer_than(entries: list[Transaction], mark: str | None) -> list[Transaction] | None:
    """The entries (newest first) above `mark`; None when the mark is not among them. A None or EMPTY_LOG mark
    means the whole list."""
    if not mark:
        return entries
    for position, entry in enumerate(entries):
        if identity(entry) == mark:
            return entries[:position]
    return None


def stretch_of(payment: Payment, rows: list[Payment]) -> tuple[str | None, str | None]:
    """The marks bounding `payment`'s stretch of the log, from `rows` (the journal around it, in order): the
    last mark up to it (None: the log's start) and the first one after it (None: the newest entry)."""
    lower = next((row.log_mark for row in reversed(rows) if row.id <= payment.id and row.log_mark is not None),
                 None)
    upper = next((row.log_mark for row in rows if row.id > payment.id and row.log_mark is not None), None)
    return lower, upper


def attribute(payment: Payment, rows: list[Payment], stretch: list[Transaction], claimed: set[str], *,
              closed: bool) -> Attribution:
    """Whether `stretch` (the log entries of `payment`'s stretch) holds `payment`'s transfer.

    rows: the journal rows of that stretch (see PaymentJournal.around). claimed: the identities among `stretch`
    that rows already claimed. closed: no transfer of `payment` can still land (Taubot answered it, or its
    timeout and margin have passed).
    """
    if payment.key_id is None:
        return Attribution(Finding.UNCLEAR)
    same = (payment.key_id, payment.from_account_id, payment.to_account_id, payment.amount)
    candidates = [entry for entry in stretch
                  if (entry.actor_id, entry.from_account, entry.to_account, entry.amount) == same
                  and identity(entry) not in claimed]
    rivals = [row for row in rows if _may_own_an_entry_like(row, payment)]
    if len(candidates) > len(rivals):
        # Even if every rival owned one of them, one is left: the oldest is the first to have landed.
        return Attribution(Finding.FOUND, identity(candidates[-1]))
    if not candidates and closed:
        return Attribution(Finding.ABSENT)
    return Attribution(Finding.UNCLEAR)


def _may_own_an_entry_like(row: Payment, payment: Payment) -> bool:
    """Whether another row of the stretch may own an unclaimed entry identical to `payment`'s: same transfer,
    made with the same key (or a key nobody recorded), open or paid without a claimed entry. The next marked
    row is not one: its transfer lands after its mark, beyond the stretch."""
    if row.id == payment.id or row.log_entry is not None or (row.id > payment.id and row.log_mark is not None):
        return False
    if row.status not in OPEN_STATUSES and row.status is not PaymentStatus.PAID:
        return False
    return (row.key_id in (payment.key_id, None)
            and (row.from_account_id, row.to_account_id, row.amount)
            == (payment.from_account_id, payment.to_account_id, payment.amount))
