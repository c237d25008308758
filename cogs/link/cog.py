"""/link-account, /unlink-account and /link-status, the link DM's buttons, and the background poller.

The flow itself (register, DM, retrieve, verify, store) is in flow.py; this cog is the member-facing side.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from storage import DatabaseGone

from .. import messages
from ..cooldowns import LINK_ACCOUNT, member_cooldown
from ..deferral import defer_if_slow
from ..interaction_log import set_outcome
from ..linked_accounts import is_named, linked_account_choices
from ..seen_accounts import suggestions
from ..ui import INFO, account_name, refuse, reply
from .buttons import LinkButtonHandler, relink_buttons, unlink_buttons
from .embeds import already_linked, link_dm_update, link_status, unlink_question
from .expiry import ExpiryReminders
from .flow import LinkFlow
from .polling import POLL_ROUND_GRACE_SECONDS, POLL_TICK_SECONDS, LinkPolling
from .spending import LinkSpending
from .states import LinkShownHere, LinkState
from .targets import LinkTarget, LinkTargets

if TYPE_CHECKING:
    from bot import TaubotBot
    from storage import LinkedAccount, PendingLink

log = logging.getLogger("taubot_bot.link")

# The outcome word of "I've granted access" for each state; the final refusals (expired, someone else
# granted…) are "refused".
OUTCOME_OF_STATE = {
    LinkState.LINKED: "ok",
    LinkState.WAITING: "ok",
    LinkState.TAUBOT_TROUBLE: "taubot_error",
    LinkState.CREDENTIALS_REJECTED: "taubot_error",
    LinkState.NO_ACCOUNT: "not_found",
    LinkState.CANCELLED: "cancelled",
    LinkState.UNLINKED: "cancelled",
}


class LinkCog(commands.Cog, LinkButtonHandler, name="Link"):
    def __init__(self, bot: TaubotBot):
        self.bot = bot
        self.flow = LinkFlow(bot)
        self.polling = LinkPolling(self.flow)
        self.reminders = ExpiryReminders(bot)
        self.targets = LinkTargets(bot)
        self.spending = LinkSpending(bot)
        self._polling_now = False

    async def cog_load(self) -> None:
        if self.bot.background_tasks:
            self.poller.change_interval(seconds=self.bot.timings.link_poll_tick)
            self.poller.start()
            self.expiry_reminder.change_interval(seconds=self.bot.timings.reminder_interval)
            self.expiry_reminder.start()

    async def cog_unload(self) -> None:
        self.expiry_reminder.cancel()  # a reminder cut off is claimed in storage, never sent twice
        # Between rounds the poller is only sleeping: cancel it. Mid-round, let the round finish (bounded), so
        # a member whose grant just arrived is linked now. (Cutting it off is safe: completing a link is one
        # transaction, and the key can be retrieved again after the restart.)
        self.poller.stop()
        task = self.poller.get_task()
        if task is None or task.done():
            return
        if not self._polling_now:
            task.cancel()
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=POLL_ROUND_GRACE_SECONDS)
        except TimeoutError:
            task.cancel()

    # -- commands -------------------------------------------------------------------------------------

    @app_commands.command(name="link-account", description="Link your Taubot account (or another you act for)")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.describe(account="Another account you act for, by its exact name (a company, a department…); "
                                   "leave empty for your personal account")
    @member_cooldown(LINK_ACCOUNT)
    async def link_account(self, interaction: discord.Interaction,
                           account: app_commands.Range[str, 1, 100] | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = await self.targets.resolve(interaction.user.id, account)
        if isinstance(target, str):
            await refuse(interaction, target)
            return
        if target.current is not None:
            await reply(interaction, embed=already_linked(target.current),
                        view=relink_buttons(interaction.user.id, target.account_id))
            return
        covered = await self.targets.link_if_covered(interaction.user.id, target)
        if covered is not None:
            await reply(interaction, messages.linked_with_a_grant_you_gave(account_name(covered.account_name)))
            return
        await self._start(interaction, target)

    async def _start(self, interaction: discord.Interaction, target: LinkTarget) -> None:
        started = await self.flow.start(interaction.user, target, in_dm=interaction.context.dm_channel)
        if isinstance(started, LinkShownHere):
            await reply(interaction, started.content, embed=started.embed, view=started.view)
        else:
            await reply(interaction, started)

    @link_account.autocomplete("account")
    async def accounts_to_link(self, interaction: discord.Interaction, current: str
                               ) -> list[app_commands.Choice[str]]:
        """The accounts this member linked already (to link one again) and those they came across."""
        linked = [link.account_name for link in await self.bot.storage.grant_keys.all_of(interaction.user.id)
                  if not link.is_personal]
        return suggestions([*linked, *self.bot.seen_accounts.of(interaction.user.id)], current)

    @app_commands.command(name="unlink-account", description="Make this bot forget your Taubot grant keys")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.describe(account="Only this linked account (leave empty to unlink every account)")
    async def unlink_account(self, interaction: discord.Interaction,
                             account: app_commands.Range[str, 1, 100] | None = None) -> None:
        links, pending = await self._where_member_stands(interaction)
        if not links:
            text = messages.NOTHING_TO_UNLINK + (messages.CANCEL_THE_PENDING_LINK if pending is not None else "")
            await refuse(interaction, text, outcome="not_linked")
            return
        if account is None:
            await reply(interaction, embed=unlink_question(links), view=unlink_buttons(interaction.user.id))
            return
        chosen = next((link for link in links if is_named(link, account)), None)
        if chosen is None:
            await refuse(interaction, messages.not_a_linked_account(
                account_name(account), [account_name(link.account_name) for link in links]), outcome="not_linked")
            return
        await reply(interaction, embed=unlink_question([chosen]),
                    view=unlink_buttons(interaction.user.id, chosen.account_id))

    @unlink_account.autocomplete("account")
    async def linked_accounts(self, interaction: discord.Interaction, current: str
                              ) -> list[app_commands.Choice[str]]:
        return await linked_account_choices(self.bot.storage.grant_keys, interaction.user.id, current)

    @app_commands.command(name="link-status", description="See which Taubot accounts you linked, and what they allow")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def link_status(self, interaction: discord.Interaction) -> None:
        async def read() -> tuple[list[LinkedAccount], PendingLink | None, dict[str, str]]:
            links, pending = await self._standing(interaction.user.id)
            return links, pending, await self.spending.of(links)

        links, pending, spent = await defer_if_slow(interaction, read(), after=self.bot.timings.defer_after)
        await reply(interaction, embed=link_status(links, pending, now=self.flow.now(), spent=spent))

    async def _where_member_stands(self, interaction: discord.Interaction
                                   ) -> tuple[list[LinkedAccount], PendingLink | None]:
        """The member's links and their link in progress, deferring if the database is slow."""
        return await defer_if_slow(interaction, self._standing(interaction.user.id),
                                   after=self.bot.timings.defer_after)

    async def _standing(self, user_id: int) -> tuple[list[LinkedAccount], PendingLink | None]:
        """The member's links and their link in progress (None once expired)."""
        links = await self.bot.storage.grant_keys.all_of(user_id)
        pending = await self.bot.storage.pending_links.for_user(user_id)
        return links, (None if pending is None or pending.is_expired(self.flow.now()) else pending)

    # -- answers to the relink and unlink questions ----------------------------------------------------

    async def relink_confirmed(self, interaction: discord.Interaction, account_id: str | None) -> None:
        await interaction.response.edit_message(content="Starting a new link…", embed=None, view=None)
        target = await self._relink_target(interaction.user.id, account_id)
        if target is None:
            await interaction.edit_original_response(content=messages.NOTHING_TO_RELINK)
            return
        started = await self.flow.start(interaction.user, target, in_dm=interaction.context.dm_channel)
        if isinstance(started, LinkShownHere):  # this answer is private: the link can go in it
            await interaction.edit_original_response(content=started.content, embed=started.embed, view=started.view)
        else:
            await interaction.edit_original_response(content=started)

    async def _relink_target(self, user_id: int, account_id: str | None) -> LinkTarget | None:
        """What "Link a new grant" links again: the personal account, or the linked account it names (None if
        the member unlinked it meanwhile)."""
        if account_id is None:
            target = await self.targets.resolve(user_id, None)
            return target if isinstance(target, LinkTarget) else None
        current = await self.bot.storage.grant_keys.get_for(user_id, account_id)
        return LinkTarget.of(current) if current is not None else None

    async def unlink_confirmed(self, interaction: discord.Interaction, account_id: str | None) -> None:
        await interaction.response.defer()  # a relink being completed right now is waited for
        user_id = interaction.user.id
        # The pending (re)link goes first: otherwise a grant given after "Unlinked" would quietly link again.
        relink_cancelled = await self.flow.cancel_for_unlink(user_id, account_id)
        if await self.bot.storage.grant_keys.delete(user_id, account_id):
            log.info("User %s unlinked %s", user_id, "an account" if account_id else "every account")
            text = messages.UNLINKED_ONE if account_id else messages.UNLINKED
            if relink_cancelled:
                text += " I also cancelled the new link you had started."
        else:
            set_outcome(interaction, "not_linked")
            text = messages.NOTHING_WAS_UNLINKED
        await interaction.edit_original_response(content=text, embed=None, view=None)

    # -- the link DM's buttons ------------------------------------------------------------------------

    async def check_grant_now(self, interaction: discord.Interaction, ref_id: str) -> None:
        """'I've granted access': look for the key at once instead of waiting for the poller."""
        pending = await self.bot.storage.pending_links.get(ref_id)
        if pending is not None and pending.discord_user_id != interaction.user.id:
            await refuse(interaction, messages.NOT_YOUR_LINK)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.flow.try_complete(ref_id)
        linked = await self.flow.linked_by(pending) if result.state is LinkState.ALREADY_FINISHED else None
        if linked is not None:  # finished a moment ago, e.g. by a poller (in this process or another)
            await reply(interaction, messages.link_finished_linked(account_name(linked.account_name)))
            return
        set_outcome(interaction, OUTCOME_OF_STATE.get(result.state, "refused"))
        await reply(interaction, result.message())

    async def cancel_link(self, interaction: discord.Interaction, ref_id: str) -> None:
        pending = await self.bot.storage.pending_links.get(ref_id)
        if pending is None:
            await refuse(interaction, messages.NOTHING_TO_CANCEL)
            return
        if pending.discord_user_id != interaction.user.id:
            await refuse(interaction, messages.NOT_YOUR_LINK)
            return
        await interaction.response.defer()
        result = await self.flow.cancel(ref_id)
        set_outcome(interaction, "cancelled" if result.state is LinkState.CANCELLED else "refused")
        if result.state is not LinkState.CANCELLED:
            await interaction.followup.send(messages.TOO_LATE_TO_CANCEL, ephemeral=True)
        elif pending.dm_channel_id is None:  # the link was in a private answer, which the flow cannot edit
            await interaction.edit_original_response(content=None, view=None, embed=link_dm_update(
                messages.LINK_STATE_TEXT[result.state.value], INFO))

    # -- background polling ---------------------------------------------------------------------------

    @tasks.loop(seconds=POLL_TICK_SECONDS)  # Timings.link_poll_tick, set at start
    async def poller(self) -> None:
        self._polling_now = True
        try:
            await self.poll_due_links()
        except DatabaseGone:
            pass  # said once, CRITICAL, by storage; nothing can be linked any more
        except Exception:
            log.exception("The link poller failed this round; it will try again")
        finally:
            self._polling_now = False

    async def poll_due_links(self, at: datetime | None = None) -> int:
        """Check the links whose turn has come (at `at`, default now); return how many were checked."""
        return await self.polling.poll_due(at or self.flow.now())

    # -- reminding of keys that expire ----------------------------------------------------------------

    @tasks.loop(seconds=15 * 60)  # Timings.reminder_interval, set at start
    async def expiry_reminder(self) -> None:
        try:
            await self.send_expiry_reminders()
        except DatabaseGone:
            pass  # said once, CRITICAL, by storage
        except Exception:
            log.exception("Reminding members of expiring links failed this round; it will try again")

    async def send_expiry_reminders(self, at: datetime | None = None) -> int:
        """DM the members whose link expires within a week (at `at`, default now); return how many."""
        return await self.reminders.send_due(at or self.flow.now())
