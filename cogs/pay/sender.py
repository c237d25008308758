"""Sending one payment and finding out what really happened, from Taubot's log. Knows Taubot and the journal,
not Discord.

PayCog takes the paying account's lock first (one payment in flight per account, across processes). Then the
payer's balance is read fresh (on v2 a transfer refused for want of money still uses up the spending limit, so
a doomed one is never sent) and, at the same time, the newest entry of the account's log: the mark. The journal
row is written with the mark and the key's id, in the transaction that extends the lock past Taubot's timeout;
the transfer goes out once; the log is read back to the mark and the row's own entry looked for (see
attribution.py). Balance arithmetic decides nothing, and a transfer is never retried.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from storage import (
    DatabaseGone,
    EntryClaimed,
    LinkedAccount,
    Outcome,
    Payment,
    PaymentLock,
    PaymentStatus,
    RequestNotOpen,
    Storage,
)
from taubot import Account, Dialect, KeyUnreadable, TaubotClient, TaubotError, Unauthorized, read_claims

from .. import messages
from ..ui import format_money
from .attribution import Attribution, Finding
from .refusals import RefusalReader
from .timing import PaymentTimings
from .verifier import LogVerifier

log = logging.getLogger("taubot_bot.pay")
T = TypeVar("T")


class Verdict(enum.Enum):
    """What the bot concluded about a payment (the journal row's status)."""

    PAID = PaymentStatus.PAID
    FAILED = PaymentStatus.FAILED
    NOT_MOVED = PaymentStatus.NOT_MOVED
    UNKNOWN = PaymentStatus.UNKNOWN


@dataclass(frozen=True)
class BalanceShortfall:
    """The payer's balance cannot pay. `balance` is None when the link may not see it and the dialect needs it
    seen (nothing could be verified afterwards); otherwise it is less than the amount."""

    balance: int | None


def may_pay_blind(dialect: Dialect) -> bool:
    """Whether a payment needs neither the balance nor the log: where Taubot's OK proves the transfer and a
    refused one costs nothing (v2.1), Taubot itself refuses what the balance cannot pay."""
    return dialect.ok_proves_transfer and not dialect.failed_transfers_use_allowance


def check_balance(balance: int | None, amount: int, *, blind_ok: bool) -> BalanceShortfall | None:
    """Why the balance cannot pay `amount` (None: it can, or it need not be seen): at /pay and at Confirm."""
    if balance is None:
        return None if blind_ok else BalanceShortfall(None)
    return BalanceShortfall(balance) if balance < amount else None


@dataclass
class PaymentIntent:
    """A confirmation shown to the payer: everything needed to send exactly this payment, once."""

    intent_id: str
    payer_id: int
    payer_account_id: str
    recipient: Account
    recipient_user_id: int | None
    amount: int
    balance_before: int | None  # as shown on the confirmation (None: the link may not see it)
    memo: str | None = None
    request_id: int | None = None  # the money request this pays
    from_name: str | None = None   # the paying account's name, when it is not the member's personal account


@dataclass(frozen=True)
class PaymentResult:
    verdict: Verdict
    reason: str  # for the member: what happened and what to do
    balance_after: int | None = None
    recorded: bool = True  # False: the verdict could not be written to the journal (it stays 'pending')
    # Set when the payment was refused right before sending: Taubot's error, or what the fresh balance lacked.
    stopped_by: TaubotError | BalanceShortfall | None = None
    log_entry: str | None = None      # the log entry that proves it was paid
    taubot_answer: str | None = None  # what the POST got back (see RefusalReader)


@dataclass(frozen=True)
class _Ready:
    """What the reads before the POST found: the balance, the log's mark (None: the link cannot read the log),
    the key's id."""

    balance: int | None
    mark: str | None
    key_id: str | None


class PaymentSender:
    def __init__(self, taubot: TaubotClient, storage: Storage, currency_symbol: str, *, instance_id: str,
                 timings: PaymentTimings):
        self.taubot = taubot
        self.journal = storage.payments
        self.locks = storage.locks
        self.currency_symbol = currency_symbol
        self.instance_id = instance_id
        self.timings = timings
        self.verifier = LogVerifier(taubot, storage.payments)
        self.refusals = RefusalReader(taubot, storage.payments, currency_symbol)
        self.sending: set[int] = set()  # journal rows this process is sending right now

    async def take_lock(self, intent: PaymentIntent) -> PaymentLock | None:
        """The paying account's lock for this payment, or None while another payment from it is in flight."""
        lock = PaymentLock(intent.payer_account_id, intent.intent_id, self.instance_id)
        return lock if await self.locks.take(lock, self.timings.lock_before_post) else None

    async def send(self, intent: PaymentIntent, linked: LinkedAccount, lock: PaymentLock
                   ) -> tuple[Payment | None, PaymentResult]:
        """Fresh reads, journal, transfer once, verify from the log, record. Never raises: the caller must be
        able to tell the payer the truth. Returns no Payment when nothing was journaled (so nothing was sent)."""
        journaled = await self._journal(intent, linked, lock)
        if isinstance(journaled, PaymentResult):
            return None, journaled
        payment = journaled
        self.sending.add(payment.id)
        try:
            result = await self._send_journaled(payment, linked.grant_key, lock)
        finally:
            self.sending.discard(payment.id)
        log.info("Payment %s by user %s: %s", payment.id, intent.payer_id, result.verdict.name)
        return payment, result

    # -- before the POST ------------------------------------------------------------------------------------

    async def _journal(self, intent: PaymentIntent, linked: LinkedAccount, lock: PaymentLock
                       ) -> Payment | PaymentResult:
        """Everything before the POST. A refusal here sent nothing and gives the lock back."""
        try:
            ready = await self._ready(intent, linked)
            outcome = ready if isinstance(ready, PaymentResult) else await self._begin(intent, linked, lock, ready)
        except Exception:
            log.exception("Payment of user %s failed before it was sent", intent.payer_id)
            outcome = _refused(messages.SENDING_FAILED)
        if isinstance(outcome, PaymentResult):
            try:
                await self.locks.release(lock)
            except Exception as error:  # it expires on its own
                log.warning("Could not release the lock of user %s's payment: %r", intent.payer_id, error)
        return outcome

    async def _ready(self, intent: PaymentIntent, linked: LinkedAccount) -> _Ready | PaymentResult:
        """The payer's balance right before sending and the log's mark, or a refusal (nothing sent)."""
        key, account = linked.grant_key, intent.payer_account_id
        key_id = key_id_of(key)
        read_mark = key_id is not None and linked.balance_visible is not False
        own, mark = await asyncio.gather(_attempt(self.taubot.get_account(key, account)),
                                         _attempt(self.verifier.mark(key, account)) if read_mark else _nothing())
        if isinstance(own, TaubotError):
            return _refused(messages.balance_unreadable_at_confirm(own), own)
        blind_ok = may_pay_blind(self.taubot.dialect)
        shortfall = check_balance(own.balance, intent.amount, blind_ok=blind_ok)
        if shortfall is not None:
            return _refused(self._shortfall_reason(shortfall, intent.amount), shortfall)
        if own.balance is None or key_id is None:  # the log cannot be read either (VIEW BALANCE covers both)
            return _Ready(own.balance, None, key_id) if blind_ok else _refused(messages.KEY_ID_UNREADABLE)
        if mark is None:  # the link's balance_visible was stale: it sees the balance now, so read the log too
            mark = await _attempt(self.verifier.mark(key, account))
        if isinstance(mark, TaubotError):
            return _refused(messages.log_unreadable_at_confirm(mark), mark)
        return _Ready(own.balance, mark, key_id)

    def _shortfall_reason(self, shortfall: BalanceShortfall, amount: int) -> str:
        if shortfall.balance is None:
            return messages.BALANCE_HIDDEN_AT_CONFIRM
        return messages.not_enough_at_confirm(self._money(shortfall.balance), self._money(amount))

    async def _begin(self, intent: PaymentIntent, linked: LinkedAccount, lock: PaymentLock, ready: _Ready
                     ) -> Payment | PaymentResult:
        """Journal the payment and extend the lock past the landing window (and the time to claim the row), in
        one transaction."""
        try:
            payment = await self.journal.begin(
                lock=lock, lease_until=self.timings.clock() + self.timings.lease_at_journal,
                intent_id=intent.intent_id, payer_user_id=intent.payer_id, from_account_id=intent.payer_account_id,
                to_account_id=intent.recipient.account_id, to_account_name=intent.recipient.account_name,
                amount=intent.amount, recipient_user_id=intent.recipient_user_id, balance_before=ready.balance,
                instance_id=self.instance_id, key_id=ready.key_id, log_mark=ready.mark, memo=intent.memo,
                request_id=intent.request_id, from_account_name=intent.from_name,
            )
        except DatabaseGone:  # storage said so once, CRITICAL
            return _refused(messages.BOT_UNAVAILABLE)
        except RequestNotOpen:  # paid (or being paid) by another confirmation, declined, cancelled or expired
            return _refused(messages.REQUEST_NO_LONGER_OPEN)
        except Exception as error:  # a full disk, a write lock held too long: nothing is sent
            log.error("Payment of user %s not sent: the journal could not be written: %r", intent.payer_id, error)
            return _refused(messages.JOURNAL_UNAVAILABLE)
        return payment if payment is not None else _refused(messages.LOCK_LOST)

    def _money(self, cents: int) -> str:
        return format_money(cents, self.currency_symbol)

    # -- the claim, the POST and what the log says -----------------------------------------------------------

    async def _send_journaled(self, payment: Payment, grant_key: str, lock: PaymentLock) -> PaymentResult:
        """Claim the row, send it once, verify, record. Without the claim nothing is sent: a process that stalled
        after journaling (past its lease, its heartbeat stopped) may find its row settled by another one."""
        try:
            claimed = await self.journal.claim_for_sending(payment.id, instance_id=self.instance_id,
                                                           landing_window=self.timings.landing_window)
        except Exception as error:
            log.error("Payment %s not sent: it could not be claimed for sending: %r", payment.id, error)
            return await self._not_sent(payment, lock, messages.JOURNAL_UNAVAILABLE)
        if not claimed:
            log.warning("Payment %s not sent: claimed too late (its lease ran short, or another process settled "
                        "it)", payment.id)
            return await self._not_sent(payment, lock, messages.NOT_SENT_IN_TIME)
        try:
            result = await self._transfer_and_verify(payment, grant_key)
        except Exception:
            log.exception("Payment %s: unexpected failure after it was journaled", payment.id)
            result = PaymentResult(Verdict.UNKNOWN, messages.PAYMENT_MAY_HAVE_MOVED)
        return await self._record(payment, result, lock)

    async def _not_sent(self, payment: Payment, lock: PaymentLock, reason: str) -> PaymentResult:
        """The row was never claimed, so no transfer went out: it ends 'failed' whoever settles it (another
        process that judged this one gone may have, or marked it unknown), and the lock is given back."""
        refused = _refused(reason)
        try:
            if not await self.journal.finish(payment.id, Outcome(PaymentStatus.FAILED, detail=reason),
                                             settled_by=self.instance_id, release=lock,
                                             open_statuses=(PaymentStatus.PENDING, PaymentStatus.UNKNOWN)):
                await self.locks.release(lock)  # another process settled it, without this payment's lock
        except Exception as error:  # the settler finds it unsent in the log; the lock expires on its own
            log.warning("Payment %s: its unsent row could not be closed: %r", payment.id, error)
            return dataclasses.replace(refused, recorded=False)
        return refused

    async def _post(self, payment: Payment, grant_key: str) -> None:
        """The one transfer request, built from the journal row so what is sent is what was recorded."""
        await self.taubot.create_transaction(grant_key, from_account=payment.from_account_id,
                                             to_account=payment.to_account_id, amount=payment.amount)

    async def _transfer_and_verify(self, payment: Payment, grant_key: str) -> PaymentResult:
        try:
            await self._post(payment, grant_key)
            answer = "ok"
        except TaubotError as error:
            refusal = await self.refusals.read(payment, error)
            if refusal is not None:
                return PaymentResult(Verdict.FAILED, refusal.reason, taubot_answer=refusal.answer)
            log.warning("Payment %s outcome unclear after the transfer: %s", payment.id, error)
            answer = "no_answer"
        proven = answer == "ok" and self.taubot.dialect.ok_proves_transfer
        if payment.log_mark is None:  # a link that cannot read the log: only the answer speaks
            return _without_log(answer, proven)
        attribution, balance = await asyncio.gather(
            _attempt(self.verifier.attribute(payment, grant_key, closed=answer == "ok")),
            self._balance_after(payment, grant_key))
        return dataclasses.replace(_from_log(payment, attribution, answer, proven), balance_after=balance,
                                   taubot_answer=answer)

    async def _balance_after(self, payment: Payment, grant_key: str) -> int | None:
        """The balance the receipt shows (read beside the log, decides nothing)."""
        try:
            return (await self.taubot.get_account(grant_key, payment.from_account_id)).balance
        except TaubotError as error:
            log.info("Payment %s: the balance after could not be read: %s", payment.id, error)
            return None

    # -- recording ------------------------------------------------------------------------------------------

    async def _record(self, payment: Payment, result: PaymentResult, lock: PaymentLock) -> PaymentResult:
        """Store the verdict and, if it is final, give the lock back with it. An unknown outcome keeps the lock
        until its lease (the landing window) ends."""
        final = result.verdict is not Verdict.UNKNOWN
        check_until = None if final else self.timings.clock() + self.timings.check_for
        outcome = Outcome(result.verdict.value, detail=result.reason, balance_after=result.balance_after,
                          log_entry=result.log_entry, taubot_answer=result.taubot_answer, check_until=check_until)
        try:
            recorded = await self.journal.finish(payment.id, outcome, settled_by=self.instance_id,
                                                 release=lock if final else None)
        except EntryClaimed:
            log.error("Payment %s: its log entry was already claimed by another row", payment.id)
            unclaimed = PaymentResult(Verdict.UNKNOWN, messages.PAYMENT_MAY_HAVE_MOVED, result.balance_after,
                                      taubot_answer=result.taubot_answer)
            return await self._record(payment, unclaimed, lock)
        except Exception:
            # The payer still gets the truthful receipt; the row stays 'pending' and is settled from the log.
            log.exception("Payment %s (%s) could not be recorded in the journal", payment.id, result.verdict.name)
            return dataclasses.replace(result, recorded=False)
        if recorded:
            return result
        settled = await self.journal.get(payment.id)  # another process settled it first (it judged us gone)
        assert settled is not None
        return PaymentResult(Verdict(settled.status), settled.detail, result.balance_after)


def _refused(reason: str, stopped_by: TaubotError | BalanceShortfall | None = None) -> PaymentResult:
    return PaymentResult(Verdict.FAILED, reason, stopped_by=stopped_by)


def _without_log(answer: str, proven: bool) -> PaymentResult:
    if proven:
        return PaymentResult(Verdict.PAID, "Paid.", taubot_answer=answer)
    reason = messages.UNCONFIRMED_WITHOUT_LOG if answer == "ok" else messages.PAYMENT_MAY_HAVE_MOVED
    return PaymentResult(Verdict.UNKNOWN, reason, taubot_answer=answer)


def _from_log(payment: Payment, attribution: Attribution | TaubotError, answer: str, proven: bool
              ) -> PaymentResult:
    """The verdict from what the log shows, after the POST got `answer` (proven: that answer alone proves it)."""
    if isinstance(attribution, TaubotError):
        log.warning("Payment %s: the log could not be read back: %s", payment.id, attribution)
        if answer == "ok" and not proven and isinstance(attribution, Unauthorized):
            return PaymentResult(Verdict.UNKNOWN, messages.UNCONFIRMED_WITHOUT_LOG)  # the link lost VIEW BALANCE
        attribution = Attribution(Finding.UNCLEAR)
    if attribution.finding is Finding.FOUND:
        return PaymentResult(Verdict.PAID, "Paid.", log_entry=attribution.entry)
    if attribution.finding is Finding.ABSENT and not proven:
        return PaymentResult(Verdict.NOT_MOVED, messages.NOTHING_MOVED)  # Taubot answered OK and logged nothing
    if proven and attribution.finding is Finding.UNCLEAR:
        return PaymentResult(Verdict.PAID, "Paid.")  # the OK proves it; the log was just not readable far enough
    if attribution.finding is Finding.ABSENT:
        log.warning("Payment %s: Taubot said it moved, but its log does not show it", payment.id)
    return PaymentResult(Verdict.UNKNOWN, messages.UNVERIFIED if answer == "ok" else messages.PAYMENT_MAY_HAVE_MOVED)


def key_id_of(grant_key: str) -> str | None:
    """The key's id, which Taubot's log records as `actor_id` (None for a key whose claims cannot be read)."""
    try:
        return read_claims(grant_key).key_id
    except KeyUnreadable:
        return None


async def _nothing() -> None:
    return None


async def _attempt(work: Awaitable[T]) -> T | TaubotError:
    """The result of `work`, or the TaubotError it raised (other exceptions propagate)."""
    try:
        return await work
    except TaubotError as error:
        return error
