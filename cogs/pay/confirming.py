"""Confirm pressed: acknowledge, lock the paying account, send once, and get the truth to the payer.

PayCog keeps the open confirmations; this is what happens to one once its Confirm is pressed. From the
acknowledgement on, the member never reads "Nothing was sent" unless nothing was sent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord

from storage import DatabaseGone, LinkedAccount, Payment, PaymentLock, PaymentStatus
from taubot import TaubotError

from .. import messages
from ..buttons import cog_implementing
from ..handoffs import RequestOutcomes
from ..interaction_log import outcome_of, set_outcome
from . import receipts
from .buttons import confirmation_buttons, share_buttons
from .delivery import ReceiptDelivery
from .sender import BalanceShortfall, PaymentIntent, PaymentResult, PaymentSender, Verdict

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.pay")

# The outcome word of a receipt, unless the payment was stopped right before sending (see outcome_of_refusal):
# Taubot's 400 after sending stays "refused", since it also means "another economy".
RECEIPT_OUTCOMES = {Verdict.PAID: "ok", Verdict.FAILED: "refused", Verdict.NOT_MOVED: "refused",
                    Verdict.UNKNOWN: "taubot_error"}


def outcome_of_refusal(stopped_by: TaubotError | BalanceShortfall) -> str:
    """The outcome word of a payment refused before sending, at /pay or at Confirm."""
    if isinstance(stopped_by, TaubotError):
        return outcome_of(stopped_by)
    return "refused" if stopped_by.balance is None else "insufficient_funds"


async def in_flight_refusal(bot: TaubotBot, account_id: str) -> str | None:
    """Why no payment from this account may start now (None: it may): another one is being sent, or the
    last one's outcome is still open."""
    holder = await bot.storage.locks.holder(account_id)
    if holder is None:
        return None
    held_by = await bot.storage.payments.by_intent(holder)
    open_outcome = held_by is not None and held_by.status is PaymentStatus.UNKNOWN
    return messages.PAYMENT_OUTCOME_OPEN if open_outcome else messages.PAYMENT_IN_FLIGHT


async def tell_requests_feature(bot: TaubotBot, request_id: int) -> None:
    """A payment of a money request got its verdict: the requests feature, if loaded, tells who needs telling."""
    try:
        outcomes = cog_implementing(bot, RequestOutcomes)
    except LookupError:
        return
    await outcomes.request_payment_settled(request_id)


