"""Taubot's grant flow, from the member's side: start a link, finish it, cancel or expire it.

The order of steps is what keeps money safe:
- the pending link is saved *before* the grant link is shown, so a crash never leaves a grant nobody is
  waiting for (starting.py);
- a retrieved key is held in the pending link at once, then checked: it must act for the member who started
  the link before it is stored (key_check.py); the previous key, if any, keeps working until that moment and
  is then replaced atomically;
- taking the pending row is the single commit point: the key is stored in the same transaction that marks the
  row linked (`Storage.complete_link`), so a Cancel, a newer /link-account or an unlink that took the row first
  means nothing is stored, and only the one who took it edits the DM. The marked row, with what the DM must say,
  goes once the DM says it: a process that stops in between leaves it to the next one in the link's turn;
- one turn per ref_id across the fleet: an asyncio lock within the process and a lease in the database
  across processes, so the pollers of every process, the "I've granted access" button and "Cancel" take turns
  on the same link, and a key that Taubot hands out once (v2.1) is asked for by one process only. A holder
  checks that its lease is still its own right before asking Taubot for the key: one that was slow past its
  lease leaves the link to whoever took it over.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from storage import Lease, LinkedAccount, PendingLink
from taubot import Account, Dialect, KeyUnreadable, TaubotError, read_claims

from ..ui import ERROR, INFO, SUCCESS
from .embeds import link_dm_update
from .key_check import KeyCheck
from .starting import LinkStarter
from .states import LinkResult, LinkShownHere, LinkState
from .targets import LinkTarget

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.link")

# While another process holds a link's lease, a button press looks again this often (until the lease runs out).
LEASE_LOOK_EVERY = 0.1


class LinkFlow:
    def __init__(self, bot: TaubotBot):
        self.bot = bot
        # A lock lives only while someone holds or waits for it.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self.starter = LinkStarter(bot, turn=self.turn, show_in_dm=self.show_in_dm)
        self.keys = KeyCheck(bot)

    def now(self) -> datetime:
        return self.bot.timings.clock()

    def lock(self, ref_id: str) -> asyncio.Lock:
        return self._locks.setdefault(ref_id, asyncio.Lock())

    @property
    def lease_time(self) -> timedelta:
        """A link's lease: Timings.link_lease, and always longer than one key retrieval can take (each of its
        three tries up to the connect and request timeouts)."""
        settings = self.bot.settings
        retrieval = 3 * (settings.taubot_connect_timeout_seconds + settings.taubot_timeout_seconds)
        return timedelta(seconds=max(self.bot.timings.link_lease, 2 * retrieval))

    @asynccontextmanager
    async def turn(self, ref_id: str, *, wait: bool) -> AsyncIterator[Lease | None]:
        """This link's turn across the fleet: the process's lock, then the link's lease (None if another process
        holds it: at once unless `wait`, else once it still holds it after its lease time)."""
        async with self.lock(ref_id):
            lease = await self._take_lease(ref_id, wait=wait)
            try:
                yield lease
            finally:
                if lease is not None:
                    await self.bot.storage.leases.release(lease)

    async def _take_lease(self, ref_id: str, *, wait: bool) -> Lease | None:
        leases, name = self.bot.storage.leases, f"link:{ref_id}"
        give_up_at = asyncio.get_running_loop().time() + self.lease_time.total_seconds()
        while True:
            lease = await leases.take(name, self.bot.instance_id, self.lease_time)
            if lease is not None or not wait or asyncio.get_running_loop().time() >= give_up_at:
                return lease
            await asyncio.sleep(LEASE_LOOK_EVERY)  # another process is finishing it: its result is worth the wait

    async def start(self, user: discord.User | discord.Member, target: LinkTarget, *, in_dm: bool
                    ) -> str | LinkShownHere:
        """DM the member a grant link for `target`; return what to tell them, or the link itself to show them
        privately when Discord refused the DM."""
        return await self.starter.start(user, target, in_dm=in_dm)

    # -- finishing ------------------------------------------------------------------------------------

    async def try_complete(self, ref_id: str) -> LinkResult:
        """Ask Taubot for the key of this link and, if it checks out, store it. Safe to call repeatedly, from
        any process: one completion in progress anywhere is waited for (BEING_CHECKED if it takes too long)."""
        async with self.turn(ref_id, wait=True) as lease:
            if lease is None:
                return LinkResult(LinkState.BEING_CHECKED)
            return await self._complete(ref_id, lease)

    async def poll(self, ref_id: str, next_poll_at: datetime) -> LinkResult | None:
        """`try_complete` for the background poller: None at once if another process is on this link. A link
        not finished is given its next turn at `next_poll_at` before the lease goes (so no other process polls
        it again right away); one that failed too, after the error is raised."""
        async with self.turn(ref_id, wait=False) as lease:
            if lease is None:
                return None
            try:
                result = await self._complete(ref_id, lease)
            except Exception:
                await self.bot.storage.pending_links.reschedule_poll(ref_id, next_poll_at)
                raise
            if not result.state.is_final:
                await self.bot.storage.pending_links.reschedule_poll(ref_id, next_poll_at)
            return result

    async def cancel(self, ref_id: str, state: LinkState = LinkState.CANCELLED) -> LinkResult:
        """End the link at its member's request. Waits for a completion in progress (in any process), so the
        answer and the DM say what really happened: `state`, or ALREADY_FINISHED when the link finished first.
        (Past the wait it ends the link anyway: taking the pending row is the commit point either way.)"""
        async with self.turn(ref_id, wait=True):
            link = await self.bot.storage.pending_links.get(ref_id)
            if link is None or link.finished:
                return await self._linked_already(link)
            return await self.close(link, state)

    async def cancel_for_unlink(self, user_id: int, account_id: str | None = None) -> bool:
        """End the member's pending link, if any (only one for `account_id` when given), because they unlinked;
        True if one was cancelled."""
        pending = await self.bot.storage.pending_links.for_user(user_id)
        if pending is None or (account_id is not None and pending.account_id != account_id):
            return False
        return (await self.cancel(pending.ref_id, LinkState.UNLINKED)).state is LinkState.UNLINKED

    async def _complete(self, ref_id: str, lease: Lease) -> LinkResult:
        link = await self.bot.storage.pending_links.get(ref_id)
        if link is None or link.finished:
            return await self._linked_already(link)
        if link.is_expired(self.now()) and link.held_key is None:  # a held key was granted in time
            return await self.close(link, LinkState.EXPIRED)
        try:
            dialect = await self.bot.taubot.dialect_now()
        except TaubotError as error:
            log.warning("Could not tell which Taubot version to finish a link with: %s", error)
            return LinkResult(LinkState.TAUBOT_TROUBLE)
        checked = await self._checked_key(link, dialect, lease)
        if isinstance(checked, LinkState):
            return await self._settle(link, checked, dialect)
        return await self._store(link, *checked)

    async def _checked_key(self, link: PendingLink, dialect: Dialect, lease: Lease
                           ) -> tuple[str, Account] | LinkState:
        """The link's grant key (held, or fetched and held now) and the member's account it acts for; or where
        the link stands when there is none.

        Known Taubot v2 behaviour: the first key of an empty grant never works and a second retrieval returns
        a different one, so where keys can be fetched again, a key Taubot refuses is asked for once more."""
        key = link.held_key
        attempts = 1 if dialect.retrieve_is_once else 2
        for _ in range(attempts):
            if key is None:
                if not await self.bot.storage.leases.renew(lease, self.lease_time):
                    return LinkState.BEING_CHECKED  # this process was slow: another one has the link now
                fetched = await self.keys.fetch(link)
                if isinstance(fetched, LinkState):
                    return fetched
                key = fetched
            account = await self.keys.account_for(link, key, dialect)
            if account is not None:
                return account if isinstance(account, LinkState) else (key, account)
            await self.bot.storage.pending_links.drop_held_key(link)
            key = None
        return LinkState.KEY_UNUSABLE

    async def _settle(self, link: PendingLink, state: LinkState, dialect: Dialect) -> LinkResult:
        """A link that did not finish: closed when that is final, else still pending."""
        if state.is_final:
            return await self.close(link, state)
        return LinkResult(state, one_account_grant=dialect.grant_picks_one_account, for_account=link.account_name)

    async def _store(self, link: PendingLink, key: str, account: Account) -> LinkResult:
        result = LinkResult(LinkState.LINKED, account, for_account=link.account_name)
        linked = await self.bot.storage.complete_link(
            link.ref_id, link.discord_user_id, key, account_id=account.account_id,
            account_name=account.account_name, account_type=account.account_type.value,
            balance_visible=account.balance is not None, key_expires_at=_expiry_of(key),
            linked_message=result.message(),
        )
        if linked is None:  # cancelled, replaced or unlinked while Taubot was being asked: the key is dropped
            return LinkResult(LinkState.ALREADY_FINISHED)
        log.info("Linked user %s to a %s account", link.discord_user_id, account.account_type.value)
        await self._tell_linked(link, result.message())
        return result

    async def _linked_already(self, link: PendingLink | None) -> LinkResult:
        """A link gone, or one that linked its member already: if the process that linked them stopped before
        its DM said so, it says so now (in this link's turn, so once), unless they unlinked or linked anew since."""
        if link is not None and link.linked_message is not None:  # finished: its DM may not say so yet
            if await self.linked_by(link) is None:
                await self.bot.storage.pending_links.delete(link.ref_id)
            else:
                await self._tell_linked(link, link.linked_message)
                log.info("Told user %s of their link, which a stopped process had finished", link.discord_user_id)
        return LinkResult(LinkState.ALREADY_FINISHED)

    async def linked_by(self, pending: PendingLink | None) -> LinkedAccount | None:
        """The member's link that `pending` (as read before it finished) became, if it did and still stands."""
        if pending is None:
            return None
        links = await self.bot.storage.grant_keys.all_of(pending.discord_user_id)
        return next((link for link in links if link.linked_at >= pending.created_at and (
            link.account_id == pending.account_id if pending.account_id is not None else link.is_personal)), None)

    async def _tell_linked(self, link: PendingLink, text: str) -> None:
        """The link DM says the member is linked; then the finished link's row goes."""
        await self.show_in_dm(link, text, SUCCESS, title="Taubot account linked")
        await self.bot.storage.pending_links.delete(link.ref_id)

    # -- ending ---------------------------------------------------------------------------------------

    async def close(self, link: PendingLink, state: LinkState) -> LinkResult:
        """End a pending link without linking (a key held for it goes with it); only the caller that removes
        the row edits the DM (anyone else gets ALREADY_FINISHED)."""
        if state is LinkState.ALREADY_FINISHED or not await self.bot.storage.pending_links.delete(link.ref_id):
            return LinkResult(LinkState.ALREADY_FINISHED)
        asked = state in (LinkState.CANCELLED, LinkState.UNLINKED)  # the member's own doing: no alarm
        await self.show_in_dm(link, LinkResult(state, for_account=link.account_name).message(),
                              INFO if asked else ERROR)
        log.info("Link for user %s ended: %s", link.discord_user_id, state.value)
        return LinkResult(state, for_account=link.account_name)

    async def show_in_dm(self, link: PendingLink, text: str, colour: int, *, title: str = "Taubot link") -> None:
        """Replace the link DM's instructions and buttons with `text` (best effort: the DM may be gone). Where the
        process that sent the DM stopped before it learnt which message it was, `text` goes in a new message in
        that DM channel; a link shown in a private answer (no DM channel) is not told here.

        Called after the link's fate is settled in storage, so no failure here may reach the member as
        "nothing was changed": a dropped connection to Discord is logged and the answer goes on."""
        if link.dm_channel_id is None:
            return
        channel = self.bot.get_partial_messageable(link.dm_channel_id, type=discord.ChannelType.private)
        embed = link_dm_update(text, colour, title=title)
        try:
            if link.dm_message_id is None:
                await channel.send(embed=embed)
                log.info("The link DM for user %s was never noted (its sender stopped): told them in a new one",
                         link.discord_user_id)
            else:
                await channel.get_partial_message(link.dm_message_id).edit(embed=embed, view=None)
        except discord.HTTPException as error:
            log.info("Could not update the link DM for user %s: %s", link.discord_user_id, error.status)
        except Exception as error:
            log.warning("Could not update the link DM for user %s: %r", link.discord_user_id, error)


def _expiry_of(key: str) -> datetime | None:
    """When the key stops working, from its own claims (None: never, or unreadable)."""
    try:
        return read_claims(key).expires_at
    except KeyUnreadable:
        return None
