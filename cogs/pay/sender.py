"""Sending one payment and finding out what really happened. Knows Taubot and the journal, not Discord.

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

from storage import LinkedAccount, Payment, PaymentStatus, Storage
from taubot import Account, InvalidTransaction, TaubotClient, TaubotError

from .. import messages
from ..ui import format_money
from .log_search import LOG_CLOCK_SLACK, LOG_ENTRIES_TO_CHECK, LogFinding, match_in_log

log = logging.getLogger("taubot_bot.pay")


class Verdict(enum.Enum):
    """What the bot concluded about a payment (the journal row's final status)."""

    PAID = PaymentStatus.PAID
    FAILED = PaymentStatus.FAILED
    NOT_MOVED = PaymentStatus.NOT_MOVED
    UNKNOWN = PaymentStatus.UNKNOWN


@dataclass(frozen=True)
class BalanceShortfall:
    """The payer's balance cannot pay. `balance` is None when the link may not see it (nothing could be
    verified afterwards); otherwise it is less than the amount (Taubot counts a refused transfer against the
    spending limit too, so a doomed one is never sent)."""

    balance: int | None


def check_balance(balance: int | None, amount: int) -> int | BalanceShortfall:
    """The balance if it can pay `amount`, else why not: checked at /pay and again right before sending."""
    if balance is None or balance < amount:
        return BalanceShortfall(balance)
    return balance


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
    recorded: bool = True  # False: the verdict could not be written to the journal (it stays 'pending')
    # Set when the payment was refused right before sending: Taubot's error, or what the fresh balance lacked.
    stopped_by: TaubotError | BalanceShortfall | None = None


def refusal_reason(error: TaubotError) -> str | None:
    """Why nothing moved, when `error` says so (the client's own refusal before sending, or Taubot's)."""
    if isinstance(error, InvalidTransaction):
        return messages.TRANSFER_INVALID
    return messages.describe_transfer_refusal(error)


class PaymentSender:
    def __init__(self, taubot: TaubotClient, storage: Storage, currency_symbol: str):
        self.taubot = taubot
        self.journal = storage.payments
        self.grant_keys = storage.grant_keys
        self.currency_symbol = currency_symbol

    async def send(self, intent: PaymentIntent, linked: LinkedAccount) -> tuple[Payment | None, PaymentResult]:
        """Fresh balance, journal, transfer once, verify, record.

        Returns no Payment when the payment was refused before anything was journaled or sent. Once the
        journal row exists this never raises: the caller must be able to tell the payer the truth.
        """
        fresh = await self._fresh_balance(intent, linked.grant_key)
        if isinstance(fresh, PaymentResult):
            return None, fresh
        payment = await self.journal.begin(
            intent_id=intent.intent_id, payer_user_id=intent.payer_id, from_account_id=intent.payer_account_id,
            to_account_id=intent.recipient.account_id, to_account_name=intent.recipient.account_name,
            amount=intent.amount, recipient_user_id=intent.recipient_user_id, balance_before=fresh,
        )
        try:
            result = await self._transfer_and_verify(payment, linked.grant_key, fresh)
        except Exception:
            log.exception("Payment %s: unexpected failure after it was journaled", payment.id)
            result = PaymentResult(Verdict.UNKNOWN, messages.PAYMENT_MAY_HAVE_MOVED)
        try:
            await self.journal.finish(payment.id, result.verdict.value, detail=result.reason,
                                      balance_after=result.balance_after)
        except Exception:
            # The payer still gets the truthful receipt; the row stays 'pending' and is reconciled at restart.
            log.exception("Payment %s (%s) could not be recorded in the journal", payment.id, result.verdict.name)
            result = dataclasses.replace(result, recorded=False)
        log.info("Payment %s by user %s: %s", payment.id, intent.payer_id, result.verdict.name)
        return payment, result

    async def _fresh_balance(self, intent: PaymentIntent, grant_key: str) -> int | PaymentResult:
        """The payer's balance right before sending, or a refusal (nothing sent, nothing journaled)."""
        try:
            own = await self.taubot.get_account(grant_key, intent.payer_account_id)
        except TaubotError as error:
            return self._refused(messages.balance_unreadable_at_confirm(error), error)
        checked = check_balance(own.balance, intent.amount)
        if isinstance(checked, BalanceShortfall):
            reason = (messages.BALANCE_HIDDEN_AT_CONFIRM if checked.balance is None
                      else messages.not_enough_at_confirm(self._money(checked.balance), self._money(intent.amount)))
            return self._refused(reason, checked)
        return checked

    @staticmethod
    def _refused(reason: str, stopped_by: TaubotError | BalanceShortfall | None) -> PaymentResult:
        return PaymentResult(Verdict.FAILED, reason, stopped_by=stopped_by)

    def _money(self, cents: int) -> str:
        return format_money(cents, self.currency_symbol)

    async def _post(self, payment: Payment, grant_key: str) -> None:
        """The one transfer request, built from the journal row so what is sent is what was recorded."""
        await self.taubot.create_transaction(grant_key, from_account=payment.from_account_id,
                                             to_account=payment.to_account_id, amount=payment.amount)

    async def _transfer_and_verify(self, payment: Payment, grant_key: str, fresh: int) -> PaymentResult:
        try:
            await self._post(payment, grant_key)
        except TaubotError as error:
            reason = refusal_reason(error)
            if reason is not None:
                return PaymentResult(Verdict.FAILED, reason)
            log.warning("Payment %s outcome unknown after a transfer error: %s", payment.id, error)
            return PaymentResult(Verdict.UNKNOWN, messages.PAYMENT_MAY_HAVE_MOVED)
        try:
            after = (await self.taubot.get_account(grant_key, payment.from_account_id)).balance
        except TaubotError as error:
            log.warning("Payment %s accepted but the balance could not be read back: %s", payment.id, error)
            return PaymentResult(Verdict.UNKNOWN, messages.UNVERIFIED)
        if after is None:
            return PaymentResult(Verdict.UNKNOWN, messages.UNVERIFIED)
        if after == fresh - payment.amount:
            return PaymentResult(Verdict.PAID, "Paid.", after)
        if after == fresh:
            return PaymentResult(Verdict.NOT_MOVED, messages.NOTHING_MOVED, after)
        # Something else moved the balance meanwhile; the log tells whether this transfer is among the moves.
        finding = await self._search_log(payment, grant_key)
        if finding is LogFinding.FOUND:
            return PaymentResult(Verdict.PAID, "Paid.", after)
        if finding is LogFinding.ABSENT:
            return PaymentResult(Verdict.NOT_MOVED, messages.NOTHING_MOVED, after)
        return PaymentResult(Verdict.UNKNOWN, messages.PAYMENT_MAY_HAVE_MOVED, after)

    async def _search_log(self, payment: Payment, grant_key: str) -> LogFinding:
        try:
            entries = await self.taubot.get_transactions(grant_key, payment.from_account_id,
                                                         limit=LOG_ENTRIES_TO_CHECK)
        except TaubotError as error:
            log.warning("Could not read the log to settle payment %s: %s", payment.id, error)
            return LogFinding.UNCLEAR
        others = await self.journal.same_transfer(payment.from_account_id, payment.to_account_id, payment.amount,
                                                  touched_since=payment.created_at - 2 * LOG_CLOCK_SLACK)
        return match_in_log(payment, entries, [other for other in others if other.id != payment.id])

    # -- after a crash --------------------------------------------------------------------------------

    async def reconcile(self, payment: Payment) -> Verdict:
        """Decide a journal row a crash left 'pending' from Taubot's log; 'unknown' when that is impossible."""
        linked = await self.grant_keys.get(payment.payer_user_id)
        verdict = Verdict.UNKNOWN
        detail = "The bot stopped while sending this payment and could not check its outcome afterwards."
        if linked is not None and linked.account_id == payment.from_account_id:
            finding = await self._search_log(payment, linked.grant_key)
            if finding is LogFinding.FOUND:
                verdict, detail = Verdict.PAID, "Found in Taubot's transaction log after a restart."
            elif finding is LogFinding.ABSENT:
                verdict, detail = Verdict.FAILED, "Not in Taubot's transaction log after a restart: not sent."
        await self.journal.finish(payment.id, verdict.value, detail=detail)
        log.info("Reconciled payment %s after a restart: %s", payment.id, verdict.name)
        return verdict
