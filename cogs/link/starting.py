"""Starting a link: a reference from Taubot, the pending link, and the grant link in a DM (or, when Discord will
not let the bot DM the member, in their private answer).

Where Taubot keeps few pending references (v2.1: 64 for every application together, the oldest pushed out by
newer ones), a member who asks again while a link is pending gets that same link again, in a new message,
instead of taking another reference: asking repeatedly cannot push other people's links out. The pending link
is saved before the grant link is shown, so nobody can grant a link the bot is not waiting for; and the starter
holds the link's turn (LinkFlow.turn) until it has noted where the DM went, so no process finishes the link
without knowing which message to tell (a stopped starter's turn runs out, and its DM channel is known).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

import discord

from storage import Lease, LinkedAccount, PendingLink
from taubot import Dialect, TaubotError, Unauthorized

from .. import messages
from ..ui import WARNING, timestamp
from .buttons import dm_buttons
from .embeds import instructions
from .states import LinkShownHere
from .targets import LinkTarget

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.link")

# A pending link is given again (instead of a new reference) only if this much of it is left.
REUSE_AT_LEAST = timedelta(minutes=10)

ShowInDM = Callable[[PendingLink, str, int], Awaitable[None]]


class LinkTurn(Protocol):
    def __call__(self, ref_id: str, *, wait: bool) -> AbstractAsyncContextManager[Lease | None]: ...


class LinkStarter:
    def __init__(self, bot: TaubotBot, *, turn: LinkTurn, show_in_dm: ShowInDM):
        """turn: the link flow's turn on a ref_id (see LinkFlow.turn); show_in_dm: how it replaces a link DM's
        contents."""
        self.bot = bot
        self._turn = turn
        self._show_in_dm = show_in_dm

    async def start(self, user: discord.User | discord.Member, target: LinkTarget, *, in_dm: bool
                    ) -> str | LinkShownHere:
        """DM the member a grant link for `target` (a new one, or theirs still pending for it where references are
        scarce); return what to tell them, or the link itself to show them privately when Discord refused the
        DM."""
        try:
            dialect = await self.bot.taubot.dialect_now()
        except TaubotError as error:
            log.warning("Could not tell which Taubot version to link with: %s", error)
            return messages.describe_unavailable(error)
        started = await self._reuse(user, target, dialect) or await self._new_link(user, target, dialect)
        if isinstance(started, str):
            return started
        link, not_sent = started
        if not_sent is not None:
            return not_sent  # a sentence, or the link to show in the (private) answer
        log.info("Link started for user %s (expires %s)", user.id, link.expires_at.isoformat())
        if in_dm:
            return f"Your link is in the message below. It expires {timestamp(link.expires_at, 'R')}."
        return f"I've sent you a DM with your link. It expires {timestamp(link.expires_at, 'R')}."

    def lifetime(self, dialect: Dialect) -> timedelta:
        """LINK_TIMEOUT_MINUTES, but never longer than Taubot keeps a reference."""
        minutes = self.bot.settings.link_timeout_minutes
        if dialect.max_link_minutes is not None:
            minutes = min(minutes, dialect.max_link_minutes)
        return timedelta(minutes=minutes)

    async def _reuse(self, user: discord.User | discord.Member, target: LinkTarget, dialect: Dialect
                     ) -> tuple[PendingLink, str | LinkShownHere | None] | None:
        """Where references are scarce: the member's pending link for the same account shown again (see _show), if
        enough of it is left and its key is not being fetched (in its turn, so it cannot finish meanwhile, in any
        process); None if there is none to give again."""
        if dialect.pending_reference_capacity is None:
            return None
        pending_links = self.bot.storage.pending_links
        pending = await pending_links.for_user(user.id)
        if pending is None or pending.account_id != target.account_id:
            return None
        async with self._turn(pending.ref_id, wait=True) as lease:
            current = await pending_links.get(pending.ref_id)
            if lease is None or current is None or current.held_key is not None or current.finished or \
                    current.expires_at - self.bot.timings.clock() < REUSE_AT_LEAST:
                return None
            return current, await self._show(user, current, current, dialect)

    async def _new_link(self, user: discord.User | discord.Member, target: LinkTarget, dialect: Dialect
                        ) -> tuple[PendingLink, str | LinkShownHere | None] | str:
        """A new pending link on a fresh reference, shown (see _show); or what to tell the member."""
        try:
            ref_id = await self.bot.taubot.create_reference()
        except Unauthorized:
            log.error("Taubot rejected the master key while registering a link; check TAUBOT_MASTER_KEY")
            return messages.CREDENTIALS_REJECTED
        except TaubotError as error:
            log.warning("Could not register a link reference: %s", error)
            return messages.describe_unavailable(error)
        # Nobody else knows this reference yet, so its turn is free: held until the DM is out and noted.
        async with self._turn(str(ref_id), wait=False):
            link, replaced = await self.bot.storage.pending_links.start(
                str(ref_id), user.id, lifetime=self.lifetime(dialect),
                first_poll_after=timedelta(seconds=self.bot.timings.link_first_poll),
                account_id=target.account_id, account_name=target.account_name)
            return link, await self._show(user, link, replaced, dialect)

    async def _show(self, user: discord.User | discord.Member, link: PendingLink, previous: PendingLink | None,
                    dialect: Dialect) -> str | LinkShownHere | None:
        """In the link's turn: the DM of the link it replaces (or of this one, shown again) says so, and the link
        is DMed. Nobody finishes the link before its DM is noted, so whoever does edits that DM."""
        if previous is not None:
            await self._show_in_dm(previous, messages.LINK_REPLACED, WARNING)
        return await self._send_dm(user, link, dialect)

    async def _send_dm(self, user: discord.User | discord.Member, link: PendingLink, dialect: Dialect
                       ) -> str | LinkShownHere | None:
        """DM the instructions and note where they went: the DM channel before the message is sent, the message
        once it is. If Discord refuses to let the bot DM the member, the link stays pending and is returned to be
        shown in the private answer instead. On any other failure forget the link (nobody can complete a link
        whose instructions never arrived) and return what to tell the member."""
        pending_links = self.bot.storage.pending_links
        try:
            current = await self._current_link(link)
            shown = LinkShownHere(
                messages.LINK_SHOWN_HERE,
                instructions(link.expires_at, current_account=current.account_name if current else None,
                             dialect=dialect, symbol=self.bot.settings.currency_symbol,
                             for_account=link.account_name),
                dm_buttons(link.ref_id, self.bot.taubot.grant_url(uuid.UUID(link.ref_id))))
            channel = await user.create_dm()
            # If this process stops after Discord took the DM and before it hears which message that is, whoever
            # finishes the link tells the member in a new message in this channel (LinkFlow.show_in_dm).
            await pending_links.set_dm(link.ref_id, channel_id=channel.id, message_id=None)
            message = await channel.send(embed=shown.embed, view=shown.view)
        except discord.Forbidden:
            await pending_links.set_dm(link.ref_id, channel_id=None, message_id=None)  # in the answer, not a DM
            log.info("User %s cannot get DMs from the bot: their link is shown in the answer", user.id)
            return shown
        except discord.HTTPException as error:
            await pending_links.delete(link.ref_id)
            log.warning("Discord refused the link DM: %s", error.status)
            return messages.DM_NOT_DELIVERED
        except Exception:
            await pending_links.delete(link.ref_id)
            raise  # the one error path tells the member and logs it
        await pending_links.set_dm(link.ref_id, channel_id=message.channel.id, message_id=message.id)
        return None

    async def _current_link(self, link: PendingLink) -> LinkedAccount | None:
        """The member's link to the account this new link is for, which keeps working until it is done."""
        grant_keys = self.bot.storage.grant_keys
        if link.account_id is not None:
            return await grant_keys.get_for(link.discord_user_id, link.account_id)
        return next((held for held in await grant_keys.all_of(link.discord_user_id) if held.is_personal), None)
