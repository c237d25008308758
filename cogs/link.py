"""/link-account, /unlink-account and /link-status, and the background poller that finishes links.

The flow itself (register, DM, retrieve, verify, store) is in link_flow.py; this cog is the member-facing
side: commands, button handlers, and gentle polling of Taubot for links whose owner has granted access.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from .common import INFO, NOT_LINKED, WARNING, refuse, reply, set_outcome, timestamp
from .interactions import counting_taubot_requests
from .link_buttons import LINK_COG, PERSISTENT_ITEMS, relink_buttons, unlink_buttons
from .link_flow import LinkFlow, LinkOutcome

if TYPE_CHECKING:
    from bot import TaubotBot
    from storage import PendingLink

log = logging.getLogger("taubot_bot.link")

POLL_TICK_SECONDS = 2.0
# The global budget: Taubot requests (retries included) the poller may make per tick. One check makes one to
# four requests, so a round may overshoot by one check; the overshoot is taken off the next round.
TAUBOT_REQUESTS_PER_TICK = 5
POLL_INTERVAL = timedelta(seconds=10)
POLL_INTERVAL_MAX = timedelta(seconds=60)
POLLS_BEFORE_BACKOFF = 6  # about the first minute at the base interval, then slower
POLL_ROUND_GRACE_SECONDS = 10.0  # at shutdown, how long a poll round already under way may take to finish


# How "I've granted access" ended, for the log line; the final refusals (expired, someone else granted…) are
# "refused".
LINK_OUTCOMES = {
    LinkOutcome.LINKED: "ok",
    LinkOutcome.WAITING: "ok",
    LinkOutcome.TAUBOT_TROUBLE: "taubot_error",
    LinkOutcome.CREDENTIALS_REJECTED: "taubot_error",
    LinkOutcome.NO_ACCOUNT: "not_found",
    LinkOutcome.CANCELLED: "cancelled",
    LinkOutcome.UNLINKED: "cancelled",
}


def next_poll_time(poll_count: int, at: datetime) -> datetime:
    """Every 10 s for the first minute, then 25 % slower each time, at most once a minute."""
    slower = max(0, poll_count + 1 - POLLS_BEFORE_BACKOFF)
    interval = min(POLL_INTERVAL * (1.25**slower), POLL_INTERVAL_MAX)
    return at + interval


class LinkCog(commands.Cog, name=LINK_COG):
    def __init__(self, bot: TaubotBot):
        self.bot = bot
        self.flow = LinkFlow(bot)
        self._polling = False
        self._request_debt = 0  # requests the last rounds made beyond their budget

    async def cog_load(self) -> None:
        if self.bot.background_tasks:
            self.poller.start()

    async def cog_unload(self) -> None:
        # Between rounds the poller is only sleeping: cancel it. Mid-round, let the round finish (bounded), so
        # a member whose grant just arrived is linked now. (Cutting it off is safe: completing a link is one
        # transaction, and the key can be retrieved again after the restart.)
        self.poller.stop()
        task = self.poller.get_task()
        if task is None or task.done():
            return
        if not self._polling:
            task.cancel()
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=POLL_ROUND_GRACE_SECONDS)
        except TimeoutError:
            task.cancel()

    # -- commands -------------------------------------------------------------------------------------

    @app_commands.command(name="link-account", description="Link your Taubot account to this bot")
    async def link_account(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        current = await self.bot.storage.grant_keys.get(interaction.user.id)
        if current is not None:
            embed = discord.Embed(title="You're already linked", colour=WARNING, description=(
                f"Your Discord account is linked to **{discord.utils.escape_markdown(current.account_name)}**. "
                "Link a new grant (for example to change what I may do or your spending limit)? Your current "
                "link keeps working until the new one is confirmed."
            ))
            await reply(interaction, embed=embed, view=relink_buttons(interaction.user.id))
            return
        await reply(interaction, await self.flow.start(interaction.user, in_dm=interaction.guild is None))

    async def relink_confirmed(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content="Starting a new link…", embed=None, view=None)
        message = await self.flow.start(interaction.user, in_dm=interaction.guild is None)
        await interaction.edit_original_response(content=message)

    @app_commands.command(name="unlink-account", description="Make this bot forget your Taubot grant key")
    async def unlink_account(self, interaction: discord.Interaction) -> None:
        current = await self.bot.storage.grant_keys.get(interaction.user.id)
        if current is None:
            text = "You have no linked Taubot account, so there is nothing to unlink."
            if await self.bot.storage.pending_links.for_user(interaction.user.id) is not None:
                text += " To stop the link you started, press Cancel in its DM."
            await refuse(interaction, text, outcome="not_linked")
            return
        embed = discord.Embed(title="Unlink your Taubot account?", colour=WARNING, description=(
            f"I'll delete my copy of the grant key for **{discord.utils.escape_markdown(current.account_name)}**"
            ", so I can no longer see your balance or pay for you. This does not revoke the grant on Taubot's "
            "side: Taubot's API offers bots no way to do that."
        ))
        await reply(interaction, embed=embed, view=unlink_buttons(interaction.user.id))

    async def unlink_confirmed(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer()  # a relink being completed right now is waited for
        # The pending (re)link goes first: otherwise a grant given after "Unlinked" would quietly link again.
        relink_cancelled = await self.flow.cancel_for_unlink(interaction.user.id)
        if await self.bot.storage.grant_keys.delete(interaction.user.id):
            log.info("User %s unlinked their account", interaction.user.id)
            text = ("Unlinked. I've deleted your grant key; run /link-account whenever you want to link again. "
                    "The grant itself still exists on Taubot's side.")
            if relink_cancelled:
                text += " I also cancelled the new link you had started."
        else:
            set_outcome(interaction, "not_linked")
            text = "You have no linked Taubot account, so there was nothing to unlink."
        await interaction.edit_original_response(content=text, embed=None, view=None)

    @app_commands.command(name="link-status", description="See whether your Taubot account is linked")
    async def link_status(self, interaction: discord.Interaction) -> None:
        user_id = interaction.user.id
        linked = await self.bot.storage.grant_keys.get(user_id)
        pending = await self.bot.storage.pending_links.for_user(user_id)
        if linked is None:
            embed = discord.Embed(title="Not linked", colour=INFO, description=NOT_LINKED)
        else:
            embed = discord.Embed(title="Linked", colour=INFO)
            embed.add_field(name="Account", value=discord.utils.escape_markdown(linked.account_name))
            embed.add_field(name="Type", value=linked.account_type.title())
            embed.add_field(name="Since", value=timestamp(linked.linked_at, "D"))
            embed.add_field(name="Balance visible", value={
                True: "Yes (as of the last check)",
                False: "No: run /link-account again and tick VIEW BALANCE",
                None: "Not checked yet: run /balance",
            }[linked.balance_visible], inline=False)
            if linked.last_used_at is not None:
                embed.add_field(name="Last used", value=timestamp(linked.last_used_at, "R"))
        if pending is not None and not pending.is_expired(self.flow.clock()):
            embed.add_field(name="Link in progress",
                            value=f"Waiting for your grant on Taubot; the link expires "
                                  f"{timestamp(pending.expires_at, 'R')}. Check your DMs.", inline=False)
        await reply(interaction, embed=embed)

    # -- DM buttons -----------------------------------------------------------------------------------

    async def check_grant_now(self, interaction: discord.Interaction, ref_id: str) -> None:
        """'I've granted access': look for the key at once instead of waiting for the poller."""
        pending = await self.bot.storage.pending_links.get(ref_id)
        if pending is not None and pending.discord_user_id != interaction.user.id:
            await refuse(interaction, "This link belongs to someone else.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.flow.try_complete(ref_id)
        set_outcome(interaction, LINK_OUTCOMES.get(result.outcome, "refused"))
        await reply(interaction, result.message())

    async def cancel_link(self, interaction: discord.Interaction, ref_id: str) -> None:
        pending = await self.bot.storage.pending_links.get(ref_id)
        if pending is None:
            await refuse(interaction, "This link is already finished; there is nothing to cancel.")
            return
        if pending.discord_user_id != interaction.user.id:
            await refuse(interaction, "This link belongs to someone else.")
            return
        await interaction.response.defer()
        result = await self.flow.cancel(ref_id)
        set_outcome(interaction, "cancelled" if result.outcome is LinkOutcome.CANCELLED else "refused")
        if result.outcome is not LinkOutcome.CANCELLED:
            await interaction.followup.send("Too late to cancel: this link had already finished. Run /link-status "
                                            "to see where you stand.", ephemeral=True)

    # -- background polling ---------------------------------------------------------------------------

    @tasks.loop(seconds=POLL_TICK_SECONDS)
    async def poller(self) -> None:
        self._polling = True
        try:
            await self.poll_due_links()
        except Exception:
            log.exception("The link poller failed this round; it will try again")
        finally:
            self._polling = False

    async def poll_due_links(self, at: datetime | None = None) -> int:
        """Check the links whose turn has come, oldest first, within this tick's Taubot request budget; return
        how many were checked."""
        at = at or self.flow.clock()
        allowance = TAUBOT_REQUESTS_PER_TICK - self._request_debt
        checked = 0
        with counting_taubot_requests() as stats:
            due = await self.bot.storage.pending_links.due_for_poll(at, limit=allowance) if allowance > 0 else []
            for link in due:
                if stats.taubot_requests >= allowance:
                    break
                checked += 1
                await self._poll(link, at)
        self._request_debt = max(0, stats.taubot_requests - allowance)
        return checked

    async def _poll(self, link: PendingLink, at: datetime) -> None:
        try:
            final = (await self.flow.try_complete(link.ref_id)).outcome.is_final
        except Exception as error:
            # One broken link must not stall the others: it waits its turn again, backing off. The type
            # only, no traceback: an exception's text could quote what it choked on.
            log.warning("Checking the pending link of user %s failed (%s); trying again later",
                        link.discord_user_id, type(error).__name__)
            final = False
        if not final:
            await self.bot.storage.pending_links.reschedule_poll(link.ref_id, next_poll_time(link.poll_count, at))


async def setup(bot: TaubotBot) -> None:
    await bot.add_cog(LinkCog(bot))
    bot.add_dynamic_items(*PERSISTENT_ITEMS)
