"""A link's grant key: fetched from Taubot and held at once, then checked to belong to the member who started
the link. Says where the link stands; deciding its fate (store, close, wait) is flow.py's.

Taubot v2.1 hands a key out once (`dialect.retrieve_is_once`), so the key is written, encrypted, into the
pending link before any other request: a crash after that finishes the link at the next check, with the key
from the database. Only a crash in the instant between Taubot's answer and that write loses the key; the next
check then hears "unknown reference" and tells the member to start again, so nobody is left waiting.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable
from typing import TYPE_CHECKING, TypeVar

from storage import PendingLink
from taubot import Account, Dialect, GrantPending, NotFound, ReferenceUnknown, TaubotError, Unauthorized

from .states import LinkState

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.link")
T = TypeVar("T")


class KeyCheck:
    def __init__(self, bot: TaubotBot):
        self.bot = bot
        self._master_key_rejected = False  # already warned; reset once Taubot accepts the master key again

    async def fetch(self, link: PendingLink) -> str | LinkState:
        """The key Taubot holds for this link, already held in the pending row; or where the link stands."""
        try:
            key = await self.bot.taubot.retrieve_key(uuid.UUID(link.ref_id))
        except GrantPending:
            self._master_key_rejected = False
            return LinkState.WAITING
        except ReferenceUnknown:
            return await self._unknown_reference(link)
        except Unauthorized:
            # Every pending link hits this on every poll until the host fixes the key: warn once, not per poll.
            if not self._master_key_rejected:
                self._master_key_rejected = True
                log.warning("Taubot rejected the master key while retrieving a grant; check TAUBOT_MASTER_KEY. "
                            "Pending links wait until it works again")
            return LinkState.CREDENTIALS_REJECTED
        except TaubotError as error:
            log.warning("Could not retrieve the key for user %s yet: %s", link.discord_user_id, error)
            return LinkState.TAUBOT_TROUBLE
        self._master_key_rejected = False
        if not await self.bot.storage.pending_links.hold_key(link, key):
            return LinkState.ALREADY_FINISHED  # cancelled, replaced or unlinked meanwhile: the key is dropped
        return key

    async def _unknown_reference(self, link: PendingLink) -> LinkState:
        """Taubot forgot the reference, or (where a key comes back once) another bot process on this database
        retrieved it first and holds the key now."""
        current = await self.bot.storage.pending_links.get(link.ref_id)
        if current is not None and current.held_key is not None:
            return LinkState.TAUBOT_TROUBLE  # the next check finishes it with the held key
        if current is not None and current.finished:
            return LinkState.ALREADY_FINISHED  # it linked the member meanwhile
        return LinkState.REFERENCE_UNKNOWN

    async def account_for(self, link: PendingLink, key: str, dialect: Dialect) -> Account | LinkState | None:
        """The account the link is for (the member's personal one, or `link.account_id`), once the key is shown
        to act for it; the final state when it acts for someone or something else, or there is no account; None
        when Taubot refuses the key itself."""
        if dialect.has_who_am_i:
            account = await self._granter_is_member(link, key)
            if link.account_id is None or not isinstance(account, Account):
                return account
            return await self._grant_covers(link, key, link.account_id)
        return await self._bound_to_account(link, key)

    async def _granter_is_member(self, link: PendingLink, key: str) -> Account | LinkState | None:
        """Taubot v2: the key's own account says who granted it."""
        account = await self._ask(link, self.bot.taubot.get_my_account(key))
        if isinstance(account, Account) and account.owner_id != link.discord_user_id:
            log.warning("Discarded a key for user %s: it was granted by another Discord account",
                        link.discord_user_id)
            return LinkState.WRONG_GRANTER
        return account

    async def _grant_covers(self, link: PendingLink, key: str, account_id: str) -> Account | LinkState | None:
        """Taubot v2, another account than the personal one: the member's grant must let the bot see it (the
        grant page lists only accounts the member may act for; transfers show at the first payment)."""
        account = await self._ask(link, self.bot.taubot.get_account(key, account_id))
        if isinstance(account, Account) and account.balance is None:
            log.warning("Discarded a key for user %s: it does not cover the account they asked to link",
                        link.discord_user_id)
            return LinkState.GRANT_MISSES_ACCOUNT
        return account

    async def _bound_to_account(self, link: PendingLink, key: str) -> Account | LinkState | None:
        """Taubot v2.1 has no "who am I": find the account the link is for (the member's personal one, unless
        the link names another), then ask whether the key is bound to it (a transfer Taubot always refuses,
        whose refusal says which)."""
        found = await self._ask(link, self._account_and_binding(key, link))
        if not isinstance(found, tuple):
            return found
        account, bound = found
        if not bound:
            log.warning("Discarded a key for user %s: it is bound to an account other than the one linked",
                        link.discord_user_id)
            return LinkState.WRONG_ACCOUNT
        return account

    async def _account_and_binding(self, key: str, link: PendingLink) -> tuple[Account, bool]:
        taubot = self.bot.taubot
        account = (await taubot.get_user_account(key, link.discord_user_id) if link.account_id is None
                   else await taubot.get_account(key, link.account_id))
        return account, await taubot.key_is_bound_to(key, account.account_id)

    async def _ask(self, link: PendingLink, question: Awaitable[T]) -> T | LinkState | None:
        """Taubot's answer about a new key; None when Taubot refuses the key itself, NO_ACCOUNT when the member
        has no personal account, TAUBOT_TROUBLE when Taubot could not say."""
        try:
            return await question
        except Unauthorized:
            return None
        except NotFound:
            return LinkState.NO_ACCOUNT
        except TaubotError as error:
            log.warning("Could not check the new key for user %s yet: %s", link.discord_user_id, error)
            return LinkState.TAUBOT_TROUBLE
