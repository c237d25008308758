"""Sending one payment and finding out what really happened.

Taubot answers 200 to transfers that moved nothing (no TRANSFER_FUNDS on the account), so a 200 proves
nothing: after every transfer the source account is read again and the balance compared with the one shown
on the confirmation (the transaction log settles the rare case where other activity moved the balance too).
The journal row is written before the request and closed after the check; a transfer is never retried.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from storage import LinkedAccount, Payment, PaymentStatus
from storage.clock import now
from taubot import (
    Account,
    NotFound,
    Rejected,
    TaubotError,
    Transaction,
    Unauthorized,
)

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.pay")

# How far back (from the confirmation) a log entry may be and still count as this payment: covers clock
# differences between this machine and Taubot.
LOG_MATCH_SLACK = timedelta(minutes=2)
LOG_ENTRIES_TO_CHECK = 25


class Verdict(enum.Enum):
    PAID = PaymentStatus.PAID
    FAILED = PaymentStatus.FAILED
    NOT_MOVED = PaymentStatus.NOT_MOVED
    UNKNOWN = PaymentStatus.UNKNOWN


@dataclass
class PaymentIntent:
    """A confirmation shown to the payer: everything needed to send exactly this payment, once."""

    intent_id: str
    payer_id: int
    payer_account_id: str
    recipient: Account
    recipient_user_id: int | None
    amount: int
    balance_before: int
    created_at: datetime = field(default_factory=now)


@dataclass(frozen=True)
class PaymentResult:
    verdict: Verdict
    reason: str  # for the member: what happened and what to do
    balance_after: int | None = None


# Taubot's refusals, each a definite "nothing moved".
REFUSALS: tuple[tuple[type[TaubotError], str], ...] = (
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


class PaymentSender:
    def __init__(self, bot: TaubotBot):
        self.bot = bot

    async def send(self, intent: PaymentIntent, linked: LinkedAccount) -> tuple[Payment, PaymentResult]:
        """Journal, transfer once, verify, record. Raises DuplicatePayment if this intent was already sent."""
        journal = self.bot.storage.payments
        payment = await journal.begin(
            intent_id=intent.intent_id, payer_user_id=intent.payer_id, from_account_id=intent.payer_account_id,
            to_account_id=intent.recipient.account_id, to_account_name=intent.recipient.account_name,
            amount=intent.amount, recipient_user_id=intent.recipient_user_id, balance_before=intent.balance_before,
        )
        result = await self._transfer_and_verify(intent, linked.grant_key)
        await journal.finish(payment.id, result.verdict.value, detail=result.reason,
                             balance_after=result.balance_after)
        log.info("Payment %s by user %s: %s", payment.id, intent.payer_id, result.verdict.name)
        return payment, result

    async def _transfer_and_verify(self, intent: PaymentIntent, grant_key: str) -> PaymentResult:
        taubot = self.bot.taubot
        try:
            await taubot.create_transaction(grant_key, from_account=intent.payer_account_id,
                                            to_account=intent.recipient.account_id, amount=intent.amount)
        except TaubotError as error:
            for refusal, reason in REFUSALS:
                if isinstance(error, refusal):
                    return PaymentResult(Verdict.FAILED, reason)
            log.warning("Payment outcome unknown after a transfer error: %s", error)
            return PaymentResult(Verdict.UNKNOWN, OUTCOME_UNKNOWN)
        try:
            after = await taubot.get_account(grant_key, intent.payer_account_id)
        except TaubotError as error:
            log.warning("Transfer accepted but the balance could not be read back: %s", error)
            return PaymentResult(Verdict.UNKNOWN, "Taubot accepted the payment, but I couldn't check your "
                                                  "balance afterwards. Check /history before trying again.")
        if after.balance == intent.balance_before - intent.amount:
            return PaymentResult(Verdict.PAID, "Paid.", after.balance)
        if after.balance == intent.balance_before:
            return PaymentResult(Verdict.NOT_MOVED, NOT_MOVED, after.balance)
        # Something else moved the balance meanwhile; the log tells whether this transfer is among the moves.
        verdict = await self._find_in_log(intent, grant_key)
        reason = "Paid." if verdict is Verdict.PAID else OUTCOME_UNKNOWN
        return PaymentResult(verdict, reason, after.balance)

    async def _find_in_log(self, intent: PaymentIntent, grant_key: str) -> Verdict:
        try:
            entries = await self.bot.taubot.get_transactions(grant_key, intent.payer_account_id,
                                                             limit=LOG_ENTRIES_TO_CHECK)
        except TaubotError:
            return Verdict.UNKNOWN
        found = _find_transfer(entries, intent.payer_account_id, intent.recipient.account_id, intent.amount,
                               since=intent.created_at)
        return Verdict.PAID if found else Verdict.UNKNOWN

    # -- after a crash --------------------------------------------------------------------------------

    async def reconcile(self, payment: Payment) -> Verdict:
        """Decide a journal row a crash left 'pending' from Taubot's log; 'unknown' when that is impossible."""
        linked = await self.bot.storage.grant_keys.get(payment.payer_user_id)
        verdict = Verdict.UNKNOWN
        detail = "The bot stopped while sending this payment and could not check its outcome afterwards."
        if linked is not None and linked.account_id == payment.from_account_id:
            try:
                entries = await self.bot.taubot.get_transactions(linked.grant_key, payment.from_account_id,
                                                                 limit=LOG_ENTRIES_TO_CHECK)
            except TaubotError as error:
                log.warning("Could not reconcile payment %s: %s", payment.id, error)
            else:
                if _find_transfer(entries, payment.from_account_id, payment.to_account_id, payment.amount,
                                  since=payment.created_at):
                    verdict, detail = Verdict.PAID, "Found in Taubot's transaction log after a restart."
                elif _log_reaches_back_to(entries, payment.created_at):
                    verdict, detail = Verdict.FAILED, "Not in Taubot's transaction log after a restart: not sent."
        await self.bot.storage.payments.finish(payment.id, verdict.value, detail=detail)
        log.info("Reconciled payment %s after a restart: %s", payment.id, verdict.name)
        return verdict


def _find_transfer(entries: list[Transaction], from_account: str, to_account: str, amount: int, *,
                   since: datetime) -> bool:
    """Whether the log holds this transfer, made no earlier than `since` (minus clock slack)."""
    return any(entry.from_account == from_account and entry.to_account == to_account and entry.amount == amount
               and entry.timestamp >= since - LOG_MATCH_SLACK for entry in entries)


def _log_reaches_back_to(entries: list[Transaction], moment: datetime) -> bool:
    """True when the log we read covers everything since `moment` (it is short, or goes back further)."""
    return len(entries) < LOG_ENTRIES_TO_CHECK or min(entry.timestamp for entry in entries) < moment - LOG_MATCH_SLACK
