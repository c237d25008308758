"""/pay and the 'Pay' user command: check everything, show a confirmation, send once, report the truth.

Every refusal that needs no Taubot request (bad amount, an empty account name, paying yourself or a bot) is
answered before any request. Nothing is sent until the payer presses Confirm; one payment per member is in
flight at a time, and the receipt says what actually happened (see sender.py).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from storage import LinkedAccount
from taubot import Account, AccountType, AmountError, NotFound, TaubotError, parse_amount

from .. import member_names, messages
from ..in_flight import note_answered
from ..interaction_log import outcome_of, set_outcome
from ..seen_accounts import suggestions
from ..ui import format_money, linked_account_or_explain, owners_named_in, refuse, reply
from . import receipts
from .buttons import AmountModal, PaymentButtonHandler, confirmation_buttons
from .sender import BalanceShortfall, PaymentIntent, PaymentResult, PaymentSender, Verdict, check_balance

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


class PayCog(commands.Cog, PaymentButtonHandler, name="Pay"):
    def __init__(self, bot: TaubotBot):
        self.bot = bot
        self.symbol = bot.settings.currency_symbol
        self._intents: dict[str, PaymentIntent] = {}
        self._expiry_tasks: dict[str, asyncio.Task] = {}
        self._in_flight: set[int] = set()
        self._pay_menu = app_commands.ContextMenu(
            name="Pay", callback=self.pay_member,
            extras={"help": "Pay that member, like /pay user, with the amount asked in a form."},
            allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
            allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True))
        self._reconciliation: asyncio.Task | None = None

    @functools.cached_property
    def sender(self) -> PaymentSender:
        # Built at first use: storage and the Taubot client open in setup_hook, and `sync --dry-run` loads the
        # cogs without them.
        return PaymentSender(self.bot.taubot, self.bot.storage, self.symbol)

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

    # Two subcommands rather than one command with two optional recipients: Discord's own UI then asks for
    # exactly one recipient of the right kind (a member picker, or a name with suggestions), so "nobody" or
    # "both" can't be sent at all. Installs and contexts can only be declared on the group.
    pay = app_commands.Group(
        name="pay", description="Pay a member or an account from your Taubot account",
        allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True))

    @pay.command(name="user", description="Pay a member (into their personal account)")
    @app_commands.describe(amount="How much, e.g. 12.50", to="The member to pay")
    async def pay_user(self, interaction: discord.Interaction, amount: app_commands.Range[str, 1, 32],
                       to: discord.User) -> None:
        await self.prepare(interaction, amount, user=to, account=None)

    @pay.command(name="account", description="Pay an account by its name, e.g. a government or a company")
    @app_commands.describe(amount="How much, e.g. 12.50", to="The account's exact name")
    async def pay_account(self, interaction: discord.Interaction, amount: app_commands.Range[str, 1, 32],
                          to: app_commands.Range[str, 1, 100]) -> None:
        await self.prepare(interaction, amount, user=None, account=to)

    @pay_account.autocomplete("to")
    async def recent_accounts(self, interaction: discord.Interaction, current: str
                              ) -> list[app_commands.Choice[str]]:
        """Accounts this member paid before, so regular payees are one click away."""
        recent = await self.bot.storage.payments.recent_for_payer(interaction.user.id, limit=50)
        return suggestions((p.to_account_name for p in recent if p.recipient_user_id is None), current)

    async def pay_member(self, interaction: discord.Interaction, member: discord.User | discord.Member) -> None:
        refusal = self._refuse_recipient(interaction, member)
        if refusal:
            await refuse(interaction, refusal)
            return
        await interaction.response.send_modal(AmountModal(member))

    async def prepare(self, interaction: discord.Interaction, amount_text: str, *,
                      user: discord.User | discord.Member | None, account: str | None) -> None:
        """Refuse bad input, find the recipient, check the balance, and show the confirmation (nothing is
        sent here)."""
        name = account.strip() if account is not None else None
        cents = self._check_request(interaction, amount_text, user, name)
        if isinstance(cents, str):
            await refuse(interaction, cents)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        linked = await linked_account_or_explain(self.bot.storage.grant_keys, interaction)
        if linked is None:
            return
        recipient = await self._find_recipient(interaction, linked, user, name)
        if recipient is None:
            return
        balance = await self._check_balance(interaction, linked, cents)
        if balance is None:
            return
        intent = PaymentIntent(intent_id=uuid.uuid4().hex, payer_id=interaction.user.id,
                               payer_account_id=linked.account_id, recipient=recipient,
                               recipient_user_id=recipient.owner_id if recipient.account_type is AccountType.USER
                               else None,
                               amount=cents, balance_before=balance)
        self._intents[intent.intent_id] = intent
        await reply(interaction, embed=self._confirmation(intent),
                    view=confirmation_buttons(intent.payer_id, intent.intent_id))
        self._expiry_tasks[intent.intent_id] = asyncio.create_task(self._expire_later(intent, interaction))

    def _refuse_recipient(self, interaction: discord.Interaction,
                          user: discord.User | discord.Member | None) -> str | None:
        if user is None:
            return None
        in_our_dm = interaction.context.dm_channel and (user.id == interaction.user.id or user.bot)
        if in_our_dm:
            return messages.ONLY_US_IN_THIS_DM
        if user.id == interaction.user.id:
            return messages.PAYING_YOURSELF
        if user.bot:
            return messages.PAYING_A_BOT
        return None

    def _check_request(self, interaction: discord.Interaction, amount_text: str,
                       user: discord.User | discord.Member | None, name: str | None) -> int | str:
        """The amount in cents, or why the request is refused before any Taubot request."""
        problem = self._refuse_recipient(interaction, user)
        if user is None and not name:
            problem = messages.EMPTY_ACCOUNT_NAME
        if problem is not None:
            return problem
        try:
            cents = parse_amount(amount_text, symbol=self.symbol)
        except AmountError as error:
            return str(error)
        return messages.PAYMENT_IN_FLIGHT if interaction.user.id in self._in_flight else cents

    async def _find_recipient(self, interaction: discord.Interaction, linked: LinkedAccount,
                              user: discord.User | discord.Member | None, name: str | None) -> Account | None:
        """The account to pay, or None after telling the member why there is none."""
        if name is not None and name == linked.account_name:
            await refuse(interaction, messages.YOUR_OWN_ACCOUNT)
            return None
        taubot = self.bot.taubot
        try:
            recipient = (await taubot.get_user_account(linked.grant_key, user.id) if user is not None
                         else await taubot.get_account_by_name(linked.grant_key, name or ""))
        except TaubotError as error:
            if user is not None and isinstance(error, NotFound):
                await refuse(interaction, messages.no_personal_account(user.mention), outcome="not_found")
            else:
                await refuse(interaction, messages.describe_lookup_failure(error, name=name),
                             outcome=outcome_of(error))
            return None
        if recipient.account_id == linked.account_id:
            await refuse(interaction, messages.YOUR_OWN_ACCOUNT)
            return None
        if user is not None:
            member_names.remember(user)  # Discord resolved the member: the confirmation can name them
        await member_names.look_up(self.bot, owners_named_in([recipient.account_name]))
        return recipient

    async def _check_balance(self, interaction: discord.Interaction, linked: LinkedAccount, cents: int
                             ) -> int | None:
        """The payer's balance if it covers `cents`, or None after telling them why not."""
        try:
            own = await self.bot.taubot.get_account(linked.grant_key, linked.account_id)
        except TaubotError as error:
            await refuse(interaction, messages.describe_lookup_failure(error, what="account linked to you"),
                         outcome=outcome_of(error))
            return None
        await self.bot.storage.grant_keys.record_use(linked, balance_visible=own.balance is not None)
        checked = check_balance(own.balance, cents)
        if isinstance(checked, BalanceShortfall):
            text = (messages.BALANCE_HIDDEN if checked.balance is None
                    else messages.not_enough(self._money(checked.balance), self._money(cents)))
            await refuse(interaction, text, outcome=outcome_of_refusal(checked))
            return None
        return checked

    def _confirmation(self, intent: PaymentIntent) -> discord.Embed:
        return receipts.confirmation(intent, self.symbol, expires_in_seconds=self.bot.timings.confirmation_timeout)

    def _money(self, cents: int) -> str:
        return format_money(cents, self.symbol)

    async def _expire_later(self, intent: PaymentIntent, interaction: discord.Interaction) -> None:
        await asyncio.sleep(self.bot.timings.confirmation_timeout)
        if self._intents.pop(intent.intent_id, None) is None:
            return
        self._expiry_tasks.pop(intent.intent_id, None)  # this task itself: nothing left to cancel
        try:
            await interaction.edit_original_response(embed=receipts.expired(), view=None)
        except discord.HTTPException as error:
            log.info("Could not mark an expired confirmation: %s", error.status)

    # -- confirming ---------------------------------------------------------------------------------

    async def confirm(self, interaction: discord.Interaction, intent_id: str) -> None:
        if interaction.user.id in self._in_flight:
            await refuse(interaction, messages.PAYMENT_IN_FLIGHT)
            return
        intent = self._take_intent(intent_id)
        if intent is None:
            await self._answer_stale(interaction, intent_id)
            return
        self._in_flight.add(intent.payer_id)
        try:
            # Acknowledge by disabling the buttons first: a second press is impossible from here on.
            await interaction.response.edit_message(
                embed=receipts.sending(intent, self.symbol),
                view=confirmation_buttons(intent.payer_id, intent.intent_id, disabled=True))
            linked = await self.bot.storage.grant_keys.get(intent.payer_id)
            if linked is None or linked.account_id != intent.payer_account_id:
                set_outcome(interaction, "refused")
                await interaction.edit_original_response(embed=receipts.not_made(messages.LINK_CHANGED), view=None)
                return
            # Until send() returns, an exception means nothing was sent and the generic answer is true.
            payment, result = await self.sender.send(intent, linked)
        finally:
            self._in_flight.discard(intent.payer_id)
        # A transfer may have gone out: from here nothing may reach the generic "nothing was changed" handler.
        set_outcome(interaction, self._outcome_of(result))
        await self._deliver_receipt(interaction, intent, receipts.receipt(intent, result, payment, self.symbol))
        if result.verdict is Verdict.PAID and intent.recipient_user_id is not None:
            await self._tell_recipient(intent, intent.recipient_user_id)

    @staticmethod
    def _outcome_of(result: PaymentResult) -> str:
        if result.stopped_by is not None:
            return outcome_of_refusal(result.stopped_by)
        return RECEIPT_OUTCOMES[result.verdict]

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
        await interaction.response.edit_message(embed=receipts.closed(sent), view=None)

    async def _tell_recipient(self, intent: PaymentIntent, recipient_user_id: int) -> None:
        """A short DM receipt for the member who was paid; closed DMs are fine."""
        try:
            channel = await self.bot.create_dm(discord.Object(id=recipient_user_id))
            await channel.send(receipts.paid_you(intent.payer_id, intent.amount, self.symbol))
        except Exception as error:  # best effort, and after a payment: never the generic error answer
            log.info("Could not DM the recipient of a payment: %r", error)

    async def cancel(self, interaction: discord.Interaction, intent_id: str) -> None:
        if self._take_intent(intent_id) is None:
            await self._answer_stale(interaction, intent_id)
            return
        set_outcome(interaction, "cancelled")
        await interaction.response.edit_message(embed=receipts.cancelled(), view=None)

    # -- after a restart ----------------------------------------------------------------------------

    async def reconcile_pending(self) -> None:
        """Settle journal rows a crash left 'pending', and tell each payer what became of their payment."""
        for payment in await self.bot.storage.payments.pending():
            verdict = await self.sender.reconcile(payment)
            await member_names.look_up(self.bot, owners_named_in([payment.to_account_name]))
            try:
                channel = await self.bot.create_dm(discord.Object(id=payment.payer_user_id))
                await channel.send(receipts.reconciled(payment, verdict, self.symbol))
            except discord.HTTPException as error:
                log.info("Could not tell user %s about a reconciled payment: %s", payment.payer_user_id,
                         error.status)
