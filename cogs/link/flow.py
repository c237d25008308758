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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from storage import PendingLink
from taubot import Account, GrantPending, NotFound, ReferenceUnknown, TaubotError, Unauthorized

from .. import messages
from ..ui import ERROR, INFO, SUCCESS, WARNING, account_label, timestamp
from .buttons import dm_buttons
from .embeds import instructions, link_dm_update

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.link")

FIRST_POLL_AFTER = timedelta(seconds=10)


class LinkState(enum.Enum):
    """Where a link stands after an attempt to finish or end it."""

    LINKED = "linked"
    WAITING = "waiting"                   # not granted yet: Taubot has no key for this ref yet (its 500)
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
        return self not in (LinkState.WAITING, LinkState.TAUBOT_TROUBLE, LinkState.CREDENTIALS_REJECTED)


@dataclass(frozen=True)
class LinkResult:
    state: LinkState
    account: Account | None = None

    def message(self) -> str:
        """What the member reads, in the DM (final states) or as the answer to a button press."""
        if self.state is LinkState.LINKED and self.account is not None:
            linked_to = f"Linked to {account_label(self.account, mention_owner=False)}"
            if self.account.balance is None:  # the grant lacks VIEW BALANCE: /balance would only fail
                return messages.linked_without_view_balance(linked_to)
            return f"{linked_to}. Try /balance."
        return messages.LINK_STATE_TEXT[self.state.value]


@dataclass(frozen=True)
class LinkShownHere:
    """The link DM's contents, for the member's private answer when Discord would not let the bot DM them
    (DMs closed, or no server shared with the bot). Only that member ever sees it, like the DM."""

    content: str
    embed: discord.Embed
    view: discord.ui.View


