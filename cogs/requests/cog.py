"""/request and /requests: asking a member for money, and the requests' Pay, Decline, Cancel and Mute buttons.

A request is stored (storage/requests.py) and DMed to the payer with persistent buttons; when their DMs are
closed, they find it as a notice on their next command and in /requests list. Pay hands the request to the pay
feature (cogs/handoffs.py), which shows the payer the normal confirmation and sends through the same verified
sender as /pay; the journal row claims the request at Confirm and settles it with the payment's verdict, in the
same transactions, so a request can never be paid twice. The pay feature tells this cog when a request's
payment got its verdict (RequestOutcomes), and the requester is told.

/request costs Taubot nothing (the requester's account comes from their link), so its cooldown is only against
flooding a member with DMs.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from storage import MoneyRequest, RequestLimitReached, RequestState

from .. import messages
from ..buttons import cog_implementing
from ..cooldowns import REQUEST, member_cooldown
from ..handoffs import RequestOutcomes, RequestPayments
from ..interaction_log import set_outcome
from ..linked_accounts import chosen_link_or_explain, linked_account_choices
from ..memos import MEMO_OPTION_MAX
from ..notices import tell
from ..ui import account_name, format_money, refuse, reply, timestamp
from . import embeds
from .asking import checked_request
from .buttons import RequestButtonHandler, request_dm_buttons, request_list_buttons

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.requests")

REQUEST_LIFETIME = timedelta(days=7)  # /help says it (the command's description)
MOST_OPEN = 10  # open requests a member may have made at once (storage counts them in the same transaction)


class RequestsCog(commands.Cog, RequestButtonHandler, RequestOutcomes, name="Requests"):
    def __init__(self, bot: TaubotBot):
        self.bot = bot
        self.symbol = bot.settings.currency_symbol

    # -- asking -------------------------------------------------------------------------------------------

    @app_commands.command(name="request", description=(
        f"Ask a member to pay you: they get Pay and Decline by DM (it expires after {REQUEST_LIFETIME.days} days)"))
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.describe(amount="How much, e.g. 12.50", payer="The member who should pay you",
                           memo="What it's for, up to 200 characters (shown to them)",
                           into="Which of your linked accounts is paid (default: your personal account)")
    @app_commands.rename(payer="from", into="to")
    @member_cooldown(REQUEST)
    async def request(self, interaction: discord.Interaction, amount: app_commands.Range[str, 1, 32],
                      payer: discord.User, memo: app_commands.Range[str, 1, MEMO_OPTION_MAX] | None = None,
                      into: app_commands.Range[str, 1, 100] | None = None) -> None:
        checked = checked_request(interaction.user, payer, amount, memo, self.symbol)
        if isinstance(checked, str):
            await refuse(interaction, checked)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        storage = self.bot.storage
        if await storage.grant_keys.get(interaction.user.id) is None:
            await refuse(interaction, messages.REQUESTER_NOT_LINKED, outcome="not_linked")
            return
        linked = await chosen_link_or_explain(storage.grant_keys, interaction, into)
        if linked is None:
            return
        if await storage.preferences.has_muted(payer.id, interaction.user.id):
            await refuse(interaction, messages.request_muted(payer.mention))
            return
        try:
            request = await storage.requests.create(
                requester_user_id=interaction.user.id, payer_user_id=payer.id, to_account_id=linked.account_id,
                to_account_name=linked.account_name, amount=checked.cents, memo=checked.memo,
                expires_at=self.bot.timings.clock() + REQUEST_LIFETIME, most_active=MOST_OPEN)
        except RequestLimitReached:
            await refuse(interaction, messages.too_many_requests(MOST_OPEN))
            return
        by_dm = await self._send_to_payer(request)
        await reply(interaction, messages.request_sent(
            payer.mention, self._money(request.amount), account_name(request.to_account_name), request.id,
            timestamp(request.expires_at, "R"), by_dm=by_dm))

    @request.autocomplete("into")
    async def own_accounts(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The requester's linked accounts: the only ones a request may be paid into."""
        return await linked_account_choices(self.bot.storage.grant_keys, interaction.user.id, current)

    async def _send_to_payer(self, request: MoneyRequest) -> bool:
        """DM the payer the request with its buttons; failing that, leave them a notice. True if the DM went out."""
        storage = self.bot.storage
        payer_linked = await storage.grant_keys.get(request.payer_user_id) is not None
        try:
            channel = await self.bot.create_dm(discord.Object(id=request.payer_user_id))
            message = await channel.send(
                embed=embeds.request_dm(request, self.symbol, payer_linked=payer_linked),
                view=request_dm_buttons(request.payer_user_id, request.id, request.requester_user_id))
        except discord.HTTPException as error:
            log.info("Could not DM request %s to user %s (%s); they will see it on their next command", request.id,
                     request.payer_user_id, error.status)
            await storage.notices.post(request.payer_user_id, messages.request_waiting(
                f"<@{request.requester_user_id}>", self._money(request.amount),
                account_name(request.to_account_name), request.id, timestamp(request.expires_at, "R")))
            return False
        await storage.requests.set_dm(request.id, channel_id=message.channel.id, message_id=message.id)
        return True

    # -- listing and muting -------------------------------------------------------------------------------

    requests = app_commands.Group(
        name="requests", description="Your open money requests, and whose requests you take",
        allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True))

    @requests.command(name="list", description="Your open money requests: to pay (Pay, Decline) and to be paid "
                                               "(Cancel)")
    async def list_requests(self, interaction: discord.Interaction) -> None:
        to_me, by_me = await self.bot.storage.requests.active_for(interaction.user.id)
        if not to_me and not by_me:
            await reply(interaction, messages.NO_OPEN_REQUESTS)
            return
        at = self.bot.timings.clock()
        open_ids = [[r.id for r in listed if r.state(at) is RequestState.OPEN] for listed in (to_me, by_me)]
        await reply(interaction, embed=embeds.request_list(to_me, by_me, self.symbol, at),
                    view=request_list_buttons(interaction.user.id, *open_ids))

    @requests.command(name="mute", description="Take no more money requests from a member")
    @app_commands.describe(member="Whose requests you don't want")
    async def mute(self, interaction: discord.Interaction, member: discord.User) -> None:
        await self.mute_requester(interaction, member.id)

    @requests.command(name="unmute", description="Take money requests from a member again")
    @app_commands.describe(member="Whose requests you want again")
    async def unmute(self, interaction: discord.Interaction, member: discord.User) -> None:
        was_muted = await self.bot.storage.preferences.unmute(interaction.user.id, member.id)
        await reply(interaction, messages.requests_unmuted(member.mention, was_muted=was_muted))

    # -- the buttons --------------------------------------------------------------------------------------

    async def pay_request(self, interaction: discord.Interaction, request_id: int) -> None:
        request = await self._open_or_explain(interaction, request_id)
        if request is not None:
            await cog_implementing(self.bot, RequestPayments).offer_request_payment(interaction, request)

    async def decline_request(self, interaction: discord.Interaction, request_id: int) -> None:
        request = await self._open_or_explain(interaction, request_id)
        if request is None:
            return
        if not await self.bot.storage.requests.decline(request.id, interaction.user.id):
            await self._closed_meanwhile(interaction, request_id)
            return
        requester = f"<@{request.requester_user_id}>"
        await reply(interaction, messages.request_declined_for_payer(requester))
        await self._show_in_dm(request, RequestState.DECLINED)
        await tell(self.bot, request.requester_user_id, messages.request_declined_for_requester(
            f"<@{request.payer_user_id}>", self._money(request.amount), request.id))

    async def cancel_request(self, interaction: discord.Interaction, request_id: int) -> None:
        request = await self._open_or_explain(interaction, request_id)
        if request is None:
            return
        if not await self.bot.storage.requests.cancel(request.id, interaction.user.id):
            await self._closed_meanwhile(interaction, request_id)
            return
        set_outcome(interaction, "cancelled")
        await reply(interaction, messages.request_cancelled(f"<@{request.payer_user_id}>", request.id))
        await self._show_in_dm(request, RequestState.CANCELLED)

    async def mute_requester(self, interaction: discord.Interaction, requester_id: int) -> None:
        newly = await self.bot.storage.preferences.mute(interaction.user.id, requester_id)
        await reply(interaction, messages.requests_muted(f"<@{requester_id}>", already=not newly))

    async def _open_or_explain(self, interaction: discord.Interaction, request_id: int) -> MoneyRequest | None:
        """The request if it is still open; otherwise None after telling the member where it stands (with the
        receipt, if it was paid)."""
        request = await self.bot.storage.requests.get(request_id)
        if request is None:
            await refuse(interaction, messages.REQUEST_UNKNOWN)
            return None
        state = request.state(self.bot.timings.clock())
        if state is RequestState.OPEN:
            return request
        when = request.expires_at if state is RequestState.EXPIRED else request.closed_at or request.created_at
        text = messages.REQUEST_STATE_TEXT[state.value].format(when=timestamp(when, "R"))
        set_outcome(interaction, "refused")
        payment = (await self.bot.storage.payments.get(request.payment_id)
                   if state is RequestState.PAID and request.payment_id is not None else None)
        await reply(interaction, text,
                    embed=embeds.paid_receipt(request, payment, self.symbol) if payment is not None else None)
        if state is not RequestState.PAYING:  # a payment's outcome may still open it again
            await self._show_in_dm(request, state)
        return None

    async def _closed_meanwhile(self, interaction: discord.Interaction, request_id: int) -> None:
        """A decline or cancel found the request no longer open (paid, claimed or expired since it was read)."""
        if await self._open_or_explain(interaction, request_id) is not None:
            await refuse(interaction, messages.SOMETHING_WENT_WRONG)  # open, yet not closable: never silent

    # -- what became of a request's payment ---------------------------------------------------------------

    async def request_payment_settled(self, request_id: int) -> None:
        try:
            request = await self.bot.storage.requests.get(request_id)
            if request is None or request.status is not RequestState.PAID:
                return  # refused: still open, its buttons still work; unknown: still being paid
            await self._show_in_dm(request, RequestState.PAID)
            await tell(self.bot, request.requester_user_id, messages.request_paid_for_requester(
                f"<@{request.payer_user_id}>", self._money(request.amount), account_name(request.to_account_name),
                request.id))
        except Exception as error:  # after a payment: never the generic error answer
            log.warning("Could not tell the requester of request %s that it was paid: %r", request_id, error)

    async def _show_in_dm(self, request: MoneyRequest, state: RequestState) -> None:
        """Put the payer's DM about the request in its closed form (no buttons), if there is one."""
        if request.dm_channel_id is None or request.dm_message_id is None:
            return
        channel = self.bot.get_partial_messageable(request.dm_channel_id, type=discord.ChannelType.private)
        try:
            await channel.get_partial_message(request.dm_message_id).edit(
                embed=embeds.closed_dm(request, self.symbol, state), view=None)
        except discord.HTTPException as error:
            log.info("Could not update the DM of request %s: %s", request.id, error.status)

    def _money(self, cents: int) -> str:
        return format_money(cents, self.symbol)