class ConfirmFlow:
    def __init__(self, bot: TaubotBot, sender: PaymentSender):
        self.bot = bot
        self.sender = sender
        self.symbol = bot.settings.currency_symbol
        self.delivery = ReceiptDelivery(bot)

    async def run(self, pressed: discord.Interaction, intent: PaymentIntent,
                  shown_by: discord.Interaction | None) -> bool:
        """Send `intent` and deliver its receipt. False when it did not start because the account is held by
        another payment (the confirmation is shown again, still open)."""
        await self._acknowledge(pressed, intent)
        try:
            lock = await self.sender.take_lock(intent)
        except Exception as error:
            await self._unrecorded(pressed, shown_by, intent, error, "Could not lock the account of user %s's payment")
            return True
        if lock is None:
            await self._reopen(pressed, intent)
            return False
        payment, result = await self._send_watched(pressed, shown_by, intent, lock)
        await self._deliver(pressed, shown_by, intent, payment, result)
        if intent.request_id is not None:
            await tell_requests_feature(self.bot, intent.request_id)  # it tells the requester, whatever they chose
        elif result.verdict is Verdict.PAID and intent.recipient_user_id is not None:
            await self._tell_recipient(intent, intent.recipient_user_id)
        return True

    async def database_failed(self, pressed: discord.Interaction, intent: PaymentIntent,
                              shown_by: discord.Interaction | None, error: Exception) -> None:
        """Confirm was pressed and its confirmation could not even be claimed in the database: nothing is sent,
        and the member reads why."""
        await self._acknowledge(pressed, intent)
        await self._unrecorded(pressed, shown_by, intent, error, "Could not claim the confirmation of user %s's "
                                                                 "payment")

    async def _unrecorded(self, pressed: discord.Interaction, shown_by: discord.Interaction | None,
                          intent: PaymentIntent, error: Exception, log_line: str) -> None:
        if isinstance(error, DatabaseGone):  # storage said so once, CRITICAL; the member learns the bot is unavailable
            await self._deliver(pressed, shown_by, intent, None, PaymentResult(Verdict.FAILED,
                                                                              messages.BOT_UNAVAILABLE))
            set_outcome(pressed, "unavailable")
            return
        log.error(log_line, intent.payer_id, exc_info=error)
        await self._deliver(pressed, shown_by, intent, None, PaymentResult(Verdict.FAILED,
                                                                          messages.JOURNAL_UNAVAILABLE))

    async def _acknowledge(self, pressed: discord.Interaction, intent: PaymentIntent) -> None:
        """Disable the buttons at once: a second press is impossible from here on. If Discord loses this, the
        payment still goes ahead (the member pressed Confirm) and the receipt finds another way to them."""
        try:
            await pressed.response.edit_message(
                embed=receipts.sending(intent, self.symbol),
                view=confirmation_buttons(intent.payer_id, intent.intent_id, disabled=True))
        except discord.HTTPException as error:
            log.warning("Could not show 'Sending payment…' to user %s: %s", intent.payer_id, error.status)

    async def _reopen(self, pressed: discord.Interaction, intent: PaymentIntent) -> None:
        """Another process holds the account: nothing was sent; the confirmation is open again."""
        set_outcome(pressed, "refused")
        text = await in_flight_refusal(self.bot, intent.payer_account_id) or messages.PAYMENT_IN_FLIGHT
        expires = self.bot.timings.confirmation_timeout
        try:
            await pressed.edit_original_response(
                embed=receipts.confirmation(intent, self.symbol, expires_in_seconds=expires),
                view=confirmation_buttons(intent.payer_id, intent.intent_id))
            await pressed.followup.send(text, ephemeral=True)
        except discord.HTTPException as error:
            log.warning("Could not reopen the confirmation of user %s: %s", intent.payer_id, error.status)

    async def _send_watched(self, pressed: discord.Interaction, shown_by: discord.Interaction | None,
                            intent: PaymentIntent, lock: PaymentLock) -> tuple[Payment | None, PaymentResult]:
        """Send, while a watchdog keeps "Sending payment…" from standing unexplained."""
        done = asyncio.Event()
        watchdog = asyncio.create_task(self.delivery.watch(
            done, self.bot.timings.receipt_watchdog, receipts.still_sending(intent, self.symbol),
            pressed=pressed, shown_by=shown_by))
        try:
            return await self._send(intent, lock)
        finally:
            done.set()
            # Let a watchdog edit already on its way land first, so it cannot overwrite the receipt.
            await asyncio.wait([watchdog], timeout=5)

    async def _send(self, intent: PaymentIntent, lock: PaymentLock) -> tuple[Payment | None, PaymentResult]:
        try:
            linked = await self.bot.storage.grant_keys.get_for(intent.payer_id, intent.payer_account_id)
        except Exception:
            log.exception("Could not read the link of user %s at Confirm", intent.payer_id)
            linked, reason = None, messages.SENDING_FAILED
        else:
            reason = messages.LINK_CHANGED
        if linked is None:
            await self.sender.locks.release(lock)
            return None, PaymentResult(Verdict.FAILED, reason)
        payment, result = await self.sender.send(intent, linked, lock)
        await self._note_what_the_link_may_do(linked, result)
        return payment, result

    async def _note_what_the_link_may_do(self, linked: LinkedAccount, result: PaymentResult) -> None:
        """A payment that moved shows the link may transfer; an OK that moved nothing (v2) shows it may not."""
        if result.verdict not in (Verdict.PAID, Verdict.NOT_MOVED):
            return
        try:
            await self.bot.storage.grant_keys.record_transfers(linked, allowed=result.verdict is Verdict.PAID)
        except Exception as error:  # only /link-status reads it; never spoil a receipt over it
            log.warning("Could not note what the link of user %s may do: %r", linked.discord_user_id, error)

    async def _deliver(self, pressed: discord.Interaction, shown_by: discord.Interaction | None,
                       intent: PaymentIntent, payment: Payment | None, result: PaymentResult) -> None:
        # A transfer may have gone out: from here nothing may reach the generic "nothing was changed" handler.
        set_outcome(pressed, outcome_of_refusal(result.stopped_by) if result.stopped_by is not None
                    else RECEIPT_OUTCOMES[result.verdict])
        buttons = None
        if payment is not None and result.verdict is Verdict.PAID and result.recorded:  # the journal says paid
            buttons = share_buttons(intent.payer_id, payment.id, has_memo=intent.memo is not None)
        await self.delivery.deliver(intent.payer_id, receipts.receipt(intent, result, payment, self.symbol),
                                    receipts.receipt_notice(intent, result, self.symbol),
                                    pressed=pressed, shown_by=shown_by, buttons=buttons)

    async def _tell_recipient(self, intent: PaymentIntent, recipient_user_id: int) -> None:
        """A short DM receipt for the member who was paid, unless they turned these off (/notifications); closed
        DMs are fine."""
        try:
            if not await self.bot.storage.preferences.paid_you_dms(recipient_user_id):
                return
            channel = await self.bot.create_dm(discord.Object(id=recipient_user_id))
            await channel.send(receipts.paid_you(intent, self.symbol))
        except Exception as error:  # best effort, and after a payment: never the generic error answer
            log.info("Could not DM the recipient of a payment: %r", error)
