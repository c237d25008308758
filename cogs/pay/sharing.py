"""Share: a payer posts a public copy of a paid receipt in the channel where they press the button.

Read from the journal when pressed (never from memory: it works after a restart and on any process), and only
for a row Taubot's log showed paid, pressed by its payer. The bot posts with its own account, so it shares only
where it may post: in a server it was added to, in a channel where it may send messages and embeds; not in the
DM with the bot (nobody else would see it), nor in a server or group chat it is used in only through a member's
own install. Nothing in the copy pings anyone.

One copy per payment (storage/shared_receipts.py): sharing again updates that copy (adding or removing the memo,
as pressed) and points to it, so a receipt cannot be used to flood a channel, and a payer who regrets sharing the
memo can take it back; a copy a moderator deleted may be shared anew.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from storage import Payment, PaymentStatus, SharedReceipt

from .. import member_names, messages
from ..interaction_log import set_outcome
from ..ui import owners_named_in, refuse, reply
from . import receipts

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.pay")
THREADS = (discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread)
NO_PINGS = discord.AllowedMentions.none()


class ReceiptSharing:
    def __init__(self, bot: TaubotBot):
        self.bot = bot
        self.symbol = bot.settings.currency_symbol

    async def share(self, interaction: discord.Interaction, payment_id: int, *, with_memo: bool) -> None:
        payment = await self.bot.storage.payments.get(payment_id)
        refusal = _refusal_of(payment, interaction.user.id) or _place_refusal(interaction)
        if refusal is not None:
            await refuse(interaction, refusal)
            return
        assert payment is not None  # _refusal_of refuses a row that does not exist
        await interaction.response.defer(ephemeral=True, thinking=True)
        await member_names.look_up(self.bot, owners_named_in([payment.to_account_name]))
        embed = receipts.shared(payment, self.symbol, with_memo=with_memo)
        existing = await self.bot.storage.shared_receipts.get(payment.id)
        if existing is None or existing.message_id is None or not await self._update(
                interaction, payment, existing, embed, with_memo=with_memo):
            await self._post(interaction, payment, embed, with_memo=with_memo)

    async def _update(self, interaction: discord.Interaction, payment: Payment, existing: SharedReceipt,
                      embed: discord.Embed, *, with_memo: bool) -> bool:
        """Shared before: update that copy and point to it. False when a moderator deleted it (post anew)."""
        assert existing.message_id is not None
        shares = self.bot.storage.shared_receipts
        copy = self.bot.get_partial_messageable(existing.channel_id, guild_id=existing.guild_id
                                                ).get_partial_message(existing.message_id)
        try:
            await copy.edit(embed=embed, allowed_mentions=NO_PINGS)
        except discord.NotFound:
            await shares.forget(payment.id, existing.message_id)
            return False
        except discord.HTTPException as error:
            log.info("Could not update the shared receipt of payment %s: %s", payment.id, error.status)
            await refuse(interaction, messages.SHARE_NOT_UPDATED)
            return True
        await shares.updated(payment.id, with_memo=with_memo)
        memo_changed = payment.memo is not None and existing.with_memo != with_memo
        await reply(interaction, messages.receipt_already_shared(copy.jump_url,
                                                                 memo_now=with_memo if memo_changed else None))
        return True

    async def _post(self, interaction: discord.Interaction, payment: Payment, embed: discord.Embed, *,
                    with_memo: bool) -> None:
        shares = self.bot.storage.shared_receipts
        assert interaction.channel_id is not None  # a server's channel: see _place_refusal
        if not await shares.claim(payment.id, guild_id=interaction.guild_id, channel_id=interaction.channel_id,
                                  with_memo=with_memo):
            await refuse(interaction, messages.SHARE_UNDER_WAY)
            return
        channel = self.bot.get_partial_messageable(interaction.channel_id, guild_id=interaction.guild_id)
        try:
            message = await channel.send(embed=embed, allowed_mentions=NO_PINGS)
        except BaseException as error:
            await shares.release(payment.id)
            if not isinstance(error, discord.HTTPException):
                raise
            log.info("Could not post the shared receipt of payment %s: %s", payment.id, error.status)
            await refuse(interaction, messages.SHARE_NOT_ALLOWED if isinstance(error, discord.Forbidden)
                         else messages.SHARE_NOT_POSTED)
            return
        await shares.posted(payment.id, message.id)
        set_outcome(interaction, "ok")
        await reply(interaction, messages.receipt_shared(
            message.jump_url, with_memo=None if payment.memo is None else with_memo))


def _refusal_of(payment: Payment | None, user_id: int) -> str | None:
    """Why this journal row cannot be shared by this member (None: it can). Someone else's row is refused as
    such before its status is looked at: a crafted press learns nothing about another member's payment."""
    if payment is None:
        return messages.SHARE_ONLY_PAID
    if payment.payer_user_id != user_id:
        return messages.SHARE_NOT_YOURS
    return None if payment.status is PaymentStatus.PAID else messages.SHARE_ONLY_PAID


def _place_refusal(interaction: discord.Interaction) -> str | None:
    """Why the bot may not post where the button was pressed (None: it may)."""
    if interaction.guild_id is None:
        return messages.SHARE_IN_OUR_DM if interaction.context.dm_channel else messages.SHARE_NOT_IN_THIS_CHAT
    # The server install authorizes the interaction where the bot was added; a member who also added it to their
    # account may have run /pay through that install instead, so the bot's own view of its servers counts too.
    if not interaction.is_guild_integration() and interaction.client.get_guild(interaction.guild_id) is None:
        return messages.SHARE_NOT_IN_THIS_SERVER
    permissions = interaction.app_permissions
    channel_type = interaction.channel.type if interaction.channel is not None else None
    may_send = permissions.send_messages_in_threads if channel_type in THREADS else permissions.send_messages
    if not (permissions.view_channel and may_send and permissions.embed_links):
        return messages.SHARE_NOT_ALLOWED
    return None
