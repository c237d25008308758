"""Sending one payment and finding out what really happened.

Taubot answers 200 to transfers that moved nothing (no TRANSFER_FUNDS on the account), so a 200 proves
nothing. At Confirm the payer's balance is read again right before the transfer (the one shown on the
confirmation may be two minutes old), and read once more after it: exactly `amount` less is paid, unchanged is
not moved, anything else is settled from the transaction log. The journal row is written before the request
and closed after the check; a transfer is never retried.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from storage import LinkedAccount, Payment, PaymentStatus
from taubot import (
    Account,
    InvalidTransaction,
    NotFound,
    Rejected,
    TaubotError,
    Transaction,
    Unauthorized,
)

from .common import RELINK_FOR_VIEW_BALANCE, describe_lookup_failure, money, outcome_of

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.pay")

# How far Taubot's clock may be from ours: it stamps log entries with its own clock, and two machines drift
# apart by seconds, sometimes tens of seconds. A log entry is looked for from the journal row's creation
# (written before the request) minus this much; because the window reaches back that far, earlier identical
# payments that may also have landed in it are counted against it (see _match_in_log), so the width costs
# only some "unknown" verdicts, never a transfer credited twice.
LOG_CLOCK_SLACK = timedelta(minutes=2)
LOG_ENTRIES_TO_CHECK = 25


class Verdict(enum.Enum):
    PAID = PaymentStatus.PAID
    FAILED = PaymentStatus.FAILED
    NOT_MOVED = PaymentStatus.NOT_MOVED
    UNKNOWN = PaymentStatus.UNKNOWN


class LogFinding(enum.Enum):
    FOUND = "found"      # an entry no other journal row can claim
    ABSENT = "absent"    # the log reaches well before the window and holds no entry that could be this one
    UNCLEAR = "unclear"  # unreadable, too short, or the entries may belong to other payments


@dataclass
class PaymentIntent:
    """A confirmation shown to the payer: everything needed to send exactly this payment, once."""

    intent_id: str
    payer_id: int
    payer_account_id: str
    recipient: Account
    recipient_user_id: int | None
    amount: int
    balance_before: int  # as shown on the confirmation; the check at Confirm uses a fresh read


@dataclass(frozen=True)
class PaymentResult:
    verdict: Verdict
    reason: str  # for the member: what happened and what to do
    balance_after: int | None = None
    recorded: bool = True  # False: the outcome could not be written to the journal (it stays 'pending')
    outcome: str | None = None  # the interaction's outcome word, when the verdict's usual one does not fit


# Refusals, each a definite "nothing moved": Taubot's, and the client's own before sending anything.
REFUSALS: tuple[tuple[type[TaubotError], str], ...] = (
    (InvalidTransaction, "I refused to send this payment because its amount or accounts are invalid. Nothing "
                         "was sent; run /pay again."),
    (Rejected, "Taubot refused the payment: there isn't enough money in your account (or the recipient is in "
               "another economy). Nothing was sent."),
    (Unauthorized, "Taubot refused the payment: it is over your link's spending limit (a limit of 0 blocks "
                   "every payment), or your link was revoked. Run /link-account and set a spending limit."),
    (NotFound, "Taubot couldn't find one of the accounts (or your link has no spending limit set). Nothing "
               "was sent; run /link-account if this keeps happening."),
)
OUTCOME_UNKNOWN = ("I couldn't get a clear answer from Taubot, so this payment may or may not have happened. "
                   "Check /history before trying again; I won't retry it on my own.")
NOT_MOVED = ("Taubot said OK, but no money moved: your link doesn't allow transfers from this account. Run "
             "/link-account again and tick TRANSFER FUNDS.")
UNVERIFIED = ("Taubot accepted the payment, but I couldn't check your balance afterwards. Check /history before "
              "trying again.")


class PaymentSender:
    def __init__(self, bot: TaubotBot):
        self.bot = bot

    async def send(self, intent: PaymentIntent, linked: LinkedAccount) -> tuple[Payment | None, PaymentResult]:
        """Fresh balance, journal, transfer once, verify, record.

        Returns no Payment when the payment was refused before anything was journaled or sent. Once the
        journal row exists this never raises: the caller must be able to tell the payer the truth.
        """
        fresh, refusal = await self._fresh_balance(intent, linked.grant_key)
        if refusal is not None:
            return None, refusal
        journal = self.bot.storage.payments
        payment = await journal.begin(
            intent_id=intent.intent_id, payer_user_id=intent.payer_id, from_account_id=intent.payer_account_id,
            to_account_id=intent.recipient.account_id, to_account_name=intent.recipient.account_name,
            amount=intent.amount, recipient_user_id=intent.recipient_user_id, balance_before=fresh,
        )
        try:
            result = await self._transfer_and_verify(payment, linked.grant_key, fresh)
        except Exception:
            log.exception("Payment %s: unexpected failure after it was journaled", payment.id)
            result = PaymentResult(Verdict.UNKNOWN, OUTCOME_UNKNOWN)
        try:
            await journal.finish(payment.id, result.verdict.value, detail=result.reason,
                                 balance_after=result.balance_after)
        except Exception:
            # The payer still gets the truthful receipt; the row stays 'pending' and is reconciled at restart.
            log.exception("Payment %s (%s) could not be recorded in the journal", payment.id, result.verdict.name)
            result = dataclasses.replace(result, recorded=False)
        log.info("Payment %s by user %s: %s", payment.id, intent.payer_id, result.verdict.name)
        return payment, result

    async def _fresh_balance(self, intent: PaymentIntent, grant_key: str) -> tuple[int, PaymentResult | None]:
        """The payer's balance right before sending, or a refusal (nothing sent, nothing journaled)."""
        def refused(reason: str, outcome: str = "refused") -> tuple[int, PaymentResult]:
            return 0, PaymentResult(Verdict.FAILED, reason, outcome=outcome)

        try:
            own = await self.bot.taubot.get_account(grant_key, intent.payer_account_id)
        except TaubotError as error:
            return refused("I couldn't read your balance just before sending, so nothing was sent. "
                           + describe_lookup_failure(error, what="account linked to you"), outcome_of(error))
        if own.balance is None:
            return refused("I can't see your balance with your current link any more, so I couldn't check a "
                           f"payment. Nothing was sent. {RELINK_FOR_VIEW_BALANCE}")
        if own.balance < intent.amount:
            # Taubot counts refused transfers against the spending limit too, so don't send a doomed one.
            return refused(f"You now have {money(self.bot, own.balance)}, which is not enough to pay "
                           f"{money(self.bot, intent.amount)}. Nothing was sent.", "insufficient_funds")
        return own.balance, None

    async def _post(self, payment: Payment, grant_key: str) -> None:
        """The one transfer request, built from the journal row so what is sent is what was recorded."""
        await self.bot.taubot.create_transaction(grant_key, from_account=payment.from_account_id,
                                                 to_account=payment.to_account_id, amount=payment.amount)

    async def _transfer_and_verify(self, payment: Payment, grant_key: str, fresh: int) -> PaymentResult:
        try:
            await self._post(payment, grant_key)
        except TaubotError as error:
            for refusal, reason in REFUSALS:
                if isinstance(error, refusal):
                    return PaymentResult(Verdict.FAILED, reason)
            log.warning("Payment %s outcome unknown after a transfer error: %s", payment.id, error)
            return PaymentResult(Verdict.UNKNOWN, OUTCOME_UNKNOWN)
        try:
            after = (await self.bot.taubot.get_account(grant_key, payment.from_account_id)).balance
        except TaubotError as error:
            log.warning("Payment %s accepted but the balance could not be read back: %s", payment.id, error)
            return PaymentResult(Verdict.UNKNOWN, UNVERIFIED)
        if after is None:
            return PaymentResult(Verdict.UNKNOWN, UNVERIFIED)
        if after == fresh - payment.amount:
            return PaymentResult(Verdict.PAID, "Paid.", after)
        if after == fresh:
            return PaymentResult(Verdict.NOT_MOVED, NOT_MOVED, after)
        # Something else moved the balance meanwhile; the log tells whether this transfer is among the moves.
        finding = await self._search_log(payment, grant_key)
        if finding is LogFinding.FOUND:
            return PaymentResult(Verdict.PAID, "Paid.", after)
        if finding is LogFinding.ABSENT:
            return PaymentResult(Verdict.NOT_MOVED, NOT_MOVED, after)
        return PaymentResult(Verdict.UNKNOWN, OUTCOME_UNKNOWN, after)

    async def _search_log(self, payment: Payment, grant_key: str) -> LogFinding:
        try:
            entries = await self.bot.taubot.get_transactions(grant_key, payment.from_account_id,
                                                             limit=LOG_ENTRIES_TO_CHECK)
        except TaubotError as error:
            log.warning("Could not read the log to settle payment %s: %s", payment.id, error)
            return LogFinding.UNCLEAR
        others = await self.bot.storage.payments.same_transfer(
            payment.from_account_id, payment.to_account_id, payment.amount,
            touched_since=payment.created_at - 2 * LOG_CLOCK_SLACK)
        return _match_in_log(payment, entries, [other for other in others if other.id != payment.id])

    # -- after a crash --------------------------------------------------------------------------------

    async def reconcile(self, payment: Payment) -> Verdict:
        """Decide a journal row a crash left 'pending' from Taubot's log; 'unknown' when that is impossible."""
        linked = await self.bot.storage.grant_keys.get(payment.payer_user_id)
        verdict = Verdict.UNKNOWN
        detail = "The bot stopped while sending this payment and could not check its outcome afterwards."
        if linked is not None and linked.account_id == payment.from_account_id:
            finding = await self._search_log(payment, linked.grant_key)
            if finding is LogFinding.FOUND:
                verdict, detail = Verdict.PAID, "Found in Taubot's transaction log after a restart."
            elif finding is LogFinding.ABSENT:
                verdict, detail = Verdict.FAILED, "Not in Taubot's transaction log after a restart: not sent."
        await self.bot.storage.payments.finish(payment.id, verdict.value, detail=detail)
        log.info("Reconciled payment %s after a restart: %s", payment.id, verdict.name)
        return verdict


# Journal rows whose transfer may have left an entry in the log.
_MAY_HAVE_MOVED = (PaymentStatus.PAID, PaymentStatus.UNKNOWN, PaymentStatus.PENDING)


def _match_in_log(payment: Payment, entries: list[Transaction], others: list[Payment]) -> LogFinding:
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
    def identical_since(moment) -> int:
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
