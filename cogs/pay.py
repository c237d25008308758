"""/pay and the 'Pay' user command: check everything, show a confirmation, send once, report the truth.

Every refusal that needs no Taubot request (bad amount, no or two recipients, paying yourself or a bot) is
answered before any request. Nothing is sent until the payer presses Confirm; one payment per member is in
flight at a time, and the receipt says what actually happened (see pay_flow.py).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from storage import Payment, PaymentStatus
from taubot import AccountType, AmountError, NotFound, TaubotError, parse_amount

from .common import (
    ERROR,
    INFO,
    RELINK_FOR_VIEW_BALANCE,
    SUCCESS,
    WARNING,
    account_label,
    describe_lookup_failure,
    linked_account_or_explain,
    money,
    note_answered,
    outcome_of,
    refuse,
    reply,
    set_outcome,
)
from .pay_buttons import PAY_COG, PERSISTENT_ITEMS, AmountModal, confirmation_buttons
from .pay_flow import PaymentIntent, PaymentResult, PaymentSender, Verdict

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.pay")

CONFIRMATION_TIMEOUT_SECONDS = 120.0
IN_FLIGHT = "You already have a payment in progress. Wait for its receipt, then try again."
RECEIPT_TITLES = {
    Verdict.PAID: ("Payment sent", SUCCESS),
    Verdict.FAILED: ("Payment refused", ERROR),
    Verdict.NOT_MOVED: ("Payment not made", ERROR),
    Verdict.UNKNOWN: ("Payment outcome unknown", WARNING),
}
# The outcome word of a receipt, unless the result names its own: a balance read at Confirm that no longer
# covers the amount is "insufficient_funds" like /pay's own check (nothing sent); Taubot's 400 after sending
# stays "refused", since it also means "another economy".
RECEIPT_OUTCOMES = {Verdict.PAID: "ok", Verdict.FAILED: "refused", Verdict.NOT_MOVED: "refused",
                    Verdict.UNKNOWN: "taubot_error"}
NOT_RECORDED = "I couldn't record this in my journal; I'll double-check it after my next restart."
STATUS_WORDS = {
    PaymentStatus.PENDING: "is still being processed",
    PaymentStatus.PAID: "was sent",
    PaymentStatus.FAILED: "was refused by Taubot",
    PaymentStatus.NOT_MOVED: "did not move any money",
    PaymentStatus.UNKNOWN: "has an unknown outcome (check /history)",
}


class PayCog(commands.Cog, name=PAY_COG):
    def __init__(self, bot: TaubotBot):
        self.bot = bot
        self.sender = PaymentSender(bot)
        self.confirmation_timeout = CONFIRMATION_TIMEOUT_SECONDS
        self._intents: dict[str, PaymentIntent] = {}
        self._expiry_tasks: dict[str, asyncio.Task] = {}
        self._in_flight: set[int] = set()
        self._pay_menu = app_commands.ContextMenu(name="Pay", callback=self.pay_member)
        self._reconciliation: asyncio.Task | None = None

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self._pay_menu)
        if self.bot.background_tasks:
            self._reconciliation = asyncio.create_task(self.reconcile_pending(), name="reconcile-payments")

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self._pay_menu.name, type=self._pay_menu.type)
        for task in [*self._expiry_tasks.values(), self._reconciliation]:
            if task is not None:
                task.cancel()

    # -- asking -------------------------------------------------------------------------------------

    @app_commands.command(name="pay", description="Pay a member or an account from your Taubot account")
    @app_commands.describe(amount="How much, e.g. 12.50", user="The member to pay (their personal account)",
                           account="Or: the exact name of an account to pay")
    async def pay(self, interaction: discord.Interaction, amount: app_commands.Range[str, 1, 32],
                  user: discord.User | None = None, account: app_commands.Range[str, 1, 100] | None = None) -> None:
        await self.prepare(interaction, amount, user=user, account=account)

    @pay.autocomplete("account")
    async def recent_accounts(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice]:
        """Accounts this member paid before, so regular payees are one click away."""
        recent = await self.bot.storage.payments.recent_for_payer(interaction.user.id, limit=50)
        names = dict.fromkeys(p.to_account_name for p in recent if p.recipient_user_id is None)
        typed = current.casefold()
        return [app_commands.Choice(name=name[:100], value=name[:100])
                for name in names if typed in name.casefold()][:25]

    async def pay_member(self, interaction: discord.Interaction, member: discord.User) -> None:
        refusal = self._refuse_recipient(interaction, member)
        if refusal:
            await refuse(interaction, refusal)
            return
        await interaction.response.send_modal(AmountModal(member))

    def _refuse_recipient(self, interaction: discord.Interaction, user: discord.User | None) -> str | None:
        if user is None:
            return None
        if user.id == interaction.user.id:
            return "You can't pay yourself."
        if user.bot:
            return "Bots don't have Taubot accounts. Pick a member instead."
        return None

    async def prepare(self, interaction: discord.Interaction, amount_text: str, *,
                      user: discord.User | None, account: str | None) -> None:
        """Validate, look the recipient up, and show the confirmation (nothing is sent here)."""
        name = account.strip() if account is not None else None
        problem = self._refuse_recipient(interaction, user)
        if user is None and not name:
            problem = "Choose who to pay: a member (user) or an account name (account)."
        elif user is not None and name:
            problem = "Choose either a member or an account name, not both."
        if problem is None:
            try:
                cents = parse_amount(amount_text, symbol=self.bot.settings.currency_symbol)
            except AmountError as error:
                problem = str(error)
        if problem is None and interaction.user.id in self._in_flight:
            problem = IN_FLIGHT
        if problem is not None:
            await refuse(interaction, problem)
            return

        await interaction.response.defer(ephemeral=True, thinking=True)
        linked = await linked_account_or_explain(self.bot, interaction)
        if linked is None:
            return
        if name is not None and name == linked.account_name:
            await refuse(interaction, "That's your own account. Pick someone else to pay.")
            return
        taubot = self.bot.taubot
        try:
            recipient = (await taubot.get_user_account(linked.grant_key, user.id) if user is not None
                         else await taubot.get_account_by_name(linked.grant_key, name))
        except TaubotError as error:
            if user is not None and isinstance(error, NotFound):
                await refuse(interaction, f"{user.mention} has no Taubot personal account, so they can't be paid "
                                          "yet.", outcome="not_found")
            else:
                await refuse(interaction, describe_lookup_failure(error, name=name), outcome=outcome_of(error))
            return
        if recipient.account_id == linked.account_id:
            await refuse(interaction, "That's your own account. Pick someone else to pay.")
            return
        try:
            own = await taubot.get_account(linked.grant_key, linked.account_id)
        except TaubotError as error:
            await refuse(interaction, describe_lookup_failure(error, what="account linked to you"),
                         outcome=outcome_of(error))
            return
        await self.bot.storage.grant_keys.record_use(linked, balance_visible=own.balance is not None)
        if own.balance is None:
            await refuse(interaction, "I can't see your balance with your current link, so I couldn't check "
                                      f"whether a payment went through. {RELINK_FOR_VIEW_BALANCE}")
            return
        if own.balance < cents:
            # Taubot counts refused transfers against the spending limit too, so don't send a doomed one.
            await refuse(interaction, f"You have {money(self.bot, own.balance)}, which is not enough to pay "
                                      f"{money(self.bot, cents)}.", outcome="insufficient_funds")
            return

        intent = PaymentIntent(intent_id=uuid.uuid4().hex, payer_id=interaction.user.id,
                               payer_account_id=linked.account_id, recipient=recipient,
                               recipient_user_id=recipient.owner_id if recipient.account_type is AccountType.USER
                               else None,
                               amount=cents, balance_before=own.balance)
        self._intents[intent.intent_id] = intent
        await reply(interaction, embed=self._confirmation(intent),
                    view=confirmation_buttons(intent.payer_id, intent.intent_id))
        self._expiry_tasks[intent.intent_id] = asyncio.create_task(self._expire_later(intent, interaction))

    def _confirmation(self, intent: PaymentIntent) -> discord.Embed:
        embed = discord.Embed(title="Confirm payment", colour=INFO,
                              description=f"Pay **{money(self.bot, intent.amount)}** to "
                                          f"{account_label(intent.recipient)}?")
        embed.add_field(name="Your balance", value=f"{money(self.bot, intent.balance_before)} → "
                                                   f"{money(self.bot, intent.balance_before - intent.amount)}")
        minutes = max(1, round(self.confirmation_timeout / 60))
        embed.set_footer(text=f"Nothing is sent until you press Confirm. This expires in {minutes} "
                              f"minute{'s' if minutes != 1 else ''}.")
        return embed

    async def _expire_later(self, intent: PaymentIntent, interaction: discord.Interaction) -> None:
        await asyncio.sleep(self.confirmation_timeout)
        if self._intents.pop(intent.intent_id, None) is None:
            return
        self._expiry_tasks.pop(intent.intent_id, None)  # this task itself: nothing left to cancel
        embed = discord.Embed(title="Payment cancelled", colour=INFO,
                              description="You didn't confirm in time, so nothing was sent. Run /pay again.")
        try:
            await interaction.edit_original_response(embed=embed, view=None)
        except discord.HTTPException as error:
            log.info("Could not mark an expired confirmation: %s", error.status)

    # -- confirming ---------------------------------------------------------------------------------

    async def confirm(self, interaction: discord.Interaction, intent_id: str) -> None:
        if interaction.user.id in self._in_flight:
            await refuse(interaction, IN_FLIGHT)
            return
        intent = self._take_intent(intent_id)
        if intent is None:
            await self._answer_stale(interaction, intent_id)
            return
        self._in_flight.add(intent.payer_id)
        try:
            # Acknowledge by disabling the buttons first: a second press is impossible from here on.
            sending = discord.Embed(title="Sending payment…", colour=INFO, description=(
                f"{money(self.bot, intent.amount)} to {account_label(intent.recipient)}"))
            await interaction.response.edit_message(
                embed=sending, view=confirmation_buttons(intent.payer_id, intent.intent_id, disabled=True))
            linked = await self.bot.storage.grant_keys.get(intent.payer_id)
            if linked is None or linked.account_id != intent.payer_account_id:
                set_outcome(interaction, "refused")
                await interaction.edit_original_response(embed=discord.Embed(
                    title="Payment not made", colour=ERROR,
                    description="Your link changed since this confirmation, so nothing was sent. Run /pay again."),
                    view=None)
                return
            # Until send() returns, an exception means nothing was sent and the generic answer is true.
            payment, result = await self.sender.send(intent, linked)
        finally:
            self._in_flight.discard(intent.payer_id)
        # A transfer may have gone out: from here nothing may reach the generic "nothing was changed" handler.
        set_outcome(interaction, result.outcome or RECEIPT_OUTCOMES[result.verdict])
        await self._deliver_receipt(interaction, intent, self._receipt(intent, result, payment))
        if result.verdict is Verdict.PAID and intent.recipient_user_id is not None:
            await self._tell_recipient(intent)

    async def _deliver_receipt(self, interaction: discord.Interaction, intent: PaymentIntent,
                               receipt: discord.Embed) -> None:
        """Edit the confirmation into the receipt; failing that, a private followup; failing that, a DM."""
        try:
            await interaction.edit_original_response(embed=receipt, view=None)
            note_answered(interaction)
            return
        except Exception as error:
            log.warning("Could not edit the confirmation of user %s into a receipt: %r", intent.payer_id, error)
        try:
            await interaction.followup.send(embed=receipt, ephemeral=True)
            note_answered(interaction)
            return
        except Exception as error:
            log.warning("Could not send user %s their receipt as a followup: %r", intent.payer_id, error)
        try:
            channel = await self.bot.create_dm(discord.Object(id=intent.payer_id))
            await channel.send(embed=receipt)
        except Exception as error:
            log.warning("Could not deliver a payment receipt to user %s at all: %r", intent.payer_id, error)

    def _take_intent(self, intent_id: str) -> PaymentIntent | None:
        """Claim a confirmation (only once: a second press finds nothing) and stop its expiry timer."""
        task = self._expiry_tasks.pop(intent_id, None)
        if task is not None:
            task.cancel()
        return self._intents.pop(intent_id, None)

    async def _answer_stale(self, interaction: discord.Interaction, intent_id: str) -> None:
        set_outcome(interaction, "refused")
        sent = await self.bot.storage.payments.by_intent(intent_id)
        if sent is not None:
            text = f"This payment {STATUS_WORDS[sent.status]}; it won't be sent again."
        else:
            text = "This confirmation is no longer valid (it expired or the bot restarted). Nothing was sent; " \
                   "run /pay again."
        await interaction.response.edit_message(
            embed=discord.Embed(title="Confirmation closed", description=text, colour=INFO), view=None)

    def _receipt(self, intent: PaymentIntent, result: PaymentResult, payment: Payment | None) -> discord.Embed:
        if payment is None:  # refused before anything was sent
            return discord.Embed(title="Payment not made", colour=ERROR, description=result.reason)
        title, colour = RECEIPT_TITLES[result.verdict]
        embed = discord.Embed(title=title, colour=colour,
                              description=f"{money(self.bot, intent.amount)} to {account_label(intent.recipient)}")
        if result.verdict is not Verdict.PAID:
            embed.add_field(name="What happened", value=result.reason, inline=False)
        if result.balance_after is not None:
            embed.add_field(name="Your balance", value=money(self.bot, result.balance_after))
        if not result.recorded:
            embed.add_field(name="Journal", value=NOT_RECORDED, inline=False)
        embed.set_footer(text=f"Payment #{payment.id}")
        return embed

    async def _tell_recipient(self, intent: PaymentIntent) -> None:
        """A short DM receipt for the member who was paid; closed DMs are fine."""
        try:
            channel = await self.bot.create_dm(discord.Object(id=intent.recipient_user_id))
            await channel.send(f"<@{intent.payer_id}> paid you {money(self.bot, intent.amount)} on Taubot.")
        except Exception as error:  # best effort, and after a payment: never the generic error answer
            log.info("Could not DM the recipient of a payment: %r", error)

    async def cancel(self, interaction: discord.Interaction, intent_id: str) -> None:
        if self._take_intent(intent_id) is None:
            await self._answer_stale(interaction, intent_id)
            return
        set_outcome(interaction, "cancelled")
        await interaction.response.edit_message(
            embed=discord.Embed(title="Payment cancelled", description="Nothing was sent.", colour=INFO), view=None)

    # -- after a restart ----------------------------------------------------------------------------

    async def reconcile_pending(self) -> None:
        """Settle journal rows a crash left 'pending', and tell each payer what became of their payment."""
        for payment in await self.bot.storage.payments.pending():
            verdict = await self.sender.reconcile(payment)
            words = {Verdict.PAID: "went through", Verdict.FAILED: "did not go through"}.get(
                verdict, "may or may not have gone through; check /history")
            try:
                channel = await self.bot.create_dm(discord.Object(id=payment.payer_user_id))
                await channel.send(f"I restarted while sending your payment of {money(self.bot, payment.amount)} "
                                   f"to {discord.utils.escape_markdown(payment.to_account_name)}: it {words}.")
            except discord.HTTPException as error:
                log.info("Could not tell user %s about a reconciled payment: %s", payment.payer_user_id,
                         error.status)


async def setup(bot: TaubotBot) -> None:
    await bot.add_cog(PayCog(bot))
    bot.add_dynamic_items(*PERSISTENT_ITEMS)
