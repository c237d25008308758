"""Taubot's ref_id grant flow, from the member's side: start a link, finish it, cancel or expire it.

The order of steps is what keeps money safe:
- the pending link is saved *before* the DM goes out, so a crash never leaves a grant nobody is waiting for;
- a retrieved key is checked (`GET /users/me`) and must belong to the member who started the link before it
  is stored; the previous key, if any, keeps working until that moment and is then replaced atomically;
- taking the pending row is the single commit point: the key is stored in the same transaction that removes
  the row (`Storage.complete_link`), so a Cancel, a newer /link-account or an unlink that took the row first
  means nothing is stored, and only the one who took it edits the DM;
- one lock per ref_id, so the background poller, the "I've granted access" button and "Cancel" take turns
  on the same link.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from storage import PendingLink
from storage.clock import now
from taubot import (
    Account,
    GrantPending,
    NotFound,
    ReferenceUnknown,
    TaubotError,
    Unauthorized,
)

from .common import (
    ERROR,
    INFO,
    RELINK_FOR_VIEW_BALANCE,
    SUCCESS,
    WARNING,
    account_label,
    describe_unavailable,
    timestamp,
)
from .link_buttons import dm_buttons

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.link")

FIRST_POLL_AFTER = timedelta(seconds=10)


class LinkOutcome(enum.Enum):
    LINKED = "linked"
    WAITING = "waiting"                   # Taubot has no grant for this ref yet (its 500)
    TAUBOT_TROUBLE = "taubot_trouble"     # could not ask Taubot; the link stays pending
    CREDENTIALS_REJECTED = "credentials_rejected"  # Taubot refused the master key; the link stays pending
    EXPIRED = "expired"
    ALREADY_FINISHED = "already_finished"
    REFERENCE_UNKNOWN = "reference_unknown"  # Taubot forgot the ref (it restarted)
    WRONG_GRANTER = "wrong_granter"
    NO_ACCOUNT = "no_account"
    KEY_UNUSABLE = "key_unusable"
    CANCELLED = "cancelled"
    UNLINKED = "unlinked"                 # the member ran /unlink-account while this link was pending

    @property
    def is_final(self) -> bool:
        return self not in (LinkOutcome.WAITING, LinkOutcome.TAUBOT_TROUBLE, LinkOutcome.CREDENTIALS_REJECTED)


CREDENTIALS_REJECTED = ("The bot's Taubot credentials were rejected, so linking is unavailable. Please tell the "
                        "server admins; nothing was changed.")


# What the member reads, in the DM (final outcomes) or as the answer to a button press.
OUTCOME_TEXT = {
    LinkOutcome.WAITING: (
        "Taubot hasn't received your grant yet. On Taubot's page, tick VIEW BALANCE and TRANSFER FUNDS, set a "
        "spending limit and submit; I'll notice within a few seconds, or press the button again."
    ),
    LinkOutcome.TAUBOT_TROUBLE: (
        "I couldn't reach Taubot to check your grant. I'll keep checking; you can also press the button again "
        "in a minute."
    ),
    LinkOutcome.CREDENTIALS_REJECTED: CREDENTIALS_REJECTED,
    LinkOutcome.EXPIRED: "This link has expired, so nothing was linked. Run /link-account to get a new one.",
    LinkOutcome.ALREADY_FINISHED: (
        "This link is already finished (linked, cancelled, expired or replaced). Run /link-status to see where "
        "you stand."
    ),
    LinkOutcome.REFERENCE_UNKNOWN: (
        "Taubot no longer knows this link (it probably restarted), so nothing was linked. Run /link-account to "
        "start again."
    ),
    LinkOutcome.WRONG_GRANTER: (
        "This link was completed from a different Discord account, so I threw that key away and linked "
        "nothing. Run /link-account for a new link, and open it yourself without sharing it."
    ),
    LinkOutcome.NO_ACCOUNT: (
        "Taubot says you don't have a personal account yet, so there is nothing to link. Create one with "
        "Taubot first, then run /link-account again."
    ),
    LinkOutcome.KEY_UNUSABLE: (
        "Taubot gave me a key that doesn't work, even after asking twice, so nothing was linked. Run "
        "/link-account to try again."
    ),
    LinkOutcome.CANCELLED: "Link cancelled. Nothing was changed. Run /link-account to start again.",
    LinkOutcome.UNLINKED: "You unlinked your Taubot account, so I cancelled this link too. Run /link-account to "
                          "link again.",
}


@dataclass(frozen=True)
class LinkResult:
    outcome: LinkOutcome
    account: Account | None = None

    def message(self) -> str:
        if self.outcome is LinkOutcome.LINKED and self.account is not None:
            linked_to = f"Linked to {account_label(self.account, mention_owner=False)}"
            if self.account.balance is None:  # the grant lacks VIEW BALANCE: /balance would only fail
                return f"{linked_to}, but this grant doesn't let me see your balance. {RELINK_FOR_VIEW_BALANCE}"
            return f"{linked_to}. Try /balance."
        return OUTCOME_TEXT[self.outcome]


class LinkFlow:
    def __init__(self, bot: TaubotBot):
        self.bot = bot
        self.clock: Callable[[], datetime] = now  # replaceable, so expiry can be tested without waiting
        # A lock lives only while someone holds or waits for it.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._master_key_rejected = False  # already warned; reset once Taubot accepts the master key again

    @property
    def lifetime(self) -> timedelta:
        return timedelta(minutes=self.bot.settings.link_timeout_minutes)

    # -- starting -------------------------------------------------------------------------------------

    async def start(self, user: discord.User | discord.Member, *, in_dm: bool) -> str:
        """Register a fresh ref with Taubot, save it, DM the grant link; return what to tell the member."""
        ref_id = uuid.uuid4()
        try:
            await self.bot.taubot.register_reference(ref_id)
        except Unauthorized:
            log.error("Taubot rejected the master key while registering a link; check TAUBOT_MASTER_KEY")
            return CREDENTIALS_REJECTED
        except TaubotError as error:
            log.warning("Could not register a link reference: %s", error)
            return describe_unavailable(error)

        link, replaced = await self.bot.storage.pending_links.start(
            str(ref_id), user.id, lifetime=self.lifetime, first_poll_after=FIRST_POLL_AFTER
        )
        if replaced is not None:
            await self.show_in_dm(replaced, "This link was replaced by a newer /link-account: use the newest DM.",
                                  WARNING)

        try:
            current = await self.bot.storage.grant_keys.get(user.id)
            message = await user.send(
                embed=self._instructions(link, current_account=current.account_name if current else None),
                view=dm_buttons(link.ref_id, self.bot.taubot.grant_url(ref_id)),
            )
        except discord.HTTPException as error:
            # Nobody can complete a link whose instructions never arrived: forget it.
            await self.bot.storage.pending_links.delete(link.ref_id)
            if isinstance(error, discord.Forbidden):
                return ("I couldn't send you a DM, so I cancelled the link. Allow direct messages from this server "
                        "(click the server name → Privacy Settings → Direct Messages), then run /link-account "
                        "again.")
            log.warning("Discord refused the link DM: %s", error.status)
            return "Discord didn't deliver my DM, so I cancelled the link. Please run /link-account again."
        except Exception:
            await self.bot.storage.pending_links.delete(link.ref_id)
            raise  # the one error path tells the member and logs it
        await self.bot.storage.pending_links.set_dm(link.ref_id, channel_id=message.channel.id,
                                                    message_id=message.id)
        log.info("Link started for user %s (expires %s)", user.id, link.expires_at.isoformat())
        if in_dm:
            return f"Your link is in the message below. It expires {timestamp(link.expires_at, 'R')}."
        return f"I've sent you a DM with your link. It expires {timestamp(link.expires_at, 'R')}."

    def _instructions(self, link: PendingLink, *, current_account: str | None) -> discord.Embed:
        embed = discord.Embed(title="Link your Taubot account", colour=INFO, description=(
            "1. Press **Open Taubot** and log in with Discord.\n"
            "2. On your **personal account**, tick **VIEW BALANCE** and **TRANSFER FUNDS**.\n"
            "3. Set a **spending limit**: the total this bot may ever spend for you. The page starts at 0, "
            "which blocks every payment.\n"
            "4. Submit. I'll notice within a few seconds, or press **I've granted access**."
        ))
        embed.add_field(name="Expires", value=timestamp(link.expires_at, "R"))
        if current_account:
            embed.add_field(name="Current link",
                            value=f"{discord.utils.escape_markdown(current_account)} keeps working until this "
                                  "one is done.")
        embed.set_footer(text="Open this link yourself and don't share it: whoever completes it decides "
                              "which account is linked.")
        return embed

    # -- finishing ------------------------------------------------------------------------------------

    def _lock(self, ref_id: str) -> asyncio.Lock:
        return self._locks.setdefault(ref_id, asyncio.Lock())

    async def try_complete(self, ref_id: str) -> LinkResult:
        """Ask Taubot for the key of this link and, if it checks out, store it. Safe to call repeatedly."""
        async with self._lock(ref_id):
            return await self._complete(ref_id)

    async def cancel(self, ref_id: str, outcome: LinkOutcome = LinkOutcome.CANCELLED) -> LinkResult:
        """End the link at its member's request. Waits for a completion in progress, so the answer and the DM
        say what really happened: `outcome`, or ALREADY_FINISHED when the link finished first."""
        async with self._lock(ref_id):
            link = await self.bot.storage.pending_links.get(ref_id)
            if link is None:
                return LinkResult(LinkOutcome.ALREADY_FINISHED)
            return await self.close(link, outcome)

    async def cancel_for_unlink(self, user_id: int) -> bool:
        """End the member's pending link, if any, because they unlinked; True if one was cancelled."""
        pending = await self.bot.storage.pending_links.for_user(user_id)
        if pending is None:
            return False
        return (await self.cancel(pending.ref_id, LinkOutcome.UNLINKED)).outcome is LinkOutcome.UNLINKED

    async def _complete(self, ref_id: str) -> LinkResult:
        link = await self.bot.storage.pending_links.get(ref_id)
        if link is None:
            return LinkResult(LinkOutcome.ALREADY_FINISHED)
        if link.is_expired(self.clock()):
            return await self.close(link, LinkOutcome.EXPIRED)
        key = await self._retrieve(link)
        if isinstance(key, LinkResult):
            return key
        account = await self._account_of(link, key)
        if account is None:
            # Known Taubot behaviour: the first key of an empty grant never works and a second retrieval
            # returns a different one. Ask once more before giving up.
            key = await self._retrieve(link)
            if isinstance(key, LinkResult):
                return key
            account = await self._account_of(link, key)
            if account is None:
                return await self.close(link, LinkOutcome.KEY_UNUSABLE)
        if isinstance(account, LinkResult):
            return account

        if account.owner_id != link.discord_user_id:
            log.warning("Discarded a key for user %s: it was granted by another Discord account",
                        link.discord_user_id)
            return await self.close(link, LinkOutcome.WRONG_GRANTER)

        linked = await self.bot.storage.complete_link(
            ref_id, link.discord_user_id, key, account_id=account.account_id, account_name=account.account_name,
            account_type=account.account_type.value, balance_visible=account.balance is not None,
        )
        if linked is None:  # cancelled, replaced or unlinked while Taubot was being asked: the key is dropped
            return LinkResult(LinkOutcome.ALREADY_FINISHED)
        result = LinkResult(LinkOutcome.LINKED, account)
        await self.show_in_dm(link, result.message(), SUCCESS, title="Taubot account linked")
        log.info("Linked user %s to a %s account", link.discord_user_id, account.account_type.value)
        return result

    async def _retrieve(self, link: PendingLink) -> str | LinkResult:
        """The grant key Taubot holds for this link, or what to answer when there is none (yet)."""
        try:
            key = await self.bot.taubot.retrieve_key(uuid.UUID(link.ref_id))
        except GrantPending:
            self._master_key_rejected = False
            return LinkResult(LinkOutcome.WAITING)
        except ReferenceUnknown:
            return await self.close(link, LinkOutcome.REFERENCE_UNKNOWN)
        except Unauthorized:
            # Every pending link hits this on every poll until the host fixes the key: warn once, not per poll.
            if not self._master_key_rejected:
                self._master_key_rejected = True
                log.warning("Taubot rejected the master key while retrieving a grant; check TAUBOT_MASTER_KEY. "
                            "Pending links wait until it works again")
            return LinkResult(LinkOutcome.CREDENTIALS_REJECTED)
        except TaubotError as error:
            log.warning("Could not retrieve the key for user %s yet: %s", link.discord_user_id, error)
            return LinkResult(LinkOutcome.TAUBOT_TROUBLE)
        self._master_key_rejected = False
        return key

    async def _account_of(self, link: PendingLink, key: str) -> Account | LinkResult | None:
        """The key's own account (whose owner_id says who granted it); None when Taubot refuses the key."""
        try:
            return await self.bot.taubot.get_my_account(key)
        except Unauthorized:
            return None
        except NotFound:
            return await self.close(link, LinkOutcome.NO_ACCOUNT)
        except TaubotError as error:
            log.warning("Could not check the new key for user %s yet: %s", link.discord_user_id, error)
            return LinkResult(LinkOutcome.TAUBOT_TROUBLE)

    async def close(self, link: PendingLink, outcome: LinkOutcome) -> LinkResult:
        """End a pending link without linking; only the caller that removes the row edits the DM (anyone
        else gets ALREADY_FINISHED)."""
        if not await self.bot.storage.pending_links.delete(link.ref_id):
            return LinkResult(LinkOutcome.ALREADY_FINISHED)
        asked = outcome in (LinkOutcome.CANCELLED, LinkOutcome.UNLINKED)  # the member's own doing: no alarm
        await self.show_in_dm(link, OUTCOME_TEXT[outcome], INFO if asked else ERROR)
        log.info("Link for user %s ended: %s", link.discord_user_id, outcome.value)
        return LinkResult(outcome)

    async def show_in_dm(self, link: PendingLink, text: str, colour: int, *, title: str = "Taubot link") -> None:
        """Replace the link DM's instructions and buttons with `text` (best effort: the DM may be gone).

        Called after the outcome is settled in storage, so no failure here may reach the member as "nothing
        was changed": a dropped connection to Discord is logged and the answer goes on."""
        if link.dm_channel_id is None or link.dm_message_id is None:
            return
        message = self.bot.get_partial_messageable(link.dm_channel_id).get_partial_message(link.dm_message_id)
        try:
            await message.edit(embed=discord.Embed(title=title, description=text, colour=colour), view=None)
        except discord.HTTPException as error:
            log.info("Could not update the link DM for user %s: %s", link.discord_user_id, error.status)
        except Exception as error:
            log.warning("Could not update the link DM for user %s: %r", link.discord_user_id, error)
