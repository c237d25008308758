"""How long a payment's outcome can stay open, from the bot's own clock only (Taubot's is never compared).

A transfer Taubot has received is applied, or dropped, within its request timeout plus a margin: until then
nobody but the sending process decides its row, and the account stays locked so that a late transfer cannot
be taken for the next payment's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

# The reads before the POST (a fresh balance and the log's mark, at once) are each tried up to three times.
READ_ATTEMPTS = 3


@dataclass(frozen=True)
class PaymentTimings:
    clock: Callable[[], datetime]
    taubot_timeout: timedelta         # TAUBOT_TIMEOUT_SECONDS: the longest one request may take
    settle_margin: timedelta          # after that, Taubot has applied or dropped whatever it received
    check_for: timedelta              # how long an unknown outcome is looked up in the log again
    instance_stale_after: timedelta   # a process silent this long is gone (see storage/instances.py)
    look_again_after: timedelta       # the first wait before an open row the log could not settle is looked at again
    settle_lease: timedelta = timedelta(minutes=5)  # one look at an open row, claimed across the fleet

    @property
    def landing_window(self) -> timedelta:
        """From the POST until the transfer can no longer appear in Taubot's log."""
        return self.taubot_timeout + self.settle_margin

    @property
    def lease_at_journal(self) -> timedelta:
        """The lock's lease from the journal write: the landing window plus one Taubot timeout in which the
        sender must claim the row for its POST (storage: PaymentJournal.claim_for_sending). A process that
        stalls longer sends nothing; another may settle its row."""
        return self.landing_window + self.taubot_timeout

    @property
    def lock_before_post(self) -> timedelta:
        """The lock's first lease: the reads before the POST, however slow Taubot is; it is extended to the
        landing window in the transaction that journals the payment."""
        return READ_ATTEMPTS * self.taubot_timeout + self.settle_margin

    def closed(self, sent_at: datetime) -> bool:
        """Whether a transfer sent at `sent_at` can no longer land."""
        return self.clock() >= sent_at + self.landing_window
