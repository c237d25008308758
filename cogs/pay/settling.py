"""Settling payments whose outcome is still open, from Taubot's log: rows a stopped process left 'pending', and
'unknown' ones, looked up again until they settle or `check_for` passes. Knows Taubot and the journal, not
Discord: PayCog tells the payers.

A row is only touched once its transfer can no longer land (the moment its sender claimed it for the POST plus
Taubot's timeout plus a margin, on the bot's own clock), and a 'pending' row only when the process that sends it
is gone (it stopped beating) or is this one and no longer sending it. Two processes settling one row cannot both
record it, and a sender that claims a row after it was read here wins over the reading: a row is either settled
before its claim (and then never sent) or at least a landing window after it. Processes do not both look a row
up: each look is claimed through the row's lease (storage/leases.py), which is then kept until the next look is
due, so every process of the fleet backs off together.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import timedelta

from storage import Lease, Outcome, Payment, PaymentStatus, Storage
from taubot import TaubotError

from .. import messages
from .attribution import Attribution, Finding
from .sender import PaymentSender, Verdict, key_id_of

log = logging.getLogger("taubot_bot.pay")
LONGEST_WAIT = timedelta(hours=1)  # between two looks at a row the log could not settle


@dataclass(frozen=True)
class Settled:
    payment: Payment   # as it stood before
    verdict: Verdict
    interrupted: bool  # a process stopped while sending it (else: its receipt said the outcome was unknown)


class Settler:
    def __init__(self, storage: Storage, sender: PaymentSender):
        self.journal = storage.payments
        self.grant_keys = storage.grant_keys
        self.instances = storage.instances
        self.leases = storage.leases
        self.sender = sender
        self.timings = sender.timings

    async def settle_open(self) -> list[Settled]:
        """One round over the open rows; the ones this round settled (or, for 'pending', marked unknown)."""
        live = await self.instances.live(self.timings.instance_stale_after)
        settled = []
        for payment in await self.journal.open_rows():
            if not self._may_decide(payment, live):
                continue
            lease = await self.leases.take(f"settle:{payment.id}", self.sender.instance_id, self.timings.settle_lease)
            if lease is None:
                continue  # another process is looking it up, or nobody is to look again before its next turn
            current = await self.journal.get(payment.id)
            if current is None or current.status is not payment.status:
                await self.leases.release(lease)  # another process settled it after the list was read, and let go
                continue
            try:
                done = await self._settle(payment, lease)
            except Exception:
                log.exception("Could not settle payment %s this round; it stays open", payment.id)
                await self._look_later(lease)
                continue
            if done is not None:
                settled.append(done)
        return settled

    def _may_decide(self, payment: Payment, live: set[str]) -> bool:
        if not self.timings.closed(payment.sent_at):
            return False  # Taubot may still apply it
        if payment.status is PaymentStatus.UNKNOWN:
            return True   # its sender recorded all it knew; the log may tell more now
        if payment.instance_id == self.sender.instance_id:
            return payment.id not in self.sender.sending
        return payment.instance_id not in live

    async def _look_later(self, lease: Lease) -> None:
        """Keep the row's lease until its next look: each look costs Taubot requests, so the waits double (up
        to LONGEST_WAIT) over the week a row stays open. The lease's turn counts the looks, in every process."""
        wait = min(self.timings.look_again_after * 2 ** (lease.turn - 1), LONGEST_WAIT)
        await self.leases.hold_until(lease, self.timings.clock() + wait)

    async def _settle(self, payment: Payment, lease: Lease) -> Settled | None:
        outcome = self._outcome(payment, await self._look_up(payment))
        if outcome is None or outcome.status is PaymentStatus.UNKNOWN:
            await self._look_later(lease)
        else:
            await self.leases.release(lease)
        if outcome is None:
            return None
        # Recorded only if the row is as it was read: not settled meanwhile, and not claimed for sending after the
        # log was read (its transfer may land yet).
        if not await self.journal.finish(payment.id, outcome, settled_by=self.sender.instance_id,
                                         open_statuses=(payment.status,), landed_after=self.timings.landing_window):
            return None  # another process settled it first and tells the payer, or its sender claimed it
        log.info("Settled payment %s from Taubot's log: %s", payment.id, outcome.status.name)
        return Settled(payment, Verdict(outcome.status), interrupted=payment.status is PaymentStatus.PENDING)

    async def _look_up(self, payment: Payment) -> Attribution:
        """What the log says, read with the payer's current link (any key with VIEW BALANCE on the account will
        do: the row names the key that sent it)."""
        linked = await self.grant_keys.get_for(payment.payer_user_id, payment.from_account_id)
        if linked is None:
            log.debug("Payment %s: its payer has no link to the paying account; it stays open", payment.id)
            return Attribution(Finding.UNCLEAR)
        if payment.key_id is None and linked.linked_at <= payment.created_at:
            # A row from before key ids were journaled, sent with the link the payer still has.
            payment = dataclasses.replace(payment, key_id=key_id_of(linked.grant_key))
        try:
            return await self.sender.verifier.attribute(payment, linked.grant_key, closed=True)
        except TaubotError as error:
            log.info("Payment %s: Taubot's log could not be read to settle it: %s", payment.id, error)
            return Attribution(Finding.UNCLEAR)

    def _outcome(self, payment: Payment, attribution: Attribution) -> Outcome | None:
        """What to record; None when nothing changes (an unknown row the log cannot settle yet)."""
        if attribution.finding is Finding.FOUND:
            return Outcome(PaymentStatus.PAID, messages.SETTLED_WORDS[PaymentStatus.PAID],
                           log_entry=attribution.entry)
        if attribution.finding is Finding.ABSENT:
            # Taubot said OK to it and logged nothing: it moved nothing. Otherwise it never got through.
            status = PaymentStatus.NOT_MOVED if payment.taubot_answer == "ok" else PaymentStatus.FAILED
            return Outcome(status, messages.SETTLED_WORDS[status])
        if payment.status is PaymentStatus.PENDING:
            return Outcome(PaymentStatus.UNKNOWN, messages.SETTLED_WORDS[PaymentStatus.UNKNOWN],
                           check_until=payment.sent_at + self.timings.check_for)
        return None
