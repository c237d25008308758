"""/pay and the 'Pay' user command: check everything, show a confirmation, send once, report the truth.

Every refusal that needs no Taubot request (bad amount, an empty account name, paying yourself or a bot) is
answered before any request. Nothing is sent until the payer presses Confirm (confirming.py); one payment per
paying account is in flight at a time across every process, and the receipt says what Taubot's log shows
(sender.py). Payments whose outcome stayed open are settled in the background (settling.py) and their payers
told.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from storage import Confirmation, ConfirmationState, DatabaseGone, LinkedAccount, MoneyRequest, PaymentStatus
from taubot import Account, AccountType, NotFound, TaubotError

from .. import member_names, messages
from ..guarded import run_guarded
from ..handoffs import RequestPayments
from ..interaction_log import outcome_of, set_outcome
from ..linked_accounts import chosen_link_or_explain, linked_account_choices
from ..memos import MEMO_OPTION_MAX
from ..notices import tell
from ..seen_accounts import suggestions
from ..ui import format_money, linked_account_or_explain, owners_named_in, refuse, reply
from . import receipts
from .asking import PaymentAsk, checked_ask, refusal_of_member
from .buttons import (
    FORM_HELD_FOR,
    AmountModal,
    FormSubmitted,
    PaymentButtonHandler,
    confirmation_buttons,
    form_submitted,
)
from .confirming import ConfirmFlow, in_flight_refusal, outcome_of_refusal, tell_requests_feature
from .sender import PaymentIntent, PaymentSender, check_balance, may_pay_blind
from .settling import Settled, Settler
from .sharing import ReceiptSharing
from .shown import intent_of, kept
from .timing import PaymentTimings

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.pay")
MEMO_HELP = "A note for the recipient, up to 200 characters (shown on the receipt and in /history)"
FROM_HELP = "Which of your linked accounts pays (default: your personal account)"


class PayCog(commands.Cog, PaymentButtonHandler, RequestPayments, name="Pay"):
    def __init__(self, bot: TaubotBot):
        self.bot = bot
        self.symbol = bot.settings.currency_symbol
        # The open confirmations themselves are in the database (storage/confirmations.py), so any process can
        # handle their Confirm; this process keeps only how to edit the ones it showed when they expire.
        self._shown_by: dict[str, discord.Interaction] = {}   # the /pay that showed each confirmation
        self._expiry_tasks: dict[str, asyncio.Task] = {}
        self._forms_held: dict[str, float] = {}               # Pay forms this process opened, by id: when
        self._sending: dict[str, PaymentIntent] = {}          # confirmations being sent right now
        self._pay_menu = app_commands.ContextMenu(
            name="Pay", callback=self.pay_member,
            extras={"help": "Pay that member, like /pay user, with the amount (and a memo) asked in a form."},
            allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
            allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True))
        self._settling: asyncio.Task | None = None

    @functools.cached_property
    def sender(self) -> PaymentSender:
        # Built at first use: storage and the Taubot client open in setup_hook, and `sync --dry-run` loads the
        # cogs without them.
        timings = self.bot.timings
        return PaymentSender(self.bot.taubot, self.bot.storage, self.symbol, instance_id=self.bot.instance_id,
                             timings=PaymentTimings(
                                 clock=timings.clock,
                                 taubot_timeout=timedelta(seconds=self.bot.settings.taubot_timeout_seconds),
                                 settle_margin=timedelta(seconds=timings.settle_margin),
                                 check_for=timedelta(seconds=timings.settle_for),
                                 instance_stale_after=timedelta(seconds=timings.instance_stale_after),
                                 look_again_after=timedelta(seconds=timings.settle_interval),
                                 settle_lease=timedelta(seconds=timings.settle_lease)))

    @functools.cached_property
    def settler(self) -> Settler:
        return Settler(self.bot.storage, self.sender)

    @functools.cached_property
    def confirm_flow(self) -> ConfirmFlow:
        return ConfirmFlow(self.bot, self.sender)

    @functools.cached_property
    def sharing(self) -> ReceiptSharing:
        return ReceiptSharing(self.bot)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self._pay_menu)
        if self.bot.background_tasks:
            self._settling = asyncio.create_task(self._settle_forever(), name="settle-payments")

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self._pay_menu.name, type=self._pay_menu.type)
        for task in [*self._expiry_tasks.values(), self._settling]:
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
    @app_commands.describe(amount="How much, e.g. 12.50", to="The member to pay", memo=MEMO_HELP, source=FROM_HELP)
    @app_commands.rename(source="from")
    async def pay_user(self, interaction: discord.Interaction, amount: app_commands.Range[str, 1, 32],
                       to: discord.User, memo: app_commands.Range[str, 1, MEMO_OPTION_MAX] | None = None,
                       source: app_commands.Range[str, 1, 100] | None = None) -> None:
        await self.prepare(interaction, PaymentAsk(amount, user=to, memo_text=memo, source=source))

    @pay.command(name="account", description="Pay an account by its name, e.g. a government or a company")
    @app_commands.describe(amount="How much, e.g. 12.50", to="The account's exact name", memo=MEMO_HELP,
                           source=FROM_HELP)
    @app_commands.rename(source="from")
    async def pay_account(self, interaction: discord.Interaction, amount: app_commands.Range[str, 1, 32],
                          to: app_commands.Range[str, 1, 100],
                          memo: app_commands.Range[str, 1, MEMO_OPTION_MAX] | None = None,
                          source: app_commands.Range[str, 1, 100] | None = None) -> None:
        await self.prepare(interaction, PaymentAsk(amount, account=to, memo_text=memo, source=source))

    @pay_account.autocomplete("to")
    async def recent_accounts(self, interaction: discord.Interaction, current: str
                              ) -> list[app_commands.Choice[str]]:
        """Accounts this member paid before, so regular payees are one click away."""
        recent = await self.bot.storage.payments.recent_for_payer(interaction.user.id, limit=50)
        return suggestions((p.to_account_name for p in recent if p.recipient_user_id is None), current)

    @pay_user.autocomplete("source")
    @pay_account.autocomplete("source")
    async def linked_accounts(self, interaction: discord.Interaction, current: str
                              ) -> list[app_commands.Choice[str]]:
        """The accounts this member linked: the only ones they may pay from."""
        return await linked_account_choices(self.bot.storage.grant_keys, interaction.user.id, current)

    async def pay_member(self, interaction: discord.Interaction, member: discord.User | discord.Member) -> None:
        refusal = refusal_of_member(interaction, member)
        if refusal:
            await refuse(interaction, refusal)
            return
        form = AmountModal(member)
        self._note_form_opened_here(form.custom_id)
        await interaction.response.send_modal(form)

    def _note_form_opened_here(self, form_id: str) -> None:
        """Forms this process holds (discord.py answers them from memory, for FORM_HELD_FOR); kept twice as long
        here, so the listener below never answers one of them a second time."""
        now = time.monotonic()
        self._forms_held = {held: at for held, at in self._forms_held.items() if now - at < 2 * FORM_HELD_FOR}
        self._forms_held[form_id] = now

    @commands.Cog.listener()
    async def on_form_submitted(self, interaction: discord.Interaction) -> None:
        """A Pay form this process does not hold (opened on another process, or before a restart): answered
        from the submission itself, exactly as the form would have been. (The bot dispatches every submitted
        form as "form_submitted".)"""
        submitted = form_submitted(interaction)
        if submitted is None or submitted.form_id in self._forms_held:
            return
        await run_guarded("modal", AmountModal.log_name, interaction,
                          lambda: self._pay_from_form(interaction, submitted))

    async def _pay_from_form(self, interaction: discord.Interaction, submitted: FormSubmitted) -> None:
        recipient = await self._user(interaction, submitted.recipient_id)
        if recipient is None:
            await refuse(interaction, messages.PAY_FORM_RECIPIENT_GONE)
            return
        await self.prepare(interaction, PaymentAsk(submitted.amount_text, user=recipient,
                                                   memo_text=submitted.memo_text))

    async def _user(self, interaction: discord.Interaction, user_id: int) -> discord.User | discord.Member | None:
        member = interaction.guild.get_member(user_id) if interaction.guild is not None else None
        if member is not None:
            return member
        try:
            return self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
        except discord.NotFound:
            return None

    async def prepare(self, interaction: discord.Interaction, ask: PaymentAsk) -> None:
        """Refuse bad input, find the paying account and the recipient, check the balance, and show the
        confirmation (nothing is sent here)."""
        checked = checked_ask(interaction, ask, self.symbol)
        if isinstance(checked, str):
            await refuse(interaction, checked)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        linked = await chosen_link_or_explain(self.bot.storage.grant_keys, interaction, ask.source)
        if linked is None:
            return
        recipient = await self._find_recipient(interaction, linked, ask.user, ask.account_name)
        if recipient is not None:
            await self._offer(interaction, linked, recipient, checked.cents, memo=checked.memo)

    async def offer_request_payment(self, interaction: discord.Interaction, request: MoneyRequest) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        linked = await linked_account_or_explain(self.bot.storage.grant_keys, interaction)
        if linked is None:
            return
        if await self.bot.storage.grant_keys.get_for(request.requester_user_id, request.to_account_id) is None:
            await refuse(interaction, messages.requester_unlinked(f"<@{request.requester_user_id}>"))
            return
        recipient = await self._account_by_id(interaction, linked, request.to_account_id)
        if recipient is not None:
            await self._offer(interaction, linked, recipient, request.amount, memo=request.memo,
                              request_id=request.id)

    async def _offer(self, interaction: discord.Interaction, linked: LinkedAccount, recipient: Account, cents: int,
                     *, memo: str | None, request_id: int | None = None) -> None:
        """Check what sending needs now (nothing else in flight from the account, enough money) and show the
        confirmation; `interaction` is deferred."""
        in_flight = await self._in_flight_refusal(linked.account_id)
        if in_flight is not None:
            await refuse(interaction, in_flight)
            return
        own = await self._check_balance(interaction, linked, cents)
        if own is None:
            return
        intent = PaymentIntent(intent_id=uuid.uuid4().hex, payer_id=interaction.user.id,
                               payer_account_id=linked.account_id, recipient=recipient,
                               recipient_user_id=recipient.owner_id if recipient.account_type is AccountType.USER
                               else None,
                               amount=cents, balance_before=own.balance, memo=memo, request_id=request_id,
                               from_name=None if linked.is_personal else linked.account_name)
        expires_at = self.bot.timings.clock() + timedelta(seconds=self.bot.timings.confirmation_timeout)
        await self.bot.storage.confirmations.show(kept(intent, expires_at))
        self._shown_by[intent.intent_id] = interaction
        await reply(interaction, embed=self._confirmation(intent),
                    view=confirmation_buttons(intent.payer_id, intent.intent_id))
        self._expiry_tasks[intent.intent_id] = asyncio.create_task(self._expire_later(intent, interaction))

    async def _in_flight_refusal(self, account_id: str) -> str | None:
        if any(intent.payer_account_id == account_id for intent in self._sending.values()):
            return messages.PAYMENT_IN_FLIGHT
        return await in_flight_refusal(self.bot, account_id)

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
        if user is not None:
            member_names.remember(user)  # Discord resolved the member: the confirmation can name them
        return await self._not_own(interaction, linked, recipient)

    async def _account_by_id(self, interaction: discord.Interaction, linked: LinkedAccount, account_id: str
                             ) -> Account | None:
        """The account `account_id` as Taubot has it now, or None after telling the member why not."""
        try:
            recipient = await self.bot.taubot.get_account(linked.grant_key, account_id)
        except TaubotError as error:
            await refuse(interaction, messages.describe_lookup_failure(error), outcome=outcome_of(error))
            return None
        return await self._not_own(interaction, linked, recipient)

    async def _not_own(self, interaction: discord.Interaction, linked: LinkedAccount, recipient: Account
                       ) -> Account | None:
        if recipient.account_id == linked.account_id:
            await refuse(interaction, messages.YOUR_OWN_ACCOUNT)
            return None
        await member_names.look_up(self.bot, owners_named_in([recipient.account_name]))
        return recipient

    async def _check_balance(self, interaction: discord.Interaction, linked: LinkedAccount, cents: int
                             ) -> Account | None:
        """The payer's account if its balance covers `cents` (or need not be seen), or None after telling them
        why not."""
        try:
            own = await self.bot.taubot.get_account(linked.grant_key, linked.account_id)
        except TaubotError as error:
            await refuse(interaction, messages.describe_lookup_failure(error, what="account linked to you"),
                         outcome=outcome_of(error))
            return None
        await self.bot.storage.grant_keys.record_use(linked, balance_visible=own.balance is not None)
        shortfall = check_balance(own.balance, cents, blind_ok=may_pay_blind(self.bot.taubot.dialect))
        if shortfall is not None:
            text = (messages.BALANCE_HIDDEN if shortfall.balance is None
                    else messages.not_enough(self._money(shortfall.balance), self._money(cents)))
            await refuse(interaction, text, outcome=outcome_of_refusal(shortfall))
            return None
        return own

    def _confirmation(self, intent: PaymentIntent) -> discord.Embed:
        return receipts.confirmation(intent, self.symbol, expires_in_seconds=self.bot.timings.confirmation_timeout)

    def _money(self, cents: int) -> str:
        return format_money(cents, self.symbol)

    async def _expire_later(self, intent: PaymentIntent, interaction: discord.Interaction) -> None:
        await asyncio.sleep(self.bot.timings.confirmation_timeout)
        self._expiry_tasks.pop(intent.intent_id, None)  # this task itself: nothing left to cancel
        self._shown_by.pop(intent.intent_id, None)
        if not await self.bot.storage.confirmations.claim(intent.intent_id, ConfirmationState.EXPIRED):
            return  # confirmed or cancelled, here or in another process
        await self.bot.storage.confirmations.forget_old()
        try:
            await interaction.edit_original_response(embed=receipts.expired(), view=None)
        except discord.HTTPException as error:
            log.info("Could not mark an expired confirmation: %s", error.status)

    # -- confirming ---------------------------------------------------------------------------------

    async def confirm(self, interaction: discord.Interaction, intent_id: str) -> None:
        confirmations = self.bot.storage.confirmations
        shown = await confirmations.get(intent_id)
        if shown is None or not shown.is_open(self.bot.timings.clock()):
            await self._answer_stale(interaction, intent_id, shown)
            return
        intent = intent_of(shown)
        if any(sending.payer_account_id == intent.payer_account_id for sending in self._sending.values()):
            await refuse(interaction, messages.PAYMENT_IN_FLIGHT)  # the confirmation stays open
            return
        try:
            claimed = await confirmations.claim(intent_id, ConfirmationState.CONFIRMED)
        except Exception as error:  # nothing may be sent without the claim
            await self.confirm_flow.database_failed(interaction, intent, self._shown_by.get(intent_id), error)
            return
        if not claimed:
            await self._answer_stale(interaction, intent_id, await confirmations.get(intent_id))
            return  # a second press (in any process) finds it confirmed, not open
        self._sending[intent_id] = intent
        try:
            started = await self.confirm_flow.run(interaction, intent, self._shown_by.get(intent_id))
        finally:
            del self._sending[intent_id]
        if started:
            self._close(intent_id)
        else:
            await confirmations.reopen(intent_id)  # held by another process: still open, still expiring

    def _close(self, intent_id: str) -> None:
        task = self._expiry_tasks.pop(intent_id, None)
        if task is not None:
            task.cancel()
        self._shown_by.pop(intent_id, None)

    async def _answer_stale(self, interaction: discord.Interaction, intent_id: str, shown: Confirmation | None
                            ) -> None:
        """A press on a confirmation that is not open: being sent (never "nothing was sent" then), or what
        became of its payment, or closed without one (expired, cancelled, or from before this feature)."""
        set_outcome(interaction, "refused")
        sent = await self.bot.storage.payments.by_intent(intent_id)
        confirmed_now = shown is not None and shown.status is ConfirmationState.CONFIRMED and \
            self.bot.timings.clock() < shown.expires_at  # Confirm claimed it; the payment is about to be journaled
        unsettled = sent is None or sent.status is PaymentStatus.PENDING  # nothing known of its outcome yet
        if intent_id in self._sending or (unsettled and (
                (sent is None and confirmed_now) or await self.bot.storage.locks.sending(intent_id))):
            await refuse(interaction, messages.PAYMENT_BEING_SENT)
            return
        await interaction.response.edit_message(embed=receipts.closed(sent), view=None)

    async def cancel(self, interaction: discord.Interaction, intent_id: str) -> None:
        confirmations = self.bot.storage.confirmations
        if not await confirmations.claim(intent_id, ConfirmationState.CANCELLED):
            await self._answer_stale(interaction, intent_id, await confirmations.get(intent_id))
            return
        self._close(intent_id)
        set_outcome(interaction, "cancelled")
        await interaction.response.edit_message(embed=receipts.cancelled(), view=None)

    # -- sharing a paid receipt ----------------------------------------------------------------------

    async def share(self, interaction: discord.Interaction, payment_id: int, *, with_memo: bool) -> None:
        await self.sharing.share(interaction, payment_id, with_memo=with_memo)

    # -- settling what stayed open ------------------------------------------------------------------

    async def _settle_forever(self) -> None:
        """At start and then every `settle_interval`: settle open payments and tell their payers."""
        while True:
            try:
                await self.reconcile_pending()
            except DatabaseGone:
                return  # storage said so once, CRITICAL; nothing can be settled any more
            except Exception:
                log.exception("Settling open payments failed this round; it will try again")
            await asyncio.sleep(self.bot.timings.settle_interval)

    async def reconcile_pending(self) -> list[Settled]:
        """One round: settle what Taubot's log can settle now, and tell each payer (by DM, else on their next
        command)."""
        settled = await self.settler.settle_open()
        for done in settled:
            await member_names.look_up(self.bot, owners_named_in([done.payment.to_account_name]))
            await tell(self.bot, done.payment.payer_user_id,
                       receipts.settled(done.payment, done.verdict, self.symbol, interrupted=done.interrupted))
            if done.payment.request_id is not None:
                await tell_requests_feature(self.bot, done.payment.request_id)
        return settled
