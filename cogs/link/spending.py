"""What each of a member's links has spent through the bot, from the payment journal (Taubot cannot tell): what
/link-status shows beside the link, so a member can see how much of the spending limit they set is used.

It is counted per grant key, as Taubot counts the limit: on Taubot v2 one grant may cover several linked
accounts, which then share one figure; refused payments count too where Taubot counts them (v2). Payments whose
outcome is not known are named apart: Taubot may or may not have counted them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from storage import LinkedAccount
from taubot import KeyUnreadable, TaubotError, read_claims

from .. import messages
from ..ui import account_name, format_money

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.link")


class LinkSpending:
    def __init__(self, bot: TaubotBot):
        self.bot = bot

    async def of(self, links: list[LinkedAccount]) -> dict[str, str]:
        """For each link (by account id), what its grant key spent through the bot, in words."""
        refused_count = await self._refused_payments_count()
        symbol = self.bot.settings.currency_symbol
        spent: dict[str, str] = {}
        for link in links:
            key_id = _key_id(link.grant_key)
            if key_id is None:
                continue
            journal = self.bot.storage.payments
            cents = await journal.spent_with_key(key_id, refused_count=bool(refused_count))
            still_open = await journal.open_with_key(key_id)
            sharing = [account_name(other.account_name) for other in links
                       if other.grant_key == link.grant_key and other.account_id != link.account_id]
            spent[link.account_id] = messages.spent_through_the_bot(
                format_money(cents, symbol), refused_count, sharing,
                format_money(still_open, symbol) if still_open else None)
        return spent

    async def _refused_payments_count(self) -> bool | None:
        """Whether this Taubot counts refused payments against the limit; None when its version is not known."""
        try:
            return (await self.bot.taubot.dialect_now()).failed_transfers_use_allowance
        except TaubotError as error:
            log.info("Could not tell which Taubot version counts the spending: %s", error)
            return None


def _key_id(grant_key: str) -> str | None:
    try:
        return read_claims(grant_key).key_id
    except KeyUnreadable:
        return None