class LinkFlow:
    def __init__(self, bot: TaubotBot):
        self.bot = bot
        # A lock lives only while someone holds or waits for it.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._master_key_rejected = False  # already warned; reset once Taubot accepts the master key again

    def now(self) -> datetime:
        return self.bot.timings.clock()

    @property
    def lifetime(self) -> timedelta:
        return timedelta(minutes=self.bot.settings.link_timeout_minutes)

    # -- starting -------------------------------------------------------------------------------------

    async def start(self, user: discord.User | discord.Member, *, in_dm: bool) -> str | LinkShownHere:
        """Register a fresh ref with Taubot, save it, DM the grant link; return what to tell the member, or the
        link itself to show them privately when Discord refused the DM."""
        ref_id = uuid.uuid4()
        problem = await self._register(ref_id)
        if problem is not None:
            return problem
        link, replaced = await self.bot.storage.pending_links.start(
            str(ref_id), user.id, lifetime=self.lifetime, first_poll_after=FIRST_POLL_AFTER
        )
        if replaced is not None:
            await self.show_in_dm(replaced, messages.LINK_REPLACED, WARNING)
        not_sent = await self._send_dm(user, link)
        if not_sent is not None:
            return not_sent  # a sentence, or the link to show in the (private) answer
        log.info("Link started for user %s (expires %s)", user.id, link.expires_at.isoformat())
        if in_dm:
            return f"Your link is in the message below. It expires {timestamp(link.expires_at, 'R')}."
        return f"I've sent you a DM with your link. It expires {timestamp(link.expires_at, 'R')}."

    async def _register(self, ref_id: uuid.UUID) -> str | None:
        """Register the ref with Taubot; what to tell the member if that failed."""
        try:
            await self.bot.taubot.register_reference(ref_id)
        except Unauthorized:
            log.error("Taubot rejected the master key while registering a link; check TAUBOT_MASTER_KEY")
            return messages.CREDENTIALS_REJECTED
        except TaubotError as error:
            log.warning("Could not register a link reference: %s", error)
            return messages.describe_unavailable(error)
        return None

    async def _send_dm(self, user: discord.User | discord.Member, link: PendingLink) -> str | LinkShownHere | None:
        """DM the instructions and note where they went. If Discord refuses to let the bot DM the member, the
        link stays pending and is returned to be shown in the private answer instead. On any other failure
        forget the link (nobody can complete a link whose instructions never arrived) and return what to tell
        the member."""
        pending_links = self.bot.storage.pending_links
        try:
            current = await self.bot.storage.grant_keys.get(user.id)
            shown = LinkShownHere(
                messages.LINK_SHOWN_HERE,
                instructions(link.expires_at, current_account=current.account_name if current else None),
                dm_buttons(link.ref_id, self.bot.taubot.grant_url(uuid.UUID(link.ref_id))))
            message = await user.send(embed=shown.embed, view=shown.view)
        except discord.Forbidden:
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

    # -- finishing ------------------------------------------------------------------------------------

    def _lock(self, ref_id: str) -> asyncio.Lock:
        return self._locks.setdefault(ref_id, asyncio.Lock())

    async def try_complete(self, ref_id: str) -> LinkResult:
        """Ask Taubot for the key of this link and, if it checks out, store it. Safe to call repeatedly."""
        async with self._lock(ref_id):
            return await self._complete(ref_id)

    async def cancel(self, ref_id: str, state: LinkState = LinkState.CANCELLED) -> LinkResult:
        """End the link at its member's request. Waits for a completion in progress, so the answer and the DM
        say what really happened: `state`, or ALREADY_FINISHED when the link finished first."""
        async with self._lock(ref_id):
            link = await self.bot.storage.pending_links.get(ref_id)
            if link is None:
                return LinkResult(LinkState.ALREADY_FINISHED)
            return await self.close(link, state)

    async def cancel_for_unlink(self, user_id: int) -> bool:
        """End the member's pending link, if any, because they unlinked; True if one was cancelled."""
        pending = await self.bot.storage.pending_links.for_user(user_id)
        if pending is None:
            return False
        return (await self.cancel(pending.ref_id, LinkState.UNLINKED)).state is LinkState.UNLINKED

    async def _complete(self, ref_id: str) -> LinkResult:
        link = await self.bot.storage.pending_links.get(ref_id)
        if link is None:
            return LinkResult(LinkState.ALREADY_FINISHED)
        if link.is_expired(self.now()):
            return await self.close(link, LinkState.EXPIRED)
        verified = await self._verified_key(link)
        if isinstance(verified, LinkResult):
            return verified
        key, account = verified
        if account.owner_id != link.discord_user_id:
            log.warning("Discarded a key for user %s: it was granted by another Discord account",
                        link.discord_user_id)
            return await self.close(link, LinkState.WRONG_GRANTER)
        return await self._store(link, key, account)

    async def _verified_key(self, link: PendingLink) -> tuple[str, Account] | LinkResult:
        """The link's grant key and the account it opens, or where the link stands when there is none.

        Known Taubot behaviour: the first key of an empty grant never works and a second retrieval returns a
        different one, so a key Taubot refuses is asked for once more before giving up."""
        for _ in range(2):
            key = await self._retrieve(link)
            if isinstance(key, LinkResult):
                return key
            account = await self._account_of(link, key)
            if isinstance(account, LinkResult):
                return account
            if account is not None:
                return key, account
        return await self.close(link, LinkState.KEY_UNUSABLE)

    async def _store(self, link: PendingLink, key: str, account: Account) -> LinkResult:
        linked = await self.bot.storage.complete_link(
            link.ref_id, link.discord_user_id, key, account_id=account.account_id,
            account_name=account.account_name, account_type=account.account_type.value,
            balance_visible=account.balance is not None,
        )
        if linked is None:  # cancelled, replaced or unlinked while Taubot was being asked: the key is dropped
            return LinkResult(LinkState.ALREADY_FINISHED)
        result = LinkResult(LinkState.LINKED, account)
        await self.show_in_dm(link, result.message(), SUCCESS, title="Taubot account linked")
        log.info("Linked user %s to a %s account", link.discord_user_id, account.account_type.value)
        return result

    async def _retrieve(self, link: PendingLink) -> str | LinkResult:
        """The grant key Taubot holds for this link, or where the link stands when there is none (yet)."""
        try:
            key = await self.bot.taubot.retrieve_key(uuid.UUID(link.ref_id))
        except GrantPending:
            self._master_key_rejected = False
            return LinkResult(LinkState.WAITING)
        except ReferenceUnknown:
            return await self.close(link, LinkState.REFERENCE_UNKNOWN)
        except Unauthorized:
            # Every pending link hits this on every poll until the host fixes the key: warn once, not per poll.
            if not self._master_key_rejected:
                self._master_key_rejected = True
                log.warning("Taubot rejected the master key while retrieving a grant; check TAUBOT_MASTER_KEY. "
                            "Pending links wait until it works again")
            return LinkResult(LinkState.CREDENTIALS_REJECTED)
        except TaubotError as error:
            log.warning("Could not retrieve the key for user %s yet: %s", link.discord_user_id, error)
            return LinkResult(LinkState.TAUBOT_TROUBLE)
        self._master_key_rejected = False
        return key

    async def _account_of(self, link: PendingLink, key: str) -> Account | LinkResult | None:
        """The key's own account (whose owner_id says who granted it); None when Taubot refuses the key."""
        try:
            return await self.bot.taubot.get_my_account(key)
        except Unauthorized:
            return None
        except NotFound:
            return await self.close(link, LinkState.NO_ACCOUNT)
        except TaubotError as error:
            log.warning("Could not check the new key for user %s yet: %s", link.discord_user_id, error)
            return LinkResult(LinkState.TAUBOT_TROUBLE)

    async def close(self, link: PendingLink, state: LinkState) -> LinkResult:
        """End a pending link without linking; only the caller that removes the row edits the DM (anyone
        else gets ALREADY_FINISHED)."""
        if not await self.bot.storage.pending_links.delete(link.ref_id):
            return LinkResult(LinkState.ALREADY_FINISHED)
        asked = state in (LinkState.CANCELLED, LinkState.UNLINKED)  # the member's own doing: no alarm
        await self.show_in_dm(link, messages.LINK_STATE_TEXT[state.value], INFO if asked else ERROR)
        log.info("Link for user %s ended: %s", link.discord_user_id, state.value)
        return LinkResult(state)

    async def show_in_dm(self, link: PendingLink, text: str, colour: int, *, title: str = "Taubot link") -> None:
        """Replace the link DM's instructions and buttons with `text` (best effort: the DM may be gone).

        Called after the link's fate is settled in storage, so no failure here may reach the member as
        "nothing was changed": a dropped connection to Discord is logged and the answer goes on."""
        if link.dm_channel_id is None or link.dm_message_id is None:
            return
        message = self.bot.get_partial_messageable(link.dm_channel_id).get_partial_message(link.dm_message_id)
        try:
            await message.edit(embed=link_dm_update(text, colour, title=title), view=None)
        except discord.HTTPException as error:
            log.info("Could not update the link DM for user %s: %s", link.discord_user_id, error.status)
        except Exception as error:
            log.warning("Could not update the link DM for user %s: %r", link.discord_user_id, error)
