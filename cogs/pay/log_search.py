"""Whether Taubot's transaction log holds a given journal row's transfer: a pure function of the log entries
and the journal rows that could claim the same entries."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from storage import Payment, PaymentStatus
from taubot import Transaction

# How far Taubot's clock may be from ours: it stamps log entries with its own clock, and two machines drift
# apart by seconds, sometimes tens of seconds. A log entry is looked for from the journal row's creation
# (written before the request) minus this much; because the window reaches back that far, earlier identical
# payments that may also have landed in it are counted against it (see match_in_log), so the width costs
# only some "unknown" verdicts, never a transfer credited twice.
LOG_CLOCK_SLACK = timedelta(minutes=2)
LOG_ENTRIES_TO_CHECK = 25
# Journal rows whose transfer may have left an entry in the log.
_MAY_HAVE_MOVED = (PaymentStatus.PAID, PaymentStatus.UNKNOWN, PaymentStatus.PENDING)


class LogFinding(enum.Enum):
    FOUND = "found"      # an entry no other journal row can claim
    ABSENT = "absent"    # the log reaches well before the window and holds no entry that could be this one
    UNCLEAR = "unclear"  # unreadable, too short, or the entries may belong to other payments


def match_in_log(payment: Payment, entries: list[Transaction], others: list[Payment]) -> LogFinding:
    """Whether the log holds `payment`'s transfer, counting identical entries against the other journal rows
    (same from/to/amount) that may own them, so one transfer is never credited to two rows.

    The entry of `payment` (sent after `created_at`) has a timestamp of at least `created_at` - slack. Another
    row surely owns an entry in that window if it was paid and created no earlier than `payment`; it may own
    one if it was paid, unknown or pending and updated recently (same_transfer selects those).

    "Absent" is a verdict that may tell the payer to pay again, so it is never drawn from timestamps at the
    edge of the window: the log must reach a whole slack further back than the window (or be complete), and
    that wider stretch must hold no identical entry beyond those surely owned by other rows. An entry from a
    Taubot clock further behind than the slack then makes the verdict unclear, not absent.
    """
    def identical_since(moment: datetime) -> int:
        return sum(1 for entry in entries
                   if (entry.from_account, entry.to_account, entry.amount)
                   == (payment.from_account_id, payment.to_account_id, payment.amount)
                   and entry.timestamp >= moment)

    since = payment.created_at - LOG_CLOCK_SLACK
    claimants = [other for other in others if other.status in _MAY_HAVE_MOVED]
    if identical_since(since) > len(claimants):
        return LogFinding.FOUND
    surely = sum(1 for other in claimants
                 if other.status is PaymentStatus.PAID and other.created_at >= payment.created_at)
    margin = since - LOG_CLOCK_SLACK
    covers_margin = len(entries) < LOG_ENTRIES_TO_CHECK or min(entry.timestamp for entry in entries) < margin
    if covers_margin and identical_since(margin) <= surely:
        return LogFinding.ABSENT
    return LogFinding.UNCLEAR
