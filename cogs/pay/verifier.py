"""Reading Taubot's log for a payment: the mark before the POST, and the stretch that holds (or not) its
transfer afterwards. The decision itself is attribution.py's; this module reads the log and the journal."""

from __future__ import annotations

from dataclasses import dataclass

from storage import Payment, PaymentJournal
from taubot import TaubotClient, Transaction

from .attribution import EMPTY_LOG, Attribution, Finding, attribute, identity, newer_than, stretch_of

FIRST_READ = 20     # entries read first: a payment checked right after its POST is among the newest few
MOST_ENTRIES = 2000  # the furthest back a check reads; an older mark leaves the payment unknown


@dataclass(frozen=True)
class LogStretch:
    entries: list[Transaction]  # newest first, above the mark
    reached: bool               # the mark (or the log's start) was reached: nothing of the stretch is missing


class LogVerifier:
    def __init__(self, taubot: TaubotClient, journal: PaymentJournal):
        self.taubot = taubot
        self.journal = journal

    async def mark(self, grant_key: str, account_id: str) -> str:
        """The identity of the account's newest log entry (EMPTY_LOG for an empty log). Raises TaubotError."""
        newest = await self.taubot.get_transactions(grant_key, account_id, limit=1)
        return identity(newest[0]) if newest else EMPTY_LOG

    async def attribute(self, payment: Payment, grant_key: str, *, closed: bool) -> Attribution:
        """Whether the log shows `payment`'s transfer (see attribution.py); reads it with `grant_key`, which
        needs VIEW BALANCE on the paying account (any key of the payer's link: the row names the key that
        sent it). Raises TaubotError when the log cannot be read."""
        rows = await self.journal.around(payment)
        lower, upper = stretch_of(payment, rows)
        read = await self.read_back(grant_key, payment.from_account_id, lower)
        if not read.reached:
            return Attribution(Finding.UNCLEAR)
        stretch = read.entries
        if upper is not None:  # the entries from the next payment's mark down belong to this stretch
            above_upper = newer_than(read.entries, upper)
            if above_upper is None:
                return Attribution(Finding.UNCLEAR)
            stretch = read.entries[len(above_upper):]
        claimed = await self.journal.claimed(identity(entry) for entry in stretch)
        return attribute(payment, rows, stretch, claimed, closed=closed)

    async def read_back(self, grant_key: str, account_id: str, mark: str | None) -> LogStretch:
        """The entries above `mark` (None or EMPTY_LOG: the whole log), newest first, reading more each time
        the mark is not in sight, up to MOST_ENTRIES."""
        limit = FIRST_READ
        while True:
            entries = await self.taubot.get_transactions(grant_key, account_id, limit=limit)
            complete = len(entries) < limit  # the log has nothing older
            above = newer_than(entries, mark)
            if above is not None and (mark or complete):
                return LogStretch(above, reached=True)
            if complete or limit >= MOST_ENTRIES:
                return LogStretch(entries, reached=False)  # the mark is gone, or too far back
            limit = min(limit * 10, MOST_ENTRIES)
