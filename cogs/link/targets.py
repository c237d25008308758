"""Which account a /link-account is for: the member's personal account, or another account they act for (a
company, a department…), named by the member; and, on Taubot v2, linking such an account at once with a grant the
member already gave, when that grant covers it.

On v2 one grant can cover several accounts (the grant page lists every account the member may act for, with
permissions ticked per account): a key the member already holds that may see an account's balance was granted
for that account too, so the bot records it for that account without a new grant. Whether it may also transfer
from it shows at the first payment (v2 answers OK without moving anything otherwise; the receipt says so). On
v2.1 a key is bound to one account, so each account gets a link of its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storage import LinkedAccount
from taubot import Account, AccountType, TaubotError

from .. import messages
from ..linked_accounts import is_named

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.link")


@dataclass(frozen=True)
class LinkTarget:
    account_id: str | None     # None: the member's personal account (known once a key shows it)
    account_name: str | None
    current: LinkedAccount | None  # the member's link to it now, if any

    @classmethod
    def of(cls, link: LinkedAccount) -> LinkTarget:
        if link.is_personal:
            return cls(None, None, link)
        return cls(link.account_id, link.account_name, link)


class LinkTargets:
    def __init__(self, bot: TaubotBot):
        self.bot = bot

    async def resolve(self, user_id: int, named: str | None) -> LinkTarget | str:
        """The account `named` (None: the personal account) with the member's current link to it; or the sentence
        that says why it cannot be linked."""
        links = await self.bot.storage.grant_keys.all_of(user_id)
        if named is None:
            return LinkTarget(None, None, next((link for link in links if link.is_personal), None))
        linked = next((link for link in links if is_named(link, named)), None)
        if linked is not None:
            return LinkTarget.of(linked)
        try:
            account = await self.bot.taubot.get_account_by_name_as_app(named.strip())
        except TaubotError as error:
            return messages.describe_lookup_failure(error, name=named.strip())
        if account.account_type is AccountType.USER and account.owner_id == user_id:
            return LinkTarget(None, None, next((link for link in links if link.is_personal), None))
        return LinkTarget(account.account_id, account.account_name, None)

    async def link_if_covered(self, user_id: int, target: LinkTarget) -> LinkedAccount | None:
        """Where one grant covers several accounts: link `target` with a key the member already holds that may
        see its balance (no new grant); None when none does (or the server binds each key to one account)."""
        if target.account_id is None or target.account_name is None:
            return None
        try:
            if (await self.bot.taubot.dialect_now()).grant_picks_one_account:
                return None
        except TaubotError:
            return None
        for held in _distinct_keys(await self.bot.storage.grant_keys.all_of(user_id)):
            seen = await self._seen_with(held, target.account_id)
            if seen is not None and seen.balance is not None:
                log.info("Linked user %s to a %s account with a grant they had given", user_id,
                         seen.account_type.value)
                return await self.bot.storage.grant_keys.put(
                    user_id, held.grant_key, account_id=seen.account_id, account_name=seen.account_name,
                    account_type=seen.account_type.value, balance_visible=True, key_expires_at=held.key_expires_at)
        return None

    async def _seen_with(self, held: LinkedAccount, account_id: str) -> Account | None:
        try:
            return await self.bot.taubot.get_account(held.grant_key, account_id)
        except TaubotError as error:
            log.info("A held key could not read an account to link: %s", error)
            return None


def _distinct_keys(links: list[LinkedAccount]) -> list[LinkedAccount]:
    """One link per key (on v2 several accounts may share one)."""
    seen: dict[str, LinkedAccount] = {}
    for link in links:
        seen.setdefault(link.grant_key, link)
    return list(seen.values())
